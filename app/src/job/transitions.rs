//! What moves the job from step to step: a burn or hand-off records its row at once and links
//! the job to it (`burned`, `handed_off`); a token programmed elsewhere is recorded by hand;
//! the questions asked before anything that could cost a seed (burning a listed token or an
//! occupied profile, leaving an unverified row for the next token) and their answers;
//! `next_token` readies the steps for the next one.

use super::{focus, Job, Mode, Step};
use crate::bridge::{self, client::DeviceKind, Burned};
use crate::browser;
use crate::inventory::record::next_serial;
use crate::inventory::row_name;
use crate::inventory::status::{Check, How, Origin, Status};
use leptos::prelude::*;
use tokensmith_core::entra::TokenRecord;
use tokensmith_core::otp::hotp;

/// How the seed leaves the page in step 4.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Go {
    /// Burned through the bridge.
    Bridge,
    /// Copied for the burner app (hex or base32).
    Copy { hex: bool },
    /// Shown as a QR code.
    ShowQr,
}

/// What the page asks before doing something that could cost a seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Burn (or hand off) a token the list already has, or into an occupied profile.
    Burn(Go),
    /// Leave the linked row and start the next token with a new seed.
    NextToken,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    pub action: Action,
    /// The step whose box shows the question.
    pub step: Step,
    pub text: String,
    pub yes: &'static str,
}

impl Job {
    /// Links the job to `id`: the seed and its settings stay until the next token.
    pub(super) fn link(self, id: u64) {
        self.row.set(Some(id));
        self.state.fixed.set(true);
        self.verify.reset();
        self.question.set(None);
    }

    /// Records the row of a successful burn at once (or replaces the row of a token burned
    /// again), with what was actually sent.
    pub(super) fn burned(self, b: Burned) {
        let Burned {
            result: r,
            secret,
            otp,
            kind,
        } = b;
        let text = |s: RwSignal<String>| s.get_untracked().trim().to_string();
        let display = text(self.form.display_name);
        let rec = TokenRecord {
            upn: text(self.form.upn),
            serial: r.serial.clone(),
            secret,
            interval: otp.period,
            manufacturer: text(self.form.manufacturer),
            model: text(self.form.model),
            algorithm: otp.algorithm,
            profile: r.profile,
            display_name: (!display.is_empty()).then_some(display),
        };
        let mut status = Status::new(Origin::Burned { at: r.burned_at }, otp.digits);
        status.kind = kind;
        match &r.verification {
            bridge::client::Verification::DeviceCalculated { matches: true, .. } => {
                status.check = Check::Verified {
                    drift: 0,
                    period: otp.period,
                    how: How::Device,
                };
            }
            bridge::client::Verification::DeviceCalculated { matches: false, .. } => {
                status.check = Check::Failed;
            }
            bridge::client::Verification::CompareWithDisplay { expected_code, .. } => {
                // The page computes the code itself too: two implementations must agree.
                let ours = u64::try_from(r.burned_at / i64::from(otp.period.max(1)))
                    .ok()
                    .and_then(|step| {
                        hotp(rec.secret.as_bytes(), step, otp.algorithm, otp.digits).ok()
                    });
                if ours.as_deref() != Some(expected_code.as_str()) {
                    self.note.set(Some((
                        false,
                        "The bridge and this page compute different codes for this seed: do not hand the token out; burn it again.".into(),
                    )));
                }
            }
            bridge::client::Verification::NotChecked { .. } => {}
        }
        let id = match self
            .inv
            .find_token(&r.serial, r.profile)
            .map(|(_, row)| row.id)
        {
            Some(id) => {
                self.inv.replace(id, rec, status);
                id
            }
            None => self.inv.add(rec, status),
        };
        self.link(id);
        self.verify
            .credential
            .set(r.name.clone().filter(|_| r.kind == DeviceKind::Oath));
        focus("step-verify-h");
    }

    /// Records the row of a seed handed to the burner app or shown as a QR code (before it
    /// leaves the page), or replaces the listed row of that serial.
    pub(super) fn handed_off(self, replacing: Option<u64>) -> bool {
        let rec = match self.record(replacing) {
            Ok(rec) => rec,
            Err(()) => return false,
        };
        let digits = self.params.otp.get_untracked().digits;
        let mut status = Status::new(
            Origin::HandedOff {
                at: crate::clock::unix_now(),
            },
            digits,
        );
        status.kind = self.params.kind_untracked();
        let id = match replacing {
            Some(id) => {
                self.inv.replace(id, rec, status);
                id
            }
            None => self.inv.add(rec, status),
        };
        self.link(id);
        let name = self
            .inv
            .row(id)
            .map(|(i, row)| row_name(i, &row.rec))
            .unwrap_or_default();
        self.inv.status.set((
            true,
            format!(
                "Recorded {name} before the seed left this page: handed off, not verified yet."
            ),
        ));
        true
    }

