//! The Device tool: what the public tools do to a device beyond burning one seed, for the
//! device on the reader chosen in step 1, through the bridge's API (`bridge::client`, the
//! `tokensmith-api` types only). A Molto2's profiles (titles, delete), customer key, factory
//! reset and screen lock (`molto2`); an OATH key's accounts (code, rename, delete) and access
//! password (`oath`); a Token2's settings-only write (`token2`).
//!
//! Every action says what it is doing while the bridge works, asks first where a seed would be
//! lost, shows the bridge's failure in the page's one wording (`bridge::FailedView`: the
//! failing step, attempts left, never retry blindly), and lists the device again afterwards.
//! The key or password is the one field the burn uses too (`Panel::credential`); new keys
//! and passwords typed here are wiped once sent.

mod molto2;
mod oath;
mod token2;

use crate::bridge::client::{self, endpoint::Endpoint, ApiError, Device, DeviceKind};
use crate::bridge::failure::Failure;
use crate::bridge::{self, FailedView, Panel};
use crate::checkbox::CheckBox;
use crate::params::ParamsState;
use crate::secret_input::SecretInput;
use leptos::prelude::*;
use leptos::task::spawn_local;
use tokensmith_api::ErrorCode;
use zeroize::Zeroizing;

/// What the last action did.
#[derive(Clone)]
enum Note {
    Done(String),
    /// A Molto2 accepted the command and waits for ▲ (the bridge's message says what then).
    Press(String),
    /// An OATH account's code (TOTP: how long it stays valid; HOTP: the counter moved on).
    Code {
        name: String,
        code: String,
        valid_for: Option<u32>,
        hotp: bool,
    },
    Failed {
        what: &'static str,
        err: ApiError,
    },
}

/// The tool's state: the bridge's panel (connection, chosen device, key or password), what is
/// under way, what the last action did.
#[derive(Clone, Copy)]
pub struct Manage {
    panel: Panel,
    /// Step 3's settings (a Token2's settings-only write sends them).
    params: ParamsState,
    /// What the bridge is doing for this tool now (shown while it works).
    working: RwSignal<Option<String>>,
    note: RwSignal<Option<Note>>,
    /// Counts the actions done: the views list the device again when it changes.
    changed: RwSignal<u32>,
}

impl Manage {
    pub fn new(panel: Panel, params: ParamsState) -> Self {
        Manage {
            panel,
            params,
            working: RwSignal::new(None),
            note: RwSignal::new(None),
            changed: RwSignal::new(0),
        }
    }

    fn device(self) -> Option<Device> {
        self.panel.device()
    }

    fn busy(self) -> bool {
        self.working.with(Option::is_some) || self.panel.state().busy.get()
    }

    /// The key or password typed for this device, trimmed (`None` when empty).
    fn credential(self) -> Option<client::SecretString> {
        // The one copy made goes into the request, which wipes it.
        let c = self
            .panel
            .credential()
            .with_untracked(|c| c.trim().to_string());
        (!c.is_empty()).then(|| client::SecretString::from(c))
    }

    /// An action that authenticates waits after a failed authentication on this reader until
    /// the user acknowledged it (nothing is ever retried by itself).
    fn blocked(self) -> bool {
        self.busy() || self.panel.blocked()
    }

    /// A request's address: the chosen reader, its kind, and which Molto2 it was read as.
    fn address(
        d: &Device,
    ) -> (
        Option<String>,
        Option<DeviceKind>,
        Option<client::Molto2Model>,
    ) {
        let model =
            (d.kind == DeviceKind::Molto2).then(|| bridge::request_model(bridge::molto2_model(d)));
        (Some(d.reader.clone()), Some(d.kind), model)
    }

