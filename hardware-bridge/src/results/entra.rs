//! A results file to the export formats (Entra CSV, Graph JSON, PSKC, Duo/OATH CSV, otpauth
//! links), with UPNs from the rows or from a map file.

use std::collections::HashMap;

use tokensmith_api::DeviceKind;
use tokensmith_core::entra::{Issue, TokenRecord};
use tokensmith_core::formats::{self, ExportFormat, ExportOptions, FormatError, OathToken};
use tokensmith_core::otpauth::Kind;
use zeroize::Zeroizing;

use super::ResultRecord;
use crate::error::BridgeError;

/// Read a UPN map: CSV with a header holding `serial` and `upn` columns and
/// optionally `profile` (for Molto2 profiles) — any order, case-insensitive.
pub fn read_upn_map(text: &str) -> Result<HashMap<(String, Option<u8>), String>, BridgeError> {
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let h = rd
        .headers()
        .map_err(|e| BridgeError::Results(e.to_string()))?
        .clone();
    let col = |n: &str| h.iter().position(|c| c.eq_ignore_ascii_case(n));
    let (Some(s), Some(u)) = (col("serial"), col("upn")) else {
        return Err(BridgeError::BadInput(
            "the UPN map needs a header with 'serial' and 'upn' columns (and optionally 'profile')"
                .into(),
        ));
    };
    let p = col("profile");
    let mut map = HashMap::new();
    for (i, row) in rd.records().enumerate() {
        let row = row.map_err(|e| BridgeError::BadInput(format!("UPN map line {}: {e}", i + 2)))?;
        let profile = match p.and_then(|p| row.get(p)).filter(|v| !v.is_empty()) {
            Some(v) => Some(v.parse::<u8>().map_err(|_| {
                BridgeError::BadInput(format!("UPN map line {}: bad profile", i + 2))
            })?),
            None => None,
        };
        map.insert(
            (row.get(s).unwrap_or("").to_string(), profile),
            row.get(u).unwrap_or("").to_string(),
        );
    }
    Ok(map)
}

/// What a row burned: a token (serial), a Molto2 profile (serial and profile) or an OATH
/// credential (serial and name). A Molto2 title is not part of it: a profile burned again
/// under another title is the same profile (found by fuzzing an old results file against the
/// burn journal's reading of the same file, which already counted it so).
fn slot(r: &ResultRecord) -> (&str, Option<u8>, Option<&str>) {
    let credential = match r.kind {
        DeviceKind::Oath => r.name.as_deref(),
        DeviceKind::Token2 | DeviceKind::Molto2 => None,
    };
    (&r.serial, r.profile, credential)
}

/// The rows that count: a later row for the same token, profile or credential replaces an
/// earlier one (a re-burn).
pub fn latest(records: &[ResultRecord]) -> Vec<&ResultRecord> {
    let mut latest: Vec<&ResultRecord> = Vec::new();
    for r in records {
        latest.retain(|x| slot(x) != slot(r));
        latest.push(r);
    }
    latest
}

/// One row as an Entra token record. The UPN comes from the row, else from `map` by
/// (serial, profile), else (serial, none); empty if none has it.
pub fn token_record(
    r: &ResultRecord,
    map: &HashMap<(String, Option<u8>), String>,
    manufacturer: Option<&str>,
) -> TokenRecord {
    let upn = r
        .upn
        .clone()
        .or_else(|| map.get(&(r.serial.clone(), r.profile)).cloned())
        .or_else(|| map.get(&(r.serial.clone(), None)).cloned())
        .unwrap_or_default();
    TokenRecord {
        upn,
        serial: r.serial.clone(),
        secret: r.secret.clone(),
        interval: r.period,
        manufacturer: manufacturer.unwrap_or(&r.manufacturer).to_string(),
        model: r.model.clone(),
        algorithm: r.algorithm,
        profile: r.profile,
        display_name: r.name.clone(),
    }
}

/// Whether `format` can hold this row: Entra's two formats take TOTP tokens only, so an HOTP
/// credential is left out of them (and named: [`left_out`]); every other format carries it.
fn fits(format: ExportFormat, r: &ResultRecord) -> bool {
    r.otp_kind == Kind::Totp || holds_hotp(format)
}

/// Whether `format` carries HOTP credentials (Entra's two formats do not).
pub fn holds_hotp(format: ExportFormat) -> bool {
    !matches!(format, ExportFormat::EntraCsv | ExportFormat::GraphJson)
}

