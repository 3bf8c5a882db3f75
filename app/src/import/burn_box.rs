//! Burning the kept accounts into consecutive Molto2 profiles through the hardware bridge
//! (connected in the bridge panel). Stops at the first failure: authentication is never
//! retried automatically.

use super::hand_off::preset_problem;
use super::state::{ImportState, Item};
use crate::bridge::client::{self, Bridge, Device, DeviceKind};
use crate::bridge::{molto2_model, request_model, unread_molto2, BridgeState};
use crate::params::RecordForm;
use leptos::prelude::*;
use leptos::task::spawn_local;
use tokensmith_core::caps::{self, Model};
use tokensmith_core::otpauth::Kind;

/// One line of the burn report.
#[derive(Clone)]
struct BurnLine {
    ok: bool,
    text: String,
}

/// The box's state: the bridge (from the bridge panel), the first profile, the report.
#[derive(Clone, Copy)]
struct Burner {
    imp: ImportState,
    bridge: Option<BridgeState>,
    first: RwSignal<u8>,
    running: RwSignal<bool>,
    results: RwSignal<Vec<BurnLine>>,
}

impl Burner {
    /// The Molto2 to burn: the reader chosen in the bridge panel if it holds one, else the
    /// first reader that does — read, or known by its name only (the bridge does not read a
    /// Molto2 while listing). (reader name, device if read)
    fn molto(self) -> Option<(String, Option<Device>)> {
        let b = self.bridge?;
        let sel = b.selected.get();
        b.readers.with(|rs| {
            let is_molto = |r: &&client::Reader| {
                unread_molto2(r)
                    || r.device
                        .as_ref()
                        .is_some_and(|d| d.kind == DeviceKind::Molto2)
            };
            rs.iter()
                .filter(is_molto)
                .find(|r| Some(&r.name) == sel.as_ref())
                .or_else(|| rs.iter().find(is_molto))
                .map(|r| (r.name.clone(), r.device.clone()))
        })
    }

    /// The Molto2 generation: as read, else what the target picker names (the device cannot
    /// tell; the Molto2's profiles exist on both).
    fn model(self) -> Model {
        match (self.molto(), self.bridge) {
            (Some((_, Some(d))), _) => molto2_model(&d),
            (_, Some(b)) => b.molto2.get(),
            _ => Model::Molto2,
        }
    }

    /// Why a kept account is skipped (it then takes no profile).
    fn skip_reason(model: Model, item: &Item) -> Option<String> {
        match item.kind {
            Kind::Hotp { .. } => Some("HOTP, not TOTP".to_string()),
            Kind::Totp => preset_problem(model, &item.params),
        }
    }

    /// Kept accounts the Molto2 can hold.
    fn burnable(self) -> usize {
        let model = self.model();
        self.imp.items.with(|v| {
            v.iter()
                .filter(|i| i.keep && Self::skip_reason(model, i).is_none())
                .count()
        })
    }

    fn range(self) -> (u32, u32) {
        let n = self.burnable() as u32;
        let f = u32::from(self.first.get());
        (f, f + n.saturating_sub(1))
    }

    /// Why the Burn button is off, if it is.
    fn blocked(self) -> Option<String> {
        let connected = self
            .bridge
            .is_some_and(|b| b.connection.with(Option::is_some));
        if !connected {
            return Some("Connect the hardware bridge first (hardware bridge panel): burning needs it running on this computer.".into());
        }
        if self.molto().is_none() {
            return Some("No Molto2 on the bridge's readers: insert or connect one and refresh the readers in the hardware bridge panel.".into());
        }
        let model = self.model();
        if self.burnable() == 0 {
            return Some(if self.imp.kept() == 0 {
                "No account is ticked to keep.".into()
            } else {
                format!("None of the kept accounts fits a {model}: each one's notes say why.")
            });
        }
        let max = u32::from(model.caps().max_profile().unwrap_or(0));
        let (_, last) = self.range();
        if last > max {
            return Some(format!(
                "This Molto2 has profiles 0–{max}: {} accounts starting at {} do not fit.",
                self.burnable(),
                self.first.get()
            ));
        }
        if self.bridge.is_some_and(|b| b.busy.get()) {
            return Some("The bridge is busy with another burn or clock sync.".into());
        }
        None
    }

    /// What will happen, when nothing blocks it.
    fn plan(self) -> String {
        let skipped = self.imp.kept() - self.burnable();
        let mut m = format!(
            "Each account goes into the next profile, titled with its issuer ({} bytes at most); a profile that already holds a seed is refused and stops the run (nothing is written to it).",
            self.model().caps().title_bytes.unwrap_or_default()
        );
        if skipped > 0 {
            m.push_str(&format!(
                " {skipped} kept account(s) a Molto2 cannot hold will be skipped."
            ));
        }
        m
    }

