//! Token2 Molto2 / Molto2v2 multi-profile TOTP tokens (USB CCID).
//!
//! SM4 key = first 16 bytes of SHA-1(customer key); the same secure channel as the
//! single-profile tokens ([`crate::secure`]). Profiles in P2; how many a model has is core's
//! capability table. Burn order per profile: config, then seed, then title.

use tokensmith_core::caps;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::apdu::{sw, Response};
use crate::crypto::{check_seed, Sm4Key};
use crate::secure::{Attempt, SecureChannel};
use crate::status::{Protocol, StatusWord, SwError};
use crate::transport::{Transport, TransportError};
use crate::wire::{Algorithm, Digits, DisplayTimeout, TimeStep};

pub use crate::secure::{authenticate_apdu, INS_AUTHENTICATE, INS_GET_CHALLENGE as INS_CHALLENGE};

/// Factory default customer key.
pub const DEFAULT_CUSTOMER_KEY: &[u8; 16] = b"TOKEN2MOLTO1-KEY";
/// Longest title in bytes.
pub const MAX_TITLE_LEN: usize = 12;
pub use crate::crypto::MAX_SEED_LEN;

pub const INS_INFO: u8 = 0x41;
pub const INS_WRITE_SEED: u8 = 0xC5;
pub const INS_WRITE_TITLE: u8 = 0xD5;
pub const INS_WRITE_CONFIG: u8 = 0xD4;
pub const INS_DELETE_SEED: u8 = 0xE6;
pub const INS_CHANGE_KEY: u8 = 0xD7;
pub const INS_FACTORY_RESET: u8 = 0x56;
pub const INS_SCREEN_LOCK: u8 = 0xD8;

/// Errors of the Molto2 protocol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Molto2Error {
    /// `63 NN`: wrong customer key; NN attempts left before the device locks. Never retried
    /// automatically.
    #[error("authentication failed: wrong customer key, {attempts_left} attempt(s) left before the device locks")]
    AuthFailed { attempts_left: u8 },
    /// `69 83`: secured command refused (bad MAC, no session) or device locked.
    #[error("security failure (69 83): bad MAC, not authenticated, or authentication blocked")]
    SecurityFailure,
    /// `69 82`: security status not satisfied (authenticate first).
    #[error("not authenticated (69 82)")]
    NotAuthenticated,
    /// `69 85`: conditions not satisfied (e.g. seed before config).
    #[error("conditions of use not satisfied (69 85): a profile needs a config before its seed")]
    ConditionsNotSatisfied,
    /// `6A 83`: the profile holds no seed.
    #[error("profile is empty (6A 83)")]
    ProfileEmpty,
    /// `6A 86`: bad P1/P2 (profile out of range).
    #[error("incorrect P1/P2 (6A 86): profile out of range for this device")]
    IncorrectP1P2,
    /// `6F FB`: a command was sent with an Le byte it must not have.
    #[error("unexpected Le byte (6F FB)")]
    UnexpectedLe,
    /// Any other status word.
    #[error(transparent)]
    Status(#[from] SwError),
    #[error("profile {profile} out of range 0..={max}")]
    InvalidProfile { profile: u8, max: u8 },
    #[error("invalid seed: {0}")]
    InvalidSeed(String),
    #[error("invalid title: {0}")]
    InvalidTitle(String),
    #[error("invalid config: {0}")]
    InvalidConfig(String),
    #[error("invalid customer key: {0}")]
    InvalidCustomerKey(String),
    #[error("malformed reply: {0}")]
    MalformedReply(String),
    #[error(transparent)]
    Transport(#[from] TransportError),
}

crate::exchange::protocol_error_conversions!(Molto2Error, InvalidConfig);

/// Map the status word of `command`; `90 60` is success pending a button press and is
/// handled by the callers that expect it.
pub fn check_sw(sw: u16, command: &'static str) -> Result<(), Molto2Error> {
    match sw {
        sw::SUCCESS => Ok(()),
        s if s >> 8 == 0x63 => Err(Molto2Error::AuthFailed {
            attempts_left: (s & 0xFF) as u8,
        }),
        sw::AUTH_METHOD_BLOCKED => Err(Molto2Error::SecurityFailure),
        sw::SECURITY_STATUS_NOT_SATISFIED => Err(Molto2Error::NotAuthenticated),
        sw::CONDITIONS_NOT_SATISFIED => Err(Molto2Error::ConditionsNotSatisfied),
        sw::RECORD_NOT_FOUND => Err(Molto2Error::ProfileEmpty),
        sw::INCORRECT_P1P2 => Err(Molto2Error::IncorrectP1P2),
        sw::MOLTO2_NO_LE => Err(Molto2Error::UnexpectedLe),
        other => Err(SwError {
            protocol: Protocol::Molto2,
            command,
            sw: StatusWord(other),
        }
        .into()),
    }
}

/// Device generation: decides the profile range (core's table has the counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Molto2Model {
    /// Molto2 (v1).
    V1,
    /// Molto2v2.
    #[default]
    V2,
}