/// The rows an export in `format` leaves out, and why — said to the admin beside the file,
/// since nothing in the file shows they exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// Each as "serial (credential name), counter N".
    pub names: Vec<String>,
}

impl std::fmt::Display for LeftOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} HOTP credential(s) left out — Entra takes time-based (TOTP) tokens only: {}. \
             Their seeds stay in the journal: export them with results-to-csv --format pskc, oath-csv or otpauth",
            self.names.len(),
            self.names.join("; ")
        )
    }
}

/// What [`export`] leaves out of `format` ([`LeftOut`]), if anything.
pub fn left_out(records: &[ResultRecord], format: ExportFormat) -> Option<LeftOut> {
    let names: Vec<String> = latest(records)
        .into_iter()
        .filter(|r| !fits(format, r))
        .map(|r| {
            let counter = match r.otp_kind {
                Kind::Hotp { counter } => format!(", counter {counter}"),
                Kind::Totp => String::new(),
            };
            match &r.name {
                Some(n) => format!("{} ({n}){counter}", r.serial),
                None => format!("{}{counter}", r.serial),
            }
        })
        .collect();
    (!names.is_empty()).then_some(LeftOut { names })
}

/// The tokens a results file holds now ([`latest`] rows, [`token_record`] each), for any
/// export format — without the HOTP credentials Entra's formats cannot hold ([`left_out`]
/// names them). For the Entra CSV every row needs a UPN: the error names the rows without.
pub fn to_tokens(
    records: &[ResultRecord],
    map: &HashMap<(String, Option<u8>), String>,
    format: ExportFormat,
    manufacturer: Option<&str>,
) -> Result<Vec<OathToken>, BridgeError> {
    let latest = latest(records);
    let out: Vec<OathToken> = latest
        .iter()
        .filter(|r| fits(format, r))
        .map(|r| OathToken {
            record: token_record(r, map, manufacturer),
            digits: r.digits,
            kind: r.otp_kind,
        })
        .collect();
    let missing: Vec<String> = out
        .iter()
        .map(|t| &t.record)
        .filter(|t| t.upn.is_empty() && format == ExportFormat::EntraCsv)
        .map(|t| match t.profile {
            Some(p) => format!("{} profile {p}", t.serial),
            None => t.serial.clone(),
        })
        .collect();
    if !missing.is_empty() {
        return Err(BridgeError::BadInput(format!(
            "no UPN for: {} (add them to the UPN map)",
            missing.join(", ")
        )));
    }
    Ok(out)
}

/// Convert results to any export format ([`to_tokens`], then core's one writer): the file
/// and how many tokens it holds.
pub fn export(
    records: &[ResultRecord],
    map: &HashMap<(String, Option<u8>), String>,
    format: ExportFormat,
    manufacturer: Option<&str>,
    options: &ExportOptions<'_>,
) -> Result<(Zeroizing<String>, usize), BridgeError> {
    let tokens = to_tokens(records, map, format, manufacturer)?;
    let file = formats::export(format, &tokens, options).map_err(|e| match e {
        FormatError::Invalid(issues) => BridgeError::BadInput(refusal(format, &tokens, &issues)),
        other => BridgeError::BadInput(other.to_string()),
    })?;
    Ok((file, tokens.len()))
}

/// Core names a token by its place in the list; the admin knows it by serial and profile.
fn refusal(format: ExportFormat, tokens: &[OathToken], issues: &[Issue]) -> String {
    const SHOWN: usize = 20;
    let mut text = format!(
        "{} problem(s) stop the {} export:",
        issues.len(),
        format.name()
    );
    for issue in issues.iter().take(SHOWN) {
        let token = tokens.get(issue.row).map(|t| &t.record);
        let name = match token {
            Some(TokenRecord {
                serial,
                profile: Some(p),
                ..
            }) => format!("{serial} profile {p}"),
            Some(t) => t.serial.clone(),
            None => format!("token {}", issue.row + 1),
        };
        let prefix = format!("row {}: ", issue.row + 1);
        let message = issue
            .message
            .strip_prefix(&prefix)
            .unwrap_or(&issue.message);
        text.push_str(&format!("\n  {name}: {message}"));
    }
    if issues.len() > SHOWN {
        text.push_str(&format!("\n  … and {} more", issues.len() - SHOWN));
    }
    text
}
