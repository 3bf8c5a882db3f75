//! Burning the job's seed and parameters to the selected device (Molto2 profile and title
//! from the job's user step), and its form: customer key or OATH password, the
//! acknowledgement after a failed authentication, the Burn button. A taken target (`occupied`)
//! is overwritten only when the user said so: to the job's question before the burn, or as a
//! second step after the bridge refused it — and then only the very target it refused.

use super::client::{
    self, ApiError, BurnRequest, BurnResult, Device, DeviceKind, OathType, SecretString,
};
use super::failure::{bad_input, Failure};
use super::outcome::Outcome;
use super::{
    makes_oath_keys, manufacturer_of, model_of, molto2_model, request_model, Burned, Panel,
};
use crate::checkbox::CheckBox;
use crate::secret_input::SecretInput;
use leptos::prelude::*;
use leptos::task::spawn_local;
use tokensmith_api::ErrorCode;
use tokensmith_core::caps::{self, Feature, Model};

/// What a burn writes to: the bridge refused it as taken, and an overwrite the user confirms
/// applies to this target only (not to one the form was changed to since).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BurnTarget {
    reader: Option<String>,
    profile: Option<u8>,
    issuer: Option<String>,
    account: Option<String>,
}

impl BurnTarget {
    fn of(req: &BurnRequest) -> BurnTarget {
        BurnTarget {
            reader: req.reader.clone(),
            profile: req.profile,
            issuer: req.issuer.clone(),
            account: req.account.clone(),
        }
    }

    /// The confirming button's text.
    pub(super) fn overwrite_label(&self) -> String {
        match (self.profile, &self.account) {
            (Some(p), _) => format!("Overwrite profile {p} (its old seed is lost)"),
            (None, Some(a)) => format!("Replace the account “{a}” (its old seed is lost)"),
            (None, None) => "Overwrite (the old seed is lost)".into(),
        }
    }
}

/// What the user agreed to overwrite if the target is taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Overwrite {
    /// Nothing: a taken target is refused by the bridge (then asked, as a second step).
    Nothing,
    /// The target the job asked about just now (a listed token burned again, an occupied
    /// Molto2 profile).
    Current,
    /// After a refusal: this target only.
    Only(BurnTarget),
}

/// Whether device `d` can replace what a slot or name holds: a Molto2 profile can; an OATH key
/// as core's capability table says (a Nitrokey 3 never does: delete the account first).
fn can_overwrite(d: &Device) -> bool {
    match d.kind {
        DeviceKind::Molto2 => true,
        DeviceKind::Token2 => false,
        DeviceKind::Oath => model_of(d.kind, &d.model)
            .is_some_and(|m| caps::check_feature(m, Feature::Overwrite, None).is_ok()),
    }
}

impl Panel {
    /// The Molto2 to burn to: as read (with the generation the target picker named), else
    /// the one the target picker names.
    fn molto2(self) -> Model {
        self.device()
            .map_or_else(|| self.bridge.molto2.get(), |d| molto2_model(&d))
    }

    /// The issuer (or account), cut to the Molto2's title.
    pub fn default_title(self) -> String {
        let issuer = self.params.issuer.get();
        let base = if issuer.trim().is_empty() {
            self.params.account.get()
        } else {
            issuer
        };
        self.molto2().caps().title_from(&base).unwrap_or_default()
    }

    /// Authentication failed on the selected reader and the user has not acknowledged it.
    pub(crate) fn blocked(self) -> bool {
        self.auth_failed_here() && !self.auth_ack.get()
    }

