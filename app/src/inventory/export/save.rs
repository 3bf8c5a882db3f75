//! Making the file: the list through `core::formats::export` in the chosen format (refused
//! with the row to fix), then — when recipients are set and the admin did not choose to save
//! unencrypted — encrypted in the worker; then saved or copied, and the rows marked exported.

use super::super::{entra_format, left_out_reason, validate_all, Inventory, Saved};
use super::choice::file_name;
use super::{exported, ExportState};
use crate::{browser, worker};
use leptos::prelude::*;
use leptos::task::spawn_local;
use tokensmith_core::entra::Severity;
use tokensmith_core::formats::pskc::PasswordKey;
use tokensmith_core::formats::{self, ExportOptions, OathToken};
use tokensmith_core::ExportFormat;
use tokensmith_worker_api::openpgp::{Armour, EncryptJob};
use zeroize::Zeroizing;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Save,
    Copy,
}

/// The rows the chosen format can hold, checked: refused with the first problem to fix. The
/// rows it cannot hold (HOTP in Entra's formats) are left out and named by the menu.
fn checked(inv: Inventory) -> Result<Vec<OathToken>, String> {
    let format = inv.format.get_untracked();
    let (tokens, left) = inv.tokens_for(format);
    if tokens.is_empty() {
        return Err(if left.is_empty() {
            "The list is empty: add a token first.".into()
        } else {
            format!(
                "Nothing to export as {}: every row is {}.",
                format.name(),
                left_out_reason(format)
            )
        });
    }
    let errors: Vec<_> = validate_all(&tokens, format)
        .into_iter()
        .filter(|i| i.severity == Severity::Error)
        .collect();
    if let Some(first) = errors.first() {
        return Err(format!(
            "Not exported as {}: {} problem(s) in the list must be fixed first; the first: {}",
            format.name(),
            errors.len(),
            first.message
        ));
    }
    Ok(tokens)
}

/// The chosen format's file (wiped when dropped) and how many rows it holds, or why not.
fn plain(
    inv: Inventory,
    ex: ExportState,
    tokens: &[OathToken],
    derived: Option<&PasswordKey>,
) -> Result<(Zeroizing<String>, usize), String> {
    let format = inv.format.get_untracked();
    ex.pskc
        .with_protection(derived, |pskc| {
            formats::export(format, tokens, &ExportOptions { pskc })
        })
        .map_err(|e| format!("Not exported: {e}."))?
        .map_err(|e| format!("Not exported as {}: {e}", format.name()))
        .map(|file| (file, tokens.len()))
}

/// Whether this export is encrypted: `Some` when recipients are set and the admin did not
/// choose "save unencrypted"; refused while a listed key is not confirmed.
fn encrypting(ex: ExportState) -> Result<bool, String> {
    if !ex.recipients.keys.with_untracked(|k| !k.is_empty()) || ex.unencrypted.get_untracked() {
        return Ok(false);
    }
    let unconfirmed = ex.recipients.unconfirmed();
    if !unconfirmed.is_empty() {
        return Err(format!(
            "Not exported: confirm the recipients' fingerprints first (tick each key you checked with its owner), or remove the keys: {}.",
            unconfirmed.join("; ")
        ));
    }
    Ok(true)
}

/// After the file was made: rows marked exported, the Entra file remembered for the command.
fn done(inv: Inventory, ex: ExportState, file: String, what: String) {
    let format = inv.format.get_untracked();
    if entra_format(format).is_some() {
        inv.last_saved.set(Some(Saved {
            plain: file_name(format),
            file,
        }));
    }
    // A plain file needs the choice again next time.
    ex.unencrypted.set(false);
    exported(inv, format!("{what}{}", ex.pskc_note(format)));
}

