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

pub use detect::{detect, detect_as, list, open_detect, open_detect_as, Detected};

use crate::error::BridgeError;

/// The protocol's Molto2 generation for the one the user named.
pub fn molto2_model(m: tokensmith_api::Molto2Model) -> tokensmith_proto::molto2::Molto2Model {
    use tokensmith_proto::molto2::Molto2Model as Proto;
    match m {
        tokensmith_api::Molto2Model::Molto2 => Proto::V1,
        tokensmith_api::Molto2Model::Molto2v2 => Proto::V2,
    }
}

/// Token2's burner tells the user this before every tap (token2-nfc-single-profile.md).
pub const TOKEN2_BEFORE_TAP: &str = "Token2 card or fob: press its button (programming mode) \
     before you put it on the reader, and hold it still until the bridge is done";
/// … and this after a burn or a clock sync, before the codes are compared.
pub const TOKEN2_BEFORE_COMPARING: &str = "switch the token off and on (press its button) \
     before comparing codes: a code still on the display from before is not a mismatch";

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
#[cfg(test)]
mod token2_molto2_tests;
