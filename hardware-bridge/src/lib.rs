//! Tokensmith hardware bridge: the native side of the page. Talks to tokens through PC/SC
//! (or emulated readers), serves the page and its JSON API on loopback, and is a command
//! line. The protocols themselves are in `tokensmith-proto` (bytes in, bytes out); the API's
//! types in `tokensmith-api`.
//!
//! - [`backend`]: where transports come from and which reader an operation uses;
//!   [`pcsc`] (PC/SC readers) and [`simulate`] (emulated readers, `--simulate`).
//! - [`device`]: detection, burn planning against core's capability table, burning, clock
//!   sync, Molto2 profiles, OATH credentials.
//! - [`card_wait`]: every connection on its own thread, each answer waited for with a time
//!   limit and the user's cancel.
//! - [`operation`]: the one way an operation runs, for the CLI and the server alike.
//! - [`journal`]: the write-ahead burn journal (`--results-file`) as the burn path uses it;
//!   [`terminal`]: asking its passphrase.
//! - [`results`]: a journal (or an old results CSV) read back as export rows, and its
//!   conversion to every export format.
//! - [`server`] (`hardware-bridge serve`) and [`cli`].
//! - [`vpcd`]: connects an emulated card to vsmartcard's virtual reader, so a real `pcscd`
//!   sees it (`emulated-card`, and the end-to-end tests).
//! - [`error`]: [`error::BridgeError`] and its API code.
#![forbid(unsafe_code)]

pub mod backend;
pub mod batch;
pub mod card_wait;
pub mod cli;
pub mod device;
pub mod entra_cli;
pub mod error;
pub mod journal;
pub mod operation;
pub mod pcsc;
pub mod results;
pub mod server;
pub mod simulate;
pub mod terminal;
pub mod vpcd;
