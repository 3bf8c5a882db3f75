//! "Encrypt to recipients": public keys opened or pasted (armoured or binary, one or many),
//! read in the worker, each shown with its fingerprint, user IDs, algorithm and dates for the
//! admin to confirm; expired, revoked and sign-only keys are shown with their refusal and
//! never used. Once a usable key is listed, every export is encrypted to the confirmed ones.

use super::keyring;
use crate::browser;
use crate::checkbox::CheckBox;
use crate::worker;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use tokensmith_worker_api::openpgp::{Armour, KeyInfo, Keys};
use zeroize::Zeroizing;

#[derive(Clone, PartialEq)]
pub struct Key {
    pub info: KeyInfo,
    /// The admin checked the fingerprint with the key's owner.
    pub confirmed: bool,
}

#[derive(Clone, Copy)]
pub struct Recipients {
    pub keys: RwSignal<Vec<Key>>,
    /// Keys that cannot be used, with why (shown, never used).
    refused: RwSignal<Vec<KeyInfo>>,
    remember: RwSignal<bool>,
    pub armour: RwSignal<Armour>,
    paste: RwSignal<String>,
    status: RwSignal<(bool, String)>,
    busy: RwSignal<bool>,
}

impl Recipients {
    /// The keys this browser remembers (if the admin asked it to), judged again now: one
    /// that expired since is listed as refused.
    pub fn new() -> Self {
        let now = keyring::now();
        let (usable, expired): (Vec<KeyInfo>, Vec<KeyInfo>) = keyring::load()
            .into_iter()
            .partition(|k| k.expires.is_none_or(|at| at > now));
        let refused = expired
            .into_iter()
            .map(|mut k| {
                k.refusal = Some(format!(
                    "{} cannot be used: it expired on {} (a remembered key): ask the recipient for a renewed or new public key",
                    k.label,
                    keyring::day(k.expires.unwrap_or_default())
                ));
                k
            })
            .collect();
        let keys = usable
            .into_iter()
            .map(|info| Key {
                info,
                confirmed: true,
            })
            .collect();
        let r = Recipients {
            keys: RwSignal::new(keys),
            refused: RwSignal::new(refused),
            remember: RwSignal::new(keyring::remembered()),
            armour: RwSignal::new(Armour::Armored),
            paste: RwSignal::new(String::new()),
            status: RwSignal::new((true, String::new())),
            busy: RwSignal::new(false),
        };
        // While remembering, the confirmed keys are what the browser keeps.
        Effect::new(move || {
            let confirmed = r.confirmed();
            if r.remember.get() {
                keyring::save(&confirmed);
            }
        });
        r
    }

    /// A usable key is listed: exports are encrypted (or saved plain only when asked).
    pub fn any(&self) -> bool {
        self.keys.with(|k| !k.is_empty())
    }

    pub fn confirmed(&self) -> Vec<KeyInfo> {
        self.keys.with(|k| {
            k.iter()
                .filter(|k| k.confirmed)
                .map(|k| k.info.clone())
                .collect()
        })
    }

    /// The keys listed but not yet confirmed, by label.
    pub fn unconfirmed(&self) -> Vec<String> {
        self.keys.with_untracked(|k| {
            k.iter()
                .filter(|k| !k.confirmed)
                .map(|k| k.info.label.clone())
                .collect()
        })
    }

    /// What the worker encrypts to: every confirmed key, each its own armour block.
    pub fn encryption_keys(&self) -> Keys {
        let keys = self.keys.with_untracked(|k| {
            k.iter()
                .filter(|k| k.confirmed)
                .flat_map(|k| k.info.armored.bytes())
                .collect()
        });
        Keys {
            keys,
            now: keyring::now(),
        }
    }

    fn set_confirmed(&self, fingerprint: &str, yes: bool) {
        self.keys.update(|keys| {
            keys.iter_mut()
                .filter(|k| k.info.fingerprint == fingerprint)
                .for_each(|k| k.confirmed = yes)
        });
    }

