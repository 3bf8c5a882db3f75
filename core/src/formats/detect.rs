//! Which importable format a file is, from its text: the inventory's import
//! takes any of them without asking first.

use super::ExportFormat;

/// The format `input` is written in, or `None` when it is none of the
/// importable ones. Only the start of the file is looked at; the reader then
/// says what is wrong further in.
///
/// - PSKC is XML: it starts with `<` (after a byte-order mark and spaces).
/// - The Entra CSV has a header naming `upn`, `serial number` or `secret key`
///   (any order, any case, Token2's `timeinterval` spelling too).
/// - The OATH CSV (privacyIDEA/LinOTP) has no header and says `totp` or
///   `hotp` in its third column.
/// - Duo's CSV has no header and at most three columns: serial, hex seed, and
///   a number (time step or counter) or nothing.
pub fn detect(input: &str) -> Option<ExportFormat> {
    let text = input.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with('<') {
        return Some(ExportFormat::Pskc);
    }
    // Duo, privacyIDEA and LinOTP skip `#` comment lines.
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    let cells: Vec<String> = first
        .split(',')
        .map(|c| {
            c.trim()
                .trim_matches('"')
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_lowercase()
        })
        .collect();
    let named = |name: &str| cells.iter().any(|c| c == name);
    if named("upn") || named("serialnumber") || named("secretkey") {
        return Some(ExportFormat::EntraCsv);
    }
    match cells.get(2).map(String::as_str) {
        Some("totp" | "hotp") => Some(ExportFormat::OathCsv),
        Some(n) if cells.len() == 3 && n.chars().all(|c| c.is_ascii_digit()) => {
            Some(ExportFormat::DuoCsv)
        }
        None if cells.len() == 2 => Some(ExportFormat::DuoCsv),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_importable_format_is_told_from_its_start() {
        let cases = [
            (
                "<?xml version=\"1.0\"?>\n<KeyContainer/>",
                Some(ExportFormat::Pskc),
            ),
            ("\u{feff}  <pskc:KeyContainer/>", Some(ExportFormat::Pskc)),
            (
                "upn,serial number,secret key,time interval,manufacturer,model\r\n",
                Some(ExportFormat::EntraCsv),
            ),
            (
                " Model ,MANUFACTURER,timeinterval,secret key,Serial Number,UPN\n",
                Some(ExportFormat::EntraCsv),
            ),
            (
                "# exported\n0042,3132333435,totp,6,30\n",
                Some(ExportFormat::OathCsv),
            ),
            ("0042, 3132333435 , HOTP\n", Some(ExportFormat::OathCsv)),
            ("0042,3132333435,30\n", Some(ExportFormat::DuoCsv)),
            ("0042,3132333435,\n", Some(ExportFormat::DuoCsv)),
            ("0042,3132333435\n", Some(ExportFormat::DuoCsv)),
            ("otpauth://totp/x?secret=JBSWY3DP\n", None),
            ("{\"@context\": \"#$delta\"}", None),
            ("0042,3132333435,30,6\n", None),
            ("", None),
            ("\n# only a comment\n", None),
        ];
        for (input, want) in cases {
            assert_eq!(detect(input), want, "{input:?}");
        }
    }

    #[test]
    fn what_each_writer_writes_is_detected_as_that_format() {
        use crate::formats::{export, tests::token, ExportOptions};
        let mut t = token("0042", &[7; 20]);
        t.record.upn = "alice@contoso.com".into();
        for format in ExportFormat::ALL.into_iter().filter(|f| f.importable()) {
            let written = export(format, &[t.clone()], &ExportOptions::default()).unwrap();
            assert_eq!(detect(&written), Some(format), "{format}");
        }
    }
}
