//! A batch: the users a box of tokens is for, in order, and the settings every token gets.
//!
//! The list comes as a plain list of UPNs (one a line), a CSV with a UPN column and optionally
//! display name, serial, profile and model, or an Entra users export ("Download users":
//! `userPrincipalName`, `displayName`, `userType`, `accountEnabled`, …). Everything is checked
//! before the first token is placed: each UPN's shape, duplicates, serials or profiles given
//! twice, more than Entra's 5 tokens for a user, a model or profile the list names but the
//! batch's model cannot take; the settings are checked once against the model
//! ([`crate::caps::check`]) and Entra's upload format ([`crate::caps::entra::check`]).

use std::collections::HashMap;
use std::fmt;

use csv::ReaderBuilder;

use crate::caps::{self, DisplayTimeout, Model, Refusal};
use crate::echo::echo;
use crate::entra::{upn_problem, Format, MAX_TOKENS_PER_USER};
use crate::otp::OtpParams;

/// One token to make, for one user.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BatchUser {
    pub upn: String,
    pub display_name: Option<String>,
    /// The serial of the token this user must get; any token when `None`.
    pub serial: Option<String>,
    /// The Molto2 profile this user's seed goes to; the next free one when `None`.
    pub profile: Option<u8>,
    /// The model the list says this user's token is (checked against the batch's model).
    pub model: Option<Model>,
    /// The line of the list it came from (1-based), for messages.
    pub line: usize,
}

/// What kind of list was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    /// One UPN a line.
    UpnList,
    /// A CSV with a UPN column.
    Csv,
    /// Entra's "Download users" CSV.
    EntraExport,
}

impl ListFormat {
    pub fn human(self) -> &'static str {
        match self {
            ListFormat::UpnList => "a list of UPNs",
            ListFormat::Csv => "a CSV",
            ListFormat::EntraExport => "an Entra users export",
        }
    }
}

/// Whether an issue stops the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// What is wrong, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueKind {
    /// The file has no user at all.
    Empty,
    /// Not readable as CSV, or a header without a UPN column.
    Format,
    /// A UPN Entra would refuse.
    Upn,
    /// The same user, serial and profile as an earlier line.
    Duplicate { first_line: usize },
    /// A serial given to two lines.
    SerialTwice { first_line: usize },
    /// A Molto2 profile given to two lines.
    ProfileTwice { first_line: usize },
    /// A profile number that is not a number, or out of the model's range.
    Profile,
    /// A model the list names that is unknown or not the batch's.
    Model,
    /// More than Entra's 5 hardware tokens for a user, counting those already recorded.
    TooManyTokens { upn: String, count: usize },
    /// An Entra export's guest or disabled account.
    Account,
}

/// One finding about the list, with the line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// 1-based line in the file; 0 for the whole file.
    pub line: usize,
    pub severity: Severity,
    pub kind: IssueKind,
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.line == 0 {
            write!(f, "{level}: {}", self.message)
        } else {
            write!(f, "line {}: {level}: {}", self.line, self.message)
        }
    }
}

/// A list as read: the users in order and every finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserList {
    pub format: ListFormat,
    pub users: Vec<BatchUser>,
    pub issues: Vec<Issue>,
}

impl UserList {
    pub fn errors(&self) -> impl Iterator<Item = &Issue> {
        self.issues.iter().filter(|i| i.severity == Severity::Error)
    }

    pub fn has_errors(&self) -> bool {
        self.errors().next().is_some()
    }
}

/// The settings every token of the batch gets, chosen once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchParams {
    pub model: Model,
    pub otp: OtpParams,
    pub display_timeout: Option<DisplayTimeout>,
}

