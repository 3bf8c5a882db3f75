//! Batch provisioning: a list of users, a box of tokens, one loop per reader.
//!
//! [`Batch`] is the shared state: the queue (one row per user, in list order), the control
//! (pause, stop, skip, retry), the admin's answers to "does the token show this code?", and
//! the serials already burned (from the results file and this batch). Each reader runs
//! [`run::reader_loop`]: wait for a token (`SCardGetStatusChange`), detect it, refuse one
//! already burned, take the next user, burn a fresh seed through [`crate::operation`] (which
//! records it, fsynced, before anyone is told), verify, wait for the token to be taken off.
//! The CLI draws it with `indicatif`; the server answers `GET /api/batch` with
//! [`Batch::status`].

pub mod run;
pub mod setup;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokensmith_api::{
    BatchAction, BatchRow, BatchState, BatchStatus, DeviceKind, ReaderLoop, RowStatus,
};
use tokensmith_core::batch::BatchUser;
use tokensmith_core::caps::Model;
use tokensmith_core::otp::{totp, OtpParams};
use tokensmith_core::secret::Secret;

use crate::device::plan::BurnParams;
use crate::device::Credentials;
use crate::error::BridgeError;
use crate::results::ResultRecord;
use tokensmith_burn_journal::{Journal, TokenState};

/// What the journal already holds, for a batch: the tokens whose new seed is in (their rows,
/// in journal order), and the serials of tokens an interrupted or failed burn left uncertain.
#[derive(Debug, Default)]
pub struct Recorded {
    pub rows: Vec<ResultRecord>,
    /// Per row: its code was checked.
    pub verified: Vec<bool>,
    pub uncertain: Vec<String>,
    /// What each of those may hold and what to do (with its expected code now), for the admin.
    pub attention: Vec<tokensmith_api::JournalEntry>,
}

impl Recorded {
    pub fn of(journal: &Journal) -> Recorded {
        let restore = journal.fold().restore();
        let mut out = Recorded::default();
        let now = crate::device::now();
        for r in restore.exportable() {
            out.rows.push(ResultRecord::from_restored(r));
            out.verified.push(r.state == TokenState::Verified);
        }
        out.uncertain = restore
            .attention()
            .map(|r| r.attempt.intent.target.serial.clone())
            .collect();
        out.attention = restore
            .attention()
            .map(|r| crate::journal::entry_of(r.attempt, r.earlier.is_some(), now))
            .collect();
        out
    }
}

/// What the batch burns, chosen once.
#[derive(Debug, Clone)]
pub struct Spec {
    pub model: Model,
    /// Algorithm, digits, period, display timeout (the rest is per token).
    pub params: BurnParams,
    pub creds: Credentials,
    /// Token2/Molto2: accept the code without the admin comparing it (trusted runs).
    pub auto_accept: bool,
    /// Burn a token that was burned before (in the results file or this batch).
    pub overwrite: bool,
    /// Seed length in bytes.
    pub seed_bytes: usize,
}

impl Spec {
    /// The kind of token the batch burns (the CLI refuses an app model up front).
    pub fn kind(&self) -> DeviceKind {
        crate::device::plan::kind_of(self.model).unwrap_or(DeviceKind::Token2)
    }
}

struct Inner {
    state: BatchState,
    rows: Vec<BatchRow>,
    users: Vec<BatchUser>,
    /// Serials that hold a seed from the results file or this batch (single-profile tokens).
    burned: HashSet<String>,
    /// Serials an interrupted burn left uncertain (the journal lists them for attention).
    uncertain: HashSet<String>,
    readers: Vec<ReaderLoop>,
    /// When each token of this run was verified, for the pace.
    finished_at: Vec<Instant>,
    answers: Vec<Option<bool>>,
    /// Rows whose code waits to be compared: the seed stays in (wiping) memory so the code
    /// shown is always the current one.
    comparing: HashMap<usize, (Secret, OtpParams)>,
    /// Counts the changes waited for ([`Batch::wait_change`]): a change made between a
    /// watcher's look and its wait is not missed.
    changes: u64,
    /// Reader loops started by [`Batch::spawn_loop`] and not yet returned.
    loops: usize,
}

/// The shared state of one batch run.
pub struct Batch {
    pub spec: Spec,
    inner: Mutex<Inner>,
    changed: Condvar,
    started: Instant,
    pub simulated: bool,
    /// The admin named the tokens' kind (`--kind`): it is not detected (a Molto2 on a reader
    /// whose name does not say "Molto2").
    pub kind_given: bool,
}

