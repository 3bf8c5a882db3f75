use std::collections::HashMap;

use tokensmith_api::TokenHolds;
use tokensmith_burn_journal::{self as bj, Journal, Protection, Write, LEGACY_RESULTS_HEADER};
use tokensmith_core::formats::ExportFormat::{self, EntraCsv};
use tokensmith_core::otp::Algorithm;
use tokensmith_core::secret::Secret;

use super::*;

/// The journal crate's own Token2 intent (SHA-1, 6 digits, 30 s, `user{n}@contoso.com`).
#[path = "../../../burn-journal/tests/common/mod.rs"]
mod journal_fixtures;

use journal_fixtures::token2 as intent;

fn scratch(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("tokensmith-results-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every state reads back right: written and verified tokens are rows (the unverified one
/// listed as such), an interrupted one is listed for attention with its expected code and is
/// never exported; a re-burn replaces the earlier seed.
#[test]
fn journal_states_export_and_attention() {
    let dir = scratch("states");
    let path = dir.join("burns.journal");
    let mut j = Journal::create(&path, &Protection::Plaintext).unwrap();
    let a = j.intent(intent("8659632000001", 1)).unwrap();
    j.written(a, Write::Config).unwrap();
    j.written(a, Write::Seed).unwrap();
    let b = j.intent(intent("8659632000002", 2)).unwrap();
    j.written(b, Write::Config).unwrap();
    j.aborted(b, "card removed", Some(Write::Seed)).unwrap();
    let c = j.intent(intent("8659632000003", 3)).unwrap();
    j.written(c, Write::Config).unwrap();
    j.written(c, Write::Seed).unwrap();
    j.verified(
        c,
        bj::Method::ComparedByAdmin,
        Some("123456".into()),
        Some(0),
    )
    .unwrap();
    // Re-burn of the first token: the new seed counts.
    let a2 = j.intent(intent("8659632000001", 4)).unwrap();
    j.written(a2, Write::Config).unwrap();
    j.written(a2, Write::Seed).unwrap();
    drop(j);
    let l = load(&path, None, 1_767_225_600).unwrap();
    let serials: Vec<_> = l.rows.iter().map(|r| r.serial.as_str()).collect();
    assert_eq!(serials, ["8659632000003", "8659632000001"]);
    assert_eq!(l.rows[1].secret.as_bytes(), &[0xA0 ^ 4; 20]);
    assert_eq!(l.unverified.len(), 1);
    assert_eq!(l.unverified[0].serial, "8659632000001");
    assert_eq!(l.attention.len(), 1);
    let b = &l.attention[0];
    assert_eq!(
        (b.serial.as_str(), b.holds),
        ("8659632000002", TokenHolds::MayHoldNewSeed)
    );
    let expected = tokensmith_core::otp::totp(
        &[0xA0 ^ 2; 20],
        &tokensmith_core::otp::OtpParams {
            algorithm: Algorithm::Sha1,
            digits: 6,
            period: 30,
        },
        1_767_225_600,
    )
    .unwrap();
    assert_eq!(b.expected_code.as_deref(), Some(expected.as_str()));
    let (csv, _) = export(
        &l.rows,
        &HashMap::new(),
        EntraCsv,
        None,
        &Default::default(),
    )
    .unwrap();
    assert_eq!(csv.lines().count(), 3, "{}", csv.as_str());
    assert!(
        !csv.contains("8659632000002"),
        "an uncertain token was exported"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An HOTP credential is in the journal like any burn; Entra's formats leave it out and say
/// so by name (Entra takes TOTP only), the formats that can hold HOTP carry it with its counter.
#[test]
fn hotp_is_recorded_left_out_of_entra_and_carried_elsewhere() {
    let dir = scratch("hotp");
    let path = dir.join("burns.journal");
    let mut j = Journal::create(&path, &Protection::Plaintext).unwrap();
    let a = j.intent(intent("8659632000001", 1)).unwrap();
    j.written(a, Write::Config).unwrap();
    j.written(a, Write::Seed).unwrap();
    let mut h = intent("5439876", 2);
    h.target.kind = bj::Kind::Oath;
    h.target.model = "YubiKey 5".into();
    h.target.credential = Some("Corp:bob@contoso.com".into());
    h.config_erases_seed = false;
    h.writes = vec![Write::Credential];
    h.params.display_timeout = None;
    h.params.hotp_counter = Some(7);
    let b = j.intent(h).unwrap();
    j.written(b, Write::Credential).unwrap();
    drop(j);
    let l = load(&path, None, 1_767_225_600).unwrap();
    assert_eq!(l.rows.len(), 2);
    assert_eq!(l.rows[1].otp_kind, OtpKind::Hotp { counter: 7 });
    // Its "expected code" is the code of counter 7, whatever the time.
    let hotp7 = tokensmith_core::otp::hotp(&[0xA0 ^ 2; 20], 7, Algorithm::Sha1, 6).unwrap();
    let entry = l.unverified.iter().find(|e| e.serial == "5439876").unwrap();
    assert_eq!(entry.expected_code.as_deref(), Some(hotp7.as_str()));

    let none = HashMap::new();
    for format in [EntraCsv, ExportFormat::GraphJson] {
        let left = left_out(&l.rows, format).expect("HOTP named");
        let note = left.to_string();
        assert!(
            note.contains("5439876 (Corp:bob@contoso.com), counter 7")
                && note.contains("TOTP")
                && note.contains("--format pskc"),
            "{note}"
        );
        let (file, n) = export(&l.rows, &none, format, None, &Default::default()).unwrap();
        assert_eq!(n, 1);
        assert!(
            file.contains("8659632000001") && !file.contains("5439876"),
            "{}",
            file.as_str()
        );
    }
    let (csv, n) = export(
        &l.rows,
        &none,
        ExportFormat::OathCsv,
        None,
        &Default::default(),
    )
    .unwrap();
    assert_eq!(n, 2);
    let hex: String = [0xA0u8 ^ 2; 20]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(
        csv.contains(&format!("5439876,{hex},hotp,6,7")),
        "{}",
        csv.as_str()
    );
    for format in [
        ExportFormat::Pskc,
        ExportFormat::OathCsv,
        ExportFormat::OtpauthList,
    ] {
        assert_eq!(left_out(&l.rows, format), None, "{format}");
        let (file, _) = export(&l.rows, &none, format, None, &Default::default()).unwrap();
        let back = match format {
            ExportFormat::OtpauthList => continue,
            f => tokensmith_core::formats::import(f, &file, &Default::default()).unwrap(),
        };
        let hotp = back.iter().find(|t| t.record.serial == "5439876").unwrap();
        assert_eq!(hotp.kind, OtpKind::Hotp { counter: 7 }, "{format}");
    }
    let (links, _) = export(
        &l.rows,
        &none,
        ExportFormat::OtpauthList,
        None,
        &Default::default(),
    )
    .unwrap();
    assert!(
        links.contains("otpauth://hotp/") && links.contains("counter=7"),
        "{}",
        links.as_str()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 14 finding 2: a damaged cell of an old results CSV is an error naming its line and
/// column, never a default (the old reader exported SHA2X6, MD5 or an empty algorithm as
/// SHA-1, took 99 digits, and let a NUL through in a serial).
#[test]
fn old_results_cells_are_checked() {
    let good = "1700000000,token2,8659632000001,C302-i,,,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,SHA1,6,30,30,a@example.com,Token2";
    let cells: Vec<&str> = good.split(',').collect();
    let dir = scratch("legacy");
    let read = |column: usize, value: &str| {
        let mut c = cells.clone();
        c[column] = value;
        let path = dir.join(format!("r{column}.csv"));
        std::fs::write(
            &path,
            format!("{LEGACY_RESULTS_HEADER}\r\n{good}\r\n{}\r\n", c.join(",")),
        )
        .unwrap();
        load(&path, None, 0)
    };
    let ok = read(7, "SHA256").unwrap();
    assert_eq!(ok.rows.len(), 1, "the second row re-burns the first");
    assert_eq!(ok.rows[0].algorithm, Algorithm::Sha256);
    for (column, value) in [
        (7, "SHA2X6"),
        (7, ""),
        (7, "MD5"),
        (8, "99"),
        (9, "0"),
        (2, "86596\u{0}32"),
        (2, ""),
        (1, "fido"),
        (6, "not base32!"),
    ] {
        let err = read(column, value).unwrap_err().to_string();
        let name = LEGACY_RESULTS_HEADER.split(',').nth(column).unwrap();
        assert!(err.contains("line 3"), "{value:?}: {err}");
        assert!(err.contains(name), "{value:?}: {err}");
        assert!(!err.contains("GEZDGNBV"), "the secret is echoed: {err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Found by fuzzing: a Molto2 profile burned again under another title, or a Token2 row with a
/// name, counted as two tokens (two Entra rows for one serial, which the export then refused);
/// the burn journal's reading of the same file counts one.
#[test]
fn a_reburn_replaces_the_row_whatever_its_title() {
    let first = ResultRecord {
        burned_at: 1_700_000_000,
        kind: DeviceKind::Molto2,
        serial: "MOLTO2SEED01".into(),
        model: "Molto2".into(),
        profile: Some(4),
        name: Some("Bank".into()),
        secret: Secret::from_bytes(b"first seed 1234".to_vec()).unwrap(),
        algorithm: Algorithm::Sha1,
        digits: 6,
        period: 30,
        display_timeout: Some(30),
        upn: Some("a@b.c".into()),
        manufacturer: "Token2".into(),
        otp_kind: OtpKind::Totp,
    };
    let mut again = first.clone();
    again.name = Some("Bank 2".into());
    again.secret = Secret::from_bytes(b"second seed 1234".to_vec()).unwrap();
    let rows = [first.clone(), again];
    let kept = entra::latest(&rows);
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].secret.as_bytes(), b"second seed 1234");
    // OATH credentials on one key are told apart by their names.
    let mut alice = first;
    alice.kind = DeviceKind::Oath;
    alice.profile = None;
    alice.name = Some("Example:alice".into());
    let mut bob = alice.clone();
    bob.name = Some("Example:bob".into());
    assert_eq!(entra::latest(&[alice, bob]).len(), 2);
}
