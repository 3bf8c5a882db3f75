//! The hardware bridge: finds `hardware-bridge serve`, lists readers and the device on each
//! (step 1 of the job), burns the job's seed and parameters to the selected one (step 4; the
//! job records the row from what the bridge reports), reads a Molto2's profiles, and sets a
//! token's clock.
//!
//! Finding the bridge: a page served by the bridge (`http://127.0.0.1:PORT/#pair=…`) reads the
//! pairing secret from the fragment, removes it from the address bar and connects at once. A
//! `file://` or intranet page makes no request until the user presses "Connect to bridge"
//! (a fetch to a closed port is logged as a console error). The pairing secret is kept in memory
//! only.
//!
//! The parts: `origin` (where the bridge is), `connect` (status line, connect form, the
//! connection), `readers` (the reader list), `burn` and `sync` (the two operations and their
//! form), `molto2` (the profiles' occupancy), `outcome` (what the last one did). They share
//! one [`Panel`], made once for the page.

// The client is also the API other panels use (import → Molto2 profiles, the Device tool).
pub mod client;

mod burn;
mod connect;
pub(crate) mod failure;
mod molto2;
mod origin;
mod outcome;
mod readers;
mod sync;

use crate::params::{ParamsState, RecordForm};
use crate::seed::SecretState;
use client::{Bridge, BurnResult, DeviceKind, Reader};
use connect::{ConnectForm, Status, StatusView};
use leptos::prelude::*;
use origin::{PageOrigin, DEFAULT_PORT};
use outcome::Outcome;
use tokensmith_core::caps::{Family, Model};
use tokensmith_core::otp::OtpParams;
use tokensmith_core::secret::Secret;
use zeroize::Zeroizing;

pub use burn::Overwrite;
pub use molto2::ProfileMap;
pub use outcome::grouped;
pub(crate) use outcome::FailedView;

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
    /// The profiles of the selected Molto2 (reader name, profiles), when read.
    pub profiles: RwSignal<Option<(String, Vec<client::Profile>)>>,
    /// Which Molto2 the user said it is (the device cannot tell): the target picker's Molto2
    /// or Molto2v2, else the Molto2 (v1), whose profiles exist on both.
    pub molto2: RwSignal<Model>,
}

impl BridgeState {
    pub fn new() -> Self {
        BridgeState {
            connection: RwSignal::new(None),
            readers: RwSignal::new(Vec::new()),
            selected: RwSignal::new(None),
            busy: RwSignal::new(false),
            profiles: RwSignal::new(None),
            molto2: RwSignal::new(Model::Molto2),
        }
    }

