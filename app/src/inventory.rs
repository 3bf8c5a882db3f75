//! The token record form and the inventory: validated rows, inline editing, sorting, and the
//! Entra CSV / Graph JSON export and CSV import.

use crate::browser;
use crate::params::{ParamsState, RecordForm};
use crate::seed::SecretState;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cmp::Ordering;
use tokensmith_core::caps::{self, Param};
use tokensmith_core::entra::{
    graph_bulk_json, read_csv, validate_for, write_csv, Field, Format, Issue, Severity, TokenRecord,
};

pub const CSV_NAME: &str = "entra-oath-tokens.csv";
pub const JSON_NAME: &str = "entra-oath-tokens.json";

#[derive(Clone, PartialEq)]
pub struct Row {
    pub id: u64,
    pub rec: TokenRecord,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Upn,
    Serial,
    Profile,
    Model,
}

#[derive(Clone, Copy)]
pub struct Inventory {
    pub rows: RwSignal<Vec<Row>>,
    next_id: StoredValue<u64>,
    /// Rows changed since the last export (asks before leaving the page).
    pub dirty: RwSignal<bool>,
    pub format: RwSignal<Format>,
    pub sort: RwSignal<Option<(SortKey, bool)>>,
    pub status: RwSignal<(bool, String)>,
    /// Problems of the record in the form, from the last "Add to list".
    pub form_issues: RwSignal<Vec<(Option<Field>, String)>>,
    /// Every issue of the list, recomputed when rows or the target format change.
    pub issues: Memo<Vec<Issue>>,
}

impl Inventory {
    pub fn new() -> Self {
        let rows = RwSignal::new(Vec::<Row>::new());
        let format = RwSignal::new(Format::Csv);
        let issues = Memo::new(move |_| {
            let f = format.get();
            rows.with(|rows| {
                let recs: Vec<TokenRecord> = rows.iter().map(|r| r.rec.clone()).collect();
                validate_all(&recs, f)
            })
        });
        Inventory {
            rows,
            next_id: StoredValue::new(1),
            dirty: RwSignal::new(false),
            format,
            sort: RwSignal::new(None),
            status: RwSignal::new((true, String::new())),
            form_issues: RwSignal::new(Vec::new()),
            issues,
        }
    }

    /// Appends records as new rows (validation marks their problems in the table).
    pub fn push(&self, recs: Vec<TokenRecord>) {
        self.rows.update(|rows| {
            for rec in recs {
                let id = self.next_id.get_value();
                self.next_id.set_value(id + 1);
                rows.push(Row { id, rec });
            }
        });
    }

    fn records(&self) -> Vec<TokenRecord> {
        self.rows
            .with_untracked(|rows| rows.iter().map(|r| r.rec.clone()).collect())
    }

    fn edit(&self, id: u64, f: impl FnOnce(&mut TokenRecord)) {
        self.rows.update(|rows| {
            if let Some(r) = rows.iter_mut().find(|r| r.id == id) {
                f(&mut r.rec);
            }
        });
        self.dirty.set(true);
    }
}

/// Core's checks, with a stricter page policy for one of them: core only warns when two
/// different serials share a secret (the bridge's results file may legitimately hold one seed
/// burned into several devices), while the page refuses it, since in a provisioning session it
/// means a new seed was not generated.
pub fn validate_all(recs: &[TokenRecord], format: Format) -> Vec<Issue> {
    let mut issues = validate_for(recs, format);
    for (j, rec) in recs.iter().enumerate() {
        let earlier = recs[..j]
            .iter()
            .position(|r| r.secret == rec.secret && r.serial.trim() != rec.serial.trim());
        if let Some(i) = earlier {
            issues.push(Issue {
                row: j,
                field: Field::Secret,
                severity: Severity::Error,
                message: format!(
                    "row {}: the same secret is already used by row {} (serial '{}'): every token needs its own seed",
                    j + 1,
                    i + 1,
                    recs[i].serial
                ),
            });
        }
    }
    issues.sort_by_key(|i| i.row);
    issues
}

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

/// Orders serials as people do: "9" before "10", text parts alphabetically.
fn natural(a: &str, b: &str) -> Ordering {
    let key = |s: &str| {
        let d = s.chars().rev().take_while(char::is_ascii_digit).count();
        let (head, tail) = s.split_at(s.len() - d);
        let tail = tail.trim_start_matches('0');
        (
            head.to_lowercase(),
            tail.len(),
            tail.to_string(),
            s.to_string(),
        )
    };
    key(a).cmp(&key(b))
}

