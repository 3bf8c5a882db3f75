//! `hardware-bridge batch`: the batch loop in the terminal — one thread per reader, a
//! progress bar (`indicatif`), the code to compare asked on the terminal, Ctrl-C stops after
//! the token in hand (it is recorded first).

use std::collections::HashMap;
use std::io::BufRead;
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use tokensmith_api::{BatchAction, BatchState, RowStatus};
use tokensmith_core::batch;
use tokensmith_core::caps::Model;

use super::{input, Cli, CodeArgs, CredArgs, ProtectionArgs};
use crate::backend::Backend;
use crate::batch::{run, setup, Batch, Recorded, Spec};
use crate::error::BridgeError;
use crate::simulate::supply::Supply;

#[derive(Args, Debug)]
pub struct BatchArgs {
    /// The users, in order: one UPN a line, a CSV with a UPN column (and optionally display
    /// name, serial, profile, model), or an Entra users export.
    #[arg(long, value_name = "FILE")]
    pub users: PathBuf,
    /// The burn journal: every token is journaled (fsynced) before anything is written to it
    /// and before it is reported; `results-to-csv` turns it into the Entra CSV.
    #[arg(long, value_name = "FILE")]
    pub results_file: PathBuf,
    #[command(flatten)]
    pub protection: ProtectionArgs,
    /// The token model every token of the batch is (e.g. c302-i, otpc-p2, molto2v2, yubikey);
    /// default: the Molto2 of --model when given.
    #[arg(long, value_name = "MODEL")]
    pub token_model: Option<String>,
    /// Algorithm (SHA256: Graph upload only), period, digits (Entra verifies 6 only),
    /// display timeout.
    #[command(flatten)]
    pub code: CodeArgs,
    /// Go on with a batch that stopped (Ctrl-C, a crash): users with a token in the results
    /// file are done.
    #[arg(long)]
    pub resume: bool,
    /// Token2/Molto2: accept each code without comparing it with the display (trusted runs).
    #[arg(long)]
    pub auto_accept: bool,
    /// Burn tokens already in the results file or burned in this batch (their seeds are lost).
    #[arg(long)]
    pub overwrite: bool,
    /// With --simulate: how many emulated readers.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub simulate_readers: usize,
    /// With --simulate: the simulated admin's pause before taking a token off or placing the
    /// next, in milliseconds.
    #[arg(long, default_value_t = 300, value_name = "MS")]
    pub simulate_swap_ms: u64,
    #[command(flatten)]
    pub creds: CredArgs,
}

/// The model: named, or the Molto2 of the global --model.
fn model(cli: &Cli, a: &BatchArgs) -> Result<Model, BridgeError> {
    match (&a.token_model, cli.model) {
        (Some(m), _) => setup::token_model(m),
        (None, Some(m)) => Ok(crate::device::molto2_model(m).caps_model()),
        (None, None) => Err(BridgeError::BadInput(
            "which tokens are in the box? give --token-model (e.g. c302-i, otpc-p2, \
             molto2v2, yubikey)"
                .into(),
        )),
    }
}

/// Everything a run needs, checked.
type Prepared = (
    Spec,
    Vec<batch::BatchUser>,
    Recorded,
    tokensmith_burn_journal::Journal,
);

