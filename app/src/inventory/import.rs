//! The way back in: a file the page (or the bridge, privacyIDEA, Duo…) wrote — Entra CSV, PSKC,
//! Duo CSV or OATH CSV, told apart by `core::formats::detect` — appended to the list. What the
//! file does not say is asked first: a locked PSKC's key or password (`pskc::lock`), the Duo
//! token type. A bad file, or a wrong key, changes nothing.

use super::status::{Origin, Status};
use super::Inventory;
use crate::secret_input::SecretInput;
use crate::{browser, worker};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use tokensmith_core::formats::duo::DuoTokenType;
use tokensmith_core::formats::pskc::{self, Lock, PresharedKey, Unlock};
use tokensmith_core::formats::{self, ExportFormat, FormatError, ImportOptions};
use tokensmith_core::otpauth::Kind;
use tokensmith_worker_api::pskc::OpenJob;
use zeroize::Zeroizing;

/// A file read, waiting for what it does not say.
struct Pending {
    name: String,
    text: Zeroizing<String>,
    format: ExportFormat,
}

#[derive(Clone, PartialEq, Eq)]
enum Ask {
    Key(String),
    Password(String),
    DuoType,
}

#[derive(Clone, Copy)]
struct ImportState {
    pending: StoredValue<Option<Pending>>,
    ask: RwSignal<Option<Ask>>,
    /// The key (hex) or password typed for a locked PSKC file.
    answer: RwSignal<Zeroizing<String>>,
    duo: RwSignal<DuoTokenType>,
    /// A password's key is being derived (in the worker).
    busy: RwSignal<bool>,
}

impl ImportState {
    fn clear(&self) {
        self.pending.set_value(None);
        self.ask.set(None);
        self.answer.set(Zeroizing::new(String::new()));
    }
}

/// The tokens of `p` into the list (HOTP ones as HOTP rows, with their counters; the Entra
/// exports leave those out and say so). `false` when the key or password was wrong (the
/// question stays).
fn append(inv: Inventory, p: &Pending, options: &ImportOptions<'_>) -> bool {
    let tokens = match formats::import(p.format, &p.text, options) {
        Ok(t) => t,
        Err(FormatError::WrongKey(why)) => {
            inv.status.set((
                false,
                format!("Could not open {}: {why}. Try again, or Cancel.", p.name),
            ));
            return false;
        }
        Err(e) => {
            inv.status.set((
                false,
                format!(
                    "Could not import {} ({}): {e}. Nothing was added; the list is unchanged.",
                    p.name,
                    p.format.name()
                ),
            ));
            return true;
        }
    };
    let mut hotp = Vec::new();
    let n = inv.add_all(tokens.into_iter().map(|t| {
        if let Kind::Hotp { counter } = t.kind {
            hotp.push(format!("{} (counter {counter})", t.record.serial.trim()));
        }
        // The rows are in that file already: leaving the page does not lose them.
        let mut status = Status::new(Origin::Imported, t.digits);
        status.kind = t.kind;
        status.exported = true;
        (t.record, status)
    }));
    let e = super::export::errors(inv);
    let mut msg = format!("Imported {n} row(s) from {} ({}).", p.name, p.format.name());
    if !hotp.is_empty() {
        msg.push_str(&format!(
            " HOTP (counter-based) rows: serial {}; the Entra exports leave them out (Entra takes TOTP only), PSKC, OATH CSV and otpauth links carry them.",
            hotp.join(", ")
        ));
    }
    if e > 0 {
        msg.push_str(&format!(" {e} problem(s) are marked in the table."));
    }
    inv.status.set((e == 0, msg));
    true
}

/// Reads the chosen file and imports it, or asks what it does not say.
fn open(inv: Inventory, st: ImportState, input: web_sys::HtmlInputElement) {
    spawn_local(async move {
        let res = browser::read_chosen_file(input.clone()).await;
        input.set_value("");
        st.clear();
        let (name, text) = match res {
            Ok(file) => file,
            Err(e) => return inv.status.set((false, e)),
        };
        let Some(format) = formats::detect(&text) else {
            return inv.status.set((false, format!(
                "Could not import {name}: it is none of the files this list reads — an Entra CSV (with its header row), PSKC (XML), a Duo CSV (serial, hex seed, step) or an OATH CSV (serial, hex seed, totp/hotp, digits, step). Nothing was added."
            )));
        };
        let ask = match format {
            ExportFormat::Pskc => match pskc::lock(&text) {
                Ok(Lock::Plain) => None,
                Ok(l @ Lock::PresharedKey { .. }) => Some(Ask::Key(l.to_string())),
                Ok(l @ Lock::Password { .. }) => Some(Ask::Password(l.to_string())),
                Err(e) => {
                    return inv.status.set((
                        false,
                        format!("Could not import {name} (PSKC): {e}. Nothing was added."),
                    ));
                }
            },
            ExportFormat::DuoCsv => Some(Ask::DuoType),
            _ => None,
        };
        let p = Pending { name, text, format };
        match ask {
            None => {
                append(inv, &p, &ImportOptions::default());
            }
            Some(a) => {
                st.pending.set_value(Some(p));
                st.ask.set(Some(a));
            }
        }
    });
}

