//! The results file: one CSV row per burned token (or Molto2 profile / OATH
//! credential), appended, flushed and fsynced right after each burn so a
//! crash never loses a token that was already written.
//!
//! Columns ([`HEADER`]): `burned_at` (UTC seconds), `kind`, `serial`,
//! `model`, `profile`, `name`, `secret` (base32), `algorithm`, `digits`,
//! `period`, `display_timeout`, `upn`, `manufacturer`.
//!
//! The file holds seeds: it is created with mode 0600 on Unix. It converts
//! to the Entra CSV or Graph JSON with [`to_entra`] (UPNs from the rows or
//! from a map file).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use tokensmith_core::entra::{self, TokenRecord};
use tokensmith_core::otp::Algorithm;
use tokensmith_core::secret::{Encoding, Secret};
use zeroize::Zeroizing;

use crate::error::BridgeError;
use tokensmith_api::BurnResult;
use tokensmith_api::DeviceKind;

pub const HEADER: &str = "burned_at,kind,serial,model,profile,name,secret,algorithm,digits,period,display_timeout,upn,manufacturer";

/// One burned credential.
#[derive(Clone, Debug)]
pub struct ResultRecord {
    pub burned_at: i64,
    pub kind: String,
    pub serial: String,
    pub model: String,
    pub profile: Option<u8>,
    pub name: Option<String>,
    pub secret: Secret,
    pub algorithm: String,
    pub digits: u8,
    pub period: u32,
    pub display_timeout: Option<u32>,
    pub upn: Option<String>,
    pub manufacturer: String,
}

impl ResultRecord {
    pub fn from_outcome(o: &BurnResult, secret: &Secret, upn: Option<String>) -> Self {
        ResultRecord {
            burned_at: o.burned_at,
            kind: o.kind.as_str().to_string(),
            serial: o.serial.clone(),
            model: o.model.clone(),
            profile: o.profile,
            name: o.name.clone(),
            secret: secret.clone(),
            algorithm: o.algorithm.as_str().to_string(),
            digits: o.digits,
            period: o.period,
            display_timeout: o.display_timeout,
            upn: upn.filter(|u| !u.is_empty()),
            manufacturer: match o.kind {
                DeviceKind::Token2 | DeviceKind::Molto2 => "Token2".into(),
                DeviceKind::Oath => "OATH".into(),
            },
        }
    }

    fn csv_line(&self) -> Result<Zeroizing<Vec<u8>>, BridgeError> {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        let secret = self.secret.to_base32();
        let opt = |v: Option<String>| v.unwrap_or_default();
        w.write_record([
            self.burned_at.to_string().as_str(),
            &self.kind,
            &self.serial,
            &self.model,
            &opt(self.profile.map(|p| p.to_string())),
            &opt(self.name.clone()),
            secret.as_str(),
            &self.algorithm,
            &self.digits.to_string(),
            &self.period.to_string(),
            &opt(self.display_timeout.map(|d| d.to_string())),
            &opt(self.upn.clone()),
            &self.manufacturer,
        ])
        .map_err(|e| BridgeError::Results(e.to_string()))?;
        Ok(Zeroizing::new(
            w.into_inner()
                .map_err(|e| BridgeError::Results(e.to_string()))?,
        ))
    }
}

/// An open results file, appended to.
pub struct ResultsFile {
    file: File,
    path: PathBuf,
}

impl std::fmt::Debug for ResultsFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ResultsFile({})", self.path.display())
    }
}

