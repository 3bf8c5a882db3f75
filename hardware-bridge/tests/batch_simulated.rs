//! `hardware-bridge --simulate batch` as a terminal user runs it: every row is printed (the
//! last one too), every user gets a token with its own seed in the journal, and `--resume`
//! of a finished batch burns nothing more.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_hardware-bridge");
const USERS: [&str; 3] = ["alice@contoso.com", "bob@contoso.com", "carol@contoso.com"];

struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("ts-batch-sim-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("users.txt"), USERS.join("\n") + "\n").unwrap();
        Dir(d)
    }
    fn path(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_string()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn batch(d: &Dir, extra: &[&str]) -> Output {
    Command::new(BIN)
        .args(["--simulate", "batch", "--users"])
        .arg(d.path("users.txt"))
        .arg("--results-file")
        .arg(d.path("box.journal"))
        .args([
            "--plaintext-results",
            "--token-model",
            "c302-i",
            "--auto-accept",
        ])
        .args(extra)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The Entra CSV of the journal: (upn, serial, secret) per row.
fn exported(d: &Dir) -> Vec<(String, String, String)> {
    let o = Command::new(BIN)
        .args([
            "results-to-csv",
            &d.path("box.journal"),
            "-o",
            &d.path("e.csv"),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(d.path("e.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("upn,serial number,secret key,time interval,manufacturer,model")
    );
    lines
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (c[0].to_string(), c[1].to_string(), c[2].to_string())
        })
        .collect()
}

#[test]
fn every_row_is_printed_and_recorded_with_its_own_seed_and_resume_burns_nothing_more() {
    let d = Dir::new("rows");
    let o = batch(&d, &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    for (i, upn) in USERS.iter().enumerate() {
        let line = format!("{:>4} verified {upn} ", i + 1);
        assert!(
            err.lines()
                .any(|l| l.starts_with(&line) && l.ends_with("(auto-accepted: code not compared)")),
            "no line {line:?} in:\n{err}"
        );
    }
    assert!(err.contains("3 of 3 done (3 verified"), "{err}");
    let rows = exported(&d);
    assert_eq!(
        rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        USERS,
        "users in list order"
    );
    let mut serials: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    let mut seeds: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
    serials.sort();
    serials.dedup();
    seeds.sort();
    seeds.dedup();
    assert_eq!((serials.len(), seeds.len()), (3, 3), "{rows:?}");
    for s in &seeds {
        assert!(!err.contains(s), "a seed in the terminal output");
    }
    // Resuming a finished batch: nothing left to burn, the journal unchanged.
    let before = std::fs::read(d.path("box.journal")).unwrap();
    let again = batch(&d, &["--resume"]);
    let err2 = String::from_utf8_lossy(&again.stderr);
    assert!(again.status.success(), "{err2}");
    assert!(err2.contains("3 of 3 done"), "{err2}");
    assert_eq!(exported(&d), rows);
    assert_eq!(std::fs::read(d.path("box.journal")).unwrap(), before);
}
