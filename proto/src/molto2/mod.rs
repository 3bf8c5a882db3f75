//! Token2 Molto2 / Molto2v2 multi-profile TOTP tokens (USB CCID).
//!
//! SM4 key = first 16 bytes of SHA-1(customer key); the same secure channel as the
//! single-profile tokens ([`crate::secure`]). Profiles in P2; how many a model has is core's
//! capability table — and which model a device is, the user says (nothing public tells a
//! Molto2 from a Molto2v2: [`Molto2Model`]).
//!
//! A burn reads the profile's public block first and refuses an occupied profile unless the
//! user asked to overwrite, then authenticates once and writes seed, title, config — the order
//! of both public tools (token2-molto2.md). Occupancy is the public block's last byte only.

use tokensmith_core::caps;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::apdu::{sw, Response};
use crate::crypto::{check_seed, Sm4Key};
use crate::secure::{Attempt, SecureChannel};
use crate::status::{Protocol, StatusWord, SwError};
use crate::transport::{Transport, TransportError};
use crate::wire::{Algorithm, Digits, DisplayTimeout, TimeStep};

pub use crate::secure::{authenticate_apdu, INS_AUTHENTICATE, INS_GET_CHALLENGE as INS_CHALLENGE};

/// Factory default customer key.
pub const DEFAULT_CUSTOMER_KEY: &[u8; 16] = b"TOKEN2MOLTO1-KEY";
pub use crate::crypto::MAX_SEED_LEN;

pub const INS_INFO: u8 = 0x41;
pub const INS_WRITE_SEED: u8 = 0xC5;
pub const INS_WRITE_TITLE: u8 = 0xD5;
pub const INS_WRITE_CONFIG: u8 = 0xD4;
pub const INS_DELETE_SEED: u8 = 0xE6;
pub const INS_CHANGE_KEY: u8 = 0xD7;
pub const INS_FACTORY_RESET: u8 = 0x56;
pub const INS_SCREEN_LOCK: u8 = 0xD8;

/// What a failed authentication means for the user: how many attempts are left, said as the
/// warning it is (the only one before the device locks).
fn auth_failed_text(left: Option<u8>) -> String {
    match left {
        Some(0) => "wrong customer key: no attempts left, the device is now locked (it refuses \
                    every customer key from now on)"
            .into(),
        Some(1) => "wrong customer key: ONLY 1 attempt left before the device locks for good — \
                    do not try again until you are sure of the key"
            .into(),
        Some(n) => format!(
            "wrong customer key: {n} attempts left before the device locks — check the key \
             before trying again (nothing is retried automatically)"
        ),
        None => "wrong customer key (the device did not say how many attempts are left) — \
                 check the key before trying again"
            .into(),
    }
}

/// Errors of the Molto2 protocol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Molto2Error {
    /// `63 Cx`: wrong customer key, `x` attempts left before the device locks (`63 C7` = 7).
    /// `None` for another `63 xx`. Never retried automatically.
    #[error("authentication failed: {}", auth_failed_text(*attempts_left))]
    AuthFailed { attempts_left: Option<u8> },
    /// `69 83`: secured command refused (bad MAC, no session) or device locked.
    #[error("security failure (69 83): bad MAC, not authenticated, or authentication blocked")]
    SecurityFailure,
    /// `69 82`: security status not satisfied (authenticate first).
    #[error("not authenticated (69 82)")]
    NotAuthenticated,
    /// `6A 83`: the profile holds no seed.
    #[error("profile is empty (6A 83)")]
    ProfileEmpty,
    /// `6A 86`: bad P1/P2.
    #[error("incorrect P1/P2 (6A 86): the device refused this profile number — a Molto2 (v1) has profiles 0–49 only")]
    IncorrectP1P2,
    /// `6F FB`: a command was sent with an Le byte it must not have.
    #[error("unexpected Le byte (6F FB)")]
    UnexpectedLe,
    /// The profile already holds a seed and the user did not ask to overwrite it: nothing was
    /// sent that changes the device (not even an authentication).
    #[error(
        "profile {profile} already holds a seed{}: nothing was written",
        title_note(title)
    )]
    ProfileOccupied { profile: u8, title: String },
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

impl Molto2Error {
    /// The device refused for security (a failed or blocked authentication, no session, bad
    /// secure messaging) or is gone: a loop over profiles stops here, since each further
    /// secured command could only be refused too — and might count against the lock-out.
    pub fn ends_session(&self) -> bool {
        match self {
            Molto2Error::AuthFailed { .. }
            | Molto2Error::SecurityFailure
            | Molto2Error::NotAuthenticated
            | Molto2Error::Transport(_) => true,
            Molto2Error::Status(e) => e.sw.0 == sw::SM_DATA_INCORRECT,
            _ => false,
        }
    }
}

fn title_note(title: &str) -> String {
    if title.is_empty() {
        String::new()
    } else {
        format!(" (titled \"{title}\")")
    }
}

crate::exchange::protocol_error_conversions!(Molto2Error, InvalidConfig);

