//! Token2 single-profile programmable NFC TOTP tokens (OTPC-P1-i, OTPC-P2-i,
//! miniOTP-2-i, miniOTP-3-i, C301-i, C302-i).
//!
//! No applet SELECT; SM4 secure messaging with one fixed family key.
//! Order of a burn: challenge → authenticate → write config → challenge →
//! authenticate → write seed. Authentication is never retried automatically:
//! older tokens lock permanently after failures.

use crate::apdu::{sw, Command, Response};
use crate::crypto::{pad_seed, Sm4Key};
use crate::transport::{Transport, TransportError};

/// The fixed device key of the whole family.
pub const DEVICE_KEY_BYTES: [u8; 16] = [
    0x8A, 0xD2, 0x06, 0x88, 0x3C, 0xA3, 0x69, 0x48, 0x2A, 0xB2, 0x71, 0x82, 0xB6, 0xE8, 0x32, 0x24,
];

/// The family device key as an [`Sm4Key`].
pub fn device_key() -> Sm4Key {
    Sm4Key::new(DEVICE_KEY_BYTES)
}

/// Seed length limits (raw bytes).
pub const MAX_SEED_LEN: usize = 63;

pub const INS_GET_INFO: u8 = 0x41;
pub const INS_GET_CHALLENGE: u8 = 0x4B;
pub const INS_AUTHENTICATE: u8 = 0xCE;
pub const INS_WRITE_SEED: u8 = 0xC5;
pub const INS_WRITE_CONFIG: u8 = 0xD4;

/// Errors of the Token2 single-profile protocol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Token2Error {
    /// `69 83` on authenticate: wrong key, or the token is locked. Final:
    /// never retry automatically (older tokens lock permanently).
    #[error("authentication failed or token locked (69 83); not retrying: older tokens lock permanently")]
    AuthFailed,
    /// `69 83` on a secured (`84`) command: bad MAC or no/lost session. The
    /// status word alone cannot tell which.
    #[error("secured command refused (69 83): bad MAC or session not authenticated")]
    SecurityFailure,
    /// `67 00`.
    #[error("wrong length (67 00)")]
    WrongLength,
    /// `6A 80`: bad data (for authenticate: no pending challenge or bad length).
    #[error("bad data (6A 80)")]
    BadData,
    /// `6D 00`.
    #[error("instruction not supported (6D 00)")]
    UnknownInstruction,
    /// `6E 00`.
    #[error("class not supported (6E 00)")]
    UnknownClass,
    #[error("unexpected status word {0:04X}")]
    UnexpectedStatus(u16),
    #[error("invalid seed: {0}")]
    InvalidSeed(String),
    #[error("invalid config: {0}")]
    InvalidConfig(String),
    #[error("malformed reply: {0}")]
    MalformedReply(String),
    #[error("serial {0:?} is not a known programmable Token2 model (refusing unless forced)")]
    UnknownModel(String),
    #[error(transparent)]
    Transport(#[from] TransportError),
}

/// Which command a status word answered (to give `69 83` its meaning).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Plain,
    Authenticate,
    Secured,
}

fn check_sw(sw: u16, step: Step) -> Result<(), Token2Error> {
    match sw {
        sw::SUCCESS => Ok(()),
        sw::AUTH_METHOD_BLOCKED => Err(match step {
            Step::Authenticate => Token2Error::AuthFailed,
            Step::Secured => Token2Error::SecurityFailure,
            Step::Plain => Token2Error::UnexpectedStatus(sw),
        }),
        sw::WRONG_LENGTH => Err(Token2Error::WrongLength),
        sw::WRONG_DATA => Err(Token2Error::BadData),
        sw::INS_NOT_SUPPORTED => Err(Token2Error::UnknownInstruction),
        sw::CLA_NOT_SUPPORTED => Err(Token2Error::UnknownClass),
        other => Err(Token2Error::UnexpectedStatus(other)),
    }
}

/// Display timeout of the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DisplayTimeout {
    S15 = 0,
    S30 = 1,
    S60 = 2,
    S120 = 3,
}

