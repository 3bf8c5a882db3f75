//! The old results CSV (`hardware-bridge/src/results.rs`: one plain-text row per burned token,
//! written after the burn). Each row reads as an intent plus its writes — "seed written, not
//! verified", the most the old file can vouch for — so old files keep exporting as before. Every
//! cell is checked; a damaged one is an error naming the line and the column, never its value.

use tokensmith_core::secret::{Encoding, Secret};

use crate::error::Error;
use crate::fold::Fold;
use crate::read::{Contents, LineRecord, Source};
use crate::record::{
    self, check_text, Event, Intent, Kind, Params, Record, Target, TokenId, Write, Written,
    MAX_NAME,
};

/// The old file's header line (`results.rs`'s `HEADER`).
pub const HEADER: &str = "burned_at,kind,serial,model,profile,name,secret,algorithm,digits,period,display_timeout,upn,manufacturer";

/// One row: when it was written and what it says.
pub(crate) struct LegacyBurn {
    pub line: usize,
    pub at: i64,
    pub intent: Intent,
}

impl LegacyBurn {
    /// The events that say the same in a journal: the intent, then each write acknowledged.
    pub(crate) fn events(&self, intent_seq: u64) -> Vec<Event> {
        let token = TokenId(intent_seq);
        std::iter::once(Event::Intent(self.intent.clone()))
            .chain(
                self.intent
                    .writes
                    .iter()
                    .map(|&write| Event::Written(Written { token, write })),
            )
            .collect()
    }
}

pub(crate) fn is_legacy(bytes: &[u8]) -> bool {
    bytes.starts_with(HEADER.as_bytes())
        && matches!(bytes.get(HEADER.len()), None | Some(b'\r' | b'\n'))
}

/// The rows of an old results file.
pub(crate) fn rows(bytes: &[u8]) -> Result<Vec<LegacyBurn>, Error> {
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes);
    // Read past the header so positions below are those of rows.
    rd.byte_headers().map_err(|_| Error::Corrupt {
        line: 1,
        what: "not a CSV header".into(),
    })?;
    let mut out = Vec::new();
    let mut row = csv::ByteRecord::new();
    // csv's own line numbers are off with CRLF; count line breaks once, front to back.
    let mut lines = LineCounter::default();
    loop {
        let here = usize::try_from(rd.position().byte()).unwrap_or(usize::MAX);
        match rd.read_byte_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = lines.line_at(bytes, here);
                let what = match e.kind() {
                    csv::ErrorKind::UnequalLengths { len, .. } => {
                        format!("{len} columns where the header has 13")
                    }
                    csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".into(),
                    _ => "not a CSV row".into(),
                };
                return Err(Error::Corrupt { line, what });
            }
        }
        let start = row
            .position()
            .map_or(here, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX));
        let line = lines.line_at(bytes, start);
        out.push(burn(&row, line).map_err(|what| Error::Corrupt { line, what })?);
    }
    Ok(out)
}

/// Line numbers for positions that only move forward: linear over the whole file.
#[derive(Default)]
struct LineCounter {
    pos: usize,
    line: usize,
}

