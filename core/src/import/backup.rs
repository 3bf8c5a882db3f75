//! Authenticator app backups in their plain (unencrypted) JSON form: Aegis and 2FAS.
//!
//! Encrypted backups are recognised and refused with instructions, since decrypting them would
//! mean asking for the backup password in this page.

use super::ImportError;
use crate::echo::echo;
use crate::otp::{Algorithm, OtpParams};
use crate::otpauth::{Kind, OtpAuth};
use crate::secret::{Encoding, Secret};
use serde::Deserialize;
use serde_json::Value;

/// The result of reading a backup file: usable accounts, and the ones skipped with reasons.
#[derive(Debug)]
pub struct Backup {
    pub app: &'static str,
    pub accounts: Vec<OtpAuth>,
    pub skipped: Vec<String>,
}

/// Reads an Aegis or 2FAS export, telling them apart by their shape.
pub fn parse(text: &str) -> Result<Backup, ImportError> {
    let v: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
        ImportError::Backup(format!(
            "the file is not valid JSON (line {}, column {}): is it an Aegis or 2FAS export?",
            e.line(),
            e.column()
        ))
    })?;
    if v.get("db").is_some() && v.get("header").is_some() {
        aegis(v)
    } else if v.get("services").is_some() || v.get("servicesEncrypted").is_some() {
        twofas(v)
    } else {
        Err(ImportError::Backup(
            "this JSON is neither an Aegis nor a 2FAS export (no \"db\" or \"services\")".into(),
        ))
    }
}

fn params(
    algo: Option<&str>,
    digits: Option<u64>,
    period: Option<u64>,
) -> Result<OtpParams, String> {
    let algorithm = match algo {
        None | Some("") => Algorithm::Sha1,
        Some(a) => a
            .parse::<Algorithm>()
            .map_err(|_| format!("unsupported algorithm {}", echo(a)))?,
    };
    let digits = u8::try_from(digits.unwrap_or(6)).map_err(|_| "digit count out of range")?;
    let period = u32::try_from(period.unwrap_or(30)).map_err(|_| "period out of range")?;
    let p = OtpParams {
        algorithm,
        digits,
        period,
    };
    p.validate().map_err(|e| e.to_string())?;
    Ok(p)
}

fn secret(b32: &str) -> Result<Secret, String> {
    Secret::parse(b32, Encoding::Base32)
        .map(|p| p.secret)
        .map_err(|e| format!("bad secret: {e}"))
}

fn kind(ty: &str, counter: Option<u64>) -> Result<Kind, String> {
    match ty.to_ascii_lowercase().as_str() {
        "totp" | "" => Ok(Kind::Totp),
        "hotp" => Ok(Kind::Hotp {
            counter: counter.unwrap_or(0),
        }),
        "steam" => Err("Steam codes are not standard TOTP".into()),
        other => Err(format!("type {} is not TOTP or HOTP", echo(other))),
    }
}

#[derive(Deserialize)]
struct AegisEntry {
    #[serde(rename = "type", default)]
    ty: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    issuer: String,
    info: AegisInfo,
}

#[derive(Deserialize)]
struct AegisInfo {
    secret: String,
    algo: Option<String>,
    digits: Option<u64>,
    period: Option<u64>,
    counter: Option<u64>,
}

fn aegis(v: Value) -> Result<Backup, ImportError> {
    let db = &v["db"];
    if db.is_string() || !v["header"]["slots"].is_null() {
        return Err(ImportError::Backup(
            "this Aegis backup is encrypted: in Aegis choose Settings → Import & Export → \
             Export, and untick \"Encrypt the vault\", then open that file"
                .into(),
        ));
    }
    let entries = db["entries"]
        .as_array()
        .ok_or_else(|| ImportError::Backup("the Aegis export has no db.entries list".into()))?;
    let mut backup = Backup {
        app: "Aegis",
        accounts: Vec::new(),
        skipped: Vec::new(),
    };
    for (i, raw) in entries.iter().enumerate() {
        let entry = serde_json::from_value::<AegisEntry>(raw.clone())
            .map_err(|e| layout_error(&e))
            .and_then(|e| {
                Ok(OtpAuth {
                    kind: kind(&e.ty, e.info.counter)?,
                    secret: secret(&e.info.secret)?,
                    params: params(e.info.algo.as_deref(), e.info.digits, e.info.period)?,
                    issuer: (!e.issuer.is_empty()).then_some(e.issuer),
                    account: e.name,
                })
            });
        push(&mut backup, i, raw.get("name"), entry);
    }
    Ok(backup)
}

