//! The command that finishes the job in Entra (README, "Upload to Entra"): the bridge's
//! `entra push` naming the file this page exported — the name it was saved under, else the
//! chosen format's — as one line to copy. The page knows neither the tenant nor the app
//! registration: those stay placeholders (a shell refuses `<…>` left in by mistake).

use super::export::{file_name, multi_profile_serials};
use super::{Inventory, Saved};
use crate::browser;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// `hardware-bridge entra push` for `file`, with the options it cannot do without.
pub fn push_command(file: &str) -> String {
    format!("hardware-bridge entra --tenant <tenant> --client-id <app-id> push {file}")
}

/// The file the command takes: the one saved last, else the chosen format's.
fn file(inv: Inventory) -> &'static str {
    inv.last_saved
        .get()
        .map_or_else(|| file_name(inv.format.get()), |s| s.plain)
}

/// The last file was saved encrypted: its name as saved, when it differs from the plain one.
fn sealed(inv: Inventory) -> Option<String> {
    inv.last_saved
        .get()
        .filter(|s: &Saved| s.file != s.plain)
        .map(|s| s.file)
}

#[component]
pub fn EntraCommand(inv: Inventory) -> impl IntoView {
    let copied = RwSignal::new(String::new());
    let command = move || push_command(file(inv));
    let saved = move || inv.last_saved.get().is_some();
    // Rows added or changed since the save are not in that file.
    let stale = move || saved() && inv.dirty();
    // The exports have no profile column: the command takes one row per serial.
    let shared = move || {
        multi_profile_serials(inv)
            .into_iter()
            .map(|(s, _)| s)
            .collect::<Vec<_>>()
    };
    let copy = move |_| {
        let text = command();
        spawn_local(async move {
            copied.set(browser::copy_text(&text, "command").await);
        });
    };
    view! {
        <div class="finish-entra" role="group" aria-labelledby="entra-h">
            <p id="entra-h">
                <strong>"Finish the job in Entra"</strong>
                " — create, assign and activate every token in one go: "
                {move || if saved() { "in the folder you saved the file to, run" } else { "save the file, then, in its folder, run" }}
            </p>
            <div class="row cmd-row">
                <code class="cmd" data-testid="entra-command">{command}</code>
                <button type="button" class="secondary small" data-testid="copy-entra-command" on:click=copy>
                    "Copy command"
                </button>
            </div>
            <p class="muted small" role="status" data-testid="entra-copy-status">{move || copied.get()}</p>
            <Show when=move || sealed(inv).is_some()>
                <p class="small" data-testid="entra-decrypt">
                    "The file is encrypted: whoever runs the command decrypts it first, with their secret key: "
                    <code>{move || format!("gpg --output {} --decrypt {}", file(inv), sealed(inv).unwrap_or_default())}</code>
                    " (and deletes the plain file once pushed)."
                </p>
            </Show>
            <Show when=stale>
                <p class="warn small" data-testid="entra-stale">
                    {move || format!("Rows changed since {} was saved: save it again first, or they are not pushed.", file(inv))}
                </p>
            </Show>
            <Show when=move || !shared().is_empty()>
                <p class="warn small" data-testid="entra-molto2">
                    {move || format!(
                        "The command takes one row per serial from this file (it has no profile column): the other rows of {} are refused, and nothing is sent for them. For a Molto2's profiles, upload the CSV in the Entra admin center instead.",
                        shared().join(", ")
                    )}
                </p>
            </Show>
            <p class="muted small">
                "Replace " <code>"<tenant>"</code> " with your tenant (contoso.onmicrosoft.com) and "
                <code>"<app-id>"</code>
                " with the app registration's client ID; a person signs in with a code it prints (README, “Upload to Entra”). Add "
                <code>"--dry-run"</code>
                " to see what it would send. If the browser renamed the file (“… (1).csv”), use that name. Or upload the CSV in the Entra admin center and activate each token by hand."
            </p>
        </div>
    }
}
