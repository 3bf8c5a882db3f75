//! The burned tokens read back for export: from a burn journal (every state, through its
//! restore) or from an old results CSV (read by the journal crate, every cell checked — a
//! damaged cell is an error naming its line and column, never a default).
//!
//! Only a token whose new seed is certainly in it is a row: verified, or written and
//! acknowledged but not verified (listed in [`Loaded::unverified`]). A token that may hold the
//! seed, holds settings without one, or failed its check is in [`Loaded::attention`], never
//! exported and never dropped. Rows convert to every export format with [`entra::export`]
//! (UPNs from the journal or from a map file).

pub mod entra;

pub use entra::{
    export, holds_hotp, latest, left_out, read_upn_map, to_tokens, token_record, LeftOut,
};

use std::path::Path;

use tokensmith_api::{DeviceKind, JournalEntry};
use tokensmith_burn_journal::{self as bj, Contents, Kind, Passphrase, Restored, Source};
use tokensmith_core::otp::Algorithm;
use tokensmith_core::otpauth::Kind as OtpKind;
use tokensmith_core::secret::Secret;

use crate::error::BridgeError;

/// One burned credential, as exports take it.
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
    /// TOTP, or an OATH HOTP credential from its initial counter: Entra's formats leave HOTP
    /// out (Entra takes TOTP tokens only); PSKC, the OATH CSV and otpauth links carry it.
    pub otp_kind: OtpKind,
}

impl ResultRecord {
    pub fn from_restored(r: &Restored<'_>) -> Self {
        let i = &r.attempt.intent;
        let t = &i.target;
        ResultRecord {
            burned_at: r.attempt.at,
            kind: match t.kind {
                Kind::Token2 => DeviceKind::Token2,
                Kind::Molto2 => DeviceKind::Molto2,
                Kind::Oath => DeviceKind::Oath,
            },
            serial: t.serial.clone(),
            model: t.model.clone(),
            profile: t.profile,
            name: t.credential.clone().or_else(|| i.title.clone()),
            secret: i.seed.clone(),
            algorithm: i.params.algorithm,
            digits: i.params.digits,
            period: i.params.period,
            display_timeout: i.params.display_timeout,
            upn: i.upn.clone(),
            manufacturer: t
                .manufacturer
                .clone()
                .unwrap_or_else(|| t.kind.default_manufacturer().to_string()),
            otp_kind: i.params.otp_kind(),
        }
    }
}

/// A journal or an old results file, read.
#[derive(Debug)]
pub struct Loaded {
    /// The exportable tokens, one per serial (and profile or credential).
    pub rows: Vec<ResultRecord>,
    /// Rows whose code nobody has checked yet (serial, profile).
    pub unverified: Vec<JournalEntry>,
    /// Tokens to look at before they can be handed out: never exported.
    pub attention: Vec<JournalEntry>,
    /// Where it came from: an old plain CSV, a plain-text journal, an encrypted one.
    pub source: Source,
    /// An incomplete last record (a crash mid-write), set aside.
    pub torn_tail: Option<bj::TornTail>,
    /// Permission bits when others may read the file.
    pub wide_permissions: Option<u32>,
}

impl Loaded {
    /// What the tokens' codes are compared with at `now` (UTC seconds).
    pub fn from_contents(c: Contents, now: i64) -> Self {
        let restore = c.fold.restore();
        let rows = restore
            .exportable()
            .map(ResultRecord::from_restored)
            .collect();
        let entry =
            |r: &Restored<'_>| crate::journal::entry_of(r.attempt, r.earlier.is_some(), now);
        let unverified = restore
            .exportable()
            .filter(|r| r.state == bj::TokenState::SeedWrittenNotVerified)
            .map(entry)
            .collect();
        let attention = restore.attention().map(entry).collect();
        Loaded {
            rows,
            unverified,
            attention,
            source: c.source.clone(),
            torn_tail: c.torn_tail,
            wide_permissions: c.wide_permissions,
        }
    }
}

/// Read a journal (`passphrase` for an encrypted one) or an old results CSV.
pub fn load(path: &Path, passphrase: Option<&Passphrase>, now: i64) -> Result<Loaded, BridgeError> {
    let contents = bj::read_file(path, passphrase).map_err(|e| match e {
        bj::Error::PassphraseRequired => BridgeError::Results(format!(
            "{}: the journal is encrypted: give its passphrase with --passphrase-file F (or run on a terminal to be asked)",
            path.display()
        )),
        e => BridgeError::Results(format!("{}: {e}", path.display())),
    })?;
    Ok(Loaded::from_contents(contents, now))
}

/// The file is an encrypted journal: reading it needs the passphrase (no scrypt is run to
/// find out).
pub fn needs_passphrase(path: &Path) -> bool {
    matches!(
        bj::read_file(path, None),
        Err(bj::Error::PassphraseRequired)
    )
}

#[cfg(test)]
mod tests;
