//! The bridge's side of the write-ahead burn journal (`tokensmith-burn-journal`): opening it
//! once at start-up (passphrase, or plain text as the user's explicit choice), the intent of a
//! planned burn — journaled and fsynced before anything is sent to the token — each write the
//! token acknowledges, the outcome, and what the journal then says about the token.
//!
//! A burn whose intent cannot be journaled is not started. A write journaled after the intent
//! that fails ends the burn with an error saying so; the intent already holds the seed, so the
//! journal still tells the truth about the token ("may hold the new seed").

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use tokensmith_api::{BurnResult, DeviceKind, JournalEntry, TokenHolds, Verification};
use tokensmith_burn_journal::{
    self as bj, Intent, Journal, Kind, Params, Passphrase, Protection, Target, TokenEntry, TokenId,
    TokenState, Write,
};
use tokensmith_core::echo::echo;
use tokensmith_core::secret::Secret;
use zeroize::Zeroizing;

use crate::device::burn::Written;
use crate::device::plan::BurnPlan;
use crate::device::Detected;
use crate::error::BridgeError;

/// How the user chose to protect the journal, as given on the command line.
#[derive(Debug, Clone, Default)]
pub struct Choice {
    /// `--passphrase-file F`.
    pub passphrase_file: Option<PathBuf>,
    /// `--plaintext-results`: seeds in plain text, as the user's explicit choice.
    pub plaintext: bool,
}

/// A journal error as the bridge's (`results_file`). Its messages name files and lines only.
pub fn error(e: bj::Error) -> BridgeError {
    match e {
        bj::Error::LegacyResultsFile => BridgeError::Results(
            "this is an old-style results CSV (plain text): new burns go into a burn journal. \
             Give a new file name to --results-file (results-to-csv still reads the old file)"
                .into(),
        ),
        e => BridgeError::Results(e.to_string()),
    }
}

/// The passphrase from `--passphrase-file`, else asked on the terminal (twice for a new
/// journal). `None` without either when stdin is not a terminal.
pub fn passphrase(file: Option<&Path>, new: bool) -> Result<Option<Passphrase>, BridgeError> {
    if let Some(p) = file {
        let bytes = Zeroizing::new(
            std::fs::read(p).map_err(|e| BridgeError::BadInput(format!("{}: {e}", p.display())))?,
        );
        return Passphrase::from_file_bytes(bytes).map(Some).map_err(error);
    }
    if !crate::terminal::is_interactive() {
        return Ok(None);
    }
    let first = crate::terminal::ask_hidden(if new {
        "new passphrase for the burn journal: "
    } else {
        "passphrase of the burn journal: "
    })
    .map_err(|e| BridgeError::BadInput(format!("reading the passphrase: {e}")))?;
    if new {
        let again = crate::terminal::ask_hidden("the same passphrase again: ")
            .map_err(|e| BridgeError::BadInput(format!("reading the passphrase: {e}")))?;
        if *again != *first {
            return Err(BridgeError::BadInput(
                "the two passphrases differ: nothing was created".into(),
            ));
        }
    }
    Ok(Some(Passphrase::new(bj::SecretString::from(
        first.to_string(),
    ))))
}

/// Open (or create) the journal at `path`, before any device is touched. Prints what opening
/// found (a record cut by a crash removed, permissions tightened) on stderr.
pub fn open(path: &Path, choice: &Choice) -> Result<Journal, BridgeError> {
    let new = std::fs::symlink_metadata(path).is_err();
    let protection = if choice.plaintext {
        Protection::Plaintext
    } else {
        match passphrase(choice.passphrase_file.as_deref(), new)? {
            Some(p) => Protection::Passphrase(p),
            None => {
                return Err(BridgeError::Results(format!(
                    "{}: the burn journal is encrypted (it holds seeds): give --passphrase-file F \
                     (or run on a terminal to be asked), or --plaintext-results to keep it in \
                     plain text",
                    path.display()
                )))
            }
        }
    };
    let (journal, report) = Journal::open_or_create(path, &protection).map_err(error)?;
    if let Some(t) = report.torn_tail_removed {
        eprintln!(
            "note: {}: an incomplete last record (line {}, {} bytes, a write cut by a crash) was removed",
            path.display(),
            t.line,
            t.bytes
        );
    }
    if let Some(mode) = report.tightened_from {
        eprintln!(
            "note: {} was readable by others (mode {mode:o}): now 0600",
            path.display()
        );
    }
    Ok(journal)
}

fn kind(k: DeviceKind) -> Kind {
    match k {
        DeviceKind::Token2 => Kind::Token2,
        DeviceKind::Molto2 => Kind::Molto2,
        DeviceKind::Oath => Kind::Oath,
    }
}

/// The maker an export names: Token2, or the OATH key's from core's table (Yubico,
/// Nitrokey); `None` leaves the journal's default for the kind.
fn manufacturer(d: &Detected) -> Option<String> {
    match d.kind() {
        DeviceKind::Token2 | DeviceKind::Molto2 => None,
        DeviceKind::Oath => d
            .model
            .map(|m| m.caps().manufacturer)
            .filter(|m| !m.is_empty())
            .map(String::from),
    }
}

