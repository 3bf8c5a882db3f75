//! The journal as files: encryption, passphrases, permissions, symbolic links, locking,
//! incomplete and damaged lines, versions.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::*;
use tokensmith_burn_journal::{
    parse, read_file, Error, Journal, Method, Protection, ProtectionKind, Source, TokenState, Write,
};

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

/// A journal with one verified token and one interrupted during its seed write.
fn two_tokens(path: &Path, protection: &Protection) {
    let mut j = Journal::create(path, protection).unwrap();
    let a = j.intent(token2("8659632000001", 1)).unwrap();
    j.written(a, Write::Config).unwrap();
    j.written(a, Write::Seed).unwrap();
    j.verified(a, Method::ComparedByAdmin, Some("287082".into()), Some(0))
        .unwrap();
    let b = j.intent(token2("8659632000002", 2)).unwrap();
    j.written(b, Write::Config).unwrap();
}

#[test]
fn encrypted_journal_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("R.journal");
    two_tokens(&path, &encrypted());
    assert_eq!(mode(&path), 0o600);

    let text = fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 7);
    assert!(
        lines[0].starts_with(r#"{"format":"tokensmith-burn-journal","version":1,"created_at":"#)
    );
    assert!(lines[0].contains(r#""protection":"age-passphrase","identity":""#));
    // No seed, serial or UPN in clear anywhere.
    for secret in [
        seed(1).to_base32().to_string(),
        seed(2).to_base32().to_string(),
        "8659632000001".into(),
        "user1@contoso.com".into(),
    ] {
        assert!(!text.contains(&secret), "{secret} in clear");
    }
    for l in &lines[1..] {
        assert!(l
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)));
    }

    let c = read_file(&path, Some(&passphrase(PASSPHRASE))).unwrap();
    assert!(
        matches!(&c.source, Source::Journal(h) if h.protection == ProtectionKind::AgePassphrase)
    );
    assert_eq!(c.records.len(), 6);
    assert_eq!(c.torn_tail, None);
    let restore = c.fold.restore();
    let states: Vec<(String, TokenState)> = restore
        .tokens
        .iter()
        .map(|t| (t.slot.serial.clone(), t.state))
        .collect();
    assert_eq!(
        states,
        vec![
            ("8659632000001".into(), TokenState::Verified),
            ("8659632000002".into(), TokenState::MayHoldNewSeed),
        ]
    );
    assert_eq!(
        restore.tokens[1].attempt.intent.seed.as_bytes(),
        seed(2).as_bytes()
    );

    // Reopened, it goes on where it stopped.
    let (mut j, report) = Journal::open(&path, &encrypted()).unwrap();
    assert!(!report.created);
    assert_eq!(report.records, 6);
    assert_eq!(report.tightened_from, None);
    let b = restore.tokens[1].attempt.id;
    j.verified(b, Method::ComparedByAdmin, Some("123456".into()), None)
        .unwrap();
    drop(j);
    let c = read_file(&path, Some(&passphrase(PASSPHRASE))).unwrap();
    assert_eq!(c.fold.token(b).unwrap().state(), TokenState::Verified);
}

#[test]
fn passphrases() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("R.journal");
    two_tokens(&path, &encrypted());
    let before = fs::read(&path).unwrap();

    let wrong = passphrase("not the passphrase");
    let e = read_file(&path, Some(&wrong)).unwrap_err();
    assert!(matches!(e, Error::WrongPassphrase), "{e}");
    assert_eq!(
        e.to_string(),
        "wrong passphrase for this journal (nothing was changed)"
    );
    let e = Journal::open(&path, &Protection::Passphrase(wrong)).unwrap_err();
    assert!(matches!(e, Error::WrongPassphrase));
    let e = read_file(&path, None).unwrap_err();
    assert!(matches!(e, Error::PassphraseRequired));
    assert!(e.to_string().contains("--passphrase-file"));
    let e = Journal::open(&path, &Protection::Plaintext).unwrap_err();
    assert!(matches!(e, Error::PassphraseRequired));
    assert_eq!(
        fs::read(&path).unwrap(),
        before,
        "failed opens change nothing"
    );

    // Too short to protect seeds: refused before any file exists.
    let short = dir.path().join("short.journal");
    let e = Journal::create(&short, &Protection::Passphrase(passphrase("1234567"))).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the passphrase is shorter than 8 characters: choose a longer one"
    );
    assert!(!short.exists());

    // A passphrase file: one trailing line break is not part of it.
    let p = tokensmith_burn_journal::Passphrase::from_file_bytes(zeroize::Zeroizing::new(
        format!("{PASSPHRASE}\r\n").into_bytes(),
    ))
    .unwrap();
    read_file(&path, Some(&p)).unwrap();
    let p = tokensmith_burn_journal::Passphrase::from_file_bytes(zeroize::Zeroizing::new(
        format!("{PASSPHRASE} \n").into_bytes(),
    ))
    .unwrap();
    assert!(matches!(
        read_file(&path, Some(&p)),
        Err(Error::WrongPassphrase)
    ));
    assert!(matches!(
        tokensmith_burn_journal::Passphrase::from_file_bytes(zeroize::Zeroizing::new(vec![
            0xff, 0xfe
        ])),
        Err(Error::PassphraseNotText)
    ));
    assert_eq!(format!("{p:?}"), "Passphrase(redacted)");
}