    /// The request for device `d`, or why it cannot be made (nothing is sent then).
    fn burn_request(self, d: &Device) -> Result<Option<BurnRequest>, ApiError> {
        if self.state.error.get_untracked().is_some() {
            return Err(bad_input(
                "the secret field holds an invalid secret: fix it or generate a new seed",
            ));
        }
        let Some(hex) = self
            .state
            .secret
            .with_untracked(|s| s.as_ref().map(|s| s.to_hex()))
        else {
            return Ok(None);
        };
        let otp = self.params.otp.get_untracked();
        // Only the trimmed copy is made; it goes into the request, which wipes it.
        let cred = self.credential.with_untracked(|c| c.trim().to_string());
        let cred = (!cred.is_empty()).then_some(cred);
        let mut req = BurnRequest {
            reader: Some(d.reader.clone()),
            secret: SecretString::from(format!("0x{}", hex.as_str())),
            algorithm: Some(otp.algorithm),
            digits: Some(otp.digits),
            period: Some(otp.period),
            ..BurnRequest::default()
        };
        let upn = self.form.upn.get_untracked().trim().to_string();
        req.upn = (!upn.is_empty()).then_some(upn.clone());
        // A key that reports no serial gets the one the admin typed (the bridge records it).
        let serial = self.form.serial.get_untracked().trim().to_string();
        if d.serial.is_empty() && !serial.is_empty() {
            req.serial = Some(serial);
        }
        match d.kind {
            DeviceKind::Token2 => req.seed_only = self.params.seed_only.get_untracked(),
            DeviceKind::Molto2 => {
                // The generation the device was read as (it cannot tell it itself).
                req.model = Some(request_model(molto2_model(d)));
                req.customer_key = cred.map(SecretString::from);
                let profile = self.form.profile.get_untracked().trim().parse::<u8>();
                req.profile = Some(profile.map_err(|_| {
                    bad_input(format!(
                        "the profile slot must be a number from 0 to {}",
                        molto2_model(d).caps().max_profile().unwrap_or(0)
                    ))
                })?);
                let t = self.form.title.get_untracked();
                req.title = Some(if t.trim().is_empty() {
                    self.default_title()
                } else {
                    t.trim().to_string()
                });
            }
            DeviceKind::Oath => {
                req.password = cred.map(SecretString::from);
                req.touch = self.params.touch.get_untracked();
                if self.params.hotp.get_untracked() {
                    // An HOTP credential counts: it has no period (the bridge refuses one).
                    req.oath_type = Some(OathType::Hotp);
                    req.period = None;
                    req.counter = Some(self.params.counter.get_untracked());
                }
                let account = self.params.account.get_untracked().trim().to_string();
                req.account =
                    Some(if account.is_empty() { upn } else { account }).filter(|a| !a.is_empty());
                let issuer = self.params.issuer.get_untracked().trim().to_string();
                req.issuer = (!issuer.is_empty()).then_some(issuer);
            }
        }
        Ok(Some(req))
    }

    /// The token record gets what the device reported; the form is ready for the next slot.
    fn burned(self, r: &BurnResult) {
        let form = self.form;
        form.serial.set(r.serial.clone());
        let maker = manufacturer_of(r.kind, &r.model);
        if let Some(m) = maker {
            form.manufacturer.set(m.into());
        }
        // An OATH applet reports only its version: keep the model of a chosen
        // YubiKey/Nitrokey target then.
        let generic = r.kind == DeviceKind::Oath
            && maker.is_none()
            && makes_oath_keys(form.manufacturer.get_untracked().trim());
        if !generic {
            form.model.set(r.model.clone());
            if maker.is_none() {
                // Unknown maker: an empty field (flagged by the record checks) is
                // better than a wrong one left from another target.
                form.manufacturer.set(String::new());
            }
        }
        match r.profile {
            Some(p) => form.profile.set(p.to_string()),
            None => form.profile.set(String::new()),
        }
    }

    /// After the bridge refused a taken target: overwrite that one (the user's second step).
    pub(super) fn overwrite(self, target: BurnTarget) {
        self.burn(Overwrite::Only(target));
    }

