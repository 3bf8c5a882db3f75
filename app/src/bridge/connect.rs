//! The connection: the status line, the connect form (port and pairing code), and connecting,
//! refreshing the readers, and noticing a bridge that stopped or restarted.

use super::client::{self, ApiError, Bridge};
use super::failure::Failure;
use super::origin::{parse_pasted, start_command, PageOrigin, DEFAULT_PORT};
use super::outcome::Outcome;
use super::{unread_molto2, Panel};
use crate::secret_input::SecretInput;
use leptos::prelude::*;
use leptos::task::spawn_local;
use tokensmith_api::ErrorCode;

#[derive(Clone, PartialEq, Eq)]
pub(super) enum Status {
    Idle,
    Connecting,
    Connected {
        version: String,
        simulate: bool,
        results_file: bool,
    },
    /// Nothing answered (or the bridge refused this origin: the browser hides which).
    NotFound(String),
    Refused(String),
}

impl Panel {
    /// The bridge stopped, or restarted with a new pairing secret: show the connect form again.
    pub(crate) fn lost(self, b: &Bridge, e: &ApiError) {
        let status_now = match Failure::of(e) {
            Failure::Unreachable => Status::NotFound(b.describe()),
            Failure::Bridge(ErrorCode::PairingRequired) => Status::Refused(
                "The bridge no longer accepts the pairing code: it was probably restarted. Paste the new code it printed and press Connect."
                    .into(),
            ),
            _ => return,
        };
        self.bridge.connection.set(None);
        self.bridge.readers.set(Vec::new());
        self.status.set(status_now);
    }

    /// Lists the readers again (keeping the chosen one if it still holds a device).
    pub fn refresh(self) {
        let Some(b) = self.bridge.connection.get_untracked() else {
            return;
        };
        spawn_local(async move {
            match client::readers(&b).await {
                Ok(rs) => {
                    let keep = self.bridge.selected.get_untracked().filter(|s| {
                        rs.iter()
                            .any(|r| &r.name == s && (r.device.is_some() || unread_molto2(r)))
                    });
                    let pick = keep.or_else(|| {
                        rs.iter()
                            .find(|r| r.device.is_some())
                            .map(|r| r.name.clone())
                    });
                    // A Molto2 the user had chosen is read again (the list does not read it).
                    let reread = pick
                        .clone()
                        .filter(|p| rs.iter().any(|r| &r.name == p && unread_molto2(r)));
                    self.bridge.readers.set(rs);
                    self.bridge.selected.set(pick);
                    if let Some(r) = reread {
                        self.read_molto2(r);
                    }
                }
                Err(e) => {
                    self.lost(&b, &e);
                    self.outcome.set(Some(Outcome::Failed {
                        what: "Listing readers",
                        err: e,
                    }));
                }
            }
        });
    }

    /// Checks the pairing with `/api/health`, then lists the readers.
    pub(super) fn connect_to(self, b: Bridge) {
        self.status.set(Status::Connecting);
        spawn_local(async move {
            match client::health(&b).await {
                Ok(h) => {
                    self.bridge.connection.set(Some(b));
                    self.status.set(Status::Connected {
                        version: h.version,
                        simulate: h.simulate,
                        results_file: h.results_file,
                    });
                    self.refresh();
                }
                Err(e) => {
                    self.bridge.connection.set(None);
                    self.bridge.readers.set(Vec::new());
                    let failure = Failure::of(&e);
                    self.status.set(if failure == Failure::Unreachable {
                        Status::NotFound(b.describe())
                    } else if failure == ErrorCode::PairingRequired {
                        Status::Refused(
                            "The bridge refused the pairing code. Copy it again from the line the bridge printed \
                             (\"Tokensmith bridge: open http://127.0.0.1:…/#pair=…\"): it changes every time the bridge starts."
                                .into(),
                        )
                    } else {
                        Status::Refused(format!("The bridge answered: {}", e.message))
                    });
                }
            }
        });
    }

