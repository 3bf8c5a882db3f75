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
