//! `results-to-csv`: a burn journal or an old results file (and an optional UPN map) to any
//! export format — the Entra
//! CSV, Graph JSON, PSKC, Duo or OATH CSV, otpauth links — plain or OpenPGP-encrypted.

use std::path::Path;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use tokensmith_core::formats::{pskc, ExportFormat, ExportOptions};
use tokensmith_seal::{Output, Recipient};
use zeroize::Zeroizing;

use super::ResultsArgs;
use crate::error::BridgeError;
use crate::results;

/// The names `--format` took before there were other formats; they still work.
const OLD_NAMES: [(&str, ExportFormat); 2] = [
    ("csv", ExportFormat::EntraCsv),
    ("graph", ExportFormat::GraphJson),
];

/// `--format`: core's format ids, each with what it is for.
pub fn format_parser() -> impl TypedValueParser<Value = ExportFormat> {
    PossibleValuesParser::new(ExportFormat::ALL.map(|f| {
        let value = PossibleValue::new(f.id()).help(f.purpose());
        match OLD_NAMES.iter().find(|(_, g)| *g == f) {
            Some((old, _)) => value.alias(old),
            None => value,
        }
    }))
    .map(|id| {
        ExportFormat::from_id(&id)
            .or_else(|| OLD_NAMES.iter().find(|(old, _)| *old == id).map(|o| o.1))
            .expect("clap accepts only core's format ids and their old names")
    })
}

pub fn results_to_csv(a: &ResultsArgs) -> Result<(), BridgeError> {
    let path = &a.results_file;
    let passphrase = if results::needs_passphrase(path) {
        crate::journal::passphrase(a.passphrase_file.as_deref(), false)?
    } else {
        None
    };
    let loaded = results::load(path, passphrase.as_ref(), crate::device::now())?;
    tell_about(a, &loaded);
    let recs = &loaded.rows;
    let map = match &a.upn_map {
        Some(p) => results::read_upn_map(
            &std::fs::read_to_string(p)
                .map_err(|e| BridgeError::BadInput(format!("{}: {e}", p.display())))?,
        )?,
        None => Default::default(),
    };
    // Keys first: a refused recipient must stop the run before anything is written.
    let recipients = read_recipients(a)?;
    let psk = read_pskc_key(a)?;
    let password = read_pskc_password(a)?;
    let protection = match (&psk, &password) {
        (Some(key), _) => pskc::Protection::PresharedKey {
            key,
            key_name: &a.pskc_key_name,
        },
        (None, Some(password)) => pskc::Protection::Password {
            password,
            key_name: &a.pskc_key_name,
            iterations: pskc::DEFAULT_ITERATIONS,
        },
        (None, None) => pskc::Protection::Plain,
    };
    if let Some(left) = results::left_out(recs, a.format) {
        eprintln!("note: {left}");
    }
    let (out, count) = results::export(
        recs,
        &map,
        a.format,
        a.manufacturer.as_deref(),
        &ExportOptions { pskc: protection },
    )?;
    let bytes: Zeroizing<Vec<u8>> = if recipients.is_empty() {
        Zeroizing::new(out.as_bytes().to_vec())
    } else {
        let binary = a
            .out
            .as_deref()
            .and_then(Path::extension)
            .is_some_and(|e| e.eq_ignore_ascii_case("gpg"));
        let inner_name = inner_file_name(a);
        let output = if binary {
            Output::Binary
        } else {
            Output::Armored
        };
        Zeroizing::new(
            tokensmith_seal::encrypt(out.as_bytes(), &inner_name, &recipients, output)
                .map_err(|e| BridgeError::BadInput(e.to_string()))?,
        )
    };
    match &a.out {
        Some(p) => {
            write_private(p, &bytes)?;
            let how = if recipients.is_empty() {
                String::new()
            } else {
                format!(", encrypted to {} key(s)", recipients.len())
            };
            eprintln!(
                "wrote {} ({}, {count} token(s){how})",
                p.display(),
                a.format.name()
            );
        }
        None => {
            use std::io::Write;
            std::io::stdout()
                .write_all(&bytes)
                .map_err(|e| BridgeError::Results(format!("stdout: {e}")))?;
        }
    }
    if loaded.attention.is_empty() {
        Ok(())
    } else {
        Err(BridgeError::Incomplete(format!(
            "{} token(s) need attention (listed above) and are not in the export: check each, \
             burn it again or record it, then run results-to-csv again",
            loaded.attention.len()
        )))
    }
}

/// What the admin must know about the file besides the export: where it came from, the
/// tokens not checked yet, those that need a look (never exported).
fn tell_about(a: &ResultsArgs, l: &results::Loaded) {
    use tokensmith_burn_journal::{ProtectionKind, Source};
    let path = a.results_file.display();
    match &l.source {
        Source::LegacyResultsCsv => eprintln!(
            "note: {path} is an old-style results CSV (plain text): every row reads as \
             \"seed written, not verified\""
        ),
        Source::Journal(h) if h.protection == ProtectionKind::Plaintext => {
            if a.passphrase_file.is_some() {
                eprintln!(
                    "warning: {path} is a plain-text journal (as chosen when it was created): \
                     the passphrase was not needed, and its seeds are readable by whoever can read the file"
                );
            }
        }
        Source::Journal(_) => {}
    }
    if let Some(t) = l.torn_tail {
        eprintln!(
            "note: line {} ({} bytes) is an incomplete record cut by a crash: ignored",
            t.line, t.bytes
        );
    }
    if let Some(mode) = l.wide_permissions {
        eprintln!("warning: {path} is readable by others (mode {mode:o}): chmod 600 it");
    }
    // Only the tokens in this export (Entra's formats leave HOTP credentials out).
    let unverified: Vec<_> = l
        .unverified
        .iter()
        .filter(|e| e.hotp_counter.is_none() || results::holds_hotp(a.format))
        .collect();
    if !unverified.is_empty() {
        eprintln!(
            "{} exported token(s) not verified yet (compare the code each shows):",
            unverified.len()
        );
        for e in unverified {
            eprintln!("  {}", crate::journal::describe(e));
        }
    }
    if !l.attention.is_empty() {
        eprintln!(
            "NEEDS ATTENTION — {} token(s) not exported:",
            l.attention.len()
        );
        for e in &l.attention {
            eprintln!("  {}", crate::journal::describe(e));
        }
    }
}

