//! OATH credentials: `POST /api/oath/list`, `/api/oath/delete`, `/api/oath/code`,
//! `/api/oath/rename`, `/api/oath/password` (`/api/oath/put` is a burn).

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
    /// Entries of kinds that are not HOTP/TOTP credentials (a Nitrokey 3's Reverse-HOTP,
    /// HMAC and password-safe entries): counted, not listed.
    #[serde(default)]
    pub other_entries: u32,
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
        /// At most `tokensmith_core::caps::OATH_NAME_BYTES`.
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

addressed_request! {
    /// `POST /api/oath/rename` → the credential under its new name: give it a new issuer and
    /// account (it keeps its key, counter and period prefix). YubiKey 5.3.1 and later only (`not_supported`
    /// elsewhere, with the reason); a taken new name is refused (`occupied`).
    pub struct OathRenameRequest {
        /// The credential's current full name.
        pub name: String,
        pub account: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub issuer: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub password: Option<SecretString>,
    }
}

addressed_request! {
    /// `POST /api/oath/password` → `Done`: set, change (`new_password` with the current
    /// `password`) or remove (`new_password` left out) the YKOATH access password. YubiKeys
    /// only: a Nitrokey 3 would answer "done" and set nothing, so it is refused
    /// (`not_supported`). The bridge selects the applet again afterwards and checks that it
    /// asks for exactly the new password.
    pub struct OathPasswordRequest {
        /// The current password, when one is set.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub password: Option<SecretString>,
        /// The new password; absent: remove the password.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub new_password: Option<SecretString>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn management_requests_are_strict_and_redacted() {
        let r: OathRenameRequest = serde_json::from_value(
            json!({"name": "Old:alice", "account": "alice", "issuer": "New", "password": "pw"}),
        )
        .unwrap();
        assert_eq!(
            (r.account.as_str(), r.issuer.as_deref()),
            ("alice", Some("New"))
        );
        assert!(serde_json::from_value::<OathRenameRequest>(json!({"name": "a"})).is_err());
        let p: OathPasswordRequest =
            serde_json::from_value(json!({"password": "old-pw", "new_password": "new-pw"}))
                .unwrap();
        let debug = format!("{p:?}");
        assert!(
            !debug.contains("old-pw") && !debug.contains("new-pw"),
            "{debug}"
        );
        let remove: OathPasswordRequest = serde_json::from_value(json!({"password": "x"})).unwrap();
        assert!(remove.new_password.is_none());
        assert!(
            serde_json::from_value::<OathPasswordRequest>(json!({"new_pasword": "x"})).is_err()
        );
        let c: OathCredentials = serde_json::from_value(json!({"credentials": []})).unwrap();
        assert_eq!(c.other_entries, 0, "older bridges: no count");
    }
}
