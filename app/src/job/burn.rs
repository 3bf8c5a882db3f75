//! Step 4, the burn — or the hand-off when this computer cannot burn: what would be refused
//! (before anything leaves the page), the questions (a token already listed, an occupied
//! profile), then Burn through the bridge, or Copy for the burner app, or the QR code for
//! another device. Every one of them records the row first.

use super::preflight::Preflight;
use super::steps::AskView;
use super::{keep, Action, Go, Job, Mode, Question, Step};
use crate::bridge::{self, client::DeviceKind, Overwrite};
use crate::checkbox::CheckBox;
use crate::inventory::row_name;
use crate::qr::QrView;
use leptos::prelude::*;
use leptos::task::spawn_local;

impl Job {
    /// Nothing refuses the burn or hand-off.
    pub fn ready(self) -> bool {
        let p = self.pre.get();
        p.problems.is_empty()
            && (self.state.short().is_none() || self.short_ack.get())
            && (self.mode.get() != Mode::Bridge || self.target_ready())
    }

    /// Why not, in words, each with the step that fixes it.
    fn blockers(self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if self.mode.get() == Mode::Bridge && !self.target_ready() {
            out.push(
                "Connect the hardware bridge and choose a reader with the token (step 1).".into(),
            );
        }
        for (field, m) in self.pre.get().problems {
            out.push(format!("{m} (step {}).", Preflight::step_of(field)));
        }
        if self.state.short().is_some() && !self.short_ack.get() {
            out.push("The seed is shorter than 128 bits: generate a new one (step 3), or tick the box below.".into());
        }
        out
    }

    /// The admin pressed Burn, Copy or Show QR: check, ask if needed, then go.
    fn attempt(self, go: Go) {
        if !self.ready() {
            // Mark the fields the problems belong to.
            let _ = self.record(self.pre.get_untracked().replacing);
            return;
        }
        let linked = self.row.get_untracked();
        let replacing = self.pre.get_untracked().replacing;
        if go != Go::Bridge && linked.is_some() && linked == replacing {
            // The same token's seed again (copy it once more, show the QR): nothing changes.
            return self.go(go, false);
        }
        if let Some((i, r)) = replacing.and_then(|id| self.inv.row(id)) {
            let verb = if go == Go::Bridge {
                "Burning"
            } else {
                "Handing it off"
            };
            return self.question.set(Some(Question {
                action: Action::Burn(go),
                step: Step::Burn,
                text: format!(
                    "This token is already {} — {}. {verb} again replaces the seed in the token and in that row; if that row was uploaded to Entra, upload it again.",
                    row_name(i, &r.rec),
                    r.status.label()
                ),
                yes: if go == Go::Bridge { "Burn again" } else { "Replace its seed" },
            }));
        }
        if go == Go::Bridge {
            let profile = self.form.profile.get_untracked().trim().parse::<u8>().ok();
            let occupied = self
                .panel
                .device()
                .filter(|d| d.kind == DeviceKind::Molto2)
                .and(profile)
                .and_then(|p| self.panel.occupied(p));
            if let Some(o) = occupied {
                let title = if o.title.trim().is_empty() {
                    "a seed".to_string()
                } else {
                    format!("“{}”", o.title.trim())
                };
                return self.question.set(Some(Question {
                    action: Action::Burn(go),
                    step: Step::Burn,
                    text: format!(
                        "Profile {} of this Molto2 holds {title}, which is in no row of this list. Burning overwrites it for good.",
                        o.profile
                    ),
                    yes: "Overwrite it",
                }));
            }
        }
        self.go(go, false);
    }

    /// Burns, copies or shows the QR code (the questions are answered; `agreed`: the user said
    /// yes to replacing what the token or profile holds).
    pub(super) fn go(self, go: Go, agreed: bool) {
        let replacing = self.pre.get_untracked().replacing;
        match go {
            Go::Bridge => self.panel.burn(if agreed {
                Overwrite::Current
            } else {
                Overwrite::Nothing
            }),
            Go::Copy { hex } => {
                if self.row.get_untracked().is_none() && !self.handed_off(replacing) {
                    return;
                }
                let state = self.state;
                spawn_local(async move {
                    if let Some(msg) = state.copy(hex).await {
                        state.status.set(msg);
                    }
                });
            }
            Go::ShowQr => {
                if self.row.get_untracked().is_none() && self.handed_off(replacing) {
                    super::focus("qr");
                }
            }
        }
    }
}

