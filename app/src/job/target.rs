//! Step 1, the token: how it is burned (the reader on this computer, the burner app on this
//! phone, another device), the bridge's readers, and the target model — set by the detected
//! device (one truth about it), or chosen by hand; Entra's manufacturer and model columns.

use super::{Job, Mode};
use crate::bridge::{self, client::DeviceKind};
use crate::browser;
use crate::params::{DeviceLock, TargetPicker};
use leptos::prelude::*;
use tokensmith_core::caps::{Family, Model};

impl Job {
    /// Keeps the target model (and serial) equal to the device on the selected reader.
    fn follow_device(self) {
        // The effect's value is the device it last followed (reader, serial): a new device
        // brings its serial, or clears the field for one that reports none.
        Effect::new(move |last: Option<Option<(String, String)>>| {
            let last = last.flatten();
            let dev = (self.mode.get() == Mode::Bridge)
                .then(|| self.panel.device())
                .flatten();
            if self.state.fixed.get_untracked() {
                // This token's seed is burned with these settings: they stay until Next token.
                return last;
            }
            let Some(d) = dev else {
                self.params.device.set(None);
                return None;
            };
            let key = (d.reader.clone(), d.serial.clone());
            // An OATH key of unknown maker says only that it is one; a Molto2 cannot tell its
            // generation: the admin picks it (the bridge reads it as that one).
            let (lock, fallback) = match d.kind {
                DeviceKind::Molto2 => {
                    (DeviceLock::Family(Family::Molto2), bridge::molto2_model(&d))
                }
                DeviceKind::Oath => bridge::model_of(d.kind, &d.model)
                    .map_or((DeviceLock::Family(Family::Oath), Model::OathKey), |m| {
                        (DeviceLock::Model(m), m)
                    }),
                DeviceKind::Token2 => bridge::model_of(d.kind, &d.model)
                    .map_or((DeviceLock::Family(Family::Token2), Model::C302), |m| {
                        (DeviceLock::Model(m), m)
                    }),
            };
            self.params.device.set(Some(lock));
            if !lock.allows(self.params.preset.get_untracked()) {
                self.params.apply_preset(fallback, self.form);
            }
            // A key that reports no serial: the admin types the one printed on it.
            if last.as_ref() != Some(&key) && self.form.serial.get_untracked() != d.serial {
                self.form.serial.set(d.serial.clone());
            }
            Some(key)
        });
    }
}

#[component]
fn ModeChoice(job: Job) -> impl IntoView {
    let option = move |m: Mode, id: &'static str, label: &'static str| {
        view! {
            <label class="choice" class:chosen=move || job.mode.get() == m>
                <input
                    type="radio"
                    name="burn-mode"
                    data-testid=id
                    prop:checked=move || job.mode.get() == m
                    disabled=move || job.state.fixed.get()
                    on:change=move |_| job.set_mode(m)
                />
                {label}
            </label>
        }
    };
    view! {
        <fieldset class="modes" data-testid="burn-mode">
            <legend>"Burn it with"</legend>
            {option(Mode::Bridge, "mode-bridge", "a reader on this computer")}
            {option(Mode::BurnerApp, "mode-app", "NFC Burner on this phone")}
            {option(Mode::OtherDevice, "mode-qr", "another device (QR code)")}
        </fieldset>
    }
}

/// One of Entra's two device columns (manufacturer, model), remembered for the next visit.
#[component]
fn EntraColumn(
    job: Job,
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    list: &'static str,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                data-testid=id
                type="text"
                autocomplete="off"
                spellcheck="false"
                list=list
                readonly=move || job.state.fixed.get()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                on:change=move |ev| browser::pref_set(id, &event_target_value(&ev))
            />
        </div>
    }
}

#[component]
pub fn TargetStep(job: Job) -> impl IntoView {
    job.follow_device();
    let form = job.form;
    let bridge_mode = move || job.mode.get() == Mode::Bridge;
    let details = RwSignal::new(false);
    view! {
        <ModeChoice job />
        <div hidden=move || !bridge_mode() class="bridge">
            <bridge::Connection panel=job.panel />
        </div>
        <div class="target-model">
            <TargetPicker params=job.params form=form details />
        </div>
        // Entra's columns show when asked for, or when one is empty (an OATH key of unknown
        // maker): the burn waits for them.
        <div
            class="grid2"
            id="target-details"
            hidden=move || {
                !details.get() && !form.manufacturer.with(|m| m.trim().is_empty())
                    && !form.model.with(|m| m.trim().is_empty())
            }
        >
            <EntraColumn job id="manufacturer" label="Manufacturer (Entra)" value=form.manufacturer list="manufacturers" />
            <EntraColumn job id="model" label="Model (Entra)" value=form.model list="models" />
        </div>
        <datalist id="manufacturers">
            {crate::inventory::record::manufacturers()
                .into_iter()
                .map(|m| view! { <option value=m></option> })
                .collect_view()}
        </datalist>
        <datalist id="models">
            {crate::presets::PRESETS
                .into_iter()
                .map(|m| m.caps().name)
                .filter(|name| !name.is_empty())
                .map(|name| view! { <option value=name></option> })
                .collect_view()}
        </datalist>
    }
}
