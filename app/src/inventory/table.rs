//! The inventory table: one row per token with where it stands (burned / handed off,
//! verified with its drift, exported) and its problems, sortable by the column headers
//! (keyboard-operable buttons); editing and removing rows (with Undo) is a tool, switched on
//! by "Edit the list".

use super::{profile_of, without_row, Inventory, Row, SortKey};
use crate::seed::SecretState;
use leptos::prelude::*;
use std::cmp::Ordering;
use std::collections::HashMap;
use tokensmith_core::entra::{Field, Issue, Severity, TokenRecord};

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

#[component]
fn SortHeader(inv: Inventory, key: SortKey, label: &'static str) -> impl IntoView {
    let sort_by = move |_| {
        let asc = match inv.sort.get_untracked() {
            Some((k, asc)) if k == key => !asc,
            _ => true,
        };
        inv.sort.set(Some((key, asc)));
        inv.rows.update(|rows| sort_rows(rows, key, asc));
    };
    let order = move || match inv.sort.get() {
        Some((k, asc)) if k == key => Some(asc),
        _ => None,
    };
    view! {
        <th
            scope="col"
            aria-sort=move || match order() {
                Some(true) => "ascending",
                Some(false) => "descending",
                None => "none",
            }
        >
            <button type="button" class="sort" data-testid=format!("sort-{}", label.to_lowercase()) on:click=sort_by>
                {label}
                <span aria-hidden="true">
                    {move || match order() {
                        Some(true) => " ▲",
                        Some(false) => " ▼",
                        None => " ↕",
                    }}
                </span>
            </button>
        </th>
    }
}

/// A text cell, edited in place; marked while the list's checks find an error in it.
#[component]
fn Cell(
    inv: Inventory,
    problems: Problems,
    id: u64,
    row: usize,
    field: Field,
    label: &'static str,
    value: String,
    set: fn(&mut TokenRecord, String),
) -> impl IntoView {
    let bad = move || {
        problems.with(|p| {
            p.get(&row).is_some_and(|v| {
                v.iter()
                    .any(|i| i.field == field && i.severity == Severity::Error)
            })
        })
    };
    let field_name = label.to_lowercase();
    view! {
        <td data-label=label>
            <Show
                when=move || inv.editing.get()
                fallback={
                    let (value, field_name) = (value.clone(), field_name.clone());
                    move || view! { <span class="cell-text" class:bad=bad data-field=field_name.clone()>{value.clone()}</span> }
                }
            >
                <input
                    type="text"
                    class="cell"
                    class:bad=bad
                    autocomplete="off"
                    spellcheck="false"
                    aria-label=format!("{label}, row {}", row + 1)
                    aria-invalid=move || if bad() { "true" } else { "false" }
                    data-field=field_name.clone()
                    prop:value=value.clone()
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        inv.edit(id, |r| set(r, v.trim().to_string()));
                    }
                />
            </Show>
        </td>
    }
}

#[component]
fn ProfileCell(inv: Inventory, id: u64, row: usize, profile: Option<u8>) -> impl IntoView {
    let text = profile.map(|p| p.to_string()).unwrap_or_default();
    view! {
        <td data-label="Profile">
            <Show
                when=move || inv.editing.get()
                fallback={
                    let text = text.clone();
                    move || view! { <span class="cell-text" data-field="profile">{text.clone()}</span> }
                }
            >
                <input
                    type="text"
                    class="cell narrow"
                    inputmode="numeric"
                    aria-label=format!("Profile, row {}", row + 1)
                    data-field="profile"
                    prop:value=text.clone()
                    on:change=move |ev| match profile_of(&event_target_value(&ev)) {
                        Ok(p) => inv.edit(id, |r| r.profile = p),
                        Err(e) => inv.status.set((false, format!("Row {}: {e}", row + 1))),
                    }
                />
            </Show>
        </td>
    }
}

