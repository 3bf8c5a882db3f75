//! Token2 Molto2 / Molto2v2 multi-profile TOTP tokens (USB CCID).
//!
//! SM4 key = first 16 bytes of SHA-1(customer key); same MAC as the
//! single-profile tokens. Profiles 0–49 (Molto2) or 0–99 (Molto2v2) in P2.
//! Burn order per profile: config, then seed, then title.

use crate::apdu::{sw, Command, Response};
use crate::crypto::{pad_seed, pad_title, Sm4Key};
use crate::transport::{Transport, TransportError};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Factory default customer key.
pub const DEFAULT_CUSTOMER_KEY: &[u8; 16] = b"TOKEN2MOLTO1-KEY";
/// Longest title in bytes.
pub const MAX_TITLE_LEN: usize = 12;
/// Longest seed in bytes.
pub const MAX_SEED_LEN: usize = 63;

pub const INS_INFO: u8 = 0x41;
pub const INS_CHALLENGE: u8 = 0x4B;
pub const INS_AUTHENTICATE: u8 = 0xCE;
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
    /// `63 NN`: wrong customer key; NN attempts left before the device locks.
    /// Never retried automatically.
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
    #[error("wrong length (67 00)")]
    WrongLength,
    #[error("bad data (6A 80)")]
    BadData,
    #[error("instruction not supported (6D 00)")]
    UnknownInstruction,
    #[error("class not supported (6E 00)")]
    UnknownClass,
    /// `6F FB`: a command was sent with an Le byte it must not have.
    #[error("unexpected Le byte (6F FB)")]
    UnexpectedLe,
    #[error("unexpected status word {0:04X}")]
    UnexpectedStatus(u16),
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

/// Map a status word; `90 60` is success pending a button press and is
/// handled by the callers that expect it.
pub fn check_sw(sw: u16) -> Result<(), Molto2Error> {
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
        sw::WRONG_LENGTH => Err(Molto2Error::WrongLength),
        sw::WRONG_DATA => Err(Molto2Error::BadData),
        sw::INS_NOT_SUPPORTED => Err(Molto2Error::UnknownInstruction),
        sw::CLA_NOT_SUPPORTED => Err(Molto2Error::UnknownClass),
        sw::MOLTO2_NO_LE => Err(Molto2Error::UnexpectedLe),
        other => Err(Molto2Error::UnexpectedStatus(other)),
    }
}

/// Device generation: decides the profile range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Molto2Model {
    /// Molto2 (v1): profiles 0–49.
    V1,
    /// Molto2v2: profiles 0–99.
    #[default]
    V2,
}

impl Molto2Model {
    pub fn profile_count(self) -> u8 {
        match self {
            Molto2Model::V1 => 50,
            Molto2Model::V2 => 100,
        }
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

    /// Parse a user-supplied key: 32 hex digits (raw bytes) or exactly 16
    /// ASCII characters (their bytes). 32 characters that are all hex are
    /// read as hex.
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

/// Molto2 hash algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Sha1 = 1,
    Sha256 = 2,
}

/// A validated per-profile configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Molto2Config {
    /// Display timeout code 0–3 (15/30/60/120 s).
    pub display: u8,
    pub utc: u32,
    pub algorithm: Algorithm,
    /// 4, 6, 8 or 10.
    pub digits: u8,
    /// 30 or 60.
    pub step: u8,
}