impl Batch {
    /// A batch over `users`; `recorded` is what the journal holds: with `resume`, a user's
    /// first rows in list order are done when the journal holds that many tokens for the UPN
    /// (a token an interrupted burn left uncertain is refused, its user gets a fresh one).
    /// Without it, a journal that already holds tokens for these users is refused.
    pub fn new(
        spec: Spec,
        users: Vec<BatchUser>,
        known: &Recorded,
        resume: bool,
    ) -> Result<Batch, BridgeError> {
        let recorded = &known.rows;
        let mut rows: Vec<BatchRow> = users
            .iter()
            .enumerate()
            .map(|(i, u)| BatchRow {
                position: i as u32,
                upn: u.upn.clone(),
                display_name: u.display_name.clone(),
                status: RowStatus::Waiting,
                serial: None,
                profile: None,
                reader: None,
                reason: None,
                expected_code: None,
                verified_by: None,
            })
            .collect();
        let mut taken = vec![false; recorded.len()];
        let mut resumed = 0;
        for row in rows.iter_mut() {
            let found = recorded.iter().enumerate().find(|(j, r)| {
                !taken[*j]
                    && r.upn
                        .as_deref()
                        .is_some_and(|u| u.eq_ignore_ascii_case(&row.upn))
            });
            if let Some((j, r)) = found {
                taken[j] = true;
                let checked = known.verified.get(j).copied().unwrap_or(false);
                row.status = if checked {
                    RowStatus::Verified
                } else {
                    RowStatus::Burned
                };
                row.serial = Some(r.serial.clone());
                row.profile = r.profile;
                row.verified_by = Some("recorded before".into());
                row.reason = (!checked).then(|| {
                    "recorded before; its code was not compared (results-to-csv lists it)".into()
                });
                resumed += 1;
            }
        }
        if resumed > 0 && !resume {
            return Err(BridgeError::BadInput(format!(
                "the journal already holds tokens for {resumed} of these users: add --resume \
                 to go on where the batch stopped, or give another --results-file"
            )));
        }
        let burned = recorded
            .iter()
            .filter(|r| r.kind != DeviceKind::Molto2)
            .map(|r| r.serial.clone())
            .chain(known.uncertain.iter().cloned())
            .collect();
        let n = rows.len();
        Ok(Batch {
            spec,
            inner: Mutex::new(Inner {
                state: BatchState::Running,
                rows,
                users,
                burned,
                uncertain: known.uncertain.iter().cloned().collect(),
                readers: Vec::new(),
                finished_at: Vec::new(),
                answers: vec![None; n],
                comparing: HashMap::new(),
                changes: 0,
                loops: 0,
            }),
            changed: Condvar::new(),
            started: Instant::now(),
            simulated: false,
            kind_given: false,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A loop that panicked leaves the rows as they were: still the truth.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn state(&self) -> BatchState {
        self.lock().state
    }

    /// Progress and every row.
    pub fn status(&self) -> BatchStatus {
        let g = self.lock();
        let total = g.rows.len() as u32;
        let done = g.rows.iter().filter(|r| r.status.is_final()).count() as u32;
        let failed = g
            .rows
            .iter()
            .filter(|r| r.status == RowStatus::Failed)
            .count() as u32;
        let made = g.finished_at.len();
        let minutes = g
            .finished_at
            .last()
            .map_or(0.0, |t| t.duration_since(self.started).as_secs_f64() / 60.0);
        let per_minute = if made > 0 && minutes > 0.0 {
            made as f64 / minutes
        } else {
            0.0
        };
        let open = total.saturating_sub(done + failed);
        let now = crate::device::now();
        let mut rows = g.rows.clone();
        for (&p, (secret, otp)) in &g.comparing {
            if let Some(r) = rows.get_mut(p) {
                r.expected_code = totp(secret.as_bytes(), otp, now)
                    .ok()
                    .or(r.expected_code.take());
            }
        }
        BatchStatus {
            state: g.state,
            total,
            done,
            failed,
            tokens_per_minute: per_minute,
            seconds_left: (per_minute > 0.0).then(|| (open as f64 / per_minute * 60.0) as u64),
            auto_accept: self.spec.auto_accept,
            rows,
            readers: g.readers.clone(),
            simulated: self.simulated,
            token_model: None,
            results_file: None,
            // Under the same lock as the rows: a loop that ends right after its last row is
            // never seen ended with that row still in hand (a watcher stops looking then).
            ended: g.loops == 0,
        }
    }

    /// Runs `body` (a reader loop) on a thread of its own; the batch counts it running until
    /// it returns or panics, so [`Batch::status`] says when every loop has ended.
    pub fn spawn_loop<T: Send + 'static>(
        self: &Arc<Self>,
        body: impl FnOnce(&Batch) -> T + Send + 'static,
    ) -> JoinHandle<T> {
        /// Counts the loop out however its thread ends.
        struct Running(Arc<Batch>);
        impl Drop for Running {
            fn drop(&mut self) {
                let mut g = self.0.lock();
                g.loops -= 1;
                self.0.notify(g);
            }
        }
        self.lock().loops += 1;
        let running = Running(self.clone());
        std::thread::spawn(move || body(&running.0))
    }

    /// Every loop started by [`Batch::spawn_loop`] has ended.
    pub fn ended(&self) -> bool {
        self.lock().loops == 0
    }

    /// Pause, resume, stop, skip or retry a row.
    pub fn control(&self, action: BatchAction, position: Option<u32>) -> Result<(), BridgeError> {
        let mut g = self.lock();
        let row = |g: &mut Inner| -> Result<usize, BridgeError> {
            let p = position.ok_or_else(|| {
                BridgeError::BadInput(format!("{action:?} needs the row's \"position\""))
            })? as usize;
            if p >= g.rows.len() {
                return Err(BridgeError::BadInput(format!(
                    "no row {p}: the batch has {} users",
                    g.rows.len()
                )));
            }
            Ok(p)
        };
        match action {
            BatchAction::Pause if g.state == BatchState::Running => g.state = BatchState::Paused,
            BatchAction::Resume if g.state == BatchState::Paused => g.state = BatchState::Running,
            BatchAction::Pause | BatchAction::Resume => {}
            BatchAction::Stop => {
                if g.state != BatchState::Finished {
                    g.state = BatchState::Stopped;
                }
            }
            BatchAction::Skip => {
                let p = row(&mut g)?;
                match g.rows[p].status {
                    RowStatus::Waiting | RowStatus::Failed => {
                        g.rows[p].status = RowStatus::Skipped;
                    }
                    s => {
                        return Err(BridgeError::BadInput(format!(
                            "row {p} is {}: only a waiting or failed row can be skipped",
                            s.as_str()
                        )))
                    }
                }
            }
            BatchAction::Retry => {
                let p = row(&mut g)?;
                match g.rows[p].status {
                    RowStatus::Failed | RowStatus::Skipped => {
                        let r = &mut g.rows[p];
                        r.status = RowStatus::Waiting;
                        r.reason = None;
                        r.expected_code = None;
                        if g.state == BatchState::Finished {
                            g.state = BatchState::Running;
                        }
                    }
                    s => {
                        return Err(BridgeError::BadInput(format!(
                            "row {p} is {}: only a failed or skipped row can be retried",
                            s.as_str()
                        )))
                    }
                }
            }
            BatchAction::SwapToken => {
                return Err(BridgeError::BadInput(
                    "swap_token is for the simulated token supply (--simulate)".into(),
                ))
            }
        }
        self.notify(g);
        Ok(())
    }

    /// The admin's answer for a row whose code waits to be compared.
    pub fn answer(&self, position: u32, matches: bool) -> Result<(), BridgeError> {
        let mut g = self.lock();
        let p = position as usize;
        if !g.comparing.contains_key(&p) {
            return Err(BridgeError::BadInput(format!(
                "row {p} has no code waiting to be compared"
            )));
        }
        g.answers[p] = Some(matches);
        g.comparing.remove(&p);
        self.notify(g);
        Ok(())
    }

    pub(crate) fn set_reader_message(&self, reader: &str, message: &str) {
        let mut g = self.lock();
        match g.readers.iter_mut().find(|r| r.reader == reader) {
            Some(r) => r.message = message.to_string(),
            None => g.readers.push(ReaderLoop {
                reader: reader.to_string(),
                message: message.to_string(),
            }),
        }
    }

    fn update_row(&self, p: usize, f: impl FnOnce(&mut BatchRow)) {
        let mut g = self.lock();
        if let Some(r) = g.rows.get_mut(p) {
            f(r);
        }
        self.notify(g);
    }

    /// Waits while paused; false once stopped (or finished).
    fn wait_running(&self) -> bool {
        let mut g = self.lock();
        loop {
            match g.state {
                BatchState::Running => return true,
                BatchState::Stopped | BatchState::Finished => return false,
                BatchState::Paused => {
                    g = self
                        .changed
                        .wait_timeout(g, Duration::from_millis(500))
                        .map(|(g, _)| g)
                        .unwrap_or_else(|p| p.into_inner().0);
                }
            }
        }
    }

    /// Whether a row still needs a token; finishes the batch when none does and nothing
    /// is in flight.
    fn work_left(&self) -> bool {
        let mut g = self.lock();
        let open = g
            .rows
            .iter()
            .any(|r| matches!(r.status, RowStatus::Waiting));
        let busy = !g.comparing.is_empty() || g.rows.iter().any(|r| r.status == RowStatus::Burning);
        if !open && !busy && g.state == BatchState::Running {
            g.state = BatchState::Finished;
            self.notify(g);
        }
        open
    }

    /// Takes the next waiting user for the token `serial`: a row naming this serial first,
    /// else the first row naming none.
    fn claim(&self, serial: &str, reader: &str) -> Option<(usize, BatchUser)> {
        let mut g = self.lock();
        let pick = g
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.status == RowStatus::Waiting)
            .find(|(i, _)| g.users[*i].serial.as_deref() == Some(serial))
            .or_else(|| {
                g.rows
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.status == RowStatus::Waiting)
                    .find(|(i, _)| g.users[*i].serial.is_none())
            })
            .map(|(i, _)| i)?;
        let r = &mut g.rows[pick];
        r.status = RowStatus::Burning;
        r.serial = Some(serial.to_string());
        r.reader = Some(reader.to_string());
        Some((pick, g.users[pick].clone()))
    }

