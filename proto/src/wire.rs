//! Values as the devices encode them: each enum's discriminant is the byte on the wire, and
//! converting from core's types is where a value a device cannot take is refused.

use tokensmith_core::caps;
use tokensmith_core::otp;

/// A value the device has no encoding for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {value}: the device takes {allowed}")]
pub struct Unencodable {
    pub what: &'static str,
    pub value: String,
    pub allowed: &'static str,
}

fn unencodable(what: &'static str, value: impl ToString, allowed: &'static str) -> Unencodable {
    Unencodable {
        what,
        value: value.to_string(),
        allowed,
    }
}

/// Token2 and Molto2 hash byte (no SHA-512 on these tokens).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Algorithm {
    Sha1 = 1,
    Sha256 = 2,
}

impl Algorithm {
    pub fn from_wire(b: u8) -> Option<Self> {
        [Self::Sha1, Self::Sha256]
            .into_iter()
            .find(|a| *a as u8 == b)
    }
}

impl TryFrom<otp::Algorithm> for Algorithm {
    type Error = Unencodable;
    fn try_from(a: otp::Algorithm) -> Result<Self, Unencodable> {
        match a {
            otp::Algorithm::Sha1 => Ok(Self::Sha1),
            otp::Algorithm::Sha256 => Ok(Self::Sha256),
            otp::Algorithm::Sha512 => Err(unencodable("algorithm", a, "SHA1 or SHA256")),
        }
    }
}

impl From<Algorithm> for otp::Algorithm {
    fn from(a: Algorithm) -> Self {
        match a {
            Algorithm::Sha1 => otp::Algorithm::Sha1,
            Algorithm::Sha256 => otp::Algorithm::Sha256,
        }
    }
}

/// Token2 and Molto2 time step byte: the seconds themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum TimeStep {
    S30 = 30,
    S60 = 60,
}

impl TimeStep {
    pub fn seconds(self) -> u32 {
        self as u32
    }
    pub fn from_wire(b: u8) -> Option<Self> {
        Self::try_from(u32::from(b)).ok()
    }
}

impl TryFrom<u32> for TimeStep {
    type Error = Unencodable;
    fn try_from(seconds: u32) -> Result<Self, Unencodable> {
        match seconds {
            30 => Ok(Self::S30),
            60 => Ok(Self::S60),
            s => Err(unencodable("time step (s)", s, "30 or 60")),
        }
    }
}

/// Token2 and Molto2 display timeout byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum DisplayTimeout {
    S15 = 0,
    S30 = 1,
    S60 = 2,
    S120 = 3,
}

impl DisplayTimeout {
    pub fn from_wire(b: u8) -> Option<Self> {
        [Self::S15, Self::S30, Self::S60, Self::S120]
            .into_iter()
            .find(|d| *d as u8 == b)
    }
    pub fn seconds(self) -> u32 {
        caps::DisplayTimeout::from(self).seconds()
    }
}

impl From<caps::DisplayTimeout> for DisplayTimeout {
    fn from(d: caps::DisplayTimeout) -> Self {
        match d {
            caps::DisplayTimeout::S15 => Self::S15,
            caps::DisplayTimeout::S30 => Self::S30,
            caps::DisplayTimeout::S60 => Self::S60,
            caps::DisplayTimeout::S120 => Self::S120,
        }
    }
}

impl From<DisplayTimeout> for caps::DisplayTimeout {
    fn from(d: DisplayTimeout) -> Self {
        match d {
            DisplayTimeout::S15 => Self::S15,
            DisplayTimeout::S30 => Self::S30,
            DisplayTimeout::S60 => Self::S60,
            DisplayTimeout::S120 => Self::S120,
        }
    }
}

impl TryFrom<u32> for DisplayTimeout {
    type Error = Unencodable;
    fn try_from(seconds: u32) -> Result<Self, Unencodable> {
        caps::DisplayTimeout::try_from(seconds)
            .map(Self::from)
            .map_err(|_| unencodable("display timeout (s)", seconds, "15, 30, 60 or 120"))
    }
}

