//! Cross-check with an independent age implementation: Debian's `age` (Go) decrypts the
//! journal's identity with the passphrase and every record with that identity, and a record it
//! encrypts is read by the journal. Deliberately fails (never skips) when `age` is missing:
//! `cargo xtask setup` installs it.

mod common;

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use common::*;
use data_encoding::BASE64;
use tokensmith_burn_journal::{read_file, Journal, Method, Write};

fn age(args: &[&str]) -> std::process::Output {
    match Command::new("age").args(args).output() {
        Ok(o) => o,
        Err(e) => {
            panic!("Debian's `age` is needed (apt-get install age, or cargo xtask setup): {e}")
        }
    }
}

/// `age -d` reads a passphrase only from a terminal: give it one with `script`.
fn age_with_passphrase(args: &str, passphrase: &str) -> std::process::Output {
    let mut child = Command::new("script")
        .args(["-qec", &format!("age {args}"), "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script (util-linux) runs age on a terminal");
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("{passphrase}\n").as_bytes())
        .unwrap();
    // Kept open until age is done: an early end of input could reach it before the line.
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    out
}

fn write(path: &Path, bytes: &[u8]) -> String {
    std::fs::write(path, bytes).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn go_age_reads_and_writes_journal_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("R.journal");
    let mut j = Journal::create(&path, &encrypted()).unwrap();
    let t = j.intent(token2("8659632000001", 1)).unwrap();
    j.written(t, Write::Config).unwrap();
    j.written(t, Write::Seed).unwrap();
    drop(j);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();

    // The header's identity, with the passphrase.
    let header: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    let sealed = BASE64
        .decode(header["identity"].as_str().unwrap().as_bytes())
        .unwrap();
    let id_age = write(&dir.path().join("id.age"), &sealed);
    let key = dir.path().join("key.txt");
    let key_s = key.to_str().unwrap().to_string();
    let out = age_with_passphrase(&format!("-d -o {key_s} {id_age}"), "wrong passphrase");
    assert!(!key.exists() || std::fs::read(&key).unwrap().is_empty());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("incorrect passphrase"),
        "{out:?}"
    );
    let out = age_with_passphrase(&format!("-d -o {key_s} {id_age}"), PASSPHRASE);
    assert!(out.status.success(), "{out:?}");
    let key_text = std::fs::read_to_string(&key).unwrap();
    assert!(key_text.starts_with("AGE-SECRET-KEY-1"), "not an age key");

    // Every record, with that identity.
    let ours = read_file(&path, Some(&passphrase(PASSPHRASE))).unwrap();
    for (n, line) in lines[1..].iter().enumerate() {
        let rec = write(
            &dir.path().join(format!("rec{n}.age")),
            &BASE64.decode(line.as_bytes()).unwrap(),
        );
        let out = age(&["-d", "-i", &key_s, &rec]);
        assert!(out.status.success(), "{out:?}");
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            serde_json::to_string(&ours.records[n].record).unwrap()
        );
    }

    // A record Go's age encrypts to the journal's recipient is read back as one of ours.
    let recipient = Command::new("age-keygen")
        .args(["-y", &key_s])
        .output()
        .unwrap();
    assert!(recipient.status.success());
    let recipient = String::from_utf8(recipient.stdout).unwrap();
    let json = format!(
        r#"{{"seq":4,"at":1767225609,"event":{{"verified":{{"token":{},"method":"compared_by_admin","code":"287082"}}}}}}"#,
        t.0
    );
    let plain = write(&dir.path().join("rec.json"), json.as_bytes());
    let out = age(&["-r", recipient.trim(), &plain]);
    assert!(out.status.success(), "{out:?}");
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    writeln!(file, "{}", BASE64.encode(&out.stdout)).unwrap();
    drop(file);
    let c = read_file(&path, Some(&passphrase(PASSPHRASE))).unwrap();
    let entry = c.fold.token(t).unwrap();
    assert!(matches!(
        &entry.outcome,
        Some(tokensmith_burn_journal::Outcome::Verified(v)) if v.method == Method::ComparedByAdmin
    ));
}
