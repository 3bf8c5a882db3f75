//! End-to-end through a real pcscd with vsmartcard's vpcd: emulated cards
//! (run in-process on a thread, so their state is inspectable) are burned by
//! the `hardware-bridge` binary, from the command line and through the HTTP
//! API of `hardware-bridge serve`, and the emulated devices must then hold
//! exactly the expected seed and config.
//!
//! Needs the Debian packages `pcscd` and `vsmartcard-vpcd` (vpcd configured
//! in /etc/reader.conf.d/): the test FAILS with a clear message when they are
//! missing. It starts `pcscd --foreground` itself when none is running and
//! stops it afterwards. Everything is on loopback (vpcd: 127.0.0.1:35964,
//! the second virtual reader, "Virtual PCD 00 01").
//!
//! The OATH part (issue 9) also runs ykman from the test venv (`target/pyenv`, PyPI
//! `yubikey-manager`, made by `cargo xtask setup`) and Debian's `oathtool`: the bridge stores
//! credentials, ykman reads their codes, oathtool computes them independently.
//!
//! One `#[test]` only: a single pcscd owns the vpcd ports.
//! Timing (per-burn medians) is printed with `--nocapture`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod vpcd_rig;
use serde_json::Value;
use tokensmith_core::caps::Model;
use tokensmith_proto::emulator::{Card, Molto2Card, Token2Card, YkoathCard};
use tokensmith_proto::molto2::Molto2Model;
use tokensmith_proto::ykoath::{OathAlgorithm, OathType};
use vpcd_rig::*;

const BIN: &str = env!("CARGO_BIN_EXE_hardware-bridge");
/// 20-byte seed, base32 and hex.
const SEED: &[u8] = b"12345678901234567890";
const SEED_B32: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const SEED_HEX: &str = "3132333435363738393031323334353637383930";

/// A card that knows none of the protocols.
struct Stranger;
impl Card for Stranger {
    fn atr(&self) -> Vec<u8> {
        vec![0x3B, 0x80, 0x80, 0x01, 0x01]
    }
    fn process(&mut self, _apdu: &[u8]) -> Vec<u8> {
        vec![0x6D, 0x00]
    }
}

// ------------------------------------------------------------ helpers

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn cli(args: &[&str], stdin: Option<&str>) -> Out {
    let mut c = Command::new(BIN);
    c.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("TOKENSMITH_OATH_PASSWORD")
        .env_remove("TOKENSMITH_MOLTO2_KEY");
    let mut child = c.spawn().expect("run hardware-bridge");
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    let o = child.wait_with_output().unwrap();
    let out = Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    assert_no_secret(&out.stdout, "CLI stdout");
    assert_no_secret(&out.stderr, "CLI stderr");
    out
}

fn assert_no_secret(text: &str, what: &str) {
    let lower = text.to_lowercase();
    for s in [SEED_B32, SEED_HEX, "12345678901234567890"] {
        assert!(
            !lower.contains(&s.to_lowercase()),
            "{what} contains the secret: {text}"
        );
    }
    assert!(
        !text.contains("s3cret-pass"),
        "{what} contains the password"
    );
}

fn json(o: &Out) -> Value {
    assert_eq!(o.code, 0, "exit {}: {}\n{}", o.code, o.stdout, o.stderr);
    serde_json::from_str(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", o.stdout))
}

fn tmp() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("tokensmith-vpcd-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

// ------------------------------------------------------------- server

struct Server {
    child: Child,
    port: u16,
    pair: String,
}

/// The tokens a plain-text burn journal says were written to, one line each:
/// `,kind,serial,model,seed (base32),state`.
fn journal_lines(path: &std::path::Path) -> String {
    let c = tokensmith_burn_journal::read_file(path, None).expect("a readable journal");
    c.fold
        .tokens()
        .filter(|t| t.state() != tokensmith_burn_journal::TokenState::Untouched)
        .map(|t| {
            let g = &t.intent.target;
            format!(
                ",{},{},{},{},{}\n",
                g.kind.as_str(),
                g.serial,
                g.model,
                t.intent.seed.to_base32().as_str(),
                t.state().as_str()
            )
        })
        .collect()
}

impl Server {
    fn start(dist: &std::path::Path, results: &std::path::Path) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--port", "0", "--dist"])
            .arg(dist)
            .arg("--plaintext-results")
            .arg("--results-file")
            .arg(results)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("Tokensmith bridge: open ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        let rest = url.strip_prefix("http://127.0.0.1:").unwrap();
        let (port, frag) = rest.split_once('/').unwrap();
        Server {
            child,
            port: port.parse().unwrap(),
            pair: frag.strip_prefix("#pair=").unwrap().to_string(),
        }
    }

    /// (status, body) of one HTTP/1.1 request.
    fn request(&self, method: &str, path: &str, body: Option<&Value>, pair: bool) -> (u16, Value) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            self.port,
            body.len()
        );
        if pair {
            req.push_str(&format!("X-Tokensmith-Pairing: {}\r\n", self.pair));
        }
        req.push_str("\r\n");
        req.push_str(&body);
        s.write_all(req.as_bytes()).unwrap();
        let mut resp = String::new();
        s.read_to_string(&mut resp).unwrap();
        let status: u16 = resp[9..12].parse().unwrap();
        let (head, b) = resp.split_once("\r\n\r\n").unwrap();
        assert!(
            head.to_ascii_lowercase()
                .contains("cache-control: no-store"),
            "{head}"
        );
        (status, serde_json::from_str(b).unwrap_or(Value::Null))
    }

    /// Stop and return what it logged.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut err = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        err
    }
}

// --------------------------------------------------------------- tests