    /// The record the steps describe, or `Err` with the problems shown under step 2.
    pub(super) fn record(self, replacing: Option<u64>) -> Result<TokenRecord, ()> {
        match self.checked(replacing) {
            Ok(rec) => {
                self.inv.form_issues.set(Vec::new());
                Ok(rec)
            }
            Err(problems) => {
                self.inv.form_issues.set(problems);
                self.inv.status.set((
                    false,
                    "Not recorded: fix the problems listed in step 2. Nothing was lost.".into(),
                ));
                Err(())
            }
        }
    }

    /// Records the token without burning (programmed elsewhere) and starts the next one.
    pub fn add_by_hand(self) {
        if let Some((i, r)) = self.linked() {
            self.inv.status.set((
                false,
                format!(
                    "This token is already {}: press Next token first.",
                    row_name(i, &r.rec)
                ),
            ));
            return;
        }
        let Ok(rec) = self.record(None) else {
            return;
        };
        let serial = rec.serial.clone();
        let digits = self.params.otp.get_untracked().digits;
        let mut status = Status::new(Origin::Added, digits);
        status.kind = self.params.kind_untracked();
        self.inv.add(rec, status);
        self.next_token();
        let n = self.inv.rows.with_untracked(Vec::len);
        self.inv.status.set((
            true,
            format!("Added row {n} (serial {serial}). New seed generated for the next token."),
        ));
        focus("upn");
    }

    /// "Next token" or Generate: while linked, the next token (asked first while the row is
    /// not verified); otherwise Generate only replaces the seed.
    pub fn ask_next(self, step: Step) {
        match self.linked() {
            Some((i, r)) if !r.status.verified() => self.question.set(Some(Question {
                action: Action::NextToken,
                step,
                text: format!(
                    "The seed in step 3 is in {} and was not verified. Start the next token with a new seed? The row keeps this seed; you can still export it.",
                    row_name(i, &r.rec)
                ),
                yes: "Yes, next token",
            })),
            Some(_) => {
                self.next_token();
                focus("upn");
            }
            // Nothing recorded yet: a new seed, and the user and serial typed stay.
            None => self.state.regenerate(),
        }
    }

    /// Answers the open question.
    pub fn answer(self, yes: bool) {
        let Some(q) = self.question.get_untracked() else {
            return;
        };
        self.question.set(None);
        if !yes {
            return;
        }
        match q.action {
            Action::NextToken => {
                self.next_token();
                focus("upn");
            }
            Action::Burn(go) => self.go(go, true),
        }
    }

    /// Leaves the linked row and readies the steps for the next token: new seed, next serial
    /// or profile, empty user.
    pub fn next_token(self) {
        let form = self.form;
        let last = self.linked().map(|(_, r)| r.rec);
        self.row.set(None);
        self.state.fixed.set(false);
        self.short_ack.set(false);
        self.verify.reset();
        self.note.set(None);
        self.question.set(None);
        self.panel.clear_outcome();
        let serial = last
            .as_ref()
            .map(|r| r.serial.clone())
            .unwrap_or_else(|| form.serial.get_untracked());
        let profile = last
            .as_ref()
            .and_then(|r| r.profile)
            .or_else(|| form.profile.get_untracked().trim().parse::<u8>().ok());
        let caps = self.params.current().caps();
        let next_profile = profile.and_then(|p| p.checked_add(1));
        // The serial comes from the device on the reader (unless it reports none).
        let from_device = self.mode.get_untracked() == Mode::Bridge
            && self.panel.device().is_some_and(|d| !d.serial.is_empty());
        match (caps.max_profile(), next_profile) {
            (Some(max), Some(np)) if np <= max => {
                let free = if from_device {
                    self.panel.next_free(np).unwrap_or(np)
                } else {
                    np
                };
                form.profile.set(free.to_string());
            }
            (Some(_), _) => {
                form.profile.set("0".into());
                if !from_device {
                    form.serial.set(next_serial(&serial));
                }
            }
            _ if !from_device => form.serial.set(next_serial(&serial)),
            _ => {}
        }
        if from_device {
            // The next token is on the reader by now, or will be: read the readers again.
            self.panel.refresh();
        } else {
            browser::pref_set("serial", &form.serial.get_untracked());
        }
        form.upn.set(String::new());
        form.display_name.set(String::new());
        form.title.set(String::new());
        self.params.account.set(String::new());
        self.state.regenerate();
    }
}