impl Molto2Config {
    /// Validate user values (display seconds 15/30/60/120, UTC in u32,
    /// algorithm SHA1/SHA256, digits 4/6/8/10, step 30/60).
    pub fn from_values(
        display_seconds: u32,
        utc: i64,
        algorithm: &str,
        digits: u32,
        step_seconds: u32,
    ) -> Result<Self, Molto2Error> {
        let display = match display_seconds {
            15 => 0,
            30 => 1,
            60 => 2,
            120 => 3,
            d => {
                return Err(Molto2Error::InvalidConfig(format!(
                    "display timeout {d} s (allowed: 15, 30, 60, 120)"
                )))
            }
        };
        let utc = u32::try_from(utc)
            .map_err(|_| Molto2Error::InvalidConfig(format!("UTC {utc} outside u32")))?;
        let algorithm = match algorithm.to_ascii_uppercase().replace('-', "").as_str() {
            "SHA1" => Algorithm::Sha1,
            "SHA256" => Algorithm::Sha256,
            a => {
                return Err(Molto2Error::InvalidConfig(format!(
                    "algorithm {a} (allowed: SHA1, SHA256)"
                )))
            }
        };
        if !matches!(digits, 4 | 6 | 8 | 10) {
            return Err(Molto2Error::InvalidConfig(format!(
                "{digits} digits (allowed: 4, 6, 8, 10)"
            )));
        }
        if !matches!(step_seconds, 30 | 60) {
            return Err(Molto2Error::InvalidConfig(format!(
                "time step {step_seconds} s (allowed: 30, 60)"
            )));
        }
        Ok(Molto2Config {
            display,
            utc,
            algorithm,
            digits: digits as u8,
            step: step_seconds as u8,
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
            self.display,
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
            self.digits,
            0x0D,
            0x01,
            self.step,
        ]
    }
}

fn validate_seed(seed: &[u8]) -> Result<(), Molto2Error> {
    if seed.is_empty() {
        return Err(Molto2Error::InvalidSeed(
            "empty seed refused (use delete to clear a profile)".into(),
        ));
    }
    if seed.len() > MAX_SEED_LEN {
        return Err(Molto2Error::InvalidSeed(format!(
            "{} bytes; at most {MAX_SEED_LEN}",
            seed.len()
        )));
    }
    Ok(())
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

/// `80 41 00 00 00`.
pub fn info_apdu() -> Vec<u8> {
    Command::new(0x80, INS_INFO, 0, 0).le(0).to_bytes()
}

/// `80 41 00 <p> 01 70` (no Le byte).
pub fn profile_data_apdu(profile: u8) -> Vec<u8> {
    Command::with_data(0x80, INS_INFO, 0, profile, vec![0x70]).to_bytes()
}

/// `80 4B 08 00 00`.
pub fn challenge_apdu() -> Vec<u8> {
    Command::new(0x80, INS_CHALLENGE, 0x08, 0).le(0).to_bytes()
}

/// `80 CE 00 00 10` || SM4-ECB(challenge || 8 zero bytes).
pub fn authenticate_apdu(key: &Sm4Key, challenge: &[u8; 8]) -> Vec<u8> {
    Command::with_data(
        0x80,
        INS_AUTHENTICATE,
        0,
        0,
        key.auth_cryptogram(challenge).to_vec(),
    )
    .to_bytes()
}

/// `84 C5 01 <p> Lc` || SM4-ECB(seed || 80 || 00…) || MAC.
pub fn write_seed_apdu(key: &Sm4Key, profile: u8, seed: &[u8]) -> Result<Vec<u8>, Molto2Error> {
    validate_seed(seed)?;
    let ct = Zeroizing::new(
        key.ecb_encrypt(&pad_seed(seed))
            .expect("padded seed is aligned"),
    );
    Ok(key.secure_apdu(INS_WRITE_SEED, 0x01, profile, &ct))
}

/// `84 C5 01 <p> 14` || SM4-ECB(16 zero bytes) || MAC: the documented
/// alternative way to clear a profile (an all-zero seed without `80`).
pub fn clear_seed_apdu(key: &Sm4Key, profile: u8) -> Vec<u8> {
    let ct = key.ecb_encrypt(&[0u8; 16]).expect("one block");
    key.secure_apdu(INS_WRITE_SEED, 0x01, profile, &ct)
}

/// `84 D5 00 <p> 14` || SM4-ECB(title || 80 || 00… to 16) || MAC.
pub fn write_title_apdu(key: &Sm4Key, profile: u8, title: &[u8]) -> Result<Vec<u8>, Molto2Error> {
    validate_title(title)?;
    let ct = key
        .ecb_encrypt(&pad_title(title))
        .expect("padded title is aligned");
    Ok(key.secure_apdu(INS_WRITE_TITLE, 0x00, profile, &ct))
}

/// `84 D4 01 <p> 1A` || config TLV || MAC.
pub fn write_config_apdu(key: &Sm4Key, profile: u8, config: &Molto2Config) -> Vec<u8> {
    key.secure_apdu(INS_WRITE_CONFIG, 0x01, profile, &config.tlv())
}

/// `84 D4 01 <p> 0C 81 06 0F 04 <UTC>` || MAC.
pub fn sync_clock_apdu(key: &Sm4Key, profile: u8, utc: u32) -> Vec<u8> {
    let u = utc.to_be_bytes();
    key.secure_apdu(
        INS_WRITE_CONFIG,
        0x01,
        profile,
        &[0x81, 0x06, 0x0F, 0x04, u[0], u[1], u[2], u[3]],
    )
}

/// `80 E6 00 <p> 00` (within an authenticated session).
pub fn delete_seed_apdu(profile: u8) -> Vec<u8> {
    Command::new(0x80, INS_DELETE_SEED, 0, profile)
        .le(0)
        .to_bytes()
}

/// `84 D7 00 00 24` || SM4-ECB(current key, `00` || SHA1(new)[0..16] || `80` || 14×`00`) || MAC.
pub fn change_key_apdu(current: &Sm4Key, new_key: &CustomerKey) -> Vec<u8> {
    let new_sm4 = new_key.sm4_key();
    let mut pt = Zeroizing::new(Vec::with_capacity(32));
    pt.push(0x00);
    pt.extend_from_slice(new_sm4.as_bytes());
    pt.push(0x80);
    pt.resize(32, 0);
    let ct = Zeroizing::new(current.ecb_encrypt(&pt).expect("32 bytes"));
    current.secure_apdu(INS_CHANGE_KEY, 0, 0, &ct)
}

/// `80 56 00 00 00`.
pub fn factory_reset_apdu() -> Vec<u8> {
    Command::new(0x80, INS_FACTORY_RESET, 0, 0).le(0).to_bytes()
}

/// Lock the screen: `80 D8 0C 02 00` (firmware ≥ 2.1).
pub fn lock_screen_apdu() -> Vec<u8> {
    Command::new(0x80, INS_SCREEN_LOCK, 0x0C, 0x02)
        .le(0)
        .to_bytes()
}

/// Unlock the screen: `80 D8 0C 02 01 01` (firmware ≥ 2.1).
pub fn unlock_screen_apdu() -> Vec<u8> {
    Command::with_data(0x80, INS_SCREEN_LOCK, 0x0C, 0x02, vec![0x01]).to_bytes()
}

/// Device info (same layout as the single-profile get-info reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Molto2Info {
    pub serial: String,
    pub utc: u32,
}

/// Parse the info reply `[3 header][N][serial][2][UTC u32 BE]`.
pub fn parse_info(data: &[u8]) -> Result<Molto2Info, Molto2Error> {
    let i = crate::token2::parse_info_layout(data).map_err(Molto2Error::MalformedReply)?;
    Ok(Molto2Info {
        serial: i.serial,
        utc: i.utc,
    })
}

/// Public data of one profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfilePublic {
    pub flag: u8,
    /// The 16 raw "tips" bytes (the title shown on the device).
    pub tips: [u8; 16],
    pub rtc: u32,
    pub timecfg: u32,
    pub algorithm: u8,
    pub step: u8,
    pub digits: u8,
    pub seed_present: bool,
}

