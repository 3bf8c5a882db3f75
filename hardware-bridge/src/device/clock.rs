//! Setting a device's clock to the host's. A Token2 has no time-only command: its config is
//! rewritten (the expert "config-only" write), which on most models also clears the seed
//! (asked first), and an unknown model is refused unless forced — before any authentication.
//! A Molto2 sets every profile's clock, carrying on past the ones it refuses, or one
//! profile's; an OATH key has no clock.

use tokensmith_api::{DeviceKind, ProfileClock, SyncRequest, SyncResult};
use tokensmith_core::otp::Algorithm;
use tokensmith_proto::molto2::{Molto2Error, Molto2Model, Molto2Session};
use tokensmith_proto::token2::{self, Token2Config, Token2Error, Token2Session};
use tokensmith_proto::Transport;

use super::{utc_u32, Credentials, Detected, TOKEN2_BEFORE_COMPARING};
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
    /// Token2: go ahead on a serial whose model is unknown.
    pub force_unknown_model: bool,
    /// Molto2: this profile only (default: every profile of the model).
    pub profile: Option<u8>,
}

impl From<&SyncRequest> for SyncParams {
    fn from(r: &SyncRequest) -> Self {
        SyncParams {
            algorithm: r.algorithm,
            period: r.period,
            display_timeout: r.display_timeout,
            confirm_clear_seed: r.confirm_clear_seed,
            force_unknown_model: r.force_unknown_model,
            profile: r.profile,
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
        profiles: Vec::new(),
        warnings: Vec::new(),
        advice: Vec::new(),
    };
    if p.profile.is_some() && d.kind != DeviceKind::Molto2 {
        return Err(BridgeError::BadInput(format!(
            "a profile is a Molto2's; the device is a {}",
            d.kind
        )));
    }
    match d.kind {
        DeviceKind::Token2 => {
            let config = Token2Config::from_values(
                p.display_timeout.unwrap_or(30),
                now,
                p.algorithm.unwrap_or(Algorithm::Sha1),
                p.period.unwrap_or(30),
            )?;
            // Checked before anything is sent: a failed authentication can lock an old token.
            if !d.known_model && !p.force_unknown_model {
                return Err(Token2Error::UnknownModel(d.serial.clone()).into());
            }
            let clears = token2::config_write_clears_seed(&d.serial);
            if clears && !p.confirm_clear_seed {
                return Err(BridgeError::WillClearSeed {
                    model: d.model.clone(),
                });
            }
            Token2Session::new(&mut *t).write_config_only(&config, &mut |_| {})?;
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
            out.advice.push(TOKEN2_BEFORE_COMPARING.into());
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
            let mut s = Molto2Session::new(&mut *t, &creds.customer_key(), model);
            let mut refused_at: Option<(u8, String)> = None;
            out.profiles = match p.profile {
                Some(profile) => {
                    s.sync_one(profile, utc)?;
                    vec![ProfileClock {
                        profile,
                        ok: true,
                        error: None,
                    }]
                }
                None => {
                    let report = s.sync_all(utc)?;
                    // A security refusal ends the loop (the session is gone; more secured
                    // commands might count against the lock-out): said apart from a lost card.
                    refused_at = report.last().and_then(|c| match &c.result {
                        Err(Molto2Error::Transport(_)) => None,
                        Err(e) if e.ends_session() => Some((c.profile, e.to_string())),
                        _ => None,
                    });
                    if report.iter().all(|c| c.result.is_err()) {
                        // Nothing took: the first refusal says why.
                        if let Some(Err(e)) = report.into_iter().next().map(|c| c.result) {
                            return Err(e.into());
                        }
                        return Err(BridgeError::Internal("no profile to sync".into()));
                    }
                    report
                        .into_iter()
                        .map(|c| ProfileClock {
                            profile: c.profile,
                            ok: c.result.is_ok(),
                            error: c.result.err().map(|e| e.to_string()),
                        })
                        .collect()
                }
            };
            let failed: Vec<u8> = out
                .profiles
                .iter()
                .filter(|c| !c.ok)
                .map(|c| c.profile)
                .collect();
            if !failed.is_empty() {
                out.warnings.push(format!(
                    "the clock of profile(s) {} was NOT set (see each profile's error); the others were",
                    profile_ranges(&failed)
                ));
            }
            let reached = out.profiles.last().map(|c| c.profile);
            if let Some((at, why)) = refused_at.filter(|(at, _)| *at != model.max_profile()) {
                out.warnings.push(format!(
                    "the device refused profile {at} for security ({why}): nothing more was sent, so the later profiles were not set — check the customer key before trying again (each refused attempt may count against the device's lock-out)"
                ));
            } else if p.profile.is_none() && reached != Some(model.max_profile()) {
                out.warnings.push(format!(
                    "the device was lost after profile {}: the later profiles were not set",
                    reached.map_or("—".into(), |p| p.to_string())
                ));
            }
            if p.profile.is_none() && model == Molto2Model::V1 {
                out.warnings.push(
                    "profiles 0–49 were set (a Molto2); on a Molto2v2 name the model \
                     (--model molto2v2, API \"model\": \"molto2v2\") to set 50–99 too"
                        .into(),
                );
            }
        }
        DeviceKind::Oath => {
            return Err(BridgeError::NotSupported(
                "OATH keys have no clock: the host sends the time with every code".into(),
            ))
        }
    }
    Ok(out)
}

/// Profile numbers as ranges: `3, 7–9, 50–99`.
pub fn profile_ranges(profiles: &[u8]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < profiles.len() {
        let start = profiles[i];
        let mut end = start;
        while i + 1 < profiles.len() && profiles[i + 1] == end.wrapping_add(1) {
            i += 1;
            end = profiles[i];
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}–{end}")
        });
        i += 1;
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::profile_ranges;

    #[test]
    fn ranges() {
        assert_eq!(profile_ranges(&[3, 7, 8, 9, 50, 51]), "3, 7–9, 50–51");
        assert_eq!(profile_ranges(&[]), "");
    }
}
