//! The fold: records in order → what each token attempt and each batch stands at. The writer
//! checks every record against it before writing, and the reader replays the file through it,
//! so a journal can only hold sequences that make sense.

use std::collections::BTreeMap;

use crate::record::{
    Aborted, BatchEnded, BatchId, BatchStart, Event, Intent, Record, TokenId, VerificationFailed,
    Verified, Write,
};

/// What a token holds or may hold, as far as the journal knows. Exactly one per attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenState {
    /// Nothing that changes the token was sent: it holds what it held before.
    Untouched,
    /// Stopped while a setting (configuration or title) was being written, before the seed:
    /// the token is untouched or has the new setting — and a Token2 model whose configuration
    /// write erases the seed then shows dashes. It does not hold the new seed.
    MayHoldNewConfig,
    /// A setting was written, the seed was not: on models whose configuration write erases the
    /// seed the token shows dashes (`------`) and holds no seed.
    ConfigWrittenSeedNot,
    /// Stopped while the seed was being written: the token may hold the new seed, or not.
    MayHoldNewSeed,
    /// The token acknowledged the seed; nobody has seen it give the right code yet.
    SeedWrittenNotVerified,
    /// The seed is in and the code was checked.
    Verified,
    /// The seed was written but the code did not match.
    Failed,
}

impl TokenState {
    pub const ALL: [TokenState; 7] = [
        TokenState::Untouched,
        TokenState::MayHoldNewConfig,
        TokenState::ConfigWrittenSeedNot,
        TokenState::MayHoldNewSeed,
        TokenState::SeedWrittenNotVerified,
        TokenState::Verified,
        TokenState::Failed,
    ];

    /// Short, for tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenState::Untouched => "untouched",
            TokenState::MayHoldNewConfig => "may_hold_new_config",
            TokenState::ConfigWrittenSeedNot => "config_written_seed_not",
            TokenState::MayHoldNewSeed => "may_hold_new_seed",
            TokenState::SeedWrittenNotVerified => "seed_written_not_verified",
            TokenState::Verified => "verified",
            TokenState::Failed => "failed",
        }
    }

    /// What the token holds, for the admin.
    pub fn describe(self) -> &'static str {
        match self {
            TokenState::Untouched => "untouched: nothing was written to it",
            TokenState::MayHoldNewConfig => {
                "interrupted while writing its settings: it may have the new settings (then many \
                 Token2 models show dashes, their old seed erased); it does not hold the new seed"
            }
            TokenState::ConfigWrittenSeedNot => {
                "settings written, seed not: it shows dashes (------) on models where a \
                 configuration write erases the seed"
            }
            TokenState::MayHoldNewSeed => {
                "interrupted while writing the seed: it may hold the new seed"
            }
            TokenState::SeedWrittenNotVerified => "seed written, not verified",
            TokenState::Verified => "seed written and verified",
            TokenState::Failed => "seed written but the code did not match",
        }
    }

    /// What to do next.
    pub fn advice(self) -> &'static str {
        match self {
            TokenState::Untouched => "nothing to do, or burn it",
            TokenState::MayHoldNewConfig | TokenState::ConfigWrittenSeedNot => "burn it again",
            TokenState::MayHoldNewSeed => {
                "compare the code it shows with the expected code: if equal, record it as \
                 verified; otherwise burn it again"
            }
            TokenState::SeedWrittenNotVerified => {
                "compare the code it shows with the expected code"
            }
            TokenState::Verified => "ready to hand out",
            TokenState::Failed => "do not hand it out: check its clock, or burn it again",
        }
    }

    /// The new seed is certainly in the token: exports list it as a normal row.
    pub fn holds_new_seed(self) -> bool {
        matches!(
            self,
            TokenState::SeedWrittenNotVerified | TokenState::Verified
        )
    }

    /// The admin must look at the token before it can be handed out or exported.
    pub fn needs_attention(self) -> bool {
        matches!(
            self,
            TokenState::MayHoldNewConfig
                | TokenState::ConfigWrittenSeedNot
                | TokenState::MayHoldNewSeed
                | TokenState::Failed
        )
    }
}

impl std::fmt::Display for TokenState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

/// The latest outcome of an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Verified(Verified),
    VerificationFailed(VerificationFailed),
    Aborted(Aborted),
}

