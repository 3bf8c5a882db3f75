//! `push`: check every token first, then, in Entra — look up the users (and how many OATH
//! methods each already has), find existing devices by serial, create the missing ones in
//! modest bulk batches, assign each to its user and activate it with the code computed from
//! its seed. Every step goes to the journal before the next begins, and Entra's own state is
//! read before anything is changed, so a second run after a crash or a partial failure does
//! nothing twice and finishes the rest.

use std::collections::{HashMap, HashSet};

use tokensmith_core::entra::{
    graph_bulk_json, validate_for, Format, Issue, Severity, TokenRecord, MAX_TOKENS_PER_USER,
};
use tokensmith_core::otp::Algorithm;

use crate::activation::activation_code;
use crate::api::{CallError, Created, Device, Graph, OathMethod, SentItem};
use crate::error::{refusal_hint, Error};
use crate::journal::{seed_check, token_key, Journal, Note, Step};
use crate::matching::{match_serial, Found, Want};
use crate::report::{Done, Failure, Report, Stage, TokenReport};
use crate::ui::Ui;

/// Graph documents no limit for a bulk creation; small batches keep a refused or lost batch
/// cheap to sort out.
pub const DEFAULT_BATCH: usize = 50;
pub const MAX_BATCH: usize = 100;
/// Tries of one change whose answer keeps getting lost.
const CHANGE_TRIES: usize = 3;

/// The tokens to push, as read from a file, and problems the reader found that core's rules
/// cannot see (e.g. a token that shows 8 digits). `Issue::row` indexes `records`.
#[derive(Debug, Clone, Default)]
pub struct Input {
    pub records: Vec<TokenRecord>,
    pub issues: Vec<Issue>,
}

#[derive(Debug, Clone, Copy)]
pub struct PushOptions {
    pub batch_size: usize,
}

impl Default for PushOptions {
    fn default() -> Self {
        PushOptions {
            batch_size: DEFAULT_BATCH,
        }
    }
}

/// The display name a token gets in Entra (users see it in their security info). A profile of
/// a multi-profile token without a name of its own is named after its slot, which also lets a
/// later run tell the profiles apart.
pub fn display_name(record: &TokenRecord) -> Option<String> {
    record
        .display_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| {
            record
                .profile
                .map(|p| format!("{} profile {p}", record.model))
        })
}

/// Graph's name for the hash function.
pub fn hash_function(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::Sha256 => "hmacsha256",
        Algorithm::Sha1 | Algorithm::Sha512 => "hmacsha1",
    }
}

/// The offline part: core's rules (UPN, base32, period, hash, one user per token, at most 5 per
/// user in the input), the reader's extra issues, and the journal's seed checks. Warnings are
/// returned for the caller to show; failed tokens get their report.
pub fn check(input: &Input, journal: Option<&Journal>) -> (Vec<TokenReport>, Vec<String>) {
    let mut reports: Vec<TokenReport> = input
        .records
        .iter()
        .map(|r| TokenReport::new(&r.serial, r.profile, &r.upn))
        .collect();
    let mut warnings = Vec::new();
    let issues = validate_for(&input.records, Format::Graph)
        .into_iter()
        .chain(input.issues.iter().cloned());
    for issue in issues {
        let Some(report) = reports.get_mut(issue.row) else {
            continue;
        };
        match issue.severity {
            Severity::Warning => warnings.push(format!("{}: {}", report.label(), issue.message)),
            Severity::Error if report.failure.is_none() => {
                report.failure = Some(Failure {
                    stage: Stage::Check,
                    message: format!("{} (nothing was sent for this token)", issue.message),
                })
            }
            Severity::Error => {}
        }
    }
    if let Some(journal) = journal {
        for (report, record) in reports.iter_mut().zip(&input.records) {
            let known = journal.get(&token_key(record)).and_then(|e| e.seed.clone());
            if report.failure.is_none() && known.is_some_and(|k| k != seed_check(&record.secret)) {
                report.failure = Some(Failure {
                    stage: Stage::Check,
                    message: format!(
                        "the journal shows serial {} was pushed with a different seed (re-burned \
                         since?): remove it from Entra first (`entra remove --serial {} --yes`), \
                         then push again",
                        record.serial, record.serial
                    ),
                });
            }
        }
    }
    (reports, warnings)
}

struct UserInfo {
    id: String,
    methods: Vec<OathMethod>,
    software: usize,
}

