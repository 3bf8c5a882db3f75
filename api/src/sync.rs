//! `POST /api/sync`: set the device's clock to the host's.

use serde::{Deserialize, Serialize};
use tokensmith_core::otp::Algorithm;

use crate::{DeviceKind, SecretString};

addressed_request! {
    /// A clock sync. Token2 single-profile tokens have no time-only command: their whole config
    /// is rewritten, so `algorithm`, `period` and `display_timeout` must match the seed on the
    /// token (defaults SHA1/30/30). A Molto2 takes none of them.
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
    #[serde(default)]
    pub warnings: Vec<String>,
}
