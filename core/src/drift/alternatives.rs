//! Cheap second guesses when a code matches nowhere in the window: the
//! usual causes of a miss are a different algorithm or period, or a token
//! clock set to local time, and naming the actual cause saves a re-burn.

use super::{search, signed_seconds};
use crate::otp::{time_step, Algorithm, OtpError, OtpParams};

/// Steps searched around each hypothesis: enough for ordinary drift on top
/// of the hypothesis, few enough that ~120 hypotheses stay instant.
const ALT_WINDOW_STEPS: i64 = 4;

/// A match found only under a different configuration than the one given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alternative {
    /// The token uses other algorithm and/or period.
    Params {
        algorithm: Algorithm,
        period: u32,
        seconds: i64,
    },
    /// The code matches a whole time-zone offset away: the token clock was
    /// set to local time instead of UTC.
    TimeZone { seconds: i64 },
}

impl Alternative {
    pub fn describe(&self, configured: &OtpParams) -> String {
        match *self {
            Alternative::Params {
                algorithm,
                period,
                seconds,
            } => {
                let mut what = Vec::new();
                if algorithm != configured.algorithm {
                    what.push(format!("uses {}", algorithm.human()));
                }
                if period != configured.period {
                    what.push(format!("has a {period} s time step"));
                }
                format!(
                    "matches at {} if the token {}",
                    signed_seconds(seconds),
                    what.join(" and ")
                )
            }
            Alternative::TimeZone { seconds } => format!(
                "matches at {}: the token clock is set to local time (UTC{}) instead of UTC",
                signed_seconds(seconds),
                utc_offset(seconds)
            ),
        }
    }
}

fn utc_offset(seconds: i64) -> String {
    let sign = if seconds < 0 { '\u{2212}' } else { '+' };
    let minutes = (seconds.unsigned_abs() + 30) / 60;
    let (h, m) = (minutes / 60, minutes % 60);
    if m == 0 {
        format!("{sign}{h}")
    } else {
        format!("{sign}{h}:{m:02}")
    }
}

pub(super) fn search_all(
    key: &[u8],
    params: &OtpParams,
    code: &str,
    host_unix: i64,
    window_steps: u32,
) -> Result<Vec<Alternative>, OtpError> {
    let mut out = Vec::new();
    for algorithm in Algorithm::ALL {
        for period in [30u32, 60] {
            if algorithm == params.algorithm && period == params.period {
                continue;
            }
            let center = time_step(host_unix, period)?;
            let hits = search(
                key,
                algorithm,
                params.digits,
                center,
                ALT_WINDOW_STEPS,
                code,
            )?;
            if let Some(&steps) = hits.first() {
                out.push(Alternative::Params {
                    algorithm,
                    period,
                    seconds: steps * i64::from(period),
                });
            }
        }
    }
    // Time zones run from UTC−12 to UTC+14 in quarter hours; only offsets
    // beyond the main search are new information.
    let covered = i64::from(window_steps) * i64::from(params.period);
    let mut zone_hits: Vec<i64> = Vec::new();
    for quarter in -56i64..=56 {
        let offset = quarter * 900;
        if offset.abs() <= covered {
            continue;
        }
        let Some(t) = host_unix.checked_add(offset) else {
            continue;
        };
        let Ok(center) = time_step(t, params.period) else {
            continue;
        };
        let hits = search(
            key,
            params.algorithm,
            params.digits,
            center,
            ALT_WINDOW_STEPS,
            code,
        )?;
        if let Some(&delta) = hits.first() {
            let token_step = center.saturating_add_signed(delta);
            let host_step = time_step(host_unix, params.period)?;
            let steps = i128::from(token_step) - i128::from(host_step);
            let seconds = i64::try_from(steps * i128::from(params.period)).unwrap_or(offset);
            zone_hits.push(seconds);
        }
    }
    zone_hits.sort_by_key(|s| s.unsigned_abs());
    zone_hits.dedup();
    out.extend(
        zone_hits
            .into_iter()
            .take(2)
            .map(|seconds| Alternative::TimeZone { seconds }),
    );
    Ok(out)
}
