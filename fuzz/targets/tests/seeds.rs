//! Replays the committed seed corpus (`fuzz/seeds/<target>/`, which also keeps every crash the
//! fuzzer found once it is fixed) through the target bodies, on stable Rust, and checks that the
//! targets, their libFuzzer binaries and their seed directories agree.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use tokensmith_fuzz_targets::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("targets/ sits in fuzz/")
        .to_path_buf()
}

fn seed_files(target: &str) -> Vec<PathBuf> {
    let dir = fuzz_dir().join("seeds").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("readable directory").path())
        .collect();
    files.sort();
    files
}

#[test]
fn every_seed_passes_its_target() {
    let mut failures = Vec::new();
    for target in TARGETS {
        let files = seed_files(target.name);
        assert!(
            files.len() >= 3,
            "{}: give the target a few seeds in fuzz/seeds/{}/",
            target.name,
            target.name
        );
        for file in files {
            let data = std::fs::read(&file).expect("readable seed");
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| (target.run)(&data))) {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
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
    for entry in std::fs::read_dir(fuzz.join("seeds")).expect("fuzz/seeds") {
        let name = entry.expect("entry").file_name();
        let name = name.to_string_lossy();
        assert!(
            TARGETS.iter().any(|t| t.name == name),
            "fuzz/seeds/{name} belongs to no target"
        );
    }
}
