//! The first-paint shell (`shell/`, `tokensmith-shell`): cargo (its `tokensmith-shell` binary),
//! wasm-bindgen `no-modules` and wasm-opt like the worker. Both pages carry it inline at the
//! start of `<body>` (`single_file::with_shell`), ahead of everything large.

use crate::{root, worker};
use std::path::PathBuf;

/// The built shell: its glue script and optimised wasm.
pub struct Shell {
    pub js: String,
    pub wasm: Vec<u8>,
}

/// cargo's output for the shell, before wasm-bindgen.
pub fn cargo_wasm() -> PathBuf {
    root().join("target/wasm32-unknown-unknown/release/tokensmith-shell.wasm")
}

pub fn build() -> Result<Shell, String> {
    let (js, wasm) = worker::no_modules(
        "the first-paint shell",
        &["-p", "tokensmith-shell", "--bin", "tokensmith-shell"],
        &cargo_wasm(),
        "shell-bindgen",
        "shell",
    )?;
    Ok(Shell { js, wasm })
}