    /// Sends `req` to endpoint `E` (saying `working` meanwhile); `done` turns the answer into
    /// what the user is told. A failed authentication is noted on the reader (the next try
    /// waits for an acknowledgement); every outcome lists the device again.
    fn run<E: Endpoint + 'static>(
        self,
        what: &'static str,
        working: impl Into<String>,
        req: E::Request,
        done: impl FnOnce(E::Response) -> Option<Note> + 'static,
    ) {
        let (Some(b), Some(d)) = (self.panel.state().connection.get_untracked(), self.device())
        else {
            return;
        };
        self.working.set(Some(working.into()));
        self.note.set(None);
        self.panel.state().busy.set(true);
        spawn_local(async move {
            let res = client::call::<E>(&b, &req).await;
            // The request may hold a key or password: wiped here.
            drop(req);
            self.panel.state().busy.set(false);
            self.working.set(None);
            match res {
                Ok(r) => self.note.set(done(r)),
                Err(err) => {
                    if Failure::of(&err) == ErrorCode::AuthFailed {
                        self.panel.auth_failed(d.reader.clone());
                    }
                    self.panel.lost(&b, &err);
                    self.note.set(Some(Note::Failed { what, err }));
                }
            }
            self.changed.update(|n| *n += 1);
        });
    }

    /// A refusal found before calling: nothing is sent.
    fn refuse(self, what: &'static str, message: impl Into<String>) {
        self.note.set(Some(Note::Failed {
            what,
            err: ApiError::bad_input(message),
        }));
    }
}

/// The device in one line: maker and model, serial, reader.
fn describe(d: &Device) -> String {
    let serial = if d.serial.is_empty() {
        "no serial reported".to_string()
    } else {
        format!("serial {}", d.serial)
    };
    format!("{} · {serial} · on “{}”", d.model, d.reader)
}

/// A message of the bridge as a sentence: capital first letter, full stop.
fn sentence(msg: &str) -> String {
    let mut chars = msg.trim().chars();
    let mut s: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if !s.ends_with(['.', '!', '?']) {
        s.push('.');
    }
    s
}

#[component]
fn NoteView(m: Manage) -> impl IntoView {
    move || {
        m.note.get().map(|n| match n {
            Note::Done(msg) => view! {
                <div class="burn-ok" role="status" data-testid="device-done"><p class="ok">{sentence(&msg)}</p></div>
            }
            .into_any(),
            Note::Press(msg) => view! {
                <div class="press" role="alert" data-testid="device-press">
                    <p class="press-key" aria-hidden="true">"▲"</p>
                    <div>
                        <p><strong>"Press ▲ (the up button) on the Molto2 now."</strong></p>
                        <p data-testid="device-press-message">{sentence(&msg)}</p>
                    </div>
                </div>
            }
            .into_any(),
            Note::Code { name, code, valid_for, hotp } => {
                let after = match (valid_for, hotp) {
                    (_, true) => "HOTP: the key's counter moved on by one (the next code is another).".to_string(),
                    (Some(s), false) => format!("Valid for {s} s more."),
                    (None, false) => String::new(),
                };
                view! {
                    <div class="burn-ok" role="status" data-testid="oath-code-result">
                        <p>{format!("The code of “{name}” now:")}</p>
                        <p class="code verify-code" data-testid="oath-code-value" data-code=code.clone()>{bridge::grouped(&code)}</p>
                        <p class="muted">{after}</p>
                    </div>
                }
                .into_any()
            }
            Note::Failed { what, err } => view! { <FailedView what err /> }.into_any(),
        })
    }
}

/// The key or password field (the burn's field too) and, after a failed authentication on
/// this reader, the acknowledgement that allows one more try.
#[component]
fn CredentialField(
    m: Manage,
    label: &'static str,
    #[prop(optional)] hint: &'static str,
) -> impl IntoView {
    let credential = m.panel.credential();
    view! {
        <div class="field">
            <label for="device-credential">{label}</label>
            <SecretInput id="device-credential".to_string() value=credential />
            <p class="muted small">{hint}</p>
        </div>
        <Show when=move || m.panel.auth_failed_here()>
            <CheckBox id="device-auth-ack" value=m.panel.auth_ack()>
                "Authentication failed on this device last time. I have checked the key or password: allow one more try."
            </CheckBox>
        </Show>
    }
}

/// A table row under the one it is about, asking before a seed is lost: what is lost, the
/// danger button, Cancel (`open` false closes it).
#[component]
fn ConfirmRow(
    colspan: u8,
    text: String,
    button: String,
    id: &'static str,
    open: Signal<bool>,
    close: Callback<()>,
    disabled: Signal<bool>,
    confirm: Callback<()>,
) -> impl IntoView {
    view! {
        <Show when=move || open.get()>
            <tr class="edit"><td colspan=colspan.to_string()>
                <div class="ask" role="alertdialog" aria-label=button.clone()>
                    <p class="danger">{text.clone()}</p>
                    <div class="row">
                        <button type="button" class="danger" data-testid=id disabled=move || disabled.get()
                            on:click=move |_| { close.run(()); confirm.run(()); }>
                            {button.clone()}
                        </button>
                        <button type="button" class="secondary" on:click=move |_| close.run(())>"Cancel"</button>
                    </div>
                </div>
            </td></tr>
        </Show>
    }
}