/// Every reason the batch's model or Entra's upload `format` refuses these settings.
pub fn check_params(p: &BatchParams, format: Format) -> Result<(), Vec<Refusal>> {
    let mut out = caps::check(
        p.model,
        &caps::Params {
            otp: p.otp,
            display_timeout: p.display_timeout,
            ..caps::Params::default()
        },
    )
    .err()
    .unwrap_or_default();
    out.extend(caps::entra::check(format, &p.otp).err().unwrap_or_default());
    if out.is_empty() {
        Ok(())
    } else {
        Err(out)
    }
}

/// Reads a user list of any of the three kinds and checks it ([`check_users`] with no tokens
/// recorded yet; call it again with the inventory's counts).
pub fn read_users(text: &str) -> UserList {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let Some((first_at, first)) = lines.next() else {
        return empty_list();
    };
    // Entra's bulk templates start with a version line; an export may too.
    let (first_at, first) = if first.trim().to_ascii_lowercase().starts_with("version:") {
        match lines.next() {
            Some(l) => l,
            None => return empty_list(),
        }
    } else {
        (first_at, first)
    };
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .find(|&d| first.as_bytes().contains(&d));
    let header_like = column_of(first.trim()).is_some();
    let mut list = match (delimiter, header_like) {
        (None, false) => read_plain(text),
        (d, _) => read_csv(text, first_at, d.unwrap_or(b',')),
    };
    list.issues
        .extend(check_users(&list.users, &HashMap::new()));
    list.issues.sort_by_key(|i| i.line);
    list
}

/// What the user gave, quoted and cut ([`crate::echo`]).
fn q(s: &str) -> String {
    format!("'{}'", echo(s))
}

fn empty_list() -> UserList {
    UserList {
        format: ListFormat::UpnList,
        users: Vec::new(),
        issues: vec![Issue {
            line: 0,
            severity: Severity::Error,
            kind: IssueKind::Empty,
            message: "the file holds no user: give one UPN a line, or a CSV with a UPN column"
                .into(),
        }],
    }
}

fn read_plain(text: &str) -> UserList {
    let users = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(i, l)| BatchUser {
            upn: l.trim().to_string(),
            line: i + 1,
            ..BatchUser::default()
        })
        .collect();
    UserList {
        format: ListFormat::UpnList,
        users,
        issues: Vec::new(),
    }
}

/// The columns a list may have, from a header cell (case, spaces, `_` and `-` ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    Upn,
    DisplayName,
    Serial,
    Profile,
    Model,
    UserType,
    AccountEnabled,
}

fn column_of(cell: &str) -> Option<Column> {
    let key: String = cell
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '"'))
        .flat_map(char::to_lowercase)
        .collect();
    Some(match key.as_str() {
        "upn" | "userprincipalname" | "user" | "email" => Column::Upn,
        "displayname" | "name" => Column::DisplayName,
        "serial" | "serialnumber" | "sn" => Column::Serial,
        "profile" | "slot" => Column::Profile,
        "model" => Column::Model,
        "usertype" => Column::UserType,
        "accountenabled" | "blockcredential" => Column::AccountEnabled,
        _ => return None,
    })
}

fn format_issue(line: usize, message: String) -> Issue {
    Issue {
        line,
        severity: Severity::Error,
        kind: IssueKind::Format,
        message,
    }
}