    /// Burns the job's seed to the selected device (the job has checked everything first and
    /// asked what it had to: `overwrite` says what the user agreed to overwrite).
    pub fn burn(self, overwrite: Overwrite) {
        let (Some(b), Some(d)) = (self.bridge.connection.get_untracked(), self.device()) else {
            return;
        };
        // What is burned is what gets recorded, whatever happens to the fields meanwhile.
        let Some(secret) = self.state.secret.get_untracked() else {
            return;
        };
        let otp = self.params.otp.get_untracked();
        let kind = self.params.kind_untracked();
        let req = self.burn_request(&d).and_then(|req| match (req, overwrite) {
            (Some(mut req), Overwrite::Only(agreed)) => {
                if BurnTarget::of(&req) != agreed {
                    return Err(bad_input(
                        "the reader, profile or account changed since you agreed to overwrite: press Burn again to check the new target",
                    ));
                }
                req.overwrite = true;
                Ok(Some(req))
            }
            (Some(mut req), Overwrite::Current) => {
                req.overwrite = can_overwrite(&d);
                Ok(Some(req))
            }
            (req, _) => Ok(req),
        });
        let req = match req {
            Ok(Some(req)) => req,
            Ok(None) => return,
            Err(err) => {
                return self
                    .outcome
                    .set(Some(Outcome::Failed { what: "Burn", err }))
            }
        };
        let target = BurnTarget::of(&req);
        self.progress.set(match d.kind {
            DeviceKind::Token2 if req.seed_only => {
                "Burning… authenticate, seed (settings and clock kept)".into()
            }
            DeviceKind::Token2 => "Burning… authenticate, config (clock), seed".into(),
            DeviceKind::Molto2 => format!(
                "Burning profile {}… check it is empty, seed, title, config, read back",
                req.profile.unwrap_or_default()
            ),
            DeviceKind::Oath if req.oath_type == Some(OathType::Hotp) => {
                "Burning… put the HOTP credential (no code is read: that would use one up)".into()
            }
            DeviceKind::Oath => "Burning… put the credential, verify its code".into(),
        });
        self.bridge.busy.set(true);
        self.outcome.set(None);
        spawn_local(async move {
            let started = js_sys::Date::now();
            let res = client::burn(&b, &req).await;
            let ms = js_sys::Date::now() - started;
            drop(req);
            self.bridge.busy.set(false);
            match res {
                Ok(r) => {
                    self.auth_failed_on.set(None);
                    self.auth_ack.set(false);
                    self.burned(&r);
                    self.outcome
                        .set(Some(Outcome::Burned(Box::new(r.clone()), ms)));
                    self.on_burned.run(Burned {
                        result: r,
                        secret,
                        otp,
                        kind,
                    });
                    // The burn set the token's clock (and a profile): show the new state.
                    self.refresh();
                }
                Err(e) if Failure::of(&e) == ErrorCode::Occupied && can_overwrite(&d) => self
                    .outcome
                    .set(Some(Outcome::ConfirmOverwrite(e.message, target))),
                Err(e) => {
                    self.lost(&b, &e);
                    if Failure::of(&e) == ErrorCode::AuthFailed {
                        self.auth_failed(d.reader.clone());
                    }
                    self.outcome.set(Some(Outcome::Failed {
                        what: "Burn",
                        err: e,
                    }));
                }
            }
        });
    }
}

#[component]
fn CredentialField(panel: Panel) -> impl IntoView {
    let credential = panel.credential;
    view! {
        <div class="field">
            <label for="bridge-credential">
                {move || if panel.kind() == Some(DeviceKind::Oath) {
                    "OATH password (only if the key has one)"
                } else {
                    "Molto2 customer key (empty: factory key)"
                }}
            </label>
            <SecretInput id="bridge-credential".to_string() value=credential />
        </div>
    }
}

