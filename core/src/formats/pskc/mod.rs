//! PSKC 1.0, the Portable Symmetric Key Container (RFC 6030): the seed file
//! privacyIDEA, FreeIPA (`ipa-otptoken-import`), NetIQ Advanced
//! Authentication and DigitalPersona import.
//!
//! Written: one `KeyPackage` per token with `DeviceInfo` (Manufacturer,
//! SerialNo, Model) and a `Key` whose `Algorithm` is the OATH HOTP URI of
//! RFC 6030 §10.1 or the TOTP URI registered with it
//! (`urn:ietf:params:xml:ns:keyprov:pskc:totp`), `AlgorithmParameters` with
//! `Suite` naming the hash as §4.3.4 describes it (`SHA1`, `SHA256`,
//! `SHA512`; privacyIDEA reads it lower-cased, FreeIPA and python-pskc as
//! text) and `ResponseFormat Length` (digits, `DECIMAL`), `FriendlyName`
//! (the display name), `Data` with `Secret`, `TimeInterval` or `Counter`,
//! and `UserId` (the UPN). The key `Id` is the serial, or `serial#profile`
//! for one profile of a multi-profile token, which is how it reads back.
//!
//! Protection (§6): none; a pre-shared AES-128 key named by `ds:KeyName`
//! (§6.1); or a key derived from a password with PBKDF2 (§6.2, HMAC-SHA-1 as
//! PRF, the PKCS #5 default privacyIDEA assumes, 100 000 iterations by
//! default). Either way the secret is AES-128-CBC encrypted (IV prepended)
//! and MACed with HMAC-SHA-256 under a random MAC key that travels in
//! `MACMethod/MACKey`, encrypted with the same key (§6.1.1).
//!
//! Read: the above, plus what other producers write (AES-192/256-CBC, MACs
//! HMAC-SHA-1/256/384/512, PBKDF2 PRFs SHA-1/256/512, encrypted counters and
//! time steps, `Suite` with an `HMAC-` prefix or privacyIDEA's `hashalgo`
//! attribute). Anything else is refused naming the KeyPackage and element.
//!
//! Sources: RFC 6030 (rfc-editor.org/rfc/rfc6030), its XML schema and the
//! figures of §6; python-pskc (arthurdejong/python-pskc) and privacyIDEA's
//! `importotp.py` for what importers read.

mod crypto;
mod dom;
mod read;
mod write;

use std::fmt;

use zeroize::Zeroizing;

use super::check::Checks;
use super::{FormatError, OathToken};
use crate::entra::{Field, Issue};

pub use read::{lock, password_key, read};
pub use write::write;

/// PBKDF2 iterations for exports: python-pskc's default, about 0.1 s in a browser.
pub const DEFAULT_ITERATIONS: u32 = 100_000;
/// Fewer iterations than this would make a password-protected file cheap to crack.
pub const MIN_ITERATIONS: u32 = 10_000;
/// Reading refuses more, so a hostile file cannot stall the page for minutes.
pub const MAX_ITERATIONS: u32 = 10_000_000;

pub(crate) const NS_PSKC: &str = "urn:ietf:params:xml:ns:keyprov:pskc";
pub(crate) const HOTP_URI: &str = "urn:ietf:params:xml:ns:keyprov:pskc:hotp";
pub(crate) const TOTP_URI: &str = "urn:ietf:params:xml:ns:keyprov:pskc:totp";
pub(crate) const PBKDF2_URI: &str =
    "http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#pbkdf2";

/// A 128-bit AES key shared out of band with the importing system.
#[derive(Clone)]
pub struct PresharedKey(Zeroizing<[u8; 16]>);

impl PresharedKey {
    /// A fresh random key, to be shown to the admin once (as hex).
    pub fn generate() -> Result<PresharedKey, FormatError> {
        let bytes = crypto::random(16).map_err(FormatError::Write)?;
        let mut key = Zeroizing::new([0u8; 16]);
        key.copy_from_slice(&bytes);
        Ok(PresharedKey(key))
    }

    /// 32 hex digits; spaces and dashes between groups are allowed.
    pub fn from_hex(text: &str) -> Result<PresharedKey, String> {
        let cleaned: Zeroizing<String> = Zeroizing::new(
            text.chars()
                .filter(|c| !matches!(c, ' ' | '-' | ':'))
                .collect(),
        );
        let bytes = Zeroizing::new(
            data_encoding::HEXLOWER_PERMISSIVE
                .decode(cleaned.as_bytes())
                .map_err(|_| "the key must be written in hex (0–9, a–f)".to_string())?,
        );
        if bytes.len() != 16 {
            return Err(format!(
                "the key is {} bytes; an AES-128 pre-shared key is 16 bytes (32 hex digits)",
                bytes.len()
            ));
        }
        let mut key = Zeroizing::new([0u8; 16]);
        key.copy_from_slice(&bytes);
        Ok(PresharedKey(key))
    }

    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(data_encoding::HEXLOWER.encode(self.0.as_ref()))
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_ref()
    }
}

impl fmt::Debug for PresharedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PresharedKey(<redacted>)")
    }
}

/// The key of a password-protected export (RFC 6030 §6.2: PBKDF2 with HMAC-SHA-1, a fresh
/// salt, an AES-128 key), derived apart from the file: the derivation is the slow part (about
/// 0.1 s at [`DEFAULT_ITERATIONS`]), so the page runs it in its worker and writes the file with
/// [`Protection::DerivedPassword`].
pub struct PasswordKey {
    salt: Vec<u8>,
    iterations: u32,
    key: Zeroizing<Vec<u8>>,
}

