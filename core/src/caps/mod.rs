//! What each target can store and show, and what Entra accepts: the one table the page's
//! presets, the bridge's burn planning and the import review all consult.
//!
//! The facts come from `shared/reference/*.md` (Token2 single-profile and Molto2 protocol
//! documents, YKOATH with the Nitrokey 3 differences, Entra's import formats) and, for the
//! YubiKey firmware rules, from ykman (`ykman oath accounts add`: touch needs 4.2.6, SHA-512
//! needs 4.3.1). [`check`] turns them into typed [`Refusal`]s whose `Display` is the message
//! the user reads: what is refused and how to fix it.

mod check;
pub mod entra;
mod refusal;
mod table;

pub use check::{check, check_feature};
pub use refusal::{Param, Refusal};

use std::fmt;
use std::str::FromStr;

use crate::otp::{Algorithm, OtpParams};

/// A target: a token model, a key family or an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Model {
    OtpcP1,
    OtpcP2,
    OtpcP2Nb,
    MiniOtp2,
    MiniOtp3,
    MiniOtp3Nb,
    C301,
    C302,
    /// Molto2 (v1): profiles 0–49.
    Molto2,
    /// Molto2v2: profiles 0–99.
    Molto2v2,
    /// YubiKey OATH application (firmware rules apply when its version is known).
    YubiKey,
    /// Nitrokey 3 Secrets app (YKOATH subset).
    Nitrokey3,
    /// A YKOATH key whose maker is not known (e.g. Solo 2): only what every one of them does.
    OathKey,
    /// An authenticator app, reading everything from the QR code.
    App,
}

/// How a target is programmed: decides which settings exist at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// Token2 single-profile programmable token (SM4-authenticated config + seed).
    Token2,
    /// Token2 Molto2 multi-profile token.
    Molto2,
    /// A key with the YKOATH applet: no clock, no display.
    Oath,
    /// An authenticator app (QR code).
    App,
}

/// Which time steps a target accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Periods {
    /// Only these values (Token2 hardware: 30 or 60 s).
    Only(&'static [u32]),
    /// Any whole number of seconds ≥ 1 (the host's clock picks the step).
    Any,
}

impl Periods {
    pub fn allows(self, period: u32) -> bool {
        match self {
            Periods::Only(list) => list.contains(&period),
            Periods::Any => period >= 1,
        }
    }
}

/// The token's own clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// Writing the configuration sets the clock (UTC); there is no time-only command.
    /// `clears_seed`: the config write also clears the stored seed ("restricted time sync").
    SetByConfig { clears_seed: bool },
    /// A per-profile clock command sets it without touching seeds (Molto2).
    SetPerProfile,
    /// No clock: the host sends the time with every calculation (OATH keys, apps).
    None,
}

/// Whether a target needs an account name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Account {
    /// It names the stored credential: required (OATH keys).
    Required,
    /// Shown if given (apps).
    Optional,
    /// Nowhere to store it (Token2 tokens; the Molto2 has a title instead).
    None,
}

/// Whether a credential can require a touch before it computes a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touch {
    Available,
    /// Not offered: the target has no button, or it is not known to honour the property.
    None,
}

/// An applet's firmware version (`5.4.3`), for features older firmware lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Firmware(pub u8, pub u8, pub u8);

impl fmt::Display for Firmware {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// "5.4.3" (missing parts count as 0).
impl FromStr for Firmware {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("'{s}' is not a firmware version like 5.4.3");
        let parts: Vec<&str> = s.trim().split('.').collect();
        if parts.len() > 3 {
            return Err(bad());
        }
        let mut v = [0u8; 3];
        for (slot, part) in v.iter_mut().zip(parts) {
            *slot = part.parse().map_err(|_| bad())?;
        }
        Ok(Firmware(v[0], v[1], v[2]))
    }
}

/// The longest YKOATH credential name (`[period/][issuer:]account`) in bytes, on every OATH key
/// (ykoath.md).
pub const OATH_NAME_BYTES: usize = 64;

/// Something a key does only on some models or from some firmware on: the burn settings
/// (SHA-512, touch), and what an OATH applet offers beyond storing and calculating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Feature {
    Sha512,
    Touch,
    /// YKOATH RENAME (`00 05`).
    Rename,
    /// The YKOATH access password (SET CODE / VALIDATE).
    AccessPassword,
    /// A PUT over an existing name replaces that account (YubiKeys do it silently).
    Overwrite,
    /// A new name that is the beginning of an existing one: YubiKey 4 firmware below 4.3.5
    /// may overwrite the longer one instead (ykman refuses such names there).
    PrefixName,
}