    fn remove(&self, fingerprint: &str) {
        self.keys
            .update(|k| k.retain(|k| k.info.fingerprint != fingerprint));
        self.refused
            .update(|k| k.retain(|k| k.fingerprint != fingerprint));
    }

    /// Reads keys in the worker and lists them: new usable ones unconfirmed, refused ones
    /// with their message; a key already listed is read again in place.
    fn add(self, bytes: Vec<u8>, from: String) {
        self.busy.set(true);
        self.status.set((
            true,
            "Reading the keys… (the first time, the encryption module starts)".into(),
        ));
        spawn_local(async move {
            let answer = worker::describe_keys(Keys {
                keys: bytes,
                now: keyring::now(),
            })
            .await;
            self.busy.set(false);
            let described = match answer {
                Ok(Ok(d)) => d,
                Ok(Err(why)) => {
                    return self
                        .status
                        .set((false, format!("No key added from {from}: {why}.")))
                }
                Err(f) => {
                    return self
                        .status
                        .set((false, format!("No key added from {from}: {f}.")))
                }
            };
            let (mut added, mut refused) = (0, 0);
            for info in described {
                self.remove(&info.fingerprint);
                if info.refusal.is_some() {
                    refused += 1;
                    self.refused.update(|r| r.push(info));
                } else {
                    added += 1;
                    self.keys.update(|k| {
                        k.push(Key {
                            info,
                            confirmed: false,
                        })
                    });
                }
            }
            let msg = match (added, refused) {
                (a, 0) => format!(
                    "{a} key(s) from {from}: check each fingerprint with its owner, then tick it."
                ),
                (0, r) => format!("{r} key(s) from {from} cannot be used; see why below."),
                (a, r) => format!(
                    "{a} key(s) from {from} to confirm; {r} cannot be used (see why below)."
                ),
            };
            self.status.set((refused == 0, msg));
        });
    }
}

#[component]
fn KeyCard(r: Recipients, key: KeyInfo, confirmed: Option<bool>) -> impl IntoView {
    let fpr = key.fingerprint.clone();
    let expiry = match key.expires {
        Some(at) => format!("expires {}", keyring::day(at)),
        None => "does not expire".into(),
    };
    let encrypts = key
        .encryption_algorithm
        .as_ref()
        .map(|a| format!(" · encrypts with {a}"))
        .unwrap_or_default();
    let users = if key.user_ids.is_empty() {
        "(no user ID)".to_string()
    } else {
        key.user_ids.join("; ")
    };
    let (f1, f2) = (fpr.clone(), fpr.clone());
    view! {
        <li class="key-card" class:refused=confirmed.is_none() data-testid=if confirmed.is_some() { "recipient" } else { "recipient-refused" } data-fingerprint=fpr.clone()>
            <div class="key-user" data-testid="recipient-user">{users}</div>
            <div class="mono key-fpr" data-testid="recipient-fingerprint">{key.fingerprint_grouped.clone()}</div>
            <div class="muted small" data-testid="recipient-details">
                {format!("{}{encrypts} · created {} · {expiry}", key.algorithm, keyring::day(key.created))}
            </div>
            {key.refusal.clone().map(|why| view! { <p class="error small" data-testid="recipient-refusal">{why}</p> })}
            <div class="row">
                {confirmed.map(|yes| {
                    let id = format!("confirm-{fpr}");
                    view! {
                        <div class="field check">
                            <input type="checkbox" id=id.clone() data-testid="recipient-confirm" prop:checked=yes
                                on:change=move |ev| r.set_confirmed(&f1, event_target_checked(&ev)) />
                            <label for=id>"I checked this fingerprint with the key's owner"</label>
                        </div>
                    }
                })}
                <button type="button" class="secondary small" data-testid="recipient-remove" on:click=move |_| r.remove(&f2)>
                    "Remove"
                </button>
            </div>
        </li>
    }
}

