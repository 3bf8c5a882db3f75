//! Setting a device's clock to the host's. A Token2 has no time-only command: its config is
//! rewritten, which on most models also clears the seed (asked first). A Molto2 sets every
//! profile's clock; an OATH key has no clock.

use tokensmith_api::{DeviceKind, SyncRequest, SyncResult};
use tokensmith_core::otp::Algorithm;
use tokensmith_proto::molto2::Molto2Session;
use tokensmith_proto::token2::{self, Token2Config, Token2Session};
use tokensmith_proto::Transport;

use super::{utc_u32, Credentials, Detected};
use crate::error::BridgeError;

/// Clock sync parameters. Token2 single-profile tokens have no time-only command: the whole
/// config is rewritten, so the algorithm, period and display timeout must be given (they
/// must match the seed on the token).
#[derive(Debug, Clone, Default)]
pub struct SyncParams {
    pub algorithm: Option<Algorithm>,
    pub period: Option<u32>,
    pub display_timeout: Option<u32>,
    /// Required on models where a config write clears the seed.
    pub confirm_clear_seed: bool,
}

impl From<&SyncRequest> for SyncParams {
    fn from(r: &SyncRequest) -> Self {
        SyncParams {
            algorithm: r.algorithm,
            period: r.period,
            display_timeout: r.display_timeout,
            confirm_clear_seed: r.confirm_clear_seed,
        }
    }
}

pub fn sync_time(
    t: &mut dyn Transport,
    detected: &Detected,
    p: &SyncParams,
    creds: &Credentials,
    now: i64,
) -> Result<SyncResult, BridgeError> {
    let utc = utc_u32(now)?;
    let d = &detected.device;
    let mut out = SyncResult {
        kind: d.kind,
        serial: d.serial.clone(),
        model: d.model.clone(),
        previous_token_time: d.token_time,
        new_token_time: i64::from(utc),
        seed_cleared: false,
        warnings: Vec::new(),
    };
    match d.kind {
        DeviceKind::Token2 => {
            let config = Token2Config::from_values(
                p.display_timeout.unwrap_or(30),
                now,
                p.algorithm.unwrap_or(Algorithm::Sha1),
                p.period.unwrap_or(30),
            )?;
            let clears = token2::config_write_clears_seed(&d.serial);
            if clears && !p.confirm_clear_seed {
                return Err(BridgeError::WillClearSeed {
                    model: d.model.clone(),
                });
            }
            let mut s = Token2Session::new(&mut *t);
            s.authenticate()?;
            s.write_config(&config)?;
            out.seed_cleared = clears;
            out.warnings.push(format!(
                "the configuration was rewritten: {:?}, {} s period, {} s display; it must match the seed's parameters",
                config.algorithm,
                config.step.seconds(),
                config.display.seconds()
            ));
            if clears {
                out.warnings
                    .push("the seed was cleared: burn the token again".into());
            }
        }
        DeviceKind::Molto2 => {
            if p.algorithm.is_some() || p.period.is_some() || p.display_timeout.is_some() {
                return Err(BridgeError::BadInput(
                    "a Molto2 clock sync changes only the clock: leave out algorithm/period/display".into(),
                ));
            }
            let model = detected.molto2().ok_or_else(|| {
                BridgeError::Internal("a Molto2 detected without its profile count".into())
            })?;
            Molto2Session::new(&mut *t, &creds.customer_key(), model).sync_all(utc)?;
        }
        DeviceKind::Oath => {
            return Err(BridgeError::NotSupported(
                "OATH keys have no clock: the host sends the time with every code".into(),
            ))
        }
    }
    Ok(out)
}