/// What a planned burn will write, journaled before anything is sent.
pub fn intent(
    d: &Detected,
    plan: &BurnPlan,
    serial: &str,
    secret: &Secret,
    upn: Option<&str>,
) -> Intent {
    let p = plan.params();
    let (writes, display, profile, credential, title, touch, erases) = match plan {
        BurnPlan::Token2 {
            display, seed_only, ..
        } => {
            let writes = if *seed_only {
                vec![Write::Seed]
            } else {
                vec![Write::Config, Write::Seed]
            };
            let erases = !*seed_only && tokensmith_proto::token2::config_write_clears_seed(serial);
            let display = (!*seed_only).then(|| display.seconds());
            (writes, display, None, None, None, false, erases)
        }
        BurnPlan::Molto2 {
            profile,
            display,
            title,
            ..
        } => {
            let mut writes = vec![Write::Seed];
            if title.is_some() {
                writes.push(Write::Title);
            }
            writes.push(Write::Config);
            let display = Some(display.seconds());
            (
                writes,
                display,
                Some(*profile),
                None,
                title.clone(),
                false,
                false,
            )
        }
        BurnPlan::Oath { name, touch, .. } => (
            vec![Write::Credential],
            None,
            None,
            Some(name.clone()),
            None,
            *touch,
            false,
        ),
    };
    Intent {
        target: Target {
            kind: kind(d.kind()),
            reader: Some(d.device.reader.clone()).filter(|r| !r.is_empty()),
            serial: serial.to_string(),
            model: d.device.model.clone(),
            manufacturer: manufacturer(d),
            profile,
            credential,
        },
        seed: secret.clone(),
        params: Params {
            algorithm: p.algorithm,
            digits: p.digits,
            period: p.period,
            display_timeout: display,
            hotp_counter: plan.hotp_counter(),
        },
        writes,
        config_erases_seed: erases,
        title,
        touch,
        upn: upn
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(String::from),
        display_name: None,
        batch: None,
    }
}

/// The journal a burn appends to: the caller's own, or one shared by several readers' loops
/// (the batch), locked for each append only — never across the card's commands, so the
/// readers' burns overlap while each record is still whole and fsynced before the call returns.
pub enum JournalRef<'j> {
    Own(&'j mut Journal),
    Shared(&'j Mutex<Journal>),
}

impl<'j> From<&'j mut Journal> for JournalRef<'j> {
    fn from(j: &'j mut Journal) -> Self {
        JournalRef::Own(j)
    }
}

impl<'j> From<&'j Mutex<Journal>> for JournalRef<'j> {
    fn from(j: &'j Mutex<Journal>) -> Self {
        JournalRef::Shared(j)
    }
}

impl JournalRef<'_> {
    /// `f` with the journal to itself (a shared one locked for that long).
    pub fn with<R>(&mut self, f: impl FnOnce(&mut Journal) -> R) -> R {
        match self {
            JournalRef::Own(j) => f(j),
            JournalRef::Shared(m) => f(&mut m.lock().unwrap_or_else(PoisonError::into_inner)),
        }
    }
}

/// One burn attempt being journaled.
pub struct Attempt<'j> {
    journal: JournalRef<'j>,
    id: TokenId,
    /// The first journal write that failed after the intent.
    lost: Option<bj::Error>,
}

impl<'j> Attempt<'j> {
    /// Journal the intent (fsynced). An error here means nothing may be sent to the token.
    pub fn begin(mut journal: JournalRef<'j>, intent: Intent) -> Result<Self, BridgeError> {
        let id = journal
            .with(|j| j.intent(intent))
            .map_err(|e| BridgeError::Results(format!("{e} — nothing was written to the token")))?;
        Ok(Attempt {
            journal,
            id,
            lost: None,
        })
    }

    /// A write the token acknowledged. A Molto2's deletion of the seed it is overwriting is
    /// not a write of the plan: the seed write that follows says what the profile holds.
    pub fn written(&mut self, w: Written) {
        let write = match w {
            Written::Config => Write::Config,
            Written::Seed => Write::Seed,
            Written::Title => Write::Title,
            Written::Credential => Write::Credential,
            Written::OldSeedDeleted => return,
        };
        if self.lost.is_some() {
            return;
        }
        let id = self.id;
        if let Err(e) = self.journal.with(|j| j.written(id, write)) {
            self.lost = Some(e);
        }
    }

