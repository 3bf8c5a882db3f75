//! Step 5, verify: the code the token should show now, from the recorded row's own seed and
//! settings; "it shows this code" records it as verified, or the code typed in is measured
//! with `core::drift` and the drift stored on the row (or the failure, when it matches
//! nowhere). OATH keys verify themselves at the burn.

use super::Job;
use crate::bridge::grouped;
use crate::drift::{judge, Outcome, OutcomeView};
use crate::inventory::status::{Check, How, Status};
use crate::inventory::{row_name, Row};
use leptos::prelude::*;
use tokensmith_core::otp::{hotp, seconds_remaining, time_step, OtpParams};

#[derive(Clone, Copy)]
pub struct VerifyState {
    /// The code typed from the token.
    pub code: RwSignal<String>,
    pub outcome: RwSignal<Outcome>,
    /// "Check again" after a verdict: the code and buttons come back.
    pub again: RwSignal<bool>,
    /// The OATH credential the burn stored (its name on the key), for an HOTP check.
    pub credential: RwSignal<Option<String>>,
    /// What the last HOTP check said.
    pub hotp: RwSignal<super::hotp_check::Said>,
}

impl VerifyState {
    pub fn new() -> Self {
        VerifyState {
            code: RwSignal::new(String::new()),
            outcome: RwSignal::new(Outcome::None),
            again: RwSignal::new(false),
            credential: RwSignal::new(None),
            hotp: RwSignal::new(None),
        }
    }

    pub fn reset(&self) {
        self.code.set(String::new());
        self.outcome.set(Outcome::None);
        self.again.set(false);
        self.credential.set(None);
        self.hotp.set(None);
    }
}

fn otp_of(r: &Row) -> OtpParams {
    OtpParams {
        algorithm: r.rec.algorithm,
        digits: r.status.digits,
        period: r.rec.interval,
    }
}

/// The row's code at `t`.
fn code_at(r: &Row, t: i64) -> Option<String> {
    let p = otp_of(r);
    let step = time_step(t, p.period).ok()?;
    hotp(r.rec.secret.as_bytes(), step, p.algorithm, p.digits).ok()
}

impl Job {
    fn record_check(self, check: Check) {
        let Some((_, r)) = self.linked() else {
            return;
        };
        self.inv.set_status(r.id, |s| {
            s.check = check;
            s.exported = false;
        });
        self.verify.again.set(false);
        if check != Check::Failed {
            super::focus("next-token");
        }
    }

    /// "The token shows this code."
    fn confirm_match(self) {
        let Some((_, r)) = self.linked() else {
            return;
        };
        self.verify.outcome.set(Outcome::None);
        self.record_check(Check::Verified {
            drift: 0,
            period: r.rec.interval,
            how: How::Confirmed,
        });
    }

    /// The code typed from the token, measured.
    fn check_typed(self) {
        let Some((_, r)) = self.linked() else {
            return;
        };
        let p = otp_of(&r);
        let outcome = judge(
            Some(&r.rec.secret),
            &p,
            &self.verify.code.get_untracked(),
            crate::clock::unix_now(),
        );
        match &outcome {
            Outcome::Match { seconds, .. } => self.record_check(Check::Verified {
                drift: *seconds,
                period: p.period,
                how: How::Typed,
            }),
            Outcome::NoMatch { .. } => self.record_check(Check::Failed),
            Outcome::None | Outcome::Invalid(_) => {}
        }
        self.verify.outcome.set(outcome);
    }
}

