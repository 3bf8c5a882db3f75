//! Entra ID's own limits on hardware OATH tokens (entra-oath-import.md): what either upload
//! format accepts, whatever the token can do.

use super::{Periods, Refusal};
use crate::entra::Format;
use crate::otp::{Algorithm, OtpParams};

/// The CSV has no algorithm column: Entra treats every CSV token as SHA-1.
pub const CSV_ALGORITHMS: &[Algorithm] = &[Algorithm::Sha1];
/// Graph's `hashFunction`: `hmacsha1` or `hmacsha256`.
pub const GRAPH_ALGORITHMS: &[Algorithm] = &[Algorithm::Sha1, Algorithm::Sha256];
/// Time interval, seconds.
pub const PERIODS: Periods = Periods::Only(&[30, 60]);
/// Entra verifies 6-digit codes only (neither format has a digits field).
pub const DIGITS: u8 = 6;
/// The base32 secret column, characters at most (no `=` padding).
pub const MAX_SECRET_CHARS: usize = 128;
/// OATH hardware tokens (and apps) per user.
pub const MAX_TOKENS_PER_USER: usize = 5;

pub fn algorithms(format: Format) -> &'static [Algorithm] {
    match format {
        Format::Csv => CSV_ALGORITHMS,
        Format::Graph => GRAPH_ALGORITHMS,
    }
}

/// The hashes a format takes, for a label: "SHA-1 only", "SHA-1 or SHA-256".
pub fn algorithms_label(format: Format) -> String {
    match algorithms(format) {
        [only] => format!("{} only", only.human()),
        list => super::table::algorithms_text(list),
    }
}

/// Every reason this upload format refuses a token with these settings.
pub fn check(format: Format, otp: &OtpParams) -> Result<(), Vec<Refusal>> {
    let mut out = Vec::new();
    if !algorithms(format).contains(&otp.algorithm) {
        out.push(Refusal::EntraAlgorithm {
            algorithm: otp.algorithm,
        });
    }
    if otp.digits != DIGITS {
        out.push(Refusal::EntraDigits { digits: otp.digits });
    }
    if !PERIODS.allows(otp.period) {
        out.push(Refusal::EntraPeriod { period: otp.period });
    }
    if out.is_empty() {
        Ok(())
    } else {
        Err(out)
    }
}

/// The secret column's limit, from the base32 length (no padding).
pub fn check_secret(base32_chars: usize) -> Result<(), Refusal> {
    if base32_chars > MAX_SECRET_CHARS {
        Err(Refusal::EntraSecretLength {
            chars: base32_chars,
        })
    } else {
        Ok(())
    }
}

/// What either upload refuses (each reason once): empty when both take these settings.
pub fn notes(otp: &OtpParams) -> Vec<Refusal> {
    let mut out: Vec<Refusal> = Vec::new();
    for format in [Format::Csv, Format::Graph] {
        for r in check(format, otp).err().unwrap_or_default() {
            if !out.contains(&r) {
                out.push(r);
            }
        }
    }
    out
}