/// The name inside the OpenPGP message, which `gpg --decrypt` offers: the output's name
/// without `.asc`/`.gpg`, else `tokens.<extension>`.
fn inner_file_name(a: &ResultsArgs) -> String {
    a.out
        .as_deref()
        .and_then(|p| {
            let stem_or_name = match p.extension().and_then(|e| e.to_str()) {
                Some(e) if e.eq_ignore_ascii_case("asc") || e.eq_ignore_ascii_case("gpg") => {
                    p.file_stem()
                }
                _ => p.file_name(),
            };
            stem_or_name.and_then(|n| n.to_str()).map(str::to_string)
        })
        .unwrap_or_else(|| format!("tokens.{}", a.format.extension()))
}

/// Every `--encrypt-to` key, described on stderr for the admin to check; an expired, revoked or
/// sign-only key stops the run with its reason.
fn read_recipients(a: &ResultsArgs) -> Result<Vec<Recipient>, BridgeError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut all = Vec::new();
    for path in &a.encrypt_to {
        let bytes = std::fs::read(path)
            .map_err(|e| BridgeError::BadInput(format!("{}: {e}", path.display())))?;
        let keys = tokensmith_seal::read_keys(&bytes, now)
            .map_err(|e| BridgeError::BadInput(format!("{}: {e}", path.display())))?;
        for key in keys {
            let info = key.info();
            key.check()
                .map_err(|e| BridgeError::BadInput(format!("{}: {e}", path.display())))?;
            let expires = info.expires.map_or("does not expire".to_string(), |t| {
                format!("expires {}", tokensmith_seal::ymd(t))
            });
            eprintln!(
                "encrypting to {} — {}, {}, {expires}",
                info.fingerprint_grouped(),
                info.user_ids.first().map_or("(no user ID)", String::as_str),
                info.algorithm,
            );
            all.push(key);
        }
    }
    Ok(all)
}

fn read_pskc_key(a: &ResultsArgs) -> Result<Option<pskc::PresharedKey>, BridgeError> {
    let Some(path) = &a.pskc_key_file else {
        return Ok(None);
    };
    pskc_only(a, "--pskc-key-file")?;
    let text = read_text(path)?;
    pskc::PresharedKey::from_hex(text.trim())
        .map(Some)
        .map_err(|e| BridgeError::BadInput(format!("{}: {e}", path.display())))
}

fn read_pskc_password(a: &ResultsArgs) -> Result<Option<Zeroizing<String>>, BridgeError> {
    let Some(path) = &a.pskc_password_file else {
        return Ok(None);
    };
    pskc_only(a, "--pskc-password-file")?;
    let text = read_text(path)?;
    let password = Zeroizing::new(text.trim_end_matches(['\r', '\n']).to_string());
    if password.is_empty() {
        return Err(BridgeError::BadInput(format!(
            "{}: the PSKC password file is empty",
            path.display()
        )));
    }
    Ok(Some(password))
}

fn pskc_only(a: &ResultsArgs, flag: &str) -> Result<(), BridgeError> {
    if a.format == ExportFormat::Pskc {
        Ok(())
    } else {
        Err(BridgeError::BadInput(format!(
            "{flag} protects PSKC files only: add --format pskc, or use --encrypt-to for {}",
            a.format.name()
        )))
    }
}

fn read_text(path: &Path) -> Result<Zeroizing<String>, BridgeError> {
    std::fs::read_to_string(path)
        .map(Zeroizing::new)
        .map_err(|e| BridgeError::BadInput(format!("{}: {e}", path.display())))
}

/// Write a file only its owner may read: created 0600, an existing one tightened to 0600
/// before anything is written, never through a symbolic link (it could point anywhere).
fn write_private(p: &Path, data: &[u8]) -> Result<(), BridgeError> {
    use std::io::Write;
    let err = |e: std::io::Error| BridgeError::Results(format!("{}: {e}", p.display()));
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    }
    let mut f = o.open(p).map_err(|e| {
        if std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink()) {
            BridgeError::BadInput(format!(
                "{} is a symbolic link: outputs are never written through one (give the real path)",
                p.display()
            ))
        } else {
            err(e)
        }
    })?;
    let meta = f.metadata().map_err(err)?;
    if !meta.is_file() {
        return Err(BridgeError::BadInput(format!(
            "{} is not a regular file",
            p.display()
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            f.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(err)?;
            eprintln!("note: {} was readable by others: now 0600", p.display());
        }
    }
    f.set_len(0)
        .and_then(|_| f.write_all(data))
        .and_then(|_| f.sync_all())
        .map_err(err)
}
