//! Graph bulk JSON read back into the inventory: `entra::read_graph_json` (the page's own
//! export, or Token2's toolset's with numbers as strings). What reads and Graph accepts is
//! written (`graph_bulk_json`) and reads the same; errors are short and never repeat a
//! `secretKey`.
//!
//! Input: the file's text.

use serde_json::Value;
use tokensmith_core::entra::read_graph_json;
use tokensmith_core::{graph_bulk_json, validate_for, Format, Severity};

use crate::check;

pub fn run(data: &[u8]) {
    let Some(text) = check::text(data) else {
        return;
    };
    match read_graph_json(text) {
        Ok(records) => {
            for r in &records {
                for cell in [&r.upn, &r.serial, &r.manufacturer, &r.model] {
                    assert_eq!(cell.trim(), cell, "values are trimmed");
                }
            }
            let issues = validate_for(&records, Format::Graph);
            for i in &issues {
                check::short_message("graph_json", &i.message);
            }
            let valid = issues.iter().all(|i| i.severity != Severity::Error);
            let written = graph_bulk_json(&records);
            assert_eq!(written.is_ok(), valid);
            if let Ok(json) = written {
                let again = read_graph_json(&json).expect("written Graph JSON reads back");
                assert!(again == records, "Graph JSON reads back differently");
            }
        }
        Err(e) => {
            let message = e.to_string();
            check::short_message("graph_json", &message);
            let Ok(mut json) = serde_json::from_str::<Value>(text.trim_start_matches('\u{feff}'))
            else {
                return;
            };
            let mut material = Vec::new();
            check::rotate_json(&mut json, &["secretKey"], &mut material);
            check::assert_no_echo("graph_json", &material, &[message], || {
                read_graph_json(&json.to_string())
                    .err()
                    .map(|e| vec![e.to_string()])
            });
        }
    }
}
