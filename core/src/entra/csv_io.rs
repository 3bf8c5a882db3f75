//! The admin-center CSV. Written exactly as Entra documents it; read as
//! forgivingly as other tools (Token2's toolset, Excel) write it.

use csv::{QuoteStyle, ReaderBuilder, StringRecord, Terminator, WriterBuilder};
use zeroize::Zeroizing;

use super::validate::validate;
use super::{EntraError, Severity, TokenRecord};
use crate::otp::Algorithm;
use crate::secret::{Encoding, Secret};

pub const CSV_HEADER: &str = "upn,serial number,secret key,time interval,manufacturer,model";

const UPN: &str = "upn";
const SERIAL: &str = "serial number";
const SECRET: &str = "secret key";
const INTERVAL: &str = "time interval";
const MANUFACTURER: &str = "manufacturer";
const MODEL: &str = "model";
/// Longest time interval cell an error repeats ("30 seconds" fits).
const MAX_SHOWN_INTERVAL: usize = 12;
const COLUMNS: [&str; 6] = [UPN, SERIAL, SECRET, INTERVAL, MANUFACTURER, MODEL];

/// Refuses to write anything if validation finds an error: a half-valid file
/// would fail in Entra minutes later, far from where it can be fixed.
pub fn write_csv(records: &[TokenRecord]) -> Result<Zeroizing<String>, EntraError> {
    let errors: Vec<_> = validate(records)
        .into_iter()
        .filter(|i| i.severity == Severity::Error)
        .collect();
    if !errors.is_empty() {
        return Err(EntraError::Invalid(errors));
    }
    let capacity = 64 + records.len() * 160;
    let mut w = WriterBuilder::new()
        .terminator(Terminator::CRLF)
        .quote_style(QuoteStyle::Necessary)
        .from_writer(Vec::with_capacity(capacity));
    let fail = |e: csv::Error| EntraError::Write(e.to_string());
    w.write_record(COLUMNS).map_err(fail)?;
    for rec in records {
        let secret = rec.secret.to_base32();
        let interval = rec.interval.to_string();
        w.write_record([
            rec.upn.as_str(),
            rec.serial.as_str(),
            secret.as_str(),
            interval.as_str(),
            rec.manufacturer.as_str(),
            rec.model.as_str(),
        ])
        .map_err(fail)?;
    }
    let bytes = Zeroizing::new(
        w.into_inner()
            .map_err(|e| EntraError::Write(e.to_string()))?,
    );
    let text = std::str::from_utf8(&bytes).map_err(|e| EntraError::Write(e.to_string()))?;
    Ok(Zeroizing::new(text.to_owned()))
}

/// Header names are matched trimmed and case-insensitively, in any order;
/// `timeinterval` (older docs, Token2's toolset) is accepted. Cells are
/// trimmed. Only parsing happens here: run [`super::validate`] on the result
/// for Entra's rules. Imported tokens are SHA-1, the only algorithm a CSV can carry.
pub fn read_csv(input: &str) -> Result<Vec<TokenRecord>, EntraError> {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input.as_bytes());
    let mut rows = reader.records();
    let header = match rows.next() {
        None => return Err(EntraError::EmptyFile),
        Some(h) => h.map_err(|e| csv_error(&mut LineCounter::new(input), &e))?,
    };
    let index = column_index(&header)?;
    let mut lines = LineCounter::new(input);
    let mut out = Vec::new();
    for row in rows {
        let row = row.map_err(|e| csv_error(&mut lines, &e))?;
        let line = row.position().map_or(0, |p| lines.line_at(p.byte()));
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        out.push(parse_row(&row, &index, line)?);
    }
    Ok(out)
}

/// The 1-based line a byte offset falls on. The csv crate's line counter and record offsets
/// leave out the blank lines before a record; people count them, so the line is derived from
/// the byte offset, stepping over any blank lines that follow it.
///
/// Records come in order, so the count carries on from the previous offset: reading a file
/// is linear in its size (recounting from the start made 100,000 rows take minutes).
struct LineCounter<'a> {
    bytes: &'a [u8],
    /// Offset up to which newlines are counted.
    pos: usize,
    newlines: u64,
    /// Bytes examined so far, to prove the linearity in a test.
    #[cfg(test)]
    scanned: usize,
}

impl<'a> LineCounter<'a> {
    fn new(input: &'a str) -> Self {
        LineCounter {
            bytes: input.as_bytes(),
            pos: 0,
            newlines: 0,
            #[cfg(test)]
            scanned: 0,
        }
    }

