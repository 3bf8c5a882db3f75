//! The token record form: one token (or Molto2 profile) for one user, checked against the
//! target model and Entra before it joins the list; then the form is ready for the next token.

use super::{profile_of, validate_all, without_row, Inventory};
use crate::browser;
use crate::params::{ParamsState, RecordForm};
use crate::presets::PRESETS;
use crate::seed::SecretState;
use leptos::html;
use leptos::prelude::*;
use tokensmith_core::caps::{self, Param};
use tokensmith_core::entra::{Field, Severity, TokenRecord};

/// The next serial: the trailing number goes up by one, keeping leading zeros and width
/// ("0099" → "0100", "T2-009" → "T2-010"); a serial that does not end in a digit is kept.
pub fn next_serial(serial: &str) -> String {
    let s = serial.trim();
    let digits = s.chars().rev().take_while(char::is_ascii_digit).count();
    if digits == 0 {
        return s.to_string();
    }
    let (head, tail) = s.split_at(s.len() - digits);
    let mut out: Vec<u8> = tail.bytes().collect();
    let mut i = out.len();
    loop {
        if i == 0 {
            out.insert(0, b'1');
            break;
        }
        i -= 1;
        if out[i] == b'9' {
            out[i] = b'0';
        } else {
            out[i] += 1;
            break;
        }
    }
    format!("{head}{}", String::from_utf8(out).unwrap_or_default())
}

/// Every maker in the capability table, once each, for the manufacturer field's suggestions.
fn manufacturers() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for m in PRESETS {
        let name = m.caps().manufacturer;
        if !name.is_empty() && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// The record field a capability refusal belongs to (digits have none: a record has no digits).
fn field_of(p: Param) -> Option<Field> {
    match p {
        Param::Algorithm => Some(Field::Algorithm),
        Param::Period => Some(Field::Interval),
        Param::Profile => Some(Field::Profile),
        Param::Seed => Some(Field::Secret),
        _ => None,
    }
}

type Problems = Vec<(Option<Field>, String)>;

/// The record the form describes, or everything wrong with it (nothing is changed).
fn checked_record(
    state: SecretState,
    params: ParamsState,
    form: RecordForm,
    inv: Inventory,
) -> Result<TokenRecord, Problems> {
    let mut problems: Problems = Vec::new();
    if state.error.get_untracked().is_some() {
        problems.push((
            Some(Field::Secret),
            "the secret field holds an invalid secret: fix it or generate a new seed".into(),
        ));
    }
    let p = params.otp.get_untracked();
    // The record carries the algorithm and interval, which the list's validation checks
    // against Entra below; Entra's digits rule it cannot carry, so it is checked here.
    for r in caps::entra::check(inv.format.get_untracked(), &p)
        .err()
        .unwrap_or_default()
    {
        if r.param() == Param::Digits {
            problems.push((None, r.to_string()));
        }
    }
    let profile_text = form.profile.get_untracked();
    let profile = profile_of(&profile_text).unwrap_or_else(|e| {
        problems.push((Some(Field::Profile), e));
        None
    });
    let target = caps::Params {
        profile,
        // An unreadable slot is reported once, not again as a missing one.
        complete: profile.is_some() || profile_text.trim().is_empty(),
        ..caps::Params::otp(p)
    };
    for r in caps::check(params.current(), &target)
        .err()
        .unwrap_or_default()
    {
        problems.push((field_of(r.param()), r.to_string()));
    }
    let Some(secret) = state.secret.get_untracked() else {
        problems.push((Some(Field::Secret), "there is no secret".into()));
        return Err(problems);
    };
    let text = |s: RwSignal<String>| s.get_untracked().trim().to_string();
    let display = text(form.display_name);
    let rec = TokenRecord {
        upn: text(form.upn),
        serial: text(form.serial),
        secret,
        interval: p.period,
        manufacturer: text(form.manufacturer),
        model: text(form.model),
        algorithm: p.algorithm,
        profile,
        display_name: (!display.is_empty()).then_some(display),
    };
    let mut recs = inv.records();
    let row = recs.len();
    recs.push(rec.clone());
    for i in validate_all(&recs, inv.format.get_untracked()) {
        if i.row == row && i.severity == Severity::Error {
            problems.push((Some(i.field), without_row(&i.message).to_string()));
        }
    }
    if problems.is_empty() {
        Ok(rec)
    } else {
        Err(problems)
    }
}

/// Adds the form's record to the list and readies the form for the next token (fresh seed,
/// next slot or serial); `false` when it was refused and the problems are shown.
fn add(state: SecretState, params: ParamsState, form: RecordForm, inv: Inventory) -> bool {
    let rec = match checked_record(state, params, form, inv) {
        Ok(rec) => rec,
        Err(problems) => {
            inv.form_issues.set(problems);
            inv.status.set((
                false,
                "Not added: fix the problems listed under the form. Nothing was lost.".into(),
            ));
            return false;
        }
    };
    let profile = rec.profile;
    inv.form_issues.set(Vec::new());
    inv.push(vec![rec]);
    inv.dirty.set(true);
    let serial = form.serial.get_untracked();
    let next_profile = profile.and_then(|p| p.checked_add(1));
    match (params.current().caps().max_profile(), next_profile) {
        (Some(max), Some(np)) if np <= max => form.profile.set(np.to_string()),
        (Some(_), _) => {
            form.profile.set("0".into());
            form.serial.set(next_serial(&serial));
        }
        _ => form.serial.set(next_serial(&serial)),
    }
    browser::pref_set("serial", &form.serial.get_untracked());
    form.upn.set(String::new());
    form.display_name.set(String::new());
    state.regenerate();
    let n = inv.rows.with_untracked(Vec::len);
    inv.status.set((
        true,
        format!("Added row {n} (serial {serial}). New seed generated for the next token."),
    ));
    true
}

/// One text field of the record, marked when the last "Add to list" found a problem in it;
/// `pref` remembers its value in the browser (non-secret fields only).
#[component]
fn RecordField(
    id: &'static str,
    label: &'static str,
    field: Field,
    value: RwSignal<String>,
    inv: Inventory,
    #[prop(optional)] pref: Option<&'static str>,
    #[prop(optional)] list: Option<&'static str>,
) -> impl IntoView {
    let bad = move || {
        inv.form_issues
            .with(|v| v.iter().any(|(g, _)| *g == Some(field)))
    };
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
                aria-invalid=move || if bad() { "true" } else { "false" }
                aria-describedby="record-issues"
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                on:change=move |ev| {
                    if let Some(k) = pref {
                        browser::pref_set(k, &event_target_value(&ev));
                    }
                }
            />
        </div>
    }
}

