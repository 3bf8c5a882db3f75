//! Step 3, the seed: the field (masked, reveal, Generate), its settings in one line — the
//! model's defaults — and "Options" for everything beyond them (seed length and entropy, how
//! the field is read, algorithm, digits, period, issuer, account).

use super::steps::AskView;
use super::{Job, Step};
use crate::checkbox::CheckBox;
use crate::params::{AccountField, EntraNotes, IssuerField, OathPickers, OtpPickers};
use crate::seed::{SeedField, SeedOptions};
use leptos::prelude::*;
use tokensmith_core::caps::{Account, Family};
use tokensmith_core::otpauth::Kind;

#[component]
pub fn SeedStep(job: Job) -> impl IntoView {
    let open = RwSignal::new(false);
    let params = job.params;
    let summary = move || {
        let p = params.otp.get();
        let c = params.preset.get().caps();
        let defaults = if p.algorithm == c.algorithms[0]
            && p.digits == if c.allows_digits(6) { 6 } else { c.digits[0] }
            && p.period == 30
        {
            format!(" — the {}'s defaults", c.human)
        } else {
            String::new()
        };
        match params.kind() {
            Kind::Totp => format!(
                "{} · {} digits · {} s{defaults}",
                p.algorithm.human(),
                p.digits,
                p.period
            ),
            Kind::Hotp { counter } => format!(
                "{} · {} digits · HOTP from counter {counter}",
                p.algorithm.human(),
                p.digits
            ),
        }
    };
    let on_generate = Callback::new(move |()| job.ask_next(Step::Seed));
    let named = move || params.preset.get().caps().account != Account::Required;
    let token2 = move || params.preset.get().caps().family == Family::Token2;
    let oath = move || params.preset.get().caps().family == Family::Oath;
    view! {
        <SeedField state=job.state on_generate />
        <AskView job step=Step::Seed />
        <div class="row spread">
            <span class="muted" data-testid="seed-params">{summary}</span>
            <button
                type="button"
                class="secondary small"
                data-testid="seed-options"
                aria-expanded=move || open.get().to_string()
                aria-controls="seed-options-panel"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {move || if open.get() { "Hide options" } else { "Options" }}
            </button>
        </div>
        <div id="seed-options-panel" class="options" hidden=move || !open.get()>
            <OtpPickers params />
            <Show when=oath>
                <OathPickers params />
            </Show>
            <EntraNotes params />
            <div class="grid2">
                <IssuerField params />
                <Show when=named>
                    <AccountField params />
                </Show>
            </div>
            <Show when=token2>
                <CheckBox id="seed-only" value=params.seed_only>
                    "Write the seed only (expert): the token keeps its settings and clock. The row records the algorithm and period above: they must be the ones the token has, or its codes will not match."
                </CheckBox>
            </Show>
            <SeedOptions state=job.state />
        </div>
    }
}