/// Reads and checks everything before any reader is touched.
fn prepare(cli: &Cli, a: &BatchArgs) -> Result<Prepared, BridgeError> {
    let model = model(cli, a)?;
    let text = std::fs::read_to_string(&a.users)
        .map_err(|e| BridgeError::BadInput(format!("{}: {e}", a.users.display())))?;
    // Opened (passphrase asked) before any reader is touched; one writer at a time.
    let journal = crate::journal::open(&a.results_file, &a.protection.choice())?;
    let recorded = Recorded::of(&journal);
    if !recorded.attention.is_empty() {
        eprintln!(
            "{}: {} token(s) need attention (an interrupted burn; refused in this batch unless \
             --overwrite):",
            a.results_file.display(),
            recorded.attention.len()
        );
        for e in &recorded.attention {
            eprintln!("  {}", crate::journal::describe(e));
        }
    }
    let code = setup::Code {
        algorithm: a.code.algorithm,
        digits: a.code.digits,
        period: a.code.period,
        display_timeout: a.code.display_timeout,
    };
    let options = setup::Options {
        creds: input::read_creds(&a.creds)?,
        auto_accept: a.auto_accept,
        overwrite: a.overwrite,
        resume: a.resume,
    };
    let file = a.users.display();
    let plan = match setup::plan(&text, model, code, options, &recorded) {
        Ok(p) => p,
        Err(refused) => {
            for i in &refused.issues {
                eprintln!("{file}: {i}");
            }
            return Err(BridgeError::BadInput(
                refused.message(Some(&file.to_string())),
            ));
        }
    };
    for i in &plan.issues {
        eprintln!("{file}: {i}");
    }
    if !plan.csv_ok {
        eprintln!(
            "note: Entra's CSV takes SHA-1 only: upload these tokens with --format graph-json"
        );
    }
    eprintln!(
        "{} users from {} ({}), {} tokens, {} digits, {} s",
        plan.users.len(),
        file,
        plan.format.human(),
        model.caps().label,
        a.code.digits.unwrap_or(6),
        a.code.period.unwrap_or(30)
    );
    Ok((plan.spec, plan.users, recorded, journal))
}

/// The readers to run: the named ones, else the only one there is (every simulated one).
fn readers(cli: &Cli, backend: &dyn Backend) -> Result<Vec<String>, BridgeError> {
    if cli.simulate && cli.reader.is_empty() {
        return Ok(backend.readers()?.into_iter().map(|r| r.name).collect());
    }
    setup::readers(backend, &cli.reader)
}

pub fn run(cli: &Cli, a: &BatchArgs) -> Result<(), BridgeError> {
    let (spec, users, recorded, journal) = prepare(cli, a)?;
    let journal = Arc::new(std::sync::Mutex::new(journal));
    let model = spec.model;
    let kind = spec.kind();
    let mut batch = Batch::new(spec, users, &recorded, a.resume)?;
    if let Some(k) = cli.kind {
        if k != kind {
            return Err(BridgeError::BadInput(format!(
                "--kind {k} but the batch burns {} ({kind}): leave --kind out, or give the \
                 --token-model of these tokens",
                model.caps().label
            )));
        }
        batch.kind_given = true;
    }
    let backend: Arc<dyn Backend> = if cli.simulate {
        batch.simulated = true;
        eprintln!("SIMULATION: emulated tokens, nothing is written to real hardware");
        Arc::new(Supply::new(
            model,
            a.simulate_readers,
            Some(Duration::from_millis(a.simulate_swap_ms)),
        ))
    } else {
        let wait = crate::card_wait::CardWait::new(Duration::from_secs(cli.card_timeout));
        super::backend(cli, &wait)?
    };
    let readers = readers(cli, backend.as_ref())?;
    let batch = Arc::new(batch);
    {
        let b = batch.clone();
        // Ctrl-C: no new token is started; the one in hand is burned and recorded first.
        // Pressed again: quit at once (the journal still says what each token may hold).
        let pressed = std::sync::atomic::AtomicBool::new(false);
        let _ = ctrlc::set_handler(move || {
            if pressed.swap(true, std::sync::atomic::Ordering::SeqCst) {
                std::process::exit(130);
            }
            eprintln!("\nstopping after the token in hand… (Ctrl-C again to quit at once)");
            let _ = b.control(BatchAction::Stop, None);
        });
    }
    let loops: Vec<_> = readers
        .iter()
        .map(|r| {
            let (be, r, j) = (backend.clone(), r.clone(), journal.clone());
            batch.spawn_loop(move |b| run::reader_loop(b, be.as_ref(), &r, &j))
        })
        .collect();
    watch(&batch);
    for l in loops {
        match l.join() {
            Ok(r) => r?,
            Err(_) => return Err(BridgeError::Internal("a reader loop panicked".into())),
        }
    }
    summary(&batch, a)
}