fn read_csv(text: &str, header_at: usize, delimiter: u8) -> UserList {
    let body: String = text.lines().skip(header_at).collect::<Vec<_>>().join("\n");
    let mut reader = ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(body.as_bytes());
    let mut records = reader.records();
    let mut issues = Vec::new();
    let header_line = header_at + 1;
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            return UserList {
                format: ListFormat::Csv,
                users: Vec::new(),
                issues: vec![format_issue(
                    header_line,
                    format!("not a readable CSV: {e}"),
                )],
            }
        }
        None => return empty_list(),
    };
    let mut index: HashMap<Column, usize> = HashMap::new();
    for (i, cell) in header.iter().enumerate() {
        if let Some(c) = column_of(cell) {
            index.entry(c).or_insert(i);
        }
    }
    let Some(&upn_at) = index.get(&Column::Upn) else {
        return UserList {
            format: ListFormat::Csv,
            users: Vec::new(),
            issues: vec![format_issue(
                header_line,
                format!(
                    "no UPN column in the header {}: name it \"upn\" or \"userPrincipalName\" \
                     (or give a plain list, one UPN a line, without a header)",
                    q(&header.iter().collect::<Vec<_>>().join(","))
                ),
            )],
        };
    };
    let entra =
        index.contains_key(&Column::UserType) || index.contains_key(&Column::AccountEnabled);
    let mut users = Vec::new();
    for rec in records {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize + header_at);
                issues.push(format_issue(line, format!("not a readable CSV row: {e}")));
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| p.line() as usize + header_at);
        let cell = |c: Column| {
            index
                .get(&c)
                .and_then(|&i| rec.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let upn = rec.get(upn_at).unwrap_or("").trim().to_string();
        let mut user = BatchUser {
            upn,
            display_name: cell(Column::DisplayName).map(str::to_string),
            serial: cell(Column::Serial).map(str::to_string),
            line,
            ..BatchUser::default()
        };
        if let Some(p) = cell(Column::Profile) {
            match p.parse::<u8>() {
                Ok(n) => user.profile = Some(n),
                Err(_) => issues.push(Issue {
                    line,
                    severity: Severity::Error,
                    kind: IssueKind::Profile,
                    message: format!("profile {} is not a number from 0 to 99", q(p)),
                }),
            }
        }
        if let Some(m) = cell(Column::Model) {
            match m.parse::<Model>() {
                Ok(model) => user.model = Some(model),
                Err(e) => issues.push(Issue {
                    line,
                    severity: Severity::Error,
                    kind: IssueKind::Model,
                    message: e,
                }),
            }
        }
        if let Some(t) = cell(Column::UserType).filter(|t| t.eq_ignore_ascii_case("guest")) {
            issues.push(Issue {
                line,
                severity: Severity::Error,
                kind: IssueKind::Account,
                message: format!(
                    "{} is a {} account: Entra does not allow OATH tokens for guests; remove the line",
                    q(&user.upn),
                    q(t)
                ),
            });
        }
        if cell(Column::AccountEnabled).is_some_and(|v| v.eq_ignore_ascii_case("false")) {
            issues.push(Issue {
                line,
                severity: Severity::Warning,
                kind: IssueKind::Account,
                message: format!(
                    "{}'s account is disabled in Entra: the token will work once it is enabled",
                    q(&user.upn)
                ),
            });
        }
        users.push(user);
    }
    if users.is_empty() && issues.is_empty() {
        return empty_list();
    }
    UserList {
        format: if entra {
            ListFormat::EntraExport
        } else {
            ListFormat::Csv
        },
        users,
        issues,
    }
}