#[test]
fn plain_text_only_by_choice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("R.jsonl");
    two_tokens(&path, &Protection::Plaintext);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text
        .lines()
        .next()
        .unwrap()
        .contains(r#""protection":"plaintext"}"#));
    assert!(text.contains(seed(1).to_base32().as_str()));
    assert!(text
        .lines()
        .nth(1)
        .unwrap()
        .starts_with(r#"{"seq":1,"at":"#));
    // Read without a passphrase; a passphrase given for it is not needed either.
    let c = read_file(&path, None).unwrap();
    assert_eq!(c.records.len(), 6);
    read_file(&path, Some(&passphrase(PASSPHRASE))).unwrap();
    // Adding to it needs the same explicit choice.
    let e = Journal::open(&path, &encrypted()).unwrap_err();
    assert!(matches!(e, Error::PlaintextJournal), "{e}");
    Journal::open(&path, &Protection::Plaintext).unwrap();
}

#[test]
fn permissions_are_tightened_for_writing_and_reported_for_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("R.journal");
    two_tokens(&path, &encrypted());
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    let c = read_file(&path, Some(&passphrase(PASSPHRASE))).unwrap();
    assert_eq!(c.wide_permissions, Some(0o644));
    assert_eq!(mode(&path), 0o644, "reading changes nothing");
    let (_, report) = Journal::open(&path, &encrypted()).unwrap();
    assert_eq!(report.tightened_from, Some(0o644));
    assert_eq!(mode(&path), 0o600);
    // A new file is 0600 whatever the umask allows.
    let (_, report) = Journal::open_or_create(&dir.path().join("new"), &encrypted()).unwrap();
    assert!(report.created);
    assert_eq!(mode(&dir.path().join("new")), 0o600);
}

#[test]
fn symbolic_links_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.journal");
    two_tokens(&real, &encrypted());
    let link = dir.path().join("link.journal");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let p = passphrase(PASSPHRASE);
    let is_symlink = |e: Error| {
        assert!(matches!(e, Error::Symlink { .. }), "{e}");
        assert!(e.to_string().contains("is a symbolic link"));
    };
    is_symlink(read_file(&link, Some(&p)).unwrap_err());
    is_symlink(Journal::open(&link, &encrypted()).unwrap_err());
    is_symlink(Journal::open_or_create(&link, &encrypted()).unwrap_err());
    is_symlink(Journal::create(&link, &encrypted()).unwrap_err());
    // A dangling link is not followed to create a file where it points.
    let target = dir.path().join("elsewhere");
    let dangling = dir.path().join("dangling.journal");
    std::os::unix::fs::symlink(&target, &dangling).unwrap();
    is_symlink(Journal::open_or_create(&dangling, &encrypted()).unwrap_err());
    is_symlink(Journal::create(&dangling, &encrypted()).unwrap_err());
    assert!(!target.exists());
}

#[test]
fn one_writer_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("R.journal");
    let j = Journal::create(&path, &encrypted()).unwrap();
    let e = Journal::open(&path, &encrypted()).unwrap_err();
    assert!(matches!(e, Error::Locked { .. }), "{e}");
    // Readers do not wait for the writer.
    read_file(&path, Some(&passphrase(PASSPHRASE))).unwrap();
    drop(j);
    Journal::open(&path, &encrypted()).unwrap();
    let e = Journal::create(&path, &encrypted()).unwrap_err();
    assert!(matches!(e, Error::Exists { .. }), "{e}");
}

#[test]
fn an_incomplete_last_line_is_set_aside_then_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("R.journal");
    two_tokens(&path, &encrypted());
    let whole = fs::read(&path).unwrap();
    // A power loss in the middle of the next record's write.
    let mut torn = whole.clone();
    torn.extend_from_slice(b"YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBq");
    fs::write(&path, &torn).unwrap();
    let p = passphrase(PASSPHRASE);
    let c = read_file(&path, Some(&p)).unwrap();
    assert_eq!(c.records.len(), 6);
    let t = c.torn_tail.unwrap();
    assert_eq!((t.line, t.bytes), (8, 44));
    // Opening to write cuts it off so the next record is not glued to it.
    let (mut j, report) = Journal::open(&path, &encrypted()).unwrap();
    assert_eq!(report.torn_tail_removed, Some(t));
    assert_eq!(fs::read(&path).unwrap(), whole);
    j.intent(token2("8659632000003", 3)).unwrap();
    drop(j);
    let c = read_file(&path, Some(&p)).unwrap();
    assert_eq!((c.records.len(), c.torn_tail), (7, None));

    // Plain text too, and a header cut short is a journal still being created.
    let plain = dir.path().join("P.jsonl");
    two_tokens(&plain, &Protection::Plaintext);
    let mut bytes = fs::read(&plain).unwrap();
    bytes.extend_from_slice(br#"{"seq":7,"at":17000"#);
    let c = parse(&bytes, None).unwrap();
    assert_eq!(c.torn_tail.map(|t| t.line), Some(8));
    let header_only = &bytes[..20];
    assert!(matches!(parse(header_only, None), Err(Error::Empty)));
    fs::write(&plain, header_only).unwrap();
    assert!(matches!(
        Journal::open(&plain, &Protection::Plaintext),
        Err(Error::Empty)
    ));
    let (_, report) = Journal::open_or_create(&plain, &Protection::Plaintext).unwrap();
    assert!(report.created);
    assert_eq!(
        parse(&fs::read(&plain).unwrap(), None)
            .unwrap()
            .records
            .len(),
        0
    );
}

