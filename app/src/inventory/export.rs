//! The inventory panel: the upload format, the table, and the way out (Entra CSV or Graph
//! JSON, saved or copied; refused while the list has errors) and back in (an existing CSV).

use super::table::InventoryTable;
use super::{validate_all, Inventory};
use crate::browser;
use crate::seed::SecretState;
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

fn save(inv: Inventory, fmt: Format) {
    let (name, mime) = match fmt {
        Format::Csv => (CSV_NAME, "text/csv"),
        Format::Graph => (JSON_NAME, "application/json"),
    };
    match export(inv, fmt).and_then(|text| browser::download(name, mime, &text)) {
        Ok(()) => {
            inv.dirty.set(false);
            let n = inv.rows.with_untracked(Vec::len);
            inv.status
                .set((true, format!("Saved {n} row(s) as {name}.")));
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
            let ok = !msg.starts_with("Could not");
            if ok {
                inv.dirty.set(false);
            }
            inv.status.set((ok, msg));
        }),
        Err(e) => inv.status.set((false, e)),
    }
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
                let was_dirty = inv.dirty.get_untracked();
                let had = inv.rows.with_untracked(Vec::len);
                inv.push(recs);
                // A file read into an empty list is already saved; appended rows are not.
                inv.dirty.set(was_dirty || had > 0);
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

#[component]
pub fn InventoryPanel(state: SecretState, inv: Inventory) -> impl IntoView {
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
        let unsaved = if inv.dirty.get() && n > 0 {
            " · not yet exported"
        } else {
            ""
        };
        format!("{n} row(s) · {e} problem(s){unsaved}")
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
                            {format_label(Format::Csv)}
                        </option>
                        <option value="graph" prop:selected=move || inv.format.get() == Format::Graph>
                            {format_label(Format::Graph)}
                        </option>
                    </select>
                </div>
                <p class="muted count" data-testid="inventory-count">{count}</p>
            </div>
            <InventoryTable state inv />
            <p
                data-testid="inventory-status"
                role="status"
                class=move || if inv.status.get().0 { "ok" } else { "error" }
            >
                {move || inv.status.get().1}
            </p>
            <div class="row">
                <button type="button" data-testid="save-csv" on:click=move |_| save(inv, Format::Csv)>"Save Entra CSV"</button>
                <button type="button" data-testid="save-json" on:click=move |_| save(inv, Format::Graph)>"Save Graph JSON"</button>
                <button type="button" class="secondary" data-testid="copy-csv" on:click=move |_| copy(inv, Format::Csv)>"Copy CSV"</button>
                <button type="button" class="secondary" data-testid="copy-json" on:click=move |_| copy(inv, Format::Graph)>"Copy JSON"</button>
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
        </section>
    }
}
