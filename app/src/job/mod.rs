//! The admin's job as the page's spine: one token for one user in six steps (see
//! ARCHITECTURE.md, "The page: the admin's job as its spine"). [`Job`] holds what the steps
//! share — how the token is burned, the row the burn or hand-off created, the question being
//! asked — and decides the current step; `transitions` moves it on; each step is its own
//! module.
//!
//! `steps` (the frame: progress, skip link, one box per step), `target` (1), `user` (2),
//! `seed_step` (3), `preflight` (what would be refused before anything leaves the page),
//! `burn` (4: through the bridge, or handed to the burner app / another device), `verify`
//! (5), `finish` (6), `keep` (the opt-in that keeps unexported seeds in this browser).

mod burn;
mod finish;
mod hotp_check;
mod keep;
mod preflight;
mod seed_step;
mod steps;
mod target;
mod transitions;
mod user;
mod verify;

pub use steps::{Progress, SkipLink, Spine};

pub use transitions::{Action, Go, Question};

use crate::bridge::{BridgeState, Burned, Panel};
use crate::browser;
use crate::inventory::status::Check;
use crate::inventory::Inventory;
use crate::params::{ParamsState, RecordForm};
use crate::seed::SecretState;
use leptos::prelude::*;
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
                // An HOTP credential is checked where its service asks for a code (a code read
                // here moves its counter on): step 5 offers that, it does not hold the job.
                Check::NotVerified if r.status.hotp_counter().is_some() => Step::Finish,
                // A code that matched nowhere: check another, or burn again — not export yet.
                Check::NotVerified | Check::Failed => Step::Verify,
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
