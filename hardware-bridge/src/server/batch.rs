//! The batch routes: the page starts a batch, the bridge runs it — the same loops as
//! `hardware-bridge batch` ([`crate::batch::run`], one thread per reader, the one burn
//! journal) — and the page observes and steers it (status, control, the admin's comparison,
//! the journal's rows for the inventory). Under `--simulate` the batch gets its own box of
//! fresh emulated tokens ([`Supply`]), swapped by the simulated admin.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use tokensmith_api::{
    BatchAction, BatchAnswer, BatchControl, BatchResultRow, BatchResults, BatchStart, BatchStatus,
    CurrentBatch, ErrorCode, SecretString, UserListFormat,
};
use tokensmith_burn_journal::{self as bj, Journal, Passphrase, Protection};
use tokensmith_core::batch::BatchUser;
use tokensmith_core::caps::Model;

use super::api::{bridge_error_response, creds, parse_body};
use super::guard::error_response;
use super::AppState;
use crate::backend::Backend;
use crate::batch::{run, setup, Batch, Recorded};
use crate::error::BridgeError;
use crate::simulate::supply::Supply;

/// How long the simulated admin takes to swap a token.
const SIMULATED_SWAP: Duration = Duration::from_millis(300);

/// The batch this bridge runs (or ran last).
pub struct BatchRun {
    batch: Arc<Batch>,
    supply: Option<Arc<Supply>>,
    journal: Arc<Mutex<Journal>>,
    model: Model,
    users: Vec<BatchUser>,
}

impl BatchRun {
    fn ended(&self) -> bool {
        self.batch.ended()
    }

    fn status(&self) -> BatchStatus {
        let mut s = self.batch.status();
        s.token_model = Some(self.model.caps().slug.to_string());
        s.results_file = Some(
            self.journal
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .path()
                .display()
                .to_string(),
        );
        s
    }