impl PasswordKey {
    /// Refuses an empty password and fewer than [`MIN_ITERATIONS`] iterations.
    pub fn derive(password: &str, iterations: u32) -> Result<PasswordKey, FormatError> {
        write::check_password(password, iterations)?;
        let salt = crypto::random(write::SALT_LEN)
            .map_err(FormatError::Write)?
            .to_vec();
        let key = write::derive(password, &salt, iterations);
        Ok(PasswordKey {
            salt,
            iterations,
            key,
        })
    }

    /// A key derived elsewhere (the page's worker), checked for the sizes [`Self::derive`]
    /// makes.
    pub fn from_parts(
        salt: Vec<u8>,
        iterations: u32,
        key: Zeroizing<Vec<u8>>,
    ) -> Result<PasswordKey, FormatError> {
        if salt.len() != write::SALT_LEN || key.len() != write::KEY_LEN {
            return Err(FormatError::Write(format!(
                "a derived key of {} bytes with a {}-byte salt; expected {} and {}",
                key.len(),
                salt.len(),
                write::KEY_LEN,
                write::SALT_LEN
            )));
        }
        if iterations < MIN_ITERATIONS {
            return Err(write::too_few(iterations));
        }
        Ok(PasswordKey {
            salt,
            iterations,
            key,
        })
    }

    pub fn salt(&self) -> &[u8] {
        &self.salt
    }

    pub fn iterations(&self) -> u32 {
        self.iterations
    }

    pub fn key(&self) -> &[u8] {
        &self.key
    }
}

impl fmt::Debug for PasswordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PasswordKey {{ iterations: {}, key: <redacted> }}",
            self.iterations
        )
    }
}

/// How a PSKC export protects the secrets.
#[derive(Clone, Copy, Default)]
pub enum Protection<'a> {
    #[default]
    Plain,
    /// RFC 6030 §6.1; `key_name` tells the importer which key to use.
    PresharedKey {
        key: &'a PresharedKey,
        key_name: &'a str,
    },
    /// RFC 6030 §6.2, the key derived while the file is written.
    Password {
        password: &'a str,
        key_name: &'a str,
        iterations: u32,
    },
    /// RFC 6030 §6.2 with the key derived before ([`PasswordKey::derive`]).
    DerivedPassword {
        key: &'a PasswordKey,
        key_name: &'a str,
    },
}

impl fmt::Debug for Protection<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Protection::Plain => f.write_str("Plain"),
            Protection::PresharedKey { key_name, .. } => {
                write!(f, "PresharedKey {{ key_name: {key_name:?} }}")
            }
            Protection::Password {
                key_name,
                iterations,
                ..
            } => write!(
                f,
                "Password {{ key_name: {key_name:?}, iterations: {iterations} }}"
            ),
            Protection::DerivedPassword { key, key_name } => write!(
                f,
                "DerivedPassword {{ key_name: {key_name:?}, iterations: {} }}",
                key.iterations
            ),
        }
    }
}

/// What opens an encrypted PSKC file.
#[derive(Clone, Copy, Default)]
pub enum Unlock<'a> {
    #[default]
    None,
    /// Any AES size (16, 24 or 32 bytes), as other producers use them all.
    PresharedKey(&'a [u8]),
    Password(&'a str),
    /// A password-protected file's key, from [`password_key`].
    DerivedKey(&'a [u8]),
}

impl fmt::Debug for Unlock<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unlock::None => "None",
            Unlock::PresharedKey(_) => "PresharedKey(<redacted>)",
            Unlock::Password(_) => "Password(<redacted>)",
            Unlock::DerivedKey(_) => "DerivedKey(<redacted>)",
        })
    }
}

/// What a PSKC file needs before it can be read; the page asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lock {
    Plain,
    PresharedKey {
        key_name: Option<String>,
        /// Bytes (16 for AES-128).
        key_len: usize,
    },
    Password {
        key_name: Option<String>,
    },
}

impl fmt::Display for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let named = |name: &Option<String>| {
            name.as_deref()
                .map(|n| format!(" named '{}'", crate::echo::echo(n)))
                .unwrap_or_default()
        };
        match self {
            Lock::Plain => f.write_str("the file is not encrypted"),
            Lock::PresharedKey { key_name, key_len } => write!(
                f,
                "the file is encrypted with a pre-shared key{}: enter that key ({} hex digits)",
                named(key_name),
                key_len * 2
            ),
            Lock::Password { key_name } => write!(
                f,
                "the file is encrypted with a password{}: enter the password",
                named(key_name)
            ),
        }
    }
}

pub(super) fn issues(tokens: &[OathToken]) -> Vec<Issue> {
    let mut checks = Checks::default();
    checks.basics(tokens, false);
    for (row, t) in tokens.iter().enumerate() {
        let r = &t.record;
        let texts = [
            (Field::Serial, Some(r.serial.as_str())),
            (Field::Upn, Some(r.upn.as_str())),
            (Field::Manufacturer, Some(r.manufacturer.as_str())),
            (Field::Model, Some(r.model.as_str())),
            (Field::DisplayName, r.display_name.as_deref()),
        ];
        for (field, value) in texts {
            if value.is_some_and(|v| {
                v.chars()
                    .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
            }) {
                checks.error(
                    row,
                    field,
                    format!(
                        "{} contains a control character XML cannot carry",
                        field.as_str()
                    ),
                );
            }
        }
        if r.serial.contains('#') && r.profile.is_some() {
            checks.warn(
                row,
                Field::Serial,
                "the serial contains '#', which also separates serial and profile in the key Id"
                    .into(),
            );
        }
    }
    checks.into_issues()
}

#[cfg(test)]
mod tests;