impl DisplayTimeout {
    pub fn from_seconds(s: u32) -> Option<Self> {
        Some(match s {
            15 => Self::S15,
            30 => Self::S30,
            60 => Self::S60,
            120 => Self::S120,
            _ => return None,
        })
    }
    pub fn from_wire(b: u8) -> Option<Self> {
        Some(match b {
            0 => Self::S15,
            1 => Self::S30,
            2 => Self::S60,
            3 => Self::S120,
            _ => return None,
        })
    }
    pub fn wire(self) -> u8 {
        self as u8
    }
    pub fn seconds(self) -> u32 {
        match self {
            Self::S15 => 15,
            Self::S30 => 30,
            Self::S60 => 60,
            Self::S120 => 120,
        }
    }
}

/// TOTP hash of a single-profile token (no SHA-512 on these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Sha1 = 1,
    Sha256 = 2,
}

impl Algorithm {
    pub fn from_wire(b: u8) -> Option<Self> {
        match b {
            1 => Some(Self::Sha1),
            2 => Some(Self::Sha256),
            _ => None,
        }
    }
    /// Parse "SHA1"/"SHA-1"/"sha256"… (case-insensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_uppercase().replace('-', "").as_str() {
            "SHA1" => Some(Self::Sha1),
            "SHA256" => Some(Self::Sha256),
            _ => None,
        }
    }
    pub fn wire(self) -> u8 {
        self as u8
    }
}

/// TOTP time step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeStep {
    S30 = 0x1E,
    S60 = 0x3C,
}

impl TimeStep {
    pub fn from_seconds(s: u32) -> Option<Self> {
        match s {
            30 => Some(Self::S30),
            60 => Some(Self::S60),
            _ => None,
        }
    }
    pub fn wire(self) -> u8 {
        self as u8
    }
    pub fn seconds(self) -> u32 {
        self as u32
    }
}

/// A validated single-profile configuration. Every field can only hold a
/// value the firmware understands (the firmware itself stores out-of-range
/// values silently).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token2Config {
    pub display: DisplayTimeout,
    /// UTC seconds since the epoch (never local time).
    pub utc: u32,
    pub algorithm: Algorithm,
    pub step: TimeStep,
}

impl Token2Config {
    /// Validate raw user values: display 15/30/60/120 s, UTC within u32
    /// (and not negative), algorithm SHA-1/SHA-256, step 30/60 s.
    pub fn from_values(
        display_seconds: u32,
        utc: i64,
        algorithm: &str,
        step_seconds: u32,
    ) -> Result<Self, Token2Error> {
        let display = DisplayTimeout::from_seconds(display_seconds).ok_or_else(|| {
            Token2Error::InvalidConfig(format!(
                "display timeout {display_seconds} s (allowed: 15, 30, 60, 120)"
            ))
        })?;
        let utc = u32::try_from(utc).map_err(|_| {
            Token2Error::InvalidConfig(format!("UTC time {utc} outside 0..=4294967295"))
        })?;
        let algorithm = Algorithm::from_name(algorithm).ok_or_else(|| {
            Token2Error::InvalidConfig(format!(
                "algorithm {algorithm:?} (allowed: SHA1, SHA256; these tokens have no SHA-512)"
            ))
        })?;
        let step = TimeStep::from_seconds(step_seconds).ok_or_else(|| {
            Token2Error::InvalidConfig(format!("time step {step_seconds} s (allowed: 30, 60)"))
        })?;
        Ok(Token2Config {
            display,
            utc,
            algorithm,
            step,
        })
    }

    /// Validate wire bytes (display byte, UTC, algorithm byte, step byte).
    pub fn from_wire(display: u8, utc: u32, algorithm: u8, step: u8) -> Result<Self, Token2Error> {
        let display = DisplayTimeout::from_wire(display)
            .ok_or_else(|| Token2Error::InvalidConfig(format!("display byte {display:02X}")))?;
        let algorithm = Algorithm::from_wire(algorithm)
            .ok_or_else(|| Token2Error::InvalidConfig(format!("algorithm byte {algorithm:02X}")))?;
        let step = match step {
            0x1E => TimeStep::S30,
            0x3C => TimeStep::S60,
            _ => return Err(Token2Error::InvalidConfig(format!("step byte {step:02X}"))),
        };
        Ok(Token2Config {
            display,
            utc,
            algorithm,
            step,
        })
    }

