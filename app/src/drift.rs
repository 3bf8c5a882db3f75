//! The drift finder: type the code the hardware token shows and learn how far its clock is off,
//! or what to check when it matches nowhere.

use crate::params::ParamsState;
use crate::seed::SecretState;
use leptos::prelude::*;
use tokensmith_core::drift::{find_drift, sign_in_tolerance_seconds};

/// Search an hour either way: well past Token2's 420 s advice; whole-hour time-zone offsets are
/// tried by the core on top of this.
const SEARCH_SECONDS: u32 = 3600;

#[derive(Clone, PartialEq)]
enum Outcome {
    None,
    Match {
        text: String,
        good: bool,
        others: usize,
    },
    NoMatch {
        checks: Vec<String>,
    },
    Invalid(String),
}

#[component]
pub fn DriftPanel(state: SecretState, params: ParamsState) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let outcome = RwSignal::new(Outcome::None);
    let check = move || {
        let shown = code.get_untracked();
        if shown.trim().is_empty() {
            outcome.set(Outcome::None);
            return;
        }
        let p = params.otp.get_untracked();
        let window = SEARCH_SECONDS.div_ceil(p.period.max(1));
        let now = crate::clock::unix_now();
        let result = state.secret.with_untracked(|s| {
            s.as_ref()
                .map(|s| find_drift(s.as_bytes(), &p, &shown, now, window))
        });
        outcome.set(match result {
            None => Outcome::Invalid("There is no secret to check against.".into()),
            Some(Err(e)) => Outcome::Invalid(e.to_string()),
            Some(Ok(r)) => match r.best() {
                Some(m) => {
                    let mut text = m.describe();
                    if let Some(first) = text.get(..1) {
                        text = first.to_uppercase() + &text[1..];
                    }
                    Outcome::Match {
                        text,
                        good: matches!(
                            m.verdict,
                            tokensmith_core::drift::Verdict::InSync
                                | tokensmith_core::drift::Verdict::WithinSignIn
                        ),
                        others: r.matches.len() - 1,
                    }
                }
                None => Outcome::NoMatch {
                    checks: r.suggestions(),
                },
            },
        });
    };
    let result = move || {
        match outcome.get() {
        Outcome::None => view! { <p class="muted">"Type the code to compare it with this seed."</p> }.into_any(),
        Outcome::Invalid(e) => view! { <p class="error">{e}</p> }.into_any(),
        Outcome::Match { text, good, others } => view! {
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
    };
    view! {
        <section aria-labelledby="drift-h">
            <h2 id="drift-h">"5 · Drift finder"</h2>
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
            <div id="drift-result" data-testid="drift-result" aria-live="polite">{result}</div>
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