/// The answer given: the import, with it (a wrong key or password asks again).
fn answered(inv: Inventory, st: ImportState) {
    let answer = st.answer.get_untracked();
    let Some(p) = st.pending.try_update_value(Option::take).flatten() else {
        return;
    };
    let done = match st.ask.get_untracked() {
        Some(Ask::Key(_)) => match PresharedKey::from_hex(&answer) {
            Ok(key) => append(
                inv,
                &p,
                &ImportOptions {
                    pskc: Unlock::PresharedKey(key.as_bytes()),
                    ..Default::default()
                },
            ),
            Err(why) => {
                inv.status
                    .set((false, format!("That key cannot be used: {why}.")));
                false
            }
        },
        Some(Ask::Password(_)) => {
            // PBKDF2 with the file's own count (up to 10 million rounds) runs in the worker.
            return unlock_with_password(inv, st, p, answer);
        }
        Some(Ask::DuoType) => append(
            inv,
            &p,
            &ImportOptions {
                duo: st.duo.get_untracked(),
                ..Default::default()
            },
        ),
        None => true,
    };
    if done {
        st.clear();
    } else {
        st.pending.set_value(Some(p));
    }
}

/// A password-protected PSKC file: its key derived in the worker, then the import with it (a
/// wrong password asks again; a file whose key cannot be derived is refused).
fn unlock_with_password(inv: Inventory, st: ImportState, p: Pending, password: Zeroizing<String>) {
    st.busy.set(true);
    inv.status.set((
        true,
        format!(
            "Deriving the key of {} from the password… (the first time, the worker starts)",
            p.name
        ),
    ));
    spawn_local(async move {
        let job = OpenJob {
            text: p.text.clone(),
            password,
        };
        let reply = worker::pskc_open(job).await;
        st.busy.set(false);
        if st.ask.get_untracked().is_none() {
            // Cancelled while the key was derived.
            return;
        }
        let key = match reply {
            Ok(Ok(k)) => k.key,
            Ok(Err(why)) => {
                st.clear();
                return inv.status.set((
                    false,
                    format!(
                        "Could not import {} (PSKC): {why}. Nothing was added; the list is unchanged.",
                        p.name
                    ),
                ));
            }
            Err(f) => {
                // The file stays asked for: the password can be given again.
                st.pending.set_value(Some(p));
                return inv
                    .status
                    .set((false, format!("The key could not be derived: {f}.")));
            }
        };
        let options = ImportOptions {
            pskc: Unlock::DerivedKey(&key),
            ..Default::default()
        };
        if append(inv, &p, &options) {
            st.clear();
        } else {
            st.pending.set_value(Some(p));
        }
    });
}

#[component]
pub fn ImportFile(inv: Inventory) -> impl IntoView {
    let st = ImportState {
        pending: StoredValue::new(None),
        ask: RwSignal::new(None),
        answer: RwSignal::new(Zeroizing::new(String::new())),
        duo: RwSignal::new(DuoTokenType::default()),
        busy: RwSignal::new(false),
    };
    let file_ref: NodeRef<html::Input> = NodeRef::new();
    let asking = move || st.ask.get();
    let question = move || match asking() {
        Some(Ask::Key(l) | Ask::Password(l)) => l,
        Some(Ask::DuoType) => {
            "A Duo CSV does not say its token type: choose the one it was made for".into()
        }
        None => String::new(),
    };
    let secret = move || matches!(asking(), Some(Ask::Key(_) | Ask::Password(_)));
    view! {
        <div class="import-file">
            <label for="import-csv">"Continue an existing list: open an Entra CSV, PSKC, Duo CSV or OATH CSV file"</label>
            <input id="import-csv" data-testid="import-csv" type="file" accept=".csv,.xml,.pskc,text/csv,application/xml,application/pskc+xml"
                node_ref=file_ref
                on:change=move |_| if let Some(input) = file_ref.get_untracked() { open(inv, st, input) } />
            <Show when=move || asking().is_some()>
                <div class="ask" role="group" aria-labelledby="import-ask" data-testid="import-ask">
                    <p id="import-ask" data-testid="import-ask-text">{question}</p>
                    <div class="row">
                        <Show when=secret fallback=move || view! {
                            <select data-testid="import-duo-type" aria-label="Duo token type"
                                on:change=move |ev| {
                                    let v = event_target_value(&ev);
                                    if let Some(t) = DuoTokenType::ALL.into_iter().find(|t| t.label() == v) { st.duo.set(t) }
                                }>
                                {DuoTokenType::ALL.into_iter().map(|t| view! {
                                    <option value=t.label() prop:selected=move || st.duo.get() == t>{t.label()}</option>
                                }).collect_view()}
                            </select>
                        }>
                            <SecretInput id="import-unlock".to_string() value=st.answer label="Key or password" />
                        </Show>
                        <button type="button" data-testid="import-go" disabled=move || st.busy.get() on:click=move |_| answered(inv, st)>"Import"</button>
                        <button type="button" class="secondary" data-testid="import-cancel" on:click=move |_| {
                            st.clear();
                            inv.status.set((true, "Import cancelled; the list is unchanged.".into()));
                        }>"Cancel"</button>
                    </div>
                </div>
            </Show>
        </div>
    }
}
