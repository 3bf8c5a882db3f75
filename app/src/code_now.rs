//! The header's "Code now" chip: the code of step 3's seed at this second. What it shows, and
//! its markup, are the shell's (`tokensmith_shell::code_now`, `shell/src/main.rs`), so the
//! shell's chip and this one are one view across the handover.

use crate::params::ParamsState;
use crate::seed::SecretState;
use leptos::prelude::*;
use tokensmith_shell::code_now::{CodeNow, TITLE};

#[component]
pub fn CodeNowChip(state: SecretState, params: ParamsState, now: ReadSignal<i64>) -> impl IntoView {
    let chip = Memo::new(move |_| {
        let (otp, hotp, t) = (params.otp.get(), params.hotp.get(), now.get());
        state.secret.with(|s| CodeNow::at(s.as_ref(), otp, hotp, t))
    });
    view! {
        <div class="code-now" data-testid="code-now" title=TITLE>
            <span class="code-now-label" data-testid="code-now-label">
                {move || chip.with(CodeNow::label)}
            </span>
            <span
                class="code-now-code"
                class:word=move || !chip.with(CodeNow::is_code)
                data-testid="code-now-code"
            >
                {move || chip.with(|c| c.code().to_string())}
            </span>
        </div>
    }
}
