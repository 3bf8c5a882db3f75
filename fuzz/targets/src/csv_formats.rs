//! The headerless token CSVs the inventory imports: Duo's hardware-token import (each of the
//! four token types its form asks for) and privacyIDEA/LinOTP's OATH CSV, through
//! `formats::import` as the page calls it. What reads is written (`formats::export`) and
//! reads the same; errors are short and never repeat a hex seed.
//!
//! Input: the first byte picks the format ([`FORMATS`]), the rest is the file.

use tokensmith_core::formats::duo::DuoTokenType;
use tokensmith_core::formats::{export, import, ExportOptions, ImportOptions};
use tokensmith_core::otp::{MAX_DIGITS, MIN_DIGITS};
use tokensmith_core::{ExportFormat, OathToken};

use crate::check;
use crate::csv_text::{rotate_column, Column};

/// What the first byte picks: Duo with one of its token types, or the OATH CSV.
pub const FORMATS: [(ExportFormat, DuoTokenType); 5] = [
    (ExportFormat::DuoCsv, DuoTokenType::Totp6),
    (ExportFormat::DuoCsv, DuoTokenType::Totp8),
    (ExportFormat::DuoCsv, DuoTokenType::Hotp6),
    (ExportFormat::DuoCsv, DuoTokenType::Hotp8),
    (ExportFormat::OathCsv, DuoTokenType::Totp6),
];

pub fn run(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Some(text) = check::text(rest) else {
        return;
    };
    let (format, duo) = FORMATS[usize::from(pick) % FORMATS.len()];
    let options = ImportOptions {
        duo,
        ..Default::default()
    };
    match import(format, text, &options) {
        Ok(tokens) => check_tokens(format, &options, &tokens),
        Err(e) => {
            let message = e.to_string();
            check::short_message("csv_formats", &message);
            if let Some((rotated, material)) = rotate_column(text, Column::At(1)) {
                check::assert_no_echo("csv_formats", &material, &[message], || {
                    import(format, &rotated, &options)
                        .err()
                        .map(|e| vec![e.to_string()])
                });
            }
        }
    }
}

fn check_tokens(format: ExportFormat, options: &ImportOptions, tokens: &[OathToken]) {
    for t in tokens {
        assert!((MIN_DIGITS..=MAX_DIGITS).contains(&t.digits));
        assert!(!t.record.secret.is_empty());
        assert_eq!(t.record.serial.trim(), t.record.serial);
    }
    let Ok(written) = export(format, tokens, &ExportOptions::default()) else {
        return;
    };
    let again = import(format, &written, options).expect("a written file reads back");
    assert!(again == tokens, "written, the file reads differently");
}