struct Tok<'a> {
    rec: &'a TokenRecord,
    key: String,
    seed: String,
    name: Option<String>,
    report: TokenReport,
    open: bool,
    told: bool,
    user: Option<String>,
    device: Option<Device>,
    method: Option<String>,
}

struct Run<'a, 'u> {
    graph: &'a mut Graph<'u>,
    journal: &'a mut Journal,
    ui: &'u dyn Ui,
    toks: Vec<Tok<'a>>,
    users: HashMap<String, UserInfo>,
}

/// Runs the push for the tokens `check` let through. Never returns early: a stop (refused
/// permission, Graph unreachable) is in the report, with the tokens it left undone.
pub fn push<'a>(
    graph: &'a mut Graph<'_>,
    journal: &'a mut Journal,
    input: &'a Input,
    checked: Vec<TokenReport>,
    opts: &PushOptions,
) -> Report {
    let ui = graph.ui();
    let toks = input
        .records
        .iter()
        .zip(checked)
        .map(|(rec, report)| Tok {
            rec,
            key: token_key(rec),
            seed: seed_check(&rec.secret),
            name: display_name(rec),
            open: report.failure.is_none(),
            report,
            told: false,
            user: None,
            device: None,
            method: None,
        })
        .collect();
    let mut run = Run {
        graph,
        journal,
        ui,
        toks,
        users: HashMap::new(),
    };
    for i in 0..run.toks.len() {
        if !run.toks[i].open {
            run.tell(i);
        }
    }
    let result = run.all(opts.batch_size.clamp(1, MAX_BATCH));
    let (stopped, stop_code) = match result {
        Ok(()) => (None, None),
        Err(e) => {
            let why = e.to_string();
            for i in 0..run.toks.len() {
                if run.toks[i].open {
                    run.toks[i].report.failure = Some(Failure {
                        stage: Stage::NotReached,
                        message: "the run stopped before this token was finished; run the same \
                                  command again to finish it (nothing done is redone)"
                            .into(),
                    });
                    run.close(i);
                }
            }
            (Some(why), Some(e.exit_code()))
        }
    };
    Report {
        tokens: run.toks.into_iter().map(|t| t.report).collect(),
        stopped,
        stop_code,
    }
}

fn method_device(m: &OathMethod) -> &str {
    m.device.as_ref().map_or(m.id.as_str(), |d| d.id.as_str())
}

impl Run<'_, '_> {
    fn all(&mut self, batch: usize) -> Result<(), Error> {
        self.users()?;
        self.devices()?;
        self.capacity()?;
        self.create(batch)?;
        self.assign_and_activate()
    }

    fn tell(&mut self, i: usize) {
        if !self.toks[i].told {
            self.toks[i].told = true;
            self.ui.token(&self.toks[i].report);
        }
    }

    fn close(&mut self, i: usize) {
        self.toks[i].open = false;
        self.tell(i);
    }

    fn note(&mut self, i: usize, step: Step, note: Note<'_>) -> Result<(), Error> {
        let t = &self.toks[i];
        let note = Note {
            upn: Some(t.rec.upn.as_str()),
            seed: Some(t.seed.clone()),
            ..note
        };
        self.journal.record(&t.key, step, note)
    }

    /// Marks token `i` failed at `stage` with `message`, in the journal and the report.
    fn fail(&mut self, i: usize, stage: Stage, message: String) -> Result<(), Error> {
        self.note(
            i,
            Step::Failed,
            Note {
                detail: Some(&format!("{}: {message}", stage.as_str())),
                ..Note::default()
            },
        )?;
        self.toks[i].report.failure = Some(Failure { stage, message });
        self.close(i);
        Ok(())
    }

    fn open_indices(&self) -> Vec<usize> {
        (0..self.toks.len())
            .filter(|&i| self.toks[i].open)
            .collect()
    }

