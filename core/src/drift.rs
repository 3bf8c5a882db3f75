//! Clock-drift diagnosis: where, relative to the host clock, does the code a
//! token shows fall?
//!
//! Seeds are write-only, so comparing the displayed code with host-computed
//! codes is the only way to verify a burn. A miss is common and usually has a
//! boring cause (wrong algorithm, 60 s step, local-time clock), so a failed
//! search also tries those cheaply and says which one fits.
//!
//! Sign convention: negative steps/seconds mean the token is *behind* the
//! host. Machine fields are plain integers (ASCII '-'); human text uses the
//! typographic minus sign U+2212.

mod alternatives;

pub use alternatives::Alternative;

use crate::otp::{hotp, time_step, Algorithm, OtpError, OtpParams};

/// Token2's advice: adjust a token whose drift exceeds about 420 s.
pub const ADVICE_LIMIT_SECONDS: i64 = 420;
/// Searches beyond this many steps each way are refused to bound the work
/// (≈ 69 days at 30 s, still instant).
pub const MAX_WINDOW_STEPS: u32 = 200_000;

/// Entra accepts about ±1 min for 30 s tokens and ±2 min for 60 s tokens at
/// sign-in, i.e. two steps but never less than a minute; other periods get
/// the same rule, `max(60, 2 × period)`.
pub fn sign_in_tolerance_seconds(period: u32) -> i64 {
    (2 * i64::from(period)).max(60)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    InSync,
    WithinSignIn,
    WithinAdvice,
    AdjustClock,
}

