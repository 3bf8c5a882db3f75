//! The hardware bridge panel: finds `hardware-bridge serve`, lists readers and the device on
//! each, burns the current seed and parameters to the selected one (filling the token record
//! form with the serial and model read from it), and sets a token's clock.
//!
//! Finding the bridge: a page served by the bridge (`http://127.0.0.1:PORT/#pair=…`) reads the
//! pairing secret from the fragment, removes it from the address bar and connects at once. A
//! `file://` or intranet page makes no request until the user presses "Connect to bridge"
//! (a fetch to a closed port is logged as a console error). The pairing secret is kept in memory
//! only.

// The client is also the API other panels use (import → Molto2 profiles): not every call is
// used by this panel.
#[allow(dead_code)]
pub mod client;

use crate::params::{ParamsState, RecordForm};
use crate::seed::SecretState;
use client::{ApiError, Bridge, BurnRequest, BurnResult, DeviceKind, Reader, Target, Verification};
use leptos::prelude::*;
use leptos::task::spawn_local;
use tokensmith_core::caps::{self, Family, Model};
use wasm_bindgen::JsCast;

/// The bridge's default port (`hardware-bridge serve` without `--port`).
pub const DEFAULT_PORT: u16 = 8733;

/// The connection to the bridge and what it found, shared with other panels through context
/// (`use_context::<BridgeState>()`).
#[derive(Clone, Copy)]
pub struct BridgeState {
    /// The connected bridge (pairing secret in memory only), `None` when not connected.
    pub connection: RwSignal<Option<Bridge>>,
    /// The readers from the last refresh.
    pub readers: RwSignal<Vec<Reader>>,
    /// The reader chosen for burning.
    pub selected: RwSignal<Option<String>>,
    /// A burn or sync is under way (other panels should not start one meanwhile).
    pub busy: RwSignal<bool>,
}

impl BridgeState {
    pub fn new() -> Self {
        BridgeState {
            connection: RwSignal::new(None),
            readers: RwSignal::new(Vec::new()),
            selected: RwSignal::new(None),
            busy: RwSignal::new(false),
        }
    }

    /// The device on the selected reader, if one was detected.
    pub fn selected_device(&self) -> Option<client::Device> {
        let sel = self.selected.get()?;
        self.readers.with(|rs| {
            rs.iter()
                .find(|r| r.name == sel)
                .and_then(|r| r.device.clone())
        })
    }
}

/// How this page was opened: decides where the bridge is and what to tell the user.
#[derive(Clone, PartialEq, Eq)]
enum PageOrigin {
    /// Served by the bridge, pairing secret in the fragment.
    Bridge,
    /// Opened from disk: `Origin: null`.
    File,
    /// Any other origin (intranet server, development server).
    Other(String),
}

