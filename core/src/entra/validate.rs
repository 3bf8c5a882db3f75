//! The rules Entra enforces on uploaded tokens, checked before upload.

use std::collections::HashMap;

use super::{Field, Format, Issue, IssueKind, Severity, TokenRecord};
use crate::caps::{self, entra::MAX_TOKENS_PER_USER, Param};
use crate::echo::echo;
use crate::otp::OtpParams;

/// RFC 4226 requires at least 128-bit keys.
const MIN_SECRET_BYTES: usize = 16;

/// Validation for the CSV upload (the stricter format).
pub fn validate(records: &[TokenRecord]) -> Vec<Issue> {
    validate_for(records, Format::Csv)
}

pub fn validate_for(records: &[TokenRecord], format: Format) -> Vec<Issue> {
    validate_refs(&records.iter().collect::<Vec<_>>(), format)
}

/// [`validate_for`] of records held elsewhere (e.g. in the formats' `OathToken`s), without
/// copying them: a 10,000-row list is checked on every change in the page.
pub fn validate_refs(records: &[&TokenRecord], format: Format) -> Vec<Issue> {
    let mut issues = Vec::new();
    let max_profile = caps::largest_profile();
    for (row, rec) in records.iter().enumerate() {
        check_record(row, rec, format, max_profile, &mut issues);
    }
    check_serials(records, &mut issues);
    check_per_user(records, &mut issues);
    issues.sort_by_key(|i| i.row);
    issues
}

fn push(
    issues: &mut Vec<Issue>,
    row: usize,
    field: Field,
    kind: IssueKind,
    severity: Severity,
    message: String,
) {
    issues.push(Issue {
        row,
        field,
        kind,
        severity,
        message: format!("row {}: {message}", row + 1),
    });
}

fn error(issues: &mut Vec<Issue>, row: usize, field: Field, kind: IssueKind, message: String) {
    push(issues, row, field, kind, Severity::Error, message);
}

fn check_record(row: usize, rec: &TokenRecord, format: Format, max: u8, issues: &mut Vec<Issue>) {
    let texts: [(Field, Option<&str>); 5] = [
        (Field::Upn, Some(&rec.upn)),
        (Field::Serial, Some(&rec.serial)),
        (Field::Manufacturer, Some(&rec.manufacturer)),
        (Field::Model, Some(&rec.model)),
        (Field::DisplayName, rec.display_name.as_deref()),
    ];
    for (field, value) in texts {
        if let Some(lead) = value.and_then(formula_lead) {
            error(
                issues,
                row,
                field,
                IssueKind::Formula,
                format!(
                    "{} starts with {lead} and would run as a formula in Excel; remove it",
                    field.as_str()
                ),
            );
        }
    }

    if let Some(problem) = upn_problem(&rec.upn, format) {
        error(issues, row, Field::Upn, IssueKind::Upn, problem);
    }
    if rec.serial.trim().is_empty() {
        error(
            issues,
            row,
            Field::Serial,
            IssueKind::Empty,
            "the serial number is empty".into(),
        );
    }
    if let Err(r) = caps::entra::check_secret(base32_len(rec.secret.len())) {
        let message = r.to_string();
        error(issues, row, Field::Secret, IssueKind::Refused(r), message);
    } else if rec.secret.len() < MIN_SECRET_BYTES {
        push(
            issues,
            row,
            Field::Secret,
            IssueKind::ShortSecret,
            Severity::Warning,
            format!(
                "the secret is only {} bytes; RFC 4226 asks for at least {MIN_SECRET_BYTES} (20 recommended)",
                rec.secret.len()
            ),
        );
    }
    // A record has no digits: Entra's 6 is all an Entra list can hold.
    let otp = OtpParams {
        algorithm: rec.algorithm,
        digits: caps::entra::DIGITS,
        period: rec.interval,
    };
    for r in caps::entra::check(format, &otp).err().unwrap_or_default() {
        let field = match r.param() {
            Param::Algorithm => Field::Algorithm,
            _ => Field::Interval,
        };
        let message = r.to_string();
        error(issues, row, field, IssueKind::Refused(r), message);
    }
    for (field, value) in [
        (Field::Manufacturer, &rec.manufacturer),
        (Field::Model, &rec.model),
    ] {
        if value.trim().is_empty() {
            error(
                issues,
                row,
                field,
                IssueKind::Empty,
                format!("{} is empty", field.as_str()),
            );
        }
    }
    if let Some(p) = rec.profile.filter(|p| *p > max) {
        error(
            issues,
            row,
            Field::Profile,
            IssueKind::ProfileRange,
            format!("profile {p} does not exist: multi-profile tokens have profiles 0–{max}"),
        );
    }
}

/// The length of `n` bytes in unpadded base32 (what Entra's limit counts), without encoding
/// the secret.
fn base32_len(n: usize) -> usize {
    (n * 8).div_ceil(5)
}

/// Spreadsheet apps execute cells starting with these (CSV injection); every
/// CSV writer in `core` refuses such cells rather than altering them.
pub(crate) fn formula_lead(value: &str) -> Option<String> {
    match value.chars().next()? {
        c @ ('=' | '+' | '-' | '@') => Some(format!("'{c}'")),
        '\t' => Some("a tab".into()),
        '\r' => Some("a carriage return".into()),
        _ => None,
    }
}

