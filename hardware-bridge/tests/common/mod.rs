//! `hardware-bridge serve` as a child process for the server tests: started, its pairing URL
//! read, killed when dropped.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_hardware-bridge");

pub struct Bridge {
    pub child: Child,
    pub port: u16,
    pub pair: String,
}

impl Drop for Bridge {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `hardware-bridge --simulate serve --port PORT --dist /nonexistent` plus `extra`; `Err` with
/// the exit status and stderr when it did not start.
pub fn serve(port: u16, extra: &[&std::ffi::OsStr]) -> Result<Bridge, String> {
    let port = port.to_string();
    let fixed = [
        "--simulate",
        "serve",
        "--port",
        &port,
        "--dist",
        "/nonexistent",
    ];
    let mut args: Vec<&std::ffi::OsStr> = fixed.iter().map(|s| s.as_ref()).collect();
    args.extend_from_slice(extra);
    spawn(&args)
}

/// `hardware-bridge ARGS` (a `serve` command), started and paired.
pub fn spawn(args: &[&std::ffi::OsStr]) -> Result<Bridge, String> {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let Some(rest) = line
        .trim()
        .strip_prefix("Tokensmith bridge: open http://127.0.0.1:")
    else {
        let status = child.wait().unwrap();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        return Err(format!("{status}: {err}"));
    };
    // Its request log is not read: drained, so the pipe never fills (nor closes under it).
    let mut log = child.stderr.take().unwrap();
    std::thread::spawn(move || std::io::copy(&mut log, &mut std::io::sink()));
    let (port, pair) = rest.split_once("/#pair=").unwrap();
    Ok(Bridge {
        port: port.parse().unwrap(),
        pair: pair.to_string(),
        child,
    })
}

impl Bridge {
    /// One request (`Connection: close`, the pairing header added): status and body.
    pub fn call(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        self.call_waiting(method, path, body, Duration::from_secs(10))
    }

    /// [`Bridge::call`] waiting up to `wait` for the answer.
    pub fn call_waiting(
        &self,
        method: &str,
        path: &str,
        body: &str,
        wait: Duration,
    ) -> (u16, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(wait)).unwrap();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nX-Tokensmith-Pairing: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.port,
            self.pair,
            body.len()
        )
        .unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        let status = out.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
        let body = out.split_once("\r\n\r\n").map_or("", |b| b.1).to_string();
        (status, body)
    }
}
