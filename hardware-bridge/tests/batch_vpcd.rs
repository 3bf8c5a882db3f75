//! Issue 11's end-to-end proof of the terminal batch: `hardware-bridge batch` runs as a real
//! process against a real pcscd with vsmartcard's vpcd while the test, as the admin, swaps
//! emulated tokens (distinct serials, in-process so their state stays inspectable) in and out of
//! the virtual reader: insert, wait for the row the batch prints, take it off, next.
//!
//! What must hold: every token gets its own seed, exactly what the card holds (the journal read
//! back by `results-to-csv`, the code the card computes, Debian's `oathtool` on the exported
//! seed); the users get tokens in list order; a token put back after its burn is refused and not
//! written to; a `kill -9` between two tokens and one during a burn, each followed by
//! `batch --resume`, end with every user's token recorded once, none burned twice, and the
//! token that was in flight reported as what it is (may hold the new seed) — refused when it
//! comes back, listed by `results-to-csv` as needing attention.
//!
//! Needs pcscd and vsmartcard-vpcd like `pcsc_vpcd.rs`; run it under `flock /tmp/pcscd.lock`
//! (one pcscd owns the vpcd ports; the tests of this file take turns).
//!
//! `bench_batch_tokens_per_minute` (ignored: a benchmark, not a test) measures tokens per
//! minute with 1 and 3 readers and the bridge's time per token above the APDUs' own:
//! `flock /tmp/pcscd.lock cargo test --release -p hardware-bridge --test batch_vpcd -- --ignored --nocapture`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use hardware_bridge::vpcd::Fault;
use tokensmith_proto::emulator::{Card, Molto2Card, Token2Card, YkoathCard};
use tokensmith_proto::molto2::Molto2Model;
use tokensmith_proto::ykoath::{calculate_apdu, select_apdu, time_challenge};

mod vpcd_rig;
use vpcd_rig::*;

const BIN: &str = env!("CARGO_BIN_EXE_hardware-bridge");
const INS_WRITE_SEED: u8 = tokensmith_proto::token2::INS_WRITE_SEED;
const INS_WRITE_CONFIG: u8 = tokensmith_proto::token2::INS_WRITE_CONFIG;
const INS_OATH_PUT: u8 = 0x01;
/// How long the admin waits for the batch to say something before the test fails.
const PATIENCE: Duration = Duration::from_secs(20);

/// One test at a time on the vpcd readers.
static RIG: Mutex<()> = Mutex::new(());

fn rig() -> (MutexGuard<'static, ()>, Pcscd) {
    let g = RIG.lock().unwrap_or_else(|p| p.into_inner());
    (g, start_pcscd())
}

