//! The storage format of the rows the user chose to keep in this browser until exported
//! (`app::job::keep`): one JSON list under one key. The app writes and restores it; the shell
//! reads the job's row from it, so that a reload shows that row's seed from the first paint.

use crate::store;
use serde::{Deserialize, Serialize};
use tokensmith_core::otp::{Algorithm, OtpParams};
use tokensmith_core::secret::{Encoding, Secret};
use zeroize::{Zeroize, Zeroizing};

/// Where the kept rows are (a localStorage key under the page's prefix).
pub const KEY: &str = "kept-tokens";

/// One kept row. `seed` is base32 (wiped when the value is dropped): this is the one place the
/// page writes a seed to storage, and only by the user's choice.
#[derive(Serialize, Deserialize)]
pub struct Kept {
    pub upn: String,
    pub serial: String,
    pub seed: String,
    pub algorithm: String,
    pub digits: u8,
    pub period: u32,
    pub manufacturer: String,
    pub model: String,
    pub profile: Option<u8>,
    pub display_name: Option<String>,
    /// "burned", "handed-off", "added", "imported", with the time where there is one.
    pub origin: String,
    pub at: i64,
    /// Verified drift in seconds, when verified.
    pub drift: Option<i64>,
    /// The job was on this row.
    pub linked: bool,
    /// An HOTP credential's counter (absent: TOTP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter: Option<u64>,
}

impl Drop for Kept {
    fn drop(&mut self) {
        self.seed.zeroize();
    }
}

impl Kept {
    /// The row's seed and settings; `None` when either does not read (the row is skipped).
    pub fn token(&self) -> Option<(Secret, OtpParams)> {
        let secret = Secret::parse(&self.seed, Encoding::Base32).ok()?.secret;
        let algorithm = self.algorithm.parse::<Algorithm>().ok()?;
        Some((
            secret,
            OtpParams {
                algorithm,
                digits: self.digits,
                period: self.period,
            },
        ))
    }
}

/// The kept rows (none when nothing is kept or the list does not read).
pub fn load() -> Vec<Kept> {
    store::get(KEY)
        .map(Zeroizing::new)
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

/// Writes the rows (an empty list removes the key).
pub fn save(rows: &[Kept]) {
    if rows.is_empty() {
        store::remove(KEY);
    } else if let Ok(json) = serde_json::to_string(rows).map(Zeroizing::new) {
        store::set(KEY, &json);
    }
}

/// The seed and settings of the row the job was on, and whether it is HOTP: the last linked
/// row that reads, as the app's restore leaves it.
pub fn linked(rows: &[Kept]) -> Option<(Secret, OtpParams, bool)> {
    rows.iter()
        .rev()
        .filter(|k| k.linked)
        .find_map(|k| k.token().map(|(s, otp)| (s, otp, k.counter.is_some())))
}
