//! The virtual token: the code the hardware token should show right now, and how long it lasts.

use crate::seed::SecretState;
use leptos::prelude::*;
use tokensmith_core::otp::{seconds_remaining, time_step, totp, OtpParams};

#[component]
pub fn TokenPanel(state: SecretState, now: ReadSignal<i64>) -> impl IntoView {
    let params = OtpParams::default();
    // Recompute only when the step (not every second) or the secret changes.
    let step = Memo::new(move |_| time_step(now.get(), params.period).ok());
    let code = Memo::new(move |_| {
        step.track();
        let t = now.get_untracked();
        state.secret.with(|s| match s {
            Some(s) => totp(s.as_bytes(), &params, t).unwrap_or_else(|e| format!("error: {e}")),
            None => String::new(),
        })
    });
    let remaining = move || seconds_remaining(now.get(), params.period);
    view! {
        <section aria-labelledby="token-h">
            <h2 id="token-h">"Virtual token"</h2>
            <div class="muted">"SHA-1 · 6 digits · 30 s"</div>
            <div class="code" data-testid="code" aria-live="polite">{move || code.get()}</div>
            <progress max=params.period value=remaining aria-label="Seconds left for this code"></progress>
            <div class="muted">
                <span data-testid="countdown">{remaining}</span>
                " s left"
            </div>
        </section>
    }
}