    fn users(&mut self) -> Result<(), Error> {
        let mut upns: Vec<String> = Vec::new();
        for i in self.open_indices() {
            let upn = self.toks[i].rec.upn.to_lowercase();
            if !upn.is_empty() && !upns.contains(&upn) {
                upns.push(upn);
            }
        }
        for upn in upns {
            let of_user: Vec<usize> = self
                .open_indices()
                .into_iter()
                .filter(|&i| self.toks[i].rec.upn.to_lowercase() == upn)
                .collect();
            let user = match self.graph.user(&upn) {
                Ok(Some(u)) => u,
                Ok(None) => {
                    for i in of_user {
                        self.fail(
                            i,
                            Stage::User,
                            format!("no user {upn} in this tenant: check the UPN"),
                        )?;
                    }
                    continue;
                }
                Err(CallError::Graph(m)) => {
                    for &i in &of_user {
                        self.fail(i, Stage::User, m.to_string())?;
                    }
                    continue;
                }
                Err(e) => return Err(e.fatal("looking up users")),
            };
            let methods = self
                .graph
                .hardware_methods(&user.id)
                .map_err(|e| e.fatal("reading users' OATH methods"))?;
            let software = self
                .graph
                .software_method_count(&user.id)
                .map_err(|e| e.fatal("reading users' OATH methods"))?;
            for &i in &of_user {
                self.toks[i].user = Some(user.id.clone());
            }
            self.users.insert(
                upn,
                UserInfo {
                    id: user.id,
                    methods,
                    software,
                },
            );
        }
        Ok(())
    }

    fn devices(&mut self) -> Result<(), Error> {
        let mut serials: Vec<String> = Vec::new();
        for i in self.open_indices() {
            let s = self.toks[i].rec.serial.trim().to_string();
            if !serials.contains(&s) {
                serials.push(s);
            }
        }
        for serial in serials {
            let group: Vec<usize> = self
                .open_indices()
                .into_iter()
                .filter(|&i| self.toks[i].rec.serial.trim() == serial)
                .collect();
            let devices = self
                .graph
                .devices_with_serial(&serial)
                .map_err(|e| e.fatal("listing hardware OATH devices"))?;
            let journal_ids: Vec<Option<String>> = group
                .iter()
                .map(|&i| {
                    self.journal
                        .get(&self.toks[i].key)
                        .and_then(|e| e.device.clone())
                })
                .collect();
            let wants: Vec<Want<'_>> = group
                .iter()
                .zip(&journal_ids)
                .map(|(&i, j)| Want {
                    display_name: self.toks[i].name.as_deref(),
                    user_id: self.toks[i].user.as_deref(),
                    journal_device: j.as_deref(),
                })
                .collect();
            let found = match_serial(&serial, &wants, &devices);
            for ((&i, f), journal_id) in group.iter().zip(found).zip(journal_ids) {
                match f {
                    Found::Device(d) => self.existing(i, devices[d].clone())?,
                    Found::Absent => {
                        if let Some(id) = journal_id {
                            self.ui.note(&format!(
                                "{}: the journal knows it as device {id}, but Entra no longer \
                                 has it: creating it again",
                                self.toks[i].report.label()
                            ));
                        }
                    }
                    Found::Ambiguous(why) => self.fail(i, Stage::Create, why)?,
                }
            }
        }
        Ok(())
    }

    /// Token `i` is already in Entra as `d`: check it is the same token, and see how far it got.
    fn existing(&mut self, i: usize, d: Device) -> Result<(), Error> {
        let rec = self.toks[i].rec;
        let serial = rec.serial.trim();
        let label = self.toks[i].report.label();
        let differs = |what: String| {
            format!(
                "Entra already has serial {serial} with {what}: if the token was re-burned, \
                 remove the old one (`entra remove --serial {serial} --yes`) and push again"
            )
        };
        if let Some(p) = d.time_interval_in_seconds.filter(|&p| p != rec.interval) {
            let msg = differs(format!("a {p} s time step, not {} s", rec.interval));
            return self.fail(i, Stage::Create, msg);
        }
        if let Some(h) = d
            .hash_function
            .as_deref()
            .filter(|h| !h.eq_ignore_ascii_case(hash_function(rec.algorithm)))
        {
            let msg = differs(format!("hash {h}, not {}", hash_function(rec.algorithm)));
            return self.fail(i, Stage::Create, msg);
        }
        let entry = self
            .journal
            .get(&self.toks[i].key)
            .cloned()
            .unwrap_or_default();
        if entry.step == Some(Step::CreateSent) {
            self.ui.note(&format!(
                "{label}: the answer to its creation was lost last time; Entra has it (device {}): \
                 not creating it again",
                d.id
            ));
        }
        if entry.device.as_deref() != Some(d.id.as_str()) {
            self.note(
                i,
                Step::Existed,
                Note {
                    device: Some(&d.id),
                    ..Note::default()
                },
            )?;
        }
        let t = &mut self.toks[i];
        t.report.device_id = Some(d.id.clone());
        t.report.done.push(Done::AlreadyExisted);
        let assignee = d.assigned_to.as_ref().map(|a| a.id.clone());
        let activated = d.status() == "activated";
        match (assignee, t.user.clone()) {
            (None, _) => t.device = Some(d),
            (Some(_), None) if t.rec.upn.is_empty() => {
                t.device = Some(d);
                self.close(i);
            }
            (Some(a), Some(u)) if a == u => {
                t.report.done.push(Done::AlreadyAssigned);
                let upn = t.rec.upn.to_lowercase();
                let method = self
                    .users
                    .get(&upn)
                    .and_then(|info| info.methods.iter().find(|m| method_device(m) == d.id))
                    .map(|m| m.id.clone())
                    .or_else(|| self.journal.get(&t.key).and_then(|e| e.method.clone()))
                    // Graph's examples give a method the ID of its device.
                    .unwrap_or_else(|| d.id.clone());
                t.method = Some(method);
                t.device = Some(d);
                if activated {
                    self.toks[i].report.done.push(Done::AlreadyActivated);
                    if self.journal.get(&self.toks[i].key).and_then(|e| e.step)
                        != Some(Step::Activated)
                    {
                        self.note(i, Step::Activated, Note::default())?;
                    }
                    self.close(i);
                }
            }
            (Some(a), _) => {
                let who = d
                    .assigned_to
                    .as_ref()
                    .and_then(|x| x.display_name.clone())
                    .unwrap_or(a);
                let upn = t.rec.upn.clone();
                return self.fail(
                    i,
                    Stage::Assign,
                    format!(
                        "Entra has it assigned to {who} already, not to {upn}: unassign it there \
                         (or `entra remove --serial {serial} --yes`) if it should go to {upn}"
                    ),
                );
            }
        }
        Ok(())
    }

