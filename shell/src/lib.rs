//! What the page starts with, shared by its two WebAssembly modules so that they cannot
//! disagree: the first-paint shell (`main.rs`, a few tens of KiB, compiled first) shows the
//! current code while the app (Leptos, over a MiB) compiles; the app then takes over the same
//! seed. "The shell and the app show one seed" (ARCHITECTURE.md) holds because both read the
//! seed and settings here, and the seed passes from one to the other through `handoff` only.
#![forbid(unsafe_code)]

pub mod code_now;
pub mod first;
pub mod handoff;
pub mod kept;
pub mod store;
pub mod words;
