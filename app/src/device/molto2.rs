//! A Molto2 in the Device tool: every profile (number, title, in use or empty, settings) with
//! its title and delete, and the device's customer key, screen lock and factory reset — each
//! of those three waits for ▲ on the device, which the answer says prominently.

use super::{ConfirmRow, Manage, NewSecret, NewSecretFields, Note};
use crate::bridge::client::{
    self, endpoint, ChangeKeyRequest, Confirmation, Device, FactoryResetRequest, Molto2Action,
    Profile, ProfileDeleteRequest, ProfileTitleRequest, ScreenRequest,
};
use crate::bridge::{self, molto2_model};
use crate::checkbox::CheckBox;
use leptos::prelude::*;
use leptos::task::spawn_local;
use tokensmith_core::caps::{self, Model};
use zeroize::Zeroizing;

/// What the user opened on one profile's row.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    Title(u8),
    Delete(u8),
}

fn profile_name(p: &Profile) -> String {
    match p.title.trim() {
        "" => format!("profile {}", p.profile),
        t => format!("profile {} “{t}”", p.profile),
    }
}

/// The answer to a command that may wait for ▲.
fn action_note(a: Molto2Action) -> Option<Note> {
    Some(match a.confirmation {
        Confirmation::PressButton => Note::Press(a.message),
        Confirmation::Done => Note::Done(a.message),
    })
}

impl Manage {
    fn model(self) -> Model {
        self.device().map_or(Model::Molto2, |d| molto2_model(&d))
    }

    /// Reads every profile (public data, no key) into the bridge's state, which the job's
    /// profile map shows too.
    fn load_profiles(self, failed: RwSignal<Option<String>>) {
        let (Some(b), Some(d)) = (self.panel.state().connection.get_untracked(), self.device())
        else {
            return;
        };
        let profiles = self.panel.state().profiles;
        spawn_local(async move {
            let model = bridge::request_model(molto2_model(&d));
            match client::profiles(&b, &d.reader, model).await {
                Ok(list) => {
                    failed.set(None);
                    profiles.set(Some((d.reader.clone(), list)));
                }
                Err(e) => failed.set(Some(e.message)),
            }
        });
    }

    fn profiles_of(self, d: &Device) -> Option<Vec<Profile>> {
        self.panel.state().profiles.with(|p| {
            p.as_ref()
                .filter(|(r, _)| *r == d.reader)
                .map(|(_, l)| l.clone())
        })
    }

    fn set_title(self, profile: u8, title: String) {
        let Some(d) = self.device() else { return };
        let what = "Setting the title";
        if title.is_empty() {
            return self.refuse(what, "type a title (1 to 12 bytes)");
        }
        let params = caps::Params {
            profile: Some(profile),
            title: Some(&title),
            ..caps::Params::default()
        };
        if let Err(refusals) = caps::check(self.model(), &params) {
            let why: Vec<String> = refusals.iter().map(ToString::to_string).collect();
            return self.refuse(what, why.join("; "));
        }
        let (reader, kind, model) = Manage::address(&d);
        let req = ProfileTitleRequest {
            reader,
            kind,
            model,
            profile,
            title: title.clone(),
            customer_key: self.credential(),
        };
        self.run::<endpoint::SetProfileTitle>(
            what,
            format!("Writing the title of profile {profile}… authenticate, title"),
            req,
            move |_| {
                Some(Note::Done(format!(
                    "Profile {profile} is titled “{title}” now."
                )))
            },
        );
    }

    fn delete_profile(self, p: &Profile) {
        let Some(d) = self.device() else { return };
        let (reader, kind, model) = Manage::address(&d);
        let name = profile_name(p);
        let req = ProfileDeleteRequest {
            reader,
            kind,
            model,
            profile: p.profile,
        };
        self.run::<endpoint::DeleteProfile>(
            "Deleting the profile",
            format!("Deleting the seed of {name}…"),
            req,
            move |_| {
                Some(Note::Done(format!(
                    "The seed of {name} is deleted: the profile is empty (its title stays)."
                )))
            },
        );
    }

    fn change_key(self, new_key: NewSecret) {
        let Some(d) = self.device() else { return };
        let what = "Changing the customer key";
        let key = match new_key.take("customer key") {
            Ok(k) => k,
            Err(why) => return self.refuse(what, why),
        };
        let (reader, kind, model) = Manage::address(&d);
        let req = ChangeKeyRequest {
            reader,
            kind,
            model,
            customer_key: self.credential(),
            new_customer_key: client::SecretString::from(key.to_string()),
        };
        let credential = self.panel.credential();
        self.run::<endpoint::ChangeMolto2Key>(
            what,
            "Changing the customer key… authenticate with the current key",
            req,
            move |a| {
                // From the press of ▲ on, only the new key opens it: the field (the burn's
                // too) holds the new one.
                credential.set(key);
                action_note(Molto2Action {
                    message: format!(
                        "{} (the customer key field holds the new key now)",
                        a.message
                    ),
                    ..a
                })
            },
        );
    }