fn sort_rows(rows: &mut [Row], key: SortKey, ascending: bool) {
    rows.sort_by(|a, b| {
        let (a, b) = (&a.rec, &b.rec);
        let o = match key {
            SortKey::Upn => a.upn.to_lowercase().cmp(&b.upn.to_lowercase()),
            SortKey::Serial => natural(&a.serial, &b.serial).then(a.profile.cmp(&b.profile)),
            SortKey::Profile => a.profile.cmp(&b.profile),
            SortKey::Model => a.model.cmp(&b.model),
        };
        if ascending {
            o
        } else {
            o.reverse()
        }
    });
}

/// Drops core's "row N: " prefix where the row is obvious.
fn without_row(msg: &str) -> &str {
    match msg.split_once(": ") {
        Some((head, rest)) if head.starts_with("row ") => rest,
        _ => msg,
    }
}

fn profile_of(text: &str) -> Result<Option<u8>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<u8>().map(Some).map_err(|_| {
        format!(
            "profile '{t}' is not a slot number (0–{})",
            caps::largest_profile()
        )
    })
}

/// Every maker in the capability table, once each, for the manufacturer field's suggestions.
fn manufacturers() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for m in crate::presets::PRESETS {
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

#[component]
pub fn RecordPanel(
    state: SecretState,
    params: ParamsState,
    form: RecordForm,
    inv: Inventory,
) -> impl IntoView {
    let upn_ref: NodeRef<html::Input> = NodeRef::new();
    let preset = move || params.preset.get().caps();
    let has_issue = move |f: Field| {
        inv.form_issues
            .with(|v| v.iter().any(|(g, _)| *g == Some(f)))
    };
    let add = move || {
        let mut problems: Vec<(Option<Field>, String)> = Vec::new();
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
        let profile = match profile_of(&form.profile.get_untracked()) {
            Ok(pr) => pr,
            Err(e) => {
                problems.push((Some(Field::Profile), e));
                None
            }
        };
        let model = params.current();
        let target = caps::Params {
            profile,
            // An unreadable slot is reported once, not again as a missing one.
            complete: profile.is_some() || form.profile.get_untracked().trim().is_empty(),
            ..caps::Params::otp(p)
        };
        for r in caps::check(model, &target).err().unwrap_or_default() {
            problems.push((field_of(r.param()), r.to_string()));
        }
        let Some(secret) = state.secret.get_untracked() else {
            problems.push((Some(Field::Secret), "there is no secret".into()));
            inv.form_issues.set(problems);
            return;
        };
        let display = form.display_name.get_untracked().trim().to_string();
        let rec = TokenRecord {
            upn: form.upn.get_untracked().trim().to_string(),
            serial: form.serial.get_untracked().trim().to_string(),
            secret,
            interval: p.period,
            manufacturer: form.manufacturer.get_untracked().trim().to_string(),
            model: form.model.get_untracked().trim().to_string(),
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
        if !problems.is_empty() {
            inv.form_issues.set(problems);
            inv.status.set((
                false,
                "Not added: fix the problems listed under the form. Nothing was lost.".into(),
            ));
            return;
        }
        inv.form_issues.set(Vec::new());
        inv.push(vec![rec]);
        inv.dirty.set(true);
        // Ready for the next token: fresh seed, next slot or serial, cursor in the UPN field.
        let serial = form.serial.get_untracked();
        let next_profile = profile.and_then(|p| p.checked_add(1));
        match (model.caps().max_profile(), next_profile) {
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
        if let Some(el) = upn_ref.get_untracked() {
            let _ = el.focus();
        }
    };
    let text_field = move |id: &'static str,
                           label: &'static str,
                           field: Field,
                           sig: RwSignal<String>,
                           pref: Option<&'static str>,
                           list: Option<&'static str>| {
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
                    aria-invalid=move || if has_issue(field) { "true" } else { "false" }
                    aria-describedby="record-issues"
                    prop:value=move || sig.get()
                    on:input=move |ev| sig.set(event_target_value(&ev))
                    on:change=move |ev| {
                        if let Some(k) = pref {
                            browser::pref_set(k, &event_target_value(&ev));
                        }
                    }
                />
            </div>
        }
    };
    view! {
        <section aria-labelledby="record-h">
            <h2 id="record-h">"6 · Token record"</h2>
            <form
                novalidate=true
                on:submit=move |ev| {
                    ev.prevent_default();
                    add();
                }
            >
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
                        aria-invalid=move || if has_issue(Field::Upn) { "true" } else { "false" }
                        aria-describedby="record-issues"
                        prop:value=move || form.upn.get()
                        on:input=move |ev| form.upn.set(event_target_value(&ev))
                    />
                </div>
                <div class="grid2">
                    {text_field("serial", "Serial number", Field::Serial, form.serial, Some("serial"), None)}
                    <div class="field">
                        <label for="profile">"Profile slot"</label>
                        <input
                            id="profile"
                            data-testid="profile"
                            type="number"
                            min="0"
                            max=move || preset().max_profile().unwrap_or_else(caps::largest_profile).to_string()
                            inputmode="numeric"
                            disabled=move || preset().profiles.is_none()
                            aria-invalid=move || if has_issue(Field::Profile) { "true" } else { "false" }
                            aria-describedby="profile-help record-issues"
                            prop:value=move || form.profile.get()
                            on:input=move |ev| form.profile.set(event_target_value(&ev))
                        />
                    </div>
                    {text_field(
                        "manufacturer",
                        "Manufacturer",
                        Field::Manufacturer,
                        form.manufacturer,
                        Some("manufacturer"),
                        Some("manufacturers"),
                    )}
                    {text_field("model", "Model", Field::Model, form.model, Some("model"), Some("models"))}
                </div>
                <p id="profile-help" class="muted">
                    {move || match preset().max_profile() {
                        Some(max) => {
                            format!(
                                "Multi-profile token: one row per profile (0–{max}), all with the same serial.",
                            )
                        }
                        None => "Profile slots are for multi-profile tokens (Molto2); pick one as target model.".into(),
                    }}
                </p>
                {text_field("display-name", "Display name (Graph only, optional)", Field::DisplayName, form.display_name, None, None)}
                <datalist id="manufacturers">
                    {manufacturers()
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
                <div class="row">
                    <button type="submit" data-testid="add-row">"Add to list"</button>
                    <span class="muted">"Uses the seed and parameters above."</span>
                </div>
                <ul id="record-issues" class="issues" data-testid="record-issues" role="alert">
                    {move || {
                        inv.form_issues
                            .get()
                            .into_iter()
                            .map(|(_, m)| view! { <li>{m}</li> })
                            .collect_view()
                    }}
                </ul>
            </form>
        </section>
    }
}

#[component]
pub fn InventoryPanel(state: SecretState, inv: Inventory) -> impl IntoView {
    let revealed = state.revealed;
    let file_ref: NodeRef<html::Input> = NodeRef::new();
    let issues_of = move |row: usize| {
        inv.issues.with(|v| {
            v.iter()
                .filter(|i| i.row == row)
                .map(|i| (i.field, i.severity, without_row(&i.message).to_string()))
                .collect::<Vec<_>>()
        })
    };
    let errors = move || {
        inv.issues
            .with(|v| v.iter().filter(|i| i.severity == Severity::Error).count())
    };
    let sort_by = move |key: SortKey| {
        let asc = match inv.sort.get_untracked() {
            Some((k, asc)) if k == key => !asc,
            _ => true,
        };
        inv.sort.set(Some((key, asc)));
        inv.rows.update(|rows| sort_rows(rows, key, asc));
    };
    let aria_sort = move |key: SortKey| match inv.sort.get() {
        Some((k, true)) if k == key => "ascending",
        Some((k, false)) if k == key => "descending",
        _ => "none",
    };
    let header = move |key: SortKey, label: &'static str| {
        view! {
            <th scope="col" aria-sort=move || aria_sort(key)>
                <button type="button" class="sort" data-testid=format!("sort-{}", label.to_lowercase()) on:click=move |_| sort_by(key)>
                    {label}
                    <span aria-hidden="true">
                        {move || match inv.sort.get() {
                            Some((k, true)) if k == key => " ▲",
                            Some((k, false)) if k == key => " ▼",
                            _ => " ↕",
                        }}
                    </span>
                </button>
            </th>
        }
    };
    let export = move |fmt: Format| -> Result<String, String> {
        let recs = inv.records();
        if recs.is_empty() {
            return Err("The list is empty: add a token first.".into());
        }
        let extra: Vec<Issue> = validate_all(&recs, fmt)
            .into_iter()
            .filter(|i| i.severity == Severity::Error)
            .collect();
        if let Some(first) = extra.first() {
            return Err(format!(
                "Not exported: {} problem(s) in the list must be fixed first; the first: {}",
                extra.len(),
                first.message
            ));
        }
        let out = match fmt {
            Format::Csv => write_csv(&recs),
            Format::Graph => graph_bulk_json(&recs),
        };
        out.map(|s| s.to_string())
            .map_err(|e| format!("Not exported: {e}"))
    };
    let save = move |fmt: Format| {
        let (name, mime) = match fmt {
            Format::Csv => (CSV_NAME, "text/csv"),
            Format::Graph => (JSON_NAME, "application/json"),
        };
        let res = export(fmt).and_then(|text| browser::download(name, mime, &text));
        match res {
            Ok(()) => {
                inv.dirty.set(false);
                let n = inv.rows.with_untracked(Vec::len);
                inv.status
                    .set((true, format!("Saved {n} row(s) as {name}.")));
            }
            Err(e) => inv.status.set((false, e)),
        }
    };
    let copy = move |fmt: Format| match export(fmt) {
        Ok(text) => spawn_local(async move {
            let what = if fmt == Format::Csv {
                "Entra CSV"
            } else {
                "Graph JSON"
            };
            let msg = browser::copy_text(text, what).await;
            let ok = !msg.starts_with("Could not");
            if ok {
                inv.dirty.set(false);
            }
            inv.status.set((ok, msg));
        }),
        Err(e) => inv.status.set((false, e)),
    };
    let import = move |_| {
        let Some(input) = file_ref.get_untracked() else {
            return;
        };
        spawn_local(async move {
            let res = browser::read_chosen_file(input.clone()).await;
            input.set_value("");
            match res {
                Err(e) => inv.status.set((false, e)),
                Ok((name, text)) => match read_csv(&text) {
                    Err(e) => inv.status.set((
                        false,
                        format!("Could not import {name}: {e}. Nothing was added; the list is unchanged."),
                    )),
                    Ok(recs) => {
                        let n = recs.len();
                        let was_dirty = inv.dirty.get_untracked();
                        let had = inv.rows.with_untracked(Vec::len);
                        inv.push(recs);
                        // A file read into an empty list is already saved; appended rows are not.
                        inv.dirty.set(was_dirty || had > 0);
                        let e = errors();
                        inv.status.set((
                            e == 0,
                            if e == 0 {
                                format!("Imported {n} row(s) from {name}.")
                            } else {
                                format!("Imported {n} row(s) from {name}; {e} problem(s) are marked in the table.")
                            },
                        ));
                    }
                },
            }
        });
    };
    let cell = move |id: u64,
                     row: usize,
                     field: Field,
                     label: &'static str,
                     value: String,
                     set: fn(&mut TokenRecord, String)| {
        let bad = move || {
            inv.issues.with(|v| {
                v.iter()
                    .any(|i| i.row == row && i.field == field && i.severity == Severity::Error)
            })
        };
        view! {
            <td data-label=label>
                <input
                    type="text"
                    class="cell"
                    class:bad=bad
                    autocomplete="off"
                    spellcheck="false"
                    aria-label=format!("{label}, row {}", row + 1)
                    aria-invalid=move || if bad() { "true" } else { "false" }
                    data-field=label.to_lowercase()
                    prop:value=value
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        inv.edit(id, |r| set(r, v.trim().to_string()));
                    }
                />
            </td>
        }
    };
    let body = move || {
        inv.rows
            .get()
            .into_iter()
            .enumerate()
            .map(|(row, r)| {
                let id = r.id;
                let rec = r.rec;
                let problems = issues_of(row);
                let has_error = problems.iter().any(|p| p.1 == Severity::Error);
                let secret = if revealed.get() {
                    rec.secret.to_base32_grouped().to_string()
                } else {
                    format!("•••• ({} bytes)", rec.secret.len())
                };
                let profile = rec.profile.map(|p| p.to_string()).unwrap_or_default();
                view! {
                    <tr data-row=row.to_string() class:has-error=has_error>
                        <td data-label="#">{row + 1}</td>
                        {cell(id, row, Field::Upn, "UPN", rec.upn.clone(), |r, v| r.upn = v)}
                        {cell(id, row, Field::Serial, "Serial", rec.serial.clone(), |r, v| r.serial = v)}
                        <td data-label="Profile">
                            <input
                                type="text"
                                class="cell narrow"
                                inputmode="numeric"
                                aria-label=format!("Profile, row {}", row + 1)
                                data-field="profile"
                                prop:value=profile
                                on:change=move |ev| {
                                    let v = event_target_value(&ev);
                                    match profile_of(&v) {
                                        Ok(p) => inv.edit(id, |r| r.profile = p),
                                        Err(e) => inv.status.set((false, format!("Row {}: {e}", row + 1))),
                                    }
                                }
                            />
                        </td>
                        {cell(id, row, Field::Manufacturer, "Manufacturer", rec.manufacturer.clone(), |r, v| r.manufacturer = v)}
                        {cell(id, row, Field::Model, "Model", rec.model.clone(), |r, v| r.model = v)}
                        <td data-label="Settings">{format!("{} · {} s", rec.algorithm.human(), rec.interval)}</td>
                        <td class="mono secret-cell" data-label="Secret">{secret}</td>
                        <td class="row-issues">
                            {problems
                                .into_iter()
                                .map(|(_, sev, m)| {
                                    view! {
                                        <div class:error=sev == Severity::Error class:warn=sev == Severity::Warning>
                                            {m}
                                        </div>
                                    }
                                })
                                .collect_view()}
                        </td>
                        <td class="remove-cell">
                            <button
                                type="button"
                                class="secondary small"
                                data-testid="remove-row"
                                aria-label=format!("Remove row {}", row + 1)
                                on:click=move |_| {
                                    inv.rows.update(|rows| rows.retain(|r| r.id != id));
                                    inv.dirty.set(true);
                                    inv.status.set((true, format!("Removed row {}.", row + 1)));
                                }
                            >
                                "Remove"
                            </button>
                        </td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <section class="wide" aria-labelledby="inv-h">
            <h2 id="inv-h">"7 · Inventory and export"</h2>
            <div class="row">
                <div class="field">
                    <label for="target-format">"Upload format"</label>
                    <select
                        id="target-format"
                        data-testid="target-format"
                        on:change=move |ev| {
                            inv.format.set(if event_target_value(&ev) == "graph" { Format::Graph } else { Format::Csv })
                        }
                    >
                        <option value="csv" prop:selected=move || inv.format.get() == Format::Csv>
                            {format!("Entra CSV upload ({})", caps::entra::algorithms_label(Format::Csv))}
                        </option>
                        <option value="graph" prop:selected=move || inv.format.get() == Format::Graph>
                            {format!("Graph JSON ({})", caps::entra::algorithms_label(Format::Graph))}
                        </option>
                    </select>
                </div>
                <p class="muted count" data-testid="inventory-count">
                    {move || {
                        let n = inv.rows.with(Vec::len);
                        let e = errors();
                        let unsaved = if inv.dirty.get() && n > 0 { " · not yet exported" } else { "" };
                        format!("{n} row(s) · {e} problem(s){unsaved}")
                    }}
                </p>
            </div>
            <div class="table-wrap">
                <table class="inventory" data-testid="inventory">
                    <caption class="sr-only">"Tokens to upload to Entra"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"#"</th>
                            {header(SortKey::Upn, "UPN")}
                            {header(SortKey::Serial, "Serial")}
                            {header(SortKey::Profile, "Profile")}
                            <th scope="col">"Manufacturer"</th>
                            {header(SortKey::Model, "Model")}
                            <th scope="col">"Settings"</th>
                            <th scope="col">"Secret"</th>
                            <th scope="col">"Problems"</th>
                            <th scope="col"><span class="sr-only">"Remove"</span></th>
                        </tr>
                    </thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
            <p
                data-testid="inventory-status"
                role="status"
                class=move || if inv.status.get().0 { "ok" } else { "error" }
            >
                {move || inv.status.get().1}
            </p>
            <div class="row">
                <button type="button" data-testid="save-csv" on:click=move |_| save(Format::Csv)>"Save Entra CSV"</button>
                <button type="button" data-testid="save-json" on:click=move |_| save(Format::Graph)>"Save Graph JSON"</button>
                <button type="button" class="secondary" data-testid="copy-csv" on:click=move |_| copy(Format::Csv)>"Copy CSV"</button>
                <button type="button" class="secondary" data-testid="copy-json" on:click=move |_| copy(Format::Graph)>"Copy JSON"</button>
            </div>
            <label for="import-csv">"Continue an existing list: open an Entra CSV"</label>
            <input
                id="import-csv"
                data-testid="import-csv"
                type="file"
                accept=".csv,text/csv"
                node_ref=file_ref
                on:change=import
            />
        </section>
    }
}
