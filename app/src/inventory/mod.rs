//! The inventory: one row per token (or Molto2 profile) with where it stands, validated for
//! the chosen export format, sortable, editable on request; the export menu and the import.
//!
//! `status` is a row's state (burned / handed off, verified with its drift, exported);
//! `record` checks the record the job's fields describe; `table` the rows; `export` the way
//! out (every format of `ExportFormat::ALL`, PSKC's protection, OpenPGP recipients); `import`
//! the way back in (the formats it writes that can be read); `entra` the command that takes
//! the exported file to Entra.

mod entra;
pub mod export;
mod import;
pub mod record;
pub mod status;
mod table;

pub use table::InventoryPanel;

use leptos::prelude::*;
use status::{Origin, Status};
use tokensmith_core::caps;
use tokensmith_core::entra::{
    validate_refs, Field, Format, Issue, IssueKind, Severity, TokenRecord,
};
use tokensmith_core::formats::{self, ExportFormat, OathToken};
use tokensmith_core::otpauth::Kind;

#[derive(Clone, PartialEq)]
pub struct Row {
    pub id: u64,
    pub rec: TokenRecord,
    pub status: Status,
}

impl Row {
    /// The row for the exchange formats (TOTP, or HOTP with its counter).
    pub fn token(&self) -> OathToken {
        OathToken {
            record: self.rec.clone(),
            digits: self.status.digits,
            kind: self.status.kind,
        }
    }

    /// Whether a file of `format` can hold this row: Entra's formats take TOTP tokens only, so
    /// an HOTP row is left out of them (and said so); every other format carries it.
    pub fn fits(&self, format: ExportFormat) -> bool {
        self.status.kind == Kind::Totp || entra_format(format).is_none()
    }
}

/// The last Entra file saved: its name as saved (`….asc` when encrypted) and the plain file's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Saved {
    pub plain: &'static str,
    pub file: String,
}

