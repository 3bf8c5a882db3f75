//! The provisioning page: Leptos components over `tokensmith-core`. Runs entirely in the browser.
#![forbid(unsafe_code)]

mod clock;
mod seed;
mod token;

use leptos::prelude::*;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    let secret = seed::SecretState::new_random();
    let now = clock::use_unix_seconds();
    view! {
        <header>
            <h1>"Tokensmith"</h1>
            <p>"Provision TOTP hardware tokens. Everything runs in this page, offline: no seed leaves it."</p>
        </header>
        <main>
            <seed::SeedPanel state=secret />
            <token::TokenPanel state=secret now=now />
        </main>
    }
}