    fn line_at(&mut self, byte: u64) -> u64 {
        let bytes = self.bytes;
        let mut end = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
        while end < bytes.len() && matches!(bytes[end], b'\r' | b'\n') {
            end += 1;
        }
        if end < self.pos {
            // Only an error can point backwards; count afresh.
            self.pos = 0;
            self.newlines = 0;
        }
        let seen = &bytes[self.pos..end];
        #[cfg(test)]
        {
            self.scanned += seen.len();
        }
        self.newlines +=
            u64::try_from(seen.iter().filter(|&&b| b == b'\n').count()).unwrap_or(u64::MAX);
        self.pos = end;
        self.newlines.saturating_add(1)
    }
}

fn csv_error(lines: &mut LineCounter, e: &csv::Error) -> EntraError {
    let line = e.position().map_or(0, |p| lines.line_at(p.byte()));
    EntraError::Line {
        line,
        message: format!("not valid CSV ({e})"),
    }
}

fn column_index(header: &StringRecord) -> Result<[usize; 6], EntraError> {
    let names: Vec<String> = header
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let mut index = [0usize; 6];
    for (slot, column) in index.iter_mut().zip(COLUMNS) {
        *slot = names
            .iter()
            .position(|n| n == column || (column == INTERVAL && n == "timeinterval"))
            .ok_or(EntraError::MissingColumn(column))?;
    }
    Ok(index)
}

fn parse_row(row: &StringRecord, index: &[usize; 6], line: u64) -> Result<TokenRecord, EntraError> {
    let cell = |i: usize| -> Result<&str, EntraError> {
        row.get(index[i])
            .map(str::trim)
            .ok_or_else(|| EntraError::Cell {
                line,
                column: COLUMNS[i],
                message: format!(
                    "missing: the row has {} fields but the header has more",
                    row.len()
                ),
            })
    };
    let cell_error = |i: usize, message: String| EntraError::Cell {
        line,
        column: COLUMNS[i],
        message,
    };
    let secret = Secret::parse(cell(2)?, Encoding::Base32)
        .map_err(|e| cell_error(2, e.to_string()))?
        .secret;
    let interval_text = cell(3)?;
    let interval = interval_text.parse::<u32>().map_err(|_| {
        // A long cell is most likely a shifted column, possibly the secret: described, not shown.
        let shown = if interval_text.chars().count() <= MAX_SHOWN_INTERVAL {
            format!("'{interval_text}'")
        } else {
            format!("the value ({} characters)", interval_text.chars().count())
        };
        cell_error(
            3,
            format!("{shown} is not a number of seconds: use 30 or 60"),
        )
    })?;
    Ok(TokenRecord {
        upn: cell(0)?.to_string(),
        serial: cell(1)?.to_string(),
        secret,
        interval,
        manufacturer: cell(4)?.to_string(),
        model: cell(5)?.to_string(),
        algorithm: Algorithm::Sha1,
        profile: None,
        display_name: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 100,000 rows with a blank line every 1,000, and a bad interval in the last row.
    fn big_file(rows: usize) -> String {
        let mut s =
            String::from("upn,serial number,secret key,time interval,manufacturer,model\r\n");
        for i in 0..rows {
            if i % 1000 == 999 {
                s.push_str("\r\n");
            }
            let interval = if i + 1 == rows { "x" } else { "30" };
            s.push_str(&format!(
                "u{i}@contoso.com,{i:07},JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP,{interval},Token2,C302-i\r\n"
            ));
        }
        s
    }

    #[test]
    fn line_numbers_stay_right_and_each_byte_is_counted_once() {
        let rows = 100_000;
        let input = big_file(rows);
        let started = std::time::Instant::now();
        let e = read_csv(&input).unwrap_err();
        eprintln!("read_csv: {rows} rows in {:?}", started.elapsed());
        // Header, 100,000 rows and 100 blank lines: the last row is line 100,101.
        let want = u64::try_from(1 + rows + rows / 1000).unwrap();
        assert!(
            matches!(e, EntraError::Cell { line, column: INTERVAL, .. } if line == want),
            "{e}"
        );

        let mut lines = LineCounter::new(&input);
        let mut reader = ReaderBuilder::new()
            .has_headers(false)
            .from_reader(input.as_bytes());
        let mut last = 0;
        for r in reader.records() {
            let byte = r.unwrap().position().unwrap().byte();
            last = lines.line_at(byte);
        }
        assert_eq!(last, want);
        assert!(
            lines.scanned <= input.len(),
            "{} bytes examined for a {}-byte file",
            lines.scanned,
            input.len()
        );
        // An offset behind the last one (only errors do that) is still answered right.
        assert_eq!(lines.line_at(0), 1);
    }
}