#[derive(Deserialize)]
struct TwoFasService {
    #[serde(default)]
    name: String,
    secret: String,
    #[serde(default)]
    otp: TwoFasOtp,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct TwoFasOtp {
    account: Option<String>,
    issuer: Option<String>,
    digits: Option<u64>,
    period: Option<u64>,
    algorithm: Option<String>,
    token_type: Option<String>,
    counter: Option<u64>,
}

fn twofas(v: Value) -> Result<Backup, ImportError> {
    let services = v["services"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    if services.is_empty() && v.get("servicesEncrypted").is_some_and(|s| !s.is_null()) {
        return Err(ImportError::Backup(
            "this 2FAS backup is encrypted: in 2FAS choose Settings → 2FAS Backup → Export to \
             file, and export without a password, then open that file"
                .into(),
        ));
    }
    let mut backup = Backup {
        app: "2FAS",
        accounts: Vec::new(),
        skipped: Vec::new(),
    };
    for (i, raw) in services.iter().enumerate() {
        let entry = serde_json::from_value::<TwoFasService>(raw.clone())
            .map_err(|e| layout_error(&e))
            .and_then(|s| {
                let o = s.otp;
                let issuer = o.issuer.filter(|x| !x.is_empty()).unwrap_or(s.name);
                Ok(OtpAuth {
                    kind: kind(o.token_type.as_deref().unwrap_or("TOTP"), o.counter)?,
                    secret: secret(&s.secret)?,
                    params: params(o.algorithm.as_deref(), o.digits, o.period)?,
                    issuer: (!issuer.is_empty()).then_some(issuer),
                    account: o.account.unwrap_or_default(),
                })
            });
        push(&mut backup, i, raw.get("name"), entry);
    }
    Ok(backup)
}

/// serde names the type it expected and quotes the value it found, in full: a wrongly placed
/// value may be long, or a secret, so a string value is only called "a string" (serde's other
/// values are numbers, and its own words are short).
fn layout_error(e: &serde_json::Error) -> String {
    let message = e.to_string();
    let message = match message
        .split_once(": string \"")
        .zip(message.rsplit_once(", expected "))
    {
        Some(((kind, _), (_, expected))) => format!("{kind}: a string, expected {expected}"),
        None => message,
    };
    format!("unexpected layout ({message})")
}

fn push(backup: &mut Backup, i: usize, name: Option<&Value>, entry: Result<OtpAuth, String>) {
    match entry {
        Ok(a) => backup.accounts.push(a),
        Err(why) => {
            let name = name.and_then(Value::as_str).unwrap_or("unnamed");
            backup
                .skipped
                .push(format!("entry {} ({}): {why}", i + 1, echo(name)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AEGIS: &str = r#"{"version":1,"header":{"slots":null,"params":null},"db":{"version":2,"entries":[
      {"type":"totp","uuid":"a","name":"alice@example.com","issuer":"Example","note":"","icon":null,
       "info":{"secret":"JBSWY3DPEHPK3PXP","algo":"SHA256","digits":8,"period":60}},
      {"type":"hotp","uuid":"b","name":"bob","issuer":"","info":{"secret":"GEZDGNBVGY3TQOJQ","algo":"SHA1","digits":6,"counter":7}},
      {"type":"steam","uuid":"c","name":"gamer","issuer":"Steam","info":{"secret":"JBSWY3DPEHPK3PXP","algo":"SHA1","digits":5,"period":30}}
    ]}}"#;

    #[test]
    fn aegis_plain_export() {
        let b = parse(AEGIS).unwrap();
        assert_eq!(b.app, "Aegis");
        assert_eq!(b.accounts.len(), 2);
        let a = &b.accounts[0];
        assert_eq!(
            (a.issuer.as_deref(), a.account.as_str()),
            (Some("Example"), "alice@example.com")
        );
        assert_eq!(a.secret.to_base32().as_str(), "JBSWY3DPEHPK3PXP");
        assert_eq!(
            (a.params.algorithm, a.params.digits, a.params.period),
            (Algorithm::Sha256, 8, 60)
        );
        assert!(matches!(b.accounts[1].kind, Kind::Hotp { counter: 7 }));
        assert_eq!(b.accounts[1].issuer, None);
        assert_eq!(
            b.skipped,
            vec!["entry 3 (gamer): Steam codes are not standard TOTP"]
        );
    }

    #[test]
    fn aegis_encrypted_is_refused_with_instructions() {
        let enc = r#"{"version":1,"header":{"slots":[{"type":1}],"params":{"nonce":"00"}},"db":"BASE64CIPHERTEXT"}"#;
        let e = parse(enc).unwrap_err().to_string();
        assert!(e.contains("encrypted") && e.contains("untick"), "{e}");
    }

    const TWOFAS: &str = r#"{"services":[
      {"name":"Standard","secret":"54VEGZFJHM3BGDONFERMPUOKNGDJETGM","updatedAt":1,
       "otp":{"label":"Standard:Totp","account":"Totp","issuer":"Standard","digits":6,"period":30,"algorithm":null,"tokenType":"TOTP","source":"Link"}},
      {"name":"NoIssuer","secret":"KY2QJPMNQLSGSZE2C5F7AYBLBVEEDHFX",
       "otp":{"account":"me","digits":8,"period":60,"algorithm":"SHA512","tokenType":"TOTP"}},
      {"name":"Broken","secret":"not base32!","otp":{"tokenType":"TOTP"}}
    ],"groups":[],"schemaVersion":4}"#;

    #[test]
    fn a_skipped_entry_quotes_at_most_a_short_piece_of_its_algorithm_or_type() {
        // Found by fuzzing: a 400-character algorithm came back whole in the message.
        let long = "S".repeat(400);
        let export = format!(
            r#"{{"version":1,"header":{{"slots":null,"params":null}},"db":{{"version":2,"entries":[
              {{"type":"totp","uuid":"a","name":"a","issuer":"","info":{{"secret":"GEZDGNBV","algo":"{long}"}}}},
              {{"type":"{long}","uuid":"b","name":"b","issuer":"","info":{{"secret":"GEZDGNBV"}}}}]}}}}"#
        );
        let b = parse(&export).unwrap();
        assert_eq!(b.skipped.len(), 2, "{:?}", b.skipped);
        for why in &b.skipped {
            assert!(why.chars().count() < 100, "{why}");
            let quoted = "S".repeat(40);
            assert!(why.to_uppercase().contains(&format!("{quoted}…")), "{why}");
        }
    }

    #[test]
    fn twofas_plain_export() {
        let b = parse(TWOFAS).unwrap();
        assert_eq!(b.app, "2FAS");
        assert_eq!(b.accounts.len(), 2);
        let a = &b.accounts[0];
        assert_eq!(
            (a.issuer.as_deref(), a.account.as_str()),
            (Some("Standard"), "Totp")
        );
        assert_eq!(a.params, OtpParams::default());
        assert_eq!(
            a.secret.to_base32().as_str(),
            "54VEGZFJHM3BGDONFERMPUOKNGDJETGM"
        );
        let n = &b.accounts[1];
        assert_eq!(
            n.issuer.as_deref(),
            Some("NoIssuer"),
            "service name stands in for a missing issuer"
        );
        assert_eq!(
            (n.params.algorithm, n.params.digits, n.params.period),
            (Algorithm::Sha512, 8, 60)
        );
        assert_eq!(b.skipped.len(), 1);
        assert!(
            b.skipped[0].starts_with("entry 3 (Broken): bad secret"),
            "{}",
            b.skipped[0]
        );
    }

    #[test]
    fn twofas_encrypted_is_refused_with_instructions() {
        let enc = r#"{"services":[],"servicesEncrypted":"abc:def:ghi","schemaVersion":4}"#;
        let e = parse(enc).unwrap_err().to_string();
        assert!(
            e.contains("encrypted") && e.contains("without a password"),
            "{e}"
        );
    }

    /// Found by the fuzz target's message-length invariant: serde quoted a wrongly typed value
    /// in full, and the entry's name was repeated in full.
    #[test]
    fn skip_reasons_do_not_repeat_long_values() {
        let long = "JBSWY3DPEHPK3PXP".repeat(40);
        let text = format!(
            r#"{{"services":[{{"name":"{long}","secret":"JBSWY3DPEHPK3PXP","otp":"{long}"}}]}}"#
        );
        let b = parse(&text).unwrap();
        assert_eq!(
            b.skipped,
            vec![format!(
                "entry 1 ({}…): unexpected layout (invalid type: a string, expected struct TwoFasOtp)",
                &long[..crate::echo::ECHO_CHARS]
            )]
        );
        let b = parse(
            r#"{"services":[{"name":"x","secret":"JBSWY3DPEHPK3PXP","otp":{"digits":"six"}}]}"#,
        )
        .unwrap();
        assert_eq!(
            b.skipped,
            vec!["entry 1 (x): unexpected layout (invalid type: a string, expected u64)"]
        );
    }

    #[test]
    fn not_a_backup() {
        assert!(parse("{\"tokens\":[]}")
            .unwrap_err()
            .to_string()
            .contains("neither an Aegis nor a 2FAS"));
        assert!(parse("{oops")
            .unwrap_err()
            .to_string()
            .contains("line 1, column 2"));
    }
}