#[test]
fn a_damaged_line_is_an_error_with_its_number() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("R.journal");
    two_tokens(&path, &encrypted());
    let p = passphrase(PASSPHRASE);
    let text = fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let with = |i: usize, l: &str| {
        let mut v = lines.clone();
        v[i] = l;
        format!("{}\n", v.join("\n"))
    };
    let err = |s: String| parse(s.as_bytes(), Some(&p)).unwrap_err().to_string();
    // One changed character: age's authentication notices.
    let flipped = {
        let mut b = lines[2].as_bytes().to_vec();
        b[100] = if b[100] == b'A' { b'B' } else { b'A' };
        String::from_utf8(b).unwrap()
    };
    assert_eq!(
        err(with(2, &flipped)),
        "line 3: cannot be decrypted (damaged, or copied from another journal)"
    );
    assert_eq!(err(with(3, "not base64!")), "line 4: not base64 (damaged)");
    assert_eq!(err(with(3, "")), "line 4: empty line");
    // Two lines swapped, or one missing: the numbering tells.
    let mut swapped = lines.clone();
    swapped.swap(2, 3);
    assert_eq!(
        err(format!("{}\n", swapped.join("\n"))),
        "line 3: record number 3 where 2 was expected (a line is missing or out of order)"
    );
    // A line from another journal (same passphrase, another identity).
    let other = dir.path().join("other.journal");
    two_tokens(&other, &encrypted());
    let other_text = fs::read_to_string(&other).unwrap();
    let foreign = other_text.lines().nth(3).unwrap();
    assert!(err(with(3, foreign)).starts_with("line 4: cannot be decrypted"));

    // In plain text the messages name the field, never the value.
    let plain = dir.path().join("P.jsonl");
    two_tokens(&plain, &Protection::Plaintext);
    let text = fs::read_to_string(&plain).unwrap();
    let b32 = seed(1).to_base32().to_string();
    for (from, to, want) in [
        (
            r#""SHA1""#,
            r#""SHA2X6""#,
            "line 2: algorithm is not SHA1, SHA256 or SHA512",
        ),
        (
            r#""digits":6"#,
            r#""digits":99"#,
            "line 2: digits 99 outside 4–10",
        ),
        (
            "8659632000001",
            "86596\\u000032",
            "line 2: serial has a control character at character 6",
        ),
        (r#""model""#, r#""modle""#, "line 2: unknown field `modle`"),
        (
            b32.as_str(),
            "0OO0",
            "line 2: seed is not unpadded upper-case base32",
        ),
        (
            r#""writes""#,
            &format!(r#""{b32}""#),
            "line 2: unknown field (column",
        ),
    ] {
        let bad = text.replacen(from, to, 1);
        let e = parse(bad.as_bytes(), None).unwrap_err().to_string();
        assert!(e.starts_with(want), "{e}");
        assert!(!e.contains(&b32), "{e}");
    }
}

#[test]
fn a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("R.jsonl");
    two_tokens(&path, &Protection::Plaintext);
    let text = fs::read_to_string(&path)
        .unwrap()
        .replacen(r#""version":1"#, r#""version":2"#, 1);
    fs::write(&path, text).unwrap();
    let e = read_file(&path, None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the journal is format version 2; this Tokensmith reads versions up to 1: use a newer Tokensmith"
    );
    assert!(matches!(
        Journal::open(&path, &Protection::Plaintext),
        Err(Error::NewerVersion { found: 2, .. })
    ));
}

#[test]
fn not_a_journal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    fs::write(&path, "shopping list\n").unwrap();
    assert!(matches!(read_file(&path, None), Err(Error::NotAJournal)));
    assert!(matches!(
        Journal::open_or_create(&path, &encrypted()),
        Err(Error::NotAJournal)
    ));
    assert_eq!(fs::read_to_string(&path).unwrap(), "shopping list\n");
    assert!(matches!(
        read_file(dir.path(), None),
        Err(Error::NotAFile { .. })
    ));
}
