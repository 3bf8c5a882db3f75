//! Tokensmith's protocol layer for programmable TOTP hardware tokens: bytes in, bytes out.
//!
//! Nothing here touches a reader, a socket or a file: a session talks to a [`Transport`]
//! (PC/SC and vpcd live in the bridge; [`emulator::EmulatedTransport`] here), so every
//! protocol is tested with known-answer vectors and emulated cards.
//!
//! - [`apdu`]: short ISO 7816-4 command/response encoding; [`status`]: status words and
//!   [`status::SwError`], the one status-word error of every protocol.
//! - [`exchange`]: the one exchange, with response chaining (`61 xx`).
//! - [`crypto`]: SM4-ECB, the ISO 9797-1 MAC, padding; [`secure`]: the SM4 secure channel
//!   (authenticate, MAC'd commands) shared by [`token2`] and [`molto2`].
//! - [`wire`]: values as the devices encode them (`#[repr(u8)]` enums), from core's types.
//! - [`token2`], [`molto2`], [`ykoath`]: the three protocols, each with its session;
//!   [`yubico`]: a YubiKey's serial from its management or OTP applet.
//! - [`emulator`]: in-process cards that follow the reference documents, quirks included.
#![forbid(unsafe_code)]

pub mod apdu;
pub mod crypto;
pub mod emulator;
pub mod exchange;
pub mod molto2;
pub mod secure;
pub mod status;
pub mod token2;
pub mod transport;
pub mod wire;
pub mod ykoath;
pub mod yubico;

pub use transport::{Transport, TransportError};
