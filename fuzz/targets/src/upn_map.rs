//! The UPN map of `results-to-csv --upn-map`: a CSV with `serial` and `upn` columns (and
//! optionally `profile`) in any order. What reads is trimmed and written back reads the same;
//! errors are short.
//!
//! Input: the file's text.

use std::collections::HashMap;

use hardware_bridge::results::read_upn_map;

use crate::check;

pub fn run(data: &[u8]) {
    let Some(text) = check::text(data) else {
        return;
    };
    match read_upn_map(text) {
        Ok(map) => {
            for ((serial, _), upn) in &map {
                assert_eq!(serial.trim(), serial, "cells are trimmed");
                assert_eq!(upn.trim(), upn, "cells are trimmed");
            }
            assert_eq!(read_upn_map(&write(&map)).ok(), Some(map), "written back");
        }
        Err(e) => check::short_message("upn_map", &e.to_string()),
    }
}

/// The map as a UPN map file.
fn write(map: &HashMap<(String, Option<u8>), String>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["profile", "upn", "serial"])
        .expect("in memory");
    for ((serial, profile), upn) in map {
        let profile = profile.map(|p| p.to_string()).unwrap_or_default();
        w.write_record([profile.as_str(), upn, serial])
            .expect("in memory");
    }
    String::from_utf8(w.into_inner().expect("in memory")).expect("UTF-8 in, UTF-8 out")
}
