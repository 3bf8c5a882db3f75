//! Where each row stands: how its seed got into the token, whether the code the token shows
//! was checked (and how far its clock was off), and whether the row is in an exported file.

use tokensmith_core::drift::{signed_seconds, Verdict};
use tokensmith_core::entra::TokenRecord;
use tokensmith_core::otpauth::Kind;

/// How the row's seed reached its token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Burned through the hardware bridge at this Unix time.
    Burned { at: i64 },
    /// Copied for the burner app, or shown as a QR code, at this Unix time.
    HandedOff { at: i64 },
    /// Recorded by hand: a token programmed elsewhere.
    Added,
    /// Read from a file.
    Imported,
}

/// How a verification was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    /// The admin saw the expected code on the token.
    Confirmed,
    /// The admin typed the code the token showed; the drift was measured.
    Typed,
    /// An OATH key computed the code itself.
    Device,
}

/// Whether the token was seen to hold the row's seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    NotVerified,
    /// The token's code matched at `drift` seconds (negative: the token is behind).
    Verified {
        drift: i64,
        period: u32,
        how: How,
    },
    /// The code the token showed matched nowhere.
    Failed,
}

/// A row's state besides its record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status {
    pub origin: Origin,
    /// The code length (the record carries algorithm and interval, not digits).
    pub digits: u8,
    /// TOTP, or an OATH key's HOTP credential with the counter of the next code it gives
    /// (the record's interval is then meaningless).
    pub kind: Kind,
    pub check: Check,
    /// In the last file saved or copied, unchanged since.
    pub exported: bool,
}

impl Status {
    pub fn new(origin: Origin, digits: u8) -> Self {
        Status {
            origin,
            digits,
            kind: Kind::Totp,
            check: Check::NotVerified,
            exported: false,
        }
    }

    /// An HOTP credential's counter (the next code's), `None` for TOTP.
    pub fn hotp_counter(&self) -> Option<u64> {
        match self.kind {
            Kind::Hotp { counter } => Some(counter),
            Kind::Totp => None,
        }
    }

    /// The code settings in a few words: "SHA-1 · 30 s", "SHA-1 · HOTP, counter 5".
    pub fn settings(&self, rec: &TokenRecord) -> String {
        match self.kind {
            Kind::Totp => format!("{} · {} s", rec.algorithm.human(), rec.interval),
            Kind::Hotp { counter } => {
                format!("{} · HOTP, counter {counter}", rec.algorithm.human())
            }
        }
    }

    pub fn verified(&self) -> bool {
        matches!(self.check, Check::Verified { .. })
    }

    /// The drift in words: "in sync", "−60 s (2 steps behind)".
    pub fn drift_text(drift: i64, period: u32) -> String {
        if drift == 0 {
            return "in sync".into();
        }
        let steps = drift / i64::from(period.max(1));
        let n = steps.unsigned_abs();
        let side = if drift < 0 { "behind" } else { "ahead" };
        let plural = if n == 1 { "step" } else { "steps" };
        format!("{} ({n} {plural} {side})", signed_seconds(drift))
    }

    /// One line for the inventory: "burned · verified −30 s (1 step behind) · exported".
    pub fn label(&self) -> String {
        let origin = match self.origin {
            Origin::Burned { .. } => "burned",
            Origin::HandedOff { .. } => "handed off",
            Origin::Added => "added by hand",
            Origin::Imported => "imported",
        };
        let check = match self.check {
            Check::NotVerified => match self.origin {
                Origin::Burned { .. } | Origin::HandedOff { .. } => "not verified".to_string(),
                Origin::Added | Origin::Imported => "not verified here".to_string(),
            },
            Check::Verified {
                how: How::Device, ..
            } => "verified by the key".to_string(),
            Check::Verified { drift, period, .. } => {
                format!("verified, {}", Self::drift_text(drift, period))
            }
            Check::Failed => "code did not match".to_string(),
        };
        let exported = if self.exported { " · exported" } else { "" };
        format!("{origin} · {check}{exported}")
    }

    /// For styling: `ok` (verified in Entra's tolerance), `warn` (not verified, or a drift to
    /// fix), `bad` (the code did not match).
    pub fn tone(&self) -> &'static str {
        match self.check {
            Check::Verified { drift, period, .. } => match Verdict::classify(drift, period) {
                Verdict::InSync | Verdict::WithinSignIn => "ok",
                _ => "warn",
            },
            Check::NotVerified => "warn",
            Check::Failed => "bad",
        }
    }
}
