//! The virtual token: the code the hardware token should show now, the next one, a countdown and
//! a skew table of the codes a few steps either side.

use crate::params::ParamsState;
use crate::seed::SecretState;
use leptos::prelude::*;
use tokensmith_core::drift::signed_seconds;
use tokensmith_core::otp::{hotp, seconds_remaining, time_step};

/// Largest skew table offered (steps each way).
pub const MAX_SKEW: i64 = 20;

#[component]
pub fn TokenPanel(state: SecretState, params: ParamsState, now: ReadSignal<i64>) -> impl IntoView {
    let skew = RwSignal::new(4i64);
    // The step changes only on step boundaries: codes recompute then, not every second.
    let step = Memo::new(move |_| time_step(now.get(), params.otp.get().period).ok());
    // (offset in steps, code) for -skew..=skew, plus the step it was computed for.
    let codes = Memo::new(move |_| {
        let p = params.otp.get();
        let n = skew.get().max(1);
        let Some(step) = step.get() else {
            return Vec::new();
        };
        state.secret.with(|s| {
            let Some(s) = s else { return Vec::new() };
            (-n..=n)
                .filter_map(|d| step.checked_add_signed(d).map(|c| (d, c)))
                .map(|(d, c)| {
                    let code = hotp(s.as_bytes(), c, p.algorithm, p.digits)
                        .unwrap_or_else(|e| format!("error: {e}"));
                    (d, code)
                })
                .collect::<Vec<_>>()
        })
    });
    let at = move |d: i64| {
        codes.with(|c| {
            c.iter()
                .find(|(o, _)| *o == d)
                .map(|(_, code)| code.clone())
                .unwrap_or_default()
        })
    };
    let remaining = move || seconds_remaining(now.get(), params.otp.get().period);
    let summary = move || tokensmith_shell::words::summary(&params.otp.get());
    view! {
        <section aria-labelledby="token-h">
            <h2 id="token-h">"Virtual token and skew table"</h2>
            <div class="muted" data-testid="token-params">{summary}</div>
            <div class="code" data-testid="code" aria-label="Current code">{move || at(0)}</div>
            <progress
                max=move || params.otp.get().period
                value=remaining
                aria-label="Seconds left for this code"
            ></progress>
            <div class="row spread">
                <span class="muted">
                    <span data-testid="countdown">{remaining}</span>
                    " s left"
                </span>
                <span class="muted">
                    "Next: "
                    <span class="mono" data-testid="next-code">{move || at(1)}</span>
                </span>
            </div>
            <label for="skew">"Skew table: steps each way"</label>
            <input
                id="skew"
                data-testid="skew"
                type="number"
                min="1"
                max=MAX_SKEW.to_string()
                inputmode="numeric"
                prop:value=move || skew.get().to_string()
                on:input=move |ev| {
                    if let Ok(n) = event_target_value(&ev).trim().parse::<i64>() {
                        skew.set(n.clamp(1, MAX_SKEW));
                    }
                }
            />
            <div class="table-wrap">
                <table data-testid="skew-table" class="skew">
                    <caption class="sr-only">"Codes around the current step"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Steps"</th>
                            <th scope="col">"Offset"</th>
                            <th scope="col">"Code"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || {
                            let period = i64::from(params.otp.get().period);
                            codes
                                .get()
                                .into_iter()
                                .map(|(d, code)| {
                                    view! {
                                        <tr class:now=d == 0 data-offset=d.to_string()>
                                            <td>{if d > 0 { format!("+{d}") } else if d < 0 { format!("\u{2212}{}", -d) } else { "0".to_string() }}</td>
                                            <td>{signed_seconds(d * period)}</td>
                                            <td class="mono">{code}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()
                        }}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
