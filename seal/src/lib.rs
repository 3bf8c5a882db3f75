//! OpenPGP encryption of Tokensmith's exports (seed files) to one or more
//! recipients' public keys, so seeds leave only encrypted, as Token2 advises.
//!
//! [`read_keys`] parses public keys (ASCII-armoured or binary, one or many)
//! and describes each — fingerprint, user IDs, algorithm, creation and expiry
//! — for the admin to confirm; [`Recipient::check`] refuses an expired,
//! revoked or sign-only key with a message naming it; [`encrypt`] writes one
//! message every recipient can open (`.asc` armoured or `.gpg` binary).
//!
//! Everything is rPGP (the `pgp` crate): no cryptography is written here.
//! The messages are SEIPD v1 with AES-256 — what GnuPG 2.2 and every other
//! OpenPGP implementation in use today read. Like `core`, this crate does no
//! I/O and reads no clock: the time is passed in, so the same code runs in the
//! bridge and in the page's Web Worker (wasm32).
#![forbid(unsafe_code)]

mod date;
mod encrypt;
mod keys;

pub use date::ymd;
pub use encrypt::{encrypt, Output};
pub use keys::{read_keys, KeyInfo, KeyStatus, Recipient};

/// Why a key cannot be used or a message cannot be made. Names the key;
/// never contains plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("no OpenPGP public key found: {0}")]
    NotAKey(String),
    #[error("{0} is a secret (private) key: give the recipient's public key instead (gpg --export --armor KEYID), and keep the secret key where it is")]
    SecretKey(String),
    #[error("{key} cannot be used: {reason}")]
    Refused { key: String, reason: String },
    #[error("there is no recipient: add at least one public key")]
    NoRecipient,
    #[error("OpenPGP encryption failed: {0}")]
    Encrypt(String),
}
