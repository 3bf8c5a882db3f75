//! Duo's hardware-token import: the text pasted (or uploaded) in the Admin
//! Panel under 2FA Devices › Hardware Tokens › Import Hardware Tokens.
//!
//! One line per token, no header: `serial,secret-in-hex[,third]`, where the
//! third column is the time step in seconds for TOTP tokens (30 or 60) and
//! the starting counter for HOTP tokens. The form asks for the token type
//! (HOTP or TOTP, 6 or 8 digits) once for the whole upload, so the file
//! cannot mix types and carries neither digits nor a hash algorithm (Duo's
//! OTP tokens are HMAC-SHA-1).
//!
//! Sources: Deepnet Security, "How to Import SafeID Token into Duo" and its
//! programmable-token guide (`[Serial No], [Seed], 30` for 30-second TOTP);
//! Token2, "Using Token2 TOTP hardware tokens with Duo" (seeds in hex, token
//! type chosen in the form); Duo Admin API `POST /admin/v1/tokens` (serial,
//! hex secret, HOTP counter). Duo's own import page was not in the searchable
//! corpus: the column list above is the one those vendor guides agree on.

use zeroize::Zeroizing;

use super::check::Checks;
use super::{
    csv_token, read_rows, refuse_errors, serial_and_seed, step_or_counter, write_rows, FormatError,
    OathToken,
};
use crate::entra::{Field, Issue};
use crate::otp::Algorithm;
use crate::otpauth::Kind;

/// The choice Duo's import form asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DuoTokenType {
    Hotp6,
    Hotp8,
    #[default]
    Totp6,
    Totp8,
}

impl DuoTokenType {
    pub const ALL: [DuoTokenType; 4] = [
        DuoTokenType::Hotp6,
        DuoTokenType::Hotp8,
        DuoTokenType::Totp6,
        DuoTokenType::Totp8,
    ];

    /// As Duo's form labels it.
    pub fn label(self) -> &'static str {
        match self {
            DuoTokenType::Hotp6 => "HOTP 6-digit",
            DuoTokenType::Hotp8 => "HOTP 8-digit",
            DuoTokenType::Totp6 => "TOTP 6-digit",
            DuoTokenType::Totp8 => "TOTP 8-digit",
        }
    }

    pub fn digits(self) -> u8 {
        match self {
            DuoTokenType::Hotp6 | DuoTokenType::Totp6 => 6,
            DuoTokenType::Hotp8 | DuoTokenType::Totp8 => 8,
        }
    }

    pub fn is_totp(self) -> bool {
        matches!(self, DuoTokenType::Totp6 | DuoTokenType::Totp8)
    }

    /// The type a token is in Duo's form, if Duo has it (6 or 8 digits).
    pub fn of(token: &OathToken) -> Option<DuoTokenType> {
        match (token.is_totp(), token.digits) {
            (false, 6) => Some(DuoTokenType::Hotp6),
            (false, 8) => Some(DuoTokenType::Hotp8),
            (true, 6) => Some(DuoTokenType::Totp6),
            (true, 8) => Some(DuoTokenType::Totp8),
            _ => None,
        }
    }
}

/// The file, and the type to pick in Duo's form when importing it.
#[derive(Debug)]
pub struct DuoExport {
    pub csv: Zeroizing<String>,
    pub token_type: DuoTokenType,
}

pub(super) fn issues(tokens: &[OathToken]) -> Vec<Issue> {
    let mut checks = Checks::default();
    checks.basics(tokens, true);
    checks.unique_serials(tokens, "Duo");
    let first_type = tokens.first().and_then(DuoTokenType::of);
    for (row, t) in tokens.iter().enumerate() {
        let r = &t.record;
        if r.serial.contains([',', '"', '\n', '\r']) {
            checks.error(
                row,
                Field::Serial,
                "the serial contains a comma, quote or line break, which Duo's import would split"
                    .into(),
            );
        }
        if r.serial.starts_with('#') {
            checks.error(
                row,
                Field::Serial,
                "the serial starts with '#': its line would be read as a comment and the token skipped"
                    .into(),
            );
        }
        if r.algorithm != Algorithm::Sha1 {
            checks.error(
                row,
                Field::Algorithm,
                format!(
                    "{} tokens cannot be imported into Duo, whose OTP hardware tokens are HMAC-SHA-1",
                    r.algorithm.human()
                ),
            );
        }
        match DuoTokenType::of(t) {
            None => checks.error(
                row,
                Field::Digits,
                format!(
                    "Duo imports 6- or 8-digit tokens only, not {} digits",
                    t.digits
                ),
            ),
            Some(ty) if Some(ty) != first_type && first_type.is_some() => checks.error(
                row,
                if ty.digits() == first_type.map_or(0, DuoTokenType::digits) {
                    Field::Kind
                } else {
                    Field::Digits
                },
                format!(
                    "this is a {} token but row 1 is {}: Duo imports one token type per upload, so export them separately",
                    ty.label(),
                    first_type.map_or("", DuoTokenType::label)
                ),
            ),
            Some(_) => {}
        }
        if t.is_totp() && r.interval != 30 && r.interval != 60 {
            checks.error(
                row,
                Field::Interval,
                format!(
                    "Duo's TOTP tokens step every 30 or 60 s, not {} s",
                    r.interval
                ),
            );
        }
        if !r.upn.is_empty() {
            checks.warn(
                row,
                Field::Upn,
                "Duo's file has no user column: attach the token to the user in Duo after the import".into(),
            );
        }
    }
    checks.into_issues()
}

/// Refuses what Duo would reject or misread (see [`super::check`]).
pub fn write(tokens: &[OathToken]) -> Result<DuoExport, FormatError> {
    refuse_errors(issues(tokens))?;
    let token_type = tokens
        .first()
        .and_then(DuoTokenType::of)
        .ok_or(FormatError::Empty("there are no tokens to export"))?;
    let rows: Vec<Vec<Zeroizing<String>>> = tokens
        .iter()
        .map(|t| {
            let third = match t.kind {
                Kind::Totp => t.record.interval.to_string(),
                Kind::Hotp { counter } => counter.to_string(),
            };
            vec![
                Zeroizing::new(t.record.serial.trim().to_string()),
                t.record.secret.to_hex(),
                Zeroizing::new(third),
            ]
        })
        .collect();
    Ok(DuoExport {
        csv: write_rows(&rows)?,
        token_type,
    })
}

/// Reads what [`write`] writes (and what vendors send for Duo), for the type
/// chosen the way Duo's form asks for it.
pub fn read(input: &str, token_type: DuoTokenType) -> Result<Vec<OathToken>, FormatError> {
    read_rows(input)?
        .into_iter()
        .map(|(line, row)| {
            if row.len() > 3 {
                return Err(FormatError::Line {
                    line,
                    message: format!(
                        "the line has {} columns; Duo's format has 3: serial, hex secret, time step or counter",
                        row.len()
                    ),
                });
            }
            let (serial, secret) = serial_and_seed(&row, line, "secret")?;
            let third = step_or_counter(row.get(2).unwrap_or_default(), token_type.is_totp(), line)?;
            Ok(csv_token(serial, secret, third, Algorithm::Sha1, token_type.digits()))
        })
        .collect()
}