impl ProfilePublic {
    /// The title: tips up to the first `00` or `80`, lossy UTF-8.
    pub fn title(&self) -> String {
        let end = self
            .tips
            .iter()
            .position(|&b| b == 0 || b == 0x80)
            .unwrap_or(16);
        String::from_utf8_lossy(&self.tips[..end]).into_owned()
    }

    /// Whether the profile has a config (non-zero algorithm, step, digits).
    pub fn configured(&self) -> bool {
        self.algorithm != 0 && self.step != 0 && self.digits != 0
    }
}

/// Parse `95 L 70 L [flag][tips 16][rtc 4][timecfg 4][algo][step][digits][seed present]`.
pub fn parse_profile_public(data: &[u8]) -> Result<ProfilePublic, Molto2Error> {
    let bad = |m: &str| Molto2Error::MalformedReply(format!("profile data: {m}"));
    if data.len() < 4 || data[0] != 0x95 || data[2] != 0x70 {
        return Err(bad("expected tags 95 / 70"));
    }
    let outer = data[1] as usize;
    let inner = data[3] as usize;
    if data.len() < 2 + outer || outer < 2 + inner || inner < 29 {
        return Err(bad("lengths"));
    }
    let v = &data[4..4 + inner];
    let mut tips = [0u8; 16];
    tips.copy_from_slice(&v[1..17]);
    Ok(ProfilePublic {
        flag: v[0],
        tips,
        rtc: u32::from_be_bytes([v[17], v[18], v[19], v[20]]),
        timecfg: u32::from_be_bytes([v[21], v[22], v[23], v[24]]),
        algorithm: v[25],
        step: v[26],
        digits: v[27],
        seed_present: v[28] != 0,
    })
}

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
    transport: T,
    key: Sm4Key,
    model: Molto2Model,
}

