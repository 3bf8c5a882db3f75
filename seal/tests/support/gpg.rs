//! GnuPG in a throw-away home, for the tests that check our OpenPGP messages with it: seal's own
//! and the bridge's `results-to-csv --encrypt-to` (included there by `#[path]`).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output as ProcessOutput, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A throw-away GNUPGHOME (short path: gpg-agent's socket must fit in 108 bytes).
pub struct Home(pub PathBuf);

impl Home {
    pub fn new() -> Home {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "tsgpg-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        Home(dir)
    }

    pub fn gpg(&self, args: &[&str], stdin: &[u8]) -> ProcessOutput {
        let mut child = Command::new("gpg")
            .arg("--homedir")
            .arg(&self.0)
            .args([
                "--batch",
                "--no-tty",
                "--pinentry-mode",
                "loopback",
                "--passphrase",
                "",
            ])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("gpg is installed (cargo xtask setup installs Debian's gnupg)");
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        child.wait_with_output().unwrap()
    }

    pub fn ok(&self, args: &[&str]) -> Vec<u8> {
        let out = self.gpg(args, b"");
        assert!(
            out.status.success(),
            "gpg {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// Makes a key and returns its fingerprint.
    pub fn key(
        &self,
        uid: &str,
        algo: &str,
        usage: &str,
        expire: &str,
        faked_time: Option<&str>,
    ) -> String {
        let mut args = vec![];
        if let Some(t) = faked_time {
            args.extend(["--faked-system-time", t]);
        }
        args.extend(["--quick-gen-key", uid, algo, usage, expire]);
        self.ok(&args);
        let listing = String::from_utf8(self.ok(&["--with-colons", "--list-keys", uid])).unwrap();
        listing
            .lines()
            .find_map(|l| {
                l.strip_prefix("fpr:")
                    .map(|r| r.trim_matches(':').to_string())
            })
            .expect("gpg lists the fingerprint")
    }

    pub fn subkey(&self, fpr: &str, algo: &str, expire: &str, faked_time: Option<&str>) {
        let mut args = vec![];
        if let Some(t) = faked_time {
            args.extend(["--faked-system-time", t]);
        }
        args.extend(["--quick-add-key", fpr, algo, "encr", expire]);
        self.ok(&args);
    }

    pub fn export(&self, fpr: &str, armor: bool) -> Vec<u8> {
        if armor {
            self.ok(&["--armor", "--export", fpr])
        } else {
            self.ok(&["--export", fpr])
        }
    }

    pub fn decrypt(&self, message: &[u8]) -> Vec<u8> {
        let out = self.gpg(&["--decrypt"], message);
        assert!(
            out.status.success(),
            "gpg --decrypt failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .args(["--kill", "gpg-agent"])
            .env("GNUPGHOME", &self.0)
            .status();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Alice: Ed25519 primary for certification, Curve25519 encryption subkey.
pub fn alice() -> (Home, String) {
    let home = Home::new();
    let fpr = home.key(
        "Alice Admin <alice@example.org>",
        "ed25519",
        "cert",
        "never",
        None,
    );
    home.subkey(&fpr, "cv25519", "never", None);
    (home, fpr)
}

/// Bob: one RSA key that signs and encrypts itself (no subkey).
pub fn bob() -> (Home, String) {
    let home = Home::new();
    let fpr = home.key(
        "Bob Backup <bob@example.org>",
        "rsa2048",
        "sign,cert,encr",
        "never",
        None,
    );
    (home, fpr)
}
