//! Rules shared by the exchange formats, and [`check`]: what a format would
//! reject or misread in a list of tokens, before anything is written.

use std::collections::HashMap;

use super::{digits_supported, ExportFormat, OathToken};
use crate::entra::{self, formula_lead, Field, Format, Issue, IssueKind, Severity};
use crate::otpauth::Kind;

/// Collects issues with the row-numbered messages the inventory shows.
#[derive(Debug, Default)]
pub(super) struct Checks {
    issues: Vec<Issue>,
}

impl Checks {
    pub(super) fn into_issues(mut self) -> Vec<Issue> {
        self.issues.sort_by_key(|i| i.row);
        self.issues
    }

    pub(super) fn push(&mut self, row: usize, field: Field, severity: Severity, message: String) {
        self.issues.push(Issue {
            row,
            field,
            severity,
            kind: IssueKind::FormatRule,
            message: format!("row {}: {message}", row + 1),
        });
    }

    pub(super) fn error(&mut self, row: usize, field: Field, message: String) {
        self.push(row, field, Severity::Error, message);
    }

    pub(super) fn warn(&mut self, row: usize, field: Field, message: String) {
        self.push(row, field, Severity::Warning, message);
    }

    /// Entra's own rules, plus the two things its formats cannot say.
    fn entra_for(tokens: &[OathToken], format: Format) -> Vec<Issue> {
        let records: Vec<_> = tokens.iter().map(|t| &t.record).collect();
        let mut checks = Checks {
            issues: entra::validate_refs(&records, format),
        };
        for (row, t) in tokens.iter().enumerate() {
            if !t.is_totp() {
                checks.error(
                    row,
                    Field::Kind,
                    "Entra takes time-based (TOTP) tokens only; this one is HOTP: use PSKC or the OATH CSV".into(),
                );
            }
            if t.digits != 6 {
                checks.error(
                    row,
                    Field::Digits,
                    format!(
                        "the token shows {} digits; Entra accepts 6-digit codes only",
                        t.digits
                    ),
                );
            }
        }
        checks.into_issues()
    }

    /// Every format needs a serial; CSV cells must not run as formulas; the
    /// code length and time step must be ones a token can have.
    pub(super) fn basics(&mut self, tokens: &[OathToken], csv: bool) {
        for (row, t) in tokens.iter().enumerate() {
            let r = &t.record;
            if r.serial.trim().is_empty() {
                self.error(row, Field::Serial, "the serial number is empty".into());
            }
            if csv {
                for (field, value) in [
                    (Field::Serial, r.serial.as_str()),
                    (Field::Upn, r.upn.as_str()),
                ] {
                    if let Some(lead) = formula_lead(value) {
                        self.error(
                            row,
                            field,
                            format!(
                                "{} starts with {lead} and would run as a formula in a spreadsheet; remove it",
                                field.as_str()
                            ),
                        );
                    }
                }
            }
            if !digits_supported(t.digits) {
                self.error(
                    row,
                    Field::Digits,
                    format!("{} digits is not a code length tokens use (4–10)", t.digits),
                );
            }
            if t.kind == Kind::Totp && r.interval == 0 {
                self.error(
                    row,
                    Field::Interval,
                    "the time step is 0 s; TOTP tokens step every 30 or 60 s".into(),
                );
            }
        }
    }

    /// For formats keyed by serial, where a second row would overwrite the first.
    pub(super) fn unique_serials(&mut self, tokens: &[OathToken], target: &str) {
        let mut seen: HashMap<&str, usize> = HashMap::with_capacity(tokens.len());
        for (row, t) in tokens.iter().enumerate() {
            let serial = t.record.serial.trim();
            if serial.is_empty() {
                continue;
            }
            if let Some(&first) = seen.get(serial) {
                self.error(
                    row,
                    Field::Serial,
                    format!(
                        "serial '{serial}' is already in row {}: {target} keeps one token per serial, so one would overwrite the other (export multi-profile tokens as PSKC)",
                        first + 1
                    ),
                );
            } else {
                seen.insert(serial, row);
            }
        }
    }
}

/// What `format` would reject or misread in `tokens`; writers refuse to write
/// while any issue is an error. Warnings are things to know (e.g. a field the
/// format cannot carry).
pub fn check(format: ExportFormat, tokens: &[OathToken]) -> Vec<Issue> {
    match format {
        ExportFormat::EntraCsv => Checks::entra_for(tokens, Format::Csv),
        ExportFormat::GraphJson => Checks::entra_for(tokens, Format::Graph),
        ExportFormat::Pskc => super::pskc::issues(tokens),
        ExportFormat::DuoCsv => super::duo::issues(tokens),
        ExportFormat::OathCsv => super::oath_csv::issues(tokens),
        ExportFormat::OtpauthList => super::otpauth_list::issues(tokens),
    }
}
