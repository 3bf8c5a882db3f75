//! Google Authenticator's "Transfer accounts" export: `otpauth-migration://offline?data=…`,
//! where `data` is a base64 protobuf `MigrationPayload` holding many accounts.
//!
//! Large exports are split over several QR codes (a batch); each carries its index and the
//! batch id, so the caller can tell the user which codes are still missing.

use super::ImportError;
use crate::echo::echo;
use crate::otp::{Algorithm, OtpParams};
use crate::otpauth::{Kind, OtpAuth};
use crate::secret::Secret;
use data_encoding::{BASE64, BASE64URL, BASE64URL_NOPAD, BASE64_NOPAD};
use prost::Message;
use zeroize::Zeroize;

/// The message layout of Google Authenticator's export (field numbers are the wire format).
#[derive(Clone, PartialEq, Message)]
pub struct MigrationPayload {
    #[prost(message, repeated, tag = "1")]
    pub otp_parameters: Vec<OtpParameters>,
    #[prost(int32, tag = "2")]
    pub version: i32,
    #[prost(int32, tag = "3")]
    pub batch_size: i32,
    #[prost(int32, tag = "4")]
    pub batch_index: i32,
    #[prost(int32, tag = "5")]
    pub batch_id: i32,
}

#[derive(Clone, PartialEq, Message)]
pub struct OtpParameters {
    #[prost(bytes = "vec", tag = "1")]
    pub secret: Vec<u8>,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(string, tag = "3")]
    pub issuer: String,
    /// 0 unspecified, 1 SHA-1, 2 SHA-256, 3 SHA-512, 4 MD5.
    #[prost(int32, tag = "4")]
    pub algorithm: i32,
    /// 0 unspecified, 1 six, 2 eight.
    #[prost(int32, tag = "5")]
    pub digits: i32,
    /// 0 unspecified, 1 HOTP, 2 TOTP.
    #[prost(int32, tag = "6")]
    pub r#type: i32,
    #[prost(int64, tag = "7")]
    pub counter: i64,
}

/// One decoded QR code of an export batch.
#[derive(Debug)]
pub struct Migration {
    /// Accounts that could be used, in export order.
    pub accounts: Vec<OtpAuth>,
    /// Accounts that were skipped and why (e.g. MD5), by 1-based position and name.
    pub skipped: Vec<String>,
    /// 0-based index of this code in its batch, and the batch size (1 when not split).
    pub batch_index: u32,
    pub batch_size: u32,
    pub batch_id: i32,
}

/// Decodes the `data` value of a migration URI (already percent-decoded).
pub fn decode_data(data: &str) -> Result<Migration, ImportError> {
    let data = data.trim();
    if data.is_empty() {
        return Err(ImportError::Migration(
            "the data= parameter is empty".into(),
        ));
    }
    let bytes = [&BASE64, &BASE64_NOPAD, &BASE64URL, &BASE64URL_NOPAD]
        .iter()
        .find_map(|enc| enc.decode(data.as_bytes()).ok())
        .ok_or_else(|| {
            ImportError::Migration(
                "the data= parameter is not valid base64 (was the link cut off or re-typed?)"
                    .into(),
            )
        })?;
    let mut bytes = zeroize::Zeroizing::new(bytes);
    let decoded = MigrationPayload::decode(bytes.as_slice());
    bytes.zeroize();
    let mut payload = decoded.map_err(|_| {
        ImportError::Migration(
            "the export data is damaged or incomplete: scan the QR code again".into(),
        )
    })?;
    let mut accounts = Vec::new();
    let mut skipped = Vec::new();
    for (i, p) in payload.otp_parameters.iter().enumerate() {
        let label = if p.issuer.is_empty() {
            p.name.clone()
        } else {
            format!("{}: {}", p.issuer, p.name)
        };
        match account(p) {
            Ok(a) => accounts.push(a),
            Err(why) => skipped.push(format!("account {} ({}): {why}", i + 1, echo(&label))),
        }
    }
    for p in &mut payload.otp_parameters {
        p.secret.zeroize();
    }
    if accounts.is_empty() && skipped.is_empty() {
        return Err(ImportError::Migration(
            "the export holds no accounts".into(),
        ));
    }
    Ok(Migration {
        accounts,
        skipped,
        batch_index: payload.batch_index.max(0) as u32,
        batch_size: payload.batch_size.max(1) as u32,
        batch_id: payload.batch_id,
    })
}

