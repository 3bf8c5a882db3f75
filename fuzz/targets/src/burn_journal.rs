//! The burn journal read back (`tokensmith-burn-journal`'s `parse_bytes`, what restore and
//! `results-to-csv` start from): a plain-text journal, an old results CSV, or anything else.
//!
//! Beyond "no panic":
//! - what reads is consistent: records in line order, a torn last line exactly when the
//!   bytes do not end in a line break, every token in one state, exportable tokens hold a
//!   seed;
//! - written again (the same header and records, one JSON line each), the journal reads the
//!   same records to the same states;
//! - errors are short and never repeat a seed.
//!
//! The encrypted journal is `burn_journal_sealed`'s (its age work per line made this target
//! 150 executions a second while it lived here).
//!
//! Input: the journal's bytes.

use serde_json::{json, Value};
use tokensmith_burn_journal::{parse_bytes, Contents, Source, FORMAT, VERSION};

use crate::check;
use crate::csv_text::{rotate_column, Column};

const JOURNAL_ID: &str = "0123456789abcdef0123456789abcdef";

pub fn run(data: &[u8]) {
    match parse_bytes(data) {
        Ok(contents) => check_contents(data, &contents),
        Err(e) => check_error(data, &e.to_string()),
    }
}

pub(crate) fn check_contents(data: &[u8], c: &Contents) {
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

pub(crate) fn header_line(created_at: i64, protection: &str, identity: Option<&str>) -> Vec<u8> {
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
pub(crate) fn summary(c: &Contents) -> (Vec<Value>, Vec<String>) {
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
