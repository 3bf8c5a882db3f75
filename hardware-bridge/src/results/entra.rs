//! A results file to Entra: the CSV of the admin center or Graph's bulk JSON, with UPNs from
//! the rows or from a map file.

use std::collections::HashMap;

use tokensmith_api::DeviceKind;
use tokensmith_core::entra::{self, TokenRecord};
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

/// Output format of [`to_entra`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EntraFormat {
    /// Entra admin-center CSV upload.
    Csv,
    /// Microsoft Graph bulk (`#$delta`) JSON.
    Graph,
}

/// What a row burned: a token (serial), a Molto2 profile (serial and profile) or an OATH
/// credential (serial and name). A Molto2 title is not part of it: a profile burned again
/// under another title is the same profile (found by fuzzing against the burn journal's
/// reading of the same file, which already counted it so).
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

/// Convert results to Entra's CSV or Graph JSON ([`latest`] rows, [`token_record`] each).
pub fn to_entra(
    records: &[ResultRecord],
    map: &HashMap<(String, Option<u8>), String>,
    format: EntraFormat,
    manufacturer: Option<&str>,
) -> Result<Zeroizing<String>, BridgeError> {
    let out: Vec<TokenRecord> = latest(records)
        .into_iter()
        .map(|r| token_record(r, map, manufacturer))
        .collect();
    let missing: Vec<String> = out
        .iter()
        .filter(|t| t.upn.is_empty() && format == EntraFormat::Csv)
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
    let res = match format {
        EntraFormat::Csv => entra::write_csv(&out),
        EntraFormat::Graph => entra::graph_bulk_json(&out),
    };
    res.map_err(|e| BridgeError::BadInput(e.to_string()))
}
