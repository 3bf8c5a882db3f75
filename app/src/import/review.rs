//! The review list: what the last import said, one card per account (keep, rename, see its
//! settings and what the target model or Entra make of them), and where the kept ones go.

use super::burn_box::BurnBox;
use super::hand_off::preset_problem;
use super::state::{sentence, ImportState, Item, Tone};
use crate::inventory::Inventory;
use crate::params::{ParamsState, RecordForm};
use crate::seed::SecretState;
use leptos::prelude::*;
use tokensmith_core::import;
use tokensmith_core::otpauth::{Kind, OtpAuth};

impl ImportState {
    fn edit(&self, id: u64, f: impl FnOnce(&mut Item)) {
        self.items.update(|v| {
            if let Some(i) = v.iter_mut().find(|i| i.id == id) {
                f(i);
            }
        })
    }

    pub(super) fn kept(&self) -> usize {
        self.items.with(|v| v.iter().filter(|i| i.keep).count())
    }
}

#[component]
fn Messages(imp: ImportState) -> impl IntoView {
    // Tenths of a millisecond, without pulling float formatting into the wasm.
    let decode_ms = move || {
        imp.decode_ms.get().map(|m| {
            let t = (m * 10.0).round() as u64;
            format!("{}.{}", t / 10, t % 10)
        })
    };
    view! {
        <ul
            class="import-messages"
            data-testid="import-status"
            role="status"
            aria-live="polite"
            data-busy=move || imp.busy.get().to_string()
            data-decode-ms=decode_ms
        >
            {move || {
                imp.messages
                    .get()
                    .into_iter()
                    .map(|(tone, m)| {
                        let class = match tone {
                            Tone::Ok => "ok",
                            Tone::Warn => "warn",
                            Tone::Error => "error",
                        };
                        view! { <li class=class>{m}</li> }
                    })
                    .collect_view()
            }}
        </ul>
    }
}

/// One name of one account (issuer or account name), edited in place.
#[component]
fn NameField(
    imp: ImportState,
    id: u64,
    /// `issuer` or `account`: the element ids and test ids follow it.
    which: &'static str,
    label: &'static str,
    value: String,
    set: fn(&mut Item, String),
) -> impl IntoView {
    let field_id = format!("imp-{which}-{id}");
    view! {
        <div class="field">
            <label for=field_id.clone()>{label}</label>
            <input
                id=field_id
                type="text"
                data-testid=format!("import-{which}")
                autocomplete="off"
                spellcheck="false"
                prop:value=value
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    imp.edit(id, |i| set(i, v));
                }
            />
        </div>
    }
}

#[component]
fn ReviewItem(
    imp: ImportState,
    item: Item,
    state: SecretState,
    params: ParamsState,
) -> impl IntoView {
    let id = item.id;
    let hotp = match item.kind {
        Kind::Hotp { counter } => Some(counter),
        Kind::Totp => None,
    };
    let totp_warn = import::totp_problem(&OtpAuth {
        kind: item.kind,
        issuer: None,
        account: String::new(),
        secret: item.secret.clone(),
        params: item.params,
    })
    .map(|p| sentence(p) + ".");
    let p = item.params;
    let preset_warn = move || preset_problem(params.preset.get(), &p).map(|s| sentence(&s) + ".");
    let kid = format!("imp-keep-{id}");
    let settings = format!(
        "{} · {} · {} digits · {} s · {} bits",
        match hotp {
            Some(c) => format!("HOTP (counter {c})"),
            None => "TOTP".to_string(),
        },
        p.algorithm.human(),
        p.digits,
        p.period,
        item.secret.len() * 8,
    );
    let it = item.clone();
    view! {
        <li
            class=if item.keep { "import-item" } else { "import-item dropped" }
            data-testid="import-item"
            data-issuer=item.issuer.clone()
            data-account=item.account.clone()
            data-algorithm=p.algorithm.as_str()
            data-digits=p.digits.to_string()
            data-period=p.period.to_string()
            data-type=if hotp.is_some() { "hotp" } else { "totp" }
        >
            <div class="import-item-head">
                <input
                    type="checkbox"
                    id=kid.clone()
                    data-testid="import-keep"
                    prop:checked=item.keep
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        imp.edit(id, |i| i.keep = on);
                    }
                />
                <label for=kid class="inline">"Keep"</label>
                <span class="muted import-source">{item.source}</span>
            </div>
            <div class="grid2">
                <NameField imp id which="issuer" label="Issuer" value=item.issuer.clone() set=|i, v| i.issuer = v />
                <NameField imp id which="account" label="Account name" value=item.account.clone() set=|i, v| i.account = v />
            </div>
            <p class="import-params mono" data-testid="import-params">{settings}</p>
            <ul class="notes">
                {totp_warn.map(|w| view! { <li data-testid="import-warning">{w}</li> })}
                {move || preset_warn().map(|w| view! { <li data-testid="import-warning">{w}</li> })}
            </ul>
            <div class="row">
                <button type="button" class="small" data-testid="import-use" on:click=move |_| imp.use_item(&it, state, params)>
                    "Use as seed"
                </button>
                <button
                    type="button"
                    class="small secondary"
                    data-testid="import-remove"
                    on:click=move |_| imp.items.update(|v| v.retain(|i| i.id != id))
                >
                    "Remove"
                </button>
            </div>
        </li>
    }
}

#[component]
pub(super) fn Review(
    imp: ImportState,
    state: SecretState,
    params: ParamsState,
    form: RecordForm,
    inv: Inventory,
) -> impl IntoView {
    let heading = move || {
        let n = imp.items.with(Vec::len);
        if n == 0 {
            "Review list: empty".to_string()
        } else {
            format!("Review list: {n} account(s), {} kept", imp.kept())
        }
    };
    view! {
        <div class="import-review">
            <Messages imp />
            <h3 class="import-h3">{heading}</h3>
            <ol class="import-list" data-testid="import-list">
                <For
                    each=move || imp.items.get()
                    key=|i| (i.id, i.keep, i.issuer.clone(), i.account.clone())
                    children=move |item| view! { <ReviewItem imp item state params /> }
                />
            </ol>
            <Show when=move || imp.items.with(|v| !v.is_empty())>
                <div class="row">
                    <button type="button" data-testid="import-to-inventory" on:click=move |_| imp.add_to_inventory(inv, params, form)>
                        {move || format!("Add {} kept to the inventory", imp.kept())}
                    </button>
                    <button type="button" class="secondary" data-testid="import-clear" on:click=move |_| imp.clear()>
                        "Clear list"
                    </button>
                </div>
                <p class="muted">
                    "Inventory rows take the serial, model and first profile slot from the token record form; accounts named like an e-mail address become the UPN."
                </p>
                <BurnBox imp=imp form=form />
            </Show>
        </div>
    }
}
