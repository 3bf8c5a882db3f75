//! The drift finder: type the code the hardware token shows and learn how far its clock is off,
//! or what to check when it matches nowhere.

use crate::params::ParamsState;
use crate::seed::SecretState;
use leptos::prelude::*;
use tokensmith_core::drift::{find_drift, sign_in_tolerance_seconds, Verdict};
use tokensmith_core::otp::OtpParams;
use tokensmith_core::secret::Secret;

/// Search an hour either way: well past Token2's 420 s advice; whole-hour time-zone offsets are
/// tried by the core on top of this.
const SEARCH_SECONDS: u32 = 3600;

/// What a code typed from a token says about its seed and clock.
#[derive(Clone, PartialEq)]
pub enum Outcome {
    None,
    Match {
        text: String,
        /// Token clock minus this computer's, in seconds.
        seconds: i64,
        good: bool,
        others: usize,
    },
    NoMatch {
        checks: Vec<String>,
    },
    Invalid(String),
}

/// Where `shown` (the code a token displays) matches `secret` with `p`, around `now`
/// (`core::drift`, an hour either way).
pub fn judge(secret: Option<&Secret>, p: &OtpParams, shown: &str, now: i64) -> Outcome {
    if shown.trim().is_empty() {
        return Outcome::None;
    }
    let window = SEARCH_SECONDS.div_ceil(p.period.max(1));
    let Some(secret) = secret else {
        return Outcome::Invalid("There is no valid seed to check against.".into());
    };
    match find_drift(secret.as_bytes(), p, shown, now, window) {
        Err(e) => Outcome::Invalid(e.to_string()),
        Ok(r) => match r.best() {
            Some(m) => {
                let mut text = m.describe();
                if let Some(first) = text.get(..1) {
                    text = first.to_uppercase() + &text[1..];
                }
                Outcome::Match {
                    text,
                    seconds: m.seconds,
                    good: matches!(m.verdict, Verdict::InSync | Verdict::WithinSignIn),
                    others: r.matches.len() - 1,
                }
            }
            None => Outcome::NoMatch {
                checks: r.suggestions(),
            },
        },
    }
}

/// The verdict in words (the drift finder's and step 5's).
#[component]
pub fn OutcomeView(outcome: Signal<Outcome>) -> impl IntoView {
    move || {
        match outcome.get() {
        Outcome::None => view! { <p class="muted">"Type the code to compare it with this seed."</p> }.into_any(),
        Outcome::Invalid(e) => view! { <p class="error">{e}</p> }.into_any(),
        Outcome::Match { text, good, others, .. } => view! {
            <p class:ok=good class:warn=!good>
                <strong>{text}</strong>
            </p>
            {(others > 0)
                .then(|| {
                    view! {
                        <p class="muted">
                            {format!(
                                "The code also appears at {others} other offset(s) in the ±{} min searched; the closest is shown. Check a second code to be sure.",
                                SEARCH_SECONDS / 60,
                            )}
                        </p>
                    }
                })}
        }
        .into_any(),
        Outcome::NoMatch { checks } => view! {
            <p class="error">
                <strong>{format!("No match within ±{} min of this computer's clock. Check:", SEARCH_SECONDS / 60)}</strong>
            </p>
            <ul class="checks">{checks.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ul>
        }
        .into_any(),
    }
    }
}

#[component]
pub fn DriftPanel(state: SecretState, params: ParamsState) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let outcome = RwSignal::new(Outcome::None);
    let check = move || {
        let p = params.otp.get_untracked();
        let now = crate::clock::unix_now();
        let shown = code.get_untracked();
        outcome.set(
            state
                .secret
                .with_untracked(|s| judge(s.as_ref(), &p, &shown, now)),
        );
    };
    view! {
        <section aria-labelledby="drift-h">
            <h2 id="drift-h">"Drift finder"</h2>
            <p class="muted">"For the seed of step 3: type a code a token shows and see how far its clock is off, or what to check when it matches nowhere."</p>
            <form
                class="row"
                novalidate=true
                on:submit=move |ev| {
                    ev.prevent_default();
                    check();
                }
            >
                <div class="field grow">
                    <label for="token-code">"Code shown on the token"</label>
                    <input
                        id="token-code"
                        data-testid="token-code"
                        type="text"
                        inputmode="numeric"
                        autocomplete="off"
                        spellcheck="false"
                        aria-describedby="drift-result"
                        prop:value=move || code.get()
                        on:input=move |ev| {
                            code.set(event_target_value(&ev));
                            let digits = code.with_untracked(|c| c.chars().filter(char::is_ascii_digit).count());
                            if digits == usize::from(params.otp.get_untracked().digits) {
                                check();
                            } else {
                                outcome.set(Outcome::None);
                            }
                        }
                    />
                </div>
                <button type="submit" data-testid="check-drift">"Check"</button>
            </form>
            <div id="drift-result" data-testid="drift-result" aria-live="polite">
                <OutcomeView outcome=outcome.into() />
            </div>
            <p class="muted">
                {format!(
                    "Uses this computer's clock: make sure it is right (UTC-synchronised). Entra accepts about ±{} s (30 s tokens) or ±{} s (60 s) at sign-in.",
                    sign_in_tolerance_seconds(30),
                    sign_in_tolerance_seconds(60),
                )}
            </p>
        </section>
    }
}
