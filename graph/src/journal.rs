//! The journal: one JSON line per step a token went through (create sent, created, assigned,
//! activated, failed, removed), appended and fsynced before the next step starts. A second run
//! reads it to know device and method IDs, and Entra itself (by serial) to know what is done.
//!
//! It holds no secret: serials, UPNs, Graph IDs, and for each token an 8-hex-digit check of its
//! seed (32 bits of SHA-256 over a domain label and the seed — nothing to recover a 128-bit seed
//! from) so a token re-burned after a push is noticed instead of silently kept.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokensmith_core::entra::TokenRecord;
use tokensmith_core::secret::Secret;

use crate::config::Endpoints;
use crate::error::Error;

const FORMAT: &str = "tokensmith-entra-journal";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// A creation request left; its answer may have been lost.
    CreateSent,
    Created,
    /// Found in Entra by serial, not created by this tool in this journal.
    Existed,
    Assigned,
    Activated,
    Failed,
    Unassigned,
    Deleted,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::CreateSent => "create sent",
            Step::Created => "created",
            Step::Existed => "existed",
            Step::Assigned => "assigned",
            Step::Activated => "activated",
            Step::Failed => "failed",
            Step::Unassigned => "unassigned",
            Step::Deleted => "deleted",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    tenant: String,
    graph: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Line {
    at: i64,
    token: String,
    step: Step,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    upn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    device: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

/// Where one token stands: its last step and the IDs learnt so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub step: Option<Step>,
    pub device: Option<String>,
    pub method: Option<String>,
    pub user: Option<String>,
    pub seed: Option<String>,
    pub detail: Option<String>,
    pub at: i64,
}

/// What to write for one step; empty fields keep what the journal already knows.
#[derive(Debug, Clone, Default)]
pub struct Note<'a> {
    pub upn: Option<&'a str>,
    pub device: Option<&'a str>,
    pub method: Option<&'a str>,
    pub user: Option<&'a str>,
    pub seed: Option<String>,
    pub detail: Option<&'a str>,
}

pub struct Journal {
    path: PathBuf,
    /// `None`: read only (a dry run, or status without writing).
    file: Option<File>,
    /// The first line of a new journal, written with the first step: a run that stops before
    /// doing anything (a mistyped tenant, a failed sign-in) leaves no journal behind.
    header: Option<Vec<u8>>,
    entries: HashMap<String, Entry>,
}

