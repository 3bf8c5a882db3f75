//! The OATH CSV that privacyIDEA (Tokens › Import › "OATH CSV", and
//! `pi-manage token import`) and LinOTP import.
//!
//! One line per token, no header, `#` starts a comment:
//! `serial, seed-in-hex, type, otp length, time step` for TOTP and
//! `serial, seed-in-hex, type, otp length, counter` for HOTP. privacyIDEA
//! infers the hash from the seed's length (a 32-byte seed is SHA-256);
//! LinOTP also reads an optional sixth column `sha1|sha256|sha512`. This
//! writer adds that column exactly when the length rule would guess wrong,
//! and warns that privacyIDEA then ignores it.
//!
//! Sources: privacyIDEA documentation, "Import › OATH CSV"
//! (privacyidea.readthedocs.io, `workflows_and_tools/import`); LinOTP API
//! documentation, `linotp.lib.ImportOTP.oath.parseOATHcsv`
//! (linotp.org/doc/api); NetIQ Advanced Authentication, "CSV File Format to
//! Import the OATH Compliant Tokens" (the same five columns).

use zeroize::Zeroizing;

use super::check::Checks;
use super::{
    csv_token, number, read_rows, refuse_errors, serial_and_seed, step_or_counter, write_rows,
    FormatError, OathToken,
};
use crate::entra::{Field, Issue};
use crate::otp::Algorithm;
use crate::otpauth::Kind;

/// The hash privacyIDEA and LinOTP assume when the line does not say.
fn inferred(seed_len: usize) -> Algorithm {
    match seed_len {
        32 => Algorithm::Sha256,
        64 => Algorithm::Sha512,
        _ => Algorithm::Sha1,
    }
}

fn hash_name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::Sha1 => "sha1",
        Algorithm::Sha256 => "sha256",
        Algorithm::Sha512 => "sha512",
    }
}

pub(super) fn issues(tokens: &[OathToken]) -> Vec<Issue> {
    let mut checks = Checks::default();
    checks.basics(tokens, true);
    checks.unique_serials(tokens, "privacyIDEA");
    for (row, t) in tokens.iter().enumerate() {
        let r = &t.record;
        if r.serial.contains([',', '"', '\n', '\r', '#']) {
            checks.error(
                row,
                Field::Serial,
                "the serial contains a comma, quote, '#' or line break, which privacyIDEA's import would split".into(),
            );
        }
        if inferred(r.secret.len()) != r.algorithm {
            checks.warn(
                row,
                Field::Algorithm,
                format!(
                    "privacyIDEA infers the hash from the seed length and would take this {}-byte seed as {}; the line names {} in LinOTP's sixth column, which privacyIDEA ignores: use PSKC for privacyIDEA",
                    r.secret.len(),
                    inferred(r.secret.len()).human(),
                    r.algorithm.human()
                ),
            );
        }
        if !r.upn.is_empty() {
            checks.warn(
                row,
                Field::Upn,
                "the OATH CSV has no user column: assign the token in privacyIDEA after the import"
                    .into(),
            );
        }
    }
    checks.into_issues()
}

pub fn write(tokens: &[OathToken]) -> Result<Zeroizing<String>, FormatError> {
    refuse_errors(issues(tokens))?;
    let rows: Vec<Vec<Zeroizing<String>>> = tokens
        .iter()
        .map(|t| {
            let r = &t.record;
            let (kind, last) = match t.kind {
                Kind::Totp => ("totp", r.interval.to_string()),
                Kind::Hotp { counter } => ("hotp", counter.to_string()),
            };
            let mut cells = vec![
                Zeroizing::new(r.serial.trim().to_string()),
                r.secret.to_hex(),
                Zeroizing::new(kind.to_string()),
                Zeroizing::new(t.digits.to_string()),
                Zeroizing::new(last),
            ];
            if inferred(r.secret.len()) != r.algorithm {
                cells.push(Zeroizing::new(hash_name(r.algorithm).to_string()));
            }
            cells
        })
        .collect();
    write_rows(&rows)
}

/// Reads privacyIDEA/LinOTP OATH CSV lines (TOTP and HOTP; OCRA and TAN
/// lines are refused by name).
pub fn read(input: &str) -> Result<Vec<OathToken>, FormatError> {
    read_rows(input)?
        .into_iter()
        .map(|(line, row)| {
            let cell = |i: usize| row.get(i).unwrap_or_default();
            let (serial, secret) = serial_and_seed(&row, line, "seed")?;
            let kind_text = cell(2).to_ascii_lowercase();
            let totp = match kind_text.as_str() {
                "totp" => true,
                "" | "hotp" => false,
                other => {
                    return Err(FormatError::Cell {
                        line,
                        column: "type",
                        message: format!(
                            "'{}' tokens cannot be imported: Tokensmith reads HOTP and TOTP lines",
                            crate::echo::echo(other)
                        ),
                    })
                }
            };
            let digits = match cell(3) {
                "" => 6,
                d => number::<u8>(d, line, "otp length", "the code length is usually 6 or 8")?,
            };
            if !super::digits_supported(digits) {
                return Err(FormatError::Cell {
                    line,
                    column: "otp length",
                    message: format!("{digits} digits is not a code length tokens use (4–10)"),
                });
            }
            let step = step_or_counter(cell(4), totp, line)?;
            let algorithm = match cell(5).to_ascii_lowercase().as_str() {
                "" => inferred(secret.len()),
                "sha1" => Algorithm::Sha1,
                "sha256" => Algorithm::Sha256,
                "sha512" => Algorithm::Sha512,
                other => {
                    return Err(FormatError::Cell {
                        line,
                        column: "hash",
                        message: format!(
                            "'{}' is not a hash these tokens use: sha1, sha256 or sha512",
                            crate::echo::echo(other)
                        ),
                    })
                }
            };
            Ok(csv_token(serial, secret, step, algorithm, digits))
        })
        .collect()
}
