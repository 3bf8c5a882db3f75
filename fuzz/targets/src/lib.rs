//! The bodies of Tokensmith's fuzz targets: one module per parser that reads what a user types,
//! pastes, scans or opens, each checking invariants that hold for every input, not only "no
//! panic".
//!
//! Two drivers call the same functions: cargo-fuzz's libFuzzer binaries (`fuzz/fuzz_targets/`,
//! run by `cargo xtask fuzz`, nightly) and the `seeds` test of this crate, which replays the
//! committed seed corpus (`fuzz/seeds/<target>/`) on stable Rust in `cargo test`, so CI keeps
//! every seed and every fixed crash passing.
//!
//! Adding a target:
//! 1. a module here with `pub fn run(data: &[u8])` that panics when an invariant breaks, and an
//!    entry in [`TARGETS`];
//! 2. `fuzz/fuzz_targets/<name>.rs` (two lines, copy one) and its `[[bin]]` in `fuzz/Cargo.toml`;
//! 3. a few seed files in `fuzz/seeds/<name>/` (valid examples and edge cases, kilobytes).
//!
//! The `seeds` test fails until all three agree.
#![forbid(unsafe_code)]

pub mod check;

pub mod backup;
pub mod classify;
pub mod entra_csv;
pub mod migration;
pub mod otpauth;
pub mod qr;
pub mod secret;

/// One fuzz target: its name (the libFuzzer binary and the seed directory) and its body.
pub struct Target {
    pub name: &'static str,
    pub run: fn(&[u8]),
}

/// Every target, by name.
pub const TARGETS: &[Target] = &[
    Target {
        name: "secret",
        run: secret::run,
    },
    Target {
        name: "otpauth",
        run: otpauth::run,
    },
    Target {
        name: "migration",
        run: migration::run,
    },
    Target {
        name: "backup",
        run: backup::run,
    },
    Target {
        name: "qr",
        run: qr::run,
    },
    Target {
        name: "classify",
        run: classify::run,
    },
    Target {
        name: "entra_csv",
        run: entra_csv::run,
    },
];
