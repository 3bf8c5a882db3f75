//! `results-to-csv` in every format, checked by independent readers: python-pskc reads the PSKC
//! (plain and with a pre-shared key), Python's `csv` the CSVs, GnuPG decrypts `--encrypt-to`
//! output to exactly the plain export with either recipient's key; a refused key writes nothing.

#[path = "../../seal/tests/support/gpg.rs"]
mod gpg;
#[path = "../../core/tests/support/mod.rs"]
mod python;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_hardware-bridge");

/// Two tokens as `burn` records them: a Token2 card (SHA-1, 6 digits, 30 s) and a Molto2
/// profile (SHA-256, 8 digits, 60 s, titled), plus an earlier burn of the card that the re-burn
/// replaces.
const RESULTS: &str = "\
burned_at,kind,serial,model,profile,name,secret,algorithm,digits,period,display_timeout,upn,manufacturer
1700000000,token2,8659632000001,C302-i,,,MFRGGZDFMZTWQ2LKNNWG23TPOA,SHA1,6,30,30,alice@example.com,Token2
1700000050,token2,8659632000001,C302-i,,,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,SHA1,6,30,30,alice@example.com,Token2
1700000100,molto2,MOLTO2TEST01,Molto2,7,Bob VPN,JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP,SHA256,8,60,,bob@example.com,Token2
";
/// What Entra takes (6-digit SHA-1 TOTP): the card and a Molto2 profile.
const ENTRA_RESULTS: &str = "\
burned_at,kind,serial,model,profile,name,secret,algorithm,digits,period,display_timeout,upn,manufacturer
1700000050,token2,8659632000001,C302-i,,,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,SHA1,6,30,30,alice@example.com,Token2
1700000100,molto2,MOLTO2TEST01,Molto2,7,Bob VPN,JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP,SHA1,6,60,,bob@example.com,Token2
";
const CARD_HEX: &str = "3132333435363738393031323334353637383930";
const MOLTO_HEX: &str = "48656c6c6f21deadbeef48656c6c6f21deadbeef";

struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("ts-export-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("R.csv"), RESULTS).unwrap();
        std::fs::write(d.join("E.csv"), ENTRA_RESULTS).unwrap();
        Dir(d)
    }
    fn path(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_string()
    }
    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.0.join(name)).unwrap()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Run {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

fn run(dir: &Dir, args: &[&str]) -> Run {
    let out = Command::new(BIN)
        .current_dir(&dir.0)
        .arg("results-to-csv")
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn ok(dir: &Dir, args: &[&str]) -> Run {
    let r = run(dir, args);
    assert_eq!(r.code, 0, "results-to-csv {args:?}: {}", r.stderr);
    r
}

/// Python's csv module reads `text` to a list of rows.
fn python_csv(text: &[u8]) -> Vec<Vec<String>> {
    let json = python::run(
        "import csv, io, json, sys\nprint(json.dumps(list(csv.reader(io.StringIO(sys.stdin.read())))))",
        &[],
        text,
    );
    serde_json::from_str(&json).unwrap()
}

const PSKC_DUMP: &str = r#"
import json, sys, pskc
p = pskc.PSKC(sys.stdin.buffer)
if sys.argv[1]:
    p.encryption.key = bytes.fromhex(sys.argv[1])
print(json.dumps([dict(serial=k.serial, secret=k.secret.hex(), digits=k.response_length,
    interval=k.time_interval, suite=k.algorithm_suite, algorithm=k.algorithm,
    userid=k.key_userid, model=k.model) for k in p.keys]))
"#;

fn check_pskc(dump: &str) {
    let keys: Vec<Value> = serde_json::from_str(dump).unwrap();
    assert_eq!(keys.len(), 2, "the re-burn replaced the first row: {dump}");
    let expect = [
        (
            "8659632000001",
            CARD_HEX,
            6,
            30,
            "SHA1",
            "alice@example.com",
            "C302-i",
        ),
        (
            "MOLTO2TEST01",
            MOLTO_HEX,
            8,
            60,
            "SHA256",
            "bob@example.com",
            "Molto2",
        ),
    ];
    for (k, (serial, hex, digits, interval, suite, user, model)) in keys.iter().zip(expect) {
        assert_eq!(k["serial"], serial);
        assert_eq!(k["secret"], hex);
        assert_eq!(k["digits"], digits);
        assert_eq!(k["interval"], interval);
        assert_eq!(k["suite"], suite);
        assert_eq!(k["userid"], user);
        assert_eq!(k["model"], model);
        assert_eq!(k["algorithm"], "urn:ietf:params:xml:ns:keyprov:pskc:totp");
    }
}

#[test]
fn every_format_reads_back_with_an_independent_reader() {
    let dir = Dir::new("plain");

    let pskc = ok(&dir, &["R.csv", "--format", "pskc"]).stdout;
    check_pskc(&python::run(PSKC_DUMP, &[""], &pskc));

    let oath = python_csv(&ok(&dir, &["R.csv", "--format", "oath-csv"]).stdout);
    let card = oath.iter().find(|r| r[0] == "8659632000001").unwrap();
    assert_eq!(card[1], CARD_HEX);
    let molto = oath.iter().find(|r| r[0] == "MOLTO2TEST01").unwrap();
    assert_eq!(molto[1], MOLTO_HEX);
    assert!(
        molto.iter().any(|c| c.eq_ignore_ascii_case("totp")),
        "{molto:?}"
    );
    assert!(
        molto.iter().any(|c| c == "8") && molto.iter().any(|c| c == "60"),
        "{molto:?}"
    );

    // Duo's hardware tokens are SHA-1: the SHA-256 profile is refused by serial and profile…
    let duo = run(&dir, &["R.csv", "--format", "duo-csv"]);
    assert_eq!(duo.code, 2, "{}", duo.stderr);
    assert!(
        duo.stderr.contains("MOLTO2TEST01 profile 7: SHA-256"),
        "{}",
        duo.stderr
    );
    // …and SHA-1 tokens go through.
    let rows = python_csv(&ok(&dir, &["E.csv", "--format", "duo-csv"]).stdout);
    assert!(
        rows.iter()
            .any(|r| r[0] == "8659632000001" && r[1] == CARD_HEX),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r[0] == "MOLTO2TEST01" && r[1] == MOLTO_HEX),
        "{rows:?}"
    );

    let links = String::from_utf8(ok(&dir, &["R.csv", "--format", "otpauth"]).stdout).unwrap();
    let links: Vec<&str> = links.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(links.len(), 2, "{links:?}");
    assert!(links.iter().all(|l| l.starts_with("otpauth://totp/")));
    assert!(links[1].contains("secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"));
    assert!(links[1].contains("algorithm=SHA256") && links[1].contains("digits=8"));

    // The Entra CSV under its old name and its new one, byte for byte the same.
    let entra = ok(&dir, &["E.csv", "--format", "entra-csv"]).stdout;
    assert_eq!(entra, ok(&dir, &["E.csv", "--format", "csv"]).stdout);
    let rows = python_csv(&entra);
    assert_eq!(rows[0][0], "upn");
    assert_eq!(
        rows[1][..3],
        [
            "alice@example.com",
            "8659632000001",
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        ]
    );
    let graph: Value =
        serde_json::from_slice(&ok(&dir, &["E.csv", "--format", "graph-json"]).stdout).unwrap();
    assert_eq!(graph["value"][1]["serialNumber"], "MOLTO2TEST01");
    assert_eq!(
        graph["value"][1]["secretKey"],
        "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    );
    assert_eq!(graph["value"][1]["timeIntervalInSeconds"], 60);
    assert_eq!(
        graph,
        serde_json::from_slice::<Value>(&ok(&dir, &["E.csv", "--format", "graph"]).stdout).unwrap()
    );
}

#[test]
fn pskc_with_a_preshared_key_opens_with_that_key_in_python_pskc() {
    let dir = Dir::new("psk");
    let key = "000102030405060708090a0b0c0d0e0f";
    std::fs::write(dir.0.join("psk.hex"), format!("{key}\n")).unwrap();
    let r = ok(
        &dir,
        &[
            "R.csv",
            "--format",
            "pskc",
            "--pskc-key-file",
            "psk.hex",
            "--out",
            "t.xml",
        ],
    );
    assert!(
        r.stderr.contains("PSKC (RFC 6030), 2 token(s)"),
        "{}",
        r.stderr
    );
    let xml = dir.read("t.xml");
    let text = String::from_utf8_lossy(&xml);
    assert!(
        !text.to_lowercase().contains(CARD_HEX) && !text.contains("GEZDGNBV"),
        "seed in clear"
    );
    assert!(
        text.contains("<ds:KeyName>Tokensmith</ds:KeyName>") || text.contains(">Tokensmith<"),
        "{text}"
    );
    check_pskc(&python::run(PSKC_DUMP, &[key], &xml));

    // A key file for a format that has no key of its own: a clear refusal, nothing written.
    let r = run(
        &dir,
        &[
            "R.csv",
            "--format",
            "oath-csv",
            "--pskc-key-file",
            "psk.hex",
            "--out",
            "o.csv",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("--pskc-key-file protects PSKC files only"),
        "{}",
        r.stderr
    );
    assert!(!dir.0.join("o.csv").exists());
}

#[test]
fn encrypted_exports_open_with_either_recipient_in_gnupg() {
    let dir = Dir::new("gpg");
    let (alice, alice_fpr) = gpg::alice();
    let (bob, bob_fpr) = gpg::bob();
    std::fs::write(dir.0.join("alice.asc"), alice.export(&alice_fpr, true)).unwrap();
    std::fs::write(dir.0.join("bob.gpg"), bob.export(&bob_fpr, false)).unwrap();

    for format in ["entra-csv", "pskc", "oath-csv", "otpauth", "graph-json"] {
        let file = if matches!(format, "entra-csv" | "graph-json") {
            "E.csv"
        } else {
            "R.csv"
        };
        let plain = ok(&dir, &[file, "--format", format]).stdout;
        for out in ["t.asc", "t.gpg"] {
            let r = ok(
                &dir,
                &[
                    file,
                    "--format",
                    format,
                    "--encrypt-to",
                    "alice.asc",
                    "--encrypt-to",
                    "bob.gpg",
                    "--out",
                    out,
                ],
            );
            // Each recipient is described for the admin to check.
            assert!(
                r.stderr.contains("Alice Admin <alice@example.org>"),
                "{}",
                r.stderr
            );
            assert!(
                r.stderr.contains("Bob Backup <bob@example.org>"),
                "{}",
                r.stderr
            );
            assert!(r.stderr.contains("encrypted to 2 key(s)"), "{}", r.stderr);
            let message = dir.read(out);
            assert_eq!(
                message.starts_with(b"-----BEGIN PGP MESSAGE-----"),
                out.ends_with(".asc")
            );
            assert!(
                !String::from_utf8_lossy(&message).contains("GEZDGNBV"),
                "seed in clear"
            );
            assert_eq!(alice.decrypt(&message), plain, "{format} {out} for Alice");
            assert_eq!(bob.decrypt(&message), plain, "{format} {out} for Bob");
        }
    }
}

#[test]
fn an_expired_key_is_refused_and_nothing_is_written() {
    let dir = Dir::new("expired");
    let home = gpg::Home::new();
    let fpr = home.key(
        "Old Key <old@example.org>",
        "ed25519",
        "cert",
        "2021-01-01",
        Some("20200101T000000"),
    );
    home.subkey(&fpr, "cv25519", "2021-01-01", Some("20200101T000000"));
    std::fs::write(dir.0.join("old.asc"), home.export(&fpr, true)).unwrap();
    let r = run(
        &dir,
        &["R.csv", "--encrypt-to", "old.asc", "--out", "t.asc"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("old.asc") && r.stderr.contains("Old Key"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("expired"), "{}", r.stderr);
    assert!(
        !Path::new(&dir.path("t.asc")).exists(),
        "nothing written for a refused key"
    );
}

/// Issue 14 finding 6: an existing `--out` readable by others is tightened to 0600 before the
/// seeds go in, and a symbolic link is never followed (it could point anywhere).
#[cfg(unix)]
#[test]
fn out_is_private_and_never_a_symlink() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Dir::new("private");
    let out = dir.path("old.csv");
    std::fs::write(&out, "yesterday's export\n").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = ok(&dir, &["E.csv", "--out", "old.csv"]);
    let mode = std::fs::metadata(&out).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{}", r.stderr);
    assert!(
        r.stderr.contains("was readable by others: now 0600"),
        "{}",
        r.stderr
    );
    assert!(String::from_utf8(dir.read("old.csv"))
        .unwrap()
        .starts_with("upn,"));
    // A link to a file elsewhere: refused, the file it points to untouched.
    let victim = dir.path("victim.txt");
    std::fs::write(&victim, "keep me\n").unwrap();
    std::os::unix::fs::symlink(&victim, dir.path("link.csv")).unwrap();
    let r = run(&dir, &["E.csv", "--out", "link.csv"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("is a symbolic link"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me\n");
}

/// An HOTP credential burned through the CLI (the simulated OATH key) is journaled with its
/// counter; `results-to-csv` leaves it out of Entra's CSV and says so by name, and its PSKC and
/// OATH CSV carry it with the counter (read by python-pskc and Python's csv).
#[test]
fn hotp_is_journaled_named_in_entra_and_carried_by_pskc_and_oath_csv() {
    let dir = Dir::new("hotp");
    std::fs::write(dir.0.join("seed"), "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\n").unwrap();
    std::fs::write(dir.0.join("card"), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n").unwrap();
    let bridge = |args: &[&str]| {
        let out = Command::new(BIN)
            .current_dir(&dir.0)
            .args(["--simulate", "--json"])
            .args(args)
            .args(["--plaintext-results", "--results-file", "J"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{args:?}: {err}");
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let put = bridge(&[
        "--reader",
        "Simulated reader 2 (OATH key)",
        "oath",
        "put",
        "--secret-file",
        "seed",
        "--account",
        "bob@example.com",
        "--issuer",
        "Corp",
        "--hotp",
        "--counter",
        "3",
    ]);
    assert_eq!(put["recorded"], true, "{put}");
    let serial = put["serial"].as_str().unwrap().to_string();
    bridge(&[
        "--reader",
        "Simulated reader 0 (Token2 C302-i)",
        "burn",
        "--secret-file",
        "card",
        "--upn",
        "alice@example.com",
    ]);

    let entra = ok(&dir, &["J", "--format", "entra-csv"]);
    assert!(
        entra
            .stderr
            .contains(&format!("{serial} (Corp:bob@example.com), counter 3"))
            && entra.stderr.contains("TOTP"),
        "{}",
        entra.stderr
    );
    // Only what the file holds is called exported and not verified: the card, not the HOTP.
    assert!(
        entra
            .stderr
            .contains("1 exported token(s) not verified yet"),
        "{}",
        entra.stderr
    );
    let rows = python_csv(&entra.stdout);
    assert_eq!(rows.len(), 2, "header and the card: {rows:?}");
    assert!(!rows.iter().any(|r| r.iter().any(|c| c.contains(&serial))));

    let oath_out = ok(&dir, &["J", "--format", "oath-csv"]);
    assert!(
        oath_out
            .stderr
            .contains("2 exported token(s) not verified yet"),
        "{}",
        oath_out.stderr
    );
    let oath = python_csv(&oath_out.stdout);
    let hotp = oath.iter().find(|r| r[0] == serial).expect("HOTP row");
    assert_eq!(hotp[1..5], [MOLTO_HEX, "hotp", "6", "3"], "{hotp:?}");

    const PSKC_HOTP: &str = r#"
import json, sys, pskc
p = pskc.PSKC(sys.stdin.buffer)
print(json.dumps([dict(serial=k.serial, secret=k.secret.hex(), counter=k.counter,
    algorithm=k.algorithm) for k in p.keys]))
"#;
    let pskc = ok(&dir, &["J", "--format", "pskc"]).stdout;
    let keys: Vec<Value> = serde_json::from_str(&python::run(PSKC_HOTP, &[], &pskc)).unwrap();
    let k = keys
        .iter()
        .find(|k| k["serial"] == serial.as_str())
        .unwrap();
    assert_eq!(k["counter"], 3);
    assert_eq!(k["secret"], MOLTO_HEX);
    assert_eq!(k["algorithm"], "urn:ietf:params:xml:ns:keyprov:pskc:hotp");
}

/// A plain-text journal (`--plaintext-results`): alice's card burned and checked; bob's card
/// with its intent journaled and nothing after it (the bridge stopped before any write was
/// confirmed: the card may hold its old seed, its settings, or the new seed).
const JOURNAL_WITH_ATTENTION: &str = r#"{"format":"tokensmith-burn-journal","version":1,"created_at":1767225600,"journal":"0123456789abcdef0123456789abcdef","protection":"plaintext"}
{"seq":1,"at":1767225601,"event":{"intent":{"target":{"kind":"token2","serial":"8659632000001","model":"C302-i"},"seed":"MFRGGZDFMZTWQ2LKNNWG23TPOA","params":{"algorithm":"SHA1","digits":6,"period":30,"display_timeout":30},"writes":["config","seed"],"config_erases_seed":true,"upn":"alice@example.com"}}}
{"seq":2,"at":1767225602,"event":{"written":{"token":1,"write":"config"}}}
{"seq":3,"at":1767225602,"event":{"written":{"token":1,"write":"seed"}}}
{"seq":4,"at":1767225609,"event":{"verified":{"token":1,"method":"compared_by_admin","code":"287082","drift_steps":0}}}
{"seq":5,"at":1767225701,"event":{"intent":{"target":{"kind":"token2","serial":"8659632000002","model":"C302-i"},"seed":"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ","params":{"algorithm":"SHA1","digits":6,"period":30,"display_timeout":30},"writes":["config","seed"],"config_erases_seed":true,"upn":"bob@example.com"}}}
"#;

/// Tokens needing attention are named and left out; the export of the others is written, and
/// the command ends with exit code 1 and what to do — its own error, not one of the results
/// file (which was read without fault), also as `--json`'s code.
#[test]
fn tokens_needing_attention_end_the_export_with_their_own_error() {
    let d = Dir::new("attention");
    std::fs::write(d.0.join("box.journal"), JOURNAL_WITH_ATTENTION).unwrap();
    let r = run(&d, &["box.journal", "-o", "e.csv"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let rows = python_csv(&d.read("e.csv"));
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        &rows[1][..3],
        [
            "alice@example.com",
            "8659632000001",
            "MFRGGZDFMZTWQ2LKNNWG23TPOA"
        ]
    );
    assert!(r.stderr.contains("8659632000002"), "{}", r.stderr);
    let last = r.stderr.lines().last().unwrap();
    assert_eq!(
        last,
        "error: 1 token(s) need attention (listed above) and are not in the export: check each, \
         burn it again or record it, then run results-to-csv again"
    );
    assert!(!r.stderr.contains("results file"), "{}", r.stderr);
    assert!(
        !r.stderr.contains("GEZDGNBV"),
        "a seed in the output: {}",
        r.stderr
    );

    let out = Command::new(BIN)
        .current_dir(&d.0)
        .args(["--json", "results-to-csv", "box.journal", "-o", "e2.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], "incomplete", "{v}");
}