    /// The 19-byte config TLV:
    /// `81 11 1F 01 <display> 0F 04 <UTC> 86 06 0A 01 <algo> 0D 01 <step>`.
    pub fn tlv(&self) -> [u8; 19] {
        let u = self.utc.to_be_bytes();
        [
            0x81,
            0x11,
            0x1F,
            0x01,
            self.display.wire(),
            0x0F,
            0x04,
            u[0],
            u[1],
            u[2],
            u[3],
            0x86,
            0x06,
            0x0A,
            0x01,
            self.algorithm.wire(),
            0x0D,
            0x01,
            self.step.wire(),
        ]
    }
}

/// Check a seed: 1 to 63 raw bytes. An empty seed would wipe the token.
pub fn validate_seed(seed: &[u8]) -> Result<(), Token2Error> {
    if seed.is_empty() {
        return Err(Token2Error::InvalidSeed(
            "empty seed refused (a marker-only body wipes the token's seed)".into(),
        ));
    }
    if seed.len() > MAX_SEED_LEN {
        return Err(Token2Error::InvalidSeed(format!(
            "{} bytes; at most {MAX_SEED_LEN}",
            seed.len()
        )));
    }
    Ok(())
}

/// `80 41 00 00 02 02 11` (exact form; byte 5 is always Lc).
pub fn get_info_apdu() -> Vec<u8> {
    Command::with_data(0x80, INS_GET_INFO, 0, 0, vec![0x02, 0x11]).to_bytes()
}

/// `80 4B 08 00 01 00` (P1 must be 08).
pub fn get_challenge_apdu() -> Vec<u8> {
    Command::with_data(0x80, INS_GET_CHALLENGE, 0x08, 0, vec![0x00]).to_bytes()
}

/// `80 CE 00 00 10` || SM4-ECB(key, challenge || 8 zero bytes).
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

/// `84 C5 01 00 Lc` || SM4-ECB(key, seed || 80 || 00… to 16n) || MAC.
pub fn write_seed_apdu(key: &Sm4Key, seed: &[u8]) -> Result<Vec<u8>, Token2Error> {
    validate_seed(seed)?;
    let padded = pad_seed(seed);
    // Under the public family key the ciphertext is as sensitive as the seed.
    let ct = zeroize::Zeroizing::new(
        key.ecb_encrypt(&padded)
            .expect("padded seed is block aligned"),
    );
    Ok(key.secure_apdu(INS_WRITE_SEED, 0x01, 0x00, &ct))
}

/// `84 D4 00 00 17` || config TLV || MAC.
pub fn write_config_apdu(key: &Sm4Key, config: &Token2Config) -> Vec<u8> {
    key.secure_apdu(INS_WRITE_CONFIG, 0x00, 0x00, &config.tlv())
}

/// What get-info reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    pub serial: String,
    /// The token's clock (UTC seconds).
    pub utc: u32,
}

impl DeviceInfo {
    pub fn model(&self) -> Option<Model> {
        model_from_serial(&self.serial)
    }
}

/// Parse a get-info reply (data without SW):
/// `[3 header][N][serial N ASCII][2 bytes][UTC u32 BE]`. The header and
/// separator bytes are not checked.
pub fn parse_info(data: &[u8]) -> Result<DeviceInfo, Token2Error> {
    parse_info_layout(data).map_err(Token2Error::MalformedReply)
}

pub(crate) fn parse_info_layout(data: &[u8]) -> Result<DeviceInfo, String> {
    if data.len() < 4 {
        return Err(format!("info reply of {} bytes", data.len()));
    }
    let n = data[3] as usize;
    let need = 4 + n + 2 + 4;
    if data.len() < need {
        return Err(format!(
            "info reply of {} bytes, serial length {n} needs {need}",
            data.len()
        ));
    }
    let serial_bytes = &data[4..4 + n];
    if !serial_bytes.iter().all(|b| b.is_ascii_graphic()) {
        return Err("serial is not printable ASCII".into());
    }
    let serial = String::from_utf8(serial_bytes.to_vec()).map_err(|e| e.to_string())?;
    let t = &data[4 + n + 2..need];
    Ok(DeviceInfo {
        serial,
        utc: u32::from_be_bytes([t[0], t[1], t[2], t[3]]),
    })
}