    /// Entra's limit of OATH tokens and apps per user, counting what each user already has.
    fn capacity(&mut self) -> Result<(), Error> {
        let ours: HashSet<String> = self
            .toks
            .iter()
            .filter_map(|t| t.device.as_ref().map(|d| d.id.clone()))
            .collect();
        let upns: Vec<String> = self.users.keys().cloned().collect();
        for upn in upns {
            let info = &self.users[&upn];
            let others = info
                .methods
                .iter()
                .filter(|m| !ours.contains(method_device(m)))
                .count()
                + info.software;
            let id = info.id.clone();
            let mine: Vec<usize> = (0..self.toks.len())
                .filter(|&i| self.toks[i].user.as_deref() == Some(id.as_str()))
                .collect();
            let held = mine
                .iter()
                .filter(|&&i| self.toks[i].report.done.contains(&Done::AlreadyAssigned))
                .count();
            let new: Vec<usize> = mine
                .into_iter()
                .filter(|&i| self.toks[i].open && self.toks[i].method.is_none())
                .collect();
            let room = MAX_TOKENS_PER_USER.saturating_sub(others + held);
            for (k, &i) in new.iter().enumerate().skip(room) {
                let has = others + held;
                let msg = format!(
                    "{upn} already has {has} OATH token(s) or app(s) in Entra; Entra allows \
                     {MAX_TOKENS_PER_USER} per user, so this would be number {}: remove one of \
                     theirs first (nothing was sent for this token)",
                    has + k + 1
                );
                self.fail(i, Stage::User, msg)?;
            }
        }
        Ok(())
    }

    /// The creation body for some tokens: core's Graph bulk JSON, without `assignTo`
    /// (assignment is its own step, so each step can be checked and resumed).
    fn creation_body(&self, idx: &[usize]) -> Result<zeroize::Zeroizing<String>, Error> {
        let records: Vec<TokenRecord> = idx
            .iter()
            .map(|&i| TokenRecord {
                upn: String::new(),
                display_name: self.toks[i].name.clone(),
                ..self.toks[i].rec.clone()
            })
            .collect();
        graph_bulk_json(&records).map_err(|e| Error::BadInput(e.to_string()))
    }