#[derive(Clone, PartialEq, Eq)]
enum Status {
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

/// The start command to show, for this page's origin and the chosen port.
fn start_command(origin: &PageOrigin, port: u16) -> String {
    let port = if port == DEFAULT_PORT {
        String::new()
    } else {
        format!(" --port {port}")
    };
    match origin {
        PageOrigin::Bridge => format!("hardware-bridge serve{port}"),
        PageOrigin::File => format!("hardware-bridge serve{port} --allow-null-origin"),
        PageOrigin::Other(o) => format!("hardware-bridge serve{port} --allow-origin {o}"),
    }
}

/// The pairing secret from a fragment like `#pair=0f3c…`.
fn pair_from_fragment(hash: &str) -> Option<String> {
    hash.trim_start_matches('#')
        .split('&')
        .find_map(|kv| kv.strip_prefix("pair="))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// What the user pasted: the code alone or the whole line/URL the bridge printed (then its port
/// is taken too).
fn parse_pasted(text: &str) -> (String, Option<u16>) {
    let t = text.trim();
    let port = t
        .find("127.0.0.1:")
        .map(|i| &t[i + "127.0.0.1:".len()..])
        .or_else(|| t.find("localhost:").map(|i| &t[i + "localhost:".len()..]))
        .and_then(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        });
    let code = match t.find("#pair=") {
        Some(i) => t[i..].trim_start_matches('#').to_string(),
        None => t.to_string(),
    };
    let code = pair_from_fragment(&code).unwrap_or(code);
    let code = code.split_whitespace().next().unwrap_or("").to_string();
    (code, port)
}

fn page_origin() -> (PageOrigin, Option<String>) {
    let loc = window().location();
    let proto = loc.protocol().unwrap_or_default();
    if proto == "file:" {
        return (PageOrigin::File, None);
    }
    let host = loc.hostname().unwrap_or_default();
    let loopback = matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]" | "::1");
    let origin = loc.origin().unwrap_or_default();
    match pair_from_fragment(&loc.hash().unwrap_or_default()) {
        Some(pair) if loopback => {
            // Keep the secret out of the address bar, history and bookmarks.
            let clean = format!(
                "{}{}",
                loc.pathname().unwrap_or_default(),
                loc.search().unwrap_or_default()
            );
            if let Ok(h) = window().history() {
                let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&clean));
            }
            (PageOrigin::Bridge, Some(pair))
        }
        // Reloaded (the fragment is gone) or typed by hand: most likely the bridge again.
        _ if loopback => (PageOrigin::Bridge, None),
        _ => (PageOrigin::Other(origin), None),
    }
}

/// "123 456" for reading aloud and comparing.
fn group(code: &str) -> String {
    let n = code.len();
    let cut = if n % 3 == 0 && n > 4 {
        3
    } else {
        n.div_ceil(2)
    };
    code.as_bytes()
        .chunks(cut)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The capabilities of a Molto2 the bridge found: by its profile count, else the smaller
/// generation (never offer a profile that may not exist).
pub fn molto2_model(d: &client::Device) -> Model {
    d.profiles
        .and_then(Model::molto2_with)
        .unwrap_or(Model::Molto2)
}

/// The capability table's model for a device the bridge reported, where its name says which.
fn model_of(kind: DeviceKind, model: &str) -> Option<Model> {
    let m = model.parse::<Model>().ok();
    match kind {
        DeviceKind::Molto2 => m.or(Some(Model::Molto2)),
        _ => m,
    }
}

/// Which step failed, from the bridge's error code.
fn failed_step(code: &str) -> &'static str {
    match code {
        "bad_input" | "bad_request" | "not_supported" => {
            "checking the parameters — nothing was sent to the device"
        }
        "auth_failed" => "authenticating to the device",
        "device_rejected" => "writing to the device (it refused a command)",
        "verify_mismatch" => "verifying after writing",
        "card_removed" => "writing: the card was removed or reset",
        "no_reader" | "no_card" | "unknown_card" | "reader_not_found" | "ambiguous_reader"
        | "card_busy" | "pcsc_unavailable" => "finding the device — nothing was written",
        "reader_error" => "talking to the reader",
        "will_clear_seed" => "waiting for confirmation — nothing was sent",
        "results_file" => "recording in the results file (the device WAS written)",
        "pairing_required" => "pairing with the bridge",
        "unreachable" => {
            "reaching the bridge — if it stopped during a burn, check what the token shows before burning again"
        }
        _ => "the request",
    }
}

fn drift_text(token_time: Option<i64>, now: i64) -> String {
    match token_time {
        None => "no clock (the computer's clock picks the step)".into(),
        Some(t) => {
            let d = t - now;
            match d {
                -2..=2 => "clock matches this computer".into(),
                d if d < 0 => format!("clock {} s behind", -d),
                d => format!("clock {d} s ahead"),
            }
        }
    }
}

