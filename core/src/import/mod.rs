//! Importing what the user already has: text scanned from a QR code or pasted (otpauth links,
//! Google Authenticator exports, bare secrets), authenticator backups, and QR images.
//!
//! Every "this is not a TOTP secret" case that admins meet in practice gets its own explanation,
//! because the next step differs for each (a serial number goes in the serial field, a Microsoft
//! push enrolment needs a different QR code from the service, and so on).

pub mod backup;
pub mod migration;
pub mod qr;

use crate::echo::echo;
use crate::otpauth::{Kind, OtpAuth};
use crate::secret::{Encoding, Secret};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("no QR code found in the image: crop closer to the code, or use a sharper picture")]
    NoQrCode,
    #[error("{0}")]
    Image(String),
    #[error("Google Authenticator export: {0}")]
    Migration(String),
    #[error("{0}")]
    Backup(String),
    #[error("{0}")]
    Otpauth(String),
    /// The text is a token's serial number (the QR code or barcode on the back of a token).
    #[error("this is a serial number ({0}), not a seed: type it into the serial field")]
    SerialNumber(String),
    #[error("{0}")]
    NotTotp(&'static str),
    #[error("{0}")]
    Unrecognised(String),
}

/// What a piece of scanned or pasted text turned out to be.
#[derive(Debug)]
pub enum Scanned {
    /// One account from an `otpauth://` link (check `Kind`: HOTP cannot go on a TOTP token).
    Account(OtpAuth),
    /// One QR code of a Google Authenticator export.
    Migration(migration::Migration),
    /// A bare secret; `ambiguous` when it reads as both base32 and hex.
    Secret {
        secret: Secret,
        encoding: Encoding,
        ambiguous: bool,
    },
}

/// Why an account cannot be burned into a TOTP hardware token as it is, if so.
pub fn totp_problem(account: &OtpAuth) -> Option<&'static str> {
    match account.kind {
        Kind::Hotp { .. } => Some(
            "this is an HOTP (counter-based) account: TOTP hardware tokens cannot generate its \
             codes; ask the service for a time-based (TOTP) code instead",
        ),
        Kind::Totp => None,
    }
}

const PHONEFACTOR: &str = "this is a Microsoft Authenticator sign-in enrolment (phonefactor://), \
     not a TOTP secret: in the account's security info choose \"Authenticator app\", then \"I want \
     to use a different authenticator app\" to get a standard code";
const FIDO: &str = "this is a passkey (FIDO) sign-in code for a phone, not a TOTP secret";

/// Classifies one text, as read from a QR code or pasted by the user.
pub fn classify(text: &str) -> Result<Scanned, ImportError> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("otpauth-migration:") {
        return migration_uri(t).map(Scanned::Migration);
    }
    if lower.starts_with("otpauth:") {
        return OtpAuth::parse(t)
            .map(Scanned::Account)
            .map_err(|e| ImportError::Otpauth(e.to_string()));
    }
    if lower.starts_with("phonefactor:") {
        return Err(ImportError::NotTotp(PHONEFACTOR));
    }
    if lower.starts_with("fido:/") {
        return Err(ImportError::NotTotp(FIDO));
    }
    if lower.starts_with("http://") || lower.starts_with("https://") {
        let host = t.split('/').nth(2).unwrap_or("");
        return Err(ImportError::Unrecognised(format!(
            "this is a web link ({}), not an otpauth code",
            echo(host)
        )));
    }
    // Token2 serial numbers are 13 digits; hex seeds the burner accepts are at least 16 chars.
    if (6..16).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ImportError::SerialNumber(t.to_string()));
    }
    match Secret::parse(t, Encoding::Auto) {
        Ok(p) => Ok(Scanned::Secret {
            secret: p.secret,
            encoding: p.encoding,
            ambiguous: p.ambiguous,
        }),
        // Never echo the text: it may be a secret with a typo.
        Err(e) if looks_like_secret(t) => Err(ImportError::Unrecognised(format!(
            "this looks like a secret but is not valid: {e}"
        ))),
        Err(_) => Err(ImportError::Unrecognised(format!(
            "the text ({} characters) is not an otpauth:// link, a Google Authenticator export \
             or a base32/hex secret",
            t.chars().count()
        ))),
    }
}

fn looks_like_secret(t: &str) -> bool {
    t.len() >= 16
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || " -=:".contains(c))
}