/// Map the status word of `command`; `90 60` is success pending a button press and is
/// handled by the callers that expect it.
pub fn check_sw(sw: u16, command: &'static str) -> Result<(), Molto2Error> {
    match sw {
        sw::SUCCESS => Ok(()),
        // ISO 7816-4 retry counter: the low nibble is what is left (hardware: 63 C7 = 7).
        s if s & 0xFFF0 == 0x63C0 => Err(Molto2Error::AuthFailed {
            attempts_left: Some((s & 0x0F) as u8),
        }),
        s if s >> 8 == 0x63 => Err(Molto2Error::AuthFailed {
            attempts_left: None,
        }),
        sw::AUTH_METHOD_BLOCKED => Err(Molto2Error::SecurityFailure),
        sw::SECURITY_STATUS_NOT_SATISFIED => Err(Molto2Error::NotAuthenticated),
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

/// Device generation: decides the profile range (core's table has the counts). Nothing the
/// device answers says which one it is, so the user chooses; without a choice the bridge
/// takes the Molto2 (v1), whose profiles 0–49 exist on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Molto2Model {
    /// Molto2 (v1): profiles 0–49.
    #[default]
    V1,
    /// Molto2v2: profiles 0–99.
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

/// The customer key: any number of bytes (both public tools hash whatever they are given;
/// the vendor's tool only warns when it is not 16 bytes). Zeroized on drop.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct CustomerKey(Vec<u8>);

impl std::fmt::Debug for CustomerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CustomerKey(<redacted>)")
    }
}

impl Default for CustomerKey {
    fn default() -> Self {
        CustomerKey(DEFAULT_CUSTOMER_KEY.to_vec())
    }
}

impl CustomerKey {
    /// A key of these bytes (at least one).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Molto2Error> {
        if bytes.is_empty() {
            return Err(Molto2Error::InvalidCustomerKey(
                "empty: give the key, or leave it out for the factory key".into(),
            ));
        }
        Ok(CustomerKey(bytes.to_vec()))
    }

    /// Parse a user-supplied key: 32 hex digits are 16 raw bytes (the vendor tool's `--key`),
    /// so is `0x` followed by any even number of hex digits; anything else is its UTF-8 bytes,
    /// of any length (the vendor tool's `--keyascii`).
    pub fn parse(text: &str) -> Result<Self, Molto2Error> {
        let hex_digits = |t: &str| t.bytes().all(|b| b.is_ascii_hexdigit());
        let decode = |t: &str| -> Result<Self, Molto2Error> {
            if t.len() % 2 != 0 || !hex_digits(t) {
                return Err(Molto2Error::InvalidCustomerKey(
                    "after 0x: an even number of hex digits".into(),
                ));
            }
            let bytes: Zeroizing<Vec<u8>> = Zeroizing::new(
                (0..t.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&t[i..i + 2], 16).unwrap_or(0))
                    .collect(),
            );
            Self::from_bytes(&bytes)
        };
        if let Some(h) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            return decode(h);
        }
        if text.len() == 32 && hex_digits(text) {
            return decode(text);
        }
        Self::from_bytes(text.as_bytes())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The vendor's tool warns about keys that are not 16 bytes (they work all the same).
    pub fn is_sixteen_bytes(&self) -> bool {
        self.0.len() == 16
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

/// The longest title in bytes (UTF-8), from core's capability table (the same for both
/// generations).
pub fn max_title_len() -> usize {
    caps::Model::Molto2
        .caps()
        .title_bytes
        .expect("a Molto2 shows titles")
}

fn validate_seed(seed: &[u8]) -> Result<(), Molto2Error> {
    check_seed(seed, "use delete to clear a profile").map_err(Molto2Error::InvalidSeed)
}

/// A title is 1–12 UTF-8 bytes the display can show: no control characters (a NUL would
/// also be taken for padding when it is read back).
pub fn validate_title(title: &str) -> Result<(), Molto2Error> {
    let n = title.len();
    let max = max_title_len();
    if !(1..=max).contains(&n) {
        return Err(Molto2Error::InvalidTitle(format!(
            "{n} bytes; a title has 1 to {max} bytes (UTF-8)"
        )));
    }
    if title.chars().any(char::is_control) {
        return Err(Molto2Error::InvalidTitle(
            "control characters cannot be shown on the display".into(),
        ));
    }
    Ok(())
}

mod apdus;
pub use apdus::*;

/// Result of a command that the user may have to confirm on the device (`90 60`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// `90 00`: done.
    Done,
    /// `90 60`: accepted; nothing changes until the user presses ▲ on the device.
    PressButton,
}

/// Each write the device acknowledged during a burn, in order: what a caller records (a
/// journal) between the commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// The seed that was there (the user asked to overwrite it) was deleted.
    OldSeedDeleted,
    Seed,
    Title,
    Config,
}

/// One profile to burn.
#[derive(Debug, Clone, Copy)]
pub struct ProfileBurn<'a> {
    pub profile: u8,
    pub seed: &'a [u8],
    pub config: &'a Molto2Config,
    pub title: Option<&'a str>,
    /// The user explicitly asked to replace a seed already in the profile.
    pub overwrite: bool,
}