#[component]
fn ExpectedCode(job: Job) -> impl IntoView {
    let now = job.now;
    let row = move || job.linked().map(|(_, r)| r);
    let code = move || {
        row()
            .and_then(|r| code_at(&r, now.get()))
            .unwrap_or_default()
    };
    let next = move || {
        row()
            .and_then(|r| code_at(&r, now.get() + i64::from(r.rec.interval)))
            .unwrap_or_default()
    };
    let left = move || row().map_or(0, |r| seconds_remaining(now.get(), r.rec.interval));
    let press = move || match row().and_then(|r| r.rec.profile) {
        Some(p) => format!("Press the token's button and choose profile {p}; it should show"),
        None => "Press the token's button; it should show".to_string(),
    };
    view! {
        <p>{press}</p>
        <p class="code verify-code" data-testid="verify-code" data-code=code data-at=move || now.get().to_string()>
            {move || grouped(&code())}
        </p>
        <p class="muted">{move || format!("for {} s more, then {}.", left(), grouped(&next()))}</p>
        <div class="row">
            <button type="button" id="verify-match" data-testid="verify-match" on:click=move |_| job.confirm_match()>
                "It shows this code"
            </button>
            <button
                type="button"
                class="secondary"
                data-testid="verify-mismatch"
                on:click=move |_| super::focus("verify-input")
            >
                "It shows another code"
            </button>
        </div>
        <form
            class="row"
            novalidate=true
            on:submit=move |ev| {
                ev.prevent_default();
                job.check_typed();
            }
        >
            <div class="field grow">
                <label for="verify-input">"Or type the code it shows (the drift is measured)"</label>
                <input
                    id="verify-input"
                    data-testid="verify-input"
                    type="text"
                    inputmode="numeric"
                    autocomplete="off"
                    spellcheck="false"
                    prop:value=move || job.verify.code.get()
                    on:input=move |ev| {
                        job.verify.code.set(event_target_value(&ev));
                        let n = job.verify.code.with_untracked(|c| c.chars().filter(char::is_ascii_digit).count());
                        if row().is_some_and(|r| n == usize::from(r.status.digits)) {
                            job.check_typed();
                        }
                    }
                />
            </div>
            <button type="submit" class="secondary" data-testid="verify-check">"Check"</button>
        </form>
    }
}

#[component]
pub fn VerifyStep(job: Job) -> impl IntoView {
    let status = move || job.linked().map(|(i, r)| (i, r.status, r.rec));
    let by_key = move || {
        status().is_some_and(|(_, s, _)| {
            matches!(
                s.check,
                Check::Verified {
                    how: How::Device,
                    ..
                }
            )
        })
    };
    let note = move || job.note.get();
    let hotp = move || status().is_some_and(|(_, s, _)| s.hotp_counter().is_some());
    // The code to compare, until a verdict (a failed check keeps it, to try again).
    let comparing =
        move || job.verify.again.get() || status().is_some_and(|(_, s, _)| !s.verified());
    view! {
        <Show when=move || note().is_some()>
            <p class=move || if note().is_some_and(|n| n.0) { "ok" } else { "error" } data-testid="job-note">
                {move || note().map(|n| n.1)}
            </p>
        </Show>
        <Show
            when=move || status().is_some()
            fallback=|| view! { <p class="muted">"Once the token is burned, this step shows the code it should show, to compare."</p> }
        >
            <Show when=move || !by_key() fallback=|| view! { <p class="ok">"The key computed the expected code itself: verified."</p> }>
                <Show
                    when=comparing
                    fallback=move || view! {
                        <button type="button" class="secondary small" data-testid="verify-again" on:click=move |_| job.verify.again.set(true)>
                            "Check again"
                        </button>
                    }
                >
                    <Show when=hotp fallback=move || view! { <ExpectedCode job /> }>
                        <super::hotp_check::HotpCheck job />
                    </Show>
                </Show>
            </Show>
            <super::hotp_check::HotpSaid job />
            <p
                data-testid="verify-result"
                role="status"
                class=move || status().map(|(_, s, _)| s.tone()).unwrap_or("")
            >
                {move || status().map(|(i, s, rec): (usize, Status, _)| format!("{}: {}.", row_name(i, &rec), s.label()))}
            </p>
            <Show when=move || status().is_some_and(|(_, s, _)| s.check == Check::Failed)>
                <p class="small" data-testid="verify-failed">
                    "The token may not hold this seed: type another code it shows, or burn it again (step 4). Until then the row stays marked, and the export names it."
                </p>
            </Show>
            <div aria-live="polite" data-testid="verify-drift">
                <Show when=move || job.verify.outcome.with(|o| *o != Outcome::None)>
                    <OutcomeView outcome=job.verify.outcome.into() />
                </Show>
            </div>
        </Show>
    }
}