fn device_line(r: &Reader, now: i64) -> String {
    match (&r.device, &r.error) {
        (Some(d), _) => {
            let mut parts = vec![
                match manufacturer_of(d.kind, &d.model) {
                    Some(maker) if d.kind != DeviceKind::Oath => format!("{maker} {}", d.model),
                    _ => d.model.clone(),
                },
                match d.kind {
                    DeviceKind::Oath => format!("device id {}", d.serial),
                    _ => format!("serial {}", d.serial),
                },
            ];
            if let Some(p) = d.profiles {
                parts.push(format!("{p} profiles"));
            }
            if !d.known_model {
                parts.push("unknown model".into());
            }
            parts.push(drift_text(d.token_time, now));
            parts.join(" · ")
        }
        (None, Some(e)) => e.clone(),
        (None, None) if !r.card_present => "no card: put the token on the reader".into(),
        (None, None) => "card not recognised".into(),
    }
}

/// The maker of a device the bridge reported: its model's, or its family's (Token2 tokens
/// of an unknown model are still Token2's); `None` for an OATH key of unknown maker.
fn manufacturer_of(kind: DeviceKind, model: &str) -> Option<&'static str> {
    let family = match kind {
        DeviceKind::Token2 => Some(Model::C301),
        DeviceKind::Molto2 => Some(Model::Molto2),
        DeviceKind::Oath => None,
    };
    model_of(kind, model)
        .or(family)
        .map(|m| m.caps().manufacturer)
        .filter(|m| !m.is_empty())
}

/// Whether `maker` makes OATH keys (the record form then names a chosen key target).
fn makes_oath_keys(maker: &str) -> bool {
    Model::ALL.into_iter().any(|m| {
        let c = m.caps();
        c.family == Family::Oath && !c.manufacturer.is_empty() && c.manufacturer == maker
    })
}

/// The outcome of the last burn or sync, shown in `bridge-result`.
#[derive(Clone)]
enum Outcome {
    Burned(Box<BurnResult>, f64),
    Failed {
        what: &'static str,
        err: ApiError,
    },
    Synced(client::SyncResult),
    /// The sync would clear a Token2 seed: ask first.
    ConfirmSync(String),
}