/// The profile slot, open only when the target model has profiles.
#[component]
fn ProfileField(params: ParamsState, form: RecordForm, inv: Inventory) -> impl IntoView {
    let caps = move || params.preset.get().caps();
    let bad = move || {
        inv.form_issues
            .with(|v| v.iter().any(|(g, _)| *g == Some(Field::Profile)))
    };
    view! {
        <div class="field">
            <label for="profile">"Profile slot"</label>
            <input
                id="profile"
                data-testid="profile"
                type="number"
                min="0"
                max=move || caps().max_profile().unwrap_or_else(caps::largest_profile).to_string()
                inputmode="numeric"
                disabled=move || caps().profiles.is_none()
                aria-invalid=move || if bad() { "true" } else { "false" }
                aria-describedby="profile-help record-issues"
                prop:value=move || form.profile.get()
                on:input=move |ev| form.profile.set(event_target_value(&ev))
            />
        </div>
    }
}

#[component]
pub fn RecordPanel(
    state: SecretState,
    params: ParamsState,
    form: RecordForm,
    inv: Inventory,
) -> impl IntoView {
    let upn_ref: NodeRef<html::Input> = NodeRef::new();
    let upn_bad = move || {
        inv.form_issues
            .with(|v| v.iter().any(|(g, _)| *g == Some(Field::Upn)))
    };
    let multi_profile: Vec<&str> = PRESETS
        .into_iter()
        .filter(|m| m.caps().profiles.is_some())
        .map(|m| m.caps().name)
        .collect();
    let profile_help = move || match params.preset.get().caps().max_profile() {
        Some(max) => {
            format!("Multi-profile token: one row per profile (0–{max}), all with the same serial.")
        }
        None => format!(
            "Profile slots are for multi-profile tokens ({}); pick one as target model.",
            multi_profile.join(", ")
        ),
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if add(state, params, form, inv) {
            if let Some(el) = upn_ref.get_untracked() {
                let _ = el.focus();
            }
        }
    };
    view! {
        <section aria-labelledby="record-h">
            <h2 id="record-h">"6 · Token record"</h2>
            <form novalidate=true on:submit=submit>
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
                        aria-invalid=move || if upn_bad() { "true" } else { "false" }
                        aria-describedby="record-issues"
                        prop:value=move || form.upn.get()
                        on:input=move |ev| form.upn.set(event_target_value(&ev))
                    />
                </div>
                <div class="grid2">
                    <RecordField id="serial" label="Serial number" field=Field::Serial value=form.serial inv=inv pref="serial" />
                    <ProfileField params=params form=form inv=inv />
                    <RecordField
                        id="manufacturer"
                        label="Manufacturer"
                        field=Field::Manufacturer
                        value=form.manufacturer
                        inv=inv
                        pref="manufacturer"
                        list="manufacturers"
                    />
                    <RecordField id="model" label="Model" field=Field::Model value=form.model inv=inv pref="model" list="models" />
                </div>
                <p id="profile-help" class="muted">{profile_help}</p>
                <RecordField
                    id="display-name"
                    label="Display name (Graph only, optional)"
                    field=Field::DisplayName
                    value=form.display_name
                    inv=inv
                />
                <datalist id="manufacturers">
                    {manufacturers().into_iter().map(|m| view! { <option value=m></option> }).collect_view()}
                </datalist>
                <datalist id="models">
                    {PRESETS
                        .into_iter()
                        .map(|m| m.caps().name)
                        .filter(|name| !name.is_empty())
                        .map(|name| view! { <option value=name></option> })
                        .collect_view()}
                </datalist>
                <div class="row">
                    <button type="submit" data-testid="add-row">"Add to list"</button>
                    <span class="muted">"Uses the seed and parameters above."</span>
                </div>
                <ul id="record-issues" class="issues" data-testid="record-issues" role="alert">
                    {move || inv.form_issues.get().into_iter().map(|(_, m)| view! { <li>{m}</li> }).collect_view()}
                </ul>
            </form>
        </section>
    }
}