impl<T: Transport> Molto2Session<T> {
    pub fn new(transport: T, customer_key: &CustomerKey, model: Molto2Model) -> Self {
        Molto2Session {
            transport,
            key: customer_key.sm4_key(),
            model,
        }
    }

    pub fn model(&self) -> Molto2Model {
        self.model
    }

    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    pub fn into_transport(self) -> T {
        self.transport
    }

    fn exchange(&mut self, apdu: &[u8]) -> Result<Response, Molto2Error> {
        let raw = self.transport.transmit(apdu)?;
        Response::parse(&raw).map_err(|e| Molto2Error::MalformedReply(e.to_string()))
    }

    fn simple(&mut self, apdu: &[u8]) -> Result<Vec<u8>, Molto2Error> {
        let r = self.exchange(apdu)?;
        check_sw(r.sw)?;
        Ok(r.data)
    }

    fn confirmable(&mut self, apdu: &[u8]) -> Result<Confirmation, Molto2Error> {
        let r = self.exchange(apdu)?;
        if r.sw == sw::PRESS_BUTTON {
            return Ok(Confirmation::PressButton);
        }
        check_sw(r.sw)?;
        Ok(Confirmation::Done)
    }

    pub fn info(&mut self) -> Result<Molto2Info, Molto2Error> {
        let d = self.simple(&info_apdu())?;
        parse_info(&d)
    }

    pub fn profile(&mut self, profile: u8) -> Result<ProfilePublic, Molto2Error> {
        self.model.check_profile(profile)?;
        let d = self.simple(&profile_data_apdu(profile))?;
        parse_profile_public(&d)
    }

    /// Public data of every profile of the model.
    pub fn list_profiles(&mut self) -> Result<Vec<(u8, ProfilePublic)>, Molto2Error> {
        (0..self.model.profile_count())
            .map(|p| self.profile(p).map(|d| (p, d)))
            .collect()
    }

    /// Challenge then authenticate, once. `63 NN` → [`Molto2Error::AuthFailed`]
    /// with the attempts left; never retried.
    pub fn authenticate(&mut self) -> Result<(), Molto2Error> {
        let d = self.simple(&challenge_apdu())?;
        let challenge: [u8; 8] = d
            .as_slice()
            .try_into()
            .map_err(|_| Molto2Error::MalformedReply(format!("challenge of {} bytes", d.len())))?;
        let apdu = authenticate_apdu(&self.key, &challenge);
        self.simple(&apdu).map(|_| ())
    }

