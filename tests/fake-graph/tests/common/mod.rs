//! Shared by the integration tests: run the real CLI against a fake, with a time limit.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fake_graph::{Config, FakeGraph};
use tokensmith_core::secret::Secret;

pub const CLI: &str = env!("CARGO_BIN_EXE_bridge-under-test");
/// No test run may hang the suite: a child still running after this is killed, and the test fails.
pub const LIMIT: Duration = Duration::from_secs(120);

pub struct Out {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

impl std::fmt::Debug for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// A distinct 20-byte seed per number.
pub fn seed(n: u8) -> Vec<u8> {
    (0..20u8)
        .map(|i| n.wrapping_mul(37).wrapping_add(i.wrapping_mul(11)) ^ 0x5a)
        .collect()
}

pub fn b32(n: u8) -> String {
    Secret::from_bytes(seed(n)).unwrap().to_base32().to_string()
}

pub fn start(cfg: Config) -> FakeGraph {
    let fake = FakeGraph::start(cfg);
    let tenant = fake.config().tenant;
    for (name, display) in [
        ("alice", "Alice Example"),
        ("bob", "Bob Example"),
        ("carol", "Carol Example"),
    ] {
        fake.add_user(&format!("{name}@{tenant}"), display);
    }
    fake
}

pub fn upn(fake: &FakeGraph, name: &str) -> String {
    format!("{name}@{}", fake.config().tenant)
}

pub fn user_id(fake: &FakeGraph, name: &str) -> String {
    fake.user_id(&upn(fake, name)).expect("user")
}

/// `--tenant … --client-id … --graph-url … --login-url … --ca-file …`
pub fn conn(fake: &FakeGraph) -> Vec<String> {
    let cfg = fake.config();
    vec![
        "--tenant".into(),
        cfg.tenant,
        "--client-id".into(),
        cfg.client_id,
        "--graph-url".into(),
        fake.url().into(),
        "--login-url".into(),
        fake.url().into(),
        "--ca-file".into(),
        fake.ca_file().display().to_string(),
    ]
}

/// `conn` plus `--client-secret-file` (mode 0600).
pub fn app(fake: &FakeGraph) -> Vec<String> {
    let path = fake.dir().join("secret.txt");
    std::fs::write(&path, format!("{}\n", fake.config().client_secret)).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let mut a = conn(fake);
    a.extend(["--client-secret-file".into(), path.display().to_string()]);
    a
}

/// An Entra CSV of (user name, serial, seed number, interval) rows.
pub fn csv(fake: &FakeGraph, name: &str, rows: &[(&str, &str, u8, u32)]) -> PathBuf {
    let mut text =
        String::from("upn,serial number,secret key,time interval,manufacturer,model\r\n");
    for (user, serial, n, interval) in rows {
        let u = if user.contains('@') {
            user.to_string()
        } else {
            upn(fake, user)
        };
        text.push_str(&format!(
            "{u},{serial},{},{interval},Token2,C302-i\r\n",
            b32(*n)
        ));
    }
    let path = fake.dir().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn spawn(dir: &Path, args: &[String]) -> Child {
    Command::new(CLI)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the CLI")
}

fn collect(mut child: Child, stop: impl Fn() -> bool) -> Out {
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let t1 = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = so.read_to_string(&mut s);
        s
    });
    let t2 = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = se.read_to_string(&mut s);
        s
    });
    let until = Instant::now() + LIMIT;
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if stop() {
            child.kill().unwrap();
            child.wait().unwrap();
            break None;
        }
        if Instant::now() > until {
            child.kill().unwrap();
            child.wait().unwrap();
            let out = Out {
                code: None,
                stdout: t1.join().unwrap(),
                stderr: t2.join().unwrap(),
            };
            panic!("the CLI ran longer than {LIMIT:?}: {out:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Out {
        code,
        stdout: t1.join().unwrap(),
        stderr: t2.join().unwrap(),
    }
}

/// `bridge-under-test entra <conn> <rest>` in the fake's directory.
pub fn entra(fake: &FakeGraph, conn: &[String], rest: &[&str]) -> Out {
    let mut args = vec!["entra".to_string()];
    args.extend(conn.iter().cloned());
    args.extend(rest.iter().map(|s| s.to_string()));
    collect(spawn(fake.dir(), &args), || false)
}

/// Like [`entra`], but kills the process as soon as the fake reports a hang (a crash mid-push).
pub fn entra_until_hung(fake: &FakeGraph, conn: &[String], rest: &[&str]) -> Out {
    let mut args = vec!["entra".to_string()];
    args.extend(conn.iter().cloned());
    args.extend(rest.iter().map(|s| s.to_string()));
    let out = collect(spawn(fake.dir(), &args), || fake.hung());
    assert!(fake.hung(), "the fake never hung: {out:?}");
    out
}

/// Any other command of the CLI, in the fake's directory.
pub fn bridge(fake: &FakeGraph, args: &[&str]) -> Out {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    collect(spawn(fake.dir(), &args), || false)
}

/// No seed (base32, any case), client secret or token may appear in `text`.
pub fn assert_no_secrets(fake: &FakeGraph, text: &str, seeds: &[u8]) {
    for n in seeds {
        let s = b32(*n);
        assert!(
            !text.contains(&s) && !text.contains(&s.to_lowercase()),
            "seed {n} leaked:\n{text}"
        );
        assert!(!text.contains(&s[..16]), "part of seed {n} leaked:\n{text}");
    }
    assert!(
        !text.contains(&fake.config().client_secret),
        "client secret leaked:\n{text}"
    );
    for word in ["fake-access", "fake-refresh", "fake-device-code"] {
        assert!(!text.contains(word), "a sign-in token leaked:\n{text}");
    }
}

/// The fake's log as text, for assertions that something was never sent.
pub fn log_text(fake: &FakeGraph) -> String {
    fake.log()
        .iter()
        .map(|l| {
            format!(
                "{} {}?{} {} {}\n",
                l.method, l.path, l.query, l.status, l.body
            )
        })
        .collect()
}
