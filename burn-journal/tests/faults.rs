//! Faults on real files: a full file system, a read-only one, and a writer killed with
//! `kill -9` mid-append. Whatever happens, the journal reads back with every record whole.

mod common;
#[path = "support/tmpfs.rs"]
mod tmpfs;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use tmpfs::Tmpfs;
use tokensmith_burn_journal::{read_file, Error, Journal, Method, TokenState, Write};

/// One token burned start to finish.
fn burn_one(j: &mut Journal, n: u32) -> Result<(), Error> {
    let t = j.intent(token2(&format!("86596{n:08}"), n as u8))?;
    j.written(t, Write::Config)?;
    j.written(t, Write::Seed)?;
    j.verified(t, Method::ComparedByAdmin, Some("287082".into()), Some(0))
}

#[test]
fn a_full_file_system_leaves_no_partial_record() {
    let Some(fs) = Tmpfs::mount("16k") else {
        return;
    };
    let path = fs.path().join("R.journal");
    let mut j = Journal::create(&path, &encrypted()).unwrap();
    let mut ok = 0u64;
    let err = loop {
        match j.intent(token2(&format!("86596{ok:08}"), ok as u8)) {
            Ok(_) => ok += 1,
            Err(e) => break e,
        }
        assert!(ok < 1000, "the 16 KiB file system never filled");
    };
    assert!(err.is_append_failure());
    assert!(
        matches!(err, Error::AppendFailed { undone: true, .. }),
        "{err}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("No space left on device") || msg.contains("bytes could be written"),
        "{msg}"
    );
    assert!(
        msg.contains("the incomplete record was removed and the journal is intact"),
        "{msg}"
    );
    assert!(msg.contains("Stop burning"), "{msg}");
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.last(), Some(&b'\n'), "no partial line at the end");
    let c = read_file(&path, Some(&passphrase(PASSPHRASE))).unwrap();
    assert_eq!(c.records.len() as u64, ok);
    assert_eq!(c.torn_tail, None);
    assert!(c
        .fold
        .tokens()
        .all(|t| t.state() == TokenState::MayHoldNewConfig));

    // With room again (the file system grown), the same journal goes on: the failed record
    // was never half there.
    drop(j);
    fs.remount("size=64k");
    let (mut j, report) = Journal::open(&path, &encrypted()).unwrap();
    assert_eq!(report.torn_tail_removed, None);
    j.intent(token2("8659699999999", 9)).unwrap();
    drop(j);
    let c = read_file(&path, Some(&passphrase(PASSPHRASE))).unwrap();
    assert_eq!(c.records.len() as u64, ok + 1);
}

#[test]
fn a_read_only_file_system_is_refused_before_any_burn() {
    let Some(fs) = Tmpfs::mount("1m") else {
        return;
    };
    let path = fs.path().join("R.journal");
    let mut j = Journal::create(&path, &encrypted()).unwrap();
    burn_one(&mut j, 1).unwrap();
    // Linux refuses to make a file system read-only under an open writer: close it first.
    drop(j);
    fs.remount("ro");
    let e = Journal::open(&path, &encrypted()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{}: cannot open: Read-only file system (os error 30)",
            path.display()
        )
    );
    let e = Journal::open_or_create(&fs.path().join("new.journal"), &encrypted()).unwrap_err();
    assert!(
        e.to_string()
            .contains("cannot create: Read-only file system"),
        "{e}"
    );
    // Reading needs no write access.
    let c = read_file(&path, Some(&passphrase(PASSPHRASE))).unwrap();
    assert_eq!(c.records.len(), 4);
    fs.remount("rw");
    let (mut j, _) = Journal::open(&path, &encrypted()).unwrap();
    burn_one(&mut j, 2).unwrap();
}

const CHILD_ENV: &str = "TOKENSMITH_JOURNAL_KILL_TEST";

/// The child of [`kill_9_mid_append`]: burns tokens into the journal until it is killed.
#[test]
#[ignore = "run by kill_9_mid_append in a child process"]
fn child_appender() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let (mut j, report) = Journal::open_or_create(Path::new(&path), &encrypted()).unwrap();
    let start = report.records as u32;
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut n = start;
    while Instant::now() < deadline {
        burn_one(&mut j, n).unwrap();
        n += 1;
    }
}

fn spawn_child(path: &Path) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["child_appender", "--exact", "--ignored", "--nocapture"])
        .env(CHILD_ENV, path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn line_count(path: &PathBuf) -> usize {
    std::fs::read(path)
        .map(|b| b.iter().filter(|&&c| c == b'\n').count())
        .unwrap_or(0)
}

#[test]
fn kill_9_mid_append() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("R.journal");
    let p = passphrase(PASSPHRASE);
    let mut total = 0;
    for round in 0..4 {
        let mut child = spawn_child(&path);
        // Let it write some records, reading alongside (readers take no lock).
        let want = total + 1 + 12 + round * 7;
        let deadline = Instant::now() + Duration::from_secs(60);
        while line_count(&path) < want {
            assert!(Instant::now() < deadline, "the child wrote too slowly");
            if line_count(&path) >= 1 {
                // Once the header is there, a read alongside the writer always succeeds (an
                // incomplete last line is set aside).
                read_file(&path, Some(&p)).unwrap();
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(u64::try_from(round).unwrap() * 3));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let c = read_file(&path, Some(&p)).unwrap();
        assert!(c.records.len() >= want - 1, "round {round}");
        assert!(c.records.len() > total, "round {round}: nothing new");
        // Every token is in a state a burn can be in after a crash.
        for t in c.fold.tokens() {
            let s = t.state();
            assert!(
                matches!(
                    s,
                    TokenState::Verified
                        | TokenState::MayHoldNewConfig
                        | TokenState::MayHoldNewSeed
                        | TokenState::SeedWrittenNotVerified
                ),
                "{s:?}"
            );
        }
        let unfinished = c
            .fold
            .tokens()
            .filter(|t| t.state() != TokenState::Verified)
            .count();
        // Only the token in progress at each kill can be unfinished.
        assert!(
            unfinished <= round + 1,
            "round {round}: {unfinished} unfinished"
        );
        total = c.records.len();
    }
    // The writer side accepts it too.
    let (_, report) = Journal::open(&path, &encrypted()).unwrap();
    assert_eq!(report.records, total);
}