    /// Waiting users for a multi-profile token, in list order, marked burning.
    fn claim_many(&self, serial: &str, reader: &str, free: &[u8]) -> Vec<(usize, BatchUser, u8)> {
        let mut g = self.lock();
        let pending: Vec<usize> = (0..g.rows.len())
            .filter(|&i| {
                g.rows[i].status == RowStatus::Waiting
                    && g.users[i].serial.as_deref().is_none_or(|s| s == serial)
            })
            .collect();
        let plan = tokensmith_core::batch::assign_profiles(&g.users, &pending, free);
        plan.into_iter()
            .map(|(i, p)| {
                let r = &mut g.rows[i];
                r.status = RowStatus::Burning;
                r.serial = Some(serial.to_string());
                r.reader = Some(reader.to_string());
                r.profile = Some(p);
                (i, g.users[i].clone(), p)
            })
            .collect()
    }

    fn is_burned(&self, serial: &str) -> bool {
        self.lock().burned.contains(serial)
    }

    /// An earlier burn of this token was interrupted: what it holds is not known.
    fn is_uncertain(&self, serial: &str) -> bool {
        self.lock().uncertain.contains(serial)
    }

    fn mark_burned(&self, serial: &str) {
        self.lock().burned.insert(serial.to_string());
    }

    fn finished_one(&self) {
        self.lock().finished_at.push(Instant::now());
    }

