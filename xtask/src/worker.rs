//! The page's Web Worker module (`worker/`, `tokensmith-worker`): cargo, wasm-bindgen
//! (`no-modules`: a classic worker script, which a `blob:` URL can start) and wasm-opt 132 like
//! Trunk's for the page, then `worker/js/boot.js` appended to the glue. The files go into
//! `dist/` under content-hashed names; the single file gets them embedded.

use crate::{cmd, root, run_step};
use sha2::{Digest, Sha256};
use std::fs;
use std::path::{Path, PathBuf};

/// The built worker: its script (glue + boot) and optimised wasm, and their names in `dist/`.
pub struct Worker {
    pub js: String,
    pub wasm: Vec<u8>,
    pub js_name: String,
    pub wasm_name: String,
}

/// wasm-opt's optimisation for the worker, the same level as the page's (`data-wasm-opt="z"`).
pub const WASM_OPT: &[&str] = &["-Oz"];

fn read(path: &Path) -> Result<Vec<u8>, String> {
    fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// cargo's output for the worker, before wasm-bindgen.
pub fn cargo_wasm() -> PathBuf {
    root().join("target/wasm32-unknown-unknown/release/tokensmith_worker.wasm")
}

/// A wasm-bindgen module as a classic script: `cargo build --release` for wasm32 with
/// `cargo_args`, wasm-bindgen `no-modules` (the glue defines a global `wasm_bindgen`) into
/// `target/<out>/NAME.js`, wasm-opt 132 like Trunk's for the page. Returns the glue and the
/// optimised wasm. The worker and the first-paint shell are built this way.
pub fn no_modules(
    what: &str,
    cargo_args: &[&str],
    cargo_wasm: &Path,
    out: &str,
    name: &str,
) -> Result<(String, Vec<u8>), String> {
    run_step(
        &format!(
            "cargo build --release --target wasm32-unknown-unknown {} ({what})",
            cargo_args.join(" ")
        ),
        cmd("cargo")
            .args([
                "build",
                "--release",
                "--quiet",
                "--target",
                "wasm32-unknown-unknown",
            ])
            .args(cargo_args),
    )?;
    let out = root().join("target").join(out);
    run_step(
        &format!("wasm-bindgen --target no-modules ({what})"),
        cmd("wasm-bindgen")
            .args([
                "--target",
                "no-modules",
                "--no-typescript",
                "--out-name",
                name,
                "--out-dir",
            ])
            .arg(&out)
            .arg(cargo_wasm),
    )?;
    let opt = out.join(format!("{name}_opt.wasm"));
    run_step(
        &format!("wasm-opt -Oz ({what}, binaryen 132)"),
        cmd("wasm-opt")
            .args(WASM_OPT)
            .arg(out.join(format!("{name}_bg.wasm")))
            .arg("-o")
            .arg(&opt),
    )?;
    let glue = String::from_utf8(read(&out.join(format!("{name}.js")))?)
        .map_err(|_| format!("the glue of {what} is not UTF-8"))?;
    if !glue.contains("let wasm_bindgen = (function(exports)") {
        return Err(format!(
            "the glue of {what} does not define `wasm_bindgen`: wasm-bindgen changed its \
             no-modules output; update worker/js/boot.js, the shell's loader \
             (xtask/src/single_file.rs) and xtask/src/worker.rs"
        ));
    }
    Ok((glue, read(&opt)?))
}

pub fn build(dist: &Path) -> Result<Worker, String> {
    let (glue, wasm) = no_modules(
        "the page's worker",
        &["-p", "tokensmith-worker"],
        &cargo_wasm(),
        "worker-bindgen",
        "worker",
    )?;
    let boot = String::from_utf8(read(&root().join("worker/js/boot.js"))?)
        .map_err(|_| "worker/js/boot.js is not UTF-8")?;
    let js = format!("{glue}\n{boot}");
    let hash = hex16(
        &Sha256::new()
            .chain_update(js.as_bytes())
            .chain_update(&wasm)
            .finalize(),
    );
    let js_name = format!("tokensmith-worker-{hash}.js");
    let wasm_name = format!("tokensmith-worker-{hash}_bg.wasm");
    fs::write(dist.join(&js_name), js.as_bytes()).map_err(|e| e.to_string())?;
    fs::write(dist.join(&wasm_name), &wasm).map_err(|e| e.to_string())?;
    Ok(Worker {
        js,
        wasm,
        js_name,
        wasm_name,
    })
}

fn hex16(digest: &[u8]) -> String {
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Crates that run in the worker only: the page's first-paint module must not contain them.
pub const WORKER_ONLY: [&str; 3] = ["rqrr", "prost", "pgp"];

/// Whether linked wasm (cargo's output, with its name section and panic locations) holds code
/// of `krate`: a mangled symbol (`4rqrr…`) or a source path (`…/rqrr-0.11.0/src/…`).
fn holds(wasm: &[u8], krate: &str) -> bool {
    let find = |needle: String| wasm.windows(needle.len()).any(|w| w == needle.as_bytes());
    find(format!("{}{krate}", krate.len())) || find(format!("/{krate}-"))
}

/// The invariant "heavy code runs in the worker", checked on cargo's outputs: the worker holds
/// every [`WORKER_ONLY`] crate (so the check can see them at all) and the page none.
pub fn check_split(page_wasm: &Path) -> Result<(), String> {
    let page = read(page_wasm)?;
    let worker = read(&cargo_wasm())?;
    for krate in WORKER_ONLY {
        if !holds(&worker, krate) {
            return Err(format!(
                "the worker's wasm shows no trace of {krate}: names or paths are stripped, so \
                 the page's module cannot be checked; update xtask/src/worker.rs"
            ));
        }
        if holds(&page, krate) {
            return Err(format!(
                "the page's first-paint module contains {krate}, which belongs in the worker \
                 (a call from app/ into core::import's QR, migration or backup code, or seal?)"
            ));
        }
    }
    Ok(())
}