    /// Connects with what the form holds (a pasted line also sets the port).
    fn connect(self) {
        let (c, p) = parse_pasted(&self.code.get_untracked());
        if let Some(p) = p {
            self.port.set(p.to_string());
        }
        let Ok(p) = self.port.get_untracked().trim().parse::<u16>() else {
            self.status.set(Status::Refused(format!(
                "The port must be a number (the bridge's default is {DEFAULT_PORT})."
            )));
            return;
        };
        if c.is_empty() {
            self.status.set(Status::Refused(
                "Paste the pairing code the bridge printed when it started (after #pair=).".into(),
            ));
            return;
        }
        self.code.set(c.clone());
        let b = if self.origin.with_value(|o| *o == PageOrigin::Bridge)
            && window().location().port().ok() == Some(p.to_string())
        {
            Bridge::same_origin(&c)
        } else {
            Bridge::loopback(p, &c)
        };
        self.connect_to(b);
    }
}

#[component]
pub(super) fn StatusView(panel: Panel) -> impl IntoView {
    let Panel {
        origin,
        status,
        port,
        ..
    } = panel;
    let port_num = move || port.get().trim().parse::<u16>().unwrap_or(DEFAULT_PORT);
    move || {
        let cmd = start_command(&origin.get_value(), port_num());
        match status.get() {
            Status::Idle if origin.with_value(|o| *o == PageOrigin::Bridge) => view! {
                <p>
                    "Not connected. The pairing code is kept in memory only, so reloading the page forgets it: paste it again from the line the bridge printed (or open that URL again) and press Connect."
                </p>
                <p class="muted">"No bridge running? Start one with:"</p>
                <code class="cmd">{cmd}</code>
            }
            .into_any(),
            Status::Idle => view! {
                <p>
                    "Not connected. Everything else on this page works without the bridge. To burn tokens directly, start the hardware bridge on this computer:"
                </p>
                <code class="cmd">{cmd}</code>
                <p class="muted">
                    "It prints a line with a pairing code (after #pair=): paste the code or the whole line below and press Connect."
                </p>
            }
            .into_any(),
            Status::Connecting => view! { <p>"Connecting to the bridge…"</p> }.into_any(),
            Status::Connected { version, simulate, results_file } => view! {
                <p class="ok">
                    {format!("Connected to the hardware bridge {version}")}
                    {simulate.then_some(" — SIMULATION: emulated devices, nothing is written to real hardware")}
                    "."
                </p>
                <p class="muted">
                    {if results_file {
                        "Every burn is also recorded in the bridge's results file."
                    } else {
                        "The bridge keeps no results file: this page's inventory is the record (export it in step 6)."
                    }}
                </p>
            }
            .into_any(),
            Status::NotFound(at) => view! {
                <p>
                    {format!(
                        "No hardware bridge found at {at} (or it refused this page). To burn tokens directly, run:"
                    )}
                </p>
                <code class="cmd">{cmd}</code>
                <p class="muted">
                    "then paste the pairing code it prints and press Retry. Everything else on this page works without it."
                </p>
            }
            .into_any(),
            Status::Refused(msg) => view! { <p class="error">{msg}</p> }.into_any(),
        }
    }
}

#[component]
pub(super) fn ConnectForm(panel: Panel) -> impl IntoView {
    let Panel {
        origin,
        status,
        port,
        code,
        ..
    } = panel;
    view! {
        <form
            class="bridge-connect"
            novalidate=true
            on:submit=move |ev| {
                ev.prevent_default();
                panel.connect();
            }
        >
            <div class="row">
                <div class="field port">
                    <label for="bridge-port">"Port"</label>
                    <input
                        id="bridge-port"
                        data-testid="bridge-port"
                        type="text"
                        inputmode="numeric"
                        autocomplete="off"
                        prop:value=move || port.get()
                        on:input=move |ev| port.set(event_target_value(&ev))
                    />
                </div>
                <div class="field grow">
                    <label for="bridge-code">"Pairing code"</label>
                    <SecretInput id="bridge-code".to_string() value=code placeholder="the code after #pair=" />
                </div>
            </div>
            <div class="row">
                <button
                    type="submit"
                    data-testid="bridge-connect"
                    disabled=move || status.get() == Status::Connecting
                >
                    {move || match status.get() {
                        Status::NotFound(_) | Status::Refused(_) => "Retry",
                        _ => "Connect to bridge",
                    }}
                </button>
            </div>
            {move || match origin.get_value() {
                PageOrigin::Other(o) => Some(view! {
                    <p class="muted">
                        {format!(
                            "This page comes from {o}: the bridge must be started with --allow-origin {o}, and the browser may ask to allow access to devices on your local network."
                        )}
                    </p>
                }),
                _ => None,
            }}
        </form>
    }
}
