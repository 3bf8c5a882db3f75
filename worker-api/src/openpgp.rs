//! OpenPGP: recipients' public keys described for the admin to confirm, and messages encrypted
//! to them (`tokensmith-seal` in the worker; its facts — names, extensions, refusals — come
//! back as its own text, so none is repeated here).

use crate::remote::bytes;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// Public keys (ASCII-armoured — several blocks may follow each other — or binary) and the
/// time (Unix seconds) they are judged at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keys {
    #[serde(with = "bytes")]
    pub keys: Vec<u8>,
    pub now: u64,
}

/// ASCII armour (`.asc`, pasteable into mail) or binary (`.gpg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Armour {
    #[default]
    Armored,
    Binary,
}

/// A file to encrypt to every usable key in `keys`.
#[derive(Serialize, Deserialize)]
pub struct EncryptJob {
    /// The plain export (it holds seeds).
    #[serde(with = "bytes::wiped")]
    pub plaintext: Zeroizing<Vec<u8>>,
    /// Its file name, kept in the message so `gpg --decrypt` knows it.
    pub file_name: String,
    pub keys: Keys,
    pub armour: Armour,
}

impl std::fmt::Debug for EncryptJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptJob")
            .field(
                "plaintext",
                &format_args!("<{} bytes>", self.plaintext.len()),
            )
            .field("file_name", &self.file_name)
            .field("armour", &self.armour)
            .finish_non_exhaustive()
    }
}

/// The encrypted file and how to save it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Encrypted {
    #[serde(with = "bytes")]
    pub bytes: Vec<u8>,
    /// Appended to the plain file's name: "asc" or "gpg".
    pub extension: String,
    pub mime: String,
}

/// One key, described for the admin to confirm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyInfo {
    /// Upper-case hex (40 characters for v4 keys), and grouped by four as GnuPG prints it.
    pub fingerprint: String,
    pub fingerprint_grouped: String,
    /// How messages name the key: fingerprint tail and first user ID.
    pub label: String,
    pub user_ids: Vec<String>,
    /// E.g. "RSA 3072", "EdDSA (Ed25519)".
    pub algorithm: String,
    /// The algorithm messages are encrypted with, e.g. "ECDH (Curve25519)".
    pub encryption_algorithm: Option<String>,
    /// Unix seconds.
    pub created: u64,
    /// Unix seconds; `None` when the key does not expire.
    pub expires: Option<u64>,
    /// Why nothing can be encrypted to it now (expired, revoked, sign-only, damaged), with
    /// what to do; `None` when it is usable.
    pub refusal: Option<String>,
    /// This key alone, ASCII-armoured (public: the page keeps it, sends it back to encrypt,
    /// and stores it only if the admin asks it to remember the key).
    pub armored: String,
}
