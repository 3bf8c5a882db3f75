//! Step 6's export menu, the one way out of the inventory: every format of
//! `ExportFormat::ALL` (`choice`), PSKC's own protection (`pskc`), OpenPGP recipients
//! (`recipients`, remembered by `keyring` when the admin asks), and the making of the file
//! (`save`: refused while the list has errors for the chosen format; encrypted once recipients
//! are set unless the admin chooses to save unencrypted). Also: rows not verified named, what
//! the file holds, the Molto2 note, the Entra command, and the import back.

mod choice;
mod keyring;
mod pskc;
mod recipients;
mod save;

pub use choice::file_name;

use super::{left_out_reason, row_name, Inventory};
use crate::checkbox::CheckBox;
use leptos::prelude::*;
use pskc::{PskcOptions, PskcState};
use recipients::{Recipients, RecipientsPanel};
use save::Action;
use tokensmith_core::entra::Severity;
use tokensmith_core::formats::duo::DuoTokenType;
use tokensmith_core::formats::ExportFormat;
use tokensmith_worker_api::openpgp::Armour;

/// The menu's state besides the chosen format (which is the inventory's: rows are validated
/// for it). Made by the menu, which the page shows once (step 6).
#[derive(Clone, Copy)]
pub struct ExportState {
    pskc: PskcState,
    recipients: Recipients,
    /// The admin chose to save the next file unencrypted although recipients are set.
    unencrypted: RwSignal<bool>,
    busy: RwSignal<bool>,
}

impl ExportState {
    fn new() -> Self {
        ExportState {
            pskc: PskcState::new(),
            recipients: Recipients::new(),
            unencrypted: RwSignal::new(false),
            busy: RwSignal::new(false),
        }
    }

    /// What the saved message adds about PSKC's own protection.
    fn pskc_note(&self, format: ExportFormat) -> &'static str {
        if format == ExportFormat::Pskc {
            self.pskc.describe()
        } else {
            ""
        }
    }

    /// The next save is encrypted to the recipients.
    fn encrypts(&self) -> bool {
        self.recipients.any() && !self.unencrypted.get()
    }
}

pub(super) fn errors(inv: Inventory) -> usize {
    inv.issues
        .with(|v| v.iter().filter(|i| i.severity == Severity::Error).count())
}

/// How many unverified rows the export names; the table's status column marks every one.
const NAMED_UNVERIFIED: usize = 10;

/// The rows not verified, the first [`NAMED_UNVERIFIED`] named, or `None` when every row is.
/// (Naming all of 10,000 imported rows was half a megabyte of text: unreadable, and 60–100 ms
/// of layout on every change.)
fn unverified(inv: Inventory) -> Option<String> {
    let (n, names) = inv.rows.with(|rows| {
        let mut names = Vec::new();
        let mut n = 0;
        for (i, r) in rows.iter().enumerate() {
            if !r.status.verified() {
                if n < NAMED_UNVERIFIED {
                    names.push(row_name(i, &r.rec));
                }
                n += 1;
            }
        }
        (n, names)
    });
    match n {
        0 => None,
        1 => Some(format!("Not verified: {}.", names[0])),
        n if n <= NAMED_UNVERIFIED => Some(format!("{n} rows not verified: {}.", names.join("; "))),
        n => Some(format!(
            "{n} rows not verified: {}; and {} more (the table's status column marks each).",
            names.join("; "),
            n - NAMED_UNVERIFIED
        )),
    }
}