impl Feature {
    pub fn human(self) -> &'static str {
        match self {
            Feature::Sha512 => "SHA-512",
            Feature::Touch => "touch",
            Feature::Rename => "renaming an account",
            Feature::AccessPassword => "an access password",
            Feature::Overwrite => "replacing an account",
            Feature::PrefixName => "a name that begins another account's name",
        }
    }

    /// A burn setting the page's model summary mentions (the others are management).
    pub fn is_setting(self) -> bool {
        matches!(self, Feature::Sha512 | Feature::Touch)
    }
}

/// How long a Token2 or Molto2 display stays on after the button is pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DisplayTimeout {
    S15,
    #[default]
    S30,
    S60,
    S120,
}

/// A display timeout no token offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("display timeout {0} s: the tokens offer 15, 30, 60 or 120 s")]
pub struct UnknownDisplayTimeout(pub u32);

impl DisplayTimeout {
    pub const ALL: [DisplayTimeout; 4] = [Self::S15, Self::S30, Self::S60, Self::S120];

    pub fn seconds(self) -> u32 {
        match self {
            Self::S15 => 15,
            Self::S30 => 30,
            Self::S60 => 60,
            Self::S120 => 120,
        }
    }
}

impl TryFrom<u32> for DisplayTimeout {
    type Error = UnknownDisplayTimeout;

    fn try_from(seconds: u32) -> Result<Self, Self::Error> {
        Self::ALL
            .into_iter()
            .find(|d| d.seconds() == seconds)
            .ok_or(UnknownDisplayTimeout(seconds))
    }
}

impl From<DisplayTimeout> for u32 {
    fn from(d: DisplayTimeout) -> u32 {
        d.seconds()
    }
}

impl fmt::Display for DisplayTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} s", self.seconds())
    }
}

/// Everything one model can store and show. Read it through [`Model::caps`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    pub model: Model,
    /// Stable identifier (page preference, command line): `c301`, `molto2v2`, `yubikey`.
    pub slug: &'static str,
    /// For a model picker: "Token2 C301-i (card)".
    pub label: &'static str,
    /// In sentences: "Token2 C301-i", "YubiKey".
    pub human: &'static str,
    /// The Entra `manufacturer` and `model` columns ("" where the maker varies).
    pub manufacturer: &'static str,
    pub name: &'static str,
    pub family: Family,
    pub algorithms: &'static [Algorithm],
    pub digits: &'static [u8],
    pub periods: Periods,
    /// Empty: no display (or no display setting).
    pub display_timeouts: &'static [DisplayTimeout],
    /// Multi-profile tokens: how many profiles (numbered from 0).
    pub profiles: Option<u8>,
    /// Profile title, UTF-8 bytes at most.
    pub title_bytes: Option<usize>,
    /// Raw seed length in bytes, smallest and largest.
    pub seed_bytes: (usize, usize),
    /// OATH: the stored name `[period/][issuer:]account`, bytes at most.
    pub name_bytes: Option<usize>,
    pub clock: Clock,
    pub account: Account,
    pub touch: Touch,
    /// Firmware a feature needs, where the firmware version is known (YubiKey).
    pub firmware: &'static [(Feature, Firmware)],
    /// OATH keys: what the applet offers beyond storing and calculating (rename, access
    /// password, overwriting a name). SHA-512 and touch are in `algorithms` and `touch`.
    pub features: &'static [Feature],
    /// Token2 single-profile models: the serial prefix that identifies them.
    pub serial_prefix: Option<&'static str>,
    /// Why the limits are what they are, where the numbers alone do not say.
    pub note: &'static str,
}

impl Model {
    pub const ALL: [Model; 14] = [
        Model::C301,
        Model::C302,
        Model::OtpcP1,
        Model::OtpcP2,
        Model::OtpcP2Nb,
        Model::MiniOtp2,
        Model::MiniOtp3,
        Model::MiniOtp3Nb,
        Model::Molto2,
        Model::Molto2v2,
        Model::YubiKey,
        Model::Nitrokey3,
        Model::OathKey,
        Model::App,
    ];

    pub fn caps(self) -> &'static Caps {
        table::caps(self)
    }

    /// A Token2 single-profile model from its serial (longest matching prefix); `None` for an
    /// unknown prefix, which is not a known programmable model.
    pub fn from_token2_serial(serial: &str) -> Option<Model> {
        Model::ALL
            .into_iter()
            .filter_map(|m| Some((m, m.caps().serial_prefix?)))
            .filter(|(_, p)| serial.trim().starts_with(p))
            .max_by_key(|(_, p)| p.len())
            .map(|(m, _)| m)
    }

    /// The Molto2 generation with this many profiles.
    pub fn molto2_with(profiles: u8) -> Option<Model> {
        [Model::Molto2, Model::Molto2v2]
            .into_iter()
            .find(|m| m.caps().profiles == Some(profiles))
    }
}

