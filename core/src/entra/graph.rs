//! The Graph beta bulk body for `PATCH …/hardwareOathDevices`.
//!
//! Serialised from borrowing structs straight into one pre-sized buffer so
//! the secrets exist in as few heap copies as possible.

use serde::Serialize;
use zeroize::Zeroizing;

use super::validate::validate_for;
use super::{EntraError, Format, Severity, TokenRecord};
use crate::otp::Algorithm;

#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    value: Vec<Device<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Device<'a> {
    #[serde(rename = "@contentId")]
    content_id: String,
    serial_number: &'a str,
    manufacturer: &'a str,
    model: &'a str,
    secret_key: &'a str,
    time_interval_in_seconds: u32,
    hash_function: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    assign_to: Option<AssignTo<'a>>,
}

#[derive(Serialize)]
struct AssignTo<'a> {
    id: &'a str,
}

fn hash_function(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::Sha256 => "hmacsha256",
        // SHA-512 never gets here: validation rejects it.
        Algorithm::Sha1 | Algorithm::Sha512 => "hmacsha1",
    }
}

pub fn graph_bulk_json(records: &[TokenRecord]) -> Result<Zeroizing<String>, EntraError> {
    let errors: Vec<_> = validate_for(records, Format::Graph)
        .into_iter()
        .filter(|i| i.severity == Severity::Error)
        .collect();
    if !errors.is_empty() {
        return Err(EntraError::Invalid(errors));
    }
    let secrets: Vec<Zeroizing<String>> = records.iter().map(|r| r.secret.to_base32()).collect();
    let body = Body {
        context: "#$delta",
        value: records
            .iter()
            .zip(&secrets)
            .enumerate()
            .map(|(i, (r, secret))| Device {
                content_id: (i + 1).to_string(),
                serial_number: &r.serial,
                manufacturer: &r.manufacturer,
                model: &r.model,
                secret_key: secret,
                time_interval_in_seconds: r.interval,
                hash_function: hash_function(r.algorithm),
                display_name: r.display_name.as_deref(),
                assign_to: (!r.upn.is_empty()).then_some(AssignTo { id: &r.upn }),
            })
            .collect(),
    };
    // Sized so the buffer holding the secrets never reallocates (which would
    // leave unwiped copies): fixed keys and indentation take < 300 bytes per
    // device, and JSON escaping at most sextuples a character.
    let capacity = 64
        + records
            .iter()
            .zip(&secrets)
            .map(|(r, s)| {
                let text = r.serial.len()
                    + r.manufacturer.len()
                    + r.model.len()
                    + r.upn.len()
                    + r.display_name.as_ref().map_or(0, String::len);
                300 + s.len() + 6 * text
            })
            .sum::<usize>();
    let mut buf = Zeroizing::new(Vec::with_capacity(capacity));
    serde_json::to_writer_pretty(&mut *buf, &body).map_err(|e| EntraError::Write(e.to_string()))?;
    let text = std::str::from_utf8(&buf).map_err(|e| EntraError::Write(e.to_string()))?;
    Ok(Zeroizing::new(text.to_owned()))
}

/// Reads a Graph bulk body back into records: the page's export, or any tool's (Token2's
/// toolset sends numbers as strings and leaves out the user). `{"value": [...]}` or a bare
/// array; `assignTo.id` becomes the UPN. Only parsing happens here: validate the result.
pub fn read_graph_json(input: &str) -> Result<Vec<TokenRecord>, EntraError> {
    use crate::secret::{Encoding, Secret};
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let root: serde_json::Value = serde_json::from_str(input).map_err(|e| EntraError::Line {
        line: e.line() as u64,
        message: format!("not valid JSON ({e})"),
    })?;
    let items = match &root {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(o) => match o.get("value") {
            Some(serde_json::Value::Array(items)) => items,
            _ => {
                return Err(EntraError::Line {
                    line: 1,
                    message: "no \"value\" list of tokens: expected the Graph bulk body \
                              {\"@context\": \"#$delta\", \"value\": [...]}"
                        .into(),
                })
            }
        },
        _ => {
            return Err(EntraError::Line {
                line: 1,
                message: "expected a JSON object with a \"value\" list of tokens".into(),
            })
        }
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let err = |field: &'static str, message: String| EntraError::Item {
                item: i + 1,
                field,
                message,
            };
            let text = |field: &'static str| -> Result<String, EntraError> {
                match &item[field] {
                    serde_json::Value::String(s) => Ok(s.trim().to_string()),
                    serde_json::Value::Number(n) => Ok(n.to_string()),
                    serde_json::Value::Null => Ok(String::new()),
                    _ => Err(err(field, "must be text".into())),
                }
            };
            let secret_text = zeroize::Zeroizing::new(text("secretKey")?);
            if secret_text.is_empty() {
                return Err(err("secretKey", "missing".into()));
            }
            let secret = Secret::parse(&secret_text, Encoding::Base32)
                .map_err(|e| err("secretKey", e.to_string()))?
                .secret;
            let interval_text = text("timeIntervalInSeconds")?;
            let interval = interval_text.parse::<u32>().map_err(|_| {
                err(
                    "timeIntervalInSeconds",
                    format!(
                        "'{}' is not a number of seconds: use 30 or 60",
                        crate::echo::echo(&interval_text)
                    ),
                )
            })?;
            let hash = text("hashFunction")?;
            let algorithm = if hash.is_empty() {
                Algorithm::Sha1
            } else {
                hash.parse::<Algorithm>()
                    .map_err(|e| err("hashFunction", e.to_string()))?
            };
            let upn = match &item["assignTo"] {
                serde_json::Value::Object(a) => a
                    .get("id")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
                _ => String::new(),
            };
            let display_name = Some(text("displayName")?).filter(|n| !n.is_empty());
            Ok(TokenRecord {
                upn,
                serial: text("serialNumber")?,
                secret,
                interval,
                manufacturer: text("manufacturer")?,
                model: text("model")?,
                algorithm,
                profile: None,
                display_name,
            })
        })
        .collect()
}
