//! Replays the committed seed corpus (`fuzz/seeds/<target>/`, which also keeps every crash the
//! fuzzer found once it is fixed) through the target bodies, on stable Rust, and checks that the
//! targets, their libFuzzer binaries and their seed directories agree.
//!
//! `fuzz/unfixed/<target>/` keeps inputs that still fail for a reason outside this project (a
//! dependency's bug): they must keep failing, so the day a fix lands this test says to move
//! them to the seeds.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use tokensmith_fuzz_targets::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("targets/ sits in fuzz/")
        .to_path_buf()
}

/// The files in `fuzz/<kind>/<target>/`; a missing directory has none.
fn files(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = fuzz_dir().join(kind).join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .map(|entry| entry.expect("readable directory").path())
        .collect();
    files.sort();
    files
}

/// Runs one input through its target; the panic message if it failed.
fn failure(run: fn(&[u8]), file: &Path) -> Option<String> {
    let data = std::fs::read(file).expect("readable input");
    let panic = catch_unwind(AssertUnwindSafe(|| run(&data))).err()?;
    Some(
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default(),
    )
}

#[test]
fn every_seed_passes_its_target() {
    let mut failures = Vec::new();
    for target in TARGETS {
        let seeds = files("seeds", target.name);
        assert!(
            seeds.len() >= 3,
            "{}: give the target a few seeds in fuzz/seeds/{}/",
            target.name,
            target.name
        );
        for file in seeds {
            if let Some(why) = failure(target.run, &file) {
                failures.push(format!("{}: {why}", file.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "seeds that fail:\n{}",
        failures.join("\n")
    );
}

#[test]
fn unfixed_inputs_still_fail() {
    for target in TARGETS {
        for file in files("unfixed", target.name) {
            assert!(
                failure(target.run, &file).is_some(),
                "{} passes now: move it to fuzz/seeds/{}/ as crash-<what>, with a test of the \
                 right error",
                file.display(),
                target.name
            );
        }
    }
}

#[test]
fn targets_binaries_and_seed_directories_agree() {
    let fuzz = fuzz_dir();
    let manifest = std::fs::read_to_string(fuzz.join("Cargo.toml")).expect("fuzz/Cargo.toml");
    for target in TARGETS {
        let bin = fuzz
            .join("fuzz_targets")
            .join(format!("{}.rs", target.name));
        let source = std::fs::read_to_string(&bin)
            .unwrap_or_else(|e| panic!("{}: {e} (add the libFuzzer binary)", bin.display()));
        assert!(
            source.contains(&format!("tokensmith_fuzz_targets::{}::run", target.name)),
            "{} must call its target's run",
            bin.display()
        );
        assert!(
            manifest.contains(&format!("name = \"{}\"", target.name))
                && manifest.contains(&format!("path = \"fuzz_targets/{}.rs\"", target.name)),
            "fuzz/Cargo.toml needs a [[bin]] for {}",
            target.name
        );
    }
    for kind in ["seeds", "unfixed"] {
        for entry in std::fs::read_dir(fuzz.join(kind)).into_iter().flatten() {
            let name = entry.expect("entry").file_name();
            let name = name.to_string_lossy();
            assert!(
                TARGETS.iter().any(|t| t.name == name),
                "fuzz/{kind}/{name} belongs to no target"
            );
        }
    }
}