    /// The Molto2 generation to name in a request about a Molto2.
    pub fn molto2_request_model(&self) -> Option<client::Molto2Model> {
        Some(request_model(self.molto2.get_untracked()))
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

/// The API's name of a Molto2 generation of core's table (what a request says it is).
pub fn request_model(m: Model) -> client::Molto2Model {
    match m {
        Model::Molto2v2 => client::Molto2Model::Molto2v2,
        _ => client::Molto2Model::Molto2,
    }
}

/// A reader the bridge names a Molto2 by its name but did not read (it never connects to one
/// while listing): the page reads it when the user chooses it.
pub fn unread_molto2(r: &Reader) -> bool {
    r.device.is_none() && r.kind == Some(DeviceKind::Molto2) && !r.busy
}

/// The capabilities of a Molto2 the bridge found: by its profile count, else the smaller
/// generation (never offer a profile that may not exist).
pub fn molto2_model(d: &client::Device) -> Model {
    d.profiles
        .and_then(Model::molto2_with)
        .unwrap_or(Model::Molto2)
}

/// The capability table's model for a device the bridge reported, where its name says which.
pub fn model_of(kind: DeviceKind, model: &str) -> Option<Model> {
    let m = model.parse::<Model>().ok();
    match kind {
        DeviceKind::Molto2 => m.or(Some(Model::Molto2)),
        _ => m,
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

/// What a successful burn wrote: the bridge's report, and the seed and settings sent (the
/// job records exactly these).
pub struct Burned {
    pub result: BurnResult,
    pub secret: Secret,
    pub otp: OtpParams,
    /// TOTP, or HOTP from the counter sent.
    pub kind: tokensmith_core::otpauth::Kind,
}

/// The bridge's state for this page, shared by its parts (every field is a signal or a
/// callback: the struct is `Copy`).
#[derive(Clone, Copy)]
pub struct Panel {
    bridge: BridgeState,
    state: SecretState,
    params: ParamsState,
    form: RecordForm,
    origin: StoredValue<PageOrigin>,
    status: RwSignal<Status>,
    port: RwSignal<String>,
    /// The pairing code as typed or pasted (wiped when replaced).
    code: RwSignal<Zeroizing<String>>,
    /// Molto2 customer key or OATH password (wiped when replaced; kept for the next burn).
    credential: RwSignal<Zeroizing<String>>,
    /// The burn button's text while the bridge works.
    progress: RwSignal<String>,
    outcome: RwSignal<Option<Outcome>>,
    /// The reader whose authentication failed last: burning there needs an acknowledgement.
    auth_failed_on: RwSignal<Option<String>>,
    auth_ack: RwSignal<bool>,
    /// The job records the row of every successful burn.
    on_burned: Callback<Burned>,
}

impl Panel {
    /// The bridge for this page; connects at once when the page was served by the bridge
    /// (pairing secret in the URL fragment).
    pub fn new(
        bridge: BridgeState,
        state: SecretState,
        params: ParamsState,
        form: RecordForm,
        on_burned: Callback<Burned>,
    ) -> Panel {
        let (origin, pair) = origin::page_origin();
        let port = match origin {
            PageOrigin::Bridge => window()
                .location()
                .port()
                .ok()
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| DEFAULT_PORT.to_string()),
            _ => DEFAULT_PORT.to_string(),
        };
        let panel = Panel {
            bridge,
            state,
            params,
            form,
            origin: StoredValue::new(origin),
            status: RwSignal::new(Status::Idle),
            port: RwSignal::new(port),
            code: RwSignal::new(Zeroizing::default()),
            credential: RwSignal::new(Zeroizing::default()),
            progress: RwSignal::new(String::new()),
            outcome: RwSignal::new(None),
            auth_failed_on: RwSignal::new(None),
            auth_ack: RwSignal::new(false),
            on_burned,
        };
        // The target picker says which Molto2 it is (the device cannot tell): a Molto2 on the
        // selected reader is read again as that one (its profiles follow).
        Effect::new(move |_| {
            let m = params.preset.get();
            if m.caps().family != Family::Molto2 {
                return;
            }
            bridge.molto2.set(m);
            let stale = untrack(|| panel.device())
                .filter(|d| d.kind == DeviceKind::Molto2 && molto2_model(d) != m);
            if let Some(d) = stale {
                panel.read_molto2(d.reader);
            }
        });
        // Served by the bridge: connect at once (same origin, no console noise if it is gone).
        if let Some(pair) = pair {
            panel.connect_to(client::Bridge::same_origin(&pair));
        }
        panel
    }

    /// The device on the selected reader.
    pub fn device(&self) -> Option<client::Device> {
        self.bridge.selected_device()
    }

    fn kind(&self) -> Option<DeviceKind> {
        self.device().map(|d| d.kind)
    }

    pub fn connected(&self) -> bool {
        self.bridge.connection.with(Option::is_some)
    }

    /// The page was served by the bridge (the bridge is the natural way to burn).
    pub fn served_by_bridge(&self) -> bool {
        self.origin.with_value(|o| *o == PageOrigin::Bridge)
    }

    /// Forgets the last burn's report (the next token starts clean).
    pub fn clear_outcome(&self) {
        self.outcome.set(None);
    }

    /// The connection and what it found.
    pub fn state(&self) -> BridgeState {
        self.bridge
    }

    /// The customer key or OATH password of the device on the chosen reader: one field's
    /// value for the burn and the Device tool (wiped when replaced).
    pub fn credential(&self) -> RwSignal<Zeroizing<String>> {
        self.credential
    }

    /// The user acknowledged the failed authentication on the chosen reader (one more try).
    pub fn auth_ack(&self) -> RwSignal<bool> {
        self.auth_ack
    }

    /// Authentication failed on the chosen reader last time (acknowledged or not).
    pub fn auth_failed_here(&self) -> bool {
        let sel = self.bridge.selected.get();
        sel.is_some() && self.auth_failed_on.get() == sel
    }

    /// Authentication failed on `reader`: the next attempt there waits for an acknowledgement
    /// (nothing is ever retried; a Molto2 locks after a few).
    pub fn auth_failed(&self, reader: String) {
        self.auth_failed_on.set(Some(reader));
        self.auth_ack.set(false);
    }
}

/// Step 1's part: the connection (status, connect form) and the readers with their devices.
#[component]
pub fn Connection(panel: Panel) -> impl IntoView {
    view! {
        <div data-testid="bridge-status" role="status" aria-live="polite" class="bridge-status">
            <StatusView panel />
        </div>
        <Show when=move || !panel.connected()>
            <ConnectForm panel />
        </Show>
        <Show when=move || panel.connected()>
            <readers::ReaderList panel />
        </Show>
        <div data-testid="bridge-sync-result" class="bridge-result" aria-live="polite">
            <outcome::OutcomeView panel reader=true />
        </div>
    }
}

/// Step 4's part: the credential, Burn (`on_burn`: the job checks first), progress and result.
#[component]
pub fn BurnControls(panel: Panel, on_burn: Callback<()>, ready: Signal<bool>) -> impl IntoView {
    view! {
        <Show when=move || panel.connected()>
            <burn::BurnForm panel on_burn ready />
        </Show>
        <div id="bridge-result" data-testid="bridge-result" class="bridge-result" aria-live="polite">
            <outcome::OutcomeView panel reader=false />
        </div>
    }
}