impl Molto2Model {
    /// The model in core's capability table.
    pub fn caps_model(self) -> caps::Model {
        match self {
            Molto2Model::V1 => caps::Model::Molto2,
            Molto2Model::V2 => caps::Model::Molto2v2,
        }
    }

    /// The generation with this many profiles.
    pub fn with_profiles(count: u8) -> Option<Self> {
        [Molto2Model::V1, Molto2Model::V2]
            .into_iter()
            .find(|m| m.profile_count() == count)
    }

    pub fn profile_count(self) -> u8 {
        self.caps_model()
            .caps()
            .profiles
            .expect("a Molto2 has profiles")
    }
    pub fn max_profile(self) -> u8 {
        self.profile_count() - 1
    }
    pub fn check_profile(self, profile: u8) -> Result<(), Molto2Error> {
        if profile > self.max_profile() {
            Err(Molto2Error::InvalidProfile {
                profile,
                max: self.max_profile(),
            })
        } else {
            Ok(())
        }
    }
}

/// The 16-byte customer key. Zeroized on drop.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct CustomerKey([u8; 16]);

impl std::fmt::Debug for CustomerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CustomerKey(<redacted>)")
    }
}

impl Default for CustomerKey {
    fn default() -> Self {
        CustomerKey(*DEFAULT_CUSTOMER_KEY)
    }
}

impl CustomerKey {
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        CustomerKey(bytes)
    }

    /// Parse a user-supplied key: 32 hex digits (raw bytes) or exactly 16 ASCII characters
    /// (their bytes). 32 characters that are all hex are read as hex.
    pub fn parse(text: &str) -> Result<Self, Molto2Error> {
        let t = text.trim();
        if t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
            let mut k = [0u8; 16];
            for (i, byte) in k.iter_mut().enumerate() {
                *byte = u8::from_str_radix(&t[2 * i..2 * i + 2], 16)
                    .map_err(|e| Molto2Error::InvalidCustomerKey(e.to_string()))?;
            }
            return Ok(CustomerKey(k));
        }
        if t.len() == 16 && t.is_ascii() {
            let mut k = [0u8; 16];
            k.copy_from_slice(t.as_bytes());
            return Ok(CustomerKey(k));
        }
        Err(Molto2Error::InvalidCustomerKey(format!(
            "{} characters: need 32 hex digits or 16 ASCII characters",
            t.chars().count()
        )))
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// SM4 key = first 16 bytes of SHA-1(customer key).
    pub fn sm4_key(&self) -> Sm4Key {
        Sm4Key::from_sha1_of(&self.0)
    }
}

/// A validated per-profile configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Molto2Config {
    pub display: DisplayTimeout,
    pub utc: u32,
    pub algorithm: Algorithm,
    pub digits: Digits,
    pub step: TimeStep,
}

