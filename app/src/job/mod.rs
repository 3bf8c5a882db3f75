//! The admin's job as the page's spine: one token for one user in six steps (see
//! ARCHITECTURE.md, "The page: the admin's job as its spine"). [`Job`] holds what the steps
//! share — how the token is burned, the row the burn or hand-off created, the question being
//! asked — and decides the current step; each step is its own module.
//!
//! `steps` (the frame: progress, skip link, one box per step), `target` (1), `user` (2),
//! `seed_step` (3), `preflight` (what would be refused before anything leaves the page),
//! `burn` (4: through the bridge, or handed to the burner app / another device), `verify`
//! (5), `finish` (6), `keep` (the opt-in that keeps unexported seeds in this browser).

mod burn;
mod finish;
mod keep;
mod preflight;
mod seed_step;
mod steps;
mod target;
mod user;
mod verify;

pub use steps::{Progress, SkipLink, Spine};

use crate::bridge::{self, BridgeState, Burned, Panel};
use crate::browser;
use crate::inventory::record::next_serial;
use crate::inventory::status::{Check, How, Origin, Status};
use crate::inventory::{row_name, Inventory};
use crate::params::{ParamsState, RecordForm};
use crate::seed::SecretState;
use leptos::prelude::*;
use tokensmith_core::entra::TokenRecord;
use tokensmith_core::otp::hotp;
use wasm_bindgen::JsCast;

/// How this token gets its seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Through the hardware bridge and a reader on this computer.
    Bridge,
    /// Copied into Token2's NFC Burner app on this phone.
    BurnerApp,
    /// Shown as a QR code to another device (its burner app, or an authenticator app).
    OtherDevice,
}

impl Mode {
    fn slug(self) -> &'static str {
        match self {
            Mode::Bridge => "bridge",
            Mode::BurnerApp => "app",
            Mode::OtherDevice => "qr",
        }
    }

    fn from_slug(s: &str) -> Option<Mode> {
        [Mode::Bridge, Mode::BurnerApp, Mode::OtherDevice]
            .into_iter()
            .find(|m| m.slug() == s)
    }
}

/// The steps, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Token,
    User,
    Seed,
    Burn,
    Verify,
    Finish,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Step::Token,
        Step::User,
        Step::Seed,
        Step::Burn,
        Step::Verify,
        Step::Finish,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Step::Token => "step-token",
            Step::User => "step-user",
            Step::Seed => "step-seed",
            Step::Burn => "step-burn",
            Step::Verify => "step-verify",
            Step::Finish => "step-finish",
        }
    }

    pub fn number(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }
}

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

/// The job's shared state (signals and the bridge: `Copy`).
#[derive(Clone, Copy)]
pub struct Job {
    pub state: SecretState,
    pub params: ParamsState,
    pub form: RecordForm,
    pub inv: Inventory,
    pub panel: Panel,
    pub now: ReadSignal<i64>,
    pub mode: RwSignal<Mode>,
    /// The row this token's burn or hand-off created.
    pub row: RwSignal<Option<u64>>,
    pub question: RwSignal<Option<Question>>,
    /// The seed is under 128 bits and the admin said to burn it anyway.
    pub short_ack: RwSignal<bool>,
    /// The admin chose to keep unexported seeds in this browser.
    pub keep: RwSignal<bool>,
    /// What the job says about itself (restored rows, a disagreement with the bridge).
    pub note: RwSignal<Option<(bool, String)>>,
    pub verify: verify::VerifyState,
    /// What would be refused now, before anything leaves the page.
    pub pre: Memo<preflight::Preflight>,
}