/// One row: its cells, the settings, the secret (masked unless revealed), its problems.
/// (A component body is not reactive: what changes with the list's checks or the reveal
/// toggle is read in closures.)
#[component]
fn RowView(
    state: SecretState,
    inv: Inventory,
    by_row: Problems,
    row: usize,
    r: Row,
) -> impl IntoView {
    let Row { id, rec, status } = r;
    let problems = move || -> Vec<(Severity, String)> {
        by_row.with(|p| {
            p.get(&row)
                .map(|v| {
                    v.iter()
                        .map(|i| (i.severity, without_row(&i.message).to_string()))
                        .collect()
                })
                .unwrap_or_default()
        })
    };
    let has_error = move || problems().iter().any(|p| p.0 == Severity::Error);
    let problems_index = by_row;
    let key = rec.secret.clone();
    let secret = move || {
        if state.revealed.get() {
            key.to_base32_grouped().to_string()
        } else {
            format!("•••• ({} bytes)", key.len())
        }
    };
    view! {
        <tr data-row=row.to_string() class:has-error=has_error>
            <td data-label="#">{row + 1}</td>
            <Cell inv problems=problems_index id row field=Field::Upn label="UPN" value=rec.upn.clone() set=|r, v| r.upn = v />
            <Cell inv problems=problems_index id row field=Field::Serial label="Serial" value=rec.serial.clone() set=|r, v| r.serial = v />
            <ProfileCell inv id row profile=rec.profile />
            <Cell inv problems=problems_index id row field=Field::Manufacturer label="Manufacturer" value=rec.manufacturer.clone() set=|r, v| r.manufacturer = v />
            <Cell inv problems=problems_index id row field=Field::Model label="Model" value=rec.model.clone() set=|r, v| r.model = v />
            <td data-label="Settings" data-field="settings">{status.settings(&rec)}</td>
            <td class="mono secret-cell" data-label="Secret">{secret}</td>
            <td data-label="Status" class=format!("row-status {}", status.tone()) data-field="status" data-testid="row-status">
                {status.label()}
            </td>
            <td class="row-issues">
                {move || {
                    problems()
                        .into_iter()
                        .map(|(sev, m)| {
                            view! {
                                <div class:error=sev == Severity::Error class:warn=sev == Severity::Warning>
                                    {m}
                                </div>
                            }
                        })
                        .collect_view()
                }}
            </td>
            <Show when=move || inv.editing.get()>
                <td class="remove-cell">
                    <button
                        type="button"
                        class="secondary small"
                        data-testid="remove-row"
                        aria-label=format!("Remove row {}", row + 1)
                        on:click=move |_| inv.remove(id)
                    >
                        "Remove"
                    </button>
                </td>
            </Show>
        </tr>
    }
}

/// The list's problems by row (one pass over them, not one per row).
type Problems = Memo<HashMap<usize, Vec<Issue>>>;

/// Rows shown at once: a 10,000-token list renders a page, not 10,000 rows (issue 15).
const PAGE: usize = 100;

/// The page that holds row `row`.
fn page_of(row: usize) -> usize {
    row / PAGE
}

