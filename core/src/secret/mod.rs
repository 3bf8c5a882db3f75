//! Shared-secret key material.
//!
//! The key is the one thing in Tokensmith that must never leak, so it lives in
//! a single type that wipes its memory on drop, never prints its bytes and only
//! hands out renderings that wipe themselves too.

mod generate;
mod parse;

pub use generate::{mix_entropy, DEFAULT_GENERATED_LEN, MAX_GENERATED_LEN, MIN_GENERATED_LEN};
pub use parse::{Encoding, ParseError, Parsed};

use data_encoding::{BASE32_NOPAD, HEXLOWER};
use zeroize::Zeroizing;

/// Largest key accepted from outside. Generous on purpose: Entra allows 128
/// base32 characters (80 bytes) and some tools export longer keys; refusing to
/// even read them would only hide the problem from validation.
pub const MAX_SECRET_LEN: usize = 128;

/// Why a byte string cannot be a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("the secret is empty")]
    Empty,
    #[error("the secret is {len} bytes long; at most {max} bytes are supported")]
    TooLong { len: usize, max: usize },
    #[error(
        "a generated secret must be {min} to {max} bytes long, not {len}",
        min = MIN_GENERATED_LEN,
        max = MAX_GENERATED_LEN
    )]
    BadGeneratedLength { len: usize },
    #[error("the random source gave {got} bytes but {needed} are needed")]
    NotEnoughRandom { got: usize, needed: usize },
    #[error("the system random number generator failed: {0}")]
    Rng(String),
}

/// An HMAC key (TOTP/HOTP seed). Wiped from memory when dropped.
#[derive(Clone)]
pub struct Secret {
    bytes: Zeroizing<Vec<u8>>,
}

impl Secret {
    /// Takes ownership so the caller's copy cannot outlive the wiped one.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Secret, SecretError> {
        let bytes = Zeroizing::new(bytes);
        if bytes.is_empty() {
            return Err(SecretError::Empty);
        }
        if bytes.len() > MAX_SECRET_LEN {
            return Err(SecretError::TooLong {
                len: bytes.len(),
                max: MAX_SECRET_LEN,
            });
        }
        Ok(Secret { bytes })
    }

    /// Parses user input; see [`Encoding`] for the accepted spellings.
    pub fn parse(input: &str, enc: Encoding) -> Result<Parsed, ParseError> {
        parse::parse(input, enc)
    }

    /// New random key from the OS/browser CSPRNG, optionally stirred with
    /// user-supplied entropy (which can only add unpredictability).
    pub fn generate(len_bytes: usize, extra_entropy: Option<&[u8]>) -> Result<Secret, SecretError> {
        generate::generate(len_bytes, extra_entropy)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Always false for a constructed secret; present for API symmetry with `len`.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Upper case, unpadded: what Entra, otpauth URIs and authenticator apps expect.
    pub fn to_base32(&self) -> Zeroizing<String> {
        Zeroizing::new(BASE32_NOPAD.encode(&self.bytes))
    }

    /// Groups of four so a human can read the key aloud or type it without losing their place.
    pub fn to_base32_grouped(&self) -> Zeroizing<String> {
        let plain = self.to_base32();
        let mut out = Zeroizing::new(String::with_capacity(plain.len() + plain.len() / 4));
        for (i, c) in plain.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push(' ');
            }
            out.push(c);
        }
        out
    }

    /// Lower case hex, as oathtool and the token protocols' documentation use.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(HEXLOWER.encode(&self.bytes))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret(<redacted, {} bytes>)", self.bytes.len())
    }
}

/// Compares without an early exit so timing does not reveal where two keys differ.
impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        if self.bytes.len() != other.bytes.len() {
            return false;
        }
        let diff = self
            .bytes
            .iter()
            .zip(other.bytes.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        diff == 0
    }
}

impl Eq for Secret {}

#[cfg(test)]
mod tests;