/// Molto2 code length byte: the digit count itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Digits {
    D4 = 4,
    D6 = 6,
    D8 = 8,
    D10 = 10,
}

impl Digits {
    pub fn count(self) -> u8 {
        self as u8
    }
}

impl TryFrom<u8> for Digits {
    type Error = Unencodable;
    fn try_from(n: u8) -> Result<Self, Unencodable> {
        [Self::D4, Self::D6, Self::D8, Self::D10]
            .into_iter()
            .find(|d| *d as u8 == n)
            .ok_or_else(|| unencodable("digits", n, "4, 6, 8 or 10"))
    }
}

/// YKOATH HMAC algorithm (low nibble of the type/algorithm byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum OathAlgorithm {
    Sha1 = 0x01,
    Sha256 = 0x02,
    Sha512 = 0x03,
}

impl OathAlgorithm {
    pub fn from_byte(b: u8) -> Option<Self> {
        [Self::Sha1, Self::Sha256, Self::Sha512]
            .into_iter()
            .find(|a| *a as u8 == b & 0x0F)
    }
    /// HMAC block size: 64, or 128 for SHA-512.
    pub fn block_size(self) -> usize {
        match self {
            Self::Sha512 => 128,
            _ => 64,
        }
    }
    pub fn hash(self) -> otp::Algorithm {
        match self {
            Self::Sha1 => otp::Algorithm::Sha1,
            Self::Sha256 => otp::Algorithm::Sha256,
            Self::Sha512 => otp::Algorithm::Sha512,
        }
    }
}

impl From<otp::Algorithm> for OathAlgorithm {
    fn from(a: otp::Algorithm) -> Self {
        match a {
            otp::Algorithm::Sha1 => Self::Sha1,
            otp::Algorithm::Sha256 => Self::Sha256,
            otp::Algorithm::Sha512 => Self::Sha512,
        }
    }
}

/// YKOATH credential type (high nibble of the type/algorithm byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum OathType {
    Hotp = 0x10,
    Totp = 0x20,
}

impl OathType {
    pub fn from_byte(b: u8) -> Option<Self> {
        [Self::Hotp, Self::Totp]
            .into_iter()
            .find(|t| *t as u8 == b & 0xF0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discriminants_are_the_wire_bytes() {
        assert_eq!(Algorithm::Sha256 as u8, 2);
        assert_eq!(TimeStep::S60 as u8, 0x3C);
        assert_eq!(TimeStep::S30 as u8, 0x1E);
        assert_eq!(DisplayTimeout::S120 as u8, 3);
        assert_eq!(Digits::D10 as u8, 10);
        assert_eq!(OathAlgorithm::Sha512 as u8 | OathType::Totp as u8, 0x23);
        assert_eq!(DisplayTimeout::from_wire(2), Some(DisplayTimeout::S60));
        assert_eq!(DisplayTimeout::from_wire(4), None);
        assert_eq!(TimeStep::from_wire(0x1F), None);
        assert_eq!(OathType::from_byte(0x21), Some(OathType::Totp));
        assert_eq!(OathAlgorithm::from_byte(0x12), Some(OathAlgorithm::Sha256));
    }

    #[test]
    fn core_values_a_device_cannot_take_are_refused() {
        let e = Algorithm::try_from(otp::Algorithm::Sha512).unwrap_err();
        assert_eq!(
            e.to_string(),
            "algorithm SHA512: the device takes SHA1 or SHA256"
        );
        assert!(TimeStep::try_from(45).is_err());
        assert!(DisplayTimeout::try_from(45).is_err());
        assert_eq!(DisplayTimeout::try_from(120).unwrap(), DisplayTimeout::S120);
        assert_eq!(DisplayTimeout::S15.seconds(), 15);
        assert!(Digits::try_from(7).is_err());
        for a in otp::Algorithm::ALL {
            assert_eq!(OathAlgorithm::from(a).hash(), a);
        }
    }
}
