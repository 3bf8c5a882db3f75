//! The record the job's fields describe — one token (or Molto2 profile) for one user —
//! checked against the target model (everything the burn carries), Entra and the list before
//! anything is burned or added.

use super::{entra_format, profile_of, validate_appended, without_row, Inventory};
use crate::params::{ParamsState, RecordForm};
use crate::presets::PRESETS;
use crate::seed::SecretState;
use leptos::prelude::*;
use tokensmith_core::caps::{self, Account, Firmware, Param};
use tokensmith_core::entra::{Field, Severity, TokenRecord};
use tokensmith_core::formats::OathToken;
use tokensmith_core::otpauth::Kind;

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
pub fn manufacturers() -> Vec<&'static str> {
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
        Param::Account => Some(Field::Upn),
        _ => None,
    }
}

/// Problems, each with the field it belongs to when there is one.
pub type Problems = Vec<(Option<Field>, String)>;

/// The OATH account name: the one typed, else the UPN.
pub fn account_name(params: ParamsState, form: RecordForm) -> String {
    let a = params.account.get().trim().to_string();
    if a.is_empty() {
        form.upn.get().trim().to_string()
    } else {
        a
    }
}

/// What the job describes, checked (tracked reads: a memo of it follows every field): `caps::check` with everything a burn carries (seed
/// length, profile, title, account, the applet's `firmware` when the device was read),
/// Entra's digits rule, then the list's own checks with this record added (`replacing`: the
/// row a re-burn would replace, left out). Nothing is changed.
pub fn checked_record(
    state: SecretState,
    params: ParamsState,
    form: RecordForm,
    inv: Inventory,
    replacing: Option<u64>,
    firmware: Option<Firmware>,
) -> Result<TokenRecord, Problems> {
    let mut problems: Problems = Vec::new();
    if state.error.get().is_some() {
        problems.push((
            Some(Field::Secret),
            "the seed field holds an invalid secret: fix it or generate a new seed".into(),
        ));
    }
    let p = params.otp.get();
    let kind = params.kind();
    // The record carries the algorithm and interval, which the list's validation checks
    // against Entra below; Entra's digits rule is worded here for the digits picker. (An HOTP
    // row is in no Entra file: the export leaves it out and says so.)
    if let Some(entra) = inv.entra_format().filter(|_| kind == Kind::Totp) {
        for r in caps::entra::check(entra, &p).err().unwrap_or_default() {
            if r.param() == Param::Digits {
                problems.push((None, r.to_string()));
            }
        }
    }
    let model = params.preset.get();
    let c = model.caps();
    let profile_text = form.profile.get();
    let profile = profile_of(&profile_text).unwrap_or_else(|e| {
        problems.push((Some(Field::Profile), e));
        None
    });
    let account = account_name(params, form);
    let issuer = params.issuer.get();
    let title = form.title.get();
    let named = c.account != Account::None;
    let seed_len = state.secret.with_untracked(|s| s.as_ref().map(|s| s.len()));
    let target = caps::Params {
        profile,
        seed_len,
        account: named.then_some(account.as_str()),
        issuer: named.then_some(issuer.as_str()),
        title: (c.title_bytes.is_some() && !title.trim().is_empty()).then_some(title.trim()),
        firmware,
        touch: c.family == caps::Family::Oath && params.touch.get(),
        // An unreadable slot is reported once, not again as a missing one.
        complete: profile.is_some() || profile_text.trim().is_empty(),
        ..caps::Params::otp(p)
    };
    for r in caps::check(model, &target).err().unwrap_or_default() {
        problems.push((field_of(r.param()), r.to_string()));
    }
    let Some(secret) = state.secret.get() else {
        if state.error.get().is_none() {
            problems.push((Some(Field::Secret), "there is no seed".into()));
        }
        return Err(problems);
    };
    let text = |s: RwSignal<String>| s.get().trim().to_string();
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
    let format = inv.format.get();
    let token = OathToken {
        record: rec.clone(),
        digits: p.digits,
        kind,
    };
    let entra = entra_format(format).is_some();
    // A row no file of this format would hold is not checked against it; the list's rows are
    // checked as that format's file would hold them (a re-burn as the row it replaces).
    let issues = if token.is_totp() || !entra {
        inv.rows.with(|rows| {
            let listed = rows
                .iter()
                .filter(|r| Some(r.id) != replacing && r.fits(format));
            validate_appended(listed, &token, format)
        })
    } else {
        Vec::new()
    };
    for i in issues {
        // Entra's digits rule was said above, in the picker's words.
        if entra && i.field == Field::Digits {
            continue;
        }
        if i.severity == Severity::Error {
            problems.push((Some(i.field), without_row(&i.message).to_string()));
        }
    }
    if problems.is_empty() {
        Ok(rec)
    } else {
        Err(problems)
    }
}
