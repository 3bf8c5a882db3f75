//! The burn journal read back (`tokensmith-burn-journal`'s `parse_bytes`, what restore and
//! `results-to-csv` start from): a plain-text journal, an old results CSV, or anything else.
//!
//! Beyond "no panic":
//! - what reads is consistent: records in line order, a torn last line exactly when the
//!   bytes do not end in a line break, every token in one state, exportable tokens hold a
//!   seed;
//! - written again (the same header and records, one JSON line each), the journal reads the
//!   same records to the same states;
//! - errors are short and never repeat a seed;
//! - encrypted mode (input starting with byte `FF`): the harness encrypts each line after
//!   the first (a line starting with `!` is kept as it is: damage) to a journal identity
//!   sealed with a cheap scrypt work factor; with no damaged line it reads exactly as the
//!   same journal in plain text.
//!
//! Input: the journal's bytes (or `FF` then the plain lines to encrypt).

use std::sync::OnceLock;

use age::secrecy::ExposeSecret;
use age::x25519;
use data_encoding::BASE64;
use serde_json::{json, Value};
use tokensmith_burn_journal::{
    parse, parse_bytes, Contents, Passphrase, SecretString, Source, FORMAT, VERSION,
};

use crate::check;
use crate::csv_text::{rotate_column, Column};

/// The first byte of an input for the encrypted mode (never the start of a plain journal).
pub const ENCRYPTED: u8 = 0xFF;

const PASSPHRASE: &str = "fuzz journal passphrase";
const JOURNAL_ID: &str = "0123456789abcdef0123456789abcdef";

pub fn run(data: &[u8]) {
    if let Some(lines) = data.strip_prefix(&[ENCRYPTED]) {
        encrypted(lines);
        return;
    }
    match parse_bytes(data) {
        Ok(contents) => check_contents(data, &contents),
        Err(e) => check_error(data, &e.to_string()),
    }
}

fn check_contents(data: &[u8], c: &Contents) {
    let tail = data.len() - data.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    if let Source::Journal(_) = c.source {
        assert_eq!(c.torn_tail.map(|t| t.bytes), (tail > 0).then_some(tail));
    }
    for pair in c.records.windows(2) {
        assert!(pair[0].line <= pair[1].line, "records out of line order");
        assert!(pair[0].record.seq < pair[1].record.seq, "seq goes back");
    }
    for t in c.fold.tokens() {
        let _ = t.state();
        assert!(!t.intent.seed.is_empty());
    }
    let restore = c.fold.restore();
    for t in restore.exportable() {
        assert!(t.state.holds_new_seed());
        assert!(!t.token_record().secret.is_empty());
    }
    let again = parse_bytes(&written(c)).expect("a journal written again reads back");
    assert_eq!(
        summary(&again),
        summary(c),
        "written again, it reads differently"
    );
}

/// The header and records as a plain journal.
fn written(c: &Contents) -> Vec<u8> {
    let created_at = match &c.source {
        Source::Journal(h) => h.created_at,
        Source::LegacyResultsCsv => 0,
    };
    let mut out = header_line(created_at, "plaintext", None);
    for r in &c.records {
        serde_json::to_writer(&mut out, &r.record).expect("a record serializes");
        out.push(b'\n');
    }
    out
}

fn header_line(created_at: i64, protection: &str, identity: Option<&str>) -> Vec<u8> {
    let mut h = json!({
        "format": FORMAT,
        "version": VERSION,
        "created_at": created_at,
        "journal": JOURNAL_ID,
        "protection": protection,
    });
    if let Some(id) = identity {
        h["identity"] = id.into();
    }
    let mut line = serde_json::to_vec(&h).expect("JSON");
    line.push(b'\n');
    line
}

