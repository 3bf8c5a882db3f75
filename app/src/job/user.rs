//! Step 2, the user: the token's serial (read from the device, or typed), the UPN, the
//! account name an OATH key stores, a Molto2's one profile field (with the profiles in use)
//! and title, the display name. Asked before the burn; once the token is recorded, UPN and
//! display name edit its row.

use super::{Job, Mode};
use crate::bridge::{self, client::DeviceKind};
use crate::browser;
use crate::params::AccountField;
use leptos::html;
use leptos::prelude::*;
use tokensmith_core::caps::{self, Account};
use tokensmith_core::entra::Field;

impl Job {
    /// A problem of the last attempt belongs to this field.
    fn marked(self, field: Field) -> bool {
        self.inv
            .form_issues
            .with(|v| v.iter().any(|(g, _)| *g == Some(field)))
    }

    /// The UPN or display name changed: the linked row follows.
    fn edit_row(self, f: impl FnOnce(&mut tokensmith_core::entra::TokenRecord)) {
        if let Some(id) = self.row.get_untracked() {
            self.inv.edit(id, f);
        }
    }

    /// Where Enter in step 2 goes: the step's primary action.
    fn primary(self) -> &'static str {
        match self.mode.get_untracked() {
            Mode::Bridge => "burn",
            Mode::BurnerApp => "copy-secret",
            Mode::OtherDevice => "show-qr",
        }
    }
}

#[component]
fn SerialField(job: Job) -> impl IntoView {
    let from_device = move || {
        job.mode.get() == Mode::Bridge && job.panel.device().is_some_and(|d| !d.serial.is_empty())
    };
    view! {
        <div class="field">
            <label for="serial">
                {move || if from_device() { "Serial (read from the token)" } else { "Serial number (printed on the token)" }}
            </label>
            <input
                id="serial"
                data-testid="serial"
                type="text"
                autocomplete="off"
                spellcheck="false"
                inputmode="text"
                readonly=move || from_device() || job.state.fixed.get()
                aria-invalid=move || job.marked(Field::Serial).to_string()
                aria-describedby="record-issues"
                prop:value=move || job.form.serial.get()
                on:input=move |ev| job.form.serial.set(event_target_value(&ev))
                on:change=move |ev| browser::pref_set("serial", &event_target_value(&ev))
            />
        </div>
    }
}

/// The one profile field of a multi-profile token (hidden, and off, for the others).
#[component]
fn ProfileField(job: Job) -> impl IntoView {
    let caps = move || job.params.preset.get().caps();
    let multi = move || caps().profiles.is_some();
    let on_molto2 = move || {
        job.mode.get() == Mode::Bridge
            && job
                .panel
                .device()
                .is_some_and(|d| d.kind == DeviceKind::Molto2)
    };
    let title_bytes = move || caps().title_bytes.unwrap_or_default();
    view! {
        <div class="grid2" hidden=move || !multi()>
            <div class="field">
                <label for="profile">
                    {move || format!("Profile (0–{})", caps().max_profile().unwrap_or(0))}
                </label>
                <input
                    id="profile"
                    data-testid="profile"
                    type="number"
                    min="0"
                    max=move || caps().max_profile().unwrap_or_else(caps::largest_profile).to_string()
                    inputmode="numeric"
                    disabled=move || !multi() || job.state.fixed.get()
                    aria-invalid=move || job.marked(Field::Profile).to_string()
                    aria-describedby="record-issues"
                    prop:value=move || job.form.profile.get()
                    on:input=move |ev| job.form.profile.set(event_target_value(&ev))
                />
            </div>
            <div class="field">
                <label for="bridge-title">{move || format!("Title on the token (up to {} bytes)", title_bytes())}</label>
                <input
                    id="bridge-title"
                    data-testid="bridge-title"
                    type="text"
                    autocomplete="off"
                    maxlength=move || title_bytes().to_string()
                    disabled=move || !multi() || job.state.fixed.get()
                    placeholder=move || job.panel.default_title()
                    prop:value=move || job.form.title.get()
                    on:input=move |ev| job.form.title.set(event_target_value(&ev))
                />
            </div>
        </div>
        <Show when=on_molto2>
            <bridge::ProfileMap panel=job.panel />
        </Show>
    }
}

#[component]
pub fn UserStep(job: Job) -> impl IntoView {
    let form = job.form;
    let upn_ref: NodeRef<html::Input> = NodeRef::new();
    let oath = move || job.params.preset.get().caps().account == Account::Required;
    view! {
        <form
            novalidate=true
            on:submit=move |ev| {
                ev.prevent_default();
                super::focus(job.primary());
            }
        >
            <SerialField job />
            <ProfileField job />
            <div class="field">
                <label for="upn">"User (UPN)"</label>
                <input
                    id="upn"
                    data-testid="upn"
                    node_ref=upn_ref
                    type="email"
                    autocomplete="off"
                    spellcheck="false"
                    placeholder="name@contoso.com"
                    aria-invalid=move || job.marked(Field::Upn).to_string()
                    aria-describedby="record-issues"
                    prop:value=move || form.upn.get()
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        form.upn.set(v.clone());
                        job.edit_row(|r| r.upn = v.trim().to_string());
                    }
                />
            </div>
            <Show when=oath>
                <AccountField params=job.params required=true />
            </Show>
            <div class="field">
                <label for="display-name">"Display name (Graph only, optional)"</label>
                <input
                    id="display-name"
                    data-testid="display-name"
                    type="text"
                    autocomplete="off"
                    prop:value=move || form.display_name.get()
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        form.display_name.set(v.clone());
                        let v = v.trim().to_string();
                        job.edit_row(|r| r.display_name = (!v.is_empty()).then_some(v));
                    }
                />
            </div>
            <ul id="record-issues" class="issues" data-testid="record-issues" role="alert">
                {move || job.inv.form_issues.get().into_iter().map(|(_, m)| view! { <li>{m}</li> }).collect_view()}
            </ul>
            // Enter in a field moves on to the step's action (a form needs a submit button).
            <button type="submit" class="sr-only" tabindex="-1">"Continue"</button>
        </form>
    }
}
