//! `cargo xtask run` and `cargo xtask test`: the two commands the README starts with.
//!
//! Both install what a fresh Debian machine lacks (apt packages, the wasm32 target, Trunk,
//! wasm-bindgen-cli, npm packages) and skip whatever is already there, so a second run is quick.
#![forbid(unsafe_code)]

mod build;
mod fuzz;
mod setup;
mod shell;
mod single_file;
mod size;
mod test;
mod worker;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  run      install what is missing, build the page (dist/ and the single offline file),
           start the hardware bridge serving it on 127.0.0.1 and print where everything is
  build    install what is missing and build the page only
  test     install what is missing and run every check and test (what CI runs)
  setup    install what is missing for `test`, and nothing else
  size     build the page and report each wasm module's size per crate and function (twiggy,
           installed on first use); cargo xtask size FILE.wasm… for wasm files with names
  fuzz     run the fuzz targets of fuzz/ for a while each (nightly, cargo-fuzz; not part of
           `test`): cargo xtask fuzz --seconds N [--target NAME]; see cargo xtask fuzz --help
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => build::run(&args[1..]),
        Some("build") => setup::ensure(setup::Need::Build).and_then(|()| build::build().map(drop)),
        Some("test") => test::run_all(),
        Some("setup") => setup::ensure(setup::Need::Test),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("size") => size::run(&args[1..]),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command '{other}'\n\n{USAGE}")),
        None => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nxtask: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits inside the workspace")
        .to_path_buf()
}

/// `PATH` with the project's npm tools (wasm-opt from binaryen 132) and cargo's bin first.
pub fn tool_path() -> String {
    let mut dirs = vec![root().join("node_modules/.bin")];
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    let old = std::env::var_os("PATH").unwrap_or_default();
    dirs.extend(std::env::split_paths(&old));
    std::env::join_paths(dirs)
        .expect("PATH entries contain no separator")
        .to_string_lossy()
        .into_owned()
}

/// A command that runs in the workspace root with the project's tool PATH.
pub fn cmd(program: &str) -> Command {
    let mut c = Command::new(program);
    c.current_dir(root()).env("PATH", tool_path());
    c
}

/// Runs a command, echoing it first, and turns a failure into a readable error.
pub fn run_step(what: &str, c: &mut Command) -> Result<(), String> {
    println!("\n==> {what}");
    let started = std::time::Instant::now();
    let status = c
        .status()
        .map_err(|e| format!("{what}: could not start {:?}: {e}", c.get_program()))?;
    println!("<== {what}: {:.0} s", started.elapsed().as_secs_f64());
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

/// The trimmed stdout of a command, or None if it could not run or failed.
pub fn output_of(c: &mut Command) -> Option<String> {
    let out = c.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}
