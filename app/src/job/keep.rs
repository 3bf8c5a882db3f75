//! The opt-in that keeps unexported seeds in this browser (ARCHITECTURE.md, phone mode): while
//! the box is ticked, the rows not yet exported — seeds included, unencrypted — are written to
//! localStorage after every change, and removed once exported or when the box is unticked. A
//! page that finds them on load (the tab was dropped while the admin was in the burner app)
//! puts them back, and the job with them.

use super::Job;
use crate::browser;
use crate::checkbox::CheckBox;
use crate::inventory::status::{Check, How, Origin, Status};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use tokensmith_core::entra::TokenRecord;
use tokensmith_core::otp::{Algorithm, OtpParams};
use tokensmith_core::otpauth::Kind;
use tokensmith_core::secret::{Encoding, Secret};
use zeroize::Zeroizing;

/// Where the kept rows are (a localStorage key under the page's prefix).
const KEY: &str = "kept-tokens";

/// One kept row. `seed` is base32: this is the one place the page writes a seed to storage,
/// and only by the user's choice.
#[derive(Serialize, Deserialize)]
struct Kept {
    upn: String,
    serial: String,
    seed: String,
    algorithm: String,
    digits: u8,
    period: u32,
    manufacturer: String,
    model: String,
    profile: Option<u8>,
    display_name: Option<String>,
    /// "burned", "handed-off", "added", "imported", with the time where there is one.
    origin: String,
    at: i64,
    /// Verified drift in seconds, when verified.
    drift: Option<i64>,
    /// The job was on this row.
    linked: bool,
    /// An HOTP credential's counter (absent: TOTP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    counter: Option<u64>,
}

impl Kept {
    fn of(rec: &TokenRecord, status: &Status, linked: bool) -> Kept {
        let (origin, at) = match status.origin {
            Origin::Burned { at } => ("burned", at),
            Origin::HandedOff { at } => ("handed-off", at),
            Origin::Added => ("added", 0),
            Origin::Imported => ("imported", 0),
        };
        Kept {
            upn: rec.upn.clone(),
            serial: rec.serial.clone(),
            seed: rec.secret.to_base32().to_string(),
            algorithm: rec.algorithm.as_str().to_string(),
            digits: status.digits,
            period: rec.interval,
            manufacturer: rec.manufacturer.clone(),
            model: rec.model.clone(),
            profile: rec.profile,
            display_name: rec.display_name.clone(),
            origin: origin.into(),
            at,
            drift: match status.check {
                Check::Verified { drift, .. } => Some(drift),
                _ => None,
            },
            linked,
            counter: status.hotp_counter(),
        }
    }

    fn restore(&self) -> Option<(TokenRecord, Status, OtpParams)> {
        let secret = Secret::parse(&self.seed, Encoding::Base32).ok()?.secret;
        let algorithm = self.algorithm.parse::<Algorithm>().ok()?;
        let origin = match self.origin.as_str() {
            "burned" => Origin::Burned { at: self.at },
            "handed-off" => Origin::HandedOff { at: self.at },
            "imported" => Origin::Imported,
            _ => Origin::Added,
        };
        let mut status = Status::new(origin, self.digits);
        if let Some(counter) = self.counter {
            status.kind = Kind::Hotp { counter };
        }
        if let Some(drift) = self.drift {
            status.check = Check::Verified {
                drift,
                period: self.period,
                how: How::Typed,
            };
        }
        let rec = TokenRecord {
            upn: self.upn.clone(),
            serial: self.serial.clone(),
            secret,
            interval: self.period,
            manufacturer: self.manufacturer.clone(),
            model: self.model.clone(),
            algorithm,
            profile: self.profile,
            display_name: self.display_name.clone(),
        };
        let otp = OtpParams {
            algorithm,
            digits: self.digits,
            period: self.period,
        };
        Some((rec, status, otp))
    }
}

impl Job {
    /// Writes the unexported rows while the box is ticked; removes them otherwise.
    fn persist(self) {
        Effect::new(move |_| {
            let keep = self.keep.get();
            let linked = self.row.get();
            let kept: Vec<Kept> = self.inv.rows.with(|rows| {
                rows.iter()
                    .filter(|r| !r.status.exported)
                    .map(|r| Kept::of(&r.rec, &r.status, Some(r.id) == linked))
                    .collect()
            });
            if keep && !kept.is_empty() {
                if let Ok(json) = serde_json::to_string(&kept).map(Zeroizing::new) {
                    browser::pref_set(KEY, &json);
                }
            } else {
                browser::pref_remove(KEY);
            }
            // The Kept values hold seeds: wipe them.
            for k in kept {
                drop(Zeroizing::new(k.seed));
            }
        });
    }

    /// Puts back what a dropped tab kept, and the job on its row.
    pub(super) fn restore(self) {
        let Some(json) = browser::pref_get(KEY).map(Zeroizing::new) else {
            self.persist();
            return;
        };
        let kept: Vec<Kept> = serde_json::from_str(&json).unwrap_or_default();
        let mut n = 0;
        for k in &kept {
            let Some((rec, status, otp)) = k.restore() else {
                continue;
            };
            n += 1;
            let (serial, upn) = (rec.serial.clone(), rec.upn.clone());
            let secret = rec.secret.clone();
            let id = self.inv.add(rec, status);
            if k.linked {
                self.state.set(secret);
                self.params.algorithm.set(otp.algorithm);
                self.params.digits.set(otp.digits);
                self.params.period.set(otp.period);
                self.params.set_kind(status.kind);
                self.form.serial.set(serial);
                self.form.upn.set(upn);
                self.link(id);
            }
        }
        for k in kept {
            drop(Zeroizing::new(k.seed));
        }
        if n > 0 {
            self.keep.set(true);
            self.note.set(Some((
                true,
                format!(
                    "Restored {n} token(s) this browser kept (the tab was closed or reloaded before they were exported): they are back in the inventory."
                ),
            )));
        }
        self.persist();
    }
}

/// The opt-in, with what it costs.
#[component]
pub fn KeepBox(job: Job) -> impl IntoView {
    view! {
        <CheckBox id="keep-seeds" value=job.keep class="keep">
                "Keep this token's seed in this browser until it is exported, so a dropped tab does not lose it. "
                <span class="muted">"(Stored unencrypted in this browser's storage on this device; deleted on export or when you untick.)"</span>
        </CheckBox>
    }
}
