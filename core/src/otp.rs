//! HOTP (RFC 4226) and TOTP (RFC 6238).
//!
//! All arithmetic is checked or widened so that any `i64` time and any
//! counter give an answer or an error, never a panic: the host clock and
//! the token clock are both untrusted inputs here.

use std::fmt;
use std::str::FromStr;

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Sha256, Sha512};
use zeroize::Zeroizing;

/// The HMAC hash. Token2 tokens do SHA-1 and SHA-256; SHA-512 exists for
/// authenticator apps and YubiKeys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Algorithm {
    #[default]
    Sha1,
    Sha256,
    Sha512,
}

impl Algorithm {
    pub const ALL: [Algorithm; 3] = [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512];

    /// The spelling otpauth URIs use.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha512 => "SHA512",
        }
    }

    /// The spelling for people ("SHA-256").
    pub fn human(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "SHA-1",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha512 => "SHA-512",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An algorithm name nobody recognises. Holds at most the first 32
/// characters of what was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown algorithm '{0}': use SHA1, SHA256 or SHA512")]
pub struct UnknownAlgorithm(pub String);

/// Accepts the spellings seen in the wild: "SHA1", "sha-256", "HmacSHA512", "hmacsha1".
impl FromStr for Algorithm {
    type Err = UnknownAlgorithm;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm: String = s
            .trim()
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .collect::<String>()
            .to_ascii_uppercase();
        let norm = norm.strip_prefix("HMAC").unwrap_or(&norm);
        match norm {
            "SHA1" => Ok(Algorithm::Sha1),
            "SHA256" => Ok(Algorithm::Sha256),
            "SHA512" => Ok(Algorithm::Sha512),
            _ => Err(UnknownAlgorithm(s.chars().take(32).collect())),
        }
    }
}

pub const MIN_DIGITS: u8 = 4;
pub const MAX_DIGITS: u8 = 10;

/// What the token and the verifier must agree on besides the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OtpParams {
    pub algorithm: Algorithm,
    pub digits: u8,
    pub period: u32,
}

impl Default for OtpParams {
    /// The de-facto standard every authenticator assumes when told nothing.
    fn default() -> Self {
        OtpParams {
            algorithm: Algorithm::Sha1,
            digits: 6,
            period: 30,
        }
    }
}

impl OtpParams {
    pub fn validate(&self) -> Result<(), OtpError> {
        check_digits(self.digits)?;
        if self.period == 0 {
            return Err(OtpError::ZeroPeriod);
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OtpError {
    #[error("{0} digits is not supported: codes have {min} to {max} digits", min = MIN_DIGITS, max = MAX_DIGITS)]
    BadDigits(u8),
    #[error("the time step (period) must be at least 1 second")]
    ZeroPeriod,
    #[error(
        "the time is before 1970-01-01 00:00:00 UTC, where TOTP is undefined: check the clock"
    )]
    BeforeEpoch,
}

fn check_digits(digits: u8) -> Result<(), OtpError> {
    if (MIN_DIGITS..=MAX_DIGITS).contains(&digits) {
        Ok(())
    } else {
        Err(OtpError::BadDigits(digits))
    }
}

fn hmac_digest<M: Mac + hmac::digest::KeyInit>(key: &[u8], msg: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut mac =
        <M as hmac::digest::KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(msg);
    Zeroizing::new(mac.finalize().into_bytes().to_vec())
}

/// HMAC of `msg` under `key` with the OTP hash. Public because the OATH applet protocol
/// (access keys, challenge responses) and card emulators use the same primitive.
pub fn hmac(algorithm: Algorithm, key: &[u8], msg: &[u8]) -> Zeroizing<Vec<u8>> {
    match algorithm {
        Algorithm::Sha1 => hmac_digest::<Hmac<Sha1>>(key, msg),
        Algorithm::Sha256 => hmac_digest::<Hmac<Sha256>>(key, msg),
        Algorithm::Sha512 => hmac_digest::<Hmac<Sha512>>(key, msg),
    }
}

/// RFC 4226 dynamic truncation: the 4 bytes at the offset named by the last byte's low
/// nibble, top bit NOT yet cleared (YKOATH cards return exactly these bytes).
pub fn truncate(mac: &[u8]) -> [u8; 4] {
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    [
        mac[offset],
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]
}

/// The code for truncated bytes: 31 bits, modulo 10^digits, zero-padded.
pub fn format_code(truncated: [u8; 4], digits: u8) -> Result<String, OtpError> {
    check_digits(digits)?;
    let bin = u64::from(u32::from_be_bytes(truncated) & 0x7fff_ffff);
    let code = bin % 10u64.pow(u32::from(digits));
    Ok(format!("{code:0width$}", width = usize::from(digits)))
}

/// RFC 4226 HOTP. 10-digit codes work because the arithmetic is in `u64`.
pub fn hotp(
    key: &[u8],
    counter: u64,
    algorithm: Algorithm,
    digits: u8,
) -> Result<String, OtpError> {
    check_digits(digits)?;
    format_code(
        truncate(&hmac(algorithm, key, &counter.to_be_bytes())),
        digits,
    )
}

/// The RFC 6238 counter for a Unix time. Times past 2106 (beyond `u32`) are fine.
pub fn time_step(unix: i64, period: u32) -> Result<u64, OtpError> {
    if period == 0 {
        return Err(OtpError::ZeroPeriod);
    }
    let unix = u64::try_from(unix).map_err(|_| OtpError::BeforeEpoch)?;
    Ok(unix / u64::from(period))
}

pub fn totp(key: &[u8], params: &OtpParams, unix: i64) -> Result<String, OtpError> {
    params.validate()?;
    hotp(
        key,
        time_step(unix, params.period)?,
        params.algorithm,
        params.digits,
    )
}

/// Seconds until the code changes (1..=period); 0 only for a zero period.
pub fn seconds_remaining(unix: i64, period: u32) -> u32 {
    if period == 0 {
        return 0;
    }
    let into = unix.rem_euclid(i64::from(period));
    // `into` is in 0..period, so the difference fits in u32.
    u32::try_from(i64::from(period) - into).unwrap_or(period)
}

/// Unix time at which `step` begins, saturating at `i64::MAX` for steps beyond any clock.
pub fn step_start(step: u64, period: u32) -> i64 {
    let start = step.saturating_mul(u64::from(period));
    i64::try_from(start).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests;