#[component]
pub fn RecipientsPanel(r: Recipients) -> impl IntoView {
    let file_ref: NodeRef<html::Input> = NodeRef::new();
    let open = move |_| {
        let Some(input) = file_ref.get_untracked() else {
            return;
        };
        spawn_local(async move {
            let read = browser::read_chosen_bytes(&input).await;
            input.set_value("");
            match read {
                Ok((name, bytes)) => r.add(bytes.to_vec(), name),
                Err(e) => r.status.set((false, e)),
            }
        });
    };
    let add_pasted = move |_| {
        let text = Zeroizing::new(r.paste.get_untracked());
        if text.trim().is_empty() {
            return r.status.set((false, "Paste a public key first (the block from -----BEGIN PGP PUBLIC KEY BLOCK----- to -----END PGP PUBLIC KEY BLOCK-----).".into()));
        }
        r.paste.set(String::new());
        r.add(text.as_bytes().to_vec(), "the pasted text".into());
    };
    let cards = move || {
        let usable = r
            .keys
            .get()
            .into_iter()
            .map(|k| view! { <KeyCard r key=k.info confirmed=Some(k.confirmed) /> });
        let refused = r
            .refused
            .get()
            .into_iter()
            .map(|k| view! { <KeyCard r key=k confirmed=None /> });
        usable
            .map(IntoAny::into_any)
            .chain(refused.map(IntoAny::into_any))
            .collect_view()
    };
    let forget = move |ev: leptos::ev::Event| {
        if !event_target_checked(&ev) {
            keyring::forget();
        }
    };
    view! {
        <div class="recipients" role="group" aria-labelledby="recipients-h" data-testid="recipients">
            <h3 id="recipients-h">"Encrypt to recipients (OpenPGP)"</h3>
            <p class="muted small">
                "Token2 advises sending seed files only encrypted. Add the public key of everyone who may open the file: only their secret keys decrypt it ("
                <code>"gpg --decrypt"</code> "). Keys are read in this page, offline."
            </p>
            <textarea id="recipient-paste" data-testid="recipient-paste" rows="3" spellcheck="false" autocomplete="off"
                aria-label="Paste public keys" placeholder="-----BEGIN PGP PUBLIC KEY BLOCK-----"
                prop:value=move || r.paste.get() on:input=move |ev| r.paste.set(event_target_value(&ev))></textarea>
            <div class="row">
                <button type="button" class="secondary" data-testid="recipient-add" disabled=move || r.busy.get() on:click=add_pasted>"Add pasted keys"</button>
                <label for="recipient-file" class="inline">"or open a key file (.asc, .gpg):"</label>
                <input id="recipient-file" data-testid="recipient-file" type="file" accept=".asc,.gpg,.pub,.key" node_ref=file_ref on:change=open />
            </div>
            <p data-testid="recipient-status" role="status" class=move || if r.status.get().0 { "ok small" } else { "error small" }>
                {move || r.status.get().1}
            </p>
            <ul class="key-cards">{cards}</ul>
            <Show when=move || r.any()>
                <fieldset class="modes">
                    <legend>"Encrypted file:"</legend>
                    <label class="inline"><input type="radio" name="armour" data-testid="armour-asc" prop:checked=move || r.armour.get() == Armour::Armored on:change=move |_| r.armour.set(Armour::Armored) />".asc (text, can go in a mail)"</label>
                    <label class="inline"><input type="radio" name="armour" data-testid="armour-gpg" prop:checked=move || r.armour.get() == Armour::Binary on:change=move |_| r.armour.set(Armour::Binary) />".gpg (binary)"</label>
                </fieldset>
                <div on:change=forget>
                    <CheckBox id="recipients-remember" value=r.remember>
                        "Remember the confirmed public keys in this browser (public keys are not secret); untick to forget them"
                    </CheckBox>
                </div>
            </Show>
        </div>
    }
}
