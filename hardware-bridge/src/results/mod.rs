//! The results file: one CSV row per burned token (or Molto2 profile / OATH credential),
//! appended, flushed and fsynced right after each burn so a crash never loses a token that
//! was already written.
//!
//! Columns ([`HEADER`]): `burned_at` (UTC seconds), `kind`, `serial`, `model`, `profile`,
//! `name`, `secret` (base32), `algorithm`, `digits`, `period`, `display_timeout`, `upn`,
//! `manufacturer`. Rows are typed ([`row`]): reading refuses a corrupt cell, naming its line
//! and column.
//!
//! The file holds seeds: it is created with mode 0600 on Unix. It converts to the Entra CSV
//! or Graph JSON with [`entra::to_entra`] (UPNs from the rows or from a map file).

pub mod entra;
mod row;

pub use entra::{latest, read_upn_map, to_entra, token_record, EntraFormat};
pub use row::HEADER;

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use tokensmith_api::{BurnResult, DeviceKind, SecretString};
use tokensmith_core::otp::Algorithm;
use tokensmith_core::secret::{Encoding, Secret};
use zeroize::Zeroizing;

use crate::error::BridgeError;
use row::Row;

/// One burned credential.
#[derive(Clone, Debug)]
pub struct ResultRecord {
    pub burned_at: i64,
    pub kind: DeviceKind,
    pub serial: String,
    pub model: String,
    pub profile: Option<u8>,
    pub name: Option<String>,
    pub secret: Secret,
    pub algorithm: Algorithm,
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
            kind: o.kind,
            serial: o.serial.clone(),
            model: o.model.clone(),
            profile: o.profile,
            name: o.name.clone(),
            secret: secret.clone(),
            algorithm: o.algorithm,
            digits: o.digits,
            period: o.period,
            display_timeout: o.display_timeout,
            upn: upn.filter(|u| !u.is_empty()),
            manufacturer: match o.kind {
                DeviceKind::Token2 | DeviceKind::Molto2 => "Token2".into(),
                // The maker core's table knows for the detected model (Yubico, Nitrokey).
                DeviceKind::Oath => o
                    .model
                    .parse::<tokensmith_core::caps::Model>()
                    .map(|m| m.caps().manufacturer)
                    .ok()
                    .filter(|m| !m.is_empty())
                    .unwrap_or("OATH")
                    .into(),
            },
        }
    }

    fn row(&self) -> Row {
        Row {
            burned_at: self.burned_at,
            kind: self.kind,
            serial: self.serial.clone(),
            model: self.model.clone(),
            profile: self.profile,
            name: self.name.clone(),
            secret: SecretString::new(self.secret.to_base32().to_string()),
            algorithm: self.algorithm,
            digits: self.digits,
            period: self.period,
            display_timeout: self.display_timeout,
            upn: self.upn.clone(),
            manufacturer: self.manufacturer.clone(),
        }
    }

    /// The row's bytes (CRLF-terminated). Holds the seed: wiped after use.
    fn csv_line(&self) -> Result<Zeroizing<Vec<u8>>, BridgeError> {
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        w.serialize(self.row())
            .map_err(|e| BridgeError::Results(e.to_string()))?;
        Ok(Zeroizing::new(
            w.into_inner()
                .map_err(|e| BridgeError::Results(e.to_string()))?,
        ))
    }

    fn from_row(row: Row, line: u64) -> Result<Self, BridgeError> {
        let secret = Secret::parse(row.secret.as_str(), Encoding::Base32)
            .map_err(|_| {
                BridgeError::Results(format!(
                    "line {line}, column 7 (secret): not a base32 secret"
                ))
            })?
            .secret;
        Ok(ResultRecord {
            burned_at: row.burned_at,
            kind: row.kind,
            serial: row.serial,
            model: row.model,
            profile: row.profile,
            name: row.name,
            secret,
            algorithm: row.algorithm,
            digits: row.digits,
            period: row.period,
            display_timeout: row.display_timeout,
            upn: row.upn,
            manufacturer: row.manufacturer,
        })
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

/// Where a cell is and what it is: "line 3, column 8 (algorithm)".
fn position(line: u64, column: Option<u64>) -> String {
    match column {
        Some(i) => {
            let name = HEADER.split(',').nth(i as usize).unwrap_or("?");
            format!("line {line}, column {} ({name})", i + 1)
        }
        None => format!("line {line}"),
    }
}

/// Read a results file's text. Every cell is checked; the first corrupt one is an error
/// naming its line and column.
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
    for rec in rd.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() + 1);
            BridgeError::Results(format!("{}: {e}", position(line, None)))
        })?;
        // csv counts the lines before a record; people count from 1.
        let line = rec.position().map_or(0, |p| p.line() + 1);
        let row: Row = rec.deserialize(Some(&headers)).map_err(|e| {
            let (column, why) = match (row::locate(&rec), e.kind()) {
                (Some((i, why)), _) => (Some(i as u64), why),
                (None, csv::ErrorKind::Deserialize { err, .. }) => {
                    (err.field(), err.kind().to_string())
                }
                (None, other) => (None, format!("{other:?}")),
            };
            BridgeError::Results(format!("{}: {why}", position(line, column)))
        })?;
        out.push(ResultRecord::from_row(row, line)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn rec(serial: &str, profile: Option<u8>, upn: Option<&str>, secret: &[u8]) -> ResultRecord {
        ResultRecord {
            burned_at: 1_700_000_000,
            kind: DeviceKind::Token2,
            serial: serial.into(),
            model: "C302-i".into(),
            profile,
            name: None,
            secret: Secret::from_bytes(secret.to_vec()).unwrap(),
            algorithm: Algorithm::Sha1,
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
        let map = entra::read_upn_map("serial,upn\n8659632000001,alice@example.com\n").unwrap();
        let csv = entra::to_entra(&rs, &map, EntraFormat::Csv, None).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], tokensmith_core::entra::CSV_HEADER);
        assert_eq!(lines.len(), 3, "re-burn replaces the earlier row: {csv:?}");
        assert!(lines[1].starts_with("bob@example.com,8659632000002,"));
        let reburned = Secret::from_bytes(b"re-burned-seed-0001".to_vec()).unwrap();
        assert!(lines[2].contains(reburned.to_base32().as_str()));
        assert!(lines[2].starts_with("alice@example.com,8659632000001,"));
        // Missing UPN is refused for the CSV.
        assert!(entra::to_entra(&rs, &HashMap::new(), EntraFormat::Csv, None).is_err());
        // A foreign file is refused.
        std::fs::write(dir.join("other.csv"), "a,b\n").unwrap();
        assert!(ResultsFile::open(&dir.join("other.csv")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Issue 14 point 2: a damaged cell is an error naming its line and column, never a
    /// default (today's code exported SHA2X6, MD5 or an empty algorithm as SHA-1, took 99
    /// digits and a period of 0, and let a NUL through in a serial).
    #[test]
    fn corrupt_cells_are_refused_with_their_position() {
        let good = rec(
            "8659632000001",
            None,
            Some("a@example.com"),
            b"12345678901234567890",
        );
        let line = String::from_utf8(good.csv_line().unwrap().to_vec()).unwrap();
        let cells: Vec<&str> = line.trim_end().split(',').collect();
        assert_eq!(cells.len(), 13);
        let file = |column: usize, value: &str| {
            let mut c = cells.clone();
            c[column] = value;
            format!("{HEADER}\r\n{line}{}\r\n", c.join(","))
        };
        // The good row reads back as written.
        let back = read_results(&format!("{HEADER}\r\n{line}")).unwrap();
        assert_eq!(back[0].algorithm, Algorithm::Sha1);
        assert_eq!(back[0].secret.as_bytes(), b"12345678901234567890");
        for (column, value, why) in [
            (7, "SHA2X6", "unknown algorithm"),
            (7, "", "unknown algorithm"),
            (7, "MD5", "unknown algorithm"),
            (8, "99", "99 digits"),
            (9, "0", "period 0"),
            (2, "86596\u{0}32", "control character U+0000"),
            (2, "8659\u{7}632", "control character U+0007"),
            (2, "", "empty serial"),
            (1, "fido", "unknown device kind"),
            (6, "not base32!", "not a base32 secret"),
        ] {
            let err = read_results(&file(column, value)).unwrap_err().to_string();
            let name = HEADER.split(',').nth(column).unwrap();
            let at = format!("line 3, column {} ({name})", column + 1);
            assert!(err.contains(&at), "{value:?}: {err}");
            assert!(err.contains(why), "{value:?}: {err}");
            assert!(
                !err.contains("GEZDGNBV"),
                "the secret is never echoed: {err}"
            );
        }
    }

    /// Found by fuzzing: a Molto2 profile burned again under another title, or a Token2 row
    /// with a name, counted as two tokens (two Entra rows for one serial, which the export
    /// then refused); the burn journal's reading of the same file counts one.
    #[test]
    fn a_reburn_replaces_the_row_whatever_its_title() {
        let mut first = rec("MOLTO2SEED01", Some(4), Some("a@b.c"), b"first seed 1234");
        first.kind = DeviceKind::Molto2;
        first.name = Some("Bank".into());
        let mut again = first.clone();
        again.name = Some("Bank 2".into());
        again.secret = Secret::from_bytes(b"second seed 1234".to_vec()).unwrap();
        let rows = [first.clone(), again];
        let kept = entra::latest(&rows);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].secret.as_bytes(), b"second seed 1234");
        // OATH credentials on one key are told apart by their names.
        let mut alice = first.clone();
        alice.kind = DeviceKind::Oath;
        alice.profile = None;
        alice.name = Some("Example:alice".into());
        let mut bob = alice.clone();
        bob.name = Some("Example:bob".into());
        assert_eq!(entra::latest(&[alice, bob]).len(), 2);
    }

    #[test]
    fn rows_are_written_in_header_order() {
        let r = rec("8659632000002", Some(7), None, b"abcdefghij");
        let line = String::from_utf8(r.csv_line().unwrap().to_vec()).unwrap();
        assert!(line.ends_with("\r\n"));
        let cells: Vec<&str> = line.trim_end().split(',').collect();
        assert_eq!(
            cells[..5],
            ["1700000000", "token2", "8659632000002", "C302-i", "7"]
        );
        assert_eq!(cells[7..], ["SHA1", "6", "30", "30", "", "Token2"]);
    }
}