impl Verdict {
    pub fn classify(seconds: i64, period: u32) -> Verdict {
        let off = seconds.unsigned_abs();
        if seconds == 0 {
            Verdict::InSync
        } else if off <= sign_in_tolerance_seconds(period).unsigned_abs() {
            Verdict::WithinSignIn
        } else if off <= ADVICE_LIMIT_SECONDS.unsigned_abs() {
            Verdict::WithinAdvice
        } else {
            Verdict::AdjustClock
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Verdict::InSync => "the token clock is in sync",
            Verdict::WithinSignIn => "within Entra's sign-in tolerance",
            Verdict::WithinAdvice => {
                "outside Entra's sign-in tolerance but under Token2's 420 s limit: sync the token clock if sign-ins fail"
            }
            Verdict::AdjustClock => "more than 420 s off: sync the token clock",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DriftMatch {
    /// Token step minus host step.
    pub steps: i64,
    /// `steps × period`; negative = token behind host.
    pub seconds: i64,
    pub verdict: Verdict,
}

impl DriftMatch {
    /// E.g. "matches at −60 s (2 steps behind): within Entra's sign-in tolerance".
    pub fn describe(&self) -> String {
        if self.steps == 0 {
            return format!("matches now: {}", self.verdict.describe());
        }
        let n = self.steps.unsigned_abs();
        let plural = if n == 1 { "step" } else { "steps" };
        let side = if self.steps < 0 { "behind" } else { "ahead" };
        format!(
            "matches at {} ({n} {plural} {side}): {}",
            signed_seconds(self.seconds),
            self.verdict.describe()
        )
    }
}

/// Human rendering with a real minus sign, e.g. "−90 s", "+3600 s", "0 s".
pub fn signed_seconds(seconds: i64) -> String {
    match seconds {
        0 => "0 s".into(),
        s if s < 0 => format!("\u{2212}{} s", s.unsigned_abs()),
        s => format!("+{s} s"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftReport {
    pub params: OtpParams,
    pub window_steps: u32,
    /// Ordered by |steps|, the token-behind match first on ties.
    pub matches: Vec<DriftMatch>,
    /// Filled only when `matches` is empty.
    pub alternatives: Vec<Alternative>,
}

impl DriftReport {
    /// The closest match, which is the one to act on.
    pub fn best(&self) -> Option<&DriftMatch> {
        self.matches.first()
    }

    /// What to check when nothing matched; empty when something did.
    pub fn suggestions(&self) -> Vec<String> {
        if !self.matches.is_empty() {
            return Vec::new();
        }
        let mut out: Vec<String> = self
            .alternatives
            .iter()
            .map(|a| a.describe(&self.params))
            .collect();
        let p = &self.params;
        let span = i64::from(self.window_steps) * i64::from(p.period);
        out.push(format!(
            "the algorithm: the token may use {} rather than {}",
            if p.algorithm == Algorithm::Sha1 {
                "SHA-256"
            } else {
                "SHA-1"
            },
            p.algorithm.human()
        ));
        out.push(format!(
            "the time step: the token may use {} s rather than {} s",
            if p.period == 60 { 30 } else { 60 },
            p.period
        ));
        out.push(format!(
            "the number of digits: the token is set to {} digits",
            p.digits
        ));
        out.push("the seed: it may be wrong, mistyped or a different token's".into());
        let zone = if span >= 3600 {
            format!("the search covered ±{span} s, so whole-hour offsets up to that were checked")
        } else {
            "a time-zone offset shows as a whole number of hours; offsets up to ±14 h were also tried".into()
        };
        out.push(format!(
            "the token clock: it must be UTC, never local time ({zone})"
        ));
        out.push(
            "a configuration write that cleared the seed: the token then shows dashes (------) until a seed is written"
                .into(),
        );
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DriftError {
    #[error("no code entered: type the digits the token shows")]
    EmptyCode,
    #[error("the code has '{ch}' at position {position}: enter digits only")]
    NonDigit { position: usize, ch: char },
    #[error("the code has {got} digits but the token is set to {expected}")]
    WrongLength { got: usize, expected: u8 },
    #[error("a search of {0} steps each way is too large (at most {MAX_WINDOW_STEPS})")]
    WindowTooLarge(u32),
    #[error(transparent)]
    Otp(#[from] OtpError),
}

fn normalize_code(shown: &str, digits: u8) -> Result<String, DriftError> {
    let mut code = String::with_capacity(shown.len());
    for (i, c) in shown.chars().enumerate() {
        if c.is_whitespace() {
            continue;
        }
        if !c.is_ascii_digit() {
            return Err(DriftError::NonDigit {
                position: i + 1,
                ch: c,
            });
        }
        code.push(c);
    }
    if code.is_empty() {
        return Err(DriftError::EmptyCode);
    }
    if code.len() != usize::from(digits) {
        return Err(DriftError::WrongLength {
            got: code.len(),
            expected: digits,
        });
    }
    Ok(code)
}

/// Steps `-window..=window` around `center`, skipping negative counters.
fn search(
    key: &[u8],
    algorithm: Algorithm,
    digits: u8,
    center: u64,
    window: i64,
    code: &str,
) -> Result<Vec<i64>, OtpError> {
    let mut found = Vec::new();
    for delta in -window..=window {
        let Some(step) = center.checked_add_signed(delta) else {
            continue;
        };
        if hotp(key, step, algorithm, digits)? == code {
            found.push(delta);
        }
    }
    found.sort_by_key(|d| (d.unsigned_abs(), *d > 0));
    Ok(found)
}

/// Searches `window_steps` steps each way around the host's step. The code is
/// validated first so a typo is reported as a typo, not as "no match". When
/// nothing matches, other algorithms, periods and time-zone offsets are tried
/// (see [`DriftReport::suggestions`]).
pub fn find_drift(
    key: &[u8],
    params: &OtpParams,
    shown_code: &str,
    host_unix: i64,
    window_steps: u32,
) -> Result<DriftReport, DriftError> {
    params.validate()?;
    let code = normalize_code(shown_code, params.digits)?;
    if window_steps > MAX_WINDOW_STEPS {
        return Err(DriftError::WindowTooLarge(window_steps));
    }
    let period = i64::from(params.period);
    let host_step = time_step(host_unix, params.period)?;
    let matches: Vec<DriftMatch> = search(
        key,
        params.algorithm,
        params.digits,
        host_step,
        i64::from(window_steps),
        &code,
    )?
    .into_iter()
    .map(|steps| {
        let seconds = steps * period;
        DriftMatch {
            steps,
            seconds,
            verdict: Verdict::classify(seconds, params.period),
        }
    })
    .collect();
    let alternatives = if matches.is_empty() {
        alternatives::search_all(key, params, &code, host_unix, window_steps)?
    } else {
        Vec::new()
    };
    Ok(DriftReport {
        params: *params,
        window_steps,
        matches,
        alternatives,
    })
}

#[cfg(test)]
mod tests;
