//! A masked input bound to a wiping signal: the page's keys, passwords and pairing code. Each
//! keystroke replaces the value, and the old one is wiped as it is dropped (the DOM keeps its
//! own copy: ARCHITECTURE.md, "What the page cannot wipe").

use leptos::prelude::*;
use zeroize::Zeroizing;

/// `id` is also the test id; `new` asks password managers for a new value (a new key or
/// password typed here) rather than offering a stored one.
#[component]
pub fn SecretInput(
    id: String,
    value: RwSignal<Zeroizing<String>>,
    #[prop(optional)] new: bool,
    #[prop(optional)] placeholder: &'static str,
) -> impl IntoView {
    view! {
        <input
            id=id.clone()
            data-testid=id
            type="password"
            autocomplete=if new { "new-password" } else { "off" }
            spellcheck="false"
            placeholder=(!placeholder.is_empty()).then_some(placeholder)
            prop:value=move || value.with(|c| c.to_string())
            on:input=move |ev| value.set(Zeroizing::new(event_target_value(&ev)))
        />
    }
}