/// Entra's own formats (they carry Entra's rules), or `None` for the others.
pub fn entra_format(format: ExportFormat) -> Option<Format> {
    match format {
        ExportFormat::EntraCsv => Some(Format::Csv),
        ExportFormat::GraphJson => Some(Format::Graph),
        _ => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Upn,
    Serial,
    Profile,
    Model,
}

#[derive(Clone, Copy)]
pub struct Inventory {
    pub rows: RwSignal<Vec<Row>>,
    next_id: StoredValue<u64>,
    /// The export menu's choice; the list is validated for it.
    pub format: RwSignal<ExportFormat>,
    /// Cells are inputs and rows can be removed (a tool: off by default).
    pub editing: RwSignal<bool>,
    /// Removed rows with their former position, the last one first to come back on Undo.
    pub removed: RwSignal<Vec<(usize, Row)>>,
    /// The last Entra file saved (the Entra command names it).
    pub last_saved: RwSignal<Option<Saved>>,
    pub sort: RwSignal<Option<(SortKey, bool)>>,
    pub status: RwSignal<(bool, String)>,
    /// Problems of the record in the form, from the last "Add to list".
    pub form_issues: RwSignal<Vec<(Option<Field>, String)>>,
    /// Every issue of the list, recomputed when rows or the target format change.
    pub issues: Memo<Vec<Issue>>,
    /// The rows the chosen format leaves out, named ([`Row::fits`]).
    left: Memo<Vec<String>>,
}

impl Inventory {
    pub fn new() -> Self {
        let rows = RwSignal::new(Vec::<Row>::new());
        let format = RwSignal::new(ExportFormat::EntraCsv);
        // What the checks read of each row: a change of status alone (exported, verified)
        // leaves it equal, so a 10,000-row list is not checked again for it.
        let tokens = Memo::new(move |_| rows.with(|rows| rows.iter().map(Row::token).collect()));
        let issues = Memo::new(move |_| {
            let f = format.get();
            tokens.with(|tokens: &Vec<OathToken>| validate_rows(tokens, f))
        });
        let left = Memo::new(move |_| {
            let f = format.get();
            rows.with(|rows| left_out_of(rows, f))
        });
        Inventory {
            rows,
            next_id: StoredValue::new(1),
            format,
            editing: RwSignal::new(false),
            removed: RwSignal::new(Vec::new()),
            last_saved: RwSignal::new(None),
            sort: RwSignal::new(None),
            status: RwSignal::new((true, String::new())),
            form_issues: RwSignal::new(Vec::new()),
            issues,
            left,
        }
    }

    /// Appends records added by hand (e.g. from the import review) as new rows, not yet
    /// exported (validation marks their problems in the table).
    pub fn push(&self, recs: Vec<TokenRecord>) {
        self.add_all(
            recs.into_iter()
                .map(|rec| (rec, Status::new(Origin::Added, 6))),
        );
    }

    /// Appends one row; returns its id.
    pub fn add(&self, rec: TokenRecord, status: Status) -> u64 {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        self.rows.update(|rows| rows.push(Row { id, rec, status }));
        id
    }

    /// Appends rows in one change (an import's 10,000 rows notify the page once, not 10,000
    /// times); returns how many.
    pub fn add_all(&self, new: impl IntoIterator<Item = (TokenRecord, Status)>) -> usize {
        let mut id = self.next_id.get_value();
        let rows: Vec<Row> = new
            .into_iter()
            .map(|(rec, status)| {
                id += 1;
                Row {
                    id: id - 1,
                    rec,
                    status,
                }
            })
            .collect();
        self.next_id.set_value(id);
        let n = rows.len();
        if n > 0 {
            self.rows.update(|r| r.extend(rows));
        }
        n
    }

    /// Some row is in no exported file (leaving the page asks first).
    pub fn dirty(&self) -> bool {
        self.rows.with(|r| r.iter().any(|r| !r.status.exported))
    }

    /// The row with this id and its position.
    pub fn row(&self, id: u64) -> Option<(usize, Row)> {
        self.rows.with(|rows| {
            rows.iter()
                .enumerate()
                .find(|(_, r)| r.id == id)
                .map(|(i, r)| (i, r.clone()))
        })
    }

    /// The row of this token: its serial and, on a multi-profile token, its profile.
    pub fn find_token(&self, serial: &str, profile: Option<u8>) -> Option<(usize, Row)> {
        let serial = serial.trim();
        self.rows.with_untracked(|rows| {
            rows.iter()
                .enumerate()
                .find(|(_, r)| r.rec.serial.trim() == serial && r.rec.profile == profile)
                .map(|(i, r)| (i, r.clone()))
        })
    }

    /// The rows a file of `format` holds ([`Row::fits`]), as the exchange formats see them,
    /// and the names of those it leaves out.
    pub fn tokens_for(&self, format: ExportFormat) -> (Vec<OathToken>, Vec<String>) {
        self.rows.with_untracked(|rows| {
            let tokens = rows
                .iter()
                .filter(|r| r.fits(format))
                .map(Row::token)
                .collect();
            (tokens, left_out_of(rows, format))
        })
    }

    /// The rows the chosen format leaves out (HOTP rows of an Entra format), named (tracked).
    pub fn left_out(&self) -> Vec<String> {
        self.left.get()
    }

    /// The Entra format chosen, if the export menu's choice is one.
    pub fn entra_format(&self) -> Option<Format> {
        entra_format(self.format.get())
    }

    /// Changes a row's record; it is then in no exported file.
    pub fn edit(&self, id: u64, f: impl FnOnce(&mut TokenRecord)) {
        self.rows.update(|rows| {
            if let Some(r) = rows.iter_mut().find(|r| r.id == id) {
                f(&mut r.rec);
                r.status.exported = false;
            }
        });
    }

    /// Changes a row's status.
    pub fn set_status(&self, id: u64, f: impl FnOnce(&mut Status)) {
        self.rows.update(|rows| {
            if let Some(r) = rows.iter_mut().find(|r| r.id == id) {
                f(&mut r.status);
            }
        });
    }

    /// Replaces a row's record and status in place (a token burned again).
    pub fn replace(&self, id: u64, rec: TokenRecord, status: Status) {
        self.rows.update(|rows| {
            if let Some(r) = rows.iter_mut().find(|r| r.id == id) {
                r.rec = rec;
                r.status = status;
            }
        });
    }

    /// Removes a row; Undo brings it back where it was.
    pub fn remove(&self, id: u64) {
        if let Some((i, row)) = self.row(id) {
            self.rows.update(|rows| rows.retain(|r| r.id != id));
            let what = row_name(i, &row.rec);
            self.removed.update(|v| v.push((i, row)));
            self.status.set((true, format!("Removed {what}.")));
        }
    }

    /// Puts the last removed row back.
    pub fn undo_remove(&self) {
        let mut last = None;
        self.removed.update(|v| last = v.pop());
        if let Some((i, row)) = last {
            let what = row_name(i, &row.rec);
            self.rows.update(|rows| {
                let at = i.min(rows.len());
                rows.insert(at, row);
            });
            self.status.set((true, format!("Restored {what}.")));
        }
    }
}

/// "row 3 (serial 8659632000001, profile 2, alice@contoso.com)": how messages name a row.
pub fn row_name(index: usize, rec: &TokenRecord) -> String {
    let mut parts = vec![format!("serial {}", rec.serial.trim())];
    if let Some(p) = rec.profile {
        parts.push(format!("profile {p}"));
    }
    if !rec.upn.trim().is_empty() {
        parts.push(rec.upn.trim().to_string());
    }
    format!("row {} ({})", index + 1, parts.join(", "))
}

/// What `format` would refuse (core's `formats::check`), with one finding raised: core only
/// warns when two serials share a secret (the bridge's results may hold one seed burned into
/// several devices on purpose), while in a provisioning session it means a new seed was not
/// generated, so the page's export refuses it, whatever the format. Several profiles of one
/// Molto2 (one serial) are unaffected.
pub fn validate_all(tokens: &[OathToken], format: ExportFormat) -> Vec<Issue> {
    let mut issues = formats::check(format, tokens);
    if entra_format(format).is_none() {
        let recs: Vec<&TokenRecord> = tokens.iter().map(|t| &t.record).collect();
        issues.extend(
            validate_refs(&recs, Format::Csv)
                .into_iter()
                .filter(|i| matches!(i.kind, IssueKind::SharedSecret { .. })),
        );
        issues.sort_by_key(|i| i.row);
    }
    issues
        .into_iter()
        .map(|i| match i.kind {
            IssueKind::SharedSecret { .. } => i.as_error(),
            _ => i,
        })
        .collect()
}

/// What [`validate_all`] finds on `new` appended to `list` (the rows checked with it), numbered
/// as that last row — without checking every row: only the rows its findings can depend on
/// (the first row, and those sharing its serial, seed or user) are checked with it. A finding
/// that names a row ("row 12") is numbered by the rows checked, so then the whole list is
/// checked instead. Equal to the whole list's pass (tested below).
pub fn validate_appended<'a>(
    list: impl Iterator<Item = &'a Row> + Clone,
    new: &OathToken,
    format: ExportFormat,
) -> Vec<Issue> {
    let rec = &new.record;
    let serial = rec.serial.trim();
    let upn = rec.upn.to_lowercase();
    let same_user = |u: &str| {
        !u.is_empty()
            && (u.eq_ignore_ascii_case(&rec.upn)
                || (!(u.is_ascii() && rec.upn.is_ascii()) && u.to_lowercase() == upn))
    };
    let mut related: Vec<OathToken> = Vec::new();
    let mut n = 0;
    for (i, r) in list.clone().enumerate() {
        n = i + 1;
        if i == 0
            || r.rec.serial.trim() == serial
            || r.rec.secret == rec.secret
            || same_user(&r.rec.upn)
        {
            related.push(r.token());
        }
    }
    let last = |issues: Vec<Issue>, row: usize| -> Vec<Issue> {
        issues.into_iter().filter(|i| i.row == row).collect()
    };
    let m = related.len();
    related.push(new.clone());
    let found = last(validate_all(&related, format), m);
    if m == n {
        return found;
    }
    let prefix = format!("row {}: ", m + 1);
    let renumbered: Option<Vec<Issue>> = found
        .into_iter()
        .map(|mut i| {
            let body = i.message.strip_prefix(&prefix)?;
            if names_a_row(body) {
                return None;
            }
            i.message = format!("row {}: {body}", n + 1);
            i.row = n;
            Some(i)
        })
        .collect();
    renumbered.unwrap_or_else(|| {
        let mut all: Vec<OathToken> = list.map(Row::token).collect();
        all.push(new.clone());
        last(validate_all(&all, format), n)
    })
}

