//! One row of the results file, as typed CSV (the `csv` crate with serde). Every cell is
//! checked when read: a corrupt cell is an error naming its line and column — never a silent
//! default (a damaged algorithm exported as SHA-1 would be a wrong Entra upload).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tokensmith_api::{DeviceKind, SecretString};
use tokensmith_core::otp::{Algorithm, MAX_DIGITS, MIN_DIGITS};

/// The columns, in order (also the file's first line).
pub const HEADER: &str = "burned_at,kind,serial,model,profile,name,secret,algorithm,digits,period,display_timeout,upn,manufacturer";

/// A row as written and read. Field order is [`HEADER`]'s.
#[derive(Serialize, Deserialize)]
pub(super) struct Row {
    pub burned_at: i64,
    #[serde(deserialize_with = "kind")]
    pub kind: DeviceKind,
    #[serde(deserialize_with = "serial")]
    pub serial: String,
    #[serde(deserialize_with = "text")]
    pub model: String,
    pub profile: Option<u8>,
    #[serde(deserialize_with = "optional_text")]
    pub name: Option<String>,
    /// Base32.
    pub secret: SecretString,
    #[serde(serialize_with = "algorithm_out", deserialize_with = "algorithm_in")]
    pub algorithm: Algorithm,
    #[serde(deserialize_with = "digits")]
    pub digits: u8,
    #[serde(deserialize_with = "period")]
    pub period: u32,
    pub display_timeout: Option<u32>,
    #[serde(deserialize_with = "optional_text")]
    pub upn: Option<String>,
    #[serde(deserialize_with = "text")]
    pub manufacturer: String,
}

fn algorithm_out<S: Serializer>(a: &Algorithm, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(a.as_str())
}

/// Checks of one cell's text, shared by deserialization and [`locate`].
mod cell {
    use super::*;

    pub fn algorithm(t: &str) -> Result<Algorithm, String> {
        t.parse()
            .map_err(|e: tokensmith_core::otp::UnknownAlgorithm| e.to_string())
    }

    pub fn digits(t: &str) -> Result<u8, String> {
        let n: u8 = t
            .parse()
            .map_err(|_| format!("{t:?} is not a number of digits"))?;
        if (MIN_DIGITS..=MAX_DIGITS).contains(&n) {
            Ok(n)
        } else {
            Err(format!(
                "{n} digits: codes have {MIN_DIGITS} to {MAX_DIGITS}"
            ))
        }
    }

    pub fn period(t: &str) -> Result<u32, String> {
        match t.parse::<u32>() {
            Ok(0) => Err("period 0 s: a period is at least 1 s".into()),
            Ok(p) => Ok(p),
            Err(_) => Err(format!("{t:?} is not a period in seconds")),
        }
    }

    /// No control characters (a NUL or a line break in a cell is damage, not data).
    pub fn text(t: &str) -> Result<(), String> {
        match t.chars().find(|c| c.is_control()) {
            Some(c) => Err(format!(
                "control character U+{:04X} in the cell",
                u32::from(c)
            )),
            None => Ok(()),
        }
    }

    pub fn serial(t: &str) -> Result<(), String> {
        text(t)?;
        if t.is_empty() {
            return Err("empty serial".into());
        }
        Ok(())
    }

    pub fn kind(t: &str) -> Result<DeviceKind, String> {
        t.parse()
    }
}

fn with<'de, D, T>(d: D, check: fn(&str) -> Result<T, String>) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    let t = String::deserialize(d)?;
    check(&t).map_err(serde::de::Error::custom)
}

fn algorithm_in<'de, D: Deserializer<'de>>(d: D) -> Result<Algorithm, D::Error> {
    with(d, cell::algorithm)
}

fn digits<'de, D: Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    with(d, cell::digits)
}

fn period<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    with(d, cell::period)
}

fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    with(d, |t| cell::text(t).map(|()| t.to_string()))
}

fn optional_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Some(text(d)?).filter(|t| !t.is_empty()))
}

fn serial<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    with(d, |t| cell::serial(t).map(|()| t.to_string()))
}

/// The first cell of `record` its column's check refuses: (column index, why). Serde's own
/// messages for a checked cell do not say which field failed; this does.
pub(super) fn locate(record: &csv::StringRecord) -> Option<(usize, String)> {
    type Check = fn(&str) -> Result<(), String>;
    let checks: [(usize, Check); 9] = [
        (1, |t| cell::kind(t).map(drop)),
        (2, cell::serial),
        (3, cell::text),
        (5, cell::text),
        (7, |t| cell::algorithm(t).map(drop)),
        (8, |t| cell::digits(t).map(drop)),
        (9, |t| cell::period(t).map(drop)),
        (11, cell::text),
        (12, cell::text),
    ];
    checks
        .iter()
        .find_map(|(i, check)| check(record.get(*i)?).err().map(|why| (*i, why)))
}

fn kind<'de, D: Deserializer<'de>>(d: D) -> Result<DeviceKind, D::Error> {
    with(d, cell::kind)
}
