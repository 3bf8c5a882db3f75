//! PSKC password keys (RFC 6030 §6.2), derived in the worker: 100,000 rounds of PBKDF2 are
//! about 0.1 s (longer on a slow phone; a file to import may ask for up to 10 million), which
//! the page's main thread must not spend. The page then writes the file with
//! `core::formats::pskc::Protection::DerivedPassword`, or reads one with `Unlock::DerivedKey`.

use crate::remote::bytes;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// Derive the key of a password-protected export.
#[derive(Serialize, Deserialize)]
pub struct KeyJob {
    pub password: Zeroizing<String>,
    pub iterations: u32,
}

impl std::fmt::Debug for KeyJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyJob")
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}

/// The key and how it was made (`core::formats::pskc::PasswordKey`'s parts).
#[derive(Serialize, Deserialize)]
pub struct DerivedKey {
    #[serde(with = "bytes")]
    pub salt: Vec<u8>,
    pub iterations: u32,
    #[serde(with = "bytes::wiped")]
    pub key: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for DerivedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DerivedKey")
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}

/// The key a password gives for a password-protected file to import (its own PBKDF2
/// parameters).
#[derive(Serialize, Deserialize)]
pub struct OpenJob {
    pub text: Zeroizing<String>,
    pub password: Zeroizing<String>,
}

impl std::fmt::Debug for OpenJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenJob")
            .field("text", &format_args!("<{} bytes>", self.text.len()))
            .finish_non_exhaustive()
    }
}

/// The file's key (whether it is the right one shows when the file is read with it).
#[derive(Serialize, Deserialize)]
pub struct OpenKey {
    #[serde(with = "bytes::wiped")]
    pub key: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for OpenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OpenKey(<redacted>)")
    }
}
