//! An OATH key (YubiKey, Nitrokey 3, a key of unknown maker) in the Device tool: its accounts
//! (code, rename, delete) and its access password. What the key's applet cannot do — rename
//! before YubiKey 5.3.1, any access password on a Nitrokey 3 — is asked of core's capability
//! table first and said instead of the form (the bridge refuses it too).

use super::{ConfirmRow, Manage, NewSecret, NewSecretFields, Note};
use crate::bridge::client::{
    endpoint, Device, OathCredential, OathCredentials, OathListRequest, OathNameRequest,
    OathPasswordRequest, OathRenameRequest, OathType,
};
use crate::bridge::{self, failure::Failure};
use leptos::prelude::*;
use leptos::task::spawn_local;
use tokensmith_api::ErrorCode;
use tokensmith_core::caps::{self, Feature, Firmware, Model};

/// Whether the key can do `feature` (core's table, with the applet's firmware): else why not.
fn feature(d: &Device, f: Feature) -> Result<(), String> {
    let model = bridge::model_of(d.kind, &d.model).unwrap_or(Model::OathKey);
    let firmware = d
        .oath_version
        .as_deref()
        .and_then(|v| v.parse::<Firmware>().ok());
    caps::check_feature(model, f, firmware).map_err(|r| super::sentence(&r.to_string()))
}

fn shown_name(c: &OathCredential) -> String {
    match c.issuer.as_deref().map(str::trim).filter(|i| !i.is_empty()) {
        Some(i) => format!("{i}: {}", c.account),
        None => c.account.clone(),
    }
}

impl Manage {
    fn name_request(self, d: &Device, name: &str) -> OathNameRequest {
        let (reader, kind, model) = Manage::address(d);
        OathNameRequest {
            reader,
            kind,
            model,
            name: name.to_string(),
            password: self.credential(),
        }
    }

    /// Lists the accounts (with the password typed, if any).
    fn load_accounts(self, into: RwSignal<Option<Result<OathCredentials, String>>>) {
        let (Some(b), Some(d)) = (self.panel.state().connection.get_untracked(), self.device())
        else {
            return;
        };
        let (reader, kind, model) = Manage::address(&d);
        let req = OathListRequest {
            reader,
            kind,
            model,
            password: self.credential(),
        };
        into.set(None);
        spawn_local(async move {
            let res = crate::bridge::client::call::<endpoint::ListOath>(&b, &req).await;
            drop(req);
            match res {
                Ok(list) => into.set(Some(Ok(list))),
                Err(e) => {
                    if Failure::of(&e) == ErrorCode::AuthFailed {
                        self.panel.auth_failed(d.reader.clone());
                    }
                    self.panel.lost(&b, &e);
                    into.set(Some(Err(format!(
                        "The accounts could not be listed: {}",
                        e.message
                    ))));
                }
            }
        });
    }

    fn code(self, c: &OathCredential) {
        let Some(d) = self.device() else { return };
        let hotp = c.oath_type == OathType::Hotp;
        let shown = shown_name(c);
        self.run::<endpoint::CalculateOath>(
            "Showing the code",
            format!("Asking the key for the code of “{shown}”… if it blinks, touch it now"),
            self.name_request(&d, &c.name),
            move |r| {
                Some(Note::Code {
                    name: shown,
                    code: r.code,
                    valid_for: r.valid_for_seconds,
                    hotp,
                })
            },
        );
    }

    fn delete_account(self, c: &OathCredential) {
        let Some(d) = self.device() else { return };
        let shown = shown_name(c);
        self.run::<endpoint::DeleteOath>(
            "Deleting the account",
            format!("Deleting “{shown}”… if the key blinks, touch it now"),
            self.name_request(&d, &c.name),
            move |_| Some(Note::Done(format!("“{shown}” is deleted from the key."))),
        );
    }

    fn rename(self, c: &OathCredential, issuer: String, account: String) {
        let Some(d) = self.device() else { return };
        let what = "Renaming the account";
        if account.is_empty() {
            return self.refuse(
                what,
                "type the account name (the user, e.g. alice@contoso.com)",
            );
        }
        let (reader, kind, model) = Manage::address(&d);
        let req = OathRenameRequest {
            reader,
            kind,
            model,
            name: c.name.clone(),
            account,
            issuer: (!issuer.is_empty()).then_some(issuer),
            password: self.credential(),
        };
        let old = shown_name(c);
        self.run::<endpoint::RenameOath>(
            what,
            format!("Renaming “{old}”…"),
            req,
            move |new| {
                Some(Note::Done(format!(
                    "“{old}” is “{}” now.",
                    shown_name(&new)
                )))
            },
        );
    }

