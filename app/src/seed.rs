//! The seed panel: generate a random secret with the browser's CSPRNG and show it.

use leptos::prelude::*;
use tokensmith_core::secret::{Secret, DEFAULT_GENERATED_LEN};

/// The current secret, shared by every panel. `None` only if generation failed.
#[derive(Clone, Copy)]
pub struct SecretState {
    pub secret: RwSignal<Option<Secret>>,
    pub error: RwSignal<Option<String>>,
}

impl SecretState {
    pub fn new_random() -> Self {
        let state = SecretState {
            secret: RwSignal::new(None),
            error: RwSignal::new(None),
        };
        state.regenerate();
        state
    }

    /// Replaces the secret with a fresh random one; on failure keeps the old one and says why.
    pub fn regenerate(&self) {
        match Secret::generate(DEFAULT_GENERATED_LEN, None) {
            Ok(s) => {
                self.secret.set(Some(s));
                self.error.set(None);
            }
            Err(e) => self.error.set(Some(format!("Could not generate a seed: {e}"))),
        }
    }
}

#[component]
pub fn SeedPanel(state: SecretState) -> impl IntoView {
    let shown = move || {
        state
            .secret
            .with(|s| s.as_ref().map(|s| s.to_base32_grouped().to_string()))
            .unwrap_or_default()
    };
    view! {
        <section aria-labelledby="seed-h">
            <h2 id="seed-h">"Seed"</h2>
            <label for="secret">"Secret (base32)"</label>
            <div id="secret" class="secret" data-testid="secret" aria-live="polite">{shown}</div>
            <div class="row">
                <button data-testid="generate" on:click=move |_| state.regenerate()>
                    "Generate new seed"
                </button>
                <span class="muted">"160 bits from the browser's cryptographic random generator"</span>
            </div>
            <p class="error" role="alert">{move || state.error.get()}</p>
        </section>
    }
}
