//! Microsoft Entra ID hardware OATH token lists: the admin-center CSV and the
//! Graph bulk (`#$delta`) JSON.
//!
//! Entra reports upload failures minutes later as a downloadable file, so
//! every rule Entra is known to enforce is checked here first, and the
//! writers refuse to produce a file that Entra would reject. Data is never
//! silently altered: a bad cell is an error the user fixes.

mod csv_io;
mod graph;
mod validate;

pub use crate::caps::entra::MAX_TOKENS_PER_USER;
pub use csv_io::{read_csv, write_csv, CSV_HEADER};
pub use graph::{graph_bulk_json, read_graph_json};
pub(crate) use validate::{formula_lead, upn_problem};
pub use validate::{validate, validate_for, validate_refs};

use std::fmt;

use crate::caps::Refusal;
use crate::otp::Algorithm;
use crate::secret::Secret;

/// One token (or one profile of a multi-profile token) for one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// May be empty only for Graph uploads (unassigned inventory).
    pub upn: String,
    /// Text, not a number: serials have significant leading zeros.
    pub serial: String,
    pub secret: Secret,
    /// Seconds: 30 or 60.
    pub interval: u32,
    pub manufacturer: String,
    pub model: String,
    pub algorithm: Algorithm,
    /// Profile slot on a multi-profile token (Molto2); `None` for single-profile tokens.
    pub profile: Option<u8>,
    /// Graph only; the CSV has no such column.
    pub display_name: Option<String>,
}

/// The target format, because the two accept different algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Graph,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Upn,
    Serial,
    Secret,
    Interval,
    Manufacturer,
    Model,
    Algorithm,
    Profile,
    DisplayName,
    /// Code length; the exchange formats (`crate::formats`) carry it, Entra's do not.
    Digits,
    /// TOTP or HOTP; likewise only in the exchange formats.
    Kind,
}

impl Field {
    /// The CSV column name where there is one, else a readable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Upn => "upn",
            Field::Serial => "serial number",
            Field::Secret => "secret key",
            Field::Interval => "time interval",
            Field::Manufacturer => "manufacturer",
            Field::Model => "model",
            Field::Algorithm => "algorithm",
            Field::Profile => "profile",
            Field::DisplayName => "display name",
            Field::Digits => "digits",
            Field::Kind => "type",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// What a finding is about, for code that acts on it (rows are 0-based indexes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueKind {
    /// A cell a spreadsheet would run as a formula.
    Formula,
    /// The UPN is missing (CSV), malformed or a guest's.
    Upn,
    /// An empty serial, manufacturer or model.
    Empty,
    /// One of Entra's limits (algorithm, time interval, secret length).
    Refused(Refusal),
    /// Shorter than RFC 4226's 128 bits (a warning).
    ShortSecret,
    /// A profile no multi-profile token has.
    ProfileRange,
    /// The same serial with the same secret as row `first`.
    DuplicateToken { first: usize },
    /// The same secret as row `first`, whose serial is another. Only a warning here: the
    /// bridge's results may hold one seed burned into several devices on purpose. A
    /// provisioning session refuses it ([`Issue::as_error`]): it means no new seed was made.
    SharedSecret { first: usize, serial: String },
    /// The same serial and profile as row `first`.
    ProfileTaken { first: usize },
    /// The serial is row `first`'s, which belongs to another user.
    SerialOfOtherUser { first: usize },
    /// The serial is listed again without profile slots.
    SerialRepeated { first: usize },
    /// More than Entra's tokens per user.
    TooManyForUser,
    /// A rule of another exchange format (`crate::formats`): its digits, token kind, serials.
    FormatRule,
}

impl IssueKind {
    fn shared_secret_message(&self, severity: Severity) -> String {
        let IssueKind::SharedSecret { first, serial } = self else {
            return String::new();
        };
        match severity {
            Severity::Warning => format!(
                "the secret is the same as in row {} (serial '{}'): every token should have its own secret",
                first + 1,
                crate::echo::echo(serial)
            ),
            Severity::Error => format!(
                "the same secret is already used by row {} (serial '{}'): every token needs its own seed",
                first + 1,
                crate::echo::echo(serial)
            ),
        }
    }
}

/// One finding about one record. `message` names the 1-based row and never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// 0-based index into the slice that was validated.
    pub row: usize,
    pub field: Field,
    pub kind: IssueKind,
    pub severity: Severity,
    pub message: String,
}

impl Issue {
    /// The same finding as an error, for a caller stricter than core (the page refuses a
    /// [`IssueKind::SharedSecret`] in its export); the message says it as a refusal.
    pub fn as_error(self) -> Issue {
        let message = match self.kind {
            IssueKind::SharedSecret { .. } => format!(
                "row {}: {}",
                self.row + 1,
                self.kind.shared_secret_message(Severity::Error)
            ),
            _ => self.message,
        };
        Issue {
            severity: Severity::Error,
            message,
            ..self
        }
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntraError {
    #[error("{} problem(s) must be fixed first; the first: {}", .0.len(), first_message(.0))]
    Invalid(Vec<Issue>),
    #[error("the file is empty: it needs the header row {CSV_HEADER}")]
    EmptyFile,
    #[error("the header has no '{0}' column: the header row must be {CSV_HEADER}")]
    MissingColumn(&'static str),
    #[error("line {line}, column '{column}': {message}")]
    Cell {
        line: u64,
        column: &'static str,
        message: String,
    },
    #[error("line {line}: {message}")]
    Line { line: u64, message: String },
    /// A Graph JSON token: its 1-based position in `value` and the JSON field.
    #[error("token {item}, '{field}': {message}")]
    Item {
        item: usize,
        field: &'static str,
        message: String,
    },
    #[error("could not write the file: {0}")]
    Write(String),
}

pub(crate) fn first_message(issues: &[Issue]) -> &str {
    issues.first().map_or("", |i| i.message.as_str())
}

#[cfg(test)]
mod tests;
