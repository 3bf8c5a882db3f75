//! The activation code: the token's current code, computed from the seed this tool holds, so
//! nobody has to read it off each token.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokensmith_core::entra::TokenRecord;
use tokensmith_core::otp::{totp, OtpParams};
use zeroize::Zeroizing;

use crate::error::Error;

/// With less than this left in the time step, the code could change between computing it and
/// Graph checking it: wait for the next step instead.
pub const MIN_LEFT: Duration = Duration::from_secs(3);

/// How long to wait at `now` (Unix time) before computing a code for `period`.
pub fn wait_before_code(now: Duration, period: u32) -> Duration {
    let period_ms = u128::from(period.max(1)) * 1000;
    let left_ms = period_ms - now.as_millis() % period_ms;
    let left = Duration::from_millis(u64::try_from(left_ms).unwrap_or(0));
    if left < MIN_LEFT {
        // A little past the boundary, so the clock has surely moved on.
        left + Duration::from_millis(50)
    } else {
        Duration::ZERO
    }
}

fn unix_now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
}

/// The code the token shows now (waiting out the end of a step first).
pub fn activation_code(record: &TokenRecord) -> Result<Zeroizing<String>, Error> {
    let wait = wait_before_code(unix_now(), record.interval);
    if !wait.is_zero() {
        std::thread::sleep(wait);
    }
    let now = i64::try_from(unix_now().as_secs()).unwrap_or(i64::MAX);
    let params = OtpParams {
        algorithm: record.algorithm,
        digits: tokensmith_core::caps::entra::DIGITS,
        period: record.interval,
    };
    totp(record.secret.as_bytes(), &params, now)
        .map(Zeroizing::new)
        .map_err(|e| Error::BadInput(format!("serial {}: {e}", record.serial)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_only_at_the_end_of_a_step() {
        let at = |ms: u64| Duration::from_millis(ms);
        assert_eq!(wait_before_code(at(1_700_000_010_000), 30), Duration::ZERO);
        // A 30 s step starts at 1_700_000_010: 27.5 s in leaves 2.5 s, 27 s in leaves 3 s.
        assert_eq!(
            wait_before_code(at(1_700_000_037_500), 30),
            Duration::from_millis(2_550)
        );
        assert_eq!(wait_before_code(at(1_700_000_037_000), 30), Duration::ZERO);
        // A 60 s step ends at 1_700_000_040.
        assert_eq!(
            wait_before_code(at(1_700_000_039_999), 60),
            Duration::from_millis(51)
        );
    }
}