#[component]
pub fn BridgePanel(
    bridge: BridgeState,
    state: SecretState,
    params: ParamsState,
    form: RecordForm,
) -> impl IntoView {
    let (origin, pair) = page_origin();
    let origin = StoredValue::new(origin);
    let status = RwSignal::new(Status::Idle);
    let port = RwSignal::new(match origin.get_value() {
        PageOrigin::Bridge => window()
            .location()
            .port()
            .ok()
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| DEFAULT_PORT.to_string()),
        _ => DEFAULT_PORT.to_string(),
    });
    let code = RwSignal::new(String::new());
    let profile = RwSignal::new(String::from("0"));
    let title = RwSignal::new(String::new());
    let credential = RwSignal::new(String::new());
    let progress = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<Outcome>);
    let auth_failed_on = RwSignal::new(None::<String>);
    let auth_ack = RwSignal::new(false);
    let now = move || crate::clock::unix_now();
    let port_num = move || port.get().trim().parse::<u16>().unwrap_or(DEFAULT_PORT);

    // The bridge stopped, or restarted with a new pairing secret: show the connect form again.
    let lost = move |b: &Bridge, e: &ApiError| {
        let status_now = match e.code.as_str() {
            "unreachable" => Status::NotFound(b.describe()),
            "pairing_required" => Status::Refused(
                "The bridge no longer accepts the pairing code: it was probably restarted. Paste the new code it printed and press Connect."
                    .into(),
            ),
            _ => return,
        };
        bridge.connection.set(None);
        bridge.readers.set(Vec::new());
        status.set(status_now);
    };

    let refresh = move || {
        let Some(b) = bridge.connection.get_untracked() else {
            return;
        };
        spawn_local(async move {
            match client::readers(&b).await {
                Ok(rs) => {
                    let keep = bridge
                        .selected
                        .get_untracked()
                        .filter(|s| rs.iter().any(|r| &r.name == s && r.device.is_some()));
                    let pick = keep.or_else(|| {
                        rs.iter()
                            .find(|r| r.device.is_some())
                            .map(|r| r.name.clone())
                    });
                    bridge.readers.set(rs);
                    bridge.selected.set(pick);
                }
                Err(e) => {
                    lost(&b, &e);
                    outcome.set(Some(Outcome::Failed {
                        what: "Listing readers",
                        err: e,
                    }));
                }
            }
        });
    };

    let connect_to = move |b: Bridge| {
        status.set(Status::Connecting);
        spawn_local(async move {
            match client::health(&b).await {
                Ok(h) => {
                    bridge.connection.set(Some(b));
                    status.set(Status::Connected {
                        version: h.version,
                        simulate: h.simulate,
                        results_file: h.results_file,
                    });
                    refresh();
                }
                Err(e) => {
                    bridge.connection.set(None);
                    bridge.readers.set(Vec::new());
                    status.set(if e.code == "unreachable" {
                        Status::NotFound(b.describe())
                    } else if e.code == "pairing_required" {
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
    };

    let connect = move || {
        let (c, p) = parse_pasted(&code.get_untracked());
        if let Some(p) = p {
            port.set(p.to_string());
        }
        let Ok(p) = port.get_untracked().trim().parse::<u16>() else {
            status.set(Status::Refused(
                "The port must be a number (the bridge's default is 8733).".into(),
            ));
            return;
        };
        if c.is_empty() {
            status.set(Status::Refused(
                "Paste the pairing code the bridge printed when it started (after #pair=).".into(),
            ));
            return;
        }
        code.set(c.clone());
        let b = if origin.with_value(|o| *o == PageOrigin::Bridge)
            && window().location().port().ok() == Some(p.to_string())
        {
            Bridge::same_origin(&c)
        } else {
            Bridge::loopback(p, &c)
        };
        connect_to(b);
    };

    // Served by the bridge: connect at once (same origin, no console noise if it is gone).
    if let Some(pair) = pair {
        connect_to(Bridge::same_origin(&pair));
    }

    let device = move || bridge.selected_device();
    let kind = move || device().map(|d| d.kind);
    let default_title = move || {
        let issuer = params.issuer.get();
        let base = if issuer.trim().is_empty() {
            params.account.get()
        } else {
            issuer
        };
        device()
            .map_or(Model::Molto2, |d| molto2_model(&d))
            .caps()
            .title_from(&base)
            .unwrap_or_default()
    };
    let title_bytes = move || {
        device()
            .map_or(Model::Molto2, |d| molto2_model(&d))
            .caps()
            .title_bytes
            .unwrap_or_default()
    };
    let blocked = move || {
        let sel = bridge.selected.get();
        sel.is_some() && auth_failed_on.get() == sel && !auth_ack.get()
    };

    let burn = move || {
        let (Some(b), Some(d)) = (bridge.connection.get_untracked(), device()) else {
            return;
        };
        if state.error.get_untracked().is_some() {
            outcome.set(Some(Outcome::Failed {
                what: "Burn",
                err: ApiError {
                    status: 0,
                    code: "bad_input".into(),
                    message:
                        "the secret field holds an invalid secret: fix it or generate a new seed"
                            .into(),
                },
            }));
            return;
        }
        let Some(hex) = state
            .secret
            .with_untracked(|s| s.as_ref().map(|s| s.to_hex().to_string()))
        else {
            return;
        };
        let otp = params.otp.get_untracked();
        let cred = credential.get_untracked().trim().to_string();
        let cred = (!cred.is_empty()).then_some(cred);
        // (BurnRequest wipes its secret on drop, so it is filled field by field.)
        let mut req = BurnRequest::default();
        req.target.reader = Some(d.reader.clone());
        req.secret = format!("0x{hex}");
        req.algorithm = Some(otp.algorithm.as_str().to_string());
        req.digits = Some(otp.digits);
        req.period = Some(otp.period);
        let upn = form.upn.get_untracked().trim().to_string();
        req.upn = (!upn.is_empty()).then_some(upn.clone());
        match d.kind {
            DeviceKind::Token2 => {}
            DeviceKind::Molto2 => {
                req.target.customer_key = cred;
                match profile.get_untracked().trim().parse::<u8>() {
                    Ok(p) => req.profile = Some(p),
                    Err(_) => {
                        outcome.set(Some(Outcome::Failed {
                            what: "Burn",
                            err: ApiError {
                                status: 0,
                                code: "bad_input".into(),
                                message: format!(
                                    "the profile slot must be a number from 0 to {}",
                                    molto2_model(&d).caps().max_profile().unwrap_or(0)
                                ),
                            },
                        }));
                        return;
                    }
                }
                let t = title.get_untracked();
                let t = if t.trim().is_empty() {
                    default_title()
                } else {
                    t.trim().to_string()
                };
                req.title = Some(t);
            }
            DeviceKind::Oath => {
                req.target.password = cred;
                let account = params.account.get_untracked().trim().to_string();
                req.account =
                    Some(if account.is_empty() { upn } else { account }).filter(|a| !a.is_empty());
                let issuer = params.issuer.get_untracked().trim().to_string();
                req.issuer = (!issuer.is_empty()).then_some(issuer);
            }
        }
        progress.set(match d.kind {
            DeviceKind::Token2 => "Burning… authenticate, config (clock), seed".into(),
            DeviceKind::Molto2 => format!(
                "Burning profile {}… config, seed, title, read back",
                req.profile.unwrap_or_default()
            ),
            DeviceKind::Oath => "Burning… put the credential, verify its code".into(),
        });
        bridge.busy.set(true);
        outcome.set(None);
        spawn_local(async move {
            let started = js_sys::Date::now();
            let res = client::burn(&b, &req).await;
            let ms = js_sys::Date::now() - started;
            drop(req);
            bridge.busy.set(false);
            match res {
                Ok(r) => {
                    auth_failed_on.set(None);
                    auth_ack.set(false);
                    form.serial.set(r.serial.clone());
                    if let Some(m) = manufacturer_of(r.kind, &r.model) {
                        form.manufacturer.set(m.into());
                    }
                    // An OATH applet reports only its version: keep the model of a chosen
                    // YubiKey/Nitrokey target then.
                    let generic = r.kind == DeviceKind::Oath
                        && manufacturer_of(r.kind, &r.model).is_none()
                        && makes_oath_keys(form.manufacturer.get_untracked().trim());
                    if !generic {
                        form.model.set(r.model.clone());
                        if manufacturer_of(r.kind, &r.model).is_none() {
                            // Unknown maker: an empty field (flagged by the record checks) is
                            // better than a wrong one left from another target.
                            form.manufacturer.set(String::new());
                        }
                    }
                    match r.profile {
                        Some(p) => {
                            form.profile.set(p.to_string());
                            profile.set(p.saturating_add(1).to_string());
                            title.set(String::new());
                        }
                        None => form.profile.set(String::new()),
                    }
                    outcome.set(Some(Outcome::Burned(Box::new(r), ms)));
                    // The burn set the token's clock: show the new drift.
                    refresh();
                    if let Some(el) = document()
                        .get_element_by_id("upn")
                        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                    {
                        let _ = el.focus();
                    }
                }
                Err(e) => {
                    lost(&b, &e);
                    if e.code == "auth_failed" {
                        auth_failed_on.set(Some(d.reader.clone()));
                        auth_ack.set(false);
                    }
                    outcome.set(Some(Outcome::Failed {
                        what: "Burn",
                        err: e,
                    }));
                }
            }
        });
    };

    let sync = move |confirm: bool| {
        let (Some(b), Some(d)) = (bridge.connection.get_untracked(), device()) else {
            return;
        };
        let cred = credential.get_untracked().trim().to_string();
        let mut req = client::SyncRequest {
            target: Target {
                reader: Some(d.reader.clone()),
                customer_key: (d.kind == DeviceKind::Molto2 && !cred.is_empty()).then_some(cred),
                ..Target::default()
            },
            confirm_clear_seed: confirm,
            ..client::SyncRequest::default()
        };
        if d.kind == DeviceKind::Token2 {
            let otp = params.otp.get_untracked();
            req.algorithm = Some(otp.algorithm.as_str().to_string());
            req.period = Some(otp.period);
        }
        progress.set("Setting the clock…".into());
        bridge.busy.set(true);
        outcome.set(None);
        spawn_local(async move {
            let res = client::sync(&b, &req).await;
            bridge.busy.set(false);
            match res {
                Ok(r) => {
                    outcome.set(Some(Outcome::Synced(r)));
                    refresh();
                }
                Err(e) if e.code == "will_clear_seed" => {
                    outcome.set(Some(Outcome::ConfirmSync(e.message)))
                }
                Err(e) => {
                    lost(&b, &e);
                    outcome.set(Some(Outcome::Failed {
                        what: "Clock sync",
                        err: e,
                    }));
                }
            }
        });
    };

    let status_view = move || {
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
                        "The bridge keeps no results file: add each token to the list below."
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
    };

    let readers_view = move || {
        let t = now();
        let sel = bridge.selected.get();
        bridge
            .readers
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let id = format!("bridge-reader-{i}");
                let name = r.name.clone();
                let checked = sel.as_deref() == Some(r.name.as_str());
                let usable = r.device.is_some();
                let line = device_line(&r, t);
                let kind = r.device.as_ref().map(|d| match d.kind {
                    DeviceKind::Token2 => "token2",
                    DeviceKind::Molto2 => "molto2",
                    DeviceKind::Oath => "oath",
                });
                view! {
                    <li class:selected=checked data-kind=kind>
                        <input
                            type="radio"
                            id=id.clone()
                            name="bridge-reader"
                            prop:checked=checked
                            disabled=!usable
                            on:change=move |_| {
                                bridge.selected.set(Some(name.clone()));
                                auth_ack.set(false);
                            }
                        />
                        <label for=id>
                            <span class="reader-name">{r.name.clone()}</span>
                            <span class="reader-device" class:muted=!usable>{line}</span>
                        </label>
                    </li>
                }
            })
            .collect_view()
    };

    let outcome_view = move || {
        outcome.get().map(|o| match o {
            Outcome::Burned(r, ms) => {
                let what = match r.profile {
                    Some(p) => format!(
                        "Burned {} {}, serial {}, profile {p}{}.",
                        manufacturer_of(r.kind, &r.model).unwrap_or(""),
                        r.model,
                        r.serial,
                        r.name.as_ref().map(|n| format!(" (“{n}”)")).unwrap_or_default()
                    ),
                    None => format!(
                        "Burned {} {}, {} {}.",
                        manufacturer_of(r.kind, &r.model).unwrap_or(""),
                        r.model,
                        if r.kind == DeviceKind::Oath { "device id" } else { "serial" },
                        r.serial
                    ),
                };
                let check = match r.verification.clone() {
                    Verification::CompareWithDisplay { expected_code, next_code, valid_for_seconds } => view! {
                        <p>"The token should now show"</p>
                        <p class="code burn-code" data-testid="bridge-expected" data-code=expected_code.clone()>
                            {group(&expected_code)}
                        </p>
                        <p>
                            {format!(
                                "— compare. For {valid_for_seconds} s more, then {}.",
                                group(&next_code).replace(' ', "\u{a0}"),
                            )}
                        </p>
                    }
                    .into_any(),
                    Verification::DeviceCalculated { code, matches: true } => view! {
                        <p class="ok verified" data-testid="bridge-verified">
                            {format!("Verified: the key computed the same code ({}).", group(&code))}
                        </p>
                    }
                    .into_any(),
                    Verification::DeviceCalculated { code, matches: false } => view! {
                        <p class="error">
                            {format!("The key computed {code}, not the expected code: the credential is wrong.")}
                        </p>
                    }
                    .into_any(),
                    Verification::NotChecked { reason } => view! { <p class="warn">{format!("Not checked: {reason}")}</p> }.into_any(),
                    Verification::Unknown => view! { <p class="muted">"The bridge reported no check."</p> }.into_any(),
                };
                let warnings = r.warnings.clone();
                let recorded = r.recorded;
                view! {
                    <div class="burn-ok" data-ms=format!("{ms:.0}") data-burned-at=r.burned_at.to_string()>
                        <p class="ok"><strong>{what}</strong></p>
                        {check}
                        <ul class="notes">{warnings.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}</ul>
                        <p class="muted">
                            {format!(
                                "The token record below got the serial, manufacturer and model{}: type the user's UPN and press Add to list.{} ({:.1} s)",
                                if r.profile.is_some() { " and profile" } else { "" },
                                if recorded { " The bridge also recorded it in its results file." } else { "" },
                                ms / 1000.0
                            )}
                        </p>
                    </div>
                }
                .into_any()
            }
            Outcome::Failed { what, err } => {
                let auth = err.code == "auth_failed";
                view! {
                    <div class="burn-failed" role="alert" data-code=err.code.clone()>
                        <p class="error">
                            <strong>{format!("{what} failed while {}: ", failed_step(&err.code))}</strong>
                            {err.message.clone()}
                        </p>
                        {auth.then(|| view! {
                            <p class="danger">
                                "Do NOT retry blindly: older Token2 tokens lock for good after a few failed authentications. "
                                "Check the customer key (Molto2) or the password (OATH key) first."
                            </p>
                        })}
                    </div>
                }
                .into_any()
            }
            Outcome::Synced(r) => view! {
                <div class="burn-ok">
                    <p class="ok">
                        {format!(
                            "Clock set on {} {}: it was {}; now it matches this computer.",
                            r.model,
                            r.serial,
                            drift_text(r.previous_token_time, r.new_token_time)
                        )}
                    </p>
                    {r.seed_cleared.then(|| view! {
                        <p class="danger">"The seed was cleared: the token shows dashes until you burn a seed again."</p>
                    })}
                    <ul class="notes">{r.warnings.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}</ul>
                </div>
            }
            .into_any(),
            Outcome::ConfirmSync(msg) => view! {
                <div class="burn-failed" role="alert">
                    <p class="danger">{format!("Careful: {msg}.")}</p>
                    <div class="row">
                        <button type="button" class="danger" data-testid="bridge-sync-confirm" on:click=move |_| sync(true)>
                            "Clear the seed and set the clock"
                        </button>
                        <button type="button" class="secondary" data-testid="bridge-sync-cancel" on:click=move |_| outcome.set(None)>
                            "Cancel"
                        </button>
                    </div>
                </div>
            }
            .into_any(),
        })
    };

    let connected = move || bridge.connection.get().is_some();
    let summary = move || {
        let o = params.otp.get();
        match device() {
            Some(d) => format!(
                "Burns the seed from 1 · Seed with {}, {} digits, {} s to the {} on “{}”.",
                o.algorithm.human(),
                o.digits,
                o.period,
                d.model,
                d.reader
            ),
            None => "Choose a reader with a device.".into(),
        }
    };

    view! {
        <section class="bridge" aria-labelledby="bridge-h">
            <h2 id="bridge-h">"Hardware bridge"</h2>
            <div data-testid="bridge-status" role="status" aria-live="polite" class="bridge-status">
                {status_view}
            </div>
            <Show when=move || !connected()>
                <form
                    class="bridge-connect"
                    novalidate=true
                    on:submit=move |ev| {
                        ev.prevent_default();
                        connect();
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
                            <input
                                id="bridge-code"
                                data-testid="bridge-code"
                                type="password"
                                autocomplete="off"
                                spellcheck="false"
                                placeholder="the code after #pair="
                                prop:value=move || code.get()
                                on:input=move |ev| code.set(event_target_value(&ev))
                            />
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
            </Show>
            <Show when=connected>
                <div class="row spread">
                    <h3 class="sub">"Readers"</h3>
                    <button type="button" class="secondary small" data-testid="bridge-refresh" on:click=move |_| refresh()>
                        "Refresh"
                    </button>
                </div>
                <ul class="bridge-readers" data-testid="bridge-readers" aria-label="Readers">
                    {readers_view}
                </ul>
                <Show when=move || connected() && bridge.readers.with(Vec::is_empty)>
                    <p class="muted">"No reader found: connect a reader or the token, then Refresh."</p>
                </Show>
                <Show when=move || kind() == Some(DeviceKind::Molto2)>
                    <div class="grid2">
                        <div class="field">
                            <label for="bridge-profile">"Molto2 profile slot"</label>
                            <input
                                id="bridge-profile"
                                data-testid="bridge-profile"
                                type="number"
                                min="0"
                                max=move || device().map_or(caps::largest_profile(), |d| molto2_model(&d).caps().max_profile().unwrap_or(0)).to_string()
                                inputmode="numeric"
                                prop:value=move || profile.get()
                                on:input=move |ev| profile.set(event_target_value(&ev))
                            />
                        </div>
                        <div class="field">
                            <label for="bridge-title">{move || format!("Title (up to {} bytes)", title_bytes())}</label>
                            <input
                                id="bridge-title"
                                data-testid="bridge-title"
                                type="text"
                                autocomplete="off"
                                maxlength=move || title_bytes().to_string()
                                placeholder=default_title
                                prop:value=move || title.get()
                                on:input=move |ev| title.set(event_target_value(&ev))
                            />
                        </div>
                    </div>
                </Show>
                <Show when=move || matches!(kind(), Some(DeviceKind::Molto2 | DeviceKind::Oath))>
                    <div class="field">
                        <label for="bridge-credential">
                            {move || if kind() == Some(DeviceKind::Oath) {
                                "OATH password (only if the key has one)"
                            } else {
                                "Molto2 customer key (empty: factory key)"
                            }}
                        </label>
                        <input
                            id="bridge-credential"
                            data-testid="bridge-credential"
                            type="password"
                            autocomplete="off"
                            spellcheck="false"
                            prop:value=move || credential.get()
                            on:input=move |ev| credential.set(event_target_value(&ev))
                        />
                    </div>
                </Show>
                <p class="muted" data-testid="bridge-summary">{summary}</p>
                <Show when=move || blocked() || (auth_failed_on.get().is_some() && auth_failed_on.get() == bridge.selected.get())>
                    <div class="field check">
                        <input
                            id="bridge-auth-ack"
                            data-testid="bridge-auth-ack"
                            type="checkbox"
                            prop:checked=move || auth_ack.get()
                            on:change=move |ev| auth_ack.set(event_target_checked(&ev))
                        />
                        <label for="bridge-auth-ack">
                            "Authentication failed on this token last time. I have checked the key or password: allow one more try."
                        </label>
                    </div>
                </Show>
                <div class="row burn-row">
                    <button
                        type="button"
                        class="burn"
                        data-testid="bridge-burn"
                        aria-describedby="bridge-result"
                        disabled=move || bridge.busy.get() || device().is_none() || blocked()
                        on:click=move |_| burn()
                    >
                        {move || if bridge.busy.get() {
                            progress.get()
                        } else {
                            match device() {
                                Some(d) if d.kind == DeviceKind::Molto2 => format!("Burn to {} profile {}", d.model, profile.get().trim()),
                                Some(d) => format!("Burn to {}", d.model),
                                None => "Burn".into(),
                            }
                        }}
                    </button>
                    <Show when=move || matches!(kind(), Some(DeviceKind::Token2 | DeviceKind::Molto2))>
                        <button
                            type="button"
                            class="secondary"
                            data-testid="bridge-sync"
                            disabled=move || bridge.busy.get()
                            on:click=move |_| sync(false)
                        >
                            "Set the token's clock"
                        </button>
                    </Show>
                </div>
                <Show when=move || bridge.busy.get()>
                    <progress class="burning" aria-label="Writing to the device"></progress>
                    <p class="muted">"Keep the token on the reader until this finishes."</p>
                </Show>
            </Show>
            <div id="bridge-result" data-testid="bridge-result" class="bridge-result" aria-live="polite">
                {outcome_view}
            </div>
        </section>
    }
}
