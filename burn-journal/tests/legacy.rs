//! The old plain results CSV keeps working: read as "seed written, not verified", every cell
//! checked, and convertible into an encrypted journal. The fixture was written by
//! `hardware-bridge --simulate burn --results-file` (Token2, Molto2 profile, OATH).

mod common;

use common::*;
use tokensmith_burn_journal::{
    parse, read_file, Error, Journal, Kind, Protection, Source, TokenState, LEGACY_RESULTS_HEADER,
};
use tokensmith_core::otp::Algorithm;

const FIXTURE: &str = include_str!("data/legacy-results.csv");

#[test]
fn old_results_read_as_written_not_verified() {
    let c = parse(FIXTURE.as_bytes(), None).unwrap();
    assert_eq!(c.source, Source::LegacyResultsCsv);
    let restore = c.fold.restore();
    assert_eq!(restore.tokens.len(), 3);
    assert!(restore
        .tokens
        .iter()
        .all(|t| t.state == TokenState::SeedWrittenNotVerified));
    let rows: Vec<_> = restore.exportable().map(|t| t.token_record()).collect();
    assert_eq!(rows.len(), 3);
    let t2 = &rows[0];
    assert_eq!(
        (
            t2.serial.as_str(),
            t2.upn.as_str(),
            t2.model.as_str(),
            t2.manufacturer.as_str()
        ),
        ("8659632000001", "alice@contoso.com", "C302-i", "Token2")
    );
    assert_eq!(t2.secret.to_base32().as_str(), "JBSWY3DPEHPK3PXP");
    assert_eq!((t2.interval, t2.algorithm), (30, Algorithm::Sha1));
    let m = &rows[1];
    assert_eq!((m.serial.as_str(), m.profile), ("MOLTO2SIM0001", Some(3)));
    assert_eq!(m.secret.as_bytes(), b"12345678901234567890");
    assert_eq!((m.interval, m.algorithm), (60, Algorithm::Sha256));
    assert_eq!(m.display_name.as_deref(), Some("GitHub"));
    assert_eq!(m.upn, "");
    let o = &rows[2];
    assert_eq!(o.manufacturer, "OATH");
    assert_eq!(o.display_name.as_deref(), Some("Contoso:bob@contoso.com"));
    let molto = &restore.tokens[1].attempt.intent;
    assert_eq!(molto.target.kind, Kind::Molto2);
    assert_eq!(molto.params.digits, 8);
    assert_eq!(c.records[0].line, 2);
    assert_eq!(c.records.last().unwrap().line, 4);
}

#[test]
fn damaged_cells_are_refused_with_line_and_column() {
    let line2 = FIXTURE.lines().nth(1).unwrap();
    let cases = [
        (
            ",SHA1,",
            ",SHA2X6,",
            "line 2: algorithm is not SHA1, SHA256 or SHA512",
        ),
        (
            ",SHA1,",
            ",,",
            "line 2: algorithm is not SHA1, SHA256 or SHA512",
        ),
        (
            ",SHA1,",
            ",MD5,",
            "line 2: algorithm is not SHA1, SHA256 or SHA512",
        ),
        (",6,30,", ",99,30,", "line 2: digits 99 outside 4–10"),
        (",6,30,", ",6,0,", "line 2: period 0 s outside 1–86400"),
        (
            ",8659632000001,",
            ",86596\u{0}32000001,",
            "line 2: serial has a control character at character 6",
        ),
        (
            ",token2,",
            ",token3,",
            "line 2: kind is not token2, molto2 or oath",
        ),
        (
            "JBSWY3DPEHPK3PXP",
            "JBSWY3DP!HPK3PXP",
            "line 2: secret is not base32",
        ),
        (
            ",30,alice",
            ",x,alice",
            "line 2: display_timeout is not a number",
        ),
    ];
    for (from, to, want) in cases {
        let bad = FIXTURE.replacen(line2, &line2.replacen(from, to, 1), 1);
        let e = parse(bad.as_bytes(), None).unwrap_err().to_string();
        assert_eq!(e, want);
    }
    // A row glued to a partial one (the old writer's disk-full failure).
    let glued = FIXTURE.replacen("Token2\r\n1796", "Token2,1796", 1);
    let e = parse(glued.as_bytes(), None).unwrap_err().to_string();
    assert_eq!(e, "line 2: 26 columns where the header has 13");
    // A row a Molto2 profile number cannot be.
    let bad = FIXTURE.replacen(",3,GitHub,", ",300,GitHub,", 1);
    assert_eq!(
        parse(bad.as_bytes(), None).unwrap_err().to_string(),
        "line 3: profile 300 is too large"
    );
}

#[test]
fn converted_into_an_encrypted_journal() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("R.journal");
    let j = Journal::convert_legacy(FIXTURE.as_bytes(), &dest, &encrypted()).unwrap();
    drop(j);
    let text = std::fs::read_to_string(&dest).unwrap();
    assert!(!text.contains("JBSWY3DPEHPK3PXP"));
    let c = read_file(&dest, Some(&passphrase(PASSPHRASE))).unwrap();
    let old = parse(FIXTURE.as_bytes(), None).unwrap();
    assert_eq!(c.records.len(), old.records.len());
    for (a, b) in c.records.iter().zip(&old.records) {
        assert_eq!(
            serde_json::to_string(&a.record).unwrap(),
            serde_json::to_string(&b.record).unwrap()
        );
    }
    // The old file cannot be appended to: new records go into a journal.
    let old_path = dir.path().join("old.csv");
    std::fs::write(&old_path, FIXTURE).unwrap();
    assert!(matches!(
        Journal::open_or_create(&old_path, &Protection::Plaintext),
        Err(Error::LegacyResultsFile)
    ));
    assert!(matches!(
        Journal::convert_legacy(b"a,b\n1,2\n", &dir.path().join("x"), &encrypted()),
        Err(Error::Refused(_))
    ));
    assert!(FIXTURE.starts_with(LEGACY_RESULTS_HEADER));
}