/// Known programmable single-profile models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Model {
    OtpcP1I,
    OtpcP2I,
    OtpcP2INb,
    MiniOtp2I,
    MiniOtp3I,
    MiniOtp3INb,
    C301I,
    C302I,
}

/// Serial prefix → model table.
pub const MODEL_PREFIXES: &[(&str, Model)] = &[
    ("8659612", Model::OtpcP1I),
    ("8659622", Model::OtpcP2I),
    ("8659621", Model::OtpcP2INb),
    ("8659600", Model::MiniOtp2I),
    ("8659601", Model::MiniOtp3I),
    ("8659609", Model::MiniOtp3INb),
    ("8659610", Model::C301I),
    ("8659632", Model::C302I),
];

/// Serial prefixes whose config write keeps the seed.
pub const KEEP_SEED_ON_CONFIG_PREFIXES: &[&str] = &["8659600", "8659612", "8659632"];

impl Model {
    pub fn name(self) -> &'static str {
        match self {
            Model::OtpcP1I => "OTPC-P1-i",
            Model::OtpcP2I => "OTPC-P2-i",
            Model::OtpcP2INb => "OTPC-P2-i-NB",
            Model::MiniOtp2I => "miniOTP-2-i",
            Model::MiniOtp3I => "miniOTP-3-i",
            Model::MiniOtp3INb => "miniOTP-3-i-NB",
            Model::C301I => "C301-i",
            Model::C302I => "C302-i",
        }
    }

    /// The serial prefix of this model.
    pub fn prefix(self) -> &'static str {
        MODEL_PREFIXES
            .iter()
            .find(|(_, m)| *m == self)
            .map(|(p, _)| *p)
            .expect("every model has a prefix")
    }

    /// True when writing the config clears the stored seed ("restricted
    /// time sync"): every model except prefixes 8659600, 8659612, 8659632.
    pub fn config_write_clears_seed(self) -> bool {
        !KEEP_SEED_ON_CONFIG_PREFIXES.contains(&self.prefix())
    }
}

impl std::fmt::Display for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Model from serial by longest matching prefix; unknown → `None`.
pub fn model_from_serial(serial: &str) -> Option<Model> {
    MODEL_PREFIXES
        .iter()
        .filter(|(p, _)| serial.starts_with(p))
        .max_by_key(|(p, _)| p.len())
        .map(|(_, m)| *m)
}

/// Whether a config write clears the seed for this serial. Unknown serials
/// are assumed to clear it (the conservative answer: write the seed after).
pub fn config_write_clears_seed(serial: &str) -> bool {
    !KEEP_SEED_ON_CONFIG_PREFIXES
        .iter()
        .any(|p| serial.starts_with(p))
}

/// High-level flows over a [`Transport`].
pub struct Token2Session<T: Transport> {
    transport: T,
    key: Sm4Key,
}

impl<T: Transport> Token2Session<T> {
    /// Session with the family device key.
    pub fn new(transport: T) -> Self {
        Self::with_key(transport, device_key())
    }

    /// Session with another key (tests, future key variants).
    pub fn with_key(transport: T, key: Sm4Key) -> Self {
        Token2Session { transport, key }
    }

    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    pub fn into_transport(self) -> T {
        self.transport
    }

    fn exchange(&mut self, apdu: &[u8]) -> Result<Response, Token2Error> {
        let raw = self.transport.transmit(apdu)?;
        Response::parse(&raw).map_err(|e| Token2Error::MalformedReply(e.to_string()))
    }

    /// Read serial and clock (no authentication).
    pub fn info(&mut self) -> Result<DeviceInfo, Token2Error> {
        let r = self.exchange(&get_info_apdu())?;
        check_sw(r.sw, Step::Plain)?;
        parse_info(&r.data)
    }