/// The highest profile number any multi-profile model has (a Molto2v2's 99).
pub fn largest_profile() -> u8 {
    Model::ALL
        .into_iter()
        .filter_map(|m| m.caps().max_profile())
        .max()
        .unwrap_or(0)
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.caps().human)
    }
}

/// A model from its slug or its name, case-insensitively ("c301", "C301-i", "Molto2v2").
impl FromStr for Model {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        Model::ALL
            .into_iter()
            .find(|m| {
                let c = m.caps();
                c.slug.eq_ignore_ascii_case(t)
                    || (!c.name.is_empty() && c.name.eq_ignore_ascii_case(t))
            })
            .ok_or_else(|| {
                let slugs: Vec<&str> = Model::ALL.iter().map(|m| m.caps().slug).collect();
                format!("unknown model '{t}': use one of {}", slugs.join(", "))
            })
    }
}

impl Caps {
    pub fn allows_algorithm(&self, a: Algorithm) -> bool {
        self.algorithms.contains(&a)
    }

    pub fn allows_digits(&self, d: u8) -> bool {
        self.digits.contains(&d)
    }

    pub fn allows_period(&self, p: u32) -> bool {
        self.periods.allows(p)
    }

    /// Algorithm, digits and period together: what the page's pickers offer.
    pub fn allows(&self, otp: &OtpParams) -> bool {
        self.allows_algorithm(otp.algorithm)
            && self.allows_digits(otp.digits)
            && self.allows_period(otp.period)
    }

    /// `otp` with each setting this model cannot do moved to its nearest supported value (the
    /// first algorithm, 6 digits or else the first, 30 s or else the first period): what
    /// switching the target to this model does to the settings, and so what a new job on it
    /// starts with (`OtpParams::default()` moved here).
    pub fn nearest(&self, otp: OtpParams) -> OtpParams {
        OtpParams {
            algorithm: if self.allows_algorithm(otp.algorithm) {
                otp.algorithm
            } else {
                self.algorithms[0]
            },
            digits: if self.allows_digits(otp.digits) {
                otp.digits
            } else if self.allows_digits(6) {
                6
            } else {
                self.digits[0]
            },
            period: if self.allows_period(otp.period) {
                otp.period
            } else {
                match self.periods {
                    Periods::Only(list) => list[0],
                    Periods::Any => 30,
                }
            },
        }
    }

    /// Highest profile number of a multi-profile token.
    pub fn max_profile(&self) -> Option<u8> {
        self.profiles.map(|n| n.saturating_sub(1))
    }

    /// The firmware a feature needs on this model, if it depends on firmware at all.
    pub fn needs_firmware(&self, feature: Feature) -> Option<Firmware> {
        self.firmware
            .iter()
            .find(|(f, _)| *f == feature)
            .map(|(_, v)| *v)
    }

    /// `text` trimmed and cut to the longest prefix that fits the title (at a character
    /// boundary); `None` when the model shows no title.
    pub fn title_from(&self, text: &str) -> Option<String> {
        let max = self.title_bytes?;
        let text = text.trim();
        let end = text
            .char_indices()
            .map(|(i, c)| i + c.len_utf8())
            .take_while(|&end| end <= max)
            .last()
            .unwrap_or(0);
        Some(text[..end].trim_end().to_string())
    }

    /// What the limits are, in two or three sentences for the person choosing a target.
    pub fn summary(&self) -> String {
        table::summary(self)
    }
}

/// The settings to check. Leave unknown or unused ones at their default (`None`, `false`):
/// [`Params::otp`] builds the common case of algorithm, digits and period only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Params<'a> {
    pub otp: OtpParams,
    pub display_timeout: Option<DisplayTimeout>,
    pub profile: Option<u8>,
    pub title: Option<&'a str>,
    /// Raw seed length in bytes.
    pub seed_len: Option<usize>,
    pub account: Option<&'a str>,
    pub issuer: Option<&'a str>,
    pub touch: bool,
    /// The applet's firmware, when the device was read.
    pub firmware: Option<Firmware>,
    /// These are all the settings of one burn or record: what the model needs must be here
    /// (a profile slot on a Molto2, an account name on an OATH key).
    pub complete: bool,
}

impl Params<'_> {
    pub fn otp(otp: OtpParams) -> Params<'static> {
        Params {
            otp,
            ..Params::default()
        }
    }
}

#[cfg(test)]
mod tests;