impl LineCounter {
    /// The line of the first character at or after `pos` that is not a line break.
    fn line_at(&mut self, bytes: &[u8], pos: usize) -> usize {
        let mut start = pos.min(bytes.len());
        while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start >= self.pos {
            self.line += bytes[self.pos..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.pos = start;
        }
        self.line + 1
    }
}

fn burn(row: &csv::ByteRecord, line: usize) -> Result<LegacyBurn, String> {
    let cell = |i: usize, name: &str| {
        std::str::from_utf8(row.get(i).unwrap_or_default())
            .map_err(|_| format!("{name} is not UTF-8 text"))
    };
    let opt = |i: usize, name: &str| cell(i, name).map(|s| Some(s).filter(|s| !s.is_empty()));
    let num = |i: usize, name: &str| -> Result<Option<u64>, String> {
        opt(i, name)?
            .map(|s| {
                s.parse::<u64>()
                    .map_err(|_| format!("{name} is not a number"))
            })
            .transpose()
    };
    let small = |v: Option<u64>, name: &str, max: u64| -> Result<Option<u64>, String> {
        match v {
            Some(v) if v > max => Err(format!("{name} {v} is too large")),
            v => Ok(v),
        }
    };
    let at: i64 = cell(0, "burned_at")?
        .parse()
        .map_err(|_| "burned_at is not a number".to_string())?;
    let kind = match cell(1, "kind")? {
        "token2" => Kind::Token2,
        "molto2" => Kind::Molto2,
        "oath" => Kind::Oath,
        _ => return Err("kind is not token2, molto2 or oath".into()),
    };
    let serial = cell(2, "serial")?.to_string();
    let model = cell(3, "model")?.to_string();
    let profile = small(num(4, "profile")?, "profile", 255)?.map(|p| p as u8);
    let name = opt(5, "name")?.map(str::to_string);
    // As the old reader did: base32 as people type it (case, spaces); the value is never
    // quoted back.
    let seed: Secret = Secret::parse(cell(6, "secret")?, Encoding::Base32)
        .map_err(|_| "secret is not base32".to_string())?
        .secret;
    let algorithm = record::algorithm_name::parse(cell(7, "algorithm")?)
        .ok_or_else(|| "algorithm is not SHA1, SHA256 or SHA512".to_string())?;
    let need = |v: Option<u64>, name: &str| v.ok_or_else(|| format!("{name} is empty"));
    let digits = need(small(num(8, "digits")?, "digits", 255)?, "digits")? as u8;
    let period = need(
        small(num(9, "period")?, "period", u64::from(u32::MAX))?,
        "period",
    )? as u32;
    let display_timeout = small(
        num(10, "display_timeout")?,
        "display_timeout",
        u64::from(u32::MAX),
    )?
    .map(|d| d as u32);
    let upn = opt(11, "upn")?.map(str::to_string);
    let manufacturer = cell(12, "manufacturer")?;
    check_text("manufacturer", manufacturer, MAX_NAME)?;
    let (writes, title, credential) = match kind {
        Kind::Token2 => (vec![Write::Config, Write::Seed], None, None),
        Kind::Molto2 => match name {
            Some(t) => (
                vec![Write::Config, Write::Seed, Write::Title],
                Some(t),
                None,
            ),
            None => (vec![Write::Config, Write::Seed], None, None),
        },
        Kind::Oath => (vec![Write::Credential], None, name),
    };
    let intent = Intent {
        target: Target {
            kind,
            reader: None,
            serial,
            model,
            manufacturer: (manufacturer != kind.default_manufacturer())
                .then(|| manufacturer.to_string()),
            profile,
            credential,
        },
        seed,
        params: Params {
            algorithm,
            digits,
            period,
            display_timeout,
            // The old results file never held HOTP credentials.
            hotp_counter: None,
        },
        writes,
        // Unknown for old rows; it matters only for interrupted burns, which they never are.
        config_erases_seed: false,
        title,
        touch: false,
        upn,
        display_name: None,
        batch: None,
    };
    intent.check()?;
    Ok(LegacyBurn { line, at, intent })
}

/// An old results file as [`Contents`].
pub(crate) fn read(bytes: &[u8]) -> Result<Contents, Error> {
    let mut fold = Fold::default();
    let mut records = Vec::new();
    for b in rows(bytes)? {
        let intent_seq = fold.last_seq() + 1;
        for event in b.events(intent_seq) {
            let record = Record {
                seq: fold.last_seq() + 1,
                at: b.at,
                event,
            };
            fold.apply(record.clone())
                .map_err(|what| Error::Corrupt { line: b.line, what })?;
            records.push(LineRecord {
                line: b.line,
                record,
            });
        }
    }
    Ok(Contents {
        source: Source::LegacyResultsCsv,
        records,
        fold,
        torn_tail: None,
        wide_permissions: None,
    })
}
