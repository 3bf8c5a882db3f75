//! Tokensmith hardware bridge CLI (minimal for now: the localhost helper and
//! PC/SC transport come later).
#![forbid(unsafe_code)]

use std::process::ExitCode;

const USAGE: &str = "usage: hardware-bridge [--version | --help]\n\
The PC/SC helper is not implemented yet; see the `emulated-card` binary for emulators.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("--help") | Some("-h") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some("--version") | Some("-V") => {
            println!("hardware-bridge {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("unknown argument {other}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
