//! Entra CSV files: `entra::read_csv`; what it reads and validation accepts is written back
//! (`write_csv`) and reads the same, and the Graph JSON written from it carries the same values.
//! (Core's Graph JSON reader has its own target, `graph_json`.)
//!
//! Input: the file's text.

use serde_json::Value;
use tokensmith_core::{
    graph_bulk_json, read_csv, validate_for, write_csv, Format, Severity, TokenRecord,
};

use crate::check;
use crate::csv_text::{rotate_column, Column};

pub fn run(data: &[u8]) {
    let Some(text) = check::text(data) else {
        return;
    };
    match read_csv(text) {
        Ok(records) => check_records(&records),
        Err(e) => {
            let message = e.to_string();
            check::short_message("entra_csv", &message);
            let secret_key = Column::Named(|h| h.eq_ignore_ascii_case("secret key"));
            if let Some((rotated, material)) = rotate_column(text, secret_key) {
                check::assert_no_echo("entra_csv", &material, &[message], || {
                    read_csv(&rotated).err().map(|e| vec![e.to_string()])
                });
            }
        }
    }
}

fn valid_for(records: &[TokenRecord], format: Format) -> bool {
    validate_for(records, format)
        .iter()
        .all(|i| i.severity != Severity::Error)
}

fn check_records(records: &[TokenRecord]) {
    for r in records {
        for cell in [&r.upn, &r.serial, &r.manufacturer, &r.model] {
            assert_eq!(cell.trim(), cell, "cells are trimmed");
        }
        assert!(!r.secret.is_empty());
    }
    for format in [Format::Csv, Format::Graph] {
        for issue in validate_for(records, format) {
            assert!(issue.row < records.len());
            check::short_message("entra_csv", &issue.message);
        }
    }
    let written = write_csv(records);
    assert_eq!(written.is_ok(), valid_for(records, Format::Csv));
    if let Ok(csv) = written {
        let again = read_csv(&csv).expect("a written CSV reads back");
        assert!(again == records, "the CSV written reads back differently");
    }
    let graph = graph_bulk_json(records);
    assert_eq!(graph.is_ok(), valid_for(records, Format::Graph));
    if let Ok(json) = graph {
        check_graph(records, &json);
    }
}

/// The Graph body is JSON with one device per record, in order, with the same values.
fn check_graph(records: &[TokenRecord], json: &str) {
    let body: Value = serde_json::from_str(json).expect("Graph body is JSON");
    assert_eq!(body["@context"], "#$delta");
    let devices = body["value"].as_array().expect("a value array");
    assert_eq!(devices.len(), records.len());
    for (i, (d, r)) in devices.iter().zip(records).enumerate() {
        assert_eq!(d["@contentId"], (i + 1).to_string());
        assert_eq!(d["serialNumber"], r.serial.as_str());
        assert_eq!(d["manufacturer"], r.manufacturer.as_str());
        assert_eq!(d["model"], r.model.as_str());
        assert_eq!(d["secretKey"], r.secret.to_base32().as_str());
        assert_eq!(d["timeIntervalInSeconds"], r.interval);
        assert_eq!(d["hashFunction"], "hmacsha1");
        let assigned = d.get("assignTo").map(|a| a["id"].clone());
        assert_eq!(
            assigned,
            (!r.upn.is_empty()).then(|| Value::from(r.upn.as_str()))
        );
    }
}
