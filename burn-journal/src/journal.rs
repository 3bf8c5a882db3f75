//! The writer: one open journal, appended to record by record, each record checked against
//! what came before, written whole and fsynced before the call returns.

use std::path::{Path, PathBuf};

use crate::codec::{self, Decoder, Encoder, Header, Passphrase, ProtectionKind};
use crate::error::Error;
use crate::fold::Fold;
use crate::legacy;
use crate::read::{self, Source, TornTail};
use crate::record::{
    tidy_reason, Aborted, BatchEnded, BatchId, BatchRef, BatchStart, Event, Intent, Method, Record,
    TokenId, UserSkipped, VerificationFailed, Verified, Write, Written,
};
use crate::storage::{self, Storage};

/// How a journal's records are stored; opening an existing journal needs the same choice.
#[derive(Debug)]
pub enum Protection {
    /// Encrypted at rest (the default): the admin's passphrase.
    Passphrase(Passphrase),
    /// Plain text: only as the user's explicit choice (e.g. `--plaintext-results`).
    Plaintext,
}

impl Protection {
    fn passphrase(&self) -> Option<&Passphrase> {
        match self {
            Protection::Passphrase(p) => Some(p),
            Protection::Plaintext => None,
        }
    }
}

/// What opening found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenReport {
    /// A new journal was started (the file did not exist, or was empty).
    pub created: bool,
    pub header: Header,
    /// Records already in the journal.
    pub records: usize,
    /// An incomplete last line (a write cut by a crash or power loss) that was removed.
    pub torn_tail_removed: Option<TornTail>,
    /// The file's permission bits before they were tightened to 0600.
    pub tightened_from: Option<u32>,
}

