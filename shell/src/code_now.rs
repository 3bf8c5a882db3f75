//! The header's "Code now" chip: the code of step 3's seed at this second, what a token holding
//! that seed shows. Both modules draw it from here, the shell first and the app after it, so the
//! handover changes nothing the user sees there.

use tokensmith_core::otp::{hotp, seconds_remaining, time_step, OtpParams};
use tokensmith_core::secret::Secret;

/// The chip's tooltip (and accessible description).
pub const TITLE: &str =
    "The code of step 3's seed at this second: what a token holding that seed shows now.";

/// What the chip shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeNow {
    /// A TOTP seed: its code, the seconds it has left, and its period.
    Totp {
        code: String,
        left: u32,
        period: u32,
    },
    /// An HOTP credential has no code for a time; showing one for its counter would read as
    /// a code to compare, and the token only shows it at a press.
    Hotp,
    /// Step 3's text is not a valid seed (or the settings give no code).
    NoSeed,
}

impl CodeNow {
    /// The chip for `secret` with these settings at Unix time `t`.
    pub fn at(secret: Option<&Secret>, otp: OtpParams, is_hotp: bool, t: i64) -> CodeNow {
        if is_hotp {
            return CodeNow::Hotp;
        }
        let code = secret.and_then(|s| {
            let step = time_step(t, otp.period).ok()?;
            hotp(s.as_bytes(), step, otp.algorithm, otp.digits).ok()
        });
        match code {
            Some(code) => CodeNow::Totp {
                code,
                left: seconds_remaining(t, otp.period),
                period: otp.period,
            },
            None => CodeNow::NoSeed,
        }
    }

    /// The small line above the code.
    pub fn label(&self) -> String {
        match self {
            CodeNow::Totp { left, period, .. } => {
                // Padded to the period's width with figure spaces (a digit's width in the
                // label's tabular figures): the chip, aligned right, keeps its place as the
                // seconds go from 10 to 9.
                let pad = period
                    .to_string()
                    .len()
                    .saturating_sub(left.to_string().len());
                format!("Code now · {}{left} s left", "\u{2007}".repeat(pad))
            }
            CodeNow::Hotp => "HOTP seed".into(),
            CodeNow::NoSeed => "Code now".into(),
        }
    }

    /// The code, or what stands in its place.
    pub fn code(&self) -> &str {
        match self {
            CodeNow::Totp { code, .. } => code,
            CodeNow::Hotp => "by counter",
            CodeNow::NoSeed => "no valid seed",
        }
    }

    /// A code to read (styled as one); the other two are words.
    pub fn is_code(&self) -> bool {
        matches!(self, CodeNow::Totp { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokensmith_core::otp::Algorithm;

    #[test]
    fn shows_the_rfc_6238_code_and_the_seconds_left() {
        // RFC 6238 appendix B: SHA-1, 8 digits, T = 59 → 94287082.
        let secret = Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap();
        let otp = OtpParams {
            algorithm: Algorithm::Sha1,
            digits: 8,
            period: 30,
        };
        let chip = CodeNow::at(Some(&secret), otp, false, 59);
        assert_eq!(
            chip,
            CodeNow::Totp {
                code: "94287082".into(),
                left: 1,
                period: 30
            }
        );
        assert_eq!(chip.label(), "Code now · \u{2007}1 s left");
        assert_eq!(chip.code(), "94287082");
        assert!(chip.is_code());
    }

    /// The label is as long at 9 s left as at 10 (and at 120 with a 120 s period): the chip
    /// does not shift as the seconds lose a digit.
    #[test]
    fn the_label_keeps_its_width() {
        let secret = Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap();
        let width = |period: u32, t: i64| {
            let otp = OtpParams {
                period,
                ..OtpParams::default()
            };
            CodeNow::at(Some(&secret), otp, false, t)
                .label()
                .chars()
                .count()
        };
        assert_eq!(width(30, 50), width(30, 51));
        assert_eq!(width(30, 0), width(30, 29));
        assert_eq!(width(120, 0), width(120, 119));
    }

    #[test]
    fn hotp_and_no_seed_show_no_code() {
        let secret = Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap();
        let otp = OtpParams::default();
        let hotp = CodeNow::at(Some(&secret), otp, true, 59);
        assert_eq!(hotp, CodeNow::Hotp);
        assert!(!hotp.is_code());
        assert_eq!(CodeNow::at(None, otp, false, 59), CodeNow::NoSeed);
        assert_eq!(CodeNow::NoSeed.code(), "no valid seed");
    }
}
