//! Import answers: what a text turned out to be (core's [`Scanned`]), or why it cannot be used.

use crate::remote::{accounts, ScannedDef};
use serde::{Deserialize, Serialize};
use tokensmith_core::import::{backup, ImportError, Scanned};
use tokensmith_core::otpauth::OtpAuth;

/// One text's classification.
pub type Scan = Result<Found, ScanError>;

/// What a text holds: an account, one code of a Google Authenticator export, or a bare secret.
#[derive(Debug, Serialize, Deserialize)]
pub struct Found(#[serde(with = "ScannedDef")] pub Scanned);

/// Why a text or picture gave no account: core's [`ImportError`], its kind and its message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanError {
    pub kind: ScanErrorKind,
    pub message: String,
}

/// [`ImportError`]'s variants, as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScanErrorKind {
    NoQrCode,
    Image,
    Migration,
    Backup,
    Otpauth,
    SerialNumber,
    NotTotp,
    Unrecognised,
}

impl ScanError {
    /// The text is some other kind of code (a serial number, a web link, a sign-in enrolment),
    /// not a damaged one.
    pub fn is_other_kind_of_code(&self) -> bool {
        matches!(
            self.kind,
            ScanErrorKind::NotTotp | ScanErrorKind::SerialNumber | ScanErrorKind::Unrecognised
        )
    }
}

impl std::fmt::Display for ScanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<&ImportError> for ScanError {
    fn from(e: &ImportError) -> Self {
        let kind = match e {
            ImportError::NoQrCode => ScanErrorKind::NoQrCode,
            ImportError::Image(_) => ScanErrorKind::Image,
            ImportError::Migration(_) => ScanErrorKind::Migration,
            ImportError::Backup(_) => ScanErrorKind::Backup,
            ImportError::Otpauth(_) => ScanErrorKind::Otpauth,
            ImportError::SerialNumber(_) => ScanErrorKind::SerialNumber,
            ImportError::NotTotp(_) => ScanErrorKind::NotTotp,
            ImportError::Unrecognised(_) => ScanErrorKind::Unrecognised,
        };
        ScanError {
            kind,
            message: e.to_string(),
        }
    }
}

/// An authenticator backup read ([`backup::Backup`] with the app's name as text).
#[derive(Debug, Serialize, Deserialize)]
pub struct Backup {
    /// "Aegis" or "2FAS".
    pub app: String,
    #[serde(with = "accounts")]
    pub accounts: Vec<OtpAuth>,
    /// Accounts that were skipped, each with its reason.
    pub skipped: Vec<String>,
}

impl From<backup::Backup> for Backup {
    fn from(b: backup::Backup) -> Self {
        Backup {
            app: b.app.to_string(),
            accounts: b.accounts,
            skipped: b.skipped,
        }
    }
}
