//! The provisioning page: Leptos components over `tokensmith-core`. Runs entirely in the browser.
#![forbid(unsafe_code)]

mod bridge;
mod browser;
mod clock;
mod drift;
mod import;
mod inventory;
mod params;
mod presets;
mod qr;
mod seed;
mod token;
mod worker;

use leptos::prelude::*;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    let secret = seed::SecretState::new_random();
    let form = params::RecordForm::new();
    let params = params::ParamsState::new(form);
    let inv = inventory::Inventory::new();
    let now = clock::use_unix_seconds();
    let hw = bridge::BridgeState::new();
    provide_context(hw);
    // Rows not yet exported: ask before the tab closes or navigates away.
    let guard = window_event_listener(leptos::ev::beforeunload, move |ev| {
        if inv.dirty.get_untracked() && inv.rows.with_untracked(|r| !r.is_empty()) {
            ev.prevent_default();
            ev.set_return_value("There are rows that were not exported yet.");
        }
    });
    on_cleanup(move || guard.remove());
    view! {
        <header>
            <h1>"Tokensmith"</h1>
            <p>"Provision TOTP hardware tokens. Everything runs in this page, offline: no seed leaves it."</p>
        </header>
        <main>
            <import::ImportPanel state=secret params=params form=form inv=inv />
            <seed::SeedPanel state=secret />
            <params::ParamsPanel params=params form=form />
            <qr::QrPanel state=secret params=params form=form />
            <token::TokenPanel state=secret params=params now=now />
            <drift::DriftPanel state=secret params=params />
            <bridge::BridgePanel bridge=hw state=secret params=params form=form />
            <inventory::RecordPanel state=secret params=params form=form inv=inv />
            <inventory::InventoryPanel state=secret inv=inv />
        </main>
    }
}
