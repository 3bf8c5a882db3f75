//! `cargo xtask build` / `run`: the hostable `dist/` (Trunk) and the single offline file.

use crate::setup::{self, Need};
use crate::{cmd, root, run_step, shell, single_file, worker};
use std::fs;
use std::path::{Path, PathBuf};
use tokensmith_api::page::{CspManifest, CSP_FILE};
use tokensmith_worker_api::page::HostedWorker;

/// Where the single offline file is written, next to the hostable site.
pub const SINGLE_FILE: &str = "dist/tokensmith.html";

pub struct Built {
    pub dist: PathBuf,
    pub single_file: PathBuf,
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, data: &[u8]) -> Result<(), String> {
    fs::write(path, data).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The one file in `dist/` whose name ends with `suffix`.
fn asset(dist: &Path, suffix: &str) -> Result<PathBuf, String> {
    let mut found: Vec<PathBuf> = fs::read_dir(dist)
        .map_err(|e| format!("cannot list {}: {e}", dist.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    match found.len() {
        1 => Ok(found.remove(0)),
        n => Err(format!(
            "expected one *{suffix} in {}, found {n}",
            dist.display()
        )),
    }
}

fn file_name(path: &Path) -> Result<String, String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| format!("{} has no file name", path.display()))
}

fn gzip_size(data: &[u8]) -> Option<usize> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("gzip")
        .args(["-9", "-c"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    // Feed stdin from another thread: gzip blocks once its unread output fills the pipe, so
    // writing everything before reading would deadlock on inputs over ~64 KiB of output.
    let mut stdin = child.stdin.take()?;
    let data = data.to_vec();
    let feeder = std::thread::spawn(move || stdin.write_all(&data).is_ok());
    let out = child.wait_with_output().ok()?;
    feeder.join().ok()?.then_some(out.stdout.len())
}

fn kib(n: usize) -> String {
    format!("{:.1} KiB", n as f64 / 1024.0)
}

pub fn build() -> Result<Built, String> {
    let r = root();
    run_step(
        "trunk build --release (the page, wasm-opt 132)",
        cmd("trunk").args([
            "--skip-version-check",
            "--offline=true",
            "build",
            "--release",
        ]),
    )?;
    let dist = r.join("dist");
    let index_path = dist.join("index.html");
    let index = String::from_utf8(read(&index_path)?).map_err(|_| "index.html is not UTF-8")?;
    let js_path = asset(&dist, ".js")?;
    let wasm_path = asset(&dist, "_bg.wasm")?;
    let js = String::from_utf8(read(&js_path)?).map_err(|_| "the JS is not UTF-8")?;
    let wasm = read(&wasm_path)?;
    let shell = shell::build()?;
    let shell_script = single_file::ShellScript {
        js: &shell.js,
        wasm: &shell.wasm,
    };
    let worker = worker::build(&dist)?;
    worker::check_split(&r.join("target/wasm32-unknown-unknown/release/tokensmith-app.wasm"))?;
    let worker_gzip = single_file::gzip(&worker.wasm);
    let wasm_gzip = single_file::gzip(&wasm);

    let embedded = single_file::EmbeddedWorker {
        js: &worker.js,
        wasm_gzip: &worker_gzip,
    };
    let (single, single_csp) =
        single_file::single_file(&index, &js, &wasm_gzip, &embedded, &shell_script)?;
    let single_path = r.join(SINGLE_FILE);
    write(&single_path, single.as_bytes())?;
    let hosted = single_file::with_hosted_worker(
        &single_file::with_shell(&index, &shell_script)?,
        &HostedWorker {
            js: worker.js_name.clone(),
            wasm: worker.wasm_name.clone(),
        },
    )?;
    let (hosted, hosted_csp) = single_file::with_policy(&hosted, true)?;
    write(&index_path, hosted.as_bytes())?;
    // The server sends each page's policy as a header; it reads it here, not out of the HTML.
    let manifest = CspManifest::from([
        ("index.html".to_string(), hosted_csp),
        (file_name(&single_path)?, single_csp),
    ]);
    let manifest = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    write(&dist.join(CSP_FILE), manifest.as_bytes())?;

    println!("\n==> built");
    let size = |bytes: &[u8]| match gzip_size(bytes) {
        Some(gz) => format!("{} raw, {} gzip", kib(bytes.len()), kib(gz)),
        None => kib(bytes.len()),
    };
    println!("    shell wasm (first paint): {}", size(&shell.wasm));
    println!(
        "    shell JS (first paint):   {}",
        size(shell.js.as_bytes())
    );
    println!(
        "    shell, as inlined:        {}",
        size(single_file::with_shell("<body>", &shell_script)?.as_bytes())
    );
    println!("    page wasm (the app):     {}", size(&wasm));
    println!(
        "    page wasm, embedded:     {} gzip, {} as base64",
        kib(wasm_gzip.len()),
        kib(wasm_gzip.len().div_ceil(3) * 4)
    );
    println!("    page JS (the app):       {}", size(js.as_bytes()));
    println!("    worker wasm:             {}", size(&worker.wasm));
    println!(
        "    worker wasm, embedded:   {} gzip, {} as base64",
        kib(worker_gzip.len()),
        kib(worker_gzip.len().div_ceil(3) * 4)
    );
    println!(
        "    worker JS:               {}",
        size(worker.js.as_bytes())
    );
    println!("    single file:             {}", size(single.as_bytes()));
    Ok(Built {
        dist,
        single_file: single_path,
    })
}

/// `hardware-bridge` built with the `bridge` profile (release optimisation, unwinding panics):
/// its path. `why` is added to the step's name.
pub fn bridge(why: &str) -> Result<std::path::PathBuf, String> {
    run_step(
        &format!("cargo build --profile bridge -p hardware-bridge{why}"),
        cmd("cargo").args([
            "build",
            "--profile",
            "bridge",
            "--quiet",
            "-p",
            "hardware-bridge",
        ]),
    )?;
    Ok(root().join("target/bridge/hardware-bridge"))
}

pub fn run(args: &[String]) -> Result<(), String> {
    setup::ensure(Need::Run)?;
    let built = build()?;
    let bridge = bridge("")?;
    println!("\nThe page, two ways:");
    println!("  single offline file: {}", built.single_file.display());
    println!("    (open it in a browser from disk; copy it anywhere, e.g. a USB stick)");
    println!("  hostable site:       {}/", built.dist.display());
    println!("    (copy the folder to any static web server or intranet share)\n");
    let mut serve = cmd(&bridge.to_string_lossy());
    serve.arg("serve").arg("--dist").arg(&built.dist).args(args);
    run_step("hardware-bridge serve (Ctrl-C to stop)", &mut serve)
}
