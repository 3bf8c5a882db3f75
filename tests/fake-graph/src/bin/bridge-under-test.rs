//! The real `hardware-bridge` command line (`hardware_bridge::cli::main`), built in this
//! package so the integration tests can run it as a process (`CARGO_BIN_EXE_…`).
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    hardware_bridge::cli::main()
}