    fn create(&mut self, batch: usize) -> Result<(), Error> {
        let todo: Vec<usize> = self
            .open_indices()
            .into_iter()
            .filter(|&i| self.toks[i].device.is_none())
            .collect();
        for chunk in todo.chunks(batch) {
            for &i in chunk {
                self.note(i, Step::CreateSent, Note::default())?;
            }
            let body = self.creation_body(chunk)?;
            let serials: Vec<String> = chunk
                .iter()
                .map(|&i| self.toks[i].rec.serial.clone())
                .collect();
            let sent: Vec<SentItem<'_>> = serials
                .iter()
                .enumerate()
                .map(|(k, s)| SentItem {
                    content_id: (k + 1).to_string(),
                    serial: s,
                })
                .collect();
            match self.graph.create_batch(body.as_bytes(), &sent) {
                Ok(results) => {
                    for (&i, result) in chunk.iter().zip(results) {
                        match result {
                            Some(Created::Device(d)) => self.created(i, d)?,
                            Some(Created::Failed(m)) => {
                                self.fail(i, Stage::Create, m.to_string())?
                            }
                            None => self.create_single(i)?,
                        }
                    }
                }
                Err(CallError::Graph(m)) if chunk.len() > 1 => {
                    self.ui.note(&format!(
                        "Graph refused a batch of {} ({m}): creating them one at a time to find \
                         which one it objects to",
                        chunk.len()
                    ));
                    for &i in chunk {
                        self.create_single(i)?;
                    }
                }
                Err(CallError::Graph(m)) => self.fail(chunk[0], Stage::Create, m.to_string())?,
                Err(CallError::Unknown(why)) => {
                    self.ui.note(&format!(
                        "the answer to creating {} token(s) was lost ({why}): checking Entra by \
                         serial before sending anything again",
                        chunk.len()
                    ));
                    for &i in chunk {
                        self.create_single(i)?;
                    }
                }
                Err(e) => return Err(e.fatal("creating hardware OATH devices")),
            }
        }
        Ok(())
    }

    fn created(&mut self, i: usize, d: Device) -> Result<(), Error> {
        self.note(
            i,
            Step::Created,
            Note {
                device: Some(&d.id),
                ..Note::default()
            },
        )?;
        let t = &mut self.toks[i];
        t.report.done.push(Done::Created);
        t.report.device_id = Some(d.id.clone());
        t.device = Some(d);
        Ok(())
    }

    /// Is token `i` in Entra already (a creation whose answer was lost)?
    fn find_created(&mut self, i: usize) -> Result<Option<Device>, Error> {
        let serial = self.toks[i].rec.serial.trim().to_string();
        let taken: HashSet<String> = self
            .toks
            .iter()
            .filter_map(|t| t.device.as_ref().map(|d| d.id.clone()))
            .collect();
        let devices: Vec<Device> = self
            .graph
            .devices_with_serial(&serial)
            .map_err(|e| e.fatal("listing hardware OATH devices"))?
            .into_iter()
            .filter(|d| !taken.contains(&d.id))
            .collect();
        let want = Want {
            display_name: self.toks[i].name.as_deref(),
            user_id: None,
            journal_device: None,
        };
        match match_serial(&serial, &[want], &devices).remove(0) {
            Found::Device(d) => Ok(Some(devices[d].clone())),
            Found::Absent => Ok(None),
            Found::Ambiguous(why) => {
                self.fail(i, Stage::Create, why)?;
                Ok(None)
            }
        }
    }

    /// Creates one token, looking in Entra first each time.
    fn create_single(&mut self, i: usize) -> Result<(), Error> {
        for _ in 0..CHANGE_TRIES {
            if let Some(d) = self.find_created(i)? {
                return self.created(i, d);
            }
            if !self.toks[i].open {
                return Ok(());
            }
            let body = self.creation_body(&[i])?;
            let serial = self.toks[i].rec.serial.clone();
            let sent = [SentItem {
                content_id: "1".into(),
                serial: &serial,
            }];
            match self.graph.create_batch(body.as_bytes(), &sent) {
                Ok(mut r) => match r.remove(0) {
                    Some(Created::Device(d)) => return self.created(i, d),
                    Some(Created::Failed(m)) => return self.fail(i, Stage::Create, m.to_string()),
                    None => {}
                },
                Err(CallError::Graph(m)) => return self.fail(i, Stage::Create, m.to_string()),
                Err(CallError::Unknown(why)) => self.ui.note(&format!(
                    "{}: the answer to its creation was lost ({why}): checking again",
                    self.toks[i].report.label()
                )),
                Err(e) => return Err(e.fatal("creating hardware OATH devices")),
            }
        }
        self.fail(
            i,
            Stage::Create,
            "Graph's answer to its creation was lost several times: run the same command again \
             (it checks Entra before sending anything twice)"
                .into(),
        )
    }

