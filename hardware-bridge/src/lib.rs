//! Tokensmith hardware bridge: the pure protocol layer for programmable TOTP
//! hardware tokens, plus in-process card emulators.
//!
//! Everything here is "bytes in, bytes out": building APDUs, parsing replies,
//! the Token2 SM4 secure messaging, and emulated cards that follow the
//! reference documents (including the documented firmware quirks). The only
//! network code is [`vpcd`], which connects an emulated [`emulator::Card`] to
//! vsmartcard's virtual reader driver.
//!
//! Modules:
//! - [`apdu`]: short ISO 7816-4 command/response encoding, status words.
//! - [`crypto`]: SM4-ECB, the ISO 9797-1 alg. 1 MAC, seed/title padding.
//! - [`transport`]: the [`transport::Transport`] trait used by all sessions.
//! - [`token2`]: single-profile Token2 NFC tokens (OTPC-P1-i, miniOTP-…, C30x-i).
//! - [`molto2`]: Token2 Molto2 / Molto2v2 multi-profile tokens.
//! - [`ykoath`]: the YKOATH applet (YubiKey, Nitrokey 3, Solo 2).
//! - [`otp`]: minimal HOTP/TOTP used by the emulators.
//! - [`emulator`]: emulated cards and [`emulator::EmulatedTransport`].
//! - [`vpcd`]: connects a card to vpcd (2-byte big-endian length framing).
#![forbid(unsafe_code)]

pub mod apdu;
pub mod crypto;
pub mod emulator;
pub mod molto2;
pub mod token2;
pub mod transport;
pub mod vpcd;
pub mod ykoath;
// Host side (PC/SC, operations, results file, CLI, localhost server).
pub mod cli;
pub mod devices;
pub mod operation;
pub mod pcsc;
pub mod results;
pub mod server;
pub mod simulate;