    /// Journal how the burn ended and say what the journal knows: in the answer, or in the
    /// error (wrapped as [`BridgeError::Journaled`]).
    pub fn finish(
        mut self,
        result: Result<BurnResult, BridgeError>,
        now: i64,
    ) -> Result<BurnResult, BridgeError> {
        let id = self.id;
        // The outcome and what the journal then says about the token, under one lock.
        let (outcome, entry) = self.journal.with(|j| {
            let outcome = match &result {
                Ok(out) => match &out.verification {
                    Verification::DeviceCalculated {
                        code,
                        matches: true,
                    } => j.verified(
                        id,
                        bj::Method::DeviceCalculated,
                        Some(code.clone()),
                        Some(0),
                    ),
                    _ => Ok(()),
                },
                Err(BridgeError::VerifyMismatch { device, .. }) => j.verification_failed(
                    id,
                    "the key computed another code than the host",
                    Some(device.clone()),
                ),
                Err(e) => {
                    let in_flight = if no_reply(e) {
                        j.fold().token(id).and_then(|t| t.next_write())
                    } else {
                        None
                    };
                    j.aborted(id, &e.to_string(), in_flight)
                }
            };
            (outcome, entry(j, id, now))
        });
        if self.lost.is_none() {
            if let Err(e) = outcome {
                self.lost = Some(e);
            }
        }
        match (result, self.lost) {
            (Ok(mut out), None) => {
                out.recorded = true;
                out.journal = entry;
                Ok(out)
            }
            (Ok(out), Some(lost)) => Err(BridgeError::Journaled {
                cause: Box::new(BridgeError::Results(format!(
                    "the burn of {} finished, but {lost}",
                    out.serial
                ))),
                entry: entry.map(Box::new),
            }),
            (Err(e), None)
                if entry
                    .as_ref()
                    .is_some_and(|e| e.holds == TokenHolds::Untouched) =>
            {
                // Refused before any write (an occupied profile, a wrong password): the
                // journal says "untouched", the error says "nothing was written".
                Err(e)
            }
            (Err(e), lost) => {
                if let Some(lost) = lost {
                    eprintln!("error: {lost}");
                }
                Err(BridgeError::Journaled {
                    cause: Box::new(e),
                    entry: entry.map(Box::new),
                })
            }
        }
    }
}

/// The token may have taken the command that got no answer (pulled, reader gone, time-out,
/// cancelled while waiting);
/// an error status word means the device refused it.
fn no_reply(e: &BridgeError) -> bool {
    matches!(
        e,
        BridgeError::CardRemoved
            | BridgeError::Reader(_)
            | BridgeError::PcscUnavailable(_)
            | BridgeError::CardTimeout { .. }
            | BridgeError::Cancelled { sent: true }
    )
}

/// The API's spelling of a journal state.
pub fn holds(s: TokenState) -> TokenHolds {
    match s {
        TokenState::Untouched => TokenHolds::Untouched,
        TokenState::MayHoldNewConfig => TokenHolds::MayHoldNewConfig,
        TokenState::ConfigWrittenSeedNot => TokenHolds::ConfigWrittenSeedNot,
        TokenState::MayHoldNewSeed => TokenHolds::MayHoldNewSeed,
        TokenState::SeedWrittenNotVerified => TokenHolds::SeedWrittenNotVerified,
        TokenState::Verified => TokenHolds::Verified,
        TokenState::Failed => TokenHolds::Failed,
    }
}

/// What the journal says about attempt `id` now.
pub fn entry(journal: &Journal, id: TokenId, now: i64) -> Option<JournalEntry> {
    let fold = journal.fold();
    let t = fold.token(id)?;
    let earlier = fold
        .restore()
        .tokens
        .iter()
        .any(|r| r.attempt.id == id && r.earlier.is_some());
    Some(entry_of(t, earlier, now))
}

/// One attempt for the user: what the token holds, what to do, the code to compare at `now`
/// where it may hold the seed. `earlier`: an earlier attempt's seed may still be in it.
pub fn entry_of(t: &TokenEntry, earlier: bool, now: i64) -> JournalEntry {
    let state = t.state();
    let may_hold_seed =
        state.holds_new_seed() || matches!(state, TokenState::MayHoldNewSeed | TokenState::Failed);
    JournalEntry {
        attempt: t.id.0,
        serial: t.intent.target.serial.clone(),
        profile: t.intent.target.profile,
        name: t
            .intent
            .target
            .credential
            .clone()
            .or_else(|| t.intent.title.clone()),
        holds: holds(state),
        description: state.describe().to_string(),
        advice: state.advice().to_string(),
        expected_code: may_hold_seed.then(|| t.expected_code(now).ok()).flatten(),
        hotp_counter: t.intent.params.hotp_counter,
        may_hold_earlier_seed: earlier,
    }
}

/// One line for the terminal: "8659632000001: seed written, not verified — compare …".
pub fn describe(e: &JournalEntry) -> String {
    let mut s = echo(&e.serial).to_string();
    if let Some(p) = e.profile {
        s.push_str(&format!(" profile {p}"));
    }
    if let Some(n) = &e.name {
        s.push_str(&format!(" ({})", echo(n)));
    }
    s.push_str(&format!(": {}; {}", e.description, e.advice));
    match (&e.expected_code, e.hotp_counter) {
        (Some(c), Some(n)) => s.push_str(&format!(
            " (HOTP: its code at counter {n} is {c}; reading one from the key uses it up)"
        )),
        (Some(c), None) => s.push_str(&format!(" (expected code now: {c})")),
        (None, _) => {}
    }
    if e.may_hold_earlier_seed {
        s.push_str("; it may still hold the seed of its earlier burn (in the journal too)");
    }
    s
}

#[cfg(test)]
#[path = "journal_tests.rs"]
mod tests;