#[component]
fn Blockers(job: Job) -> impl IntoView {
    view! {
        <ul id="burn-why" class="issues" data-testid="burn-why">
            {move || job.blockers().into_iter().map(|b| view! { <li>{b}</li> }).collect_view()}
        </ul>
        <Show when=move || job.state.short().is_some() && !job.state.fixed.get()>
            <CheckBox id="short-seed-ack" value=job.short_ack>
                "Burn this short seed anyway (a service gave it to me)."
            </CheckBox>
        </Show>
    }
}

/// Token2's NFC Burner on this phone: copy, burn there, come back.
#[component]
fn BurnerApp(job: Job) -> impl IntoView {
    let off =
        move || !job.ready() && job.row.get().is_none() || job.state.secret.with(Option::is_none);
    let p = job.params.otp;
    view! {
        <ol class="handoff">
            <li>"Copy the seed — base32, or hex if the app asks for hex. This records the token first."</li>
            <li>
                {move || {
                    let o = p.get();
                    format!(
                        "In Token2's NFC Burner: paste it, set {}, {} digits, {} s, hold the token to the phone and burn.",
                        o.algorithm.human(),
                        o.digits,
                        o.period
                    )
                }}
            </li>
            <li>"Come back here and confirm the code the token shows (step 5)."</li>
        </ol>
        <div class="row">
            <button type="button" id="copy-secret" data-testid="copy-secret" disabled=off on:click=move |_| job.attempt(Go::Copy { hex: false })>
                "Copy base32"
            </button>
            <button type="button" class="secondary" data-testid="copy-hex" disabled=off on:click=move |_| job.attempt(Go::Copy { hex: true })>
                "Copy hex"
            </button>
        </div>
        <p class="muted" role="status" data-testid="copy-status">{move || job.state.status.get()}</p>
    }
}

/// Another device scans the QR code (its burner app, or an authenticator app).
#[component]
fn OtherDevice(job: Job) -> impl IntoView {
    let shown =
        Signal::derive(move || job.row.get().is_some() && job.mode.get() == Mode::OtherDevice);
    let off = move || !job.ready() || job.state.secret.with(Option::is_none);
    view! {
        <p class="muted">
            "Scan it with Token2's NFC Burner on a phone (or with an authenticator app). The code carries the seed: show it only to that device."
        </p>
        <Show when=move || !shown.get()>
            <button type="button" id="show-qr" data-testid="show-qr" disabled=off on:click=move |_| job.attempt(Go::ShowQr)>
                "Record the token and show the QR code"
            </button>
        </Show>
        <QrView state=job.state params=job.params form=job.form shown />
    }
}

#[component]
pub fn BurnStep(job: Job) -> impl IntoView {
    let mode = move || job.mode.get();
    let on_burn = Callback::new(move |()| job.attempt(Go::Bridge));
    let ready = Signal::derive(move || job.ready());
    view! {
        <Blockers job />
        <AskView job step=Step::Burn />
        <div hidden=move || mode() != Mode::Bridge class="bridge">
            <bridge::BurnControls panel=job.panel on_burn ready />
        </div>
        <Show when=move || mode() == Mode::BurnerApp>
            <p class="warn small" data-testid="handoff-risk">
                "If Android drops this tab while you are in the burner app (it does, to free memory), the page comes back empty: this seed is gone and the token must be burned again. The token is recorded before its seed leaves the page; tick the box to keep the seed in this browser too."
            </p>
        </Show>
        <Show when=move || mode() != Mode::Bridge>
            <keep::KeepBox job />
        </Show>
        <div hidden=move || mode() != Mode::BurnerApp data-testid="handoff-app">
            <BurnerApp job />
        </div>
        <div hidden=move || mode() != Mode::OtherDevice data-testid="handoff-qr">
            <OtherDevice job />
        </div>
    }
}