/// Draws progress and asks the admin to compare codes, until every loop has ended.
fn watch(batch: &Batch) {
    let bar = ProgressBar::new(batch.status().total as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    // Without a terminal (a script, a log) the bar is hidden: rows and prompts still print.
    let say = |line: String| {
        if bar.is_hidden() {
            eprintln!("{line}");
        } else {
            bar.println(line);
        }
    };
    let answers = stdin_lines();
    let mut asked: Option<u32> = None;
    let mut told: HashMap<u32, RowStatus> = HashMap::new();
    let mut said: HashMap<String, String> = HashMap::new();
    loop {
        let seen = batch.changes();
        // `ended` comes with the rows it ends on: the last ones are drawn before leaving.
        let s = batch.status();
        let ended = s.ended;
        bar.set_length(s.total as u64);
        bar.set_position(s.done as u64);
        let pace = match s.seconds_left {
            Some(left) => format!(
                "{:.1}/min, {}:{:02} left",
                s.tokens_per_minute,
                left / 60,
                left % 60
            ),
            None => String::new(),
        };
        let readers: Vec<String> = s
            .readers
            .iter()
            .map(|r| format!("{}: {}", r.reader, r.message))
            .collect();
        bar.set_message(format!("{pace} {}", readers.join(" | ")));
        if bar.is_hidden() {
            // No bar to show the readers: each new word from a reader on a line of its own
            // (a refused token, a wrong kind of token, a reader error).
            for r in &s.readers {
                if said.get(&r.reader) != Some(&r.message) {
                    said.insert(r.reader.clone(), r.message.clone());
                    say(format!("{}: {}", r.reader, r.message));
                }
            }
        }
        for r in &s.rows {
            if told.get(&r.position) != Some(&r.status)
                && matches!(r.status, RowStatus::Verified | RowStatus::Failed)
                && r.verified_by.as_deref() != Some("recorded before")
            {
                told.insert(r.position, r.status);
                // --auto-accept: nobody compared the code; the line says so.
                let auto = if r.verified_by.as_deref() == Some("auto_accepted") {
                    " (auto-accepted: code not compared)"
                } else {
                    ""
                };
                say(format!(
                    "{:>4} {:<8} {} {}{auto}{}",
                    r.position + 1,
                    r.status.as_str(),
                    r.upn,
                    r.serial.as_deref().unwrap_or(""),
                    r.reason
                        .as_deref()
                        .map(|x| format!(" — {x}"))
                        .unwrap_or_default()
                ));
            }
        }
        let waiting = s.rows.iter().find(|r| r.status == RowStatus::Burned);
        match (waiting, asked) {
            (Some(r), None) => {
                say(format!(
                    "token {} for {} should show {} (switch it off and on first): Enter = \
                     matches, n = does not",
                    r.serial.as_deref().unwrap_or("?"),
                    r.upn,
                    r.expected_code.as_deref().unwrap_or("?")
                ));
                asked = Some(r.position);
            }
            (None, Some(_)) => asked = None,
            _ => {}
        }
        if let Some(p) = asked {
            if let Ok(line) = answers.try_recv() {
                let matches = !line.trim().eq_ignore_ascii_case("n");
                let _ = batch.answer(p, matches);
                asked = None;
            }
        }
        if ended {
            break;
        }
        batch.wait_change(seen, Duration::from_millis(200));
    }
    bar.finish_and_clear();
}

fn stdin_lines() -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(l) = line else { break };
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    rx
}

fn summary(batch: &Batch, a: &BatchArgs) -> Result<(), BridgeError> {
    let s = batch.status();
    let count = |st: RowStatus| s.rows.iter().filter(|r| r.status == st).count();
    let burned = count(RowStatus::Burned);
    eprintln!(
        "{} of {} done ({} verified, {} skipped), {} failed, {} burned but not compared; {:.1} tokens/min",
        s.done,
        s.total,
        count(RowStatus::Verified),
        count(RowStatus::Skipped),
        s.failed,
        burned,
        s.tokens_per_minute
    );
    for r in s.rows.iter().filter(|r| r.status == RowStatus::Failed) {
        eprintln!(
            "  failed: {} — {}",
            r.upn,
            r.reason.as_deref().unwrap_or("?")
        );
    }
    let file = a.results_file.display();
    if s.state == BatchState::Finished && s.failed == 0 && burned == 0 {
        let pass = a
            .protection
            .passphrase_file
            .as_ref()
            .map(|p| format!(" --passphrase-file {}", p.display()))
            .unwrap_or_default();
        eprintln!(
            "journal: {file}; next: hardware-bridge results-to-csv {file}{pass} -o entra.csv"
        );
        return Ok(());
    }
    Err(BridgeError::Incomplete(format!(
        "the batch is not complete: run the same command with --resume to go on ({file} holds \
         every token burned so far)"
    )))
}