/// What a delete found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    /// `90 00`: the seed is gone (the title stays).
    Seed,
    /// `6A 83`: there was no seed (harmless).
    AlreadyEmpty,
}

/// How the clock write of one profile went, in a sync of several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileClock {
    pub profile: u8,
    pub result: Result<(), Molto2Error>,
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

    /// A profile's public block (no authentication).
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

    /// Challenge then authenticate, once. `63 Cx` → [`Molto2Error::AuthFailed`] with the
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
        let apdu = write_title_apdu(self.channel.key(), profile, title)?;
        self.simple(&apdu, "write title").map(drop)
    }

    /// Burn one profile: validate everything; read its public block and refuse a profile
    /// that holds a seed unless `overwrite` (nothing is sent then, not even an
    /// authentication); authenticate once; delete the old seed when overwriting (what the
    /// device does with a seed written over another is not documented, and the vendor's tool
    /// says "delete it first"); then seed, title (if given), config — the order of both
    /// public tools. `on_written` hears of each write the device acknowledged. Returns the
    /// public block as it was before.
    pub fn burn_profile(
        &mut self,
        b: &ProfileBurn,
        on_written: &mut dyn FnMut(Written),
    ) -> Result<ProfilePublic, Molto2Error> {
        self.model.check_profile(b.profile)?;
        validate_seed(b.seed)?;
        if let Some(t) = b.title {
            validate_title(t)?;
        }
        let before = self.profile(b.profile)?;
        if before.seed_present && !b.overwrite {
            return Err(Molto2Error::ProfileOccupied {
                profile: b.profile,
                title: before.title(),
            });
        }
        self.authenticate()?;
        if before.seed_present && self.delete(b.profile)? == Deleted::Seed {
            on_written(Written::OldSeedDeleted);
        }
        self.write_seed(b.profile, b.seed)?;
        on_written(Written::Seed);
        if let Some(t) = b.title {
            self.write_title(b.profile, t)?;
            on_written(Written::Title);
        }
        self.write_config(b.profile, b.config)?;
        on_written(Written::Config);
        Ok(before)
    }

    /// Delete the seed of a profile. Needs no authentication (hardware), so none is made: a
    /// mistyped key would cost an attempt for nothing. `6A 83` (already empty) is no error.
    pub fn delete(&mut self, profile: u8) -> Result<Deleted, Molto2Error> {
        self.model.check_profile(profile)?;
        match self.simple(&delete_seed_apdu(profile), "delete seed") {
            Ok(_) => Ok(Deleted::Seed),
            Err(Molto2Error::ProfileEmpty) => Ok(Deleted::AlreadyEmpty),
            Err(e) => Err(e),
        }
    }

    /// Authenticate once, then set the clock of every profile of the model, carrying on past
    /// a profile the device refuses (each is reported); a lost card ends it (the profiles
    /// not reached are not in the list).
    pub fn sync_all(&mut self, utc: u32) -> Result<Vec<ProfileClock>, Molto2Error> {
        self.authenticate()?;
        let mut out = Vec::new();
        for profile in 0..self.model.profile_count() {
            let apdu = sync_clock_apdu(self.channel.key(), profile, utc);
            let result = self.simple(&apdu, "set clock").map(drop);
            let stop = result.as_ref().is_err_and(Molto2Error::ends_session);
            out.push(ProfileClock { profile, result });
            if stop {
                break;
            }
        }
        Ok(out)
    }

    /// Authenticate and set the clock of one profile.
    pub fn sync_one(&mut self, profile: u8, utc: u32) -> Result<(), Molto2Error> {
        self.model.check_profile(profile)?;
        self.authenticate()?;
        let apdu = sync_clock_apdu(self.channel.key(), profile, utc);
        self.simple(&apdu, "set clock").map(drop)
    }

    /// Authenticate and change the customer key (`90 60`: nothing changes until the user
    /// presses ▲). The session switches to the new key when the device took it at once.
    pub fn change_customer_key(
        &mut self,
        new_key: &CustomerKey,
    ) -> Result<Confirmation, Molto2Error> {
        self.authenticate()?;
        let apdu = change_key_apdu(self.channel.key(), new_key);
        let c = self.confirmable(&apdu, "change key")?;
        if c == Confirmation::Done {
            self.channel.set_key(new_key.sm4_key());
        }
        Ok(c)
    }

    /// Factory reset (`90 60`: nothing happens until the user presses ▲; then every profile
    /// is wiped and the customer key is the factory one again). No authentication.
    pub fn factory_reset(&mut self) -> Result<Confirmation, Molto2Error> {
        self.confirmable(&factory_reset_apdu(), "factory reset")
    }

    /// Lock the screen (firmware ≥ 2.1). A `90 60` is passed on like the other commands'.
    pub fn lock_screen(&mut self) -> Result<Confirmation, Molto2Error> {
        self.confirmable(&lock_screen_apdu(), "lock screen")
    }

    /// Unlock the screen (firmware ≥ 2.1).
    pub fn unlock_screen(&mut self) -> Result<Confirmation, Molto2Error> {
        self.confirmable(&unlock_screen_apdu(), "unlock screen")
    }
}

#[cfg(test)]
mod tests;