    /// Sets or changes the access password (`new` given) or removes it.
    fn password(self, new: Option<NewSecret>) {
        let Some(d) = self.device() else { return };
        let what = "Changing the access password";
        let new = match new.map(|n| n.take("password")).transpose() {
            Ok(n) => n,
            Err(why) => return self.refuse(what, why),
        };
        let (reader, kind, model) = Manage::address(&d);
        let req = OathPasswordRequest {
            reader,
            kind,
            model,
            password: self.credential(),
            new_password: new
                .as_ref()
                .map(|n| crate::bridge::client::SecretString::from(n.to_string())),
        };
        let credential = self.panel.credential();
        let panel = self.panel;
        let removing = new.is_none();
        self.run::<endpoint::SetOathPassword>(
            what,
            if removing {
                "Removing the access password…"
            } else {
                "Setting the access password…"
            },
            req,
            move |_| {
                // The key now asks for the new password (or none): the field follows, and the
                // reader list learns whether one is set.
                credential.set(new.unwrap_or_default());
                panel.refresh();
                Some(Note::Done(if removing {
                    "The key has no access password now: anyone holding it can read its codes.".into()
                } else {
                    "The key asks for the new password now (the password field holds it). Keep it: it cannot be read back.".into()
                }))
            },
        );
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    Rename(usize),
    Delete(usize),
}

#[component]
fn AccountRow(
    m: Manage,
    i: usize,
    c: OathCredential,
    open: RwSignal<Option<Open>>,
) -> impl IntoView {
    let shown = shown_name(&c);
    let kind = match c.oath_type {
        OathType::Totp => format!("TOTP · {} s", c.period),
        OathType::Hotp => "HOTP".to_string(),
    };
    let rename_refused = m
        .device()
        .map_or(Ok(()), |d| feature(&d, Feature::Rename))
        .err();
    let issuer = RwSignal::new(c.issuer.clone().unwrap_or_default());
    let account = RwSignal::new(c.account.clone());
    let toggle = move |o: Open| open.update(|x| *x = if *x == Some(o) { None } else { Some(o) });
    let (c1, c2, c3) = (c.clone(), c.clone(), c.clone());
    let delete_text = format!("Delete “{shown}” from this key? Its seed cannot be read back or restored: codes for this account stop working until it is stored again.");
    view! {
        <tr data-name=c.name.clone() data-type=c.oath_type.as_str()>
            <td class="title">{shown.clone()}</td>
            <td>{kind}</td>
            <td class="wide-only muted">{c.algorithm.human()}</td>
            <td class="actions">
                <button type="button" class="secondary small" data-testid="oath-code" disabled=move || m.blocked()
                    on:click=move |_| m.code(&c1)>"Code"</button>
                <button type="button" class="secondary small" data-testid="oath-rename" disabled=move || m.blocked()
                    aria-expanded=move || (open.get() == Some(Open::Rename(i))).to_string()
                    on:click=move |_| toggle(Open::Rename(i))>"Rename"</button>
                <button type="button" class="secondary small" data-testid="oath-delete" disabled=move || m.blocked()
                    aria-expanded=move || (open.get() == Some(Open::Delete(i))).to_string()
                    on:click=move |_| toggle(Open::Delete(i))>"Delete"</button>
            </td>
        </tr>
        <Show when=move || open.get() == Some(Open::Rename(i))>
            <tr class="edit"><td colspan="4">
                {match rename_refused.clone() {
                    Some(why) => view! { <p class="warn" data-testid="oath-rename-refused">{why}</p> }.into_any(),
                    None => {
                        let c = c2.clone();
                        view! {
                            <div class="row">
                                <div class="field grow">
                                    <label for=format!("oath-issuer-{i}")>"Issuer"</label>
                                    <input id=format!("oath-issuer-{i}") data-testid="oath-issuer" type="text" autocomplete="off"
                                        prop:value=move || issuer.get() on:input=move |ev| issuer.set(event_target_value(&ev)) />
                                </div>
                                <div class="field grow">
                                    <label for=format!("oath-account-{i}")>"Account"</label>
                                    <input id=format!("oath-account-{i}") data-testid="oath-account" type="text" autocomplete="off"
                                        prop:value=move || account.get() on:input=move |ev| account.set(event_target_value(&ev)) />
                                </div>
                                <button type="button" data-testid="oath-rename-save" disabled=move || m.blocked()
                                    on:click=move |_| {
                                        open.set(None);
                                        m.rename(&c, issuer.get_untracked().trim().to_string(), account.get_untracked().trim().to_string());
                                    }>"Save the name"</button>
                            </div>
                        }.into_any()
                    }
                }}
            </td></tr>
        </Show>
        <ConfirmRow
            colspan=4
            text=delete_text
            button="Delete the account".to_string()
            id="oath-delete-confirm"
            open=Signal::derive(move || open.get() == Some(Open::Delete(i)))
            close=Callback::new(move |()| open.set(None))
            disabled=Signal::derive(move || m.blocked())
            confirm=Callback::new(move |()| m.delete_account(&c3))
        />
    }
}

#[component]
fn AccountTable(m: Manage) -> impl IntoView {
    let list = RwSignal::new(None::<Result<OathCredentials, String>>);
    let open = RwSignal::new(None::<Open>);
    // Listed on opening when the key asks for no password (a wrong one may cost a PIN
    // attempt on a Nitrokey 3), and again after every action.
    let asks = move || m.device().and_then(|d| d.password_set).unwrap_or(false);
    Effect::new(move |prev: Option<u32>| {
        let n = m.changed.get();
        if prev.is_some() || !untrack(asks) {
            m.load_accounts(list);
        }
        n
    });
    let summary = move || match list.get() {
        None if asks() && m.changed.get() == 0 => {
            "This key asks for a password: type it above, then List the accounts.".to_string()
        }
        None => "Listing the accounts…".into(),
        Some(Err(e)) => e,
        Some(Ok(l)) => {
            let others = match l.other_entries {
                0 => String::new(),
                n => format!(" {n} entries of other kinds (password safe, HMAC, reverse HOTP) are not shown."),
            };
            let n = l.credentials.len();
            let plural = if n == 1 { "account" } else { "accounts" };
            format!("{n} {plural} on the key.{others}")
        }
    };
    let rows = move || match list.get() {
        Some(Ok(l)) => l
            .credentials
            .into_iter()
            .enumerate()
            .map(|(i, c)| view! { <AccountRow m i c open /> })
            .collect_view()
            .into_any(),
        _ => ().into_any(),
    };
    view! {
        <div class="row spread">
            <p class="muted" data-testid="oath-summary">{summary}</p>
            <button type="button" class="secondary small" data-testid="oath-list" disabled=move || m.blocked()
                on:click=move |_| m.load_accounts(list)>"List the accounts"</button>
        </div>
        <div class="table-wrap device-table">
            <table class="device-list" data-testid="oath-accounts">
                <thead>
                    <tr><th scope="col">"Account"</th><th scope="col">"Type"</th><th scope="col" class="wide-only">"Algorithm"</th>
                        <th scope="col"><span class="sr-only">"Actions"</span></th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// Set, change or remove the access password (YubiKey), or why the key has none to set.
#[component]
fn PasswordCommands(m: Manage) -> impl IntoView {
    let new = NewSecret::new();
    on_cleanup(move || new.wipe());
    let refused = move || {
        m.device()
            .and_then(|d| feature(&d, Feature::AccessPassword).err())
    };
    let set = move || m.device().and_then(|d| d.password_set).unwrap_or(false);
    view! {
        <h3 class="sub">"Access password"</h3>
        {move || match refused() {
            Some(why) => view! { <p class="muted" data-testid="oath-password-refused">{why}</p> }.into_any(),
            None => view! {
                <p class="muted small" data-testid="oath-password-state">
                    {move || if set() {
                        "The key asks for a password before it lists accounts or shows codes. Changing or removing it needs the current one above."
                    } else {
                        "The key has no password: anyone holding it can list its accounts and read codes."
                    }}
                </p>
                <NewSecretFields secret=new id="oath-new-password" label="New password" />
                <div class="row">
                    <button type="button" data-testid="oath-password-set" disabled=move || m.blocked()
                        on:click=move |_| m.password(Some(new))>
                        {move || if set() { "Change the password" } else { "Set a password" }}
                    </button>
                    <Show when=set>
                        <button type="button" class="secondary" data-testid="oath-password-remove" disabled=move || m.blocked()
                            on:click=move |_| { new.wipe(); m.password(None) }>"Remove the password"</button>
                    </Show>
                </div>
            }.into_any(),
        }}
    }
}

#[component]
pub(super) fn OathView(m: Manage) -> impl IntoView {
    let hint = move || {
        m.device()
            .and_then(|d| d.pin_attempts)
            .map(|n| format!("{n} PIN attempts left before the key locks its secrets."))
            .unwrap_or_default()
    };
    view! {
        <super::CredentialField m label="Password (only if the key has one)" />
        <p class="warn small" data-testid="oath-pin-attempts">{hint}</p>
        <h3 class="sub">"Accounts"</h3>
        <AccountTable m />
        <PasswordCommands m />
    }
}
