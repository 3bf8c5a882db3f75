//! The token record form and the inventory: validated rows, inline editing, sorting, and the
//! Entra CSV / Graph JSON export and CSV import.
//!
//! `record` is the form that adds one token; `table` the editable, sortable rows; `export`
//! the panel around the table (format, save/copy, reading an existing CSV).

mod export;
mod record;
mod table;

pub use export::InventoryPanel;
pub use record::RecordPanel;

use leptos::prelude::*;
use tokensmith_core::caps;
use tokensmith_core::entra::{validate_for, Field, Format, Issue, IssueKind, TokenRecord};

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

/// Core's findings, one of them raised: core only warns when two serials share a secret (the
/// bridge's results may hold one seed burned into several devices on purpose), while in a
/// provisioning session it means a new seed was not generated, so the page's export refuses
/// it. Several profiles of one Molto2 (one serial) are unaffected.
pub fn validate_all(recs: &[TokenRecord], format: Format) -> Vec<Issue> {
    validate_for(recs, format)
        .into_iter()
        .map(|i| match i.kind {
            IssueKind::SharedSecret { .. } => i.as_error(),
            _ => i,
        })
        .collect()
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
