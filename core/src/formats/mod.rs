//! The exchange formats: every file a token inventory can be exported to,
//! one module per format, and [`ExportFormat`], the one list of them that
//! the page's export menu and the CLI's `--format` are built from.
//!
//! Entra's own two formats stay in [`crate::entra`] (they carry Entra's
//! rules); the others carry more than Entra does — the code length and
//! TOTP/HOTP — so they work on [`OathToken`], an Entra record plus those.
//! Every writer refuses to produce a file the target would misread (the
//! problems come back as [`Issue`]s naming the row), and every reader says
//! which line, column or element is wrong.

mod check;
mod detect;
pub mod duo;
pub mod oath_csv;
pub mod otpauth_list;
pub mod pskc;

use std::fmt;

use zeroize::Zeroizing;

use crate::entra::{self, Issue, Severity, TokenRecord};
use crate::otp::{Algorithm, MAX_DIGITS, MIN_DIGITS};
use crate::otpauth::Kind;

pub use check::check;
pub use detect::detect;

/// A token as the exchange formats describe it: the Entra record plus what
/// Entra's formats leave out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OathToken {
    pub record: TokenRecord,
    /// Code length (4–10; hardware tokens show 6 or 8).
    pub digits: u8,
    /// TOTP steps by `record.interval`; HOTP carries its counter instead and
    /// `record.interval` is then meaningless.
    pub kind: Kind,
}

/// Entra accepts only 6-digit TOTP tokens, so that is what a record is.
impl From<TokenRecord> for OathToken {
    fn from(record: TokenRecord) -> OathToken {
        OathToken {
            record,
            digits: 6,
            kind: Kind::Totp,
        }
    }
}

impl OathToken {
    pub fn algorithm(&self) -> Algorithm {
        self.record.algorithm
    }

    pub fn is_totp(&self) -> bool {
        self.kind == Kind::Totp
    }
}

/// Every format Tokensmith writes. The order is the menu's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    EntraCsv,
    GraphJson,
    Pskc,
    DuoCsv,
    OathCsv,
    OtpauthList,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 6] = [
        ExportFormat::EntraCsv,
        ExportFormat::GraphJson,
        ExportFormat::Pskc,
        ExportFormat::DuoCsv,
        ExportFormat::OathCsv,
        ExportFormat::OtpauthList,
    ];

    /// The stable identifier (`--format` value, element ids, stored choices).
    pub fn id(self) -> &'static str {
        match self {
            ExportFormat::EntraCsv => "entra-csv",
            ExportFormat::GraphJson => "graph-json",
            ExportFormat::Pskc => "pskc",
            ExportFormat::DuoCsv => "duo-csv",
            ExportFormat::OathCsv => "oath-csv",
            ExportFormat::OtpauthList => "otpauth",
        }
    }

    pub fn from_id(id: &str) -> Option<ExportFormat> {
        let id = id.trim();
        ExportFormat::ALL
            .into_iter()
            .find(|f| f.id().eq_ignore_ascii_case(id))
    }

    /// What a person calls it.
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::EntraCsv => "Entra ID CSV",
            ExportFormat::GraphJson => "Microsoft Graph JSON",
            ExportFormat::Pskc => "PSKC (RFC 6030)",
            ExportFormat::DuoCsv => "Duo hardware-token CSV",
            ExportFormat::OathCsv => "privacyIDEA / LinOTP OATH CSV",
            ExportFormat::OtpauthList => "otpauth:// links",
        }
    }

    /// Without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::EntraCsv | ExportFormat::DuoCsv | ExportFormat::OathCsv => "csv",
            ExportFormat::GraphJson => "json",
            ExportFormat::Pskc => "xml",
            ExportFormat::OtpauthList => "txt",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            ExportFormat::EntraCsv | ExportFormat::DuoCsv | ExportFormat::OathCsv => "text/csv",
            ExportFormat::GraphJson => "application/json",
            // Registered by RFC 6030 §12.2.
            ExportFormat::Pskc => "application/pskc+xml",
            ExportFormat::OtpauthList => "text/plain",
        }
    }

    /// One sentence: what the file is for and who imports it.
    pub fn purpose(self) -> &'static str {
        match self {
            ExportFormat::EntraCsv => {
                "Upload in the Entra admin center (Protection › Authentication methods › Hardware OATH tokens); 6-digit SHA-1 TOTP, 30 or 60 s."
            }
            ExportFormat::GraphJson => {
                "Body for Microsoft Graph's hardwareOathDevices bulk upload; also takes SHA-256 tokens and unassigned ones."
            }
            ExportFormat::Pskc => {
                "The standard seed file (RFC 6030) that privacyIDEA, FreeIPA, NetIQ and DigitalPersona import; plain or encrypted with a pre-shared key or a password."
            }
            ExportFormat::DuoCsv => {
                "Paste into Duo's Import Hardware Tokens form (serial, hex seed, time step or counter); one token type per upload."
            }
            ExportFormat::OathCsv => {
                "privacyIDEA's and LinOTP's OATH CSV import: serial, hex seed, type, digits, time step (counter for HOTP)."
            }
            ExportFormat::OtpauthList => {
                "One otpauth:// link per line, for moving the seeds into authenticator apps or password managers."
            }
        }
    }

    /// Whether the inventory reads this format back.
    pub fn importable(self) -> bool {
        !matches!(self, ExportFormat::GraphJson | ExportFormat::OtpauthList)
    }
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a file could not be written or read. Messages never contain a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("{} problem(s) must be fixed first; the first: {}", .0.len(), entra::first_message(.0))]
    Invalid(Vec<Issue>),
    #[error("the file is empty: {0}")]
    Empty(&'static str),
    #[error("line {line}, column '{column}': {message}")]
    Cell {
        line: u64,
        column: &'static str,
        message: String,
    },
    #[error("line {line}: {message}")]
    Line { line: u64, message: String },
    #[error("not valid XML (line {line}): {message}")]
    Xml { line: u64, message: String },
    #[error("{}{element}: {message}", package_prefix(*.package, .serial.as_deref()))]
    Pskc {
        /// 1-based KeyPackage number; `None` for container-level elements.
        package: Option<usize>,
        serial: Option<String>,
        element: String,
        message: String,
    },
    #[error("{0}")]
    Locked(pskc::Lock),
    #[error("{0}")]
    WrongKey(String),
    #[error("could not write the file: {0}")]
    Write(String),
}