    /// Get an 8-byte challenge.
    pub fn get_challenge(&mut self) -> Result<[u8; 8], Token2Error> {
        let r = self.exchange(&get_challenge_apdu())?;
        check_sw(r.sw, Step::Plain)?;
        r.data.as_slice().try_into().map_err(|_| {
            Token2Error::MalformedReply(format!("challenge of {} bytes", r.data.len()))
        })
    }

    /// Get a fresh challenge and authenticate once. A `69 83` is returned as
    /// [`Token2Error::AuthFailed`]; this method never retries.
    pub fn authenticate(&mut self) -> Result<(), Token2Error> {
        let challenge = self.get_challenge()?;
        let r = self.exchange(&authenticate_apdu(&self.key, &challenge))?;
        check_sw(r.sw, Step::Authenticate)
    }

    /// Write the config (requires a preceding [`Self::authenticate`]).
    pub fn write_config(&mut self, config: &Token2Config) -> Result<(), Token2Error> {
        let apdu = write_config_apdu(&self.key, config);
        let r = self.exchange(&apdu)?;
        check_sw(r.sw, Step::Secured)
    }

    /// Write the seed (requires a preceding [`Self::authenticate`]).
    pub fn write_seed(&mut self, seed: &[u8]) -> Result<(), Token2Error> {
        let apdu = zeroize::Zeroizing::new(write_seed_apdu(&self.key, seed)?);
        let r = self.exchange(&apdu)?;
        check_sw(r.sw, Step::Secured)
    }

    /// Burn: validate everything first, then challenge → authenticate →
    /// write config → challenge → authenticate → write seed. Any failure
    /// stops the flow; authentication is never retried.
    pub fn burn(&mut self, seed: &[u8], config: &Token2Config) -> Result<(), Token2Error> {
        validate_seed(seed)?;
        // Config is validated by construction (Token2Config).
        self.authenticate()?;
        self.write_config(config)?;
        self.authenticate()?;
        self.write_seed(seed)
    }