    pub fn write_config(&mut self, profile: u8, config: &Molto2Config) -> Result<(), Molto2Error> {
        self.model.check_profile(profile)?;
        let apdu = write_config_apdu(&self.key, profile, config);
        self.simple(&apdu).map(|_| ())
    }

    pub fn write_seed(&mut self, profile: u8, seed: &[u8]) -> Result<(), Molto2Error> {
        self.model.check_profile(profile)?;
        let apdu = Zeroizing::new(write_seed_apdu(&self.key, profile, seed)?);
        self.simple(&apdu).map(|_| ())
    }

    pub fn write_title(&mut self, profile: u8, title: &str) -> Result<(), Molto2Error> {
        self.model.check_profile(profile)?;
        let apdu = write_title_apdu(&self.key, profile, title.as_bytes())?;
        self.simple(&apdu).map(|_| ())
    }

    /// Burn one profile: validate everything, authenticate, then config,
    /// seed and (if given) title.
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
        self.simple(&delete_seed_apdu(profile)).map(|_| ())
    }

    /// Authenticate and set the clock of every profile of the model.
    pub fn sync_all(&mut self, utc: u32) -> Result<(), Molto2Error> {
        self.authenticate()?;
        for p in 0..self.model.profile_count() {
            let apdu = sync_clock_apdu(&self.key, p, utc);
            self.simple(&apdu)?;
        }
        Ok(())
    }

    /// Authenticate and change the customer key (`90 60`: press ▲). The
    /// session switches to the new key when the card accepted the command.
    pub fn change_customer_key(
        &mut self,
        new_key: &CustomerKey,
    ) -> Result<Confirmation, Molto2Error> {
        self.authenticate()?;
        let apdu = change_key_apdu(&self.key, new_key);
        let c = self.confirmable(&apdu)?;
        self.key = new_key.sm4_key();
        Ok(c)
    }

    /// Factory reset (`90 60`: press ▲).
    pub fn factory_reset(&mut self) -> Result<Confirmation, Molto2Error> {
        self.confirmable(&factory_reset_apdu())
    }

    pub fn lock_screen(&mut self) -> Result<(), Molto2Error> {
        self.simple(&lock_screen_apdu()).map(|_| ())
    }

    pub fn unlock_screen(&mut self) -> Result<(), Molto2Error> {
        self.simple(&unlock_screen_apdu()).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kat_default_key_derivation() {
        let k = CustomerKey::default().sm4_key();
        assert_eq!(
            hex::encode_upper(k.as_bytes()),
            "099250FDB017F442DA429ECBBEE17F79"
        );
        let parsed = CustomerKey::parse("TOKEN2MOLTO1-KEY").unwrap();
        assert_eq!(parsed, CustomerKey::default());
        let hexed = CustomerKey::parse(&hex::encode(b"TOKEN2MOLTO1-KEY")).unwrap();
        assert_eq!(hexed, CustomerKey::default());
        assert!(CustomerKey::parse("short").is_err());
        assert!(CustomerKey::parse(&"z".repeat(32)).is_err());
    }

    #[test]
    fn apdu_forms() {
        assert_eq!(info_apdu(), vec![0x80, 0x41, 0, 0, 0]);
        assert_eq!(profile_data_apdu(7), vec![0x80, 0x41, 0, 7, 1, 0x70]);
        assert_eq!(challenge_apdu(), vec![0x80, 0x4B, 8, 0, 0]);
        assert_eq!(delete_seed_apdu(5), vec![0x80, 0xE6, 0, 5, 0]);
        assert_eq!(factory_reset_apdu(), vec![0x80, 0x56, 0, 0, 0]);
        assert_eq!(lock_screen_apdu(), vec![0x80, 0xD8, 0x0C, 2, 0]);
        assert_eq!(unlock_screen_apdu(), vec![0x80, 0xD8, 0x0C, 2, 1, 1]);
        let k = CustomerKey::default().sm4_key();
        let t = write_title_apdu(&k, 3, b"GitHub").unwrap();
        assert_eq!(&t[..5], &[0x84, 0xD5, 0, 3, 0x14]);
        assert_eq!(t.len(), 5 + 20);
        assert!(write_title_apdu(&k, 3, b"thirteen byte").is_err());
        let c = Molto2Config::from_values(30, 1_700_000_000, "SHA1", 8, 30).unwrap();
        let a = write_config_apdu(&k, 9, &c);
        assert_eq!(&a[..5], &[0x84, 0xD4, 1, 9, 0x1A]);
        assert_eq!(
            hex::encode_upper(&a[5..27]),
            "81141F01010F046553F10086090A01010B01080D011E"
        );
        let s = sync_clock_apdu(&k, 2, 1_700_000_000);
        assert_eq!(hex::encode_upper(&s[..13]), "84D401020C81060F046553F100");
        assert_eq!(s[5 + 8..], k.command_mac(0xD4, 1, 2, &s[5..13]));
        let ck = change_key_apdu(&k, &CustomerKey::from_bytes([1; 16]));
        assert_eq!(&ck[..5], &[0x84, 0xD7, 0, 0, 0x24]);
        let pt = k.ecb_decrypt(&ck[5..37]).unwrap();
        assert_eq!(pt[0], 0);
        assert_eq!(
            &pt[1..17],
            CustomerKey::from_bytes([1; 16]).sm4_key().as_bytes()
        );
        assert_eq!(pt[17], 0x80);
        assert!(pt[18..].iter().all(|&b| b == 0));
    }

    #[test]
    fn config_validation() {
        assert!(Molto2Config::from_values(30, 0, "SHA1", 5, 30).is_err());
        assert!(Molto2Config::from_values(30, 0, "SHA1", 12, 30).is_err());
        assert!(Molto2Config::from_values(31, 0, "SHA1", 6, 30).is_err());
        assert!(Molto2Config::from_values(30, 0, "SHA512", 6, 30).is_err());
        assert!(Molto2Config::from_values(30, 0, "SHA1", 6, 90).is_err());
        for d in [4, 6, 8, 10] {
            assert_eq!(
                Molto2Config::from_values(30, 0, "SHA256", d, 60)
                    .unwrap()
                    .tlv()[18],
                d as u8
            );
        }
    }

    #[test]
    fn profile_ranges() {
        assert!(Molto2Model::V1.check_profile(49).is_ok());
        assert!(Molto2Model::V1.check_profile(50).is_err());
        assert!(Molto2Model::V2.check_profile(99).is_ok());
        assert!(Molto2Model::V2.check_profile(100).is_err());
    }

    #[test]
    fn status_words() {
        assert_eq!(
            check_sw(0x6303),
            Err(Molto2Error::AuthFailed { attempts_left: 3 })
        );
        assert_eq!(check_sw(0x6A83), Err(Molto2Error::ProfileEmpty));
        assert_eq!(check_sw(0x6FFB), Err(Molto2Error::UnexpectedLe));
        assert_eq!(check_sw(0x9000), Ok(()));
    }

    #[test]
    fn profile_public_parsing() {
        let mut v = vec![0x95, 31, 0x70, 29, 1];
        let mut tips = [0u8; 16];
        tips[..4].copy_from_slice(b"Mail");
        v.extend_from_slice(&tips);
        v.extend_from_slice(&5u32.to_be_bytes());
        v.extend_from_slice(&6u32.to_be_bytes());
        v.extend_from_slice(&[1, 30, 8, 1]);
        let p = parse_profile_public(&v).unwrap();
        assert_eq!(p.title(), "Mail");
        assert_eq!(
            (p.rtc, p.timecfg, p.algorithm, p.step, p.digits),
            (5, 6, 1, 30, 8)
        );
        assert!(p.seed_present && p.configured());
        assert!(parse_profile_public(&v[..v.len() - 1]).is_err());
    }
}