    /// The journal's tokens for this batch's users, in list order (a user's tokens in the
    /// journal's order).
    fn results(&self) -> BatchResults {
        let known = Recorded::of(
            &self
                .journal
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        let mut taken = vec![false; known.rows.len()];
        let mut rows = Vec::new();
        for (p, u) in self.users.iter().enumerate() {
            let found = known.rows.iter().enumerate().find(|(j, r)| {
                !taken[*j]
                    && r.upn
                        .as_deref()
                        .is_some_and(|x| x.eq_ignore_ascii_case(&u.upn))
            });
            let Some((j, r)) = found else { continue };
            taken[j] = true;
            rows.push(BatchResultRow {
                position: p as u32,
                upn: u.upn.clone(),
                display_name: u.display_name.clone(),
                serial: r.serial.clone(),
                profile: r.profile,
                model: r.model.clone(),
                manufacturer: r.manufacturer.clone(),
                secret: SecretString::new(r.secret.to_base32().to_string()),
                algorithm: r.algorithm,
                digits: r.digits,
                period: r.period,
                burned_at: r.burned_at,
                verified: known.verified.get(j).copied().unwrap_or(false),
            });
        }
        BatchResults {
            rows,
            attention: known.uncertain,
        }
    }
}

fn no_batch() -> Response {
    error_response(
        ErrorCode::NoBatch,
        "no batch runs on this bridge (it may have been restarted): start one, or resume it \
         from its journal",
    )
}

/// The journal a started batch writes: the one it names (opened with its passphrase, or in
/// plain text by choice), else the server's `--results-file`.
fn journal_for(st: &AppState, req: &BatchStart) -> Result<Arc<Mutex<Journal>>, BridgeError> {
    let Some(path) = req.results_file.as_deref().map(str::trim) else {
        if req.passphrase.is_some() || req.plaintext_results {
            return Err(BridgeError::BadInput(
                "the bridge's own journal (serve --results-file) was opened at its start: \
                 send a passphrase or plaintext_results only with results_file"
                    .into(),
            ));
        }
        return st.journal.clone().ok_or_else(|| {
            BridgeError::BadInput(
                "a batch needs a burn journal: name one (results_file, with a passphrase), or \
                 start the bridge with serve --results-file"
                    .into(),
            )
        });
    };
    if path.is_empty() {
        return Err(BridgeError::BadInput(
            "results_file is empty: name the journal file (e.g. box1.journal)".into(),
        ));
    }
    let protection =
        match (&req.passphrase, req.plaintext_results) {
            (Some(_), true) => {
                return Err(BridgeError::BadInput(
                    "a passphrase or plaintext_results, not both".into(),
                ))
            }
            (None, true) => Protection::Plaintext,
            (Some(p), false) if !p.as_str().is_empty() => Protection::Passphrase(Passphrase::new(
                bj::SecretString::from(p.as_str().to_string()),
            )),
            _ => return Err(BridgeError::BadInput(
                "the burn journal is encrypted (it holds seeds): give its passphrase, or choose \
                 plain text (plaintext_results)"
                    .into(),
            )),
        };
    let (journal, _report) =
        Journal::open_or_create(Path::new(path), &protection).map_err(crate::journal::error)?;
    Ok(Arc::new(Mutex::new(journal)))
}

/// Where a batch's tokens are: the backend, the simulated box (`--simulate`), the readers.
type Readers = (Arc<dyn Backend>, Option<Arc<Supply>>, Vec<String>);

/// The readers the batch uses, and the backend they are on.
fn readers_for(st: &AppState, req: &BatchStart, model: Model) -> Result<Readers, BridgeError> {
    if st.cfg.simulate {
        let n = req.simulate_readers.unwrap_or(1);
        if !(1..=8).contains(&n) {
            return Err(BridgeError::BadInput(format!(
                "simulate_readers {n}: give 1 to 8"
            )));
        }
        let supply = Arc::new(Supply::new(model, n.into(), Some(SIMULATED_SWAP)));
        let names = supply.names();
        return Ok((supply.clone(), Some(supply), names));
    }
    if req.simulate_readers.is_some() {
        return Err(BridgeError::BadInput(
            "simulate_readers is for a bridge started with --simulate".into(),
        ));
    }
    let names = setup::readers(st.backend.as_ref(), &req.readers)?;
    let backend = st.backend.apart().unwrap_or_else(|| st.backend.clone());
    Ok((backend, None, names))
}

fn start(st: &AppState, req: BatchStart) -> Result<BatchStatus, BridgeError> {
    let model = setup::token_model(&req.token_model)?;
    // Not held while the journal is opened (its passphrase takes a second): the status
    // route answers meanwhile.
    let running = || {
        st.batch
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .is_some_and(|r| !r.ended())
    };
    if running() {
        return Err(BridgeError::BatchRunning);
    }
    let options = setup::Options {
        creds: creds(req.customer_key.clone(), req.password.clone())?,
        auto_accept: req.auto_accept,
        overwrite: req.overwrite,
        resume: req.resume,
    };
    let code = setup::Code {
        algorithm: req.algorithm,
        digits: req.digits,
        period: req.period,
        display_timeout: req.display_timeout,
    };
    let plan = |recorded: &Recorded| {
        setup::plan(&req.users, model, code, options.clone(), recorded)
            .map_err(|r| BridgeError::BadInput(r.message(None)))
    };
    // The list and the parameters first: a refused batch creates no journal file.
    let first = plan(&Recorded::default())?;
    let read_as = UserListFormat::from(first.format);
    if req.format.is_some_and(|f| f != read_as) {
        return Err(BridgeError::BadInput(format!(
            "the user list reads as {}, not as the format the page named: check the text",
            first.format.human()
        )));
    }
    // The last batch's journal is let go first: the same file may be opened again (resume).
    let last = st.batch.lock().unwrap_or_else(|p| p.into_inner()).take();
    drop(last);
    let journal = journal_for(st, &req)?;
    let recorded = Recorded::of(&journal.lock().unwrap_or_else(|p| p.into_inner()));
    // Again with what the journal holds (Entra's 5 tokens per user count them).
    let plan = plan(&recorded)?;
    let (backend, supply, names) = readers_for(st, &req, model)?;
    let users = plan.users.clone();
    let mut batch = Batch::new(plan.spec, plan.users, &recorded, req.resume)?;
    batch.simulated = supply.is_some();
    let batch = Arc::new(batch);
    let mut slot = st.batch.lock().unwrap_or_else(|p| p.into_inner());
    if slot.as_ref().is_some_and(|r| !r.ended()) {
        // Another start won meanwhile: this one touched no reader.
        return Err(BridgeError::BatchRunning);
    }
    for reader in names {
        let (be, j) = (backend.clone(), journal.clone());
        // Its thread runs on its own; the batch knows when it ends (`Batch::ended`).
        drop(batch.spawn_loop(move |b| {
            if let Err(e) = run::reader_loop(b, be.as_ref(), &reader, &j) {
                b.set_reader_message(&reader, &format!("stopped: {e}"));
            }
        }));
    }
    let run = BatchRun {
        batch,
        supply,
        journal,
        model,
        users,
    };
    let status = run.status();
    *slot = Some(Arc::new(run));
    Ok(status)
}

/// The batch, if one runs or ran.
fn current(st: &AppState) -> Option<Arc<BatchRun>> {
    st.batch.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

fn answer_with<T: serde::Serialize>(r: Result<T, BridgeError>) -> Response {
    match r {
        Ok(v) => Json(v).into_response(),
        Err(e) => bridge_error_response(&e),
    }
}

/// `POST /api/batch/start`. Opening a journal (age, scrypt) and reading it takes a while: on
/// the blocking pool.
pub async fn start_batch(State(st): State<Arc<AppState>>, body: Bytes) -> Response {
    let req = match parse_body::<BatchStart>(&body) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let res = tokio::task::spawn_blocking(move || start(&st, req)).await;
    match res {
        Ok(r) => answer_with(r),
        Err(_) => bridge_error_response(&BridgeError::Internal("batch start panicked".into())),
    }
}

/// `GET /api/batch`.
pub async fn get_batch(State(st): State<Arc<AppState>>) -> Response {
    Json(CurrentBatch {
        batch: current(&st).map(|r| r.status()),
    })
    .into_response()
}

/// `POST /api/batch/control`.
pub async fn control_batch(State(st): State<Arc<AppState>>, body: Bytes) -> Response {
    let req = match parse_body::<BatchControl>(&body) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let Some(run) = current(&st) else {
        return no_batch();
    };
    let done = match (req.action, &run.supply) {
        (BatchAction::SwapToken, Some(supply)) => match &req.reader {
            Some(r) => supply.swap(r),
            None => supply.names().iter().try_for_each(|r| supply.swap(r)),
        },
        (action, _) => run.batch.control(action, req.position),
    };
    answer_with(done.map(|()| run.status()))
}

/// `POST /api/batch/answer`.
pub async fn answer_batch(State(st): State<Arc<AppState>>, body: Bytes) -> Response {
    let req = match parse_body::<BatchAnswer>(&body) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let Some(run) = current(&st) else {
        return no_batch();
    };
    answer_with(
        run.batch
            .answer(req.position, req.matches)
            .map(|()| run.status()),
    )
}

/// `GET /api/batch/results`: reads the journal (decrypting each record) on the blocking pool.
pub async fn batch_results(State(st): State<Arc<AppState>>) -> Response {
    let Some(run) = current(&st) else {
        return no_batch();
    };
    match tokio::task::spawn_blocking(move || run.results()).await {
        Ok(r) => Json(r).into_response(),
        Err(_) => bridge_error_response(&BridgeError::Internal("reading results panicked".into())),
    }
}
