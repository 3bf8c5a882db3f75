//! A checkbox with its label beside it, bound to a signal: the page's acknowledgements and
//! opt-ins (a short seed, a failed authentication, keeping seeds in this browser).

use leptos::prelude::*;

/// `id` is also the test id.
#[component]
pub fn CheckBox(
    id: &'static str,
    value: RwSignal<bool>,
    #[prop(optional)] class: &'static str,
    #[prop(optional, into)] disabled: MaybeProp<bool>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class=format!("field check {class}")>
            <input
                id=id
                data-testid=id
                type="checkbox"
                disabled=move || disabled.get().unwrap_or(false)
                prop:checked=move || value.get()
                on:change=move |ev| value.set(event_target_checked(&ev))
            />
            <label for=id>{children()}</label>
        </div>
    }
}
