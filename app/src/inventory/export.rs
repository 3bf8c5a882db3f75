//! The way out of the inventory (Entra CSV or Graph JSON, saved or copied; refused while the
//! list has errors; rows not verified named; a reminder that the file holds the seeds; the
//! command that finishes the job in Entra, from `entra`) and back in (an existing CSV).

use super::status::Origin;
use super::{row_name, validate_all, Inventory};
use crate::browser;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use tokensmith_core::caps;
use tokensmith_core::entra::{graph_bulk_json, read_csv, write_csv, Format, Severity};
use zeroize::Zeroizing;

pub const CSV_NAME: &str = "entra-oath-tokens.csv";
pub const JSON_NAME: &str = "entra-oath-tokens.json";

fn errors(inv: Inventory) -> usize {
    inv.issues
        .with(|v| v.iter().filter(|i| i.severity == Severity::Error).count())
}

/// The list as the chosen file (wiped when dropped), or why not.
fn export(inv: Inventory, fmt: Format) -> Result<Zeroizing<String>, String> {
    let recs = inv.records();
    if recs.is_empty() {
        return Err("The list is empty: add a token first.".into());
    }
    let errors: Vec<_> = validate_all(&recs, fmt)
        .into_iter()
        .filter(|i| i.severity == Severity::Error)
        .collect();
    if let Some(first) = errors.first() {
        return Err(format!(
            "Not exported: {} problem(s) in the list must be fixed first; the first: {}",
            errors.len(),
            first.message
        ));
    }
    let out = match fmt {
        Format::Csv => write_csv(&recs),
        Format::Graph => graph_bulk_json(&recs),
    };
    out.map_err(|e| format!("Not exported: {e}"))
}

/// The rows not verified, named, or `None` when every row is.
fn unverified(inv: Inventory) -> Option<String> {
    let names: Vec<String> = inv.rows.with(|rows| {
        rows.iter()
            .enumerate()
            .filter(|(_, r)| !r.status.verified())
            .map(|(i, r)| row_name(i, &r.rec))
            .collect()
    });
    match names.len() {
        0 => None,
        1 => Some(format!("Not verified: {}.", names[0])),
        n => Some(format!("{n} rows not verified: {}.", names.join("; "))),
    }
}

/// After a file was made: every row is in it.
fn exported(inv: Inventory, done: String) {
    inv.rows
        .update(|rows| rows.iter_mut().for_each(|r| r.status.exported = true));
    let flag = unverified(inv)
        .map(|u| format!(" {u} Check their codes (step 5) before handing them out."))
        .unwrap_or_default();
    inv.status.set((true, format!("{done}{flag}")));
}

fn file_name(fmt: Format) -> (&'static str, &'static str) {
    match fmt {
        Format::Csv => (CSV_NAME, "text/csv"),
        Format::Graph => (JSON_NAME, "application/json"),
    }
}

fn save(inv: Inventory, fmt: Format) {
    let (name, mime) = file_name(fmt);
    match export(inv, fmt).and_then(|text| browser::download(name, mime, &text)) {
        Ok(()) => {
            inv.last_saved.set(Some(name));
            let n = inv.rows.with_untracked(Vec::len);
            exported(inv, format!("Saved {n} row(s) as {name}."));
        }
        Err(e) => inv.status.set((false, e)),
    }
}

fn copy(inv: Inventory, fmt: Format) {
    match export(inv, fmt) {
        Ok(text) => spawn_local(async move {
            let what = if fmt == Format::Csv {
                "Entra CSV"
            } else {
                "Graph JSON"
            };
            let msg = browser::copy_text(&text, what).await;
            if msg.starts_with("Could not") {
                inv.status.set((false, msg));
            } else {
                exported(inv, msg);
            }
        }),
        Err(e) => inv.status.set((false, e)),
    }
}

/// Serials that appear on several rows, each with its own profile (a Molto2).
pub(super) fn multi_profile_serials(inv: Inventory) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    inv.rows.with(|rows| {
        for r in rows.iter().filter(|r| r.rec.profile.is_some()) {
            let s = r.rec.serial.trim().to_string();
            match out.iter_mut().find(|(x, _)| *x == s) {
                Some((_, n)) => *n += 1,
                None => out.push((s, 1)),
            }
        }
    });
    out.retain(|(_, n)| *n > 1);
    out
}

