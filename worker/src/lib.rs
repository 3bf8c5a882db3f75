//! The page's Web Worker: what is heavy and not needed for the first code, compiled on first
//! use and run off the page's main thread — QR decoding (rqrr), import parsing (Google
//! Authenticator exports with prost, Aegis/2FAS backups, classification) and OpenPGP
//! (`tokensmith-seal`, rPGP). The page's main module contains none of these crates.
//!
//! The page talks to it with `tokensmith-worker-api`'s messages only: [`answer`] turns a
//! [`Request`] into its [`Reply`] (pure, tested natively); on wasm32 `entry` receives the
//! encoded messages and `picture` turns a picture into luma bytes with the browser's own
//! decoders (`createImageBitmap`, `OffscreenCanvas`). `js/boot.js`, appended to the
//! wasm-bindgen glue by `cargo xtask build`, starts the module and reports a crash (rqrr 0.11
//! panics on some pictures; the wasm aborts) so the page can restart the worker.
//!
//! The worker keeps no state between messages: every key is read and checked again for each
//! encryption, and a restarted worker is as good as the old one.
#![forbid(unsafe_code)]

mod answer;
mod openpgp;

#[cfg(target_arch = "wasm32")]
mod entry;
#[cfg(target_arch = "wasm32")]
mod picture;

pub use answer::{answer, classify, read_codes};
pub use tokensmith_worker_api::{Reply, Request};
