//! OATH credentials: `POST /api/oath/list`, `/api/oath/delete`, `/api/oath/code`
//! (`/api/oath/put` is a burn).

use serde::{Deserialize, Serialize};
use tokensmith_core::otp::Algorithm;

use crate::SecretString;

/// HOTP or TOTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OathType {
    Hotp,
    Totp,
}

impl OathType {
    pub fn as_str(self) -> &'static str {
        match self {
            OathType::Hotp => "hotp",
            OathType::Totp => "totp",
        }
    }
}

/// One stored credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OathCredential {
    /// The full stored name, `[period/][issuer:]account`.
    pub name: String,
    #[serde(rename = "type")]
    pub oath_type: OathType,
    #[serde(with = "crate::algorithm")]
    pub algorithm: Algorithm,
    pub period: u32,
    #[serde(default)]
    pub issuer: Option<String>,
    pub account: String,
}

/// `POST /api/oath/list` → the credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OathCredentials {
    pub credentials: Vec<OathCredential>,
}

addressed_request! {
    /// `POST /api/oath/list`
    pub struct OathListRequest {
        /// The access password, if the key has one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub password: Option<SecretString>,
    }
}

addressed_request! {
    /// `POST /api/oath/delete` and `/api/oath/code`: one credential by its full name.
    pub struct OathNameRequest {
        /// At most [`crate::OATH_NAME_MAX_BYTES`].
        pub name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub password: Option<SecretString>,
    }
}

/// `POST /api/oath/code` → the credential's current code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OathCode {
    pub name: String,
    pub code: String,
    /// TOTP: seconds the code stays valid.
    #[serde(default)]
    pub valid_for_seconds: Option<u32>,
}