impl Molto2Config {
    /// From core's values (display seconds 15/30/60/120, UTC in u32, SHA-1 or SHA-256,
    /// digits 4/6/8/10, step 30/60).
    pub fn from_values(
        display_seconds: u32,
        utc: i64,
        algorithm: tokensmith_core::otp::Algorithm,
        digits: u8,
        step_seconds: u32,
    ) -> Result<Self, Molto2Error> {
        let utc = u32::try_from(utc)
            .map_err(|_| Molto2Error::InvalidConfig(format!("UTC {utc} outside u32")))?;
        Ok(Molto2Config {
            display: DisplayTimeout::try_from(display_seconds)?,
            utc,
            algorithm: Algorithm::try_from(algorithm)?,
            digits: Digits::try_from(digits)?,
            step: TimeStep::try_from(step_seconds)?,
        })
    }

    /// `81 14 1F 01 <display> 0F 04 <UTC> 86 09 0A 01 <algo> 0B 01 <digits> 0D 01 <step>`.
    pub fn tlv(&self) -> [u8; 22] {
        let u = self.utc.to_be_bytes();
        [
            0x81,
            0x14,
            0x1F,
            0x01,
            self.display as u8,
            0x0F,
            0x04,
            u[0],
            u[1],
            u[2],
            u[3],
            0x86,
            0x09,
            0x0A,
            0x01,
            self.algorithm as u8,
            0x0B,
            0x01,
            self.digits as u8,
            0x0D,
            0x01,
            self.step as u8,
        ]
    }
}

fn validate_seed(seed: &[u8]) -> Result<(), Molto2Error> {
    check_seed(seed, "use delete to clear a profile").map_err(Molto2Error::InvalidSeed)
}

fn validate_title(title: &[u8]) -> Result<(), Molto2Error> {
    if title.len() > MAX_TITLE_LEN {
        return Err(Molto2Error::InvalidTitle(format!(
            "{} bytes; at most {MAX_TITLE_LEN}",
            title.len()
        )));
    }
    Ok(())
}

mod apdus;
pub use apdus::*;

/// Result of a command that the user must confirm on the device (`90 60`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// `90 00`: done.
    Done,
    /// `90 60`: press ▲ on the device to confirm.
    PressButton,
}

/// High-level Molto2 flows.
pub struct Molto2Session<T: Transport> {
    channel: SecureChannel<T>,
    model: Molto2Model,
}

impl<T: Transport> Molto2Session<T> {
    pub fn new(transport: T, customer_key: &CustomerKey, model: Molto2Model) -> Self {
        Molto2Session {
            channel: SecureChannel::new(transport, Protocol::Molto2, customer_key.sm4_key()),
            model,
        }
    }

    pub fn model(&self) -> Molto2Model {
        self.model
    }

    pub fn transport_mut(&mut self) -> &mut T {
        self.channel.transport_mut()
    }

    pub fn into_transport(self) -> T {
        self.channel.into_transport()
    }

    fn exchange(&mut self, apdu: &[u8]) -> Result<Response, Molto2Error> {
        Ok(self.channel.transmit(apdu)?)
    }

    fn simple(&mut self, apdu: &[u8], command: &'static str) -> Result<Vec<u8>, Molto2Error> {
        let r = self.exchange(apdu)?;
        check_sw(r.sw, command)?;
        Ok(r.data)
    }

    fn confirmable(
        &mut self,
        apdu: &[u8],
        command: &'static str,
    ) -> Result<Confirmation, Molto2Error> {
        let r = self.exchange(apdu)?;
        if r.sw == sw::PRESS_BUTTON {
            return Ok(Confirmation::PressButton);
        }
        check_sw(r.sw, command)?;
        Ok(Confirmation::Done)
    }

    pub fn info(&mut self) -> Result<Molto2Info, Molto2Error> {
        let d = self.simple(&info_apdu(), "info")?;
        parse_info(&d)
    }

    pub fn profile(&mut self, profile: u8) -> Result<ProfilePublic, Molto2Error> {
        self.model.check_profile(profile)?;
        let d = self.simple(&profile_data_apdu(profile), "read profile")?;
        parse_profile_public(&d)
    }