#[component]
fn InventoryTable(state: SecretState, inv: Inventory) -> impl IntoView {
    let problems: Problems = Memo::new(move |_| {
        inv.issues.with(|v| {
            let mut by_row: HashMap<usize, Vec<Issue>> = HashMap::new();
            for i in v {
                by_row.entry(i.row).or_default().push(i.clone());
            }
            by_row
        })
    });
    let page = RwSignal::new(0usize);
    let len = Memo::new(move |_| inv.rows.with(Vec::len));
    let pages = move || len.get().div_ceil(PAGE).max(1);
    // New rows are brought into view: the page of the first one added (a burn's row at the
    // end, an import's first row); a shorter list keeps the page in range.
    Effect::new(move |before: Option<usize>| {
        let n = len.get();
        match before {
            Some(b) if n > b => page.set(page_of(b)),
            _ => page.update(|p| *p = (*p).min(n.saturating_sub(1) / PAGE)),
        }
        n
    });
    let first_error = move || {
        problems.with(|p| {
            p.iter()
                .filter(|(_, v)| v.iter().any(|i| i.severity == Severity::Error))
                .map(|(r, _)| *r)
                .min()
        })
    };
    let body = move || {
        let from = page.get() * PAGE;
        inv.rows.with(|rows| {
            rows.iter()
                .enumerate()
                .skip(from)
                .take(PAGE)
                .map(|(row, r)| {
                    let r = r.clone();
                    view! { <RowView state inv by_row=problems row r /> }
                })
                .collect_view()
        })
    };
    let range = move || {
        let (n, from) = (len.get(), page.get() * PAGE);
        format!("Rows {}–{} of {n}", (from + 1).min(n), (from + PAGE).min(n))
    };
    let go = move |p: usize| page.set(p.min(pages() - 1));
    let at_start = move || page.get() == 0;
    let at_end = move || page.get() + 1 >= pages();
    view! {
        <Show when=move || { len.get() > PAGE }>
            <nav class="pager row" aria-label="Inventory pages" data-testid="pager">
                <button type="button" class="secondary small" data-testid="pager-first" disabled=at_start on:click=move |_| go(0)>
                    "First"
                </button>
                <button type="button" class="secondary small" data-testid="pager-prev" disabled=at_start on:click=move |_| go(page.get_untracked().saturating_sub(1))>
                    "‹ Previous"
                </button>
                <span data-testid="pager-range" aria-live="polite">{range}</span>
                <button type="button" class="secondary small" data-testid="pager-next" disabled=at_end on:click=move |_| go(page.get_untracked() + 1)>
                    "Next ›"
                </button>
                <button type="button" class="secondary small" data-testid="pager-last" disabled=at_end on:click=move |_| go(pages() - 1)>
                    "Last"
                </button>
                {move || {
                    first_error()
                        .filter(|r| page_of(*r) != page.get())
                        .map(|r| {
                            view! {
                                <button type="button" class="secondary small" data-testid="pager-problem" on:click=move |_| go(page_of(r))>
                                    {format!("Go to the first problem (row {})", r + 1)}
                                </button>
                            }
                        })
                }}
            </nav>
        </Show>
        <div class="table-wrap">
            <table class="inventory" data-testid="inventory">
                <caption class="sr-only">"Tokens to upload to Entra"</caption>
                <thead>
                    <tr>
                        <th scope="col">"#"</th>
                        <SortHeader inv key=SortKey::Upn label="UPN" />
                        <SortHeader inv key=SortKey::Serial label="Serial" />
                        <SortHeader inv key=SortKey::Profile label="Profile" />
                        <th scope="col">"Manufacturer"</th>
                        <SortHeader inv key=SortKey::Model label="Model" />
                        <th scope="col">"Settings"</th>
                        <th scope="col">"Secret"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Problems"</th>
                        <Show when=move || inv.editing.get()>
                            <th scope="col"><span class="sr-only">"Remove"</span></th>
                        </Show>
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
}

/// Brings step 6's export menu (the one way out, and in) into view, focused on its format list.
fn to_export_menu() {
    use wasm_bindgen::JsCast;
    if let Some(el) = document().get_element_by_id("export-menu") {
        el.scroll_into_view();
        if let Some(first) = el
            .query_selector("input[name=export-format]:checked")
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = first.focus();
        }
    }
}

/// The inventory: the table, the way to the export menu, "Edit the list" (a tool), and Undo
/// for a removed row.
#[component]
pub fn InventoryPanel(state: SecretState, inv: Inventory) -> impl IntoView {
    let n = move || inv.rows.with(Vec::len);
    view! {
        <section class="inventory-panel" aria-labelledby="inv-h" id="inventory">
            <div class="row spread">
                <h2 id="inv-h">{move || format!("Inventory: {} token(s)", n())}</h2>
                <button type="button" class="secondary small" data-testid="inventory-export" on:click=|_| to_export_menu()>
                    "Export or import…"
                </button>
                <button
                    type="button"
                    class="secondary small"
                    data-testid="inventory-edit"
                    aria-pressed=move || inv.editing.get().to_string()
                    on:click=move |_| inv.editing.update(|e| *e = !*e)
                >
                    {move || if inv.editing.get() { "Done editing" } else { "Edit the list" }}
                </button>
            </div>
            <Show when=move || n() == 0>
                <p class="muted">"Burned and handed-off tokens are recorded here at once, with their state; export them in step 6."</p>
            </Show>
            <InventoryTable state inv />
            <Show when=move || inv.removed.with(|v| !v.is_empty())>
                <button type="button" class="secondary small" data-testid="undo-remove" on:click=move |_| inv.undo_remove()>
                    {move || {
                        inv.removed
                            .with(|v| v.last().map(|(i, r)| format!("Undo: put back {}", super::row_name(*i, &r.rec))))
                            .unwrap_or_default()
                    }}
                </button>
            </Show>
        </section>
    }
}
