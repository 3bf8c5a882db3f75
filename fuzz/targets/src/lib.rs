//! The bodies of Tokensmith's fuzz targets: one module per parser fed by a user, a file or a
//! device — what is typed, pasted, scanned or opened, what a token answers, what the bridge's
//! API and server are sent — each checking invariants that hold for every input, not only "no
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
pub mod csv_text;
pub mod input;

pub mod api_requests;
pub mod backup;
pub mod burn_journal;
pub mod burn_journal_sealed;
pub mod card;
pub mod classify;
pub mod csv_formats;
pub mod entra_csv;
pub mod graph_json;
pub mod migration;
pub mod otpauth;
pub mod pskc;
pub mod qr;
pub mod replies;
pub mod results;
pub mod secret;
pub mod server;
pub mod session;
pub mod upn_map;

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
    Target {
        name: "graph_json",
        run: graph_json::run,
    },
    Target {
        name: "pskc",
        run: pskc::run,
    },
    Target {
        name: "csv_formats",
        run: csv_formats::run,
    },
    Target {
        name: "replies",
        run: replies::run,
    },
    Target {
        name: "session",
        run: session::run,
    },
    Target {
        name: "card",
        run: card::run,
    },
    Target {
        name: "api_requests",
        run: api_requests::run,
    },
    Target {
        name: "server",
        run: server::run,
    },
    Target {
        name: "results",
        run: results::run,
    },
    Target {
        name: "upn_map",
        run: upn_map::run,
    },
    Target {
        name: "burn_journal",
        run: burn_journal::run,
    },
    Target {
        name: "burn_journal_sealed",
        run: burn_journal_sealed::run,
    },
];