impl Job {
    /// The job for this page; it makes the bridge's panel (whose burns it records).
    pub fn new(
        state: SecretState,
        params: ParamsState,
        form: RecordForm,
        inv: Inventory,
        hw: BridgeState,
        now: ReadSignal<i64>,
    ) -> Job {
        let cell: StoredValue<Option<Job>> = StoredValue::new(None);
        let pre = Memo::new(move |_| {
            cell.get_value()
                .map(|job| job.preflight())
                .unwrap_or_default()
        });
        let on_burned = Callback::new(move |b: Burned| {
            if let Some(job) = cell.get_value() {
                job.burned(b);
            }
        });
        let panel = Panel::new(hw, state, params, form, on_burned);
        let mode = if panel.served_by_bridge() {
            Mode::Bridge
        } else {
            browser::pref_get("mode")
                .and_then(|m| Mode::from_slug(&m))
                .unwrap_or(if browser::is_phone() {
                    Mode::BurnerApp
                } else {
                    Mode::Bridge
                })
        };
        let job = Job {
            state,
            params,
            form,
            inv,
            panel,
            now,
            mode: RwSignal::new(mode),
            row: RwSignal::new(None),
            question: RwSignal::new(None),
            short_ack: RwSignal::new(false),
            keep: RwSignal::new(false),
            note: RwSignal::new(None),
            verify: verify::VerifyState::new(),
            pre,
        };
        cell.set_value(Some(job));
        job.restore();
        job
    }

    pub fn set_mode(self, m: Mode) {
        self.mode.set(m);
        browser::pref_set("mode", m.slug());
    }

    /// The linked row, if it still exists.
    pub fn linked(self) -> Option<(usize, crate::inventory::Row)> {
        self.inv.row(self.row.get()?)
    }

    /// The step to act on now: the first one not done.
    pub fn current(self) -> Step {
        if let Some((_, r)) = self.linked() {
            return match r.status.check {
                Check::NotVerified => Step::Verify,
                _ => Step::Finish,
            };
        }
        let p = self.pre.get();
        if !self.target_ready() {
            Step::Token
        } else if p.user() {
            Step::User
        } else if p.seed() {
            Step::Seed
        } else {
            Step::Burn
        }
    }

    /// The target is known: a device on the bridge, or a model chosen by hand.
    pub fn target_ready(self) -> bool {
        match self.mode.get() {
            Mode::Bridge => self.panel.connected() && self.panel.device().is_some(),
            Mode::BurnerApp | Mode::OtherDevice => true,
        }
    }

    /// Links the job to `id`: the seed and its settings stay until the next token.
    fn link(self, id: u64) {
        self.row.set(Some(id));
        self.state.fixed.set(true);
        self.verify.reset();
        self.question.set(None);
    }

    /// Records the row of a successful burn at once (or replaces the row of a token burned
    /// again), with what was actually sent.
    fn burned(self, b: Burned) {
        let Burned {
            result: r,
            secret,
            otp,
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
        focus("step-verify-h");
    }

    /// Records the row of a seed handed to the burner app or shown as a QR code (before it
    /// leaves the page), or replaces the listed row of that serial.
    fn handed_off(self, replacing: Option<u64>) -> bool {
        let rec = match self.record(replacing) {
            Ok(rec) => rec,
            Err(()) => return false,
        };
        let digits = self.params.otp.get_untracked().digits;
        let status = Status::new(
            Origin::HandedOff {
                at: crate::clock::unix_now(),
            },
            digits,
        );
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
    fn record(self, replacing: Option<u64>) -> Result<TokenRecord, ()> {
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
        self.inv.add(rec, Status::new(Origin::Added, digits));
        self.next_token();
        let n = self.inv.rows.with_untracked(Vec::len);
        self.inv.status.set((
            true,
            format!("Added row {n} (serial {serial}). New seed generated for the next token."),
        ));
        focus("upn");
    }

    /// "Next token" or Generate: asks first while the linked row is not verified.
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
            _ => {
                self.next_token();
                focus("upn");
            }
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
            Action::Burn(go) => self.go(go),
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

/// Moves focus to the element with this id once the view has caught up; a step's heading
/// (`…-h`) is scrolled to the top first, so the whole step is in view.
pub fn focus(id: &'static str) {
    request_animation_frame(move || {
        if let Some(el) = document()
            .get_element_by_id(id)
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            if id.ends_with("-h") {
                el.scroll_into_view_with_bool(true);
            }
            let _ = el.focus();
        }
    });
}