impl ResultsFile {
    /// Open (create with mode 0600) for appending; writes the header into a
    /// new or empty file and refuses a file with another header. Done before
    /// touching any device, so an unwritable path fails early.
    pub fn open(path: &Path) -> Result<Self, BridgeError> {
        let err = |e: std::io::Error| BridgeError::Results(format!("{}: {e}", path.display()));
        let mut opts = OpenOptions::new();
        opts.read(true).append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut file = opts.open(path).map_err(err)?;
        let len = file.metadata().map_err(err)?.len();
        if len == 0 {
            file.write_all(format!("{HEADER}\r\n").as_bytes())
                .map_err(err)?;
            file.sync_all().map_err(err)?;
        } else {
            let mut first = vec![0u8; HEADER.len()];
            file.seek(SeekFrom::Start(0)).map_err(err)?;
            file.read_exact(&mut first).map_err(err)?;
            if first != HEADER.as_bytes() {
                return Err(BridgeError::Results(format!(
                    "{} exists and is not a Tokensmith results file (header differs)",
                    path.display()
                )));
            }
        }
        Ok(ResultsFile {
            file,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append one row, then flush and fsync.
    pub fn append(&mut self, r: &ResultRecord) -> Result<(), BridgeError> {
        let err = |e: std::io::Error| BridgeError::Results(format!("{}: {e}", self.path.display()));
        let line = r.csv_line()?;
        self.file.write_all(&line).map_err(err)?;
        self.file.flush().map_err(err)?;
        self.file.sync_all().map_err(err)
    }
}

/// Read a results file's text.
pub fn read_results(text: &str) -> Result<Vec<ResultRecord>, BridgeError> {
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = rd
        .headers()
        .map_err(|e| BridgeError::Results(e.to_string()))?
        .clone();
    if headers.iter().collect::<Vec<_>>().join(",") != HEADER {
        return Err(BridgeError::Results(
            "not a Tokensmith results file (header differs)".into(),
        ));
    }
    let mut out = Vec::new();
    for (i, row) in rd.records().enumerate() {
        let line = i + 2;
        let row = row.map_err(|e| BridgeError::Results(format!("line {line}: {e}")))?;
        let f = |n: usize| row.get(n).unwrap_or("").to_string();
        let bad = |what: &str| BridgeError::Results(format!("line {line}: bad {what}"));
        let opt = |n: usize| Some(f(n)).filter(|s| !s.is_empty());
        let secret = Secret::parse(&f(6), Encoding::Base32)
            .map_err(|_| bad("secret"))?
            .secret;
        out.push(ResultRecord {
            burned_at: f(0).parse().map_err(|_| bad("burned_at"))?,
            kind: f(1),
            serial: f(2),
            model: f(3),
            profile: opt(4)
                .map(|p| p.parse().map_err(|_| bad("profile")))
                .transpose()?,
            name: opt(5),
            secret,
            algorithm: f(7),
            digits: f(8).parse().map_err(|_| bad("digits"))?,
            period: f(9).parse().map_err(|_| bad("period"))?,
            display_timeout: opt(10)
                .map(|p| p.parse().map_err(|_| bad("display_timeout")))
                .transpose()?,
            upn: opt(11),
            manufacturer: f(12),
        });
    }
    Ok(out)
}

/// Read a UPN map: CSV with a header holding `serial` and `upn` columns and
/// optionally `profile` (for Molto2 profiles) — any order, case-insensitive.
pub fn read_upn_map(text: &str) -> Result<HashMap<(String, Option<u8>), String>, BridgeError> {
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let h = rd
        .headers()
        .map_err(|e| BridgeError::Results(e.to_string()))?
        .clone();
    let col = |n: &str| h.iter().position(|c| c.eq_ignore_ascii_case(n));
    let (Some(s), Some(u)) = (col("serial"), col("upn")) else {
        return Err(BridgeError::BadInput(
            "the UPN map needs a header with 'serial' and 'upn' columns (and optionally 'profile')"
                .into(),
        ));
    };
    let p = col("profile");
    let mut map = HashMap::new();
    for (i, row) in rd.records().enumerate() {
        let row = row.map_err(|e| BridgeError::BadInput(format!("UPN map line {}: {e}", i + 2)))?;
        let profile = match p.and_then(|p| row.get(p)).filter(|v| !v.is_empty()) {
            Some(v) => Some(v.parse::<u8>().map_err(|_| {
                BridgeError::BadInput(format!("UPN map line {}: bad profile", i + 2))
            })?),
            None => None,
        };
        map.insert(
            (row.get(s).unwrap_or("").to_string(), profile),
            row.get(u).unwrap_or("").to_string(),
        );
    }
    Ok(map)
}

/// Output format of [`to_entra`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EntraFormat {
    /// Entra admin-center CSV upload.
    Csv,
    /// Microsoft Graph bulk (`#$delta`) JSON.
    Graph,
}

/// Convert results to Entra's CSV or Graph JSON. A later row for the same
/// serial/profile/name replaces an earlier one (a re-burn). UPNs come from
/// the row, else from `map` by (serial, profile), else (serial, none).
pub fn to_entra(
    records: &[ResultRecord],
    map: &HashMap<(String, Option<u8>), String>,
    format: EntraFormat,
    manufacturer: Option<&str>,
) -> Result<Zeroizing<String>, BridgeError> {
    let mut latest: Vec<&ResultRecord> = Vec::new();
    for r in records {
        latest.retain(|x| !(x.serial == r.serial && x.profile == r.profile && x.name == r.name));
        latest.push(r);
    }
    let mut missing = Vec::new();
    let mut out = Vec::new();
    for r in latest {
        let upn = r
            .upn
            .clone()
            .or_else(|| map.get(&(r.serial.clone(), r.profile)).cloned())
            .or_else(|| map.get(&(r.serial.clone(), None)).cloned())
            .unwrap_or_default();
        if upn.is_empty() && format == EntraFormat::Csv {
            missing.push(match r.profile {
                Some(p) => format!("{} profile {p}", r.serial),
                None => r.serial.clone(),
            });
        }
        out.push(TokenRecord {
            upn,
            serial: r.serial.clone(),
            secret: r.secret.clone(),
            interval: r.period,
            manufacturer: manufacturer.unwrap_or(&r.manufacturer).to_string(),
            model: r.model.clone(),
            algorithm: r.algorithm.parse().unwrap_or(Algorithm::Sha1),
            profile: r.profile,
            display_name: r.name.clone(),
        });
    }
    if !missing.is_empty() {
        return Err(BridgeError::BadInput(format!(
            "no UPN for: {} (add them to the UPN map)",
            missing.join(", ")
        )));
    }
    let res = match format {
        EntraFormat::Csv => entra::write_csv(&out),
        EntraFormat::Graph => entra::graph_bulk_json(&out),
    };
    res.map_err(|e| BridgeError::BadInput(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(serial: &str, profile: Option<u8>, upn: Option<&str>, secret: &[u8]) -> ResultRecord {
        ResultRecord {
            burned_at: 1_700_000_000,
            kind: "token2".into(),
            serial: serial.into(),
            model: "C302-i".into(),
            profile,
            name: None,
            secret: Secret::from_bytes(secret.to_vec()).unwrap(),
            algorithm: "SHA1".into(),
            digits: 6,
            period: 30,
            display_timeout: Some(30),
            upn: upn.map(String::from),
            manufacturer: "Token2".into(),
        }
    }

    #[test]
    fn append_read_convert() {
        let dir = std::env::temp_dir().join(format!("tokensmith-results-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("r.csv");
        let _ = std::fs::remove_file(&path);
        {
            let mut f = ResultsFile::open(&path).unwrap();
            f.append(&rec("8659632000001", None, None, b"12345678901234567890"))
                .unwrap();
        }
        {
            // Reopening appends; the header is not written twice.
            let mut f = ResultsFile::open(&path).unwrap();
            f.append(&rec(
                "8659632000002",
                None,
                Some("bob@example.com"),
                b"abcdefghij",
            ))
            .unwrap();
            f.append(&rec("8659632000001", None, None, b"re-burned-seed-0001"))
                .unwrap();
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "results file readable by others");
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.matches("burned_at").count(), 1);
        let rs = read_results(&text).unwrap();
        assert_eq!(rs.len(), 3);
        assert_eq!(rs[0].secret.as_bytes(), b"12345678901234567890");
        let map = read_upn_map("serial,upn\n8659632000001,alice@example.com\n").unwrap();
        let csv = to_entra(&rs, &map, EntraFormat::Csv, None).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], entra::CSV_HEADER);
        assert_eq!(lines.len(), 3, "re-burn replaces the earlier row: {csv:?}");
        assert!(lines[1].starts_with("bob@example.com,8659632000002,"));
        let reburned = Secret::from_bytes(b"re-burned-seed-0001".to_vec()).unwrap();
        assert!(lines[2].contains(reburned.to_base32().as_str()));
        assert!(lines[2].starts_with("alice@example.com,8659632000001,"));
        // Missing UPN is refused for the CSV.
        assert!(to_entra(&rs, &HashMap::new(), EntraFormat::Csv, None).is_err());
        // A foreign file is refused.
        std::fs::write(dir.join("other.csv"), "a,b\n").unwrap();
        assert!(ResultsFile::open(&dir.join("other.csv")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
