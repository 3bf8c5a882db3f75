//! Installs what is missing, and only that: every check is cheap so that warm runs are fast.

use crate::{cmd, output_of, root, run_step};
use std::process::Command;

pub const TRUNK_VERSION: &str = "0.21.14";
/// `cargo xtask fuzz` only: libFuzzer through cargo-fuzz, on a nightly toolchain.
pub const CARGO_FUZZ_VERSION: &str = "0.13.2";

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Need {
    /// Build the page.
    Build,
    /// Build the page and the bridge, and run the bridge (PC/SC).
    Run,
    /// Everything the test suite uses.
    Test,
}

/// Debian packages: the command that shows one is present (node and npm may come from
/// elsewhere than Debian), the first need that requires it, and what it is for.
const APT: &[(&str, Option<&str>, Need, &str)] = &[
    (
        "nodejs",
        Some("node"),
        Need::Build,
        "runs wasm-opt from npm's binaryen",
    ),
    (
        "npm",
        Some("npm"),
        Need::Build,
        "installs binaryen and playwright-core",
    ),
    (
        "pkgconf",
        Some("pkg-config"),
        Need::Run,
        "finds libpcsclite when building the bridge",
    ),
    (
        "libpcsclite-dev",
        None,
        Need::Run,
        "PC/SC library the bridge links to",
    ),
    (
        "pcscd",
        Some("pcscd"),
        Need::Run,
        "PC/SC daemon that talks to card readers",
    ),
    (
        "chromium",
        Some("chromium"),
        Need::Test,
        "headless browser for page tests",
    ),
    (
        "chromium-driver",
        Some("chromedriver"),
        Need::Test,
        "runs wasm-bindgen-test in the browser",
    ),
    (
        "oathtool",
        Some("oathtool"),
        Need::Test,
        "independent TOTP/HOTP cross-check",
    ),
    (
        "zbar-tools",
        Some("zbarimg"),
        Need::Test,
        "zbarimg decodes QR screenshots",
    ),
    (
        "qrencode",
        Some("qrencode"),
        Need::Test,
        "makes QR fixtures",
    ),
    (
        "vsmartcard-vpcd",
        None,
        Need::Test,
        "virtual reader for emulated cards",
    ),
    (
        "gnupg",
        Some("gpg"),
        Need::Test,
        "GnuPG decrypts the OpenPGP-encrypted exports in tests",
    ),
    (
        "age",
        Some("age"),
        Need::Test,
        "age (Go) decrypts the burn journal's records in tests",
    ),
    (
        "python3-venv",
        None,
        Need::Test,
        "Python virtual environment for the python-pskc, csv and ykman cross-checks",
    ),
];

/// PyPI packages of the test venv (`target/pyenv`), pinned with everything they
/// pull in so a fresh machine gets the same ones; one line per package.
const PYTHON_PACKAGES: &[&str] = &[
    // python-pskc: the independent PSKC (RFC 6030) implementation.
    "python-pskc==1.4",
    "cryptography==50.0.2",
    "cffi==2.1.1",
    "pycparser==3.12",
    "python-dateutil==4.0.0",
    "tzdata==2026.6",
    // ykman (yubikey-manager): the independent YKOATH client the OATH end-to-end test reads
    // codes with; pyscard talks to pcscd (libpcsclite above).
    "yubikey-manager==5.9.2",
    "pyscard==2.3.1",
    "fido2==2.2.1",
    "click==8.5.1",
    "keyring==25.7.0",
    "jaraco.classes==3.4.0",
    "jaraco.context==6.1.2",
    "jaraco.functools==4.6.0",
    "backports.tarfile==1.2.0",
    "more-itertools==11.2.1",
    "importlib_metadata==10.2.0",
    "lazy-importer==0.1.0",
    "zipp==4.1.2",
    "jeepney==0.9.0",
    "SecretStorage==3.5.0",
];

/// The variable through which tests find the venv's interpreter
/// (`core/tests/support/python.rs` falls back to `target/pyenv/bin/python`).
pub const PYTHON_ENV_VAR: &str = "TOKENSMITH_PYTHON";

/// The test venv's interpreter.
pub fn python() -> std::path::PathBuf {
    root().join("target/pyenv/bin/python")
}

fn installed(pkg: &str, command: Option<&str>) -> bool {
    let on_path = command.is_some_and(|c| {
        ["/usr/local/bin", "/usr/bin", "/usr/sbin", "/bin", "/sbin"]
            .iter()
            .any(|d| std::path::Path::new(d).join(c).exists())
            || output_of(Command::new("sh").args(["-c", &format!("command -v {c}")])).is_some()
    });
    on_path
        || output_of(Command::new("dpkg-query").args(["-W", "-f=${db:Status-Status}", pkg]))
            .is_some_and(|s| s == "installed")
}

pub fn ensure(need: Need) -> Result<(), String> {
    println!("==> checking tools (installing only what is missing)");
    apt_packages(need)?;
    if need >= Need::Test {
        python_env()?;
    }
    wasm_target()?;
    npm_packages()?;
    cargo_tool("trunk", TRUNK_VERSION, &["--locked"])?;
    let wbg = wasm_bindgen_version()?;
    cargo_tool("wasm-bindgen-cli", &wbg, &[])?;
    Ok(())
}