/// Whether `message` names a row ("… in row 12"): numbered by the rows it was checked with.
fn names_a_row(message: &str) -> bool {
    message
        .match_indices("row ")
        .any(|(i, _)| message[i + 4..].starts_with(|c: char| c.is_ascii_digit()))
}

/// Why an HOTP row is not in an Entra file: said on the row and beside the export.
pub fn left_out_reason(format: ExportFormat) -> String {
    format!(
        "left out of the {}: HOTP (counter-based), and Entra takes time-based (TOTP) tokens only; export it as PSKC, OATH CSV or otpauth links",
        format.name()
    )
}

/// The rows a file of `format` leaves out ([`Row::fits`]), named.
fn left_out_of(rows: &[Row], format: ExportFormat) -> Vec<String> {
    rows.iter()
        .enumerate()
        .filter(|(_, r)| !r.fits(format))
        .map(|(i, r)| row_name(i, &r.rec))
        .collect()
}

/// [`validate_all`] of the rows (as [`Row::token`]s) a file of `format` holds, numbered as the
/// list's rows, and a warning on each row it leaves out (HOTP rows from Entra's formats), saying
/// why.
pub fn validate_rows(rows: &[OathToken], format: ExportFormat) -> Vec<Issue> {
    let fits = |t: &OathToken| t.is_totp() || entra_format(format).is_none();
    let at: Vec<usize> = (0..rows.len()).filter(|&i| fits(&rows[i])).collect();
    let some: Vec<OathToken>;
    let tokens = if at.len() == rows.len() {
        rows
    } else {
        some = at.iter().map(|&i| rows[i].clone()).collect();
        &some
    };
    let mut issues: Vec<Issue> = validate_all(tokens, format)
        .into_iter()
        .map(|mut i| {
            if at.len() != rows.len() {
                let list_row = |n: usize| at.get(n).copied().unwrap_or(n);
                i.row = list_row(i.row);
                i.message = renumbered(&i.message, &at);
                match &mut i.kind {
                    IssueKind::DuplicateToken { first }
                    | IssueKind::SharedSecret { first, .. }
                    | IssueKind::ProfileTaken { first }
                    | IssueKind::SerialOfOtherUser { first }
                    | IssueKind::SerialRepeated { first } => *first = list_row(*first),
                    _ => {}
                }
            }
            i
        })
        .collect();
    for row in (0..rows.len()).filter(|&i| !fits(&rows[i])) {
        issues.push(Issue {
            row,
            field: Field::Kind,
            severity: Severity::Warning,
            kind: IssueKind::FormatRule,
            message: format!("row {}: {}", row + 1, left_out_reason(format)),
        });
    }
    issues.sort_by_key(|i| i.row);
    issues
}