/// After a file was made: every row it holds is marked exported; the rows it left out (HOTP
/// in an Entra file) stay unexported, and are named.
fn exported(inv: Inventory, done: String) {
    let format = inv.format.get_untracked();
    inv.rows.update(|rows| {
        rows.iter_mut()
            .filter(|r| r.fits(format))
            .for_each(|r| r.status.exported = true)
    });
    let flag = unverified(inv)
        .map(|u| format!(" {u} Check their codes (step 5) before handing them out."))
        .unwrap_or_default();
    let left = inv.tokens_for(format).1;
    let left = if left.is_empty() {
        String::new()
    } else {
        format!(
            " Not in it: {} — {}.",
            left.join("; "),
            left_out_reason(format)
        )
    };
    inv.status.set((true, format!("{done}{flag}{left}")));
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

/// The file the Save button makes, as it will be named.
fn save_label(inv: Inventory, ex: ExportState) -> String {
    let name = file_name(inv.format.get());
    if ex.encrypts() {
        let ext = match ex.recipients.armour.get() {
            Armour::Armored => "asc",
            Armour::Binary => "gpg",
        };
        format!("Save {name}.{ext} (encrypted)")
    } else {
        format!("Save {name}")
    }
}

/// Step 6's export: the formats, their options, the recipients, save and copy, and what to
/// know about the file.
#[component]
pub fn ExportMenu(inv: Inventory) -> impl IntoView {
    let ex = ExportState::new();
    let count = move || {
        let n = inv.rows.with(Vec::len);
        let e = errors(inv);
        let unsaved = if inv.dirty() {
            " · not yet exported"
        } else {
            ""
        };
        let left = match inv.left_out().len() {
            0 => String::new(),
            l => format!(" · {l} left out (HOTP)"),
        };
        format!(
            "{n} row(s){left} · {e} problem(s) for {}{unsaved}",
            inv.format.get().name()
        )
    };
    let empty = move || inv.rows.with(Vec::is_empty);
    let molto2 = move || {
        multi_profile_serials(inv)
            .into_iter()
            .map(|(s, n)| format!("{s} ({n} rows)"))
            .collect::<Vec<_>>()
    };
    let duo_type = move || {
        inv.rows
            .with(|rows| rows.first().map(|r| r.token()))
            .as_ref()
            .and_then(DuoTokenType::of)
    };
    let is = move |f: ExportFormat| inv.format.get() == f;
    view! {
        <div class="export-menu" id="export-menu" data-testid="export-menu">
            <choice::FormatList inv />
            <Show when=move || is(ExportFormat::Pskc)>
                <PskcOptions st=ex.pskc />
            </Show>
            <Show when=move || is(ExportFormat::DuoCsv) && duo_type().is_some()>
                <p class="muted small" data-testid="export-duo-type">
                    {move || duo_type().map(|t| format!("Duo's import form asks for the token type: choose “{}”.", t.label()))}
                </p>
            </Show>
            <p class="muted count" data-testid="inventory-count">{count}</p>
            <p class="muted" data-testid="export-empty" hidden=move || !empty()>
                "Nothing to export yet: each token is recorded here the moment it is burned or handed off."
            </p>
            <Show when=move || ex.recipients.any()>
                <CheckBox id="export-unencrypted" value=ex.unencrypted class="warn-box">
                    "Save the next file unencrypted: every seed in plain text, readable by whoever gets the file"
                </CheckBox>
            </Show>
            <div class="row" hidden=empty>
                <button type="button" data-testid="save-export" disabled=move || ex.busy.get() on:click=move |_| save::run(inv, ex, Action::Save)>
                    {move || save_label(inv, ex)}
                </button>
                <button type="button" class="secondary" data-testid="copy-export" disabled=move || ex.busy.get() on:click=move |_| save::run(inv, ex, Action::Copy)>
                    "Copy"
                </button>
            </div>
            <p data-testid="inventory-status" role="status" class=move || if inv.status.get().0 { "ok" } else { "error" }>
                {move || inv.status.get().1}
            </p>
            <RecipientsPanel r=ex.recipients />
            // What the file holds and where it goes: once there is a file to make.
            <div hidden=empty>
                <ul class="notes">
                    <Show when=move || !inv.left_out().is_empty()>
                        <li class="warn" data-testid="export-left-out">
                            {move || {
                                let left = inv.left_out();
                                format!(
                                    "{} {} — {}. They stay marked “not exported” until you save them in one of those formats.",
                                    if left.len() == 1 { "Not in this file:" } else { "Not in this file (HOTP rows):" },
                                    left.join("; "),
                                    left_out_reason(inv.format.get())
                                )
                            }}
                        </li>
                    </Show>
                    {move || unverified(inv).map(|u| view! { <li data-testid="export-unverified">{u} " The export says so; check them first if you can."</li> })}
                    <li data-testid="export-warning">
                        {move || if ex.encrypts() {
                            "The file is encrypted: only the recipients' secret keys open it. Still save it only where it needs to go."
                        } else {
                            "The file holds every seed in plain text: whoever has it can compute these tokens' codes. Encrypt it to its recipients (above), or save it only to a folder of your own (no shared drive, chat or mail), upload it, then delete it and empty the trash."
                        }}
                    </li>
                    <Show when=move || inv.entra_format().is_some() && !molto2().is_empty()>
                        <li data-testid="export-molto2-note">
                            {move || format!(
                                "One serial on several rows: {}. A Molto2 holds one seed per profile, and Entra takes each profile as a token of its own, under the token's serial, each with its user. The file has no profile column: keep this list, it says which profile is whose.",
                                molto2().join(", ")
                            )}
                        </li>
                    </Show>
                </ul>
                // Only for a file with rows in it (an HOTP-only list makes no Entra file).
                <Show when=move || inv.entra_format().is_some() && inv.left_out().len() < inv.rows.with(Vec::len)>
                    <super::entra::EntraCommand inv />
                </Show>
            </div>
            <super::import::ImportFile inv />
        </div>
    }
}