/// Checks the users among themselves and against the tokens `recorded` per user (lower-case
/// UPN → count, from the inventory or results): UPN shape, duplicates, a serial or profile
/// given twice, more than Entra's 5 tokens for a user.
pub fn check_users(users: &[BatchUser], recorded: &HashMap<String, usize>) -> Vec<Issue> {
    let mut out = Vec::new();
    let mut error = |line, kind, message| {
        out.push(Issue {
            line,
            severity: Severity::Error,
            kind,
            message,
        })
    };
    let mut rows: HashMap<(String, Option<String>, Option<u8>), usize> = HashMap::new();
    let mut serials: HashMap<String, usize> = HashMap::new();
    let mut profiles: HashMap<u8, usize> = HashMap::new();
    let mut per_user: HashMap<String, (usize, usize)> = HashMap::new();
    for u in users {
        if let Some(problem) = upn_problem(&u.upn, Format::Csv) {
            error(u.line, IssueKind::Upn, problem);
            continue;
        }
        let key = u.upn.to_lowercase();
        let row = (key.clone(), u.serial.clone(), u.profile);
        if let Some(&first_line) = rows.get(&row) {
            error(
                u.line,
                IssueKind::Duplicate { first_line },
                format!(
                    "{} is already on line {first_line}: remove the duplicate (to give a user \
                     two tokens, use a CSV and give each line its serial or profile)",
                    q(&u.upn)
                ),
            );
            continue;
        }
        rows.insert(row, u.line);
        if let Some(s) = &u.serial {
            if let Some(&first_line) = serials.get(s) {
                error(
                    u.line,
                    IssueKind::SerialTwice { first_line },
                    format!(
                        "serial {} is already given to line {first_line}: one token per line",
                        q(s)
                    ),
                );
            } else {
                serials.insert(s.clone(), u.line);
            }
        }
        if let Some(p) = u.profile {
            if let Some(&first_line) = profiles.get(&p) {
                error(
                    u.line,
                    IssueKind::ProfileTwice { first_line },
                    format!("profile {p} is already given to line {first_line}"),
                );
            } else {
                profiles.insert(p, u.line);
            }
        }
        let e = per_user.entry(key).or_insert((
            recorded.get(&u.upn.to_lowercase()).copied().unwrap_or(0),
            u.line,
        ));
        e.0 += 1;
        if e.0 == MAX_TOKENS_PER_USER + 1 {
            error(
                u.line,
                IssueKind::TooManyTokens {
                    upn: u.upn.clone(),
                    count: e.0,
                },
                format!(
                    "{} would have more than {MAX_TOKENS_PER_USER} hardware tokens (Entra's \
                     limit per user, counting those already recorded): remove this line",
                    q(&u.upn)
                ),
            );
        }
    }
    out
}

/// Checks each user's own model and profile against the batch's settings.
pub fn check_against(users: &[BatchUser], params: &BatchParams) -> Vec<Issue> {
    let mut out = Vec::new();
    for u in users {
        if let Some(m) = u.model.filter(|&m| m != params.model) {
            out.push(Issue {
                line: u.line,
                severity: Severity::Error,
                kind: IssueKind::Model,
                message: format!(
                    "the list says {} but the batch burns {}: one model per batch",
                    m.caps().label,
                    params.model.caps().label
                ),
            });
        }
        if let Some(p) = u.profile {
            let refusal = match params.model.caps().max_profile() {
                None => Some(format!(
                    "a profile is given but {} has no profiles: leave the column empty",
                    params.model.caps().label
                )),
                Some(max) if p > max => Some(format!(
                    "profile {p} is beyond {}'s last profile, {max}",
                    params.model.caps().label
                )),
                Some(_) => None,
            };
            if let Some(message) = refusal {
                out.push(Issue {
                    line: u.line,
                    severity: Severity::Error,
                    kind: IssueKind::Profile,
                    message,
                });
            }
        }
    }
    out
}

/// Which profile each of the `pending` users (indices into `users`, in list order) gets on a
/// multi-profile token whose free profiles are `free`: a user's own profile when it is free,
/// else the next free one counting up from the last given. Users left over wait for the
/// next token. Returns (user index, profile) pairs in list order.
pub fn assign_profiles(users: &[BatchUser], pending: &[usize], free: &[u8]) -> Vec<(usize, u8)> {
    let mut free: Vec<u8> = free.to_vec();
    free.sort_unstable();
    let mut out = Vec::new();
    // Users with their own profile take it first, so nobody else fills it.
    let mut taken: Vec<u8> = Vec::new();
    for &i in pending {
        if let Some(p) = users[i].profile {
            if free.contains(&p) {
                taken.push(p);
            }
        }
    }
    let mut cursor = 0usize;
    for &i in pending {
        match users[i].profile {
            Some(p) if taken.contains(&p) => out.push((i, p)),
            Some(_) => {}
            None => {
                while cursor < free.len() && taken.contains(&free[cursor]) {
                    cursor += 1;
                }
                if let Some(&p) = free.get(cursor) {
                    out.push((i, p));
                    cursor += 1;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
