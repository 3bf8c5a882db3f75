//! The per-token report: what was done (created / already existed / assigned / activated) or
//! where it failed and what Graph said.

use std::fmt;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Done {
    Created,
    AlreadyExisted,
    Assigned,
    AlreadyAssigned,
    Activated,
    AlreadyActivated,
    /// Created without a UPN: stays in the inventory, unassigned.
    LeftUnassigned,
}

impl Done {
    pub fn as_str(self) -> &'static str {
        match self {
            Done::Created => "created",
            Done::AlreadyExisted => "already existed",
            Done::Assigned => "assigned",
            Done::AlreadyAssigned => "already assigned",
            Done::Activated => "activated",
            Done::AlreadyActivated => "already activated",
            Done::LeftUnassigned => "left unassigned (no UPN)",
        }
    }
}

/// Where a token stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The input row breaks a rule: nothing was sent for it.
    Check,
    User,
    Create,
    Assign,
    Activate,
    /// The run stopped before reaching this token.
    NotReached,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Check => "check",
            Stage::User => "user",
            Stage::Create => "create",
            Stage::Assign => "assign",
            Stage::Activate => "activate",
            Stage::NotReached => "not reached",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub stage: Stage,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenReport {
    pub serial: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<u8>,
    pub upn: String,
    pub done: Vec<Done>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
}

impl TokenReport {
    pub fn new(serial: &str, profile: Option<u8>, upn: &str) -> TokenReport {
        TokenReport {
            serial: serial.trim().to_string(),
            profile,
            upn: upn.to_string(),
            done: Vec::new(),
            failure: None,
            device_id: None,
        }
    }

    pub fn ok(&self) -> bool {
        self.failure.is_none()
    }

    pub fn label(&self) -> String {
        match self.profile {
            Some(p) => format!("{} profile {p}", self.serial),
            None => self.serial.clone(),
        }
    }
}

impl fmt::Display for TokenReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let user = if self.upn.is_empty() {
            "(no UPN)"
        } else {
            &self.upn
        };
        write!(f, "{:<24} {:<28} ", self.label(), user)?;
        let done: Vec<&str> = self.done.iter().map(|d| d.as_str()).collect();
        match &self.failure {
            None => f.write_str(&done.join(", ")),
            Some(fail) => {
                if !done.is_empty() {
                    write!(f, "{}; ", done.join(", "))?;
                }
                write!(f, "FAILED at {}: {}", fail.stage.as_str(), fail.message)
            }
        }
    }
}

/// The outcome of a push.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub tokens: Vec<TokenReport>,
    /// Why the run stopped early, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    #[serde(skip)]
    pub stop_code: Option<u8>,
}

impl Report {
    pub fn failed(&self) -> usize {
        self.tokens.iter().filter(|t| !t.ok()).count()
    }

    /// 0 all done; the stopping error's code; else 5 (some tokens failed, see the report).
    pub fn exit_code(&self) -> u8 {
        match (self.stop_code, self.failed()) {
            (Some(code), _) => code,
            (None, 0) => 0,
            (None, _) => 5,
        }
    }

    pub fn summary(&self) -> String {
        let count = |d: Done| {
            self.tokens
                .iter()
                .filter(|t| t.ok() && t.done.contains(&d))
                .count()
        };
        let activated = count(Done::Activated);
        let already = count(Done::AlreadyActivated);
        let unassigned = count(Done::LeftUnassigned);
        let mut parts = vec![format!("{} token(s)", self.tokens.len())];
        for (n, what) in [
            (activated, "activated now"),
            (already, "already active"),
            (unassigned, "created without a user"),
            (self.failed(), "failed"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_as_a_sentence() {
        let mut t = TokenReport::new("8659632000001", None, "alice@contoso.com");
        t.done = vec![Done::Created, Done::Assigned, Done::Activated];
        assert!(t.to_string().ends_with("created, assigned, activated"));
        t.done = vec![Done::Created, Done::Assigned];
        t.failure = Some(Failure {
            stage: Stage::Activate,
            message: "400 badRequest: wrong code".into(),
        });
        assert!(t
            .to_string()
            .ends_with("created, assigned; FAILED at activate: 400 badRequest: wrong code"));
        let r = Report {
            tokens: vec![t],
            stopped: None,
            stop_code: None,
        };
        assert_eq!(r.exit_code(), 5);
        assert_eq!(r.summary(), "1 token(s), 1 failed");
    }
}
