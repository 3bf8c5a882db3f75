//! One message every recipient can open.

use pgp::composed::{ArmorOptions, MessageBuilder};
use pgp::crypto::sym::SymmetricKeyAlgorithm;
use rand::rngs::OsRng;

use crate::keys::Recipient;
use crate::SealError;

/// ASCII armour (`.asc`, pasteable into mail) or binary (`.gpg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Output {
    #[default]
    Armored,
    Binary,
}

impl Output {
    /// Appended to the plain file's name: `tokens.csv` → `tokens.csv.asc`.
    pub fn extension(self) -> &'static str {
        match self {
            Output::Armored => "asc",
            Output::Binary => "gpg",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Output::Armored => "application/pgp-encrypted",
            Output::Binary => "application/octet-stream",
        }
    }
}

/// Encrypts `plaintext` to every recipient (each can decrypt alone) after
/// checking each is usable. `file_name` goes into the literal data packet,
/// so `gpg --decrypt` knows the original name. Plaintext is streamed from
/// the borrowed slice, not copied into rPGP's buffers.
pub fn encrypt(
    plaintext: &[u8],
    file_name: &str,
    recipients: &[Recipient],
    output: Output,
) -> Result<Vec<u8>, SealError> {
    if recipients.is_empty() {
        return Err(SealError::NoRecipient);
    }
    for r in recipients {
        r.check()?;
    }
    let fail = |e: pgp::errors::Error| SealError::Encrypt(e.to_string());
    let mut builder = MessageBuilder::from_reader(file_name.to_string(), plaintext)
        .seipd_v1(OsRng, SymmetricKeyAlgorithm::AES256);
    for r in recipients {
        if r.subkeys.is_empty() {
            builder
                .encrypt_to_key(OsRng, &r.key.primary_key)
                .map_err(fail)?;
        }
        for &i in &r.subkeys {
            builder
                .encrypt_to_key(OsRng, &r.key.public_subkeys[i])
                .map_err(fail)?;
        }
    }
    match output {
        Output::Armored => builder
            .to_armored_string(OsRng, ArmorOptions::default())
            .map(String::into_bytes)
            .map_err(fail),
        Output::Binary => builder.to_vec(OsRng).map_err(fail),
    }
}