/// `message` with every "row N" (numbered among the rows checked, `at` giving each one's place
/// in the list) numbered as the list's rows: the row itself and any earlier one it names.
fn renumbered(message: &str, at: &[usize]) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find("row ") {
        let (head, tail) = rest.split_at(i + 4);
        out.push_str(head);
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        match tail[..digits].parse::<usize>() {
            Ok(n) if n >= 1 => {
                let list = at.get(n - 1).map_or(n, |&r| r + 1);
                out.push_str(&list.to_string());
            }
            _ => out.push_str(&tail[..digits]),
        }
        rest = &tail[digits..];
    }
    out.push_str(rest);
    out
}

/// Drops core's "row N: " prefix where the row is obvious.
pub(crate) fn without_row(msg: &str) -> &str {
    match msg.split_once(": ") {
        Some((head, rest)) if head.starts_with("row ") => rest,
        _ => msg,
    }
}

pub(crate) fn profile_of(text: &str) -> Result<Option<u8>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<u8>().map(Some).map_err(|_| {
        format!(
            "profile '{t}' is not a slot number (0–{})",
            caps::largest_profile()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokensmith_core::otp::Algorithm;
    use tokensmith_core::secret::Secret;

    /// A small deterministic generator: lists full of shared serials, seeds and users.
    struct Lcg(u64);
    impl Lcg {
        fn pick(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) % n as u64) as usize
        }
    }

    fn row(g: &mut Lcg, id: u64) -> Row {
        let upns = [
            "a@contoso.com",
            "A@Contoso.com",
            "b@contoso.com",
            "\u{212A}@contoso.com", // KELVIN SIGN: lower-cases to an ASCII 'k'
            "k@contoso.com",
            "",
            "bad upn",
            "row 2@contoso.com",
        ];
        let serials = ["1", " 1", "2", "3", "", "row 1", "=4", "5,6"];
        let profiles = [None, None, Some(1), Some(2), Some(150)];
        let secrets: [&[u8]; 5] = [&[1; 20], &[2; 20], &[3; 10], &[4; 32], &[5; 81]];
        let mut status = Status::new(Origin::Added, [6, 6, 8, 7][g.pick(4)]);
        if g.pick(6) == 0 {
            status.kind = Kind::Hotp { counter: 3 };
        }
        Row {
            id,
            rec: TokenRecord {
                upn: upns[g.pick(upns.len())].into(),
                serial: serials[g.pick(serials.len())].into(),
                secret: Secret::from_bytes(secrets[g.pick(secrets.len())].to_vec()).unwrap(),
                interval: [30, 60, 0][g.pick(3)],
                manufacturer: ["Token2", ""][g.pick(2)].into(),
                model: "C302-i".into(),
                algorithm: [Algorithm::Sha1, Algorithm::Sha256][g.pick(2)],
                profile: profiles[g.pick(profiles.len())],
                display_name: None,
            },
            status,
        }
    }

    #[test]
    fn only_a_row_number_names_a_row() {
        assert!(names_a_row("serial '1' is already in row 12: remove it"));
        assert!(!names_a_row("the UPN is empty: every CSV row needs a user"));
        assert!(!names_a_row("row"));
    }

    #[test]
    fn a_row_appended_is_checked_as_the_whole_list_checks_it() {
        let mut g = Lcg(15);
        let mut compared = 0;
        let mut with_findings = 0;
        for round in 0..300 {
            let len = [0, 1, 2, 5, 12, 40][round % 6];
            let rows: Vec<Row> = (0..len).map(|i| row(&mut g, i as u64)).collect();
            let new = row(&mut g, 999).token();
            for format in ExportFormat::ALL {
                let listed: Vec<&Row> = rows.iter().filter(|r| r.fits(format)).collect();
                let mut all: Vec<OathToken> = listed.iter().map(|r| r.token()).collect();
                all.push(new.clone());
                let full: Vec<Issue> = validate_all(&all, format)
                    .into_iter()
                    .filter(|i| i.row == listed.len())
                    .collect();
                let fast = validate_appended(listed.iter().copied(), &new, format);
                assert_eq!(fast, full, "{format:?}, round {round}");
                compared += 1;
                with_findings += usize::from(!full.is_empty());
            }
        }
        assert!(
            with_findings > compared / 2,
            "{with_findings} of {compared}"
        );
    }
}
