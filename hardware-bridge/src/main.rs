//! `hardware-bridge`: see `hardware-bridge --help` and [`hardware_bridge::cli`].
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    hardware_bridge::cli::main()
}