fn package_prefix(package: Option<usize>, serial: Option<&str>) -> String {
    match (package, serial) {
        (Some(n), Some(s)) => format!(
            "KeyPackage {n} (serial '{}'), element ",
            crate::echo::echo(s)
        ),
        (Some(n), None) => format!("KeyPackage {n}, element "),
        (None, _) => "element ".into(),
    }
}

/// Fails with every error-level issue, so a writer produces nothing the
/// target would reject or misread.
fn refuse_errors(issues: Vec<Issue>) -> Result<(), FormatError> {
    let errors: Vec<Issue> = issues
        .into_iter()
        .filter(|i| i.severity == Severity::Error)
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(FormatError::Invalid(errors))
    }
}

/// What an export needs beyond the tokens (only PSKC has options).
#[derive(Debug, Clone, Copy, Default)]
pub struct ExportOptions<'a> {
    pub pskc: pskc::Protection<'a>,
}

/// One entry point for every format: the page's menu and the CLI call this.
pub fn export(
    format: ExportFormat,
    tokens: &[OathToken],
    options: &ExportOptions<'_>,
) -> Result<Zeroizing<String>, FormatError> {
    match format {
        ExportFormat::EntraCsv | ExportFormat::GraphJson => {
            refuse_errors(check(format, tokens))?;
            let records: Vec<TokenRecord> = tokens.iter().map(|t| t.record.clone()).collect();
            let written = if format == ExportFormat::EntraCsv {
                entra::write_csv(&records)
            } else {
                entra::graph_bulk_json(&records)
            };
            written.map_err(|e| match e {
                entra::EntraError::Invalid(issues) => FormatError::Invalid(issues),
                other => FormatError::Write(other.to_string()),
            })
        }
        ExportFormat::Pskc => pskc::write(tokens, options.pskc),
        ExportFormat::DuoCsv => duo::write(tokens).map(|d| d.csv),
        ExportFormat::OathCsv => oath_csv::write(tokens),
        ExportFormat::OtpauthList => otpauth_list::write(tokens),
    }
}

/// What an import needs beyond the text.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions<'a> {
    pub pskc: pskc::Unlock<'a>,
    /// Duo's CSV does not say; Duo's form asks, and so does the import.
    pub duo: duo::DuoTokenType,
}

/// Reads any importable format back into tokens. Validation against a target
/// (e.g. Entra's rules) is the caller's next step, as for the Entra CSV.
pub fn import(
    format: ExportFormat,
    input: &str,
    options: &ImportOptions<'_>,
) -> Result<Vec<OathToken>, FormatError> {
    match format {
        ExportFormat::EntraCsv => entra::read_csv(input)
            .map(|records| records.into_iter().map(OathToken::from).collect())
            .map_err(|e| match e {
                entra::EntraError::Cell {
                    line,
                    column,
                    message,
                } => FormatError::Cell {
                    line,
                    column,
                    message,
                },
                entra::EntraError::Line { line, message } => FormatError::Line { line, message },
                other => FormatError::Line {
                    line: 1,
                    message: other.to_string(),
                },
            }),
        ExportFormat::Pskc => pskc::read(input, options.pskc),
        ExportFormat::DuoCsv => duo::read(input, options.duo),
        ExportFormat::OathCsv => oath_csv::read(input),
        ExportFormat::GraphJson | ExportFormat::OtpauthList => Err(FormatError::Line {
            line: 1,
            message: format!(
                "{} is export-only; import the Entra CSV or PSKC file instead (otpauth links go in the import panel)",
                format.name()
            ),
        }),
    }
}