pub fn run(inv: Inventory, ex: ExportState, action: Action) {
    let pskc = inv.format.get_untracked() == ExportFormat::Pskc;
    let ready = checked(inv).and_then(|tokens| {
        let job = if pskc { ex.pskc.password_job()? } else { None };
        encrypting(ex)?;
        Ok((tokens, job))
    });
    let (tokens, job) = match ready {
        Ok(r) => r,
        Err(e) => return inv.status.set((false, e)),
    };
    let Some(job) = job else {
        return make(inv, ex, action, &tokens, None);
    };
    // PBKDF2 (about 0.1 s, more on a slow phone) runs in the worker, off this thread.
    ex.busy.set(true);
    inv.status.set((
        true,
        "Deriving the file's key from the password… (the first time, the worker starts)".into(),
    ));
    spawn_local(async move {
        let answer = worker::pskc_key(job).await;
        ex.busy.set(false);
        let key = match answer {
            Ok(Ok(k)) => PasswordKey::from_parts(k.salt, k.iterations, k.key)
                .map_err(|e| format!("Not exported: {e}.")),
            Ok(Err(why)) => Err(format!("Not exported: {why}.")),
            Err(f) => Err(format!("Not exported: {f}.")),
        };
        match key {
            Ok(key) => make(inv, ex, action, &tokens, Some(&key)),
            Err(e) => inv.status.set((false, e)),
        }
    });
}

/// Writes the file from checked rows, then saves or copies it, encrypted to the recipients
/// when they are set.
fn make(
    inv: Inventory,
    ex: ExportState,
    action: Action,
    tokens: &[OathToken],
    derived: Option<&PasswordKey>,
) {
    let made =
        plain(inv, ex, tokens, derived).and_then(|text| encrypting(ex).map(|enc| (text, enc)));
    let ((text, n), encrypt) = match made {
        Ok(m) => m,
        Err(e) => return inv.status.set((false, e)),
    };
    let format = inv.format.get_untracked();
    let name = file_name(format);
    if !encrypt {
        return match action {
            Action::Save => match browser::download(name, format.mime(), &text) {
                Ok(()) => done(
                    inv,
                    ex,
                    name.into(),
                    format!(
                        "Saved {n} row(s) as {name} ({}, not encrypted).",
                        format.name()
                    ),
                ),
                Err(e) => inv.status.set((false, e)),
            },
            Action::Copy => spawn_local(async move {
                let msg = browser::copy_text(&text, format.name()).await;
                if msg.starts_with("Could not") {
                    inv.status.set((false, msg));
                } else {
                    done(inv, ex, name.into(), msg);
                }
            }),
        };
    }
    let armour = ex.recipients.armour.get_untracked();
    if action == Action::Copy && armour == Armour::Binary {
        return inv.status.set((
            false,
            "A binary .gpg message cannot be copied as text: choose .asc to copy it, or save it."
                .into(),
        ));
    }
    let to = ex
        .recipients
        .confirmed()
        .iter()
        .map(|k| k.label.clone())
        .collect::<Vec<_>>()
        .join(", ");
    let job = EncryptJob {
        plaintext: Zeroizing::new(text.as_bytes().to_vec()),
        file_name: name.into(),
        keys: ex.recipients.encryption_keys(),
        armour,
    };
    drop(text);
    ex.busy.set(true);
    inv.status.set((
        true,
        "Encrypting… (the first time, the encryption module starts)".into(),
    ));
    spawn_local(async move {
        let answer = worker::encrypt(job).await;
        ex.busy.set(false);
        let sealed = match answer {
            Ok(Ok(s)) => s,
            Ok(Err(why)) => return inv.status.set((false, format!("Not exported: {why}."))),
            Err(f) => return inv.status.set((false, format!("Not exported: {f}."))),
        };
        let file = format!("{name}.{}", sealed.extension);
        match action {
            Action::Save => match browser::download_bytes(&file, &sealed.mime, &sealed.bytes) {
                Ok(()) => done(
                    inv,
                    ex,
                    file.clone(),
                    format!("Saved {n} row(s) as {file}, encrypted to {to}."),
                ),
                Err(e) => inv.status.set((false, e)),
            },
            Action::Copy => {
                let text = String::from_utf8_lossy(&sealed.bytes).into_owned();
                let msg = browser::copy_text(&text, &format!("encrypted {}", format.name())).await;
                if msg.starts_with("Could not") {
                    inv.status.set((false, msg));
                } else {
                    done(inv, ex, file, format!("{msg} It is encrypted to {to}."));
                }
            }
        }
    });
}
