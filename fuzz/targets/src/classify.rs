//! Scanned or pasted text: `import::classify` tells links, exports, bare secrets and the
//! wrong kinds of code apart, and agrees with the parsers it hands the text to.
//!
//! Input: the text.

use tokensmith_core::import::{classify, ImportError, Scanned};
use tokensmith_core::{Encoding, OtpAuth, Secret};

use crate::check;

pub fn run(data: &[u8]) {
    if let Some(text) = check::text(data) {
        check_text(text);
    }
}

/// What the text starts with decides which parser reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Migration,
    Link,
    /// Explained by its kind; the message may name a web host or a serial number.
    Other,
    /// Anything else is read as a secret.
    Secret,
}

fn kind(text: &str) -> Kind {
    let lower = text.trim().to_ascii_lowercase();
    if lower.starts_with("otpauth-migration:") {
        Kind::Migration
    } else if lower.starts_with("otpauth:") {
        Kind::Link
    } else if ["phonefactor:", "fido:/", "http://", "https://"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        Kind::Other
    } else {
        Kind::Secret
    }
}

pub fn check_text(text: &str) {
    let result = classify(text);
    let t = text.trim();
    match &result {
        Ok(Scanned::Account(a)) => {
            assert_eq!(kind(text), Kind::Link);
            let direct = OtpAuth::parse(t).expect("classify and the link parser agree");
            assert_eq!(&direct, a);
            crate::otpauth::check_uri(t);
        }
        Ok(Scanned::Secret {
            secret,
            encoding,
            ambiguous,
        }) => {
            assert_eq!(kind(text), Kind::Secret);
            let direct = Secret::parse(t, Encoding::Auto).expect("classify and parse agree");
            assert!(&direct.secret == secret);
            assert_eq!((direct.encoding, direct.ambiguous), (*encoding, *ambiguous));
        }
        Ok(Scanned::Migration(m)) => {
            assert_eq!(kind(text), Kind::Migration);
            assert!(m.batch_size >= 1 && !(m.accounts.is_empty() && m.skipped.is_empty()));
        }
        Err(e) => check_error(text, e),
    }
}

fn check_error(text: &str, e: &ImportError) {
    let message = e.to_string();
    check::short_message("classify", &message);
    match kind(text) {
        Kind::Link => {
            let (rotated, material) = crate::otpauth::rotate_secrets(text);
            check::assert_no_echo("classify", &material, &[message], || {
                classify(&rotated).err().map(|e| vec![e.to_string()])
            });
        }
        Kind::Secret if !matches!(e, ImportError::SerialNumber(_)) => {
            let rotated = check::rotate(text);
            check::assert_no_echo(
                "classify",
                &[(text.to_string(), rotated.clone())],
                &[message],
                || {
                    let same_kind = kind(&rotated) == Kind::Secret;
                    classify(&rotated)
                        .err()
                        .filter(|_| same_kind)
                        .map(|e| vec![e.to_string()])
                },
            );
        }
        _ => {}
    }
}
