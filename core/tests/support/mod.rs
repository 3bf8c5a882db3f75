//! The Python interpreter of the test venv (`target/pyenv`, made by
//! `cargo xtask setup`), and a way to run a script with it.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// `$TOKENSMITH_PYTHON` (set by `cargo xtask test`), else the venv in `target/`.
pub fn python() -> PathBuf {
    let path = std::env::var_os("TOKENSMITH_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/pyenv/bin/python")
        });
    assert!(
        path.exists(),
        "the test Python venv is missing ({}): run `cargo xtask setup` (it creates target/pyenv with python-pskc)",
        path.display()
    );
    path
}

/// Runs `script` with `args`, feeding `stdin`; panics with Python's stderr on failure.
pub fn run(script: &str, args: &[&str], stdin: &[u8]) -> String {
    let mut child = Command::new(python())
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin)
        .expect("python reads its input");
    let out = child.wait_with_output().expect("python finishes");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("python prints UTF-8")
}
