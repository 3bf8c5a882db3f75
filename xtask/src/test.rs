//! `cargo xtask test`: every check and test, in the order that fails fastest.

use crate::setup::{self, Need};
use crate::{build, cmd, root, run_step};
use std::time::Instant;

pub fn run_all() -> Result<(), String> {
    let started = Instant::now();
    setup::ensure(Need::Test)?;

    run_step(
        "cargo fmt --check",
        cmd("cargo").args(["fmt", "--all", "--", "--check"]),
    )?;
    run_step(
        "clippy (native: core, seal, worker, shell, bridge, burn journal, graph, xtask)",
        cmd("cargo").args([
            "clippy",
            "--workspace",
            "--exclude",
            "tokensmith-app",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    run_step(
        "clippy (wasm32: app, shell, core, seal, worker)",
        cmd("cargo").args([
            "clippy",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "tokensmith-app",
            "-p",
            "tokensmith-shell",
            "-p",
            "tokensmith-core",
            "-p",
            "tokensmith-seal",
            "-p",
            "tokensmith-worker",
            "-p",
            "tokensmith-worker-api",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    run_step(
        "native tests (core incl. oathtool, python-pskc and csv cross-checks; seal with gpg; worker; burn journal with Go age, tmpfs, kill -9; bridge, xtask)",
        cmd("cargo")
            .args(["test", "--workspace", "--exclude", "tokensmith-app"])
            .env(setup::PYTHON_ENV_VAR, setup::python()),
    )?;
    run_step(
        "core tests in headless Chromium (wasm-bindgen-test)",
        cmd("cargo")
            .args([
                "test",
                "-p",
                "tokensmith-core",
                "--target",
                "wasm32-unknown-unknown",
                "--test",
                "wasm",
            ])
            .env(
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                "wasm-bindgen-test-runner",
            )
            .env("CHROMEDRIVER", "/usr/bin/chromedriver")
            .env(
                "WASM_BINDGEN_TEST_WEBDRIVER_JSON",
                root().join("tests/webdriver.json"),
            )
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120"),
    )?;

    let built = build::build()?;
    // The bridge tests start `hardware-bridge --simulate serve` and open the page through it.
    let bridge = build::bridge(" (for the bridge page tests)")?;
    run_step(
        "page tests: the single file via file:// and dist/ over loopback http in headless Chromium (Playwright), the worker included",
        cmd("node")
            .args(["--test", "--test-concurrency=1", "tests/e2e/"])
            .env("TOKENSMITH_SINGLE_FILE", &built.single_file)
            .env("TOKENSMITH_DIST", &built.dist)
            .env("TOKENSMITH_BRIDGE", &bridge)
            // python-pskc reads the page's PSKC exports (tests/e2e/export-menu.test.mjs).
            .env(setup::PYTHON_ENV_VAR, setup::python()),
    )?;

    println!(
        "\nall checks and tests passed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
