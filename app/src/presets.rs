//! Target models: what each kind of token (or app) can be programmed with, so the page only offers
//! settings the hardware supports and says why the others are off.

use tokensmith_core::otp::Algorithm;

/// Which time steps a target accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Periods {
    /// Only these values (Token2 hardware: 30 or 60 s).
    Only(&'static [u32]),
    /// Any whole number of seconds ≥ 1.
    Any,
}

impl Periods {
    pub fn allows(self, p: u32) -> bool {
        match self {
            Periods::Only(list) => list.contains(&p),
            Periods::Any => p >= 1,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    pub id: &'static str,
    pub label: &'static str,
    pub manufacturer: &'static str,
    pub model: &'static str,
    pub algorithms: &'static [Algorithm],
    pub digits: &'static [u8],
    pub periods: Periods,
    /// Highest profile slot of a multi-profile token (slots start at 0).
    pub max_profile: Option<u8>,
    /// Why the choices are limited, in a sentence.
    pub why: &'static str,
}

impl Preset {
    pub fn allows_algorithm(&self, a: Algorithm) -> bool {
        self.algorithms.contains(&a)
    }
    pub fn allows_digits(&self, d: u8) -> bool {
        self.digits.contains(&d)
    }
}

const SHA1_256: &[Algorithm] = &[Algorithm::Sha1, Algorithm::Sha256];
const ALL_ALGS: &[Algorithm] = &[Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512];
const T2_WHY: &str =
    "Token2 single-profile programmable tokens store SHA-1 or SHA-256 (no SHA-512), \
     always show 6 digits (their configuration has no digits field) and step every 30 or 60 s.";

const fn token2(id: &'static str, label: &'static str, model: &'static str) -> Preset {
    Preset {
        id,
        label,
        manufacturer: "Token2",
        model,
        algorithms: SHA1_256,
        digits: &[6],
        periods: Periods::Only(&[30, 60]),
        max_profile: None,
        why: T2_WHY,
    }
}

pub const PRESETS: &[Preset] = &[
    token2("c301", "Token2 C301-i (card)", "C301-i"),
    token2("c302", "Token2 C302-i (card)", "C302-i"),
    token2("otpc-p1", "Token2 OTPC-P1-i (card)", "OTPC-P1-i"),
    token2("otpc-p2", "Token2 OTPC-P2-i (card)", "OTPC-P2-i"),
    token2("minotp2", "Token2 miniOTP-2-i (key fob)", "miniOTP-2-i"),
    token2("minotp3", "Token2 miniOTP-3-i (key fob)", "miniOTP-3-i"),
    Preset {
        id: "molto2",
        label: "Token2 Molto2 (profiles 0–49)",
        manufacturer: "Token2",
        model: "Molto2",
        algorithms: SHA1_256,
        digits: &[4, 6, 8, 10],
        periods: Periods::Only(&[30, 60]),
        max_profile: Some(49),
        why: "The Molto2 stores SHA-1 or SHA-256 per profile, shows 4, 6, 8 or 10 digits and steps \
              every 30 or 60 s. Each of its 50 profiles (0–49) is one row with the same serial.",
    },
    Preset {
        id: "molto2v2",
        label: "Token2 Molto2v2 (profiles 0–99)",
        manufacturer: "Token2",
        model: "Molto2v2",
        algorithms: SHA1_256,
        digits: &[4, 6, 8, 10],
        periods: Periods::Only(&[30, 60]),
        max_profile: Some(99),
        why: "The Molto2v2 stores SHA-1 or SHA-256 per profile, shows 4, 6, 8 or 10 digits and steps \
              every 30 or 60 s. Each of its 100 profiles (0–99) is one row with the same serial.",
    },
    Preset {
        id: "yubikey",
        label: "YubiKey (OATH application)",
        manufacturer: "Yubico",
        model: "YubiKey 5",
        algorithms: ALL_ALGS,
        digits: &[6, 7, 8],
        periods: Periods::Any,
        max_profile: None,
        why: "The YubiKey OATH application stores SHA-1, SHA-256 or SHA-512 with 6 to 8 digits; it has \
              no clock, so the computer's clock picks the step.",
    },
    Preset {
        id: "nitrokey",
        label: "Nitrokey 3 (Secrets app, OATH)",
        manufacturer: "Nitrokey",
        model: "Nitrokey 3",
        algorithms: SHA1_256,
        digits: &[6, 7, 8],
        periods: Periods::Any,
        max_profile: None,
        why: "The Nitrokey 3 Secrets app stores SHA-1 or SHA-256 with 6 to 8 digits; it has no clock, \
              so the computer's clock picks the step.",
    },
    Preset {
        id: "generic",
        label: "Generic authenticator app",
        manufacturer: "",
        model: "",
        algorithms: ALL_ALGS,
        digits: &[4, 5, 6, 7, 8, 9, 10],
        periods: Periods::Any,
        max_profile: None,
        why: "Authenticator apps read every setting from the QR code; most support only SHA-1, \
              6 digits and 30 s, so test the app before relying on anything else.",
    },
];

pub const DEFAULT_PRESET: &str = "c301";

pub fn by_id(id: &str) -> &'static Preset {
    PRESETS.iter().find(|p| p.id == id).unwrap_or(&PRESETS[0])
}

/// What Entra makes of these settings: empty when both upload formats take them as they are.
pub fn entra_notes(alg: Algorithm, digits: u8, period: u32) -> Vec<String> {
    let mut out = Vec::new();
    match alg {
        Algorithm::Sha1 => {}
        Algorithm::Sha256 => out.push(
            "Entra's CSV upload has no algorithm column and assumes SHA-1: export SHA-256 tokens as Graph JSON."
                .to_string(),
        ),
        Algorithm::Sha512 => out.push(
            "Entra accepts neither SHA-512 upload: the CSV is SHA-1 only and Graph JSON takes SHA-1 or SHA-256."
                .to_string(),
        ),
    }
    if digits != 6 {
        out.push(format!(
            "Entra verifies 6-digit codes only: a {digits}-digit token cannot be added to the Entra list."
        ));
    }
    if period != 30 && period != 60 {
        out.push(format!(
            "Entra accepts a 30 or 60 s time step only, not {period} s."
        ));
    }
    out
}