/// Appends the rows of the CSV chosen in `input`; a bad file changes nothing.
fn import(inv: Inventory, input: web_sys::HtmlInputElement) {
    spawn_local(async move {
        let res = browser::read_chosen_file(input.clone()).await;
        input.set_value("");
        let (name, text) = match res {
            Ok(file) => file,
            Err(e) => return inv.status.set((false, e)),
        };
        match read_csv(&text) {
            Err(e) => inv.status.set((
                false,
                format!("Could not import {name}: {e}. Nothing was added; the list is unchanged."),
            )),
            Ok(recs) => {
                let n = recs.len();
                // The rows are in that file already: leaving the page does not lose them.
                for rec in recs {
                    let mut status = super::Status::new(Origin::Imported, 6);
                    status.exported = true;
                    inv.add(rec, status);
                }
                let e = errors(inv);
                inv.status.set((
                    e == 0,
                    if e == 0 {
                        format!("Imported {n} row(s) from {name}.")
                    } else {
                        format!("Imported {n} row(s) from {name}; {e} problem(s) are marked in the table.")
                    },
                ));
            }
        }
    });
}

/// Step 6's export: format, count, save and copy, what the file holds, what is not verified,
/// the Entra command, the Molto2 note, and reading an existing CSV.
#[component]
pub fn ExportControls(inv: Inventory) -> impl IntoView {
    let file_ref: NodeRef<html::Input> = NodeRef::new();
    let format_label = |f: Format| {
        let name = match f {
            Format::Csv => "Entra CSV upload",
            Format::Graph => "Graph JSON",
        };
        format!("{name} ({})", caps::entra::algorithms_label(f))
    };
    let count = move || {
        let n = inv.rows.with(Vec::len);
        let e = errors(inv);
        let unsaved = if inv.dirty() {
            " · not yet exported"
        } else {
            ""
        };
        format!("{n} row(s) · {e} problem(s){unsaved}")
    };
    let empty = move || inv.rows.with(Vec::is_empty);
    let molto2 = move || {
        multi_profile_serials(inv)
            .into_iter()
            .map(|(s, n)| format!("{s} ({n} rows)"))
            .collect::<Vec<_>>()
    };
    view! {
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
                        {format_label(Format::Csv)}
                    </option>
                    <option value="graph" prop:selected=move || inv.format.get() == Format::Graph>
                        {format_label(Format::Graph)}
                    </option>
                </select>
            </div>
            <p class="muted count" data-testid="inventory-count">{count}</p>
        </div>
        <p class="muted" data-testid="export-empty" hidden=move || !empty()>
            "Nothing to export yet: each token is recorded here the moment it is burned or handed off."
        </p>
        <div class="row" hidden=empty>
            <button type="button" data-testid="save-csv" class:secondary=move || inv.format.get() != Format::Csv on:click=move |_| save(inv, Format::Csv)>"Save Entra CSV"</button>
            <button type="button" data-testid="save-json" class:secondary=move || inv.format.get() != Format::Graph on:click=move |_| save(inv, Format::Graph)>"Save Graph JSON"</button>
            <button type="button" class="secondary" data-testid="copy-csv" on:click=move |_| copy(inv, Format::Csv)>"Copy CSV"</button>
            <button type="button" class="secondary" data-testid="copy-json" on:click=move |_| copy(inv, Format::Graph)>"Copy JSON"</button>
        </div>
        <p
            data-testid="inventory-status"
            role="status"
            class=move || if inv.status.get().0 { "ok" } else { "error" }
        >
            {move || inv.status.get().1}
        </p>
        // What the file holds and where it goes: once there is a file to make.
        <div hidden=empty>
            <ul class="notes">
                {move || unverified(inv).map(|u| view! { <li data-testid="export-unverified">{u} " The export says so; check them first if you can."</li> })}
                <li data-testid="export-warning">
                    "The file holds every seed in plain text: whoever has it can compute these tokens' codes. Save it only to a folder of your own (no shared drive, chat or mail), upload it, then delete it and empty the trash."
                </li>
                <Show when=move || !molto2().is_empty()>
                    <li data-testid="export-molto2-note">
                        {move || format!(
                            "One serial on several rows: {}. A Molto2 holds one seed per profile, and Entra takes each profile as a token of its own, under the token's serial, each with its user. The file has no profile column: keep this list, it says which profile is whose.",
                            molto2().join(", ")
                        )}
                    </li>
                </Show>
            </ul>
            <super::entra::EntraCommand inv />
        </div>
        <label for="import-csv">"Continue an existing list: open an Entra CSV"</label>
        <input
            id="import-csv"
            data-testid="import-csv"
            type="file"
            accept=".csv,text/csv"
            node_ref=file_ref
            on:change=move |_| {
                if let Some(input) = file_ref.get_untracked() {
                    import(inv, input);
                }
            }
        />
    }
}
