//! The device operations over any [`Transport`], one idea per module: [`detect`] (what is on
//! a reader), [`plan`] (a burn checked against core's capability table), [`burn`],
//! [`clock`], [`molto2`] profiles, [`oath`] credentials.
//!
//! Every operation checks its input against the device (kind and model) *before* sending
//! anything that changes it. Authentication is never retried: a failure is returned as is.

pub mod burn;
pub mod clock;
pub mod detect;
pub mod molto2;
pub mod oath;
pub mod plan;

use tokensmith_api::{DeviceKind, Info, SecretString};
use tokensmith_proto::molto2::CustomerKey;
use tokensmith_proto::token2;

pub use detect::{detect, list, open_detect, Detected};

use crate::error::BridgeError;

/// Credentials for authenticated devices. Never logged.
#[derive(Default, Clone)]
pub struct Credentials {
    /// Molto2 customer key (factory default when `None`).
    pub customer_key: Option<CustomerKey>,
    /// OATH access password.
    pub oath_password: Option<SecretString>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(<redacted>)")
    }
}

impl Credentials {
    fn customer_key(&self) -> CustomerKey {
        self.customer_key.clone().unwrap_or_default()
    }
    fn password(&self) -> Option<&str> {
        self.oath_password.as_ref().map(|p| p.as_str())
    }
}

/// The device with its clock compared to the host's.
pub fn info(d: &Detected, host_time: i64) -> Info {
    let dev = &d.device;
    Info {
        drift_seconds: dev.token_time.map(|t| t - host_time),
        sync_clears_seed: (dev.kind == DeviceKind::Token2)
            .then(|| token2::config_write_clears_seed(&dev.serial)),
        device: dev.clone(),
        host_time,
    }
}

/// Host clock, UTC seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The host clock as a token's clock (u32 seconds).
fn utc_u32(now: i64) -> Result<u32, BridgeError> {
    u32::try_from(now)
        .map_err(|_| BridgeError::BadInput(format!("host clock {now} outside the token's range")))
}

#[cfg(test)]
mod oath_tests;
#[cfg(test)]
mod tests;