#[test]
fn burn_every_kind_through_pcscd_and_vpcd() {
    let _pcscd = start_pcscd();
    let dir = tmp();
    let secret_file = dir.join("seed.txt");
    std::fs::write(&secret_file, format!("{SEED_B32}\n")).unwrap();
    let sf = secret_file.to_str().unwrap().to_string();
    let results = dir.join("results.journal");
    let _ = std::fs::remove_file(&results);
    let rf = results.to_str().unwrap().to_string();

    // ---- no card
    let o = cli(&["--reader", READER, "info"], None);
    assert_eq!(o.code, 3, "no card: {}", o.stderr);
    assert!(o.stderr.contains("no card"), "{}", o.stderr);

    // ---- unknown card
    {
        let _c = Inserted::new(Stranger);
        let o = cli(&["--reader", READER, "info"], None);
        assert_eq!(o.code, 3, "{}", o.stderr);
        assert!(o.stderr.contains("is not a Token2"), "{}", o.stderr);
    }

    // ---- Token2 (restricted model: config write clears the seed) via the CLI
    {
        let c = Inserted::new(Token2Card::of_model(Model::OtpcP2));
        let info = json(&cli(&["--reader", READER, "--json", "info"], None));
        assert_eq!(info["kind"], "token2");
        assert_eq!(info["model"], "OTPC-P2-i");
        assert_eq!(info["sync_clears_seed"], true);
        let list = json(&cli(&["--json", "list"], None));
        assert!(list
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == READER && r["device"]["kind"] == "token2"));

        // Bad input: nothing at all is sent.
        let before = c.apdus();
        let o = cli(
            &[
                "--reader",
                READER,
                "--kind",
                "token2",
                "burn",
                "--secret-file",
                &sf,
                "--digits",
                "8",
                "--plaintext-results",
                "--results-file",
                &rf,
            ],
            None,
        );
        assert_eq!(o.code, 2, "{}", o.stderr);
        assert_eq!(c.apdus(), before, "APDUs sent for invalid input");

        let t0 = now();
        let out = json(&cli(
            &[
                "--reader",
                READER,
                "--json",
                "burn",
                "--secret-stdin",
                "--algorithm",
                "SHA256",
                "--period",
                "60",
                "--display-timeout",
                "60",
                "--plaintext-results",
                "--results-file",
                &rf,
                "--upn",
                "alice@example.com",
            ],
            Some(SEED_HEX),
        ));
        let card = c.card.lock().unwrap();
        assert_eq!(card.stored_seed(), Some(SEED));
        let cfg = card.stored_config().expect("config");
        assert_eq!((cfg.algorithm, cfg.step, cfg.display), (2, 0x3C, 2));
        assert!((i64::from(cfg.utc) - t0).abs() <= 5);
        let expected = out["verification"]["expected_code"].as_str().unwrap();
        assert_eq!(card.code_at(cfg.utc as u64).unwrap().len(), 6);
        assert_eq!(
            Some(expected.to_string()),
            card.code_at(out["burned_at"].as_u64().unwrap())
        );
        drop(card);

        // Clock sync on a restricted model: refused without confirmation.
        let o = cli(&["--reader", READER, "sync-time"], None);
        assert_eq!(o.code, 2, "{}", o.stderr);
        assert!(o.stderr.contains("CLEARS ITS SEED"), "{}", o.stderr);
        assert_eq!(c.card.lock().unwrap().stored_seed(), Some(SEED));
        let o = json(&cli(
            &[
                "--reader",
                READER,
                "--json",
                "sync-time",
                "--algorithm",
                "SHA256",
                "--period",
                "60",
                "--display-timeout",
                "60",
                "--confirm-clear-seed",
            ],
            None,
        ));
        assert_eq!(o["seed_cleared"], true);
        assert_eq!(c.card.lock().unwrap().stored_seed(), None);

        // Timing: per burn through the CLI (process start + PC/SC + burn).
        let mut times = Vec::new();
        for _ in 0..10 {
            let t = Instant::now();
            json(&cli(
                &[
                    "--reader",
                    READER,
                    "--json",
                    "burn",
                    "--secret-file",
                    &sf,
                    "--plaintext-results",
                    "--results-file",
                    &rf,
                ],
                None,
            ));
            times.push(t.elapsed());
        }
        eprintln!(
            "TIMING token2 burn via CLI through pcscd+vpcd: median {:?} over {} (min {:?}, max {:?})",
            median(times.clone()),
            times.len(),
            times.iter().min().unwrap(),
            times.iter().max().unwrap()
        );
    }

    // ---- Molto2 via the CLI (reader not named Molto2: --kind)
    {
        let c = Inserted::new(Molto2Card::new(Molto2Model::V1, "MOLTO2TEST01"));
        let info = json(&cli(
            &["--reader", READER, "--kind", "molto2", "--json", "info"],
            None,
        ));
        assert_eq!(info["model"], "Molto2");
        assert_eq!(info["profiles"], 50);
        // Profile out of range for a v1: refused before sending anything that writes.
        let o = cli(
            &[
                "--reader",
                READER,
                "--kind",
                "molto2",
                "burn",
                "--secret-file",
                &sf,
                "--profile",
                "50",
                "--plaintext-results",
                "--results-file",
                &rf,
            ],
            None,
        );
        assert_eq!(o.code, 2, "{}", o.stderr);
        let out = json(&cli(
            &[
                "--reader",
                READER,
                "--kind",
                "molto2",
                "--json",
                "burn",
                "--secret-file",
                &sf,
                "--profile",
                "7",
                "--digits",
                "8",
                "--title",
                "GitHub",
                "--plaintext-results",
                "--results-file",
                &rf,
                "--upn",
                "bob@example.com",
            ],
            None,
        ));
        assert_eq!(out["profile"], 7);
        {
            let card = c.card.lock().unwrap();
            assert_eq!(card.stored_seed(7), Some(SEED));
            let cfg = card.stored_config(7).unwrap();
            assert_eq!(
                (cfg.algorithm, cfg.digits, cfg.step, cfg.display),
                (1, 8, 30, 1)
            );
            assert_eq!(
                card.stored_title(7).map(|t| t.to_vec()),
                Some(b"GitHub".to_vec())
            );
            for p in (0..50).filter(|&p| p != 7) {
                assert_eq!(card.stored_seed(p), None, "profile {p}");
            }
        }
        let list = json(&cli(
            &[
                "--reader", READER, "--kind", "molto2", "--json", "profiles", "list",
            ],
            None,
        ));
        let p7 = &list.as_array().unwrap()[7];
        assert_eq!(
            (p7["title"].as_str(), p7["seed_present"].as_bool()),
            (Some("GitHub"), Some(true))
        );
        let o = cli(
            &[
                "--reader",
                READER,
                "--kind",
                "molto2",
                "profiles",
                "title",
                "--profile",
                "7",
                "--title",
                "Mail",
            ],
            None,
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert_eq!(
            c.card.lock().unwrap().stored_title(7).map(|t| t.to_vec()),
            Some(b"Mail".to_vec())
        );
        let o = cli(
            &[
                "--reader",
                READER,
                "--kind",
                "molto2",
                "profiles",
                "delete",
                "--profile",
                "7",
            ],
            None,
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert_eq!(c.card.lock().unwrap().stored_seed(7), None);
        // Wrong customer key: auth failure, exit 4, not retried — and the lock-out count is
        // read as the device means it: 63 C7 is "7 attempts left" (issue 9 point 1).
        let kf = dir.join("key.txt");
        std::fs::write(&kf, "0123456789abcdef").unwrap();
        let before = c.card.lock().unwrap().attempts_left();
        assert_eq!(before, 8);
        let auths = c.sent_ins(0xCE);
        let o = cli(
            &[
                "--reader",
                READER,
                "--kind",
                "molto2",
                "profiles",
                "title",
                "--profile",
                "0",
                "--title",
                "Nope",
                "--customer-key-file",
                kf.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(o.code, 4, "{}", o.stderr);
        assert!(
            o.stderr.contains("7 attempts left before the device locks"),
            "{}",
            o.stderr
        );
        assert!(!o.stderr.contains("199"), "{}", o.stderr);
        assert_eq!(
            c.card.lock().unwrap().attempts_left(),
            before - 1,
            "retried?"
        );
        assert_eq!(
            c.sent_ins(0xCE),
            auths + 1,
            "one authentication, not retried"
        );
        assert_eq!(c.card.lock().unwrap().stored_title(0), None);
    }

    // (Their own results file: the Entra conversion below reads `rf`.)
    let rf9 = dir.join("issue9-results.journal");
    molto2_occupied_profile_and_management_via_cli(&dir, &sf, rf9.to_str().unwrap());
    busy_second_reader(&sf);

    // ---- OATH via the CLI, with a password
    {
        let c = Inserted::new(YkoathCard::with_password("s3cret-pass"));
        let pf = dir.join("pass.txt");
        std::fs::write(&pf, "s3cret-pass\n").unwrap();
        let pfs = pf.to_str().unwrap();
        let o = cli(
            &[
                "--reader",
                READER,
                "oath",
                "put",
                "--secret-file",
                &sf,
                "--account",
                "alice",
                "--plaintext-results",
                "--results-file",
                &rf,
            ],
            None,
        );
        assert_eq!(o.code, 4, "no password: {}", o.stderr);
        let out = json(&cli(
            &[
                "--reader",
                READER,
                "--json",
                "oath",
                "put",
                "--secret-file",
                &sf,
                "--account",
                "alice",
                "--issuer",
                "Example",
                "--algorithm",
                "SHA256",
                "--digits",
                "8",
                "--password-file",
                pfs,
                "--plaintext-results",
                "--results-file",
                &rf,
            ],
            None,
        ));
        assert_eq!(out["verification"]["method"], "device_calculated");
        assert_eq!(out["verification"]["matches"], true);
        {
            let card = c.card.lock().unwrap();
            let cr = card.credential("Example:alice").expect("credential");
            assert_eq!(cr.key.as_slice(), SEED);
            assert_eq!(
                (cr.oath_type, cr.algorithm, cr.digits, cr.touch),
                (OathType::Totp, OathAlgorithm::Sha256, 8, false)
            );
            assert_eq!(card.credentials().len(), 1);
        }
        let list = json(&cli(
            &[
                "--reader",
                READER,
                "--json",
                "oath",
                "list",
                "--password-file",
                pfs,
            ],
            None,
        ));
        assert_eq!(list[0]["name"], "Example:alice");
        let code = json(&cli(
            &[
                "--reader",
                READER,
                "--json",
                "oath",
                "code",
                "--name",
                "Example:alice",
                "--password-file",
                pfs,
            ],
            None,
        ));
        assert_eq!(code["code"].as_str().unwrap().len(), 8);
        let o = cli(
            &[
                "--reader",
                READER,
                "oath",
                "delete",
                "--name",
                "Example:alice",
                "--password-file",
                pfs,
            ],
            None,
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(c.card.lock().unwrap().credentials().is_empty());
        let wrong = dir.join("wrong.txt");
        std::fs::write(&wrong, "nope").unwrap();
        let o = cli(
            &[
                "--reader",
                READER,
                "oath",
                "list",
                "--password-file",
                wrong.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(o.code, 4, "{}", o.stderr);
    }

    // ---- results file → Entra CSV
    {
        let map = dir.join("map.csv");
        std::fs::write(&map, "serial,upn\n").unwrap();
        let o = cli(
            &["results-to-csv", &rf, "--upn-map", map.to_str().unwrap()],
            None,
        );
        // Rows without a UPN (the timing burns, the OATH row) are refused for the CSV.
        assert_eq!(o.code, 2, "{}", o.stderr);
        let text = journal_lines(&results);
        assert!(text.contains(SEED_B32), "the journal holds the seed");
        let serial = "8659622000001";
        std::fs::write(
            &map,
            format!(
                "serial,profile,upn\n{serial},,carol@example.com\nMOLTO2TEST01,7,bob@example.com\n"
            ),
        )
        .unwrap();
        let salt_rows: Vec<&str> = text.lines().filter(|l| l.contains(",oath,")).collect();
        let oath_serial = salt_rows[0].split(',').nth(2).unwrap();
        let mut m = std::fs::read_to_string(&map).unwrap();
        m.push_str(&format!("{oath_serial},,dave@example.com\n"));
        std::fs::write(&map, m).unwrap();
        let csv_out = dir.join("entra.csv");
        let o = cli(
            &[
                "results-to-csv",
                &rf,
                "--upn-map",
                map.to_str().unwrap(),
                "--format",
                "graph",
                "--out",
                csv_out.to_str().unwrap(),
            ],
            None,
        );
        // The Molto2 profile and the OATH credential were burned with 8 digits: Entra takes 6,
        // so the Graph export names both and writes nothing.
        assert_eq!(o.code, 2, "{}", o.stderr);
        assert!(
            o.stderr
                .contains("MOLTO2TEST01 profile 7: the token shows 8 digits")
                && o.stderr.contains("12345678: the token shows 8 digits"),
            "{}",
            o.stderr
        );
        assert!(!csv_out.exists());
        // Every token (with its UPN from the map) in a format that takes 8 digits.
        let o = cli(
            &[
                "results-to-csv",
                &rf,
                "--upn-map",
                map.to_str().unwrap(),
                "--format",
                "pskc",
                "--out",
                csv_out.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(o.stderr.contains("not verified yet"), "{}", o.stderr);
        let g = std::fs::read_to_string(&csv_out).unwrap();
        assert!(g.contains(serial) && g.contains("MOLTO2TEST01"), "{g}");
    }

    // ---- the HTTP API of `serve`, real sockets on 127.0.0.1
    let dist = dir.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("index.html"), "<html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\"></head></html>").unwrap();
    let api_results = dir.join("api-results.journal");
    let _ = std::fs::remove_file(&api_results);
    let srv = Server::start(&dist, &api_results);
    {
        let (st, _) = srv.request("GET", "/api/readers", None, false);
        assert_eq!(st, 401, "no pairing secret");
        let (st, v) = srv.request(
            "POST",
            "/api/info",
            Some(&serde_json::json!({"reader": READER})),
            true,
        );
        assert_eq!((st, v["error"]["code"].as_str()), (409, Some("no_card")));

        // Token2 (keeps its seed on config writes).
        let c = Inserted::new(Token2Card::of_model(Model::C302));
        let (st, v) = srv.request("GET", "/api/readers", None, true);
        assert_eq!(st, 200);
        assert!(v["readers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["device"]["model"] == "C302-i"));
        let burn = serde_json::json!({
            "reader": READER, "secret": SEED_B32, "algorithm": "SHA1", "period": 30,
            "display_timeout": 15, "upn": "erin@example.com"
        });
        let mut times = Vec::new();
        for _ in 0..10 {
            let t = Instant::now();
            let (st, v) = srv.request("POST", "/api/burn", Some(&burn), true);
            times.push(t.elapsed());
            assert_eq!(st, 200, "{v}");
            assert_eq!(v["recorded"], true);
            assert_eq!(v["verification"]["method"], "compare_with_display");
        }
        eprintln!(
            "TIMING token2 burn via HTTP API through pcscd+vpcd: median {:?} over {} (min {:?}, max {:?})",
            median(times.clone()),
            times.len(),
            times.iter().min().unwrap(),
            times.iter().max().unwrap()
        );
        {
            let card = c.card.lock().unwrap();
            assert_eq!(card.stored_seed(), Some(SEED));
            let cfg = card.stored_config().unwrap();
            assert_eq!((cfg.algorithm, cfg.step, cfg.display), (1, 0x1E, 0));
        }
        // Invalid: sends nothing.
        let before = c.apdus();
        let (st, v) = srv.request(
            "POST",
            "/api/burn",
            Some(&serde_json::json!({"reader": READER, "kind": "token2", "secret": SEED_B32, "algorithm": "SHA512"})),
            true,
        );
        assert_eq!((st, v["error"]["code"].as_str()), (400, Some("bad_input")));
        assert_eq!(c.apdus(), before);
        let (st, v) = srv.request(
            "POST",
            "/api/sync",
            Some(&serde_json::json!({"reader": READER})),
            true,
        );
        assert_eq!(st, 200, "{v}");
        assert_eq!(v["seed_cleared"], false);
        assert_eq!(c.card.lock().unwrap().stored_seed(), Some(SEED));
    }
    {
        let c = Inserted::new(Molto2Card::new(Molto2Model::V2, "MOLTO2TEST02"));
        let (st, v) = srv.request(
            "POST",
            "/api/burn",
            Some(&serde_json::json!({
                "reader": READER, "kind": "molto2", "secret": SEED_HEX, "profile": 42,
                "digits": 10, "period": 60, "algorithm": "SHA256", "title": "VPN"
            })),
            true,
        );
        assert_eq!(st, 200, "{v}");
        let card = c.card.lock().unwrap();
        assert_eq!(card.stored_seed(42), Some(SEED));
        let cfg = card.stored_config(42).unwrap();
        assert_eq!((cfg.algorithm, cfg.digits, cfg.step), (2, 10, 60));
        assert_eq!(
            card.stored_title(42).map(|t| t.to_vec()),
            Some(b"VPN".to_vec())
        );
        drop(card);
        let (st, v) = srv.request(
            "POST",
            "/api/profiles",
            Some(&serde_json::json!({"reader": READER, "kind": "molto2"})),
            true,
        );
        assert_eq!(st, 200);
        assert_eq!(v["profiles"][42]["title"], "VPN");
        molto2_occupied_and_lock_out_via_api(&srv, &c);
    }
    {
        let c = Inserted::new(YkoathCard::new());
        let (st, v) = srv.request(
            "POST",
            "/api/oath/put",
            Some(&serde_json::json!({
                "reader": READER, "secret": SEED_B32, "account": "frank", "issuer": "Corp",
                "algorithm": "SHA512", "digits": 7, "period": 60
            })),
            true,
        );
        assert_eq!(st, 200, "{v}");
        assert_eq!(v["verification"]["matches"], true);
        let card = c.card.lock().unwrap();
        let cr = card.credential("60/Corp:frank").expect("credential");
        assert_eq!(cr.key.as_slice(), SEED);
        assert_eq!((cr.algorithm, cr.digits), (OathAlgorithm::Sha512, 7));
        drop(card);
        let (st, v) = srv.request(
            "POST",
            "/api/oath/code",
            Some(&serde_json::json!({"reader": READER, "name": "60/Corp:frank"})),
            true,
        );
        assert_eq!(st, 200, "{v}");
        assert_eq!(v["code"].as_str().unwrap().len(), 7);
    }
    let log = srv.stop();
    assert_no_secret(&log, "server log");
    assert!(log.contains("POST /api/burn -> 200"), "{log}");
    let api_text = journal_lines(&api_results);
    // 10 Token2 burns, the Molto2 (and its overwrite), the OATH key.
    assert_eq!(api_text.lines().count(), 10 + 2 + 1, "{api_text}");
    oath_keys_as_issue_9_has_them(&dir, &sf);
    let _ = std::fs::remove_dir_all(&dir);
}

// ------------------------------------------- OATH keys (issue 9)

/// `ykman` of the test venv (`target/pyenv`, made by `cargo xtask setup`).
fn ykman() -> std::path::PathBuf {
    let python = std::env::var_os("TOKENSMITH_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/pyenv/bin/python")
        });
    let y = python.with_file_name("ykman");
    assert!(
        y.exists(),
        "ykman is missing ({}): run `cargo xtask setup` (it installs PyPI yubikey-manager into target/pyenv)",
        y.display()
    );
    y
}

/// ykman on the virtual reader, named in full (a part would match both vpcd readers).
fn yk(args: &[&str]) -> Out {
    let o = Command::new(ykman())
        .args(["--reader", READER])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run ykman");
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// Debian's oathtool: the code of the test seed, TOTP at `time` or HOTP at `counter`.
fn oathtool(args: &[&str]) -> String {
    let o = Command::new("oathtool")
        .args(args)
        .arg(SEED_B32)
        .output()
        .expect("oathtool is missing: install the Debian package `oathtool`");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// ykman's code for one account: the last word of its line.
fn ykman_code(query: &str) -> String {
    let o = yk(&["oath", "accounts", "code", query]);
    assert_eq!(o.code, 0, "ykman: {}{}", o.stdout, o.stderr);
    o.stdout
        .split_whitespace()
        .last()
        .unwrap_or_default()
        .to_string()
}

/// ykman's code for one account, checked against oathtool's at the same moment.
fn ykman_code_matches_oathtool(query: &str, tool_args: &[&str]) {
    let (t0, got, t1) = (now(), ykman_code(query), now());
    let at = |t: i64| {
        let mut a = tool_args.to_vec();
        let now = format!("@{t}");
        a.extend(["-N", now.as_str(), "-b"]);
        oathtool(&a)
    };
    let want = [at(t0), at(t1)];
    assert!(want.contains(&got), "ykman {got}, oathtool {want:?}");
}

/// Issue 9 end to end: a Nitrokey 3 with a PIN (burn, serial from `8F`, a taken name, no SET
/// CODE), a YubiKey whose credentials the bridge stores and ykman reads back (codes compared
/// with oathtool, serial, rename, password), and a key that reports no serial.
fn oath_keys_as_issue_9_has_them(dir: &std::path::Path, sf: &str) {
    let rf = dir.join("oath-results.journal");
    let rf = rf.to_str().unwrap();
    let pf = dir.join("oath-pass.txt");
    std::fs::write(&pf, "s3cret-pass\n").unwrap();
    let pf = pf.to_str().unwrap();
    let password = |action: &str, flag: &str, file: &str| {
        cli(
            &["--reader", READER, "oath", "password", action, flag, file],
            None,
        )
    };
    let put = |extra: &[&str]| {
        let mut a = vec![
            "--reader",
            READER,
            "--json",
            "oath",
            "put",
            "--secret-file",
            sf,
        ];
        a.extend(extra);
        cli(&a, None)
    };
    let alice = |issuer: &str, extra: &[&str]| {
        let mut a = vec!["--account", "alice", "--issuer", issuer];
        a.extend(["--plaintext-results", "--results-file", rf]);
        a.extend(extra);
        put(&a)
    };

    // ---- Nitrokey 3 with a PIN: no salt in its SELECT reply, its serial in tag 8F.
    {
        let c = Inserted::new(YkoathCard::nitrokey3(0x0ACE_0001, Some(8)));
        let info = json(&cli(&["--reader", READER, "--json", "info"], None));
        assert_eq!(
            (
                &info["kind"],
                &info["serial"],
                &info["model"],
                &info["pin_attempts"]
            ),
            (
                &"oath".into(),
                &"181272577".into(),
                &"Nitrokey 3".into(),
                &8.into()
            )
        );
        let out = json(&alice("Corp", &[]));
        assert_eq!(out["serial"], "181272577");
        assert_eq!(out["verification"]["matches"], true);
        assert_eq!(
            c.card
                .lock()
                .unwrap()
                .credential("Corp:alice")
                .unwrap()
                .key
                .as_slice(),
            SEED
        );
        let row = journal_lines(std::path::Path::new(rf));
        assert!(row.contains(",oath,181272577,Nitrokey 3,"), "{row}");
        // The name is taken: refused, the Nitrokey's credential untouched.
        let o = alice("Corp", &[]);
        assert_eq!(o.code, 2, "{}", o.stderr);
        assert!(o.stderr.contains("already exists"), "{}", o.stderr);
        let o = alice("Corp", &["--overwrite"]);
        assert_eq!(o.code, 2, "{}", o.stderr);
        assert!(
            o.stderr.contains("delete the account first"),
            "{}",
            o.stderr
        );
        // An access password would be a lie on a Nitrokey 3: refused, no SET CODE sent.
        let o = password("set", "--new-password-file", pf);
        assert_eq!(o.code, 2, "{}", o.stderr);
        assert!(o.stderr.contains("PIN"), "{}", o.stderr);
        assert_eq!(
            c.sent_ins(0x03) + c.sent_ins(0xA3),
            0,
            "SET CODE or VALIDATE sent"
        );
        assert_eq!(c.sent_ins(0x01), 1, "one PUT only");
    }

    // ---- YubiKey: the bridge stores, ykman (an independent client) reads.
    {
        let c = Inserted::new(YkoathCard::new());
        let info = json(&cli(&["--reader", READER, "--json", "info"], None));
        assert_eq!(info["serial"], "12345678");
        let y = yk(&["info"]);
        assert!(
            y.stdout.contains("Serial number: 12345678"),
            "ykman info: {}{}",
            y.stdout,
            y.stderr
        );
        json(&alice("Example", &[]));
        ykman_code_matches_oathtool("Example:alice", &["--totp"]);
        json(&put(&[
            "--account",
            "bob",
            "--algorithm",
            "SHA256",
            "--digits",
            "8",
            "--period",
            "60",
            "--plaintext-results",
            "--results-file",
            rf,
        ]));
        ykman_code_matches_oathtool("bob", &["--totp=sha256", "-d", "8", "-s", "60"]);
        // HOTP with a counter (7A): ykman calculates the code at counter 5.
        let out = json(&put(&[
            "--account",
            "counter",
            "--hotp",
            "--counter",
            "5",
            "--plaintext-results",
            "--results-file",
            rf,
        ]));
        assert_eq!(out["verification"]["method"], "not_checked");
        assert_eq!(out["recorded"], true, "the HOTP seed is journaled");
        assert_eq!(
            ykman_code("counter"),
            oathtool(&["--hotp", "-c", "5", "-b"])
        );
        // A taken name is refused, unless --overwrite.
        let o = alice("Example", &[]);
        assert_eq!(o.code, 2, "{}", o.stderr);
        assert!(o.stderr.contains("--overwrite"), "{}", o.stderr);
        json(&alice("Example", &["--overwrite"]));
        // Rename (YubiKey 5.3.1+), seen by ykman.
        let o = cli(
            &[
                "--reader",
                READER,
                "oath",
                "rename",
                "--name",
                "Example:alice",
                "--issuer",
                "New",
                "--account",
                "alice",
            ],
            None,
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(
            o.stdout.contains("renamed Example:alice to New:alice"),
            "{}",
            o.stdout
        );
        let list = yk(&["oath", "accounts", "list"]);
        assert!(
            list.stdout.lines().any(|l| l.trim() == "New:alice"),
            "{}",
            list.stdout
        );
        // The access password, set by the bridge, asked for by ykman.
        let o = password("set", "--new-password-file", pf);
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(c.card.lock().unwrap().has_password());
        assert_ne!(yk(&["oath", "accounts", "list", "-p", "wrong"]).code, 0);
        let o = yk(&["oath", "accounts", "list", "-p", "s3cret-pass"]);
        assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
        let o = password("remove", "--password-file", pf);
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(!c.card.lock().unwrap().has_password());
        // The journal names the key by its serial, never by the OATH salt: alice, bob, the
        // HOTP credential (journaled with its counter) and alice again.
        let text = journal_lines(std::path::Path::new(rf));
        assert_eq!(
            text.lines()
                .filter(|l| l.contains(",oath,12345678,YubiKey 5,"))
                .count(),
            4
        );
    }

    // ---- A key that reports no serial: the burn asks for the printed one.
    {
        let c = Inserted::new(YkoathCard::generic());
        let o = put(&[
            "--account",
            "alice",
            "--plaintext-results",
            "--results-file",
            rf,
        ]);
        assert_eq!(o.code, 2, "{}", o.stderr);
        assert!(o.stderr.contains("--serial"), "{}", o.stderr);
        assert!(c.card.lock().unwrap().credentials().is_empty());
        let out = json(&put(&[
            "--account",
            "alice",
            "--plaintext-results",
            "--results-file",
            rf,
            "--serial",
            "SOLO-42",
        ]));
        assert_eq!(out["serial"], "SOLO-42");
    }
}

// ------------------------------------------------- issue 9: Molto2, busy readers

/// A Molto2 through the CLI: an occupied profile is refused with no write at all (the
/// emulator counts every command), `--overwrite` replaces it; profiles 50–99 need the
/// Molto2v2 named; a clock sync of one profile; the customer key change, the factory reset
/// and the screen lock, each saying what the device waits for; delete without a key.
fn molto2_occupied_profile_and_management_via_cli(dir: &std::path::Path, sf: &str, rf: &str) {
    let mut card = Molto2Card::new(Molto2Model::V2, "MOLTO2TEST03");
    card.preload(4, b"an earlier seed", Some("Bank"));
    let c = Inserted::new(card);
    let m2 = ["--reader", READER, "--kind", "molto2"];
    let burn = |profile: &str, extra: &[&str]| {
        let mut args = m2.to_vec();
        args.extend([
            "burn",
            "--secret-file",
            sf,
            "--profile",
            profile,
            "--title",
            "GitHub",
            "--plaintext-results",
            "--results-file",
            rf,
        ]);
        args.extend(extra);
        cli(&args, None)
    };
    let writes = |c: &Inserted<Molto2Card>| {
        [0x4B, 0xCE, 0xE6, 0xC5, 0xD5, 0xD4]
            .iter()
            .map(|&i| c.sent_ins(i))
            .sum::<usize>()
    };

    // Occupied: refused, exit 2, and not one write — not even an authentication.
    let before = c.apdus();
    let o = burn("4", &[]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("profile 4 already holds a seed (titled \"Bank\")"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("--overwrite"), "{}", o.stderr);
    assert_eq!(writes(&c), 0, "a refused burn sends no write");
    assert_eq!(
        c.apdus() - before,
        2,
        "the info and the profile's public block"
    );
    assert_eq!(
        c.card.lock().unwrap().stored_seed(4),
        Some(&b"an earlier seed"[..])
    );

    // --overwrite: one authentication, old seed deleted, then seed, title, config.
    let o = burn("4", &["--overwrite"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stderr.contains("old seed deleted"), "{}", o.stderr);
    assert_eq!(c.sent_ins(0xCE), 1);
    {
        let card = c.card.lock().unwrap();
        assert_eq!(card.stored_seed(4), Some(SEED));
        assert_eq!(card.stored_title(4), Some(&b"GitHub"[..]));
        assert!(card.stored_config(4).is_some());
    }

    // Profile 77 exists on a Molto2v2 only, which the device does not tell: refused unless
    // named (nothing written), then burned.
    let writes_before = writes(&c);
    let o = burn("77", &[]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("profiles 0–49"), "{}", o.stderr);
    assert_eq!(writes(&c), writes_before);
    let o = burn("77", &["--model", "molto2v2"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(c.card.lock().unwrap().stored_seed(77), Some(SEED));

    // One profile's clock.
    let t0 = now();
    let out = json(&cli(
        &[
            "--reader",
            READER,
            "--kind",
            "molto2",
            "--model",
            "molto2v2",
            "--json",
            "sync-time",
            "--profile",
            "77",
        ],
        None,
    ));
    assert_eq!(out["profiles"][0]["profile"], 77);
    assert_eq!(out["profiles"][0]["ok"], true);
    assert!((i64::from(c.card.lock().unwrap().profile(77).unwrap().rtc) - t0).abs() <= 5);

    // Delete without a key: no authentication at all.
    let auths = c.sent_ins(0xCE);
    let mut args = m2.to_vec();
    args.extend(["profiles", "delete", "--profile", "4"]);
    let o = cli(&args, None);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(c.sent_ins(0xCE), auths);
    assert_eq!(c.card.lock().unwrap().stored_seed(4), None);

    // Change the customer key: the device waits for ▲, and the bridge left it alone (no
    // reset), so the press still counts.
    let nk = dir.join("new-key.txt");
    std::fs::write(&nk, "a new customer passphrase\n").unwrap();
    let mut args = m2.to_vec();
    args.extend([
        "molto2",
        "change-key",
        "--new-key-file",
        nk.to_str().unwrap(),
    ]);
    let o = cli(&args, None);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("press ▲"), "{}", o.stdout);
    assert!(
        !o.stdout.contains("customer passphrase"),
        "the key is never echoed"
    );
    assert!(c.card.lock().unwrap().confirmation_pending());
    c.card.lock().unwrap().press_button();
    let mut args = m2.to_vec();
    args.extend([
        "profiles",
        "title",
        "--profile",
        "4",
        "--title",
        "Zürich",
        "--customer-key-file",
        nk.to_str().unwrap(),
    ]);
    let o = cli(&args, None);
    assert_eq!(o.code, 0, "the new key works: {}", o.stderr);
    assert_eq!(
        c.card.lock().unwrap().stored_title(4),
        Some("Zürich".as_bytes())
    );

    // Screen lock; factory reset only with --yes, then waiting for ▲.
    let mut args = m2.to_vec();
    args.extend(["molto2", "lock-screen"]);
    assert_eq!(cli(&args, None).code, 0);
    assert!(c.card.lock().unwrap().screen_locked());
    let before = c.apdus();
    let mut args = m2.to_vec();
    args.extend(["molto2", "factory-reset"]);
    let o = cli(&args, None);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("--yes"), "{}", o.stderr);
    assert_eq!(c.apdus(), before, "nothing sent unconfirmed");
    args.push("--yes");
    let o = cli(&args, None);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains("every profile is deleted"),
        "{}",
        o.stdout
    );
    assert!(c.card.lock().unwrap().confirmation_pending());
}

/// The Molto2 of the API test (profile 42 burned "VPN"): an occupied profile is refused
/// (`409 occupied`, no write), a wrong key answers `403 auth_failed` with
/// `attempts_left: 7`, `overwrite` replaces it, delete needs no key, the screen locks.
fn molto2_occupied_and_lock_out_via_api(srv: &Server, c: &Inserted<Molto2Card>) {
    let burn = |extra: Value| {
        let mut b = serde_json::json!({
            "reader": READER, "kind": "molto2", "secret": SEED_B32, "profile": 42
        });
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        srv.request("POST", "/api/burn", Some(&b), true)
    };
    let writes = || {
        [0x4B, 0xCE, 0xE6, 0xC5, 0xD5, 0xD4]
            .iter()
            .map(|&i| c.sent_ins(i))
            .sum::<usize>()
    };
    let before = writes();
    let (st, v) = burn(serde_json::json!({}));
    assert_eq!((st, v["error"]["code"].as_str()), (409, Some("occupied")));
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("titled \"VPN\""),
        "{v}"
    );
    assert_eq!(writes(), before, "a refused burn sends no write");

    let (st, v) = burn(serde_json::json!({"overwrite": true, "customer_key": "not the key"}));
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (403, Some("auth_failed"))
    );
    assert_eq!(v["error"]["attempts_left"], 7);
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(msg.contains("7 attempts left"), "{msg}");
    assert!(!msg.contains("199"), "{msg}");

    let (st, v) = burn(serde_json::json!({"overwrite": true, "title": "Mail"}));
    assert_eq!(st, 200, "{v}");
    assert!(v["warnings"].to_string().contains("replaced"), "{v}");
    assert_eq!(c.card.lock().unwrap().stored_title(42), Some(&b"Mail"[..]));

    let auths = c.sent_ins(0xCE);
    let (st, v) = srv.request(
        "POST",
        "/api/profiles/delete",
        Some(&serde_json::json!({"reader": READER, "kind": "molto2", "profile": 42})),
        true,
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(c.sent_ins(0xCE), auths, "delete needs no authentication");
    assert_eq!(c.card.lock().unwrap().stored_seed(42), None);

    let (st, v) = srv.request(
        "POST",
        "/api/molto2/screen",
        Some(&serde_json::json!({"reader": READER, "kind": "molto2", "locked": true})),
        true,
    );
    assert_eq!((st, v["confirmation"].as_str()), (200, Some("done")), "{v}");
    assert!(c.card.lock().unwrap().screen_locked());
}

/// Another program holds vpcd's first reader exclusively: `list` reports it busy and goes
/// on; a search over all readers passes it over; naming it says it is busy (exit 3) without
/// reaching the card. Held shared, the bridge falls back to shared access and works.
fn busy_second_reader(sf: &str) {
    let first = Inserted::into_first_reader(Token2Card::of_model(Model::C301));
    let second = Inserted::new(Token2Card::of_model(Model::C302));
    let ctx = pcsc::Context::establish(pcsc::Scope::User).expect("pcsc context");
    let name = std::ffi::CString::new(FIRST_READER).unwrap();
    let held = ctx
        .connect(&name, pcsc::ShareMode::Exclusive, pcsc::Protocols::ANY)
        .expect("hold the first reader exclusively");
    let before = first.apdus();

    let (probed, resets) = (second.apdus(), second.resets());
    let list = json(&cli(&["--json", "list"], None));
    // The listing read the free card and left it as it was: no reset.
    assert!(second.apdus() > probed, "the free card was read");
    assert_eq!(second.resets(), resets, "a probe leaves the card alone");
    let entry = |n: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == n)
            .cloned()
            .unwrap_or_else(|| panic!("{n} not listed: {list}"))
    };
    let busy = entry(FIRST_READER);
    assert_eq!(busy["busy"], true, "{busy}");
    assert!(busy["device"].is_null());
    assert!(
        busy["error"].as_str().unwrap().contains("another program"),
        "{busy}"
    );
    assert_eq!(entry(READER)["device"]["model"], "C302-i");
    let o = cli(&["list"], None);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains(&format!("{FIRST_READER}: BUSY")),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("C302-i"), "{}", o.stdout);

    // Without --reader: the only free card is found. An operation ends with a reset (no
    // session it opened outlives it), unlike the probe above.
    let resets = second.resets();
    let info = json(&cli(&["--json", "info"], None));
    assert_eq!(info["reader"], READER);
    assert_eq!(info["model"], "C302-i");
    assert!(
        second.resets() > resets,
        "an operation resets the card when it is done"
    );

    // Named: busy, exit 3, nothing reached the card.
    let o = cli(&["--reader", FIRST_READER, "info"], None);
    assert_eq!(o.code, 3, "{}", o.stderr);
    assert!(
        o.stderr.contains("another program holds this reader"),
        "{}",
        o.stderr
    );
    assert_eq!(first.apdus(), before, "the held card was never reached");
    drop(held);

    // Held shared (scdaemon's way): exclusive fails, shared works, inside a transaction.
    let held = ctx
        .connect(&name, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
        .expect("hold the first reader shared");
    let info = json(&cli(&["--reader", FIRST_READER, "--json", "info"], None));
    assert_eq!(info["model"], "C301-i");
    let results = tmp().join("busy-results.journal");
    let out = json(&cli(
        &[
            "--reader",
            FIRST_READER,
            "--json",
            "burn",
            "--secret-file",
            sf,
            "--plaintext-results",
            "--results-file",
            results.to_str().unwrap(),
        ],
        None,
    ));
    assert!(out["advice"].to_string().contains("off and on"), "{out}");
    assert_eq!(first.card.lock().unwrap().stored_seed(), Some(SEED));
    assert_eq!(first.sent_ins(0xCE), 1, "one authentication per burn");
    drop(held);
}