/// An open journal. One writer at a time (a lock); dropped, it closes the file.
pub struct Journal {
    path: PathBuf,
    storage: Box<dyn Storage>,
    encoder: Encoder,
    header: Header,
    /// The file's length: where the next record starts.
    len: u64,
    fold: Fold,
    /// A failed append could not be undone: nothing more is written.
    poisoned: bool,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("path", &self.path)
            .field("protection", &self.header.protection)
            .field("records", &self.fold.last_seq())
            .finish_non_exhaustive()
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl Journal {
    /// Start a new journal at `path` (which must not exist): mode 0600, header written and
    /// fsynced, directory fsynced.
    pub fn create(path: &Path, protection: &Protection) -> Result<Journal, Error> {
        if let Some(p) = protection.passphrase() {
            // Before the file exists: a refused passphrase leaves nothing behind.
            p.check_strength()?;
        }
        let file = storage::create_new(path)?;
        match Self::start(path, Box::new(file), protection) {
            Ok(j) => Ok(j),
            Err(e) => {
                // Nothing was recorded: leave no empty file that a later run would trip on.
                let _ = std::fs::remove_file(path);
                Err(e)
            }
        }
    }

    /// Open an existing journal to add to it. `protection` must match the file's: the
    /// passphrase for an encrypted one (checked), `Plaintext` for a plain one.
    pub fn open(path: &Path, protection: &Protection) -> Result<(Journal, OpenReport), Error> {
        Self::open_existing(path, protection, false)
    }

    /// Open `path` if it exists (as [`Self::open`]), else create it (as [`Self::create`]). An
    /// existing empty file — a creation that stopped before its header — is started afresh.
    pub fn open_or_create(
        path: &Path,
        protection: &Protection,
    ) -> Result<(Journal, OpenReport), Error> {
        match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                match Self::create(path, protection) {
                    Ok(j) => {
                        let report = j.report(true, None, None);
                        Ok((j, report))
                    }
                    // Created by someone else in between: open it like any existing one.
                    Err(Error::Exists { .. }) => Self::open_existing(path, protection, true),
                    Err(e) => Err(e),
                }
            }
            _ => Self::open_existing(path, protection, true),
        }
    }

    /// Write a new journal's header into an empty, locked file.
    fn start(
        path: &Path,
        mut storage: Box<dyn Storage>,
        protection: &Protection,
    ) -> Result<Journal, Error> {
        let (mut line, header, encoder) = codec::new_header(protection.passphrase(), now())?;
        line.push(b'\n');
        storage::append_line(&mut *storage, 0, &line).map_err(|f| Error::AppendFailed {
            path: path.to_path_buf(),
            source: f.cause,
            undone: f.undone,
        })?;
        storage::sync_parent(path)?;
        Ok(Journal {
            path: path.to_path_buf(),
            storage,
            encoder,
            header,
            len: line.len() as u64,
            fold: Fold::default(),
            poisoned: false,
        })
    }

    fn open_existing(
        path: &Path,
        protection: &Protection,
        create_if_empty: bool,
    ) -> Result<(Journal, OpenReport), Error> {
        let mut opened = storage::open_existing(path, true)?;
        let bytes = storage::read_all(&mut opened.file, path)?;
        let (lines, _) = read::split_lines(&bytes);
        let Some(first) = lines.first() else {
            // Empty, or only part of a header: creation stopped before it was complete.
            if !create_if_empty {
                return Err(Error::Empty);
            }
            let mut file = opened.file;
            storage::Storage::truncate(&mut file, 0).map_err(Error::io(path, "empty"))?;
            let j = Self::start(path, Box::new(file), protection)?;
            let report = j.report(true, None, opened.wide_mode);
            return Ok((j, report));
        };
        if legacy::is_legacy(&bytes) {
            return Err(Error::LegacyResultsFile);
        }
        // The protection is in the header: check it matches before any scrypt work.
        let (header, _) = codec::read_header(first, None)?;
        match (header.protection, protection) {
            (ProtectionKind::Plaintext, Protection::Passphrase(_)) => {
                return Err(Error::PlaintextJournal)
            }
            (ProtectionKind::AgePassphrase, Protection::Plaintext) => {
                return Err(Error::PassphraseRequired)
            }
            _ => {}
        }
        let (contents, decoder) = read::parse_inner(&bytes, protection.passphrase())?;
        let encoder = match decoder {
            Some(Decoder::Age(identity)) => Encoder::Age(identity.to_public()),
            _ => Encoder::Plain,
        };
        let Source::Journal(header) = contents.source else {
            return Err(Error::LegacyResultsFile);
        };
        let mut len = bytes.len() as u64;
        if let Some(t) = contents.torn_tail {
            // Never glue the next record onto a half-written one.
            len -= t.bytes as u64;
            let file = &mut opened.file;
            storage::Storage::truncate(file, len)
                .and_then(|()| storage::Storage::sync(file))
                .map_err(Error::io(path, "cut the incomplete last line off"))?;
        }
        let j = Journal {
            path: path.to_path_buf(),
            storage: Box::new(opened.file),
            encoder,
            header,
            len,
            fold: contents.fold,
            poisoned: false,
        };
        let report = j.report(false, contents.torn_tail, opened.wide_mode);
        Ok((j, report))
    }

    fn report(&self, created: bool, torn: Option<TornTail>, wide: Option<u32>) -> OpenReport {
        OpenReport {
            created,
            header: self.header.clone(),
            records: usize::try_from(self.fold.last_seq()).unwrap_or(usize::MAX),
            torn_tail_removed: torn,
            tightened_from: wide,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Everything recorded so far, folded (states per attempt and per batch).
    pub fn fold(&self) -> &Fold {
        &self.fold
    }

    /// Append one record now. Returns its `seq`. On error nothing was recorded and, if
    /// [`Error::is_append_failure`], nothing more may be sent to a token.
    pub fn append(&mut self, event: Event) -> Result<u64, Error> {
        self.append_at(event, now())
    }

    pub(crate) fn append_at(&mut self, event: Event, at: i64) -> Result<u64, Error> {
        if self.poisoned {
            return Err(Error::Poisoned {
                path: self.path.clone(),
            });
        }
        let record = Record {
            seq: self.fold.last_seq() + 1,
            at,
            event,
        };
        self.fold.check(&record).map_err(Error::Refused)?;
        let mut line = self.encoder.encode(&record)?;
        // The buffer was sized with room to spare: no reallocation, no unwiped copy.
        line.push(b'\n');
        if let Err(f) = storage::append_line(&mut *self.storage, self.len, &line) {
            self.poisoned = !f.undone;
            return Err(Error::AppendFailed {
                path: self.path.clone(),
                source: f.cause,
                undone: f.undone,
            });
        }
        self.len += line.len() as u64;
        let seq = record.seq;
        self.fold.apply_checked(record);
        Ok(seq)
    }

    // ---- the records, one call each ----

    /// Before anything is sent to the token. Returns the attempt's id.
    pub fn intent(&mut self, intent: Intent) -> Result<TokenId, Error> {
        self.append(Event::Intent(intent)).map(TokenId)
    }

    /// After the token acknowledged a write.
    pub fn written(&mut self, token: TokenId, write: Write) -> Result<(), Error> {
        self.append(Event::Written(Written { token, write }))
            .map(drop)
    }

    /// The code matched (`code`: the one compared; `drift_steps`: the token's clock offset in
    /// time steps, when known).
    pub fn verified(
        &mut self,
        token: TokenId,
        method: Method,
        code: Option<String>,
        drift_steps: Option<i32>,
    ) -> Result<(), Error> {
        self.append(Event::Verified(Verified {
            token,
            method,
            code,
            drift_steps,
        }))
        .map(drop)
    }

    /// The code did not match.
    pub fn verification_failed(
        &mut self,
        token: TokenId,
        reason: &str,
        code_shown: Option<String>,
    ) -> Result<(), Error> {
        self.append(Event::VerificationFailed(VerificationFailed {
            token,
            reason: tidy_reason(reason),
            code_shown,
        }))
        .map(drop)
    }

    /// The burn stopped without an outcome. `in_flight`: the write sent without an answer.
    pub fn aborted(
        &mut self,
        token: TokenId,
        reason: &str,
        in_flight: Option<Write>,
    ) -> Result<(), Error> {
        self.append(Event::Aborted(Aborted {
            token,
            reason: tidy_reason(reason),
            in_flight,
        }))
        .map(drop)
    }

    pub fn start_batch(&mut self, start: BatchStart) -> Result<(), Error> {
        self.append(Event::BatchStarted(start)).map(drop)
    }

    /// Reopen a batch (`--resume`) so attempts and skips may be added again.
    pub fn resume_batch(&mut self, batch: &BatchId) -> Result<(), Error> {
        self.append(Event::BatchResumed(BatchRef {
            batch: batch.clone(),
        }))
        .map(drop)
    }

    pub fn skip_user(&mut self, batch: &BatchId, position: u32, reason: &str) -> Result<(), Error> {
        self.append(Event::UserSkipped(UserSkipped {
            batch: batch.clone(),
            position,
            reason: tidy_reason(reason),
        }))
        .map(drop)
    }

    /// `stopped`: why it stopped early; `None` when every user was handled.
    pub fn end_batch(&mut self, batch: &BatchId, stopped: Option<&str>) -> Result<(), Error> {
        self.append(Event::BatchEnded(BatchEnded {
            batch: batch.clone(),
            stopped: stopped.map(tidy_reason),
        }))
        .map(drop)
    }

    /// Start a journal at `dest` holding what an old results CSV says (each row: an intent
    /// and its writes, at the row's time).
    pub fn convert_legacy(
        csv: &[u8],
        dest: &Path,
        protection: &Protection,
    ) -> Result<Journal, Error> {
        if !legacy::is_legacy(csv) {
            return Err(Error::Refused(
                "the source is not an old results CSV (its header differs)".into(),
            ));
        }
        let rows = legacy::rows(csv)?;
        let mut j = Self::create(dest, protection)?;
        for row in rows {
            let intent_seq = j.fold.last_seq() + 1;
            for event in row.events(intent_seq) {
                j.append_at(event, row.at)?;
            }
        }
        Ok(j)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::tests::Faulty;

    fn journal_over(storage: Faulty) -> Journal {
        let (mut line, header, encoder) = codec::new_header(None, 1).unwrap();
        line.push(b'\n');
        let mut storage = storage;
        storage.data.extend_from_slice(&line);
        Journal {
            path: "mem".into(),
            len: storage.data.len() as u64,
            storage: Box::new(storage),
            encoder,
            header,
            fold: Fold::default(),
            poisoned: false,
        }
    }

    #[test]
    fn a_failed_append_changes_nothing_and_can_be_retried() {
        let mut j = journal_over(Faulty {
            room: Some(0),
            ..Faulty::default()
        });
        let e = j.intent(crate::record::tests::intent()).unwrap_err();
        assert!(e.is_append_failure());
        assert!(
            e.to_string().contains("the incomplete record was removed"),
            "{e}"
        );
        assert!(e.to_string().contains("Stop burning"), "{e}");
        assert_eq!(j.fold().last_seq(), 0);
        assert!(!j.poisoned);
    }

    #[test]
    fn an_append_that_cannot_be_undone_poisons_the_journal() {
        let mut j = journal_over(Faulty {
            fail_sync: true,
            ..Faulty::default()
        });
        let e = j.intent(crate::record::tests::intent()).unwrap_err();
        assert!(e.to_string().contains("could not be removed"), "{e}");
        let e = j.intent(crate::record::tests::intent()).unwrap_err();
        assert!(matches!(e, Error::Poisoned { .. }), "{e}");
        assert!(e.is_append_failure());
    }

    #[test]
    fn records_out_of_order_are_refused_before_writing() {
        let mut j = journal_over(Faulty::default());
        let e = j.written(TokenId(1), Write::Seed).unwrap_err();
        assert_eq!(
            e.to_string(),
            "record refused (nothing was written): token #1 has no intent record before it"
        );
        let id = j.intent(crate::record::tests::intent()).unwrap();
        let e = j.written(id, Write::Seed).unwrap_err();
        assert!(e.to_string().contains("not the next one planned"), "{e}");
        j.written(id, Write::Config).unwrap();
        assert_eq!(
            j.fold().token(id).unwrap().state(),
            crate::fold::TokenState::MayHoldNewSeed
        );
    }
}