/// One token attempt: its intent, the writes the token acknowledged, the latest outcome.
#[derive(Debug, Clone)]
pub struct TokenEntry {
    pub id: TokenId,
    pub intent: Intent,
    /// When the intent was written.
    pub at: i64,
    /// Acknowledged writes: always the first `written.len()` of `intent.writes`.
    pub written: Vec<Write>,
    pub outcome: Option<Outcome>,
    /// When the latest record about this attempt was written.
    pub updated_at: i64,
}

impl TokenEntry {
    /// The write that would be sent next, if any.
    pub fn next_write(&self) -> Option<Write> {
        self.intent.writes.get(self.written.len()).copied()
    }

    fn seed_written(&self) -> bool {
        self.written.iter().any(|w| w.carries_seed())
    }

    /// The state, from the writes and the outcome (see the crate documentation's table).
    pub fn state(&self) -> TokenState {
        let in_flight = match &self.outcome {
            Some(Outcome::Verified(_)) => return TokenState::Verified,
            Some(Outcome::VerificationFailed(_)) => return TokenState::Failed,
            Some(Outcome::Aborted(a)) => a.in_flight,
            // No outcome: the next write may have been sent when the record stream stopped.
            None => self.next_write(),
        };
        if self.seed_written() {
            TokenState::SeedWrittenNotVerified
        } else if in_flight.is_some_and(Write::carries_seed) {
            TokenState::MayHoldNewSeed
        } else if !self.written.is_empty() {
            TokenState::ConfigWrittenSeedNot
        } else if in_flight.is_some() {
            TokenState::MayHoldNewConfig
        } else {
            TokenState::Untouched
        }
    }

    /// Whether an earlier seed may still be in the token (this attempt may not have replaced
    /// or erased it).
    pub fn may_keep_earlier_seed(&self) -> bool {
        let erased = self.intent.config_erases_seed && self.written.contains(&Write::Config);
        match self.state() {
            TokenState::MayHoldNewConfig => true,
            TokenState::MayHoldNewSeed | TokenState::ConfigWrittenSeedNot => !erased,
            _ => false,
        }
    }

    /// The code the token should show at `unix` (UTC seconds) if it holds this attempt's seed:
    /// what the admin compares for a token that may hold it. An HOTP credential's is the code
    /// of its initial counter, whatever the time: the next code it gives if none was used.
    pub fn expected_code(&self, unix: i64) -> Result<String, tokensmith_core::otp::OtpError> {
        let p = &self.intent.params;
        if let Some(counter) = p.hotp_counter {
            return tokensmith_core::otp::hotp(
                self.intent.seed.as_bytes(),
                counter,
                p.algorithm,
                p.digits,
            );
        }
        let params = tokensmith_core::otp::OtpParams {
            algorithm: p.algorithm,
            digits: p.digits,
            period: p.period,
        };
        tokensmith_core::otp::totp(self.intent.seed.as_bytes(), &params, unix)
    }

    /// The token (serial, and profile or credential) this attempt wrote to.
    pub fn slot(&self) -> Slot {
        let t = &self.intent.target;
        Slot {
            serial: t.serial.clone(),
            profile: t.profile,
            credential: t.credential.clone(),
        }
    }
}

/// One place a seed lives: a token, a Molto2 profile, or an OATH credential on a key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slot {
    pub serial: String,
    pub profile: Option<u8>,
    pub credential: Option<String>,
}

impl std::fmt::Display for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.serial)?;
        if let Some(p) = self.profile {
            write!(f, " profile {p}")?;
        }
        if let Some(c) = &self.credential {
            write!(f, " credential {c}")?;
        }
        Ok(())
    }
}

