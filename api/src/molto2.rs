//! Molto2 profiles: `POST /api/profiles`, `/api/profiles/title`, `/api/profiles/delete`.

use serde::{Deserialize, Serialize};
use tokensmith_core::otp::Algorithm;

use crate::SecretString;

/// One Molto2 profile's public data (no authentication needed to read it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub profile: u8,
    #[serde(default)]
    pub title: String,
    /// Has a config (algorithm, digits, period).
    pub configured: bool,
    pub seed_present: bool,
    /// `None` when not configured (or a value the page cannot name).
    #[serde(
        default,
        with = "crate::algorithm::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub algorithm: Option<Algorithm>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digits: Option<u8>,
    /// Seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<u32>,
    /// The profile's clock (UTC seconds).
    pub token_time: i64,
}

/// `POST /api/profiles` → every profile of the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profiles {
    pub profiles: Vec<Profile>,
}

addressed_request! {
    /// `POST /api/profiles/title`
    pub struct ProfileTitleRequest {
        pub profile: u8,
        /// At most [`crate::MOLTO2_TITLE_MAX_BYTES`].
        pub title: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub customer_key: Option<SecretString>,
    }
}

addressed_request! {
    /// `POST /api/profiles/delete`
    pub struct ProfileDeleteRequest {
        pub profile: u8,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub customer_key: Option<SecretString>,
    }
}

/// `{"ok": true}`: the answer of calls that only change something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Done {
    pub ok: bool,
}

impl Done {
    pub const OK: Done = Done { ok: true };
}
