//! What can stop a whole command (as opposed to one token failing, which the report carries).
//! Messages never hold a seed, a client secret or a sign-in token.

use std::fmt;

/// Graph's own error: the HTTP status, its `error.code` and `error.message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphMessage {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl fmt::Display for GraphMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code.is_empty(), self.message.is_empty()) {
            (false, false) => write!(f, "{} {}: {}", self.status, self.code, self.message),
            (false, true) => write!(f, "{} {}", self.status, self.code),
            (true, false) => write!(f, "{}: {}", self.status, self.message),
            (true, true) => write!(f, "HTTP {}", self.status),
        }
    }
}

impl GraphMessage {
    /// Reads Graph's `{"error":{"code","message"}}` (and the identity platform's
    /// `{"error","error_description"}`); anything else is summarised by its status.
    pub fn from_body(status: u16, body: &[u8]) -> GraphMessage {
        let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
        let (code, message) = match &v["error"] {
            serde_json::Value::Object(e) => (
                text(e.get("code").unwrap_or(&serde_json::Value::Null)),
                text(e.get("message").unwrap_or(&serde_json::Value::Null)),
            ),
            serde_json::Value::String(code) => (code.clone(), text(&v["error_description"])),
            _ => (String::new(), String::new()),
        };
        GraphMessage {
            status,
            code,
            // A first line is enough: the identity platform appends trace and correlation IDs.
            message: message
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_string(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad options or input: nothing was sent.
    #[error("{0}")]
    BadInput(String),
    /// Sign-in did not give a token (declined, expired code, wrong secret, app misconfigured).
    #[error("sign-in failed: {0}")]
    SignIn(String),
    /// Graph refused for lack of permission or role: retrying cannot help.
    #[error("Graph refused the request ({graph}) — {hint}")]
    Refused { graph: GraphMessage, hint: String },
    /// The network or Graph kept failing after the retries; nothing more can be done now.
    #[error("{0}")]
    Unreachable(String),
    /// Graph answered something this tool cannot read.
    #[error("unexpected answer from Graph: {0}")]
    Protocol(String),
    /// The journal could not be read or written.
    #[error("journal {path}: {detail}")]
    Journal { path: String, detail: String },
}

impl Error {
    /// The process exit code `hardware-bridge entra` uses (same meanings as the bridge's own).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::BadInput(_) => 2,
            Error::SignIn(_) | Error::Refused { .. } => 4,
            Error::Unreachable(_) | Error::Protocol(_) | Error::Journal { .. } => 1,
        }
    }
}

/// A hint for a refusal, naming the permission or role that is usually missing.
pub fn refusal_hint(status: u16, what: &str) -> String {
    if status == 401 {
        return "the sign-in token was not accepted even after a refresh: sign in again".into();
    }
    format!(
        "{what} needs the Graph permissions {} (admin consent granted) and, for a person \
         signing in, the Entra roles Authentication Policy Administrator and Authentication \
         Administrator (Privileged Authentication Administrator for admin users)",
        crate::config::PERMISSIONS.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_graph_and_identity_platform_errors() {
        let g = GraphMessage::from_body(
            403,
            br#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}"#,
        );
        assert_eq!(
            g.to_string(),
            "403 Authorization_RequestDenied: Insufficient privileges to complete the operation."
        );
        let i = GraphMessage::from_body(
            401,
            b"{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: Invalid client secret provided.\\r\\nTrace ID: 1\"}",
        );
        assert_eq!(i.code, "invalid_client");
        assert_eq!(i.message, "AADSTS7000215: Invalid client secret provided.");
        assert_eq!(
            GraphMessage::from_body(502, b"<html>").to_string(),
            "HTTP 502"
        );
    }
}
