//! `POST /api/sync`: set the device's clock to the host's.

use serde::{Deserialize, Serialize};
use tokensmith_core::otp::Algorithm;

use crate::{DeviceKind, SecretString};

addressed_request! {
    /// A clock sync. Token2 single-profile tokens have no time-only command: their whole config
    /// is rewritten, so `algorithm`, `period` and `display_timeout` must match the seed on the
    /// token (defaults SHA1/30/30) — this is also the expert "config-only" write. A Molto2 takes
    /// none of them: every profile's clock is set, or only `profile`'s.
    pub struct SyncRequest {
        #[serde(
            default,
            with = "crate::algorithm::option",
            skip_serializing_if = "Option::is_none"
        )]
        pub algorithm: Option<Algorithm>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub period: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub display_timeout: Option<u32>,
        /// Token2 models whose config write clears the seed need this (else `409 will_clear_seed`
        /// and nothing is sent).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        pub confirm_clear_seed: bool,
        /// Token2: sync even if the serial prefix is not a known model (else `400 bad_input`,
        /// and no authentication is attempted: a failed one can lock an old token for good).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        pub force_unknown_model: bool,
        /// Molto2: set this profile's clock only (default: every profile of the model).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub profile: Option<u8>,
        /// Molto2 customer key (factory key when absent).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub customer_key: Option<SecretString>,
    }
}

/// What a clock sync did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncResult {
    pub kind: DeviceKind,
    pub serial: String,
    pub model: String,
    /// The device's clock before (UTC seconds).
    #[serde(default)]
    pub previous_token_time: Option<i64>,
    /// The clock written (UTC seconds).
    pub new_token_time: i64,
    /// Token2: the config write cleared the seed (burn it again).
    pub seed_cleared: bool,
    /// Molto2: each profile's clock write, in order (a sync carries on past a profile the
    /// device refuses).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<ProfileClock>,
    #[serde(default)]
    pub warnings: Vec<String>,
    /// What to do now with the device.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub advice: Vec<String>,
}

/// How one Molto2 profile's clock write went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileClock {
    pub profile: u8,
    pub ok: bool,
    /// Why the device refused it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
