//! Asking the person at the terminal: whether there is one, and a passphrase read without
//! showing it (echo off while it is typed, restored afterwards even on error).

use std::io::{BufRead, IsTerminal, Write};

use zeroize::Zeroizing;

/// Standard input and standard error are a terminal: someone can be asked.
pub fn is_interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Print `prompt` on stderr and read one line from stdin with echo off.
pub fn ask_hidden(prompt: &str) -> std::io::Result<Zeroizing<String>> {
    eprint!("{prompt}");
    std::io::stderr().flush()?;
    let line = {
        let _quiet = Quiet::new()?;
        let mut line = Zeroizing::new(String::new());
        std::io::stdin().lock().read_line(&mut line)?;
        line
    };
    eprintln!();
    let trimmed = line.strip_suffix('\n').unwrap_or(&line);
    Ok(Zeroizing::new(
        trimmed.strip_suffix('\r').unwrap_or(trimmed).to_string(),
    ))
}

/// Echo off on stdin until dropped.
struct Quiet {
    #[cfg(unix)]
    saved: Option<rustix::termios::Termios>,
}

impl Quiet {
    #[cfg(unix)]
    fn new() -> std::io::Result<Self> {
        use rustix::termios::{tcgetattr, tcsetattr, LocalModes, OptionalActions};
        let stdin = std::io::stdin();
        let saved = tcgetattr(&stdin)?;
        let mut quiet = saved.clone();
        quiet.local_modes.remove(LocalModes::ECHO);
        quiet.local_modes.insert(LocalModes::ECHONL);
        tcsetattr(&stdin, OptionalActions::Now, &quiet)?;
        Ok(Quiet { saved: Some(saved) })
    }

    #[cfg(not(unix))]
    fn new() -> std::io::Result<Self> {
        Ok(Quiet {})
    }
}

impl Drop for Quiet {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(saved) = self.saved.take() {
            let _ = rustix::termios::tcsetattr(
                std::io::stdin(),
                rustix::termios::OptionalActions::Now,
                &saved,
            );
        }
    }
}