impl Drop for Journal {
    fn drop(&mut self) {
        let untouched = self.header.is_some()
            && self.file.is_some()
            && std::fs::metadata(&self.path).is_ok_and(|m| m.len() == 0);
        if untouched {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The journal's name for a token: its serial, and its profile on a multi-profile token.
pub fn token_key(record: &TokenRecord) -> String {
    match record.profile {
        Some(p) => format!("{}/{p}", record.serial.trim()),
        None => record.serial.trim().to_string(),
    }
}

/// A 32-bit check of the seed (see the module documentation).
pub fn seed_check(secret: &Secret) -> String {
    let mut h = Sha256::new();
    h.update(b"tokensmith entra journal seed check v1\0");
    h.update(secret.as_bytes());
    h.finalize()[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl Journal {
    /// Opens (or creates, mode 0600) for appending. A journal of another tenant or Graph is
    /// refused: its IDs mean nothing there.
    pub fn open(path: &Path, endpoints: &Endpoints) -> Result<Journal, Error> {
        let err = |detail: String| Error::Journal {
            path: path.display().to_string(),
            detail,
        };
        let mut opts = OpenOptions::new();
        opts.read(true).append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut file = opts.open(path).map_err(|e| err(e.to_string()))?;
        let mut text = String::new();
        file.read_to_string(&mut text)
            .map_err(|e| err(e.to_string()))?;
        let mut journal = Journal {
            path: path.to_path_buf(),
            file: None,
            header: None,
            entries: HashMap::new(),
        };
        if text.trim().is_empty() {
            let header = Header {
                format: FORMAT.into(),
                version: 1,
                tenant: endpoints.tenant.clone(),
                graph: endpoints.graph_url.clone(),
            };
            let mut line = serde_json::to_vec(&header).map_err(|e| err(e.to_string()))?;
            line.push(b'\n');
            // An empty file left by an earlier run is started again from nothing.
            file.set_len(0).map_err(|e| err(e.to_string()))?;
            journal.header = Some(line);
        } else {
            journal.replay(&text, Some(endpoints))?;
            if !text.ends_with('\n') {
                // Drop a line torn by a crash so the next step starts on a line of its own.
                let keep = text.rfind('\n').map_or(0, |n| n + 1);
                file.set_len(keep as u64)
                    .and_then(|()| file.sync_all())
                    .map_err(|e| err(e.to_string()))?;
            }
        }
        journal.file = Some(file);
        Ok(journal)
    }

    /// A journal kept in memory only (status or removal by serial, with no journal file).
    pub fn in_memory() -> Journal {
        Journal {
            path: PathBuf::from("(none)"),
            file: None,
            header: None,
            entries: HashMap::new(),
        }
    }

    /// Reads an existing journal without the right to write (a missing file is empty).
    pub fn read_only(path: &Path, endpoints: Option<&Endpoints>) -> Result<Journal, Error> {
        let mut journal = Journal {
            path: path.to_path_buf(),
            file: None,
            header: None,
            entries: HashMap::new(),
        };
        match std::fs::read_to_string(path) {
            Ok(text) if !text.trim().is_empty() => journal.replay(&text, endpoints)?,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Error::Journal {
                    path: path.display().to_string(),
                    detail: e.to_string(),
                })
            }
        }
        Ok(journal)
    }

    fn replay(&mut self, text: &str, endpoints: Option<&Endpoints>) -> Result<(), Error> {
        let path = self.path.display().to_string();
        let err = |detail: String| Error::Journal {
            path: path.clone(),
            detail,
        };
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let header: Header = lines
            .next()
            .and_then(|(_, l)| serde_json::from_str(l).ok())
            .filter(|h: &Header| h.format == FORMAT)
            .ok_or_else(|| err("not a Tokensmith Entra journal (first line differs)".into()))?;
        if let Some(e) = endpoints {
            if !header.tenant.eq_ignore_ascii_case(&e.tenant) || header.graph != e.graph_url {
                return Err(err(format!(
                    "it belongs to tenant {} at {}, not {} at {}: give another --journal file \
                     for this tenant",
                    header.tenant, header.graph, e.tenant, e.graph_url
                )));
            }
        }
        let total = text.lines().count();
        for (i, raw) in lines {
            match serde_json::from_str::<Line>(raw) {
                Ok(line) => self.apply(line),
                // A crash can only tear the last line (each line is one write, then fsync).
                Err(_) if i + 1 == total => {}
                Err(e) => return Err(err(format!("line {}: {e}", i + 1))),
            }
        }
        Ok(())
    }

    fn apply(&mut self, line: Line) {
        let e = self.entries.entry(line.token).or_default();
        e.step = Some(line.step);
        e.at = line.at;
        if matches!(line.step, Step::Deleted) {
            *e = Entry {
                step: Some(Step::Deleted),
                at: line.at,
                ..Entry::default()
            };
            return;
        }
        if matches!(line.step, Step::Unassigned) {
            e.method = None;
            e.user = None;
        }
        for (slot, value) in [
            (&mut e.device, line.device),
            (&mut e.method, line.method),
            (&mut e.user, line.user),
            (&mut e.seed, line.seed),
        ] {
            if value.is_some() {
                *slot = value;
            }
        }
        e.detail = line.detail;
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.get(key)
    }

    /// The token the journal knows under this device ID.
    pub fn key_for_device(&self, device: &str) -> Option<String> {
        self.entries
            .iter()
            .find(|(_, e)| e.device.as_deref() == Some(device))
            .map(|(k, _)| k.clone())
    }

    /// Appends one step and fsyncs before returning.
    pub fn record(&mut self, key: &str, step: Step, note: Note<'_>) -> Result<(), Error> {
        let line = Line {
            at: now(),
            token: key.to_string(),
            step,
            upn: note.upn.filter(|u| !u.is_empty()).map(str::to_string),
            device: note.device.map(str::to_string),
            method: note.method.map(str::to_string),
            user: note.user.map(str::to_string),
            seed: note.seed,
            detail: note.detail.map(str::to_string),
        };
        if let Some(file) = &mut self.file {
            let err = |e: std::io::Error| Error::Journal {
                path: self.path.display().to_string(),
                detail: e.to_string(),
            };
            let mut bytes = self.header.take().unwrap_or_default();
            serde_json::to_writer(&mut bytes, &line).map_err(|e| Error::Journal {
                path: self.path.display().to_string(),
                detail: e.to_string(),
            })?;
            bytes.push(b'\n');
            file.write_all(&bytes).map_err(err)?;
            file.sync_data().map_err(err)?;
        }
        self.apply(line);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{PUBLIC_GRAPH_URL, PUBLIC_LOGIN_URL};

    fn endpoints(tenant: &str) -> Endpoints {
        Endpoints::new(tenant, "client", PUBLIC_GRAPH_URL, PUBLIC_LOGIN_URL).unwrap()
    }

    #[test]
    fn steps_survive_reopening_and_a_torn_last_line() {
        let dir = std::env::temp_dir().join(format!("tokensmith-journal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("j.jsonl");
        let _ = std::fs::remove_file(&path);
        let e = endpoints("contoso.com");
        {
            let mut j = Journal::open(&path, &e).unwrap();
            j.record("S1", Step::CreateSent, Note::default()).unwrap();
            j.record(
                "S1",
                Step::Created,
                Note {
                    device: Some("d1"),
                    seed: Some("abcd0123".into()),
                    ..Note::default()
                },
            )
            .unwrap();
            j.record(
                "S1",
                Step::Assigned,
                Note {
                    method: Some("m1"),
                    user: Some("u1"),
                    ..Note::default()
                },
            )
            .unwrap();
            j.record(
                "S2/3",
                Step::Failed,
                Note {
                    detail: Some("no such user"),
                    ..Note::default()
                },
            )
            .unwrap();
        }
        // A crash in the middle of writing a line.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"at\":1,\"token\":\"S1\",\"st").unwrap();
        drop(f);
        let mut j = Journal::open(&path, &e).unwrap();
        j.record(
            "S2/3",
            Step::Existed,
            Note {
                device: Some("d2"),
                ..Note::default()
            },
        )
        .unwrap();
        drop(j);
        let j = Journal::open(&path, &e).unwrap();
        assert_eq!(j.get("S2/3").unwrap().device.as_deref(), Some("d2"));
        let s1 = j.get("S1").unwrap();
        assert_eq!(s1.step, Some(Step::Assigned));
        assert_eq!(s1.device.as_deref(), Some("d1"));
        assert_eq!(s1.method.as_deref(), Some("m1"));
        assert_eq!(s1.seed.as_deref(), Some("abcd0123"));
        assert_eq!(j.get("S2/3").unwrap().step, Some(Step::Existed));
        // Another tenant's journal is refused.
        let other = Journal::open(&path, &endpoints("fabrikam.com"))
            .err()
            .unwrap();
        assert!(
            other.to_string().contains("belongs to tenant contoso.com"),
            "{other}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_journal_nothing_was_written_to_leaves_no_file() {
        let path =
            std::env::temp_dir().join(format!("tokensmith-journal-empty-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let j = Journal::open(&path, &endpoints("contoso.com")).unwrap();
        assert!(path.exists(), "opened (so an unwritable place fails early)");
        drop(j);
        assert!(!path.exists());
        // With the mistyped tenant gone, the right one starts afresh.
        let mut j = Journal::open(&path, &endpoints("contoso.com")).unwrap();
        j.record("S", Step::CreateSent, Note::default()).unwrap();
        drop(j);
        assert!(Journal::open(&path, &endpoints("contoso.com")).is_ok());
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn seed_check_is_short_and_stable() {
        let s = Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap();
        let c = seed_check(&s);
        assert_eq!(c.len(), 8);
        assert_eq!(c, seed_check(&s));
        assert_ne!(
            c,
            seed_check(&Secret::from_bytes(b"12345678901234567891".to_vec()).unwrap())
        );
    }
}
