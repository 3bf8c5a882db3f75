//! The bridge's results file, as `results-to-csv` reads it: every cell is checked (issue 14
//! point 2: a damaged algorithm, digits, period or serial is an error naming its line and
//! column, never a default), errors are short and never repeat a seed, what reads converts
//! to the Graph JSON that reads back with the same seeds and parameters, and the burn
//! journal, which reads old results files too, finds the same tokens in any file it accepts.
//!
//! Input: the file's text.

use std::collections::HashMap;

use hardware_bridge::results::{latest, read_results, to_entra, EntraFormat, ResultRecord};
use tokensmith_burn_journal::{parse_bytes, Source};
use tokensmith_core::entra::read_graph_json;
use tokensmith_core::otp::{MAX_DIGITS, MIN_DIGITS};

use crate::check;
use crate::csv_text::{rotate_column, Column};

pub fn run(data: &[u8]) {
    let Some(text) = check::text(data) else {
        return;
    };
    let read = read_results(text);
    match &read {
        Ok(records) => check_records(records),
        Err(e) => {
            let message = e.to_string();
            check::short_message("results", &message);
            if let Some((rotated, material)) = rotate_column(text, Column::Named(|h| h == "secret"))
            {
                check::assert_no_echo("results", &material, &[message], || {
                    read_results(&rotated).err().map(|e| vec![e.to_string()])
                });
            }
        }
    }
    agrees_with_the_journal(data, read.as_deref().ok());
}

fn clean(text: &str) -> bool {
    !text.chars().any(char::is_control)
}

fn check_records(records: &[ResultRecord]) {
    for r in records {
        assert!(
            (MIN_DIGITS..=MAX_DIGITS).contains(&r.digits),
            "{} digits",
            r.digits
        );
        assert!(r.period >= 1);
        assert!(!r.serial.is_empty() && clean(&r.serial));
        assert!(clean(&r.model) && clean(&r.manufacturer));
        assert!(r.name.as_deref().is_none_or(clean) && r.upn.as_deref().is_none_or(clean));
        assert!(r.name.as_deref() != Some("") && r.upn.as_deref() != Some(""));
        assert!(!r.secret.is_empty());
    }
    // Graph takes unassigned tokens, so every file the checks accept converts, unless a row
    // is one Entra refuses (SHA-512, a 45 s period …).
    let Ok(json) = to_entra(records, &HashMap::new(), EntraFormat::Graph, None) else {
        return;
    };
    let back = read_graph_json(&json).expect("the Graph JSON written reads back");
    let rows = latest(records);
    assert_eq!(back.len(), rows.len(), "one device per token");
    for (b, r) in back.iter().zip(rows) {
        assert!(b.secret == r.secret, "a seed changed on the way to Graph");
        assert_eq!(b.serial, r.serial.trim());
        assert_eq!((b.interval, b.algorithm), (r.period, r.algorithm));
        assert_eq!(b.upn, r.upn.as_deref().unwrap_or_default().trim());
        assert_eq!(
            b.display_name.as_deref(),
            r.name.as_deref().map(str::trim).filter(|n| !n.is_empty())
        );
    }
}

/// The burn journal reads old results files as "seed written, not verified": a file it
/// accepts, the bridge accepts too, with the same seed for every token.
fn agrees_with_the_journal(data: &[u8], bridge: Option<&[ResultRecord]>) {
    let Ok(contents) = parse_bytes(data) else {
        return;
    };
    if contents.source != Source::LegacyResultsCsv {
        return;
    }
    let records = bridge.expect("the journal reads a results file the bridge refuses");
    let restore = contents.fold.restore();
    let exportable: Vec<_> = restore.exportable().collect();
    let rows = latest(records);
    assert_eq!(
        exportable.len(),
        rows.len(),
        "the two readers count other tokens"
    );
    for r in rows {
        let found = exportable.iter().any(|e| {
            let t = e.token_record();
            t.serial == r.serial && t.profile == r.profile && t.secret == r.secret
        });
        assert!(found, "the journal holds another seed for {}", r.serial);
    }
}