    fn assign_and_activate(&mut self) -> Result<(), Error> {
        for i in self.open_indices() {
            if self.toks[i].rec.upn.is_empty() {
                self.toks[i].report.done.push(Done::LeftUnassigned);
                self.close(i);
                continue;
            }
            if self.toks[i].method.is_none() {
                self.assign(i)?;
            }
            if self.toks[i].open {
                self.activate(i)?;
            }
            if self.toks[i].open {
                self.close(i);
            }
        }
        Ok(())
    }

    fn ids(&self, i: usize) -> (String, String) {
        let t = &self.toks[i];
        (
            t.user.clone().unwrap_or_default(),
            t.device.as_ref().map(|d| d.id.clone()).unwrap_or_default(),
        )
    }

    fn assigned(&mut self, i: usize, method: String) -> Result<(), Error> {
        let (user, _) = self.ids(i);
        self.note(
            i,
            Step::Assigned,
            Note {
                method: Some(&method),
                user: Some(&user),
                ..Note::default()
            },
        )?;
        self.toks[i].report.done.push(Done::Assigned);
        self.toks[i].method = Some(method);
        Ok(())
    }

    fn assign(&mut self, i: usize) -> Result<(), Error> {
        let (user, device) = self.ids(i);
        for _ in 0..CHANGE_TRIES {
            match self.graph.assign(&user, &device) {
                Ok(method) => return self.assigned(i, method),
                Err(CallError::Unknown(why)) => {
                    self.ui.note(&format!(
                        "{}: the answer to its assignment was lost ({why}): checking the user's \
                         tokens before trying again",
                        self.toks[i].report.label()
                    ));
                    let methods = self
                        .graph
                        .hardware_methods(&user)
                        .map_err(|e| e.fatal("reading users' OATH methods"))?;
                    if let Some(m) = methods.iter().find(|m| method_device(m) == device) {
                        return self.assigned(i, m.id.clone());
                    }
                }
                Err(CallError::Graph(m)) => return self.fail(i, Stage::Assign, m.to_string()),
                Err(CallError::Refused(m)) => {
                    let hint = refusal_hint(m.status, "assigning tokens to users");
                    return self.fail(i, Stage::Assign, format!("{m} — {hint}"));
                }
                Err(CallError::Fatal(e)) => return Err(e),
            }
        }
        self.fail(
            i,
            Stage::Assign,
            "Graph's answer to the assignment was lost several times: run the same command again"
                .into(),
        )
    }

    fn activate(&mut self, i: usize) -> Result<(), Error> {
        let (user, device) = self.ids(i);
        let method = self.toks[i].method.clone().unwrap_or_default();
        let serial = self.toks[i].rec.serial.trim().to_string();
        for _ in 0..CHANGE_TRIES {
            let code = activation_code(self.toks[i].rec)?;
            let name = self.toks[i].name.clone();
            match self.graph.activate(&user, &method, &code, name.as_deref()) {
                Ok(()) => {
                    self.note(i, Step::Activated, Note::default())?;
                    self.toks[i].report.done.push(Done::Activated);
                    return Ok(());
                }
                Err(CallError::Unknown(why)) => {
                    self.ui.note(&format!(
                        "{}: the answer to its activation was lost ({why}): checking its status \
                         before trying again",
                        self.toks[i].report.label()
                    ));
                    let now = self
                        .graph
                        .device(&device)
                        .map_err(|e| e.fatal("reading a device"))?;
                    if now.is_some_and(|d| d.status() == "activated") {
                        self.note(i, Step::Activated, Note::default())?;
                        self.toks[i].report.done.push(Done::Activated);
                        return Ok(());
                    }
                }
                Err(CallError::Graph(m)) => {
                    return self.fail(
                        i,
                        Stage::Activate,
                        format!(
                            "{m} — Entra did not accept the code computed from the seed: it may \
                             hold another seed for serial {serial} (an earlier upload, or the \
                             token was re-burned since), or this computer's clock is off. Check \
                             the clock; if it is right, remove the serial from Entra (`entra \
                             remove --serial {serial} --yes`) and push again"
                        ),
                    )
                }
                Err(CallError::Refused(m)) => {
                    let hint = refusal_hint(m.status, "activating tokens for users");
                    return self.fail(i, Stage::Activate, format!("{m} — {hint}"));
                }
                Err(CallError::Fatal(e)) => return Err(e),
            }
        }
        self.fail(
            i,
            Stage::Activate,
            "Graph's answer to the activation was lost several times: run the same command again"
                .into(),
        )
    }
}
