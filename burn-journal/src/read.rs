//! Reading a journal (or an old results CSV) back: every record checked and folded; an
//! incomplete last line (a write cut by a power loss) is set aside and reported, a damaged
//! line before it is an error with its line number.

use std::path::Path;

use crate::codec::{self, Decoder, Header, Passphrase};
use crate::error::Error;
use crate::fold::Fold;
use crate::legacy;
use crate::record::Record;
use crate::storage;

/// Where the records came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Journal(Header),
    /// The old plain results CSV (`hardware-bridge/src/results.rs`): each row becomes an intent
    /// and its writes, so it reads as "seed written, not verified".
    LegacyResultsCsv,
}

/// An incomplete last line, ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TornTail {
    /// Its line number.
    pub line: usize,
    pub bytes: usize,
}

/// A record and the line it was read from.
#[derive(Debug, Clone)]
pub struct LineRecord {
    pub line: usize,
    pub record: Record,
}

/// A journal read back.
#[derive(Debug, Clone)]
pub struct Contents {
    pub source: Source,
    pub records: Vec<LineRecord>,
    pub fold: Fold,
    pub torn_tail: Option<TornTail>,
    /// [`read_file`]: the file's permission bits when group or others may access it (left as
    /// they are: reading changes nothing; the writer tightens them).
    pub wide_permissions: Option<u32>,
}

/// Read and check a journal file. Never follows a symbolic link; takes no lock (a writer may
/// be appending: its last line is then incomplete and set aside).
pub fn read_file(path: &Path, passphrase: Option<&Passphrase>) -> Result<Contents, Error> {
    let mut opened = storage::open_existing(path, false)?;
    let bytes = storage::read_all(&mut opened.file, path)?;
    let mut contents = parse(&bytes, passphrase)?;
    contents.wide_permissions = opened.wide_mode;
    Ok(contents)
}

/// Parse a whole file's bytes. `passphrase`: needed for an encrypted journal.
pub fn parse(bytes: &[u8], passphrase: Option<&Passphrase>) -> Result<Contents, Error> {
    parse_inner(bytes, passphrase).map(|(c, _)| c)
}

/// For fuzzing: any bytes in, never a panic, never a passphrase (so no scrypt work).
pub fn parse_bytes(bytes: &[u8]) -> Result<Contents, Error> {
    parse(bytes, None)
}

/// The complete lines (each without its `\n`) and the incomplete tail.
pub(crate) fn split_lines(bytes: &[u8]) -> (Vec<&[u8]>, Option<TornTail>) {
    let complete_len = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let mut lines: Vec<&[u8]> = bytes[..complete_len].split(|&b| b == b'\n').collect();
    // `split` yields one empty piece after the final `\n` (the only one when there is none).
    lines.pop();
    let tail = bytes.len() - complete_len;
    let torn = (tail > 0).then_some(TornTail {
        line: lines.len() + 1,
        bytes: tail,
    });
    (lines, torn)
}

pub(crate) fn parse_inner(
    bytes: &[u8],
    passphrase: Option<&Passphrase>,
) -> Result<(Contents, Option<Decoder>), Error> {
    if bytes.is_empty() {
        return Err(Error::Empty);
    }
    if legacy::is_legacy(bytes) {
        return Ok((legacy::read(bytes)?, None));
    }
    let (lines, torn_tail) = split_lines(bytes);
    let Some((first, rest)) = lines.split_first() else {
        // Only an incomplete first line: creation stopped half-way, or not a journal at all.
        return Err(
            if codec::is_journal_header(bytes) || bytes.starts_with(b"{\"format\"") {
                Error::Empty
            } else {
                Error::NotAJournal
            },
        );
    };
    let (header, decoder) = codec::read_header(first, passphrase)?;
    let decoder = decoder.ok_or(Error::PassphraseRequired)?;
    let mut fold = Fold::default();
    let mut records = Vec::with_capacity(rest.len());
    for (i, raw) in rest.iter().enumerate() {
        let line = i + 2;
        let corrupt = |what: String| Error::Corrupt { line, what };
        if raw.is_empty() {
            return Err(corrupt("empty line".into()));
        }
        let record = decoder.decode(raw).map_err(corrupt)?;
        fold.check(&record).map_err(corrupt)?;
        fold.apply_checked(record.clone());
        records.push(LineRecord { line, record });
    }
    Ok((
        Contents {
            source: Source::Journal(header),
            records,
            fold,
            torn_tail,
            wide_permissions: None,
        },
        Some(decoder),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_tail() {
        let (l, t) = split_lines(b"a\nb\n");
        assert_eq!(l, vec![&b"a"[..], b"b"]);
        assert_eq!(t, None);
        let (l, t) = split_lines(b"a\nb\ncd");
        assert_eq!(l, vec![&b"a"[..], b"b"]);
        assert_eq!(t, Some(TornTail { line: 3, bytes: 2 }));
        let (l, t) = split_lines(b"abc");
        assert!(l.is_empty());
        assert_eq!(t, Some(TornTail { line: 1, bytes: 3 }));
        let (l, _) = split_lines(b"a\n\nb\n");
        assert_eq!(l, vec![&b"a"[..], b"", b"b"]);
    }

    #[test]
    fn not_journals() {
        assert!(matches!(parse_bytes(b""), Err(Error::Empty)));
        assert!(matches!(parse_bytes(b"hello\n"), Err(Error::NotAJournal)));
        assert!(matches!(parse_bytes(b"hello"), Err(Error::NotAJournal)));
        assert!(matches!(
            parse_bytes(b"{\"format\":\"tokensmith-burn-jou"),
            Err(Error::Empty)
        ));
        assert!(matches!(
            parse_bytes(b"{\"format\":\"tokensmith-burn-journal\",\"version\":2}\n"),
            Err(Error::NewerVersion {
                found: 2,
                supported: 1
            })
        ));
    }
}