    fn start(self) {
        let Some(b) = self.bridge else {
            return;
        };
        let (Some(conn), Some((reader, _))) = (b.connection.get_untracked(), self.molto()) else {
            return;
        };
        let model = self.model();
        let items: Vec<Item> = self
            .imp
            .items
            .with_untracked(|v| v.iter().filter(|i| i.keep).cloned().collect());
        let start = self.first.get_untracked();
        self.running.set(true);
        b.busy.set(true);
        self.results.set(Vec::new());
        spawn_local(async move {
            // Skipped accounts take no profile: the burned ones stay consecutive.
            let mut profile = start;
            for item in &items {
                let push =
                    |ok: bool, text: String| self.results.update(|r| r.push(BurnLine { ok, text }));
                if let Some(p) = Self::skip_reason(model, item) {
                    push(
                        false,
                        format!("“{}”: skipped ({p}); it takes no profile.", item.label()),
                    );
                    continue;
                }
                let res = burn_one(&conn, &reader, model, item, profile).await;
                let ok = res.is_ok();
                push(ok, res.unwrap_or_else(|e| e));
                if !ok {
                    break;
                }
                profile = profile.saturating_add(1);
            }
            b.busy.set(false);
            self.running.set(false);
        });
    }
}

/// Burns one account into `profile`; the report line either way.
async fn burn_one(
    conn: &Bridge,
    reader: &str,
    model: Model,
    item: &Item,
    profile: u8,
) -> Result<String, String> {
    let label = item.label();
    let title = model
        .caps()
        .title_from(if item.issuer.trim().is_empty() {
            &item.account
        } else {
            &item.issuer
        })
        .unwrap_or_default();
    let req = client::BurnRequest {
        reader: Some(reader.to_string()),
        kind: Some(DeviceKind::Molto2),
        model: Some(request_model(model)),
        secret: client::SecretString::from(item.secret.to_base32().to_string()),
        algorithm: Some(item.params.algorithm),
        digits: Some(item.params.digits),
        period: Some(item.params.period),
        profile: Some(profile),
        title: (!title.is_empty()).then_some(title),
        ..client::BurnRequest::default()
    };
    match client::burn(conn, &req).await {
        Ok(r) => {
            let check = match r.verification {
                client::Verification::CompareWithDisplay { expected_code, .. } => {
                    format!("; it should show {expected_code} now")
                }
                _ => String::new(),
            };
            let name = r.name.map(|t| format!(" as “{t}”")).unwrap_or_default();
            Ok(format!(
                "Profile {profile} ← “{label}”: burned{name} on {} {}{check}.",
                r.model, r.serial
            ))
        }
        Err(e) => Err(format!(
            "Profile {profile} ← “{label}”: failed: {}. Stopped here; the remaining accounts were not burned.",
            e.message
        )),
    }
}

/// Burning the kept accounts into consecutive Molto2 profiles through the hardware bridge
/// (connected in the bridge panel). Stops at the first failure: authentication is never
/// retried automatically.
#[component]
pub(super) fn BurnBox(imp: ImportState, form: RecordForm) -> impl IntoView {
    let first = form
        .profile
        .get_untracked()
        .trim()
        .parse::<u8>()
        .unwrap_or(0);
    let burner = Burner {
        imp,
        bridge: use_context::<BridgeState>(),
        first: RwSignal::new(first),
        running: RwSignal::new(false),
        results: RwSignal::new(Vec::new()),
    };
    let Burner {
        first,
        running,
        results,
        ..
    } = burner;
    let max = move || {
        burner
            .molto()
            .and_then(|_| burner.model().caps().max_profile())
            .unwrap_or_else(caps::largest_profile)
            .to_string()
    };
    let label = move || {
        let (f, l) = burner.range();
        match burner.burnable() {
            n if n > 1 => format!("Burn {n} kept into Molto2 profiles {f}–{l}"),
            _ => format!("Burn into Molto2 profile {f}"),
        }
    };
    view! {
        <div class="burn-box">
            <div class="row">
                <div class="field">
                    <label for="import-first-profile">"First profile"</label>
                    <input
                        id="import-first-profile"
                        data-testid="import-first-profile"
                        type="number"
                        min="0"
                        max=max
                        inputmode="numeric"
                        prop:value=move || first.get().to_string()
                        on:input=move |ev| {
                            if let Ok(v) = event_target_value(&ev).trim().parse::<u8>() {
                                first.set(v);
                            }
                        }
                    />
                </div>
                <button
                    type="button"
                    data-testid="import-burn"
                    aria-describedby="import-burn-why"
                    disabled=move || burner.blocked().is_some() || running.get()
                    on:click=move |_| burner.start()
                >
                    {label}
                </button>
            </div>
            <p id="import-burn-why" class="muted" data-testid="import-burn-why">
                {move || burner.blocked().unwrap_or_else(|| burner.plan())}
            </p>
            <ul class="import-messages" data-testid="import-burn-results" role="status">
                {move || results.get().into_iter().map(|l| view! { <li class=if l.ok { "ok" } else { "error" }>{l.text}</li> }).collect_view()}
            </ul>
        </div>
    }
}