/// A new key or password, typed twice; wiped once sent.
#[derive(Clone, Copy)]
struct NewSecret {
    first: RwSignal<Zeroizing<String>>,
    again: RwSignal<Zeroizing<String>>,
}

impl NewSecret {
    fn new() -> Self {
        NewSecret {
            first: RwSignal::new(Zeroizing::default()),
            again: RwSignal::new(Zeroizing::default()),
        }
    }

    /// The new value, when both fields agree and it is not empty; else why not.
    fn take(self, what: &str) -> Result<Zeroizing<String>, String> {
        let v = self.first.with_untracked(|a| {
            self.again.with_untracked(|b| {
                if a.is_empty() {
                    Err(format!("type the new {what}"))
                } else if a != b {
                    Err(format!(
                        "the two new {what} fields differ: type the same {what} in both"
                    ))
                } else {
                    Ok(Zeroizing::new(a.to_string()))
                }
            })
        })?;
        self.wipe();
        Ok(v)
    }

    fn wipe(self) {
        self.first.set(Zeroizing::default());
        self.again.set(Zeroizing::default());
    }
}

#[component]
fn NewSecretFields(secret: NewSecret, id: &'static str, label: &'static str) -> impl IntoView {
    let field = move |sig: RwSignal<Zeroizing<String>>, id: String, label: String| {
        view! {
            <div class="field grow">
                <label for=id.clone()>{label}</label>
                <SecretInput id value=sig new=true />
            </div>
        }
    };
    view! {
        <div class="row">
            {field(secret.first, id.to_string(), label.to_string())}
            {field(secret.again, format!("{id}-again"), format!("{label}, again"))}
        </div>
    }
}

/// The tool: the device on the chosen reader, managed by its kind.
#[component]
pub fn DeviceTool(m: Manage) -> impl IntoView {
    // Which device the views are for: a new one starts them afresh (and forgets the note);
    // a reader list read again (after an action) keeps them.
    let which = Memo::new(move |_| {
        m.device()
            .map(|d| (d.kind, d.reader, d.serial, d.model, d.profiles))
    });
    let connected = Memo::new(move |_| m.panel.connected());
    Effect::new(move |_| {
        which.track();
        m.note.set(None);
    });
    // An answer (▲ to press above all) is brought into sight, wherever the button was.
    Effect::new(move |_| {
        if m.note.with(Option::is_some) {
            request_animation_frame(|| {
                if let Some(el) = document().get_element_by_id("device-result") {
                    let opts = web_sys::ScrollIntoViewOptions::new();
                    opts.set_block(web_sys::ScrollLogicalPosition::Nearest);
                    el.scroll_into_view_with_scroll_into_view_options(&opts);
                }
            });
        }
    });
    let body = move || {
        match which.with(|w| w.as_ref().map(|w| w.0)) {
        None if !connected.get() => view! {
            <p class="muted" data-testid="device-none">
                "Connect to the hardware bridge in step 1 (burn it with “a reader on this computer”), then choose the reader of the device to manage."
            </p>
        }
        .into_any(),
        None => view! {
            <p class="muted" data-testid="device-none">"Choose a reader with a device in step 1."</p>
        }
        .into_any(),
        Some(kind) => {
            let view = match kind {
                DeviceKind::Molto2 => view! { <molto2::Molto2View m /> }.into_any(),
                DeviceKind::Oath => view! { <oath::OathView m /> }.into_any(),
                DeviceKind::Token2 => view! { <token2::Token2View m /> }.into_any(),
            };
            view! {
                <p class="device-line" data-testid="device-line">
                    {move || m.device().map(|d| describe(&d)).unwrap_or_default()}
                </p>
                {view}
            }
            .into_any()
        }
    }
    };
    view! {
        <section class="device-tool" data-testid="device-tool" aria-labelledby="device-h">
            <h2 id="device-h">"Device"</h2>
            {body}
            <Show when=move || m.working.with(Option::is_some)>
                <p class="working" role="status" data-testid="device-working">
                    <progress aria-label="The bridge is working"></progress>
                    {move || m.working.get().unwrap_or_default()}
                </p>
            </Show>
            <div class="bridge-result" id="device-result" data-testid="device-result" aria-live="polite">
                <NoteView m />
            </div>
        </section>
    }
}