/// What a journal says: every record, and every token's state.
fn summary(c: &Contents) -> (Vec<Value>, Vec<String>) {
    let records = c
        .records
        .iter()
        .map(|r| serde_json::to_value(&r.record).expect("a record serializes"))
        .collect();
    let states = c
        .fold
        .restore()
        .tokens
        .iter()
        .map(|t| format!("{} {:?}", t.slot, t.state))
        .collect();
    (records, states)
}

/// Errors are short, and a seed in the input never comes back: the seeds are rotated (the
/// `seed` of every JSON line, the `secret` column of an old results CSV) and the journal read
/// again when a message holds a run of a seed's characters.
fn check_error(data: &[u8], message: &str) {
    check::short_message("burn_journal", message);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (changed, material) = if text.starts_with(tokensmith_burn_journal::LEGACY_RESULTS_HEADER) {
        match rotate_column(text, Column::Named(|h| h == "secret")) {
            Some(r) => r,
            None => return,
        }
    } else {
        let mut material = Vec::new();
        let lines: Vec<String> = text
            .split('\n')
            .map(|line| match serde_json::from_str::<Value>(line) {
                Ok(mut v) => {
                    check::rotate_json(&mut v, &["seed"], &mut material);
                    v.to_string()
                }
                Err(_) => line.to_string(),
            })
            .collect();
        (lines.join("\n"), material)
    };
    check::assert_no_echo("burn_journal", &material, &[message.to_string()], || {
        parse_bytes(changed.as_bytes())
            .err()
            .map(|e| vec![e.to_string()])
    });
}

/// A journal identity and its header line, sealed with scrypt's cheapest work factor: made
/// once per process.
fn sealed_header() -> &'static (x25519::Identity, Vec<u8>) {
    static HEADER: OnceLock<(x25519::Identity, Vec<u8>)> = OnceLock::new();
    HEADER.get_or_init(|| {
        let id = x25519::Identity::generate();
        let mut r = age::scrypt::Recipient::new(SecretString::from(PASSPHRASE.to_owned()));
        r.set_work_factor(1);
        let sealed =
            age::encrypt(&r, id.to_string().expose_secret().as_bytes()).expect("age encrypts");
        let line = header_line(
            1_767_225_600,
            "age-passphrase",
            Some(&BASE64.encode(&sealed)),
        );
        (id, line)
    })
}

fn encrypted(lines: &[u8]) {
    let (id, header) = sealed_header();
    let recipient = id.to_public();
    let mut sealed = header.clone();
    let mut plain = header_line(1_767_225_600, "plaintext", None);
    let mut damaged = false;
    // The first line stands for the header, which the harness writes; after the last line
    // break there is no line.
    let lines = lines.strip_suffix(b"\n").unwrap_or(lines);
    for line in lines.split(|&b| b == b'\n').skip(1) {
        if line.is_empty() {
            // Damage either way, and the same damage.
            sealed.extend_from_slice(line);
        } else if let Some(raw) = line.strip_prefix(b"!") {
            damaged = true;
            sealed.extend_from_slice(raw);
        } else {
            let c = age::encrypt(&recipient, line).expect("age encrypts");
            sealed.extend_from_slice(BASE64.encode(&c).as_bytes());
        }
        sealed.push(b'\n');
        plain.extend_from_slice(line);
        plain.push(b'\n');
    }
    let passphrase = Passphrase::new(SecretString::from(PASSPHRASE.to_owned()));
    let read = parse(&sealed, Some(&passphrase));
    match &read {
        Ok(c) => {
            assert!(matches!(c.source, Source::Journal(_)));
            check_contents(&sealed, c);
        }
        Err(e) => check::short_message("burn_journal", &e.to_string()),
    }
    if damaged {
        return;
    }
    let read = read.map(|c| summary(&c)).map_err(|e| e.to_string());
    let in_plain = parse_bytes(&plain)
        .map(|c| summary(&c))
        .map_err(|e| e.to_string());
    assert_eq!(read, in_plain, "encrypted, the journal reads differently");
}