    fn screen(self, locked: bool) {
        let Some(d) = self.device() else { return };
        let (reader, kind, model) = Manage::address(&d);
        let req = ScreenRequest {
            reader,
            kind,
            model,
            locked,
        };
        let doing = if locked { "Locking" } else { "Unlocking" };
        self.run::<endpoint::Molto2Screen>(
            if locked {
                "Locking the screen"
            } else {
                "Unlocking the screen"
            },
            format!("{doing} the screen…"),
            req,
            action_note,
        );
    }

    fn factory_reset(self) {
        let Some(d) = self.device() else { return };
        let (reader, kind, model) = Manage::address(&d);
        let req = FactoryResetRequest {
            reader,
            kind,
            model,
            confirm: true,
        };
        let credential = self.panel.credential();
        self.run::<endpoint::ResetMolto2>(
            "The factory reset",
            "Sending the factory reset…",
            req,
            move |a| {
                // The factory key opens it after the press: an empty field means that one.
                credential.set(Zeroizing::default());
                action_note(a)
            },
        );
    }
}

/// One profile's row, and below it the title form or the delete confirmation when open.
#[component]
fn ProfileRow(m: Manage, p: Profile, open: RwSignal<Option<Open>>) -> impl IntoView {
    let n = p.profile;
    let settings = match (p.algorithm, p.digits, p.period) {
        (Some(a), Some(d), Some(s)) => format!("{} · {d} digits · {s} s", a.human()),
        _ => String::new(),
    };
    let title = RwSignal::new(p.title.trim().to_string());
    let name = profile_name(&p);
    let used = p.seed_present;
    let toggle = move |o: Open| open.update(|x| *x = if *x == Some(o) { None } else { Some(o) });
    let state = if used { "occupied" } else { "empty" };
    let p2 = p.clone();
    view! {
        <tr data-profile=n.to_string() data-state=state>
            <td class="num">{n}</td>
            <td class="title">{if p.title.trim().is_empty() { "—".to_string() } else { p.title.trim().to_string() }}</td>
            <td class=if used { "used" } else { "muted" }>{if used { "in use" } else { "empty" }}</td>
            <td class="wide-only muted">{settings}</td>
            <td class="actions">
                <button type="button" class="secondary small" data-testid="profile-title"
                    disabled=move || m.blocked() aria-expanded=move || (open.get() == Some(Open::Title(n))).to_string()
                    on:click=move |_| toggle(Open::Title(n))>"Title"</button>
                {used.then(|| view! {
                    <button type="button" class="secondary small" data-testid="profile-delete"
                        disabled=move || m.busy() aria-expanded=move || (open.get() == Some(Open::Delete(n))).to_string()
                        on:click=move |_| toggle(Open::Delete(n))>"Delete"</button>
                })}
            </td>
        </tr>
        <Show when=move || open.get() == Some(Open::Title(n))>
            <tr class="edit"><td colspan="5">
                <div class="row">
                    <div class="field grow">
                        <label for=format!("device-title-{n}")>{format!("Title of profile {n} (1 to 12 bytes, on its display)")}</label>
                        <input id=format!("device-title-{n}") data-testid="device-title-input" type="text" autocomplete="off"
                            prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev)) />
                    </div>
                    <button type="button" data-testid="device-title-save" disabled=move || m.blocked()
                        on:click=move |_| { open.set(None); m.set_title(n, title.get_untracked().trim().to_string()); }>
                        "Save the title"
                    </button>
                    <button type="button" class="secondary" on:click=move |_| open.set(None)>"Cancel"</button>
                </div>
            </td></tr>
        </Show>
        <ConfirmRow
            colspan=5
            text=format!("Delete the seed of {name}? It cannot be read back or restored: the account on this profile stops working until a seed is burned into it again. The title stays.")
            button=format!("Delete the seed of profile {n}")
            id="device-delete-confirm"
            open=Signal::derive(move || open.get() == Some(Open::Delete(n)))
            close=Callback::new(move |()| open.set(None))
            disabled=Signal::derive(move || m.busy())
            confirm=Callback::new(move |()| m.delete_profile(&p2))
        />
    }
}