/// Codes of this length can be shown by some token or app.
fn digits_supported(digits: u8) -> bool {
    (MIN_DIGITS..=MAX_DIGITS).contains(&digits)
}

/// Writes headerless CSV rows (LF line ends) into one pre-sized buffer, so
/// the secrets in it are not left behind in reallocated copies.
fn write_rows(rows: &[Vec<Zeroizing<String>>]) -> Result<Zeroizing<String>, FormatError> {
    let capacity = 16
        + rows
            .iter()
            .map(|r| r.iter().map(|c| 2 * c.len() + 3).sum::<usize>())
            .sum::<usize>();
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(Vec::with_capacity(capacity));
    for row in rows {
        w.write_record(row.iter().map(|c| c.as_bytes()))
            .map_err(|e| FormatError::Write(e.to_string()))?;
    }
    let bytes = Zeroizing::new(
        w.into_inner()
            .map_err(|e| FormatError::Write(e.to_string()))?,
    );
    let text = std::str::from_utf8(&bytes).map_err(|e| FormatError::Write(e.to_string()))?;
    Ok(Zeroizing::new(text.to_owned()))
}

/// Headerless, comma-separated, `#` comments, cells trimmed: how Duo,
/// privacyIDEA and LinOTP read their files.
fn read_rows(input: &str) -> Result<Vec<(u64, csv::StringRecord)>, FormatError> {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(input.as_bytes());
    let mut rows = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| FormatError::Line {
            line: e.position().map_or(0, csv::Position::line),
            message: format!("not valid CSV ({e})"),
        })?;
        if row.iter().all(str::is_empty) {
            continue;
        }
        let line = row.position().map_or(0, csv::Position::line);
        rows.push((line, row));
    }
    if rows.is_empty() {
        return Err(FormatError::Empty("it has no token lines"));
    }
    Ok(rows)
}

/// The serial and hex seed every headerless token line starts with.
fn serial_and_seed(
    row: &csv::StringRecord,
    line: u64,
    seed_column: &'static str,
) -> Result<(String, crate::Secret), FormatError> {
    if row.len() < 2 {
        return Err(FormatError::Line {
            line,
            message: format!("a token line needs at least the serial and the hex {seed_column}"),
        });
    }
    let serial = row.get(0).unwrap_or_default();
    if serial.is_empty() {
        return Err(FormatError::Cell {
            line,
            column: "serial",
            message: "the serial is empty".into(),
        });
    }
    let secret = hex_secret(row.get(1).unwrap_or_default(), line, seed_column)?;
    Ok((serial.to_string(), secret))
}

/// The cell after the type: the time step of a TOTP token (30 s when
/// empty), the counter of an HOTP one (0 when empty).
fn step_or_counter(cell: &str, totp: bool, line: u64) -> Result<(u32, Kind), FormatError> {
    if totp {
        let step = match cell {
            "" => 30,
            s => number::<u32>(s, line, "time step", "use 30 or 60 (seconds)")?,
        };
        Ok((step, Kind::Totp))
    } else {
        let counter = match cell {
            "" => 0,
            c => number::<u64>(
                c,
                line,
                "counter",
                "the HOTP counter is a whole number from 0",
            )?,
        };
        Ok((30, Kind::Hotp { counter }))
    }
}

/// A token read from a CSV format, which carries no user, maker or model.
fn csv_token(
    serial: String,
    secret: crate::Secret,
    (interval, kind): (u32, Kind),
    algorithm: Algorithm,
    digits: u8,
) -> OathToken {
    OathToken {
        record: TokenRecord {
            upn: String::new(),
            serial,
            secret,
            interval,
            manufacturer: String::new(),
            model: String::new(),
            algorithm,
            profile: None,
            display_name: None,
        },
        digits,
        kind,
    }
}

/// A hex seed cell, with the cell named in the error and never echoed.
fn hex_secret(cell: &str, line: u64, column: &'static str) -> Result<crate::Secret, FormatError> {
    crate::Secret::parse(cell, crate::Encoding::Hex)
        .map(|p| p.secret)
        .map_err(|e| FormatError::Cell {
            line,
            column,
            message: e.to_string(),
        })
}

/// A whole-number cell.
fn number<T: std::str::FromStr>(
    cell: &str,
    line: u64,
    column: &'static str,
    hint: &str,
) -> Result<T, FormatError> {
    cell.parse::<T>().map_err(|_| FormatError::Cell {
        line,
        column,
        message: format!("'{}' is not a number: {hint}", crate::echo::echo(cell)),
    })
}

#[cfg(test)]
mod tests;
