//! A batch checked whole before any reader is touched, for the terminal (`hardware-bridge
//! batch`) and the page (`POST /api/batch/start`) alike: the model, the user list (core's
//! `batch::read_users`: UPN shape, duplicates, serials or profiles twice, more than Entra's 5
//! tokens for a user counting those the journal holds), the parameters against the model and
//! Entra's limits (`core::caps`).

use std::collections::HashMap;

use tokensmith_core::batch::{self, BatchParams, BatchUser, Issue, ListFormat, Severity};
use tokensmith_core::caps::{DisplayTimeout, Model};
use tokensmith_core::entra::Format;
use tokensmith_core::otp::{Algorithm, OtpParams};
use tokensmith_core::secret::DEFAULT_GENERATED_LEN;

use super::{Recorded, Spec};
use crate::backend::Backend;
use crate::device::plan::{kind_of, BurnParams};
use crate::device::Credentials;
use crate::error::BridgeError;

/// The code every token gets, as chosen (`None`: the model's default).
#[derive(Debug, Clone, Copy, Default)]
pub struct Code {
    pub algorithm: Option<Algorithm>,
    pub digits: Option<u8>,
    pub period: Option<u32>,
    pub display_timeout: Option<u32>,
}

/// How the batch runs, besides its code.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub creds: Credentials,
    pub auto_accept: bool,
    pub overwrite: bool,
    pub resume: bool,
}

/// A batch ready to run.
pub struct Plan {
    pub spec: Spec,
    pub users: Vec<BatchUser>,
    pub format: ListFormat,
    /// Warnings (and, when refused, errors) about the list, with their lines.
    pub issues: Vec<Issue>,
    /// Entra's CSV takes these tokens (SHA-1); otherwise only the Graph upload does.
    pub csv_ok: bool,
}

/// Why nothing starts: the parameters' refusals, and the list's issues (errors among them).
#[derive(Debug)]
pub struct Refused {
    pub refusals: Vec<String>,
    pub issues: Vec<Issue>,
}

impl Refused {
    /// One line: the refusals, and the list's errors counted (`listed` names where they are
    /// listed in full) or, without `listed`, quoted up to three.
    pub fn message(&self, listed: Option<&str>) -> String {
        let mut why = self.refusals.clone();
        let errors: Vec<&Issue> = self
            .issues
            .iter()
            .filter(|i| i.severity == Severity::Error)
            .collect();
        match (errors.len(), listed) {
            (0, _) => {}
            (n, Some(place)) => why.push(format!("{n} problem(s) in {place} (listed above)")),
            (n, None) => {
                let shown: Vec<String> = errors.iter().take(3).map(ToString::to_string).collect();
                let more = if n > 3 {
                    format!(" (and {} more)", n - 3)
                } else {
                    String::new()
                };
                why.push(format!("the user list: {}{more}", shown.join("; ")));
            }
        }
        format!("nothing burned: {}", why.join("; "))
    }
}

/// The model the box holds, by core's name; a model that is no token (an app) is refused.
pub fn token_model(name: &str) -> Result<Model, BridgeError> {
    let m = name.parse::<Model>().map_err(BridgeError::BadInput)?;
    if kind_of(m).is_none() {
        return Err(BridgeError::BadInput(format!(
            "{} is not a token: give a hardware model",
            m.caps().label
        )));
    }
    Ok(m)
}

/// Reads `text` as a user list and checks it with the parameters. `recorded` is what the
/// journal holds: without `resume`, its tokens count towards Entra's 5 per user.
pub fn plan(
    text: &str,
    model: Model,
    code: Code,
    options: Options,
    recorded: &Recorded,
) -> Result<Plan, Refused> {
    let list = batch::read_users(text);
    let display_timeout = match code
        .display_timeout
        .map(DisplayTimeout::try_from)
        .transpose()
    {
        Ok(d) => d,
        Err(e) => {
            return Err(Refused {
                refusals: vec![e.to_string()],
                issues: list.issues,
            })
        }
    };
    let params = BatchParams {
        model,
        otp: OtpParams {
            algorithm: code.algorithm.unwrap_or_default(),
            digits: code.digits.unwrap_or(6),
            period: code.period.unwrap_or(30),
        },
        display_timeout,
    };
    let mut issues = list.issues.clone();
    issues.extend(batch::check_against(&list.users, &params));
    if !options.resume {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for r in &recorded.rows {
            if let Some(u) = &r.upn {
                *counts.entry(u.to_lowercase()).or_default() += 1;
            }
        }
        issues.extend(
            batch::check_users(&list.users, &counts)
                .into_iter()
                .filter(|i| matches!(i.kind, batch::IssueKind::TooManyTokens { .. })),
        );
    }
    issues.sort_by_key(|i| i.line);
    let refusals: Vec<String> = batch::check_params(&params, Format::Graph)
        .err()
        .unwrap_or_default()
        .iter()
        .map(ToString::to_string)
        .collect();
    if !refusals.is_empty() || issues.iter().any(|i| i.severity == Severity::Error) {
        return Err(Refused { refusals, issues });
    }
    let spec = Spec {
        model,
        params: BurnParams {
            algorithm: code.algorithm,
            digits: code.digits,
            period: code.period,
            display_timeout: code.display_timeout,
            ..BurnParams::default()
        },
        creds: options.creds,
        auto_accept: options.auto_accept,
        overwrite: options.overwrite,
        seed_bytes: DEFAULT_GENERATED_LEN,
    };
    Ok(Plan {
        spec,
        users: list.users,
        format: list.format,
        issues,
        csv_ok: batch::check_params(&params, Format::Csv).is_ok(),
    })
}

/// The readers a batch runs on: the named ones (full names or unique parts), else the only
/// one there is; several are refused unless named, so no other token is written to.
pub fn readers(backend: &dyn Backend, wanted: &[String]) -> Result<Vec<String>, BridgeError> {
    let names: Vec<String> = backend.readers()?.into_iter().map(|r| r.name).collect();
    if !wanted.is_empty() {
        return wanted
            .iter()
            .map(|w| crate::backend::match_reader(&names, w))
            .collect();
    }
    match names.as_slice() {
        [] => Err(BridgeError::NoReader),
        [one] => Ok(vec![one.clone()]),
        several => Err(BridgeError::AmbiguousReader(format!(
            "several readers ({}): name the ones the batch uses, so no other token is written \
             to",
            several.join(", ")
        ))),
    }
}
