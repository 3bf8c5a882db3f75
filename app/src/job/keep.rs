//! The opt-in that keeps unexported seeds in this browser (ARCHITECTURE.md, phone mode): while
//! the box is ticked, the rows not yet exported — seeds included, unencrypted — are written to
//! localStorage after every change, and removed once exported or when the box is unticked. A
//! page that finds them on load (the tab was dropped while the admin was in the burner app)
//! puts them back, and the job with them.

use super::Job;
use crate::checkbox::CheckBox;
use crate::inventory::status::{Check, How, Origin, Status};
use leptos::prelude::*;
use tokensmith_core::entra::TokenRecord;
use tokensmith_core::otp::OtpParams;
use tokensmith_core::otpauth::Kind;
use tokensmith_shell::kept::{self, Kept};

/// A row as kept (`tokensmith_shell::kept`, whose format the shell reads too).
fn kept_of(rec: &TokenRecord, status: &Status, linked: bool) -> Kept {
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

/// A kept row as the inventory's row and the job's settings.
fn restored(k: &Kept) -> Option<(TokenRecord, Status, OtpParams)> {
    let (secret, otp) = k.token()?;
    let origin = match k.origin.as_str() {
        "burned" => Origin::Burned { at: k.at },
        "handed-off" => Origin::HandedOff { at: k.at },
        "imported" => Origin::Imported,
        _ => Origin::Added,
    };
    let mut status = Status::new(origin, k.digits);
    if let Some(counter) = k.counter {
        status.kind = Kind::Hotp { counter };
    }
    if let Some(drift) = k.drift {
        status.check = Check::Verified {
            drift,
            period: k.period,
            how: How::Typed,
        };
    }
    let rec = TokenRecord {
        upn: k.upn.clone(),
        serial: k.serial.clone(),
        secret,
        interval: k.period,
        manufacturer: k.manufacturer.clone(),
        model: k.model.clone(),
        algorithm: otp.algorithm,
        profile: k.profile,
        display_name: k.display_name.clone(),
    };
    Some((rec, status, otp))
}

impl Job {
    /// Writes the unexported rows while the box is ticked; removes them otherwise.
    fn persist(self) {
        Effect::new(move |_| {
            let keep = self.keep.get();
            let linked = self.row.get();
            // Kept values wipe their seeds when dropped.
            let kept: Vec<Kept> = if keep {
                self.inv.rows.with(|rows| {
                    rows.iter()
                        .filter(|r| !r.status.exported)
                        .map(|r| kept_of(&r.rec, &r.status, Some(r.id) == linked))
                        .collect()
                })
            } else {
                Vec::new()
            };
            kept::save(&kept);
        });
    }

    /// Puts back what a dropped tab kept, and the job on its row.
    pub(super) fn restore(self) {
        let kept = kept::load();
        let mut n = 0;
        for k in &kept {
            let Some((rec, status, otp)) = restored(k) else {
                continue;
            };
            n += 1;
            let (serial, upn) = (rec.serial.clone(), rec.upn.clone());
            let secret = rec.secret.clone();
            let kind = status.kind;
            let id = self.inv.add(rec, status);
            if k.linked {
                self.state.set(secret);
                self.params.algorithm.set(otp.algorithm);
                self.params.digits.set(otp.digits);
                self.params.period.set(otp.period);
                self.params.set_kind(kind);
                self.form.serial.set(serial);
                self.form.upn.set(upn);
                self.link(id);
            }
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