/// What `cargo xtask fuzz` needs beyond the build: a nightly toolchain (sanitizers and
/// coverage instrumentation are nightly-only) and cargo-fuzz.
pub fn ensure_fuzzing() -> Result<(), String> {
    if output_of(Command::new("rustup").args(["run", "nightly", "rustc", "--version"])).is_none() {
        run_step(
            "rustup toolchain install nightly (for cargo fuzz)",
            Command::new("rustup").args([
                "toolchain",
                "install",
                "nightly",
                "--profile",
                "minimal",
            ]),
        )?;
    }
    cargo_tool("cargo-fuzz", CARGO_FUZZ_VERSION, &["--locked"])
}

fn apt_packages(need: Need) -> Result<(), String> {
    let missing: Vec<&str> = APT
        .iter()
        .filter(|(pkg, command, n, _)| *n <= need && !installed(pkg, *command))
        .map(|(pkg, ..)| *pkg)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    for (pkg, .., why) in APT.iter().filter(|(p, ..)| missing.contains(p)) {
        println!("    apt: {pkg} ({why})");
    }
    let root_user = output_of(Command::new("id").arg("-u")).as_deref() == Some("0");
    let apt = |args: &[&str]| {
        let mut c = if root_user {
            Command::new("apt-get")
        } else {
            let mut s = Command::new("sudo");
            s.args(["-n", "apt-get"]);
            s
        };
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    run_step(
        "apt-get update",
        apt(&["update", "-qq"]).arg("-o=Dpkg::Use-Pty=0"),
    )?;
    run_step(
        "apt-get install",
        apt(&["install", "-y", "-qq", "-o=Dpkg::Use-Pty=0"]).args(&missing),
    )
    .map_err(|e| {
        format!(
            "{e}: install these Debian packages by hand (as root): apt-get install {}",
            missing.join(" ")
        )
    })
}

fn wasm_target() -> Result<(), String> {
    let have = output_of(Command::new("rustup").args(["target", "list", "--installed"]))
        .ok_or("rustup is needed (the Rust toolchain manager) but did not run")?;
    if have.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    run_step(
        "rustup target add wasm32-unknown-unknown",
        Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]),
    )
}

/// The exact wasm-bindgen version in Cargo.lock: the CLI must match it byte for byte.
pub fn wasm_bindgen_version() -> Result<String, String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_string());
            }
        }
    }
    Err("Cargo.lock has no wasm-bindgen entry".into())
}

/// Installs a cargo tool at an exact version unless that version is already on PATH.
pub fn cargo_tool(krate: &str, version: &str, extra: &[&str]) -> Result<(), String> {
    let bin = match krate {
        "wasm-bindgen-cli" => "wasm-bindgen",
        other => other,
    };
    let have = output_of(cmd(bin).arg("--version")).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(version) {
        return Ok(());
    }
    println!(
        "    cargo: {krate} {version} (found: {})",
        if have.is_empty() { "none" } else { &have }
    );
    run_step(
        &format!("cargo install {krate} {version} (takes minutes, once)"),
        cmd("cargo")
            .args(["install", krate, "--version", &format!("={version}")])
            .args(extra),
    )
}

fn npm_packages() -> Result<(), String> {
    let r = root();
    let stamp = r.join("node_modules/.package-lock.json");
    let fresh = match (
        std::fs::metadata(&stamp),
        std::fs::metadata(r.join("package-lock.json")),
    ) {
        (Ok(s), Ok(l)) => s.modified().ok() >= l.modified().ok(),
        _ => false,
    };
    if fresh && r.join("node_modules/.bin/wasm-opt").exists() {
        return Ok(());
    }
    run_step(
        "npm ci (binaryen 132 for wasm-opt, playwright-core)",
        cmd("npm").args(["ci", "--no-audit", "--no-fund"]),
    )
}

/// Creates `target/pyenv` and installs [`PYTHON_PACKAGES`] with its pip, again
/// whenever the list changes (a stamp file in the venv remembers it).
fn python_env() -> Result<(), String> {
    let venv = root().join("target/pyenv");
    let stamp = venv.join("tokensmith-packages.txt");
    let wanted = PYTHON_PACKAGES.join("\n");
    let have = std::fs::read_to_string(&stamp).unwrap_or_default();
    if python().exists() && have == wanted {
        return Ok(());
    }
    if !python().exists() {
        // Debian's interpreter (python3-venv above) unless another is all there is.
        let system = ["/usr/bin/python3", "python3"]
            .into_iter()
            .find(|p| !p.starts_with('/') || std::path::Path::new(p).exists())
            .unwrap_or("python3");
        run_step(
            "python3 -m venv target/pyenv (Python cross-checks)",
            Command::new(system).args(["-m", "venv"]).arg(&venv),
        )?;
    }
    run_step(
        &format!("pip install {}", PYTHON_PACKAGES.join(" ")),
        Command::new(venv.join("bin/pip"))
            .args([
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "--quiet",
            ])
            .args(PYTHON_PACKAGES),
    )?;
    std::fs::write(&stamp, wanted).map_err(|e| format!("cannot write {}: {e}", stamp.display()))
}