pub(crate) fn upn_problem(upn: &str, format: Format) -> Option<String> {
    if upn.is_empty() {
        return match format {
            Format::Csv => Some("the UPN is empty: every CSV row needs a user".into()),
            Format::Graph => None,
        };
    }
    // Worded only for a UPN that has a problem (most have none).
    let shown = || format!("UPN '{}'", echo(upn));
    if upn.chars().any(char::is_whitespace) {
        return Some(format!("{} contains a space", shown()));
    }
    // "#EXT#" in any case, without an upper-cased copy of every UPN.
    if upn
        .as_bytes()
        .windows(5)
        .any(|w| w.eq_ignore_ascii_case(b"#EXT#"))
    {
        return Some(format!(
            "{} is a guest account: Entra does not allow OATH tokens for guests",
            shown()
        ));
    }
    let Some((local, domain)) = upn.split_once('@') else {
        return Some(format!("{} has no '@': use name@domain.tld", shown()));
    };
    if domain.contains('@') {
        return Some(format!("{} has more than one '@'", shown()));
    }
    if local.is_empty() {
        return Some(format!("{} has nothing before the '@'", shown()));
    }
    if !domain.contains('.') || domain.split('.').any(str::is_empty) {
        return Some(format!(
            "{} has no valid domain after the '@': use name@domain.tld",
            shown()
        ));
    }
    None
}

fn check_serials(records: &[&TokenRecord], issues: &mut Vec<Issue>) {
    // Sized once: growing them row by row was a third of a 10,000-row pass.
    let mut seen: HashMap<&str, Vec<usize>> = HashMap::with_capacity(records.len());
    // Rows by seed, so a seed shared with another serial is found without comparing each row
    // with every earlier one (a 10,000-row list took seconds).
    let mut by_secret: HashMap<&[u8], Vec<usize>> = HashMap::with_capacity(records.len());
    for (j, rec) in records.iter().enumerate() {
        let serial = rec.serial.trim();
        let same_seed = by_secret.entry(rec.secret.as_bytes()).or_default();
        let shared_with = same_seed
            .iter()
            .copied()
            .find(|&k| records[k].serial.trim() != serial);
        same_seed.push(j);
        if serial.is_empty() {
            continue;
        }
        let earlier = seen.entry(serial).or_default();
        if let Some(&i) = earlier.iter().find(|&&i| records[i].secret == rec.secret) {
            error(
                issues,
                j,
                Field::Secret,
                IssueKind::DuplicateToken { first: i },
                format!(
                    "serial '{}' with the same secret is already in row {}: remove the duplicate",
                    echo(serial),
                    i + 1
                ),
            );
        }
        if earlier.is_empty() {
            if let Some(k) = shared_with {
                let kind = IssueKind::SharedSecret {
                    first: k,
                    serial: records[k].serial.trim().to_string(),
                };
                let message = kind.shared_secret_message(Severity::Warning);
                push(issues, j, Field::Secret, kind, Severity::Warning, message);
            }
        }
        if let Some(&first) = earlier.first() {
            let all_profiled =
                rec.profile.is_some() && earlier.iter().all(|&k| records[k].profile.is_some());
            if all_profiled {
                if let Some(&k) = earlier.iter().find(|&&k| records[k].profile == rec.profile) {
                    error(
                        issues,
                        j,
                        Field::Profile,
                        IssueKind::ProfileTaken { first: k },
                        format!(
                            "serial '{}' profile {} is already used in row {}",
                            echo(serial),
                            rec.profile.unwrap_or_default(),
                            k + 1
                        ),
                    );
                }
            } else if let Some(&k) = earlier
                .iter()
                .find(|&&k| !records[k].upn.eq_ignore_ascii_case(&rec.upn))
            {
                error(
                    issues,
                    j,
                    Field::Serial,
                    IssueKind::SerialOfOtherUser { first: k },
                    format!(
                        "serial '{}' is already assigned to '{}' in row {}: a token belongs to one user \
                         unless each row names its own profile slot",
                        echo(serial),
                        echo(&records[k].upn),
                        k + 1
                    ),
                );
            } else {
                error(
                    issues,
                    j,
                    Field::Serial,
                    IssueKind::SerialRepeated { first },
                    format!(
                        "serial '{}' already appears in row {}: list a token once, or give each profile its slot",
                        echo(serial),
                        first + 1
                    ),
                );
            }
        }
        earlier.push(j);
    }
}

fn check_per_user(records: &[&TokenRecord], issues: &mut Vec<Issue>) {
    let mut counts: HashMap<String, usize> = HashMap::with_capacity(records.len());
    for (row, rec) in records.iter().enumerate() {
        if rec.upn.is_empty() {
            continue;
        }
        let n = counts.entry(rec.upn.to_lowercase()).or_default();
        *n += 1;
        if *n > MAX_TOKENS_PER_USER {
            error(
                issues,
                row,
                Field::Upn,
                IssueKind::TooManyForUser,
                format!(
                    "'{}' would get token number {n}: Entra allows at most {MAX_TOKENS_PER_USER} OATH tokens per user",
                    echo(&rec.upn)
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn base32_len_is_the_encoded_length() {
        for n in 1..=crate::secret::MAX_SECRET_LEN {
            let s = Secret::from_bytes(vec![0xA5; n]).unwrap();
            assert_eq!(base32_len(n), s.to_base32().len(), "{n} bytes");
        }
    }
}
