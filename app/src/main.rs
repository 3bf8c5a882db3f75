//! The provisioning page: Leptos components over `tokensmith-core`. Runs entirely in the browser.
#![forbid(unsafe_code)]

mod batch;
mod bridge;
mod browser;
mod checkbox;
mod clock;
mod code_now;
mod device;
mod drift;
mod import;
mod inventory;
mod job;
mod params;
mod presets;
mod qr;
mod secret_input;
mod seed;
mod token;
mod tools;
mod worker;

use leptos::prelude::*;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
    // The app's first render is in the page: the shell's view (same header, the same seed's
    // code) goes in this task, so no frame shows both.
    tokensmith_shell::handoff::retire();
}

#[component]
fn App() -> impl IntoView {
    // Set while this token's seed is burned or handed off: seed and settings stay put.
    let fixed = RwSignal::new(false);
    let secret = seed::SecretState::new_first(fixed);
    let form = params::RecordForm::new();
    let params = params::ParamsState::new(form, fixed);
    let inv = inventory::Inventory::new();
    let now = clock::use_unix_seconds();
    let hw = bridge::BridgeState::new();
    provide_context(hw);
    let tools = tools::ToolsState::new();
    provide_context(tools);
    let job = job::Job::new(secret, params, form, inv, hw, now);
    let manage = device::Manage::new(job.panel, params);
    // Watches the bridge's batch from the start: a reload mid-batch re-attaches to it.
    let batch = batch::BatchTool::new(hw, inv);
    // Rows in no exported file (a burned token among them): ask before the tab closes or
    // navigates away.
    let guard = window_event_listener(leptos::ev::beforeunload, move |ev| {
        if inv
            .rows
            .with_untracked(|r| r.iter().any(|r| !r.status.exported))
        {
            ev.prevent_default();
            ev.set_return_value("There are tokens that were not exported yet.");
        }
    });
    on_cleanup(move || guard.remove());
    view! {
        <header>
            <job::SkipLink job />
            <div class="brand">
                <h1>"Tokensmith"</h1>
                <p>{tokensmith_shell::words::TAGLINE}</p>
            </div>
            <code_now::CodeNowChip state=secret params now />
        </header>
        <job::Progress job />
        <main>
            <job::Spine job />
            <tools::Tools tools state=secret params form inv now manage batch />
            <inventory::InventoryPanel state=secret inv />
        </main>
    }
}
