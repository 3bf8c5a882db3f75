//! The review list's state: the accounts found so far, what the last import said, and the
//! batches of a Google Authenticator export still missing codes.

use leptos::prelude::*;
use tokensmith_core::otp::OtpParams;
use tokensmith_core::otpauth::{Kind, OtpAuth};
use tokensmith_core::secret::Secret;

/// One account in the review list.
#[derive(Clone)]
pub struct Item {
    pub id: u64,
    pub keep: bool,
    pub issuer: String,
    pub account: String,
    pub secret: Secret,
    pub kind: Kind,
    pub params: OtpParams,
    /// Where it came from ("QR code", "Google Authenticator export", "Aegis backup", …).
    pub source: &'static str,
}

impl Item {
    pub(super) fn label(&self) -> String {
        match (self.issuer.trim(), self.account.trim()) {
            ("", "") => "(unnamed)".into(),
            ("", a) => a.into(),
            (i, "") => i.into(),
            (i, a) => format!("{i}: {a}"),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Ok,
    Warn,
    Error,
}

/// A Google Authenticator export split over several QR codes.
#[derive(Clone)]
pub(super) struct Batch {
    pub(super) id: i32,
    pub(super) size: u32,
    pub(super) seen: Vec<u32>,
}

#[derive(Clone, Copy)]
pub struct ImportState {
    pub items: RwSignal<Vec<Item>>,
    next_id: StoredValue<u64>,
    /// What the last import said, one line each.
    pub messages: RwSignal<Vec<(Tone, String)>>,
    pub busy: RwSignal<bool>,
    /// Imports still running (a superseded picture ends while the next one runs).
    pub(super) jobs: StoredValue<u32>,
    pub(super) batches: RwSignal<Vec<Batch>>,
    /// Milliseconds the last picture took (browser decode + scaling + QR search).
    pub decode_ms: RwSignal<Option<f64>>,
}

/// "this is …" → "This is …".
pub(super) fn sentence(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

impl ImportState {
    pub fn new() -> Self {
        ImportState {
            items: RwSignal::new(Vec::new()),
            next_id: StoredValue::new(1),
            messages: RwSignal::new(Vec::new()),
            busy: RwSignal::new(false),
            jobs: StoredValue::new(0),
            batches: RwSignal::new(Vec::new()),
            decode_ms: RwSignal::new(None),
        }
    }

    pub(super) fn say(&self, tone: Tone, msg: impl Into<String>) {
        self.messages.update(|m| m.push((tone, msg.into())));
    }

    /// Adds accounts, skipping ones already listed (same secret, issuer and name). Returns how
    /// many were added.
    pub(super) fn add(&self, accounts: Vec<OtpAuth>, source: &'static str) -> (usize, usize) {
        let mut added = 0;
        let mut dup = 0;
        self.items.update(|items| {
            for a in accounts {
                let issuer = a.issuer.clone().unwrap_or_default();
                if items
                    .iter()
                    .any(|i| i.secret == a.secret && i.issuer == issuer && i.account == a.account)
                {
                    dup += 1;
                    continue;
                }
                let id = self.next_id.get_value();
                self.next_id.set_value(id + 1);
                items.push(Item {
                    id,
                    keep: true,
                    issuer,
                    account: a.account,
                    secret: a.secret,
                    kind: a.kind,
                    params: a.params,
                    source,
                });
                added += 1;
            }
        });
        (added, dup)
    }

    pub(super) fn report_added(&self, added: usize, dup: usize, what: &str) {
        let mut msg = match added {
            0 => format!("{what}: nothing new"),
            1 => format!("{what}: 1 account added to the review list"),
            n => format!("{what}: {n} accounts added to the review list"),
        };
        if dup > 0 {
            msg.push_str(&format!(" ({dup} already listed)"));
        }
        msg.push('.');
        self.say(if added > 0 { Tone::Ok } else { Tone::Warn }, msg);
    }

    pub(super) fn clear(&self) {
        self.items.set(Vec::new());
        self.batches.set(Vec::new());
        self.messages
            .set(vec![(Tone::Ok, "The review list is cleared.".into())]);
    }
}

/// The files of a file list (input, drop, clipboard).
pub(super) fn file_list(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}