fn account(p: &OtpParameters) -> Result<OtpAuth, String> {
    let algorithm = match p.algorithm {
        0 | 1 => Algorithm::Sha1,
        2 => Algorithm::Sha256,
        3 => Algorithm::Sha512,
        4 => return Err("uses MD5, which no hardware token supports".into()),
        n => return Err(format!("unknown algorithm code {n}")),
    };
    let digits = match p.digits {
        0 | 1 => 6,
        2 => 8,
        n => return Err(format!("unknown digit count code {n}")),
    };
    let kind = match p.r#type {
        1 => Kind::Hotp {
            counter: u64::try_from(p.counter).map_err(|_| "negative HOTP counter".to_string())?,
        },
        0 | 2 => Kind::Totp,
        n => return Err(format!("unknown type code {n}")),
    };
    let secret = Secret::from_bytes(p.secret.clone()).map_err(|e| e.to_string())?;
    // Google's export drops the issuer prefix from the name only sometimes.
    let account = match p.name.split_once(':') {
        Some((prefix, rest)) if prefix.trim() == p.issuer.trim() => rest.trim().to_string(),
        _ => p.name.clone(),
    };
    Ok(OtpAuth {
        kind,
        issuer: (!p.issuer.is_empty()).then(|| p.issuer.clone()),
        account,
        secret,
        params: OtpParams {
            algorithm,
            digits,
            period: 30,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(params: Vec<OtpParameters>, batch: (i32, i32)) -> String {
        let payload = MigrationPayload {
            otp_parameters: params,
            version: 1,
            batch_size: batch.1,
            batch_index: batch.0,
            batch_id: 77,
        };
        BASE64.encode(&payload.encode_to_vec())
    }

    fn param(
        secret: &[u8],
        name: &str,
        issuer: &str,
        algo: i32,
        digits: i32,
        ty: i32,
    ) -> OtpParameters {
        OtpParameters {
            secret: secret.to_vec(),
            name: name.into(),
            issuer: issuer.into(),
            algorithm: algo,
            digits,
            r#type: ty,
            counter: 0,
        }
    }

    #[test]
    fn decodes_every_field_of_every_account() {
        let data = encode(
            vec![
                param(
                    b"12345678901234567890",
                    "alice@example.com",
                    "Example",
                    1,
                    1,
                    2,
                ),
                param(&[0xAB; 32], "Corp:bob", "Corp", 2, 2, 2),
                OtpParameters {
                    counter: 42,
                    ..param(&[1, 2, 3, 4, 5], "carol", "", 3, 1, 1)
                },
            ],
            (1, 3),
        );
        let m = decode_data(&data).unwrap();
        assert_eq!((m.batch_index, m.batch_size, m.batch_id), (1, 3, 77));
        assert!(m.skipped.is_empty());
        let [a, b, c] = &m.accounts[..] else {
            panic!("3 accounts")
        };
        assert_eq!(a.issuer.as_deref(), Some("Example"));
        assert_eq!(a.account, "alice@example.com");
        assert_eq!(a.secret.as_bytes(), b"12345678901234567890");
        assert_eq!(
            (a.params.algorithm, a.params.digits, a.params.period),
            (Algorithm::Sha1, 6, 30)
        );
        assert!(matches!(a.kind, Kind::Totp));
        assert_eq!(b.account, "bob", "issuer prefix removed from the name");
        assert_eq!(
            (b.params.algorithm, b.params.digits),
            (Algorithm::Sha256, 8)
        );
        assert_eq!(c.issuer, None);
        assert_eq!(c.params.algorithm, Algorithm::Sha512);
        assert!(matches!(c.kind, Kind::Hotp { counter: 42 }));
    }

    #[test]
    fn skips_md5_with_a_reason_and_keeps_the_rest() {
        let data = encode(
            vec![
                param(b"abcdefghij", "old", "Legacy", 4, 1, 2),
                param(b"abcdefghij", "new", "", 1, 1, 2),
            ],
            (0, 1),
        );
        let m = decode_data(&data).unwrap();
        assert_eq!(m.accounts.len(), 1);
        assert_eq!(
            m.skipped,
            vec!["account 1 (Legacy: old): uses MD5, which no hardware token supports"]
        );
    }

    /// Found by the fuzz target's message-length invariant: the label was repeated in full.
    #[test]
    fn a_skipped_account_with_a_long_name_is_cut_in_the_reason() {
        let name = "n".repeat(3000);
        let m = decode_data(&encode(
            vec![param(b"abcdefghij", &name, "", 4, 1, 2)],
            (0, 1),
        ))
        .unwrap();
        assert_eq!(
            m.skipped,
            vec![format!(
                "account 1 ({}…): uses MD5, which no hardware token supports",
                "n".repeat(crate::echo::ECHO_CHARS)
            )]
        );
    }

    #[test]
    fn accepts_url_safe_and_unpadded_base64() {
        let payload = MigrationPayload {
            otp_parameters: vec![param(&[0xFB, 0xFF, 0xBF, 0x01, 0x02], "x", "", 1, 1, 2)],
            version: 1,
            batch_size: 1,
            batch_index: 0,
            batch_id: 1,
        }
        .encode_to_vec();
        for enc in [&BASE64URL_NOPAD, &BASE64_NOPAD, &BASE64URL] {
            let m = decode_data(&enc.encode(&payload)).unwrap();
            assert_eq!(
                m.accounts[0].secret.as_bytes(),
                &[0xFB, 0xFF, 0xBF, 0x01, 0x02]
            );
        }
    }

    #[test]
    fn bad_data_gives_specific_errors() {
        let err = |d: &str| decode_data(d).unwrap_err().to_string();
        assert!(err("").contains("empty"));
        assert!(err("not base64!!").contains("not valid base64"));
        let full = encode(
            vec![param(b"12345678901234567890", "alice", "Example", 1, 1, 2)],
            (0, 1),
        );
        let bytes = BASE64.decode(full.as_bytes()).unwrap();
        let truncated = BASE64.encode(&bytes[..bytes.len() - 20]);
        assert!(err(&truncated).contains("damaged or incomplete"));
        assert!(err(&encode(vec![], (0, 1))).contains("no accounts"));
    }
}