#[component]
fn BurnButton(panel: Panel, on_burn: Callback<()>, ready: Signal<bool>) -> impl IntoView {
    let Panel {
        bridge,
        progress,
        form,
        ..
    } = panel;
    let label = move || {
        if bridge.busy.get() {
            return progress.get();
        }
        match panel.device() {
            Some(d) if d.kind == DeviceKind::Molto2 => {
                format!("Burn to {} profile {}", d.model, form.profile.get().trim())
            }
            Some(d) if d.kind == DeviceKind::Oath => format!("Burn to the OATH key {}", d.serial),
            Some(d) if panel.params.seed_only.get() => {
                format!("Burn the seed only to {} {}", d.model, d.serial)
            }
            Some(d) => format!("Burn to {} {}", d.model, d.serial),
            None => "Burn".into(),
        }
    };
    view! {
        <div class="row burn-row">
            <button
                type="button"
                class="burn"
                id="burn"
                data-testid="bridge-burn"
                aria-describedby="burn-why bridge-result"
                disabled=move || {
                    bridge.busy.get() || panel.device().is_none() || panel.blocked() || !ready.get()
                }
                on:click=move |_| on_burn.run(())
            >
                {label}
            </button>
        </div>
    }
}

#[component]
pub(super) fn BurnForm(panel: Panel, on_burn: Callback<()>, ready: Signal<bool>) -> impl IntoView {
    let Panel {
        bridge,
        params,
        auth_ack,
        ..
    } = panel;
    let kind = move || panel.kind();
    let summary = move || {
        let o = params.otp.get();
        match panel.device() {
            Some(d) if d.kind == DeviceKind::Token2 && params.seed_only.get() => format!(
                "Burns only the seed of step 3 to the {} on “{}”: it keeps its settings and clock (recorded as {}, {} s).",
                d.model,
                d.reader,
                o.algorithm.human(),
                o.period
            ),
            Some(d) if d.kind == DeviceKind::Oath && params.hotp.get() => format!(
                "Stores the seed of step 3 as an HOTP credential ({}, {} digits, counter {}) on the {} on “{}”. No code is read back: that would use one up.",
                o.algorithm.human(),
                o.digits,
                params.counter.get(),
                d.model,
                d.reader
            ),
            Some(d) => format!(
                "Burns the seed of step 3 with {}, {} digits, {} s to the {} on “{}”.",
                o.algorithm.human(),
                o.digits,
                o.period,
                d.model,
                d.reader
            ),
            None => "Choose a reader with a device.".into(),
        }
    };
    let failed_here = move || panel.auth_failed_here();
    view! {
        <Show when=move || matches!(kind(), Some(DeviceKind::Molto2 | DeviceKind::Oath))>
            <CredentialField panel />
        </Show>
        <p class="muted" data-testid="bridge-summary">{summary}</p>
        <Show when=failed_here>
            <CheckBox id="bridge-auth-ack" value=auth_ack>
                "Authentication failed on this token last time. I have checked the key or password: allow one more try."
            </CheckBox>
        </Show>
        <BurnButton panel on_burn ready />
        <Show when=move || bridge.busy.get()>
            <progress class="burning" aria-label="Writing to the device"></progress>
            <p class="muted">"Keep the token on the reader until this finishes."</p>
            <CancelBurn bridge />
        </Show>
    }
}

/// Stops a burn that waits on a token that stopped answering. The burn's own answer then
/// says what the journal says the token may hold; this only says whether anything was waiting.
#[component]
fn CancelBurn(bridge: super::BridgeState) -> impl IntoView {
    let note = RwSignal::new(None::<String>);
    let asked = RwSignal::new(false);
    let cancel = move |_| {
        let Some(b) = bridge.connection.get_untracked() else {
            return;
        };
        asked.set(true);
        spawn_local(async move {
            note.set(match client::cancel(&b).await {
                Ok(true) => None,
                Ok(false) => Some("Nothing was waiting on a token: the burn is finishing.".into()),
                Err(e) => Some(format!("Could not cancel: {}", e.message)),
            });
        });
    };
    view! {
        <div class="row">
            <button
                type="button"
                data-testid="bridge-cancel"
                disabled=move || asked.get() && note.get().is_none()
                on:click=cancel
            >
                {move || if asked.get() && note.get().is_none() { "Cancelling…" } else { "Cancel" }}
            </button>
            <span class="muted" data-testid="bridge-cancel-note">{move || note.get()}</span>
        </div>
    }
}