/// Where one user of a batch stands.
#[derive(Debug, Clone, Copy)]
pub enum Position<'a> {
    /// No token attempted for this user yet.
    Pending,
    /// Skipped (the latest word about this user), with the reason.
    Skipped(&'a str),
    /// The latest attempt for this user.
    Attempted(&'a TokenEntry),
}

/// A batch: its start record, whether it is open, and what happened per user.
#[derive(Debug, Clone)]
pub struct BatchEntry {
    pub start: BatchStart,
    pub started_at: i64,
    /// Open: intents and skips may be added. A `batch_ended` closes it, `batch_resumed`
    /// opens it again.
    pub open: bool,
    pub ended: Option<BatchEnded>,
    /// Per position: the records about it in order (a skip, or an attempt).
    history: BTreeMap<u32, Vec<PositionEvent>>,
}

#[derive(Debug, Clone)]
enum PositionEvent {
    Skipped(String),
    Attempt(TokenId),
}

/// Records folded into per-attempt and per-batch state.
#[derive(Debug, Clone, Default)]
pub struct Fold {
    last_seq: u64,
    tokens: BTreeMap<TokenId, TokenEntry>,
    batches: BTreeMap<BatchId, BatchEntry>,
    /// Batches in the order they started.
    batch_order: Vec<BatchId>,
}

impl Fold {
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Every attempt, oldest first.
    pub fn tokens(&self) -> impl Iterator<Item = &TokenEntry> {
        self.tokens.values()
    }

    pub fn token(&self, id: TokenId) -> Option<&TokenEntry> {
        self.tokens.get(&id)
    }

    /// Batches in the order they started.
    pub fn batches(&self) -> impl Iterator<Item = &BatchEntry> {
        self.batch_order.iter().filter_map(|b| self.batches.get(b))
    }

    pub fn batch(&self, id: &BatchId) -> Option<&BatchEntry> {
        self.batches.get(id)
    }

    /// The latest attempt that changed (or may have changed) this slot, else the latest
    /// attempt at all.
    pub fn latest_for_slot(&self, slot: &Slot) -> Option<&TokenEntry> {
        let mut attempts = self.tokens.values().rev().filter(|t| t.slot() == *slot);
        let latest = attempts.clone().next();
        attempts
            .find(|t| t.state() != TokenState::Untouched)
            .or(latest)
    }

    /// Where each user of a batch stands, in list order.
    pub fn positions<'a>(&'a self, batch: &'a BatchEntry) -> Vec<Position<'a>> {
        (0..batch.start.users.len())
            .map(|p| {
                let p = u32::try_from(p).unwrap_or(u32::MAX);
                match batch.history.get(&p).and_then(|h| h.last()) {
                    None => Position::Pending,
                    Some(PositionEvent::Skipped(r)) => Position::Skipped(r),
                    Some(PositionEvent::Attempt(id)) => match self.tokens.get(id) {
                        Some(t) => Position::Attempted(t),
                        None => Position::Pending,
                    },
                }
            })
            .collect()
    }

    /// Check that `record` may follow what is folded so far. Changes nothing.
    pub fn check(&self, record: &Record) -> Result<(), String> {
        if record.seq != self.last_seq + 1 {
            return Err(format!(
                "record number {} where {} was expected (a line is missing or out of order)",
                record.seq,
                self.last_seq + 1
            ));
        }
        record.event.check()?;
        let token = |id: TokenId| {
            self.tokens
                .get(&id)
                .ok_or_else(|| format!("token {id} has no intent record before it"))
        };
        let open_batch = |b: &BatchId| match self.batches.get(b) {
            None => Err(format!("batch {b} was not started")),
            Some(e) if !e.open => Err(format!("batch {b} has ended")),
            Some(e) => Ok(e),
        };
        let position = |e: &BatchEntry, p: u32| {
            if (p as usize) < e.start.users.len() {
                Ok(())
            } else {
                Err(format!(
                    "position {p} is past the batch's {} users",
                    e.start.users.len()
                ))
            }
        };
        match &record.event {
            Event::BatchStarted(b) => {
                if self.batches.contains_key(&b.batch) {
                    return Err(format!("batch {} was already started", b.batch));
                }
            }
            Event::BatchResumed(b) => {
                if !self.batches.contains_key(&b.batch) {
                    return Err(format!("batch {} was not started", b.batch));
                }
            }
            Event::UserSkipped(s) => position(open_batch(&s.batch)?, s.position)?,
            Event::BatchEnded(e) => {
                open_batch(&e.batch)?;
            }
            Event::Intent(i) => {
                if let Some(slot) = &i.batch {
                    let b = open_batch(&slot.batch)?;
                    position(b, slot.position)?;
                    let user = &b.start.users[slot.position as usize];
                    if i.upn.as_deref() != Some(user.upn.as_str()) {
                        return Err(format!(
                            "the intent's UPN is not the one of batch user {}",
                            slot.position + 1
                        ));
                    }
                }
            }
            Event::Written(w) => {
                let t = token(w.token)?;
                if t.outcome.is_some() {
                    return Err(format!("token {} already has an outcome", w.token));
                }
                if t.next_write() != Some(w.write) {
                    return Err(format!(
                        "token {}: the {} write is not the next one planned",
                        w.token,
                        w.write.as_str()
                    ));
                }
            }
            Event::Verified(Verified { token: id, .. })
            | Event::VerificationFailed(VerificationFailed { token: id, .. }) => {
                let t = token(*id)?;
                // A check needs the seed in (or possibly in: checking settles it). Checking
                // again later (a re-check after fixing a clock) is allowed; the latest counts.
                let ok = matches!(
                    t.state(),
                    TokenState::SeedWrittenNotVerified
                        | TokenState::MayHoldNewSeed
                        | TokenState::Verified
                        | TokenState::Failed
                );
                if !ok {
                    return Err(format!(
                        "token {id} cannot be checked: {}",
                        t.state().describe()
                    ));
                }
            }
            Event::Aborted(a) => {
                let t = token(a.token)?;
                if t.outcome.is_some() {
                    return Err(format!("token {} already has an outcome", a.token));
                }
                if let Some(w) = a.in_flight {
                    if t.next_write() != Some(w) {
                        return Err(format!(
                            "token {}: the {} write cannot be in flight (not the next one planned)",
                            a.token,
                            w.as_str()
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// [`Self::check`], then fold the record in.
    pub fn apply(&mut self, record: Record) -> Result<(), String> {
        self.check(&record)?;
        self.apply_checked(record);
        Ok(())
    }

    /// Fold in a record that [`Self::check`] accepted.
    pub(crate) fn apply_checked(&mut self, record: Record) {
        let Record { seq, at, event } = record;
        self.last_seq = seq;
        let touch = |t: &mut TokenEntry| t.updated_at = at;
        match event {
            Event::BatchStarted(start) => {
                let id = start.batch.clone();
                self.batch_order.push(id.clone());
                self.batches.insert(
                    id,
                    BatchEntry {
                        start,
                        started_at: at,
                        open: true,
                        ended: None,
                        history: BTreeMap::new(),
                    },
                );
            }
            Event::BatchResumed(b) => {
                if let Some(e) = self.batches.get_mut(&b.batch) {
                    e.open = true;
                }
            }
            Event::UserSkipped(s) => {
                if let Some(e) = self.batches.get_mut(&s.batch) {
                    e.history
                        .entry(s.position)
                        .or_default()
                        .push(PositionEvent::Skipped(s.reason));
                }
            }
            Event::BatchEnded(end) => {
                if let Some(e) = self.batches.get_mut(&end.batch) {
                    e.open = false;
                    e.ended = Some(end);
                }
            }
            Event::Intent(intent) => {
                let id = TokenId(seq);
                if let Some(slot) = &intent.batch {
                    if let Some(e) = self.batches.get_mut(&slot.batch) {
                        e.history
                            .entry(slot.position)
                            .or_default()
                            .push(PositionEvent::Attempt(id));
                    }
                }
                self.tokens.insert(
                    id,
                    TokenEntry {
                        id,
                        intent,
                        at,
                        written: Vec::new(),
                        outcome: None,
                        updated_at: at,
                    },
                );
            }
            Event::Written(w) => {
                if let Some(t) = self.tokens.get_mut(&w.token) {
                    t.written.push(w.write);
                    touch(t);
                }
            }
            Event::Verified(v) => {
                if let Some(t) = self.tokens.get_mut(&v.token) {
                    t.outcome = Some(Outcome::Verified(v));
                    touch(t);
                }
            }
            Event::VerificationFailed(f) => {
                if let Some(t) = self.tokens.get_mut(&f.token) {
                    t.outcome = Some(Outcome::VerificationFailed(f));
                    touch(t);
                }
            }
            Event::Aborted(a) => {
                if let Some(t) = self.tokens.get_mut(&a.token) {
                    t.outcome = Some(Outcome::Aborted(a));
                    touch(t);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