    /// Read info first, refuse unknown models unless `force`, then
    /// [`Self::burn`]. Returns the info read before burning.
    pub fn burn_checked(
        &mut self,
        seed: &[u8],
        config: &Token2Config,
        force_unknown_model: bool,
    ) -> Result<DeviceInfo, Token2Error> {
        validate_seed(seed)?;
        let info = self.info()?;
        if info.model().is_none() && !force_unknown_model {
            return Err(Token2Error::UnknownModel(info.serial));
        }
        self.burn(seed, config)?;
        Ok(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> String {
        s.to_ascii_uppercase()
    }

    #[test]
    fn kat_authenticate() {
        let apdu = authenticate_apdu(&device_key(), &[0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(
            hex::encode_upper(apdu),
            h("80CE000010E5C5D39F9147143A36BE0FC3C165A6E4")
        );
    }

    #[test]
    fn kat_write_seed() {
        let apdu = write_seed_apdu(&device_key(), b"12345678901234567890").unwrap();
        assert_eq!(
            hex::encode_upper(apdu),
            h("84C50100245E5856092FD3228D4D33EEE3DAAC4B55CE37D18D332B7AC6A40E8661FA23042AF47B0153")
        );
    }

    #[test]
    fn kat_write_config() {
        let cfg = Token2Config::from_values(30, 1_700_000_000, "SHA1", 30).unwrap();
        assert_eq!(
            hex::encode_upper(write_config_apdu(&device_key(), &cfg)),
            h("84D400001781111F01010F046553F10086060A01010D011E4FFDC288")
        );
        assert_eq!(
            Token2Config::from_wire(1, 1_700_000_000, 1, 0x1E).unwrap(),
            cfg
        );
    }

    #[test]
    fn fixed_forms() {
        assert_eq!(get_info_apdu(), vec![0x80, 0x41, 0, 0, 2, 2, 0x11]);
        assert_eq!(get_challenge_apdu(), vec![0x80, 0x4B, 8, 0, 1, 0]);
    }

    #[test]
    fn seed_lengths() {
        let k = device_key();
        assert!(matches!(
            write_seed_apdu(&k, &[]),
            Err(Token2Error::InvalidSeed(_))
        ));
        assert!(write_seed_apdu(&k, &[1; 64]).is_err());
        // 63 bytes + marker = 64 = 4 blocks.
        assert_eq!(write_seed_apdu(&k, &[1; 63]).unwrap().len(), 5 + 64 + 4);
        // Exactly 16 bytes gets an extra block for the marker.
        let a = write_seed_apdu(&k, &[1; 16]).unwrap();
        assert_eq!(a[4], 32 + 4);
        let ct = &a[5..37];
        let pt = k.ecb_decrypt(ct).unwrap();
        assert_eq!(pt[16], 0x80);
        assert!(pt[17..].iter().all(|&b| b == 0));
        // 15 bytes fit in one block with the marker.
        assert_eq!(write_seed_apdu(&k, &[1; 15]).unwrap()[4], 16 + 4);
    }

    #[test]
    fn config_validation() {
        assert!(Token2Config::from_values(45, 0, "SHA1", 30).is_err());
        assert!(Token2Config::from_values(30, -1, "SHA1", 30).is_err());
        assert!(Token2Config::from_values(30, 1 << 32, "SHA1", 30).is_err());
        assert!(Token2Config::from_values(30, 0, "SHA512", 30).is_err());
        assert!(Token2Config::from_values(30, 0, "SHA1", 45).is_err());
        assert!(Token2Config::from_wire(4, 0, 1, 0x1E).is_err());
        assert!(Token2Config::from_wire(0, 0, 3, 0x1E).is_err());
        assert!(Token2Config::from_wire(0, 0, 1, 0x1F).is_err());
        let c = Token2Config::from_values(120, 5, "sha-256", 60).unwrap();
        assert_eq!(c.tlv()[4], 3);
        assert_eq!(c.tlv()[15], 2);
        assert_eq!(c.tlv()[18], 0x3C);
    }

    #[test]
    fn models() {
        assert_eq!(model_from_serial("86596120001234"), Some(Model::OtpcP1I));
        assert_eq!(model_from_serial("8659621999"), Some(Model::OtpcP2INb));
        assert_eq!(model_from_serial("8659609000"), Some(Model::MiniOtp3INb));
        assert_eq!(model_from_serial("1234567"), None);
        assert_eq!(model_from_serial("865961"), None);
        for (p, m) in MODEL_PREFIXES {
            let keeps = ["8659600", "8659612", "8659632"].contains(p);
            assert_eq!(m.config_write_clears_seed(), !keeps, "{p}");
            assert_eq!(config_write_clears_seed(&format!("{p}00001")), !keeps);
        }
        assert!(config_write_clears_seed("999"));
    }

    #[test]
    fn info_parsing() {
        let mut d = vec![0, 0, 0, 7];
        d.extend_from_slice(b"8659622");
        d.extend_from_slice(&[0, 0]);
        d.extend_from_slice(&1_700_000_000u32.to_be_bytes());
        let i = parse_info(&d).unwrap();
        assert_eq!(i.serial, "8659622");
        assert_eq!(i.utc, 1_700_000_000);
        assert_eq!(i.model(), Some(Model::OtpcP2I));
        assert!(parse_info(&d[..d.len() - 1]).is_err());
        assert!(parse_info(&[0, 0]).is_err());
    }

    #[test]
    fn status_words() {
        assert_eq!(
            check_sw(0x6983, Step::Authenticate),
            Err(Token2Error::AuthFailed)
        );
        assert_eq!(
            check_sw(0x6983, Step::Secured),
            Err(Token2Error::SecurityFailure)
        );
        assert_eq!(check_sw(0x6700, Step::Plain), Err(Token2Error::WrongLength));
        assert_eq!(check_sw(0x6A80, Step::Plain), Err(Token2Error::BadData));
        assert_eq!(
            check_sw(0x6D00, Step::Plain),
            Err(Token2Error::UnknownInstruction)
        );
        assert_eq!(
            check_sw(0x6E00, Step::Plain),
            Err(Token2Error::UnknownClass)
        );
        assert_eq!(
            check_sw(0x6F00, Step::Plain),
            Err(Token2Error::UnexpectedStatus(0x6F00))
        );
    }
}
