//! The bridge's results file as `results-to-csv` and `entra push` read it: a burn journal or
//! an old results CSV (issue 14: both through the burn journal's reader; the journal target
//! fuzzes that reader's errors), then the bridge's rows. Every row that is exported has valid
//! cells (a damaged algorithm, digits, period or serial is refused, never defaulted), one row
//! per token, profile or credential, and converts to the Graph JSON that reads back with the
//! same seeds and parameters.
//!
//! Input: the file's bytes.

use std::collections::HashMap;

use hardware_bridge::results::{export, latest, Loaded, ResultRecord};
use tokensmith_burn_journal::parse_bytes;
use tokensmith_core::entra::read_graph_json;
use tokensmith_core::formats::{ExportFormat, ExportOptions};
use tokensmith_core::otp::{MAX_DIGITS, MIN_DIGITS};

/// The clock the rows are read at (2026-01-01).
const NOW: i64 = 1_767_225_600;

pub fn run(data: &[u8]) {
    let Ok(contents) = parse_bytes(data) else {
        return;
    };
    let loaded = Loaded::from_contents(contents, NOW);
    check_records(&loaded.rows);
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
    assert_eq!(
        latest(records).len(),
        records.len(),
        "one row per token, profile or credential"
    );
    // Graph takes unassigned tokens, so every file the checks accept converts, unless a row
    // is one Entra refuses (SHA-512, a 45 s period …).
    let graph = ExportFormat::GraphJson;
    let options = ExportOptions::default();
    let Ok((json, count)) = export(records, &HashMap::new(), graph, None, &options) else {
        return;
    };
    let back = read_graph_json(&json).expect("the Graph JSON written reads back");
    // HOTP credentials are left out of Entra's formats (named beside the file).
    let rows: Vec<_> = latest(records)
        .into_iter()
        .filter(|r| r.otp_kind == tokensmith_core::otpauth::Kind::Totp)
        .collect();
    assert_eq!(back.len(), rows.len(), "one device per token");
    assert_eq!(count, rows.len(), "the count said is the count written");
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