#[component]
fn ProfileTable(m: Manage) -> impl IntoView {
    let failed = RwSignal::new(None::<String>);
    let only_used = RwSignal::new(false);
    let open = RwSignal::new(None::<Open>);
    // Read on opening, and again after every action.
    Effect::new(move |_| {
        m.changed.track();
        m.load_profiles(failed);
    });
    let list = move || m.device().and_then(|d| m.profiles_of(&d));
    let summary = move || match (list(), failed.get()) {
        (_, Some(e)) => format!("The profiles could not be read: {e}"),
        (None, None) => "Reading the profiles…".into(),
        (Some(l), None) => {
            let used = l.iter().filter(|p| p.seed_present).count();
            format!("{used} of {} profiles hold a seed.", l.len())
        }
    };
    let rows = move || {
        list()
            .unwrap_or_default()
            .into_iter()
            .filter(|p| p.seed_present || !only_used.get())
            .map(|p| view! { <ProfileRow m p open /> })
            .collect_view()
    };
    view! {
        <div class="row spread">
            <p class="muted" data-testid="device-profiles-summary">{summary}</p>
            <div class="row">
                <CheckBox id="device-only-used" value=only_used>"Only profiles in use"</CheckBox>
                <button type="button" class="secondary small" data-testid="device-profiles-reload" disabled=move || m.busy()
                    on:click=move |_| m.load_profiles(failed)>"Read again"</button>
            </div>
        </div>
        <div class="table-wrap device-table">
            <table class="device-list" data-testid="device-profiles">
                <thead>
                    <tr><th scope="col">"#"</th><th scope="col">"Title"</th><th scope="col">"Seed"</th>
                        <th scope="col" class="wide-only">"Settings"</th><th scope="col"><span class="sr-only">"Actions"</span></th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// The device's own commands: customer key, screen, factory reset.
#[component]
fn DeviceCommands(m: Manage) -> impl IntoView {
    let new_key = NewSecret::new();
    let reset_open = RwSignal::new(false);
    let reset_ack = RwSignal::new(false);
    on_cleanup(move || new_key.wipe());
    let in_use = move || {
        m.device()
            .and_then(|d| m.profiles_of(&d))
            .map(|l| l.iter().filter(|p| p.seed_present).count())
    };
    let reset_text = move || {
        let seeds = match in_use() {
            Some(0) => "No profile holds a seed now".to_string(),
            Some(1) => "1 profile holds a seed".to_string(),
            Some(n) => format!("{n} profiles hold seeds"),
            None => "Its profiles were not read".to_string(),
        };
        format!("A factory reset erases EVERY profile — seeds and titles — and makes the factory customer key the only one it accepts, once ▲ is pressed on the device. {seeds}: they cannot be recovered, and every account using them stops working.")
    };
    view! {
        <h3 class="sub">"Customer key"</h3>
        <p class="muted small">"Changing it authenticates with the key above. The Molto2 then waits: only after you press ▲ on it does it accept the new key alone. Keep the new key safe: it cannot be read back."</p>
        <NewSecretFields secret=new_key id="device-new-key" label="New customer key" />
        <button type="button" data-testid="device-change-key" disabled=move || m.blocked() on:click=move |_| m.change_key(new_key)>
            "Change the customer key"
        </button>
        <h3 class="sub">"Screen"</h3>
        <p class="muted small">"Locked, the display shows no codes until it is unlocked (firmware 2.1 and later). The device may ask for ▲ to confirm."</p>
        <div class="row">
            <button type="button" class="secondary" data-testid="device-screen-lock" disabled=move || m.busy() on:click=move |_| m.screen(true)>"Lock the screen"</button>
            <button type="button" class="secondary" data-testid="device-screen-unlock" disabled=move || m.busy() on:click=move |_| m.screen(false)>"Unlock the screen"</button>
        </div>
        <h3 class="sub">"Factory reset"</h3>
        <button type="button" class="secondary" data-testid="device-reset" aria-expanded=move || reset_open.get().to_string()
            disabled=move || m.busy() on:click=move |_| { reset_ack.set(false); reset_open.update(|o| *o = !*o); }>
            "Factory reset…"
        </button>
        <Show when=move || reset_open.get()>
            <div class="ask" role="alertdialog" aria-label="Factory reset" data-testid="device-reset-ask">
                <p class="danger">{reset_text}</p>
                <CheckBox id="device-reset-ack" value=reset_ack>"I understand: every seed on this Molto2 is lost."</CheckBox>
                <div class="row">
                    <button type="button" class="danger" data-testid="device-reset-confirm" disabled=move || !reset_ack.get() || m.busy()
                        on:click=move |_| { reset_open.set(false); m.factory_reset(); }>
                        "Erase every profile"
                    </button>
                    <button type="button" class="secondary" data-testid="device-reset-cancel" on:click=move |_| reset_open.set(false)>"Cancel"</button>
                </div>
            </div>
        </Show>
    }
}

#[component]
pub(super) fn Molto2View(m: Manage) -> impl IntoView {
    view! {
        <super::CredentialField m label="Customer key (empty: the factory key)"
            hint="Needed for titles and a key change; deleting a profile, the screen and a factory reset need none." />
        <h3 class="sub">"Profiles"</h3>
        <ProfileTable m />
        <DeviceCommands m />
    }
}