/// `otpauth-migration://offline?data=…`
fn migration_uri(t: &str) -> Result<migration::Migration, ImportError> {
    let query = t.split_once('?').map(|(_, q)| q).unwrap_or("");
    let data = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("data="))
        .ok_or_else(|| ImportError::Migration("the link has no data= parameter".into()))?;
    let decoded = percent_encoding::percent_decode_str(data)
        .decode_utf8()
        .map_err(|_| ImportError::Migration("the data= parameter is not valid text".into()))?;
    migration::decode_data(&decoded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otp::Algorithm;
    use prost::Message;

    #[test]
    fn otpauth_link() {
        let Scanned::Account(a) = classify(
            " otpauth://totp/ACME:jo?secret=JBSWY3DPEHPK3PXP&issuer=ACME&algorithm=SHA256\n",
        )
        .unwrap() else {
            panic!("an account")
        };
        assert_eq!(
            (a.issuer.as_deref(), a.account.as_str()),
            (Some("ACME"), "jo")
        );
        assert_eq!(a.params.algorithm, Algorithm::Sha256);
        assert_eq!(totp_problem(&a), None);
    }

    #[test]
    fn hotp_link_is_flagged() {
        let Scanned::Account(a) =
            classify("otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=3").unwrap()
        else {
            panic!("an account")
        };
        assert!(totp_problem(&a).unwrap().contains("HOTP"));
    }

    #[test]
    fn migration_link_with_percent_encoded_base64() {
        let payload = migration::MigrationPayload {
            otp_parameters: vec![migration::OtpParameters {
                secret: vec![0xFB; 10],
                name: "a+b/c".into(),
                issuer: "Z".into(),
                algorithm: 1,
                digits: 1,
                r#type: 2,
                counter: 0,
            }],
            version: 1,
            batch_size: 1,
            batch_index: 0,
            batch_id: 5,
        };
        let b64 = data_encoding::BASE64.encode(&payload.encode_to_vec());
        assert!(
            b64.contains('+') || b64.contains('/'),
            "the test needs characters that get encoded"
        );
        let uri = format!(
            "otpauth-migration://offline?data={}",
            b64.replace('+', "%2B")
                .replace('/', "%2F")
                .replace('=', "%3D")
        );
        let Scanned::Migration(m) = classify(&uri).unwrap() else {
            panic!("a migration")
        };
        assert_eq!(m.accounts[0].secret.as_bytes(), &[0xFB; 10]);
        assert_eq!(m.accounts[0].account, "a+b/c");
        assert!(classify("otpauth-migration://offline?x=1")
            .unwrap_err()
            .to_string()
            .contains("no data="));
        assert!(classify("otpauth-migration://offline?data=%%%").is_err());
    }

    #[test]
    fn wrong_kinds_of_code_are_explained() {
        let msg = |t: &str| classify(t).unwrap_err().to_string();
        assert!(msg("phonefactor://activate_account?code=123&url=x")
            .contains("Microsoft Authenticator"));
        assert!(msg("FIDO:/1234567890123").contains("passkey"));
        assert_eq!(
            msg("8659632001234"),
            "this is a serial number (8659632001234), not a seed: type it into the serial field"
        );
        assert!(msg("https://example.com/enrol?x=1").contains("web link (example.com)"));
        let m = msg("hello world, this is a note");
        assert!(m.contains("27 characters") && !m.contains("hello"), "{m}");
        let m = msg("JBSWY3DPEHPK3PX1JBSW");
        assert!(
            m.contains("looks like a secret") && m.contains("position 16"),
            "{m}"
        );
    }

    /// Found by the fuzz target's message-length invariant: the host was repeated in full.
    #[test]
    fn a_long_web_link_is_cut_in_the_message() {
        let host = "a".repeat(5000);
        let msg = classify(&format!("https://{host}/enrol"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            msg,
            format!(
                "this is a web link ({}…), not an otpauth code",
                "a".repeat(crate::echo::ECHO_CHARS)
            )
        );
    }

    #[test]
    fn bare_secrets() {
        let Scanned::Secret {
            secret, encoding, ..
        } = classify("jbsw y3dp ehpk 3pxp").unwrap()
        else {
            panic!("a secret")
        };
        assert_eq!(
            (secret.as_bytes(), encoding),
            (&b"Hello!\xde\xad\xbe\xef"[..], Encoding::Base32)
        );
        let Scanned::Secret {
            secret, encoding, ..
        } = classify("3132333435363738393031323334353637383930").unwrap()
        else {
            panic!("a secret")
        };
        assert_eq!(
            (secret.as_bytes(), encoding),
            (&b"12345678901234567890"[..], Encoding::Hex)
        );
    }
}