    /// Row `p` is burned and recorded; its code waits for the admin.
    fn await_comparison(&self, p: usize, secret: Secret, otp: OtpParams, code: String) {
        let mut g = self.lock();
        g.comparing.insert(p, (secret, otp));
        if let Some(r) = g.rows.get_mut(p) {
            r.status = RowStatus::Burned;
            r.expected_code = Some(code);
        }
        self.notify(g);
    }

    /// Blocks until the admin answers for row `p` or the batch stops (`None`).
    fn wait_answer(&self, p: usize) -> Option<bool> {
        let mut g = self.lock();
        loop {
            if let Some(a) = g.answers[p].take() {
                return Some(a);
            }
            if g.state == BatchState::Stopped {
                return None;
            }
            g = self
                .changed
                .wait_timeout(g, Duration::from_millis(500))
                .map(|(g, _)| g)
                .unwrap_or_else(|p| p.into_inner().0);
        }
    }

    /// Tells the waiters that something changed, releasing the lock first.
    fn notify(&self, mut g: MutexGuard<'_, Inner>) {
        g.changes += 1;
        drop(g);
        self.changed.notify_all();
    }

    /// The change count, to pass to [`Batch::wait_change`] after looking.
    pub fn changes(&self) -> u64 {
        self.lock().changes
    }

    /// Blocks until something changes (a row, the state) after the count `seen`, at most
    /// `timeout`.
    pub fn wait_change(&self, seen: u64, timeout: Duration) {
        let g = self.lock();
        let _ = self
            .changed
            .wait_timeout_while(g, timeout, |inner| inner.changes == seen);
    }
}

#[cfg(test)]
mod tests;