    /// Public data of every profile of the model.
    pub fn list_profiles(&mut self) -> Result<Vec<(u8, ProfilePublic)>, Molto2Error> {
        (0..self.model.profile_count())
            .map(|p| self.profile(p).map(|d| (p, d)))
            .collect()
    }

    /// Challenge then authenticate, once. `63 NN` → [`Molto2Error::AuthFailed`] with the
    /// attempts left; never retried.
    pub fn authenticate(&mut self) -> Result<(), Molto2Error> {
        match self.channel.authenticate(&challenge_apdu())? {
            Attempt::ChallengeRefused(r) => check_sw(r.sw, "get challenge"),
            Attempt::Answered(r) => check_sw(r.sw, "authenticate"),
        }
    }

    pub fn write_config(&mut self, profile: u8, config: &Molto2Config) -> Result<(), Molto2Error> {
        self.model.check_profile(profile)?;
        let apdu = write_config_apdu(self.channel.key(), profile, config);
        self.simple(&apdu, "write config").map(drop)
    }

    pub fn write_seed(&mut self, profile: u8, seed: &[u8]) -> Result<(), Molto2Error> {
        self.model.check_profile(profile)?;
        let apdu = write_seed_apdu(self.channel.key(), profile, seed)?;
        self.simple(&apdu, "write seed").map(drop)
    }

    pub fn write_title(&mut self, profile: u8, title: &str) -> Result<(), Molto2Error> {
        self.model.check_profile(profile)?;
        let apdu = write_title_apdu(self.channel.key(), profile, title.as_bytes())?;
        self.simple(&apdu, "write title").map(drop)
    }

    /// Burn one profile: validate everything, authenticate, then config, seed and (if given)
    /// title.
    pub fn burn_profile(
        &mut self,
        profile: u8,
        seed: &[u8],
        config: &Molto2Config,
        title: Option<&str>,
    ) -> Result<(), Molto2Error> {
        self.model.check_profile(profile)?;
        validate_seed(seed)?;
        if let Some(t) = title {
            validate_title(t.as_bytes())?;
        }
        self.authenticate()?;
        self.write_config(profile, config)?;
        self.write_seed(profile, seed)?;
        if let Some(t) = title {
            self.write_title(profile, t)?;
        }
        Ok(())
    }

    /// Authenticate and delete the seed of a profile (`6A 83` → ProfileEmpty).
    pub fn delete(&mut self, profile: u8) -> Result<(), Molto2Error> {
        self.model.check_profile(profile)?;
        self.authenticate()?;
        self.simple(&delete_seed_apdu(profile), "delete seed")
            .map(drop)
    }

    /// Authenticate and set the clock of every profile of the model.
    pub fn sync_all(&mut self, utc: u32) -> Result<(), Molto2Error> {
        self.authenticate()?;
        for p in 0..self.model.profile_count() {
            let apdu = sync_clock_apdu(self.channel.key(), p, utc);
            self.simple(&apdu, "set clock")?;
        }
        Ok(())
    }

    /// Authenticate and change the customer key (`90 60`: press ▲). The session switches to
    /// the new key when the card accepted the command.
    pub fn change_customer_key(
        &mut self,
        new_key: &CustomerKey,
    ) -> Result<Confirmation, Molto2Error> {
        self.authenticate()?;
        let apdu = change_key_apdu(self.channel.key(), new_key);
        let c = self.confirmable(&apdu, "change key")?;
        self.channel.set_key(new_key.sm4_key());
        Ok(c)
    }

    /// Factory reset (`90 60`: press ▲).
    pub fn factory_reset(&mut self) -> Result<Confirmation, Molto2Error> {
        self.confirmable(&factory_reset_apdu(), "factory reset")
    }

    pub fn lock_screen(&mut self) -> Result<(), Molto2Error> {
        self.simple(&lock_screen_apdu(), "lock screen").map(drop)
    }

    pub fn unlock_screen(&mut self) -> Result<(), Molto2Error> {
        self.simple(&unlock_screen_apdu(), "unlock screen")
            .map(drop)
    }
}

#[cfg(test)]
mod tests;