/// A directory of the test's own, removed at the end.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let d =
            std::env::temp_dir().join(format!("tokensmith-batch-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// ------------------------------------------------------------- the batch

/// The lines a process wrote, each with when it came; a change is signalled.
type Lines = Arc<(Mutex<Vec<(Instant, String)>>, Condvar)>;

/// `hardware-bridge batch` running; its stderr (no terminal: one line per event) collected.
struct BatchRun {
    child: Option<Child>,
    lines: Lines,
    /// Lines before this one were already waited for.
    cursor: usize,
}

/// A row the batch printed: "   1 verified alice@contoso.com 8659632000001".
#[derive(Debug, Clone, PartialEq)]
struct Row {
    position: usize,
    status: String,
    upn: String,
    serial: String,
}

fn row(line: &str) -> Option<Row> {
    let f: Vec<&str> = line.split_whitespace().collect();
    Some(Row {
        position: f.first()?.parse().ok()?,
        status: f.get(1)?.to_string(),
        upn: f.get(2)?.to_string(),
        serial: f.get(3)?.to_string(),
    })
}

impl BatchRun {
    /// `hardware-bridge GLOBAL… batch ARGS…` (global options: `--reader R`, `--simulate`).
    fn start(global: &[&str], args: &[&std::ffi::OsStr]) -> BatchRun {
        let child = Command::new(BIN)
            .args(global)
            .arg("batch")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        BatchRun::from_child(child)
    }

    /// A process started with its stderr piped.
    fn from_child(mut child: Child) -> BatchRun {
        let lines: Lines = Arc::default();
        let err = child.stderr.take().unwrap();
        let l = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                let Ok(line) = line else { break };
                l.0.lock().unwrap().push((Instant::now(), line));
                l.1.notify_all();
            }
        });
        BatchRun {
            child: Some(child),
            lines,
            cursor: 0,
        }
    }

    fn stderr(&self) -> String {
        let g = self.lines.0.lock().unwrap();
        g.iter().map(|(_, l)| format!("{l}\n")).collect()
    }

    /// The first line after those already waited for that `want` accepts, and when it came.
    fn wait_line(&mut self, what: &str, want: impl Fn(&str) -> bool) -> (Instant, String) {
        let end = Instant::now() + PATIENCE;
        let (lock, cv) = &*self.lines;
        let mut g = lock.lock().unwrap();
        loop {
            if let Some(i) = g[self.cursor..].iter().position(|(_, l)| want(l)) {
                self.cursor += i + 1;
                return g[self.cursor - 1].clone();
            }
            let left = end.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "the batch did not say {what}; it said:\n{}",
                g.iter().map(|(_, l)| format!("{l}\n")).collect::<String>()
            );
            g = cv.wait_timeout(g, left).unwrap().0;
        }
    }

    /// Waits for the row of token `serial` to reach `status`.
    fn wait_row(&mut self, serial: &str, status: &str) -> Row {
        let (_, line) = self.wait_line(&format!("token {serial} {status}"), |l| {
            row(l).is_some_and(|r| r.serial == serial && r.status == status)
        });
        row(&line).unwrap()
    }

    /// `kill -9`: no chance to clean up.
    fn kill9(&mut self) {
        let mut c = self.child.take().unwrap();
        c.kill().unwrap();
        c.wait().unwrap();
    }

    /// Waits for the batch to end: its exit code.
    fn finish(&mut self) -> i32 {
        let mut c = self.child.take().unwrap();
        let end = Instant::now() + PATIENCE;
        loop {
            if let Some(s) = c.try_wait().unwrap() {
                // The last lines are read before anyone looks at them.
                std::thread::sleep(Duration::from_millis(100));
                return s.code().unwrap_or(-1);
            }
            if Instant::now() > end {
                let _ = c.kill();
                panic!("the batch did not end; it said:\n{}", self.stderr());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for BatchRun {
    fn drop(&mut self) {
        if let Some(c) = &mut self.child {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn os(s: &str) -> &std::ffi::OsStr {
    s.as_ref()
}

/// `--users U --results-file J` plus how the journal is protected and the model.
fn batch_args<'a>(
    users: &'a Path,
    journal: &'a Path,
    protection: &[&'a std::ffi::OsStr],
    extra: &[&'a str],
) -> Vec<&'a std::ffi::OsStr> {
    let mut a = vec![
        os("--users"),
        users.as_os_str(),
        os("--results-file"),
        journal.as_os_str(),
    ];
    a.extend_from_slice(protection);
    a.extend(extra.iter().map(|s| os(s)));
    a
}

// ------------------------------------------------------------- the results

/// One token of the Entra CSV `results-to-csv` wrote.
#[derive(Debug)]
struct Exported {
    upn: String,
    serial: String,
    secret_b32: String,
}

/// `results-to-csv J [--passphrase-file P]`: the exported tokens, the exit code and stderr.
fn results_to_csv(journal: &Path, passphrase: Option<&Path>) -> (Vec<Exported>, i32, String) {
    let mut c = Command::new(BIN);
    c.arg("results-to-csv").arg(journal);
    if let Some(p) = passphrase {
        c.arg("--passphrase-file").arg(p);
    }
    let o = c.stdin(Stdio::null()).output().unwrap();
    let mut csv = csv::Reader::from_reader(&o.stdout[..]);
    let header: Vec<String> = csv
        .headers()
        .unwrap()
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.contains(name))
            .unwrap_or_else(|| panic!("no {name} column in {header:?}"))
    };
    let (u, s, k) = (col("upn"), col("serial"), col("secret"));
    let rows = csv
        .records()
        .map(|r| {
            let r = r.unwrap();
            Exported {
                upn: r[u].to_string(),
                serial: r[s].to_string(),
                secret_b32: r[k].to_string(),
            }
        })
        .collect();
    (
        rows,
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn base32(s: &str) -> Vec<u8> {
    data_encoding::BASE32_NOPAD
        .decode(s.trim_end_matches('=').as_bytes())
        .unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

/// Debian's oathtool: the TOTP code of a base32 seed at `t` (6 digits, 30 s, SHA-1).
fn oathtool(secret_b32: &str, t: i64) -> String {
    let o = Command::new("oathtool")
        .args(["--totp", "-b", "-N", &format!("@{t}"), secret_b32])
        .output()
        .expect("oathtool is missing: install the Debian package `oathtool`");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// The code a YubiKey computes for `name` at `t`: its own CALCULATE.
fn yubikey_code(key: &mut YkoathCard, name: &str, t: u64) -> String {
    key.process(&select_apdu());
    let r = key.process(&calculate_apdu(name, Some(time_challenge(t, 30))).unwrap());
    // 76 05 <digits> <4 bytes, truncated> 90 00
    assert_eq!(
        (r[0], &r[r.len() - 2..]),
        (0x76, &[0x90, 0x00][..]),
        "{r:02X?}"
    );
    let digits = r[2] as u32;
    let v = u32::from_be_bytes([r[3], r[4], r[5], r[6]]) & 0x7FFF_FFFF;
    format!("{:0width$}", v % 10u32.pow(digits), width = digits as usize)
}

const TIME: i64 = 1_780_000_000;

// ------------------------------------------------------------- the tests

fn yubikey(serial: u32) -> YkoathCard {
    YkoathCard::yubikey([5, 4, 3], Some(serial))
}

/// OATH keys (a YubiKey's YKOATH, verified by the key computing a code): three users, three
/// keys in list order, the first key put back after its burn refused and left alone.
#[test]
fn oath_batch_through_pcscd() {
    let (_g, _pcscd) = rig();
    let dir = Dir::new("oath");
    let upns = ["alice@contoso.com", "bob@contoso.com", "carol@contoso.com"];
    let users = dir.file("users.txt", &format!("{}\n", upns.join("\n")));
    let journal = dir.0.join("box.journal");
    let mut run = BatchRun::start(
        &["--reader", READER],
        &batch_args(
            &users,
            &journal,
            &[os("--plaintext-results")],
            &["--token-model", "yubikey"],
        ),
    );
    let serials = [20_240_001u32, 20_240_002, 20_240_003];
    let mut keys = Vec::new();
    for (i, serial) in serials.iter().enumerate() {
        let k = Inserted::new(yubikey(*serial));
        let r = run.wait_row(&serial.to_string(), "verified");
        assert_eq!((r.position, r.upn.as_str()), (i + 1, upns[i]), "{r:?}");
        assert_eq!(k.sent_ins(INS_OATH_PUT), 1, "one credential written");
        keys.push(k.card.clone());
        if i == serials.len() - 1 {
            // The last token may stay on the reader: the batch ends, resetting it (no session
            // of ours outlives the batch).
            assert_eq!(run.finish(), 0, "{}", run.stderr());
            assert!(k.resets() >= 1, "the token left on the reader is reset");
            drop(k);
            break;
        }
        // Burned, the key stays held until it is taken off: not reset (no reset before the
        // row), and no other program reaches the session the burn opened.
        assert_eq!(k.resets(), 0, "reset before it was taken off");
        let ctx = pcsc::Context::establish(pcsc::Scope::User).expect("pcsc context");
        let reader = std::ffi::CString::new(READER).unwrap();
        let other = ctx.connect(&reader, pcsc::ShareMode::Shared, pcsc::Protocols::ANY);
        assert!(
            matches!(other, Err(pcsc::Error::SharingViolation)),
            "another program connected to a burned key still on the reader: {:?}",
            other.map(|_| ())
        );
        drop(k);
        if i == 0 {
            // Put back: refused, and nothing written to it.
            let held = |k: &YkoathCard| -> Vec<(Vec<u8>, Vec<u8>)> {
                k.credentials()
                    .iter()
                    .map(|c| (c.name.clone(), c.key.to_vec()))
                    .collect()
            };
            let before = held(&keys[0].lock().unwrap());
            let again = Inserted::put_back(keys[0].clone(), READER, VPCD_ADDR);
            let s = serials[0].to_string();
            run.wait_line("the put-back key refused", |l| {
                l.contains(&s) && l.contains("already burned")
            });
            assert_eq!(again.sent_ins(INS_OATH_PUT), 0, "{:02X?}", again.sent());
            drop(again);
            assert_eq!(held(&keys[0].lock().unwrap()), before);
        }
    }
    assert!(run.stderr().contains("3 of 3 done"), "{}", run.stderr());

    let (rows, code, err) = results_to_csv(&journal, None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(rows.len(), 3, "{rows:?}");
    for (i, r) in rows.iter().enumerate() {
        // In list order, each user with the key placed for them, holding exactly that seed.
        assert_eq!(
            (r.upn.as_str(), r.serial.clone()),
            (upns[i], serials[i].to_string())
        );
        let mut key = keys[i].lock().unwrap();
        let held = key.credential(upns[i]).expect("the account is on the key");
        assert_eq!(held.key.as_slice(), base32(&r.secret_b32), "{}", r.serial);
        assert_eq!(key.credentials().len(), 1);
        assert_eq!(
            yubikey_code(&mut key, upns[i], TIME as u64),
            oathtool(&r.secret_b32, TIME)
        );
    }
    assert_ne!(rows[0].secret_b32, rows[1].secret_b32);
    assert_ne!(rows[1].secret_b32, rows[2].secret_b32);
    assert_ne!(rows[0].secret_b32, rows[2].secret_b32);
}

/// Token2 cards (C302-i, `--auto-accept`, encrypted journal): `kill -9` between two tokens and
/// during a seed write, each followed by `--resume`.
#[test]
fn token2_batch_killed_and_resumed() {
    let (_g, _pcscd) = rig();
    let dir = Dir::new("token2");
    let upns = [
        "u1@contoso.com",
        "u2@contoso.com",
        "u3@contoso.com",
        "u4@contoso.com",
    ];
    let users = dir.file("users.txt", &format!("{}\n", upns.join("\n")));
    let pass = dir.file("pass", "correct horse battery staple");
    let journal = dir.0.join("box.journal");
    let protection = [os("--passphrase-file"), pass.as_os_str()];
    let args = |resume: bool| {
        let mut extra = vec!["--token-model", "c302-i", "--auto-accept"];
        if resume {
            extra.push("--resume");
        }
        batch_args(&users, &journal, &protection, &extra)
    };
    let serial = |n: u32| format!("86596320000{n:02}");
    // Every card, and how many seeds each was sent over all its insertions.
    let mut cards: HashMap<String, Arc<Mutex<Token2Card>>> = HashMap::new();
    let mut seed_writes: HashMap<String, usize> = HashMap::new();
    let mut count = |c: &Inserted<Token2Card>, s: &str| {
        *seed_writes.entry(s.to_string()).or_default() += c.sent_ins(INS_WRITE_SEED);
    };

    // Run 1: two tokens, then kill -9 while the loop waits for the third.
    let mut run = BatchRun::start(&["--reader", READER], &args(false));
    let mut seed_at = 0;
    for n in 1..=2 {
        let s = serial(n);
        let c = Inserted::new(Token2Card::new(&s));
        let r = run.wait_row(&s, "verified");
        assert_eq!(r.upn, upns[n as usize - 1]);
        let sent = c.sent();
        seed_at = 1 + sent.iter().position(|i| *i == INS_WRITE_SEED).unwrap();
        assert!(sent[..seed_at].contains(&INS_WRITE_CONFIG), "{sent:02X?}");
        count(&c, &s);
        cards.insert(s, c.card.clone());
    }
    run.wait_line("waiting for the next token", |l| {
        l.contains("place the next token")
    });
    run.kill9();

    // Run 2: resumed at u3; killed while its token (silent after carrying out the seed
    // write) holds the seed write.
    let mut run = BatchRun::start(&["--reader", READER], &args(true));
    let s3 = serial(3);
    let c = Inserted::with_fault(Token2Card::new(&s3), Fault::SilentDuring(seed_at));
    let end = Instant::now() + PATIENCE;
    while c.apdus() < seed_at {
        assert!(
            Instant::now() < end,
            "no seed write; the batch said:\n{}",
            run.stderr()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(200));
    run.kill9();
    assert!(
        c.card.lock().unwrap().stored_seed().is_some(),
        "the card carried out the seed write"
    );
    count(&c, &s3);
    cards.insert(s3.clone(), c.card.clone());
    drop(c);

    // Run 3: resumed; the batch says what the token in flight may hold; put back, it is
    // refused and not written to; u3 and u4 get fresh tokens.
    let mut run = BatchRun::start(&["--reader", READER], &args(true));
    run.wait_line("the interrupted token", |l| {
        l.contains(&s3) && l.contains("may hold the new seed")
    });
    let again = Inserted::put_back(cards[&s3].clone(), READER, VPCD_ADDR);
    run.wait_line("the interrupted token refused", |l| {
        l.contains(&s3) && l.contains("refused")
    });
    assert_eq!(again.sent_ins(INS_WRITE_SEED), 0, "{:02X?}", again.sent());
    assert_eq!(again.sent_ins(INS_WRITE_CONFIG), 0, "{:02X?}", again.sent());
    drop(again);
    for (n, upn) in [(4, upns[2]), (5, upns[3])] {
        let s = serial(n);
        let c = Inserted::new(Token2Card::new(&s));
        let r = run.wait_row(&s, "verified");
        assert_eq!(r.upn, upn);
        count(&c, &s);
        cards.insert(s, c.card.clone());
    }
    assert_eq!(run.finish(), 0, "{}", run.stderr());

    // The journal, read back: every user once, in order, with the token placed for them.
    let (rows, code, err) = results_to_csv(&journal, Some(&pass));
    let got: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.upn.as_str(), r.serial.as_str()))
        .collect();
    let want: Vec<(&str, String)> = [(upns[0], 1), (upns[1], 2), (upns[2], 4), (upns[3], 5)]
        .into_iter()
        .map(|(u, n)| (u, serial(n)))
        .collect();
    assert_eq!(
        got,
        want.iter()
            .map(|(u, s)| (*u, s.as_str()))
            .collect::<Vec<_>>(),
        "{err}"
    );
    for r in &rows {
        let card = cards[&r.serial].lock().unwrap();
        assert_eq!(
            card.stored_seed(),
            Some(&base32(&r.secret_b32)[..]),
            "{}",
            r.serial
        );
        let t = TIME as u64;
        assert_eq!(
            card.code_at(t),
            Some(oathtool(&r.secret_b32, TIME)),
            "{}",
            r.serial
        );
    }
    let mut secrets: Vec<&str> = rows.iter().map(|r| r.secret_b32.as_str()).collect();
    secrets.sort();
    secrets.dedup();
    assert_eq!(secrets.len(), 4, "a seed of its own per token");
    // The interrupted one is not exported but listed, and the export says so.
    assert_ne!(code, 0, "{err}");
    assert!(
        err.lines()
            .any(|l| l.contains(&s3) && l.contains("may hold the new seed")),
        "{err}"
    );
    // None burned twice.
    for (s, n) in &seed_writes {
        assert_eq!(*n, 1, "seed writes to {s}: {seed_writes:?}");
    }
    assert_eq!(seed_writes.len(), 5);
}

/// A Molto2v2 batch (`--kind molto2`: vpcd's reader is not named "Molto2"): the device's
/// consecutive free profiles go to the users in list order, titled with their display names;
/// the profile already in use is left alone.
#[test]
fn molto2_batch_fills_free_profiles() {
    let (_g, _pcscd) = rig();
    let dir = Dir::new("molto2");
    let users = dir.file(
        "users.csv",
        "upn,display name\nann@contoso.com,Ann Lee\nbo@contoso.com,Bo Chen\ncy@contoso.com,Cy Diaz\n",
    );
    let journal = dir.0.join("box.journal");
    let mut run = BatchRun::start(
        &["--reader", READER, "--kind", "molto2"],
        &batch_args(
            &users,
            &journal,
            &[os("--plaintext-results")],
            &["--token-model", "molto2v2", "--auto-accept"],
        ),
    );
    let mut device = Molto2Card::new(Molto2Model::V2, "2000000000042");
    device.preload(0, b"an older seed, kept!", Some("Old"));
    let m = Inserted::new(device);
    for (p, upn) in [
        (1, "ann@contoso.com"),
        (2, "bo@contoso.com"),
        (3, "cy@contoso.com"),
    ] {
        let r = run.wait_row("2000000000042", "verified");
        assert_eq!((r.position, r.upn.as_str()), (p, upn), "{r:?}");
    }
    assert_eq!(run.finish(), 0, "{}", run.stderr());
    let card = m.card.clone();
    drop(m);
    let (rows, code, err) = results_to_csv(&journal, None);
    assert_eq!(code, 0, "{err}");
    let card = card.lock().unwrap();
    assert_eq!(card.stored_seed(0), Some(&b"an older seed, kept!"[..]));
    assert_eq!(card.stored_title(0), Some(&b"Old"[..]));
    assert_eq!(rows.len(), 3, "{rows:?}");
    for (i, (r, title)) in rows
        .iter()
        .zip(["Ann Lee", "Bo Chen", "Cy Diaz"])
        .enumerate()
    {
        let p = i as u8 + 1;
        assert_eq!(r.serial, "2000000000042");
        assert_eq!(
            card.stored_seed(p),
            Some(&base32(&r.secret_b32)[..]),
            "profile {p}"
        );
        assert_eq!(card.stored_title(p), Some(title.as_bytes()));
        assert_eq!(
            card.code_at(p, TIME as u64),
            Some(oathtool(&r.secret_b32, TIME)),
            "profile {p}"
        );
    }
}

/// A Molto2 pulled in the middle of its second profile, through pcscd: that user's row fails
/// (the journal says what the profile may hold), the users after it wait, and the next Molto2
/// takes them. Before, they failed one by one ("no card") and the batch ended.
#[test]
fn molto2_pulled_mid_fill_through_pcscd() {
    let (_g, mut pcscd) = rig();
    let dir = Dir::new("molto2-pulled");
    let upns = [
        "u1@contoso.com",
        "u2@contoso.com",
        "u3@contoso.com",
        "u4@contoso.com",
    ];
    let journal = dir.0.join("box.journal");
    let run_on = |users: &Path| {
        BatchRun::start(
            &["--reader", READER, "--kind", "molto2"],
            &batch_args(
                users,
                &journal,
                &[os("--plaintext-results")],
                &["--token-model", "molto2v2", "--auto-accept"],
            ),
        )
    };
    // Where the second profile's seed write comes, on a fresh Molto2 (measured, not assumed).
    let two = dir.file("two.txt", "m1@contoso.com\nm2@contoso.com\n");
    let mut run = run_on(&two);
    let m = Inserted::new(Molto2Card::new(Molto2Model::V2, "2000000000001"));
    run.wait_row("2000000000001", "verified");
    run.wait_row("2000000000001", "verified");
    assert_eq!(run.finish(), 0, "{}", run.stderr());
    let second_seed = 1 + m
        .sent()
        .iter()
        .enumerate()
        .filter(|(_, i)| **i == INS_WRITE_SEED)
        .nth(1)
        .map(|(n, _)| n)
        .expect("two seed writes");
    drop(m);
    let _ = std::fs::remove_file(&journal);

    let users = dir.file("users.txt", &format!("{}\n", upns.join("\n")));
    let mut run = run_on(&users);
    let pulled = Inserted::with_fault(
        Molto2Card::new(Molto2Model::V2, "2000000000002"),
        Fault::RemovedBefore(second_seed),
    );
    let r = run.wait_row("2000000000002", "verified");
    assert_eq!(r.upn, upns[0]);
    let r = run.wait_row("2000000000002", "failed");
    assert_eq!(r.upn, upns[1]);
    run.wait_line("waiting for the next token", |l| {
        l.contains("place the next token")
    });
    let kept = pulled.card.clone();
    drop(pulled);
    // vpcd takes no new card on a reader whose card vanished during a command until pcscd
    // starts again (PROTOCOL-NOTES.md): a limit of the rig, which the batch rides out.
    pcscd.stop();
    pcscd.start();
    let next = Inserted::new(Molto2Card::new(Molto2Model::V2, "2000000000003"));
    for upn in &upns[2..] {
        let r = run.wait_row("2000000000003", "verified");
        assert_eq!(r.upn, *upn);
    }
    assert_eq!(run.finish(), 1, "one user failed: {}", run.stderr());
    let err = run.stderr();
    assert!(
        err.contains("3 verified") && err.contains("1 failed"),
        "{err}"
    );
    let next_step = err.lines().last().unwrap_or_default();
    assert!(
        next_step.starts_with(
            "error: the batch is not complete: run the same command with --resume to go on"
        ),
        "{err}"
    );
    let (rows, _, _) = results_to_csv(&journal, None);
    let got: Vec<_> = rows
        .iter()
        .map(|r| (r.upn.as_str(), r.serial.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (upns[0], "2000000000002"),
            (upns[2], "2000000000003"),
            (upns[3], "2000000000003"),
        ]
    );
    let (kept, next) = (kept.lock().unwrap(), next.card.lock().unwrap());
    assert_eq!(kept.stored_seed(0), Some(&base32(&rows[0].secret_b32)[..]));
    assert_eq!(kept.stored_seed(1), None, "pulled before its seed write");
    assert_eq!(next.stored_seed(0), Some(&base32(&rows[1].secret_b32)[..]));
    assert_eq!(next.stored_seed(1), Some(&base32(&rows[2].secret_b32)[..]));
}

// ------------------------------------------------------------- the benchmark

/// vpcd's readers. Debian's vsmartcard-vpcd (3.3) gives one pcscd two: a second vpcd entry in
/// reader.conf.d shares the driver's slot table (`ctx[Lun & 0xffff]`), so its readers answer
/// for the last entry's ports (observed: a card on 35965 showed in `Virtual PCD 00 00` and
/// `Virtual PCD B 00 00`, one on 35963 in neither). Three readers are measured with the
/// simulated supply (`--simulate`: the same loop, in-process cards, no pcscd).
const BENCH_READERS: [(&str, &str); 2] = [(FIRST_READER, FIRST_VPCD_ADDR), (READER, VPCD_ADDR)];

/// One token of the benchmark, as the admin and the card saw it.
struct Timed {
    /// The admin starts placing it.
    placed: Instant,
    /// pcscd reports it present (the admin's own `SCardGetStatusChange`).
    present: Instant,
    /// Every command the card answered: when it came, how long the card took.
    apdus: Vec<(Instant, Duration)>,
    /// The reader reset it (the bridge's disconnect).
    ended: Option<Instant>,
    /// The batch printed its row (verified).
    reported: Instant,
    /// pcscd reports it gone after the admin took it off.
    removed: Instant,
}

/// The admin at one reader: fresh Token2 cards `first`…, each placed, waited for, taken off.
fn admin(
    (reader, addr): (&'static str, &'static str),
    first: u64,
    n: u64,
    lines: &Lines,
) -> Vec<Timed> {
    (first..first + n)
        .map(|serial| {
            let serial = serial.to_string();
            let placed = Instant::now();
            let c = Inserted::into_reader(Token2Card::new(&serial), reader, addr);
            let present = Instant::now();
            let reported = wait_row_in(lines, &serial);
            let apdus = c.apdu_times();
            let ended = c.session_ended();
            drop(c);
            Timed {
                placed,
                present,
                apdus,
                ended,
                reported,
                removed: Instant::now(),
            }
        })
        .collect()
}

/// Median ms from a token's last answer to the reader's reset of it, over the tokens reset
/// before they were taken off; "none" when none was (the batch holds the connection).
fn reset_after_last(r: &Run, last: &dyn Fn(&Timed) -> Instant) -> String {
    let after: Vec<Duration> = r
        .timed
        .iter()
        .filter_map(|t| t.ended.map(|e| e.saturating_duration_since(last(t))))
        .collect();
    if after.is_empty() {
        "none".into()
    } else {
        format!("{:.0}", ms(median(after)))
    }
}

/// When the batch printed the verified row of token `serial` (any line so far or to come).
fn wait_row_in(lines: &Lines, serial: &str) -> Instant {
    let end = Instant::now() + PATIENCE;
    let (lock, cv) = &**lines;
    let mut g = lock.lock().unwrap();
    loop {
        let seen = g
            .iter()
            .find(|(_, l)| row(l).is_some_and(|r| r.serial == serial && r.status == "verified"));
        if let Some((t, _)) = seen {
            return *t;
        }
        let left = end.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "token {serial} was not reported");
        g = cv.wait_timeout(g, left).unwrap().0;
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The round trip of one APDU through PC/SC, pcscd, vpcd and the emulated card with no bridge
/// in between (`rounds` GET INFO, the median), and the card's own median share of it.
fn apdu_round_trip(rounds: usize) -> (Duration, Duration) {
    let c = Inserted::new(Token2Card::new("8659632099999"));
    let ctx = pcsc::Context::establish(pcsc::Scope::User).unwrap();
    let name = std::ffi::CString::new(READER).unwrap();
    let card = ctx
        .connect(&name, pcsc::ShareMode::Exclusive, pcsc::Protocols::ANY)
        .unwrap();
    let apdu = tokensmith_proto::token2::get_info_apdu();
    let mut buf = [0u8; 300];
    let trips: Vec<Duration> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            let r = card.transmit(&apdu, &mut buf).unwrap();
            assert_eq!(&r[r.len() - 2..], [0x90, 0x00]);
            t.elapsed()
        })
        .collect();
    drop(card);
    let own = median(c.apdu_times().iter().map(|(_, d)| *d).collect());
    (median(trips), own)
}

/// One row of the table.
struct Run {
    how: &'static str,
    readers: usize,
    tokens: usize,
    wall: Duration,
    /// vpcd runs: each token as the admin and the card saw it.
    timed: Vec<Timed>,
}

/// A batch of `total` users, C302-i, `--auto-accept`, an encrypted journal; timed from the
/// moment every reader waits for its first token (the journal's opening, scrypt, is once per
/// batch, not per token) to the last row printed.
fn bench_batch(dir: &Dir, global: &[&str], total: u64, extra: &[&str]) -> (BatchRun, Instant) {
    let upns: String = (1..=total)
        .map(|i| format!("user{i}@contoso.com\n"))
        .collect();
    let users = dir.file("users.txt", &upns);
    let pass = dir.file("pass", "correct horse battery staple");
    let journal = dir.0.join("bench.journal");
    let _ = std::fs::remove_file(&journal);
    let mut args = vec!["--token-model", "c302-i", "--auto-accept"];
    args.extend_from_slice(extra);
    let mut run = BatchRun::start(
        global,
        &batch_args(
            &users,
            &journal,
            &[os("--passphrase-file"), pass.as_os_str()],
            &args,
        ),
    );
    // The loops start once the journal is open: with a card to place, its reader asks for it;
    // simulated, the tokens are there at once (the line before the loops is the start).
    let (started, _) = run.wait_line("its readers starting", |l| {
        l.ends_with("place the next token") || l.starts_with("SIMULATION")
    });
    (run, started)
}

fn bench_vpcd(dir: &Dir, readers: usize, per_reader: u64, first_serial: u64) -> Run {
    let global: Vec<&str> = BENCH_READERS[..readers]
        .iter()
        .flat_map(|r| ["--reader", r.0])
        .collect();
    let (mut run, _) = bench_batch(dir, &global, readers as u64 * per_reader, &[]);
    let started = Instant::now();
    let timed: Vec<Timed> = std::thread::scope(|s| {
        let admins: Vec<_> = BENCH_READERS[..readers]
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let lines = run.lines.clone();
                let first = first_serial + i as u64 * per_reader;
                s.spawn(move || admin(*r, first, per_reader, &lines))
            })
            .collect();
        admins.into_iter().flat_map(|a| a.join().unwrap()).collect()
    });
    let wall = timed.iter().map(|t| t.reported).max().unwrap() - started;
    assert_eq!(run.finish(), 0, "{}", run.stderr());
    Run {
        how: "pcscd + vpcd",
        readers,
        tokens: timed.len(),
        wall,
        timed,
    }
}

fn bench_simulated(dir: &Dir, readers: usize, total: u64) -> Run {
    let n = readers.to_string();
    let (mut run, started) = bench_batch(
        dir,
        &["--simulate"],
        total,
        &["--simulate-readers", &n, "--simulate-swap-ms", "0"],
    );
    assert_eq!(run.finish(), 0, "{}", run.stderr());
    let g = run.lines.0.lock().unwrap();
    let rows: Vec<Instant> = g
        .iter()
        .filter(|(_, l)| row(l).is_some_and(|r| r.status == "verified"))
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(rows.len() as u64, total);
    Run {
        how: "--simulate",
        readers,
        tokens: rows.len(),
        wall: *rows.iter().max().unwrap() - started,
        timed: Vec::new(),
    }
}

/// Benchmark, not a test: tokens per minute with 1 and 2 vpcd readers and 1 and 3 simulated
/// ones, and the bridge's time per token above the APDUs' own. `TOKENSMITH_BENCH_TOKENS` tokens
/// per run (default 12). Run under `flock /tmp/pcscd.lock` with `--ignored --nocapture`.
#[test]
#[ignore]
fn bench_batch_tokens_per_minute() {
    let (_g, _pcscd) = rig();
    let dir = Dir::new("bench");
    let total = std::env::var("TOKENSMITH_BENCH_TOKENS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(12u64);
    let (rtt, card_own) = apdu_round_trip(200);
    let runs = [
        bench_vpcd(&dir, 1, total, 8_659_632_100_000),
        bench_vpcd(&dir, 2, total / 2, 8_659_632_200_000),
        bench_simulated(&dir, 1, total),
        bench_simulated(&dir, 3, total),
    ];
    // The simulated cards answer the same commands, in-process (no APDU time to speak of).
    let apdus = runs[0].timed.iter().map(|t| t.apdus.len()).sum::<usize>() as f64
        / runs[0].timed.len() as f64;
    eprintln!(
        "\nOne APDU through PC/SC + pcscd + vpcd + the emulated card, no bridge: median {:.2} ms \
         round trip (the card's own share {:.3} ms), 200 GET INFO. A token's burn is {apdus:.1} \
         APDUs.\n",
        ms(rtt),
        ms(card_own)
    );
    eprintln!("| readers | tokens | wall time | tokens/min | reader's time per token | APDUs per token | APDU time per token | bridge overhead per token | overhead |");
    eprintln!("|---|---|---|---|---|---|---|---|---|");
    for r in &runs {
        // A reader's time per token: the wall time shared by the readers working side by side.
        let cycle = r.wall.mul_f64(r.readers as f64 / r.tokens as f64);
        // The bridge's part of it: from pcscd reporting the token to its row printed (the rest
        // is placing and taking off, as pcscd polls vpcd); simulated, all of it.
        let (at_bridge, apdu_time) = if r.timed.is_empty() {
            (cycle, Duration::ZERO)
        } else {
            let at = median(r.timed.iter().map(|t| t.reported - t.present).collect());
            (at, rtt.mul_f64(apdus))
        };
        let over = at_bridge.saturating_sub(apdu_time);
        eprintln!(
            "| {} ({}) | {} | {:.1} s | {:.1} | {:.0} ms | {apdus:.1} | {:.0} ms | {:.0} ms | {:.0} % |",
            r.readers,
            r.how,
            r.tokens,
            r.wall.as_secs_f64(),
            r.tokens as f64 / r.wall.as_secs_f64() * 60.0,
            ms(cycle),
            ms(apdu_time),
            ms(over),
            100.0 * over.as_secs_f64() / at_bridge.as_secs_f64()
        );
    }
    eprintln!("\nWhere a vpcd token's time goes (medians, ms):");
    eprintln!("| readers | placed → pcscd sees it | → first APDU (bridge reacts) | first → last APDU | of which APDU round trips | last APDU → row printed | of which → card reset | taken off → gone |");
    eprintln!("|---|---|---|---|---|---|---|---|");
    for r in runs.iter().filter(|r| !r.timed.is_empty()) {
        let m = |f: &dyn Fn(&Timed) -> Duration| ms(median(r.timed.iter().map(f).collect()));
        let first = |t: &Timed| t.apdus.first().unwrap().0;
        let last = |t: &Timed| {
            let (a, d) = t.apdus.last().unwrap();
            *a + *d
        };
        eprintln!(
            "| {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {} | {:.0} |",
            r.readers,
            m(&|t| t.present - t.placed),
            m(&|t| first(t).saturating_duration_since(t.present)),
            m(&|t| last(t) - first(t)),
            m(&|t| rtt.mul_f64(t.apdus.len() as f64)),
            m(&|t| t.reported.saturating_duration_since(last(t))),
            reset_after_last(r, &last),
            m(&|t| t.removed - t.reported),
        );
    }
}
