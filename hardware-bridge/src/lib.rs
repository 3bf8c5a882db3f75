//! Tokensmith hardware bridge: the native side of the page. Talks to tokens through PC/SC
//! (or emulated readers), serves the page and its JSON API on loopback, and is a command
//! line. The protocols themselves are in `tokensmith-proto` (bytes in, bytes out); the API's
//! types in `tokensmith-api`.
//!
//! - [`backend`]: where transports come from and which reader an operation uses;
//!   [`pcsc`] (PC/SC readers) and [`simulate`] (emulated readers, `--simulate`).
//! - [`device`]: detection, burn planning against core's capability table, burning, clock
//!   sync, Molto2 profiles, OATH credentials.
//! - [`operation`]: the one way an operation runs, for the CLI and the server alike.
//! - [`results`]: the results file (typed rows, appended and fsynced) and its conversion to
//!   the Entra CSV or Graph JSON.
//! - [`server`] (`hardware-bridge serve`) and [`cli`].
//! - [`vpcd`]: connects an emulated card to vsmartcard's virtual reader, so a real `pcscd`
//!   sees it (`emulated-card`, and the end-to-end tests).
//! - [`error`]: [`error::BridgeError`] and its API code.
#![forbid(unsafe_code)]

pub mod backend;
pub mod batch;
pub mod cli;
pub mod device;
pub mod entra_cli;
pub mod error;
pub mod operation;
pub mod pcsc;
pub mod results;
pub mod server;
pub mod simulate;
pub mod vpcd;
