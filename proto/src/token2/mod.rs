//! Token2 single-profile programmable NFC TOTP tokens (OTPC-P1-i, OTPC-P2-i, miniOTP-2-i,
//! miniOTP-3-i, C301-i, C302-i).
//!
//! No applet SELECT; the SM4 secure channel ([`crate::secure`]) with one fixed family key.
//! Order of a burn, as Token2's own burner does it: challenge → authenticate (once) → write
//! config → write seed. Authentication is never retried automatically: older tokens lock
//! permanently after failures. Which models exist (serial prefixes, whether a config write clears the
//! seed) is core's capability table.

use tokensmith_core::caps::{self, Clock};
use zeroize::Zeroizing;

use crate::apdu::{sw, Command};
use crate::crypto::{check_seed, pad_seed, Sm4Key};
use crate::secure::{Attempt, SecureChannel};
use crate::status::{Protocol, SwError};
use crate::transport::{Transport, TransportError};
use crate::wire::{Algorithm, DisplayTimeout, TimeStep};

pub use crate::secure::{authenticate_apdu, INS_AUTHENTICATE, INS_GET_CHALLENGE};

/// The fixed device key of the whole family.
pub const DEVICE_KEY_BYTES: [u8; 16] = [
    0x8A, 0xD2, 0x06, 0x88, 0x3C, 0xA3, 0x69, 0x48, 0x2A, 0xB2, 0x71, 0x82, 0xB6, 0xE8, 0x32, 0x24,
];

/// The family device key as an [`Sm4Key`].
pub fn device_key() -> Sm4Key {
    Sm4Key::new(DEVICE_KEY_BYTES)
}

pub use crate::crypto::MAX_SEED_LEN;

pub const INS_GET_INFO: u8 = 0x41;
pub const INS_WRITE_SEED: u8 = 0xC5;
pub const INS_WRITE_CONFIG: u8 = 0xD4;

/// Errors of the Token2 single-profile protocol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Token2Error {
    /// `69 83` on authenticate: wrong key, or the token is locked. Final: never retry
    /// automatically (older tokens lock permanently).
    #[error("authentication failed or token locked (69 83); not retrying: older tokens lock permanently")]
    AuthFailed,
    /// `69 83` on a secured (`84`) command: bad MAC or no/lost session. The status word alone
    /// cannot tell which.
    #[error("{0}: secured command refused (69 83): bad MAC or session not authenticated")]
    SecurityFailure(&'static str),
    /// Any other status word.
    #[error(transparent)]
    Status(#[from] SwError),
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

crate::exchange::protocol_error_conversions!(Token2Error, InvalidConfig);

/// Which command a status word answered (to give `69 83` its meaning).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Plain(&'static str),
    Authenticate,
    Secured(&'static str),
}

fn check_sw(sw: u16, step: Step) -> Result<(), Token2Error> {
    let command = match step {
        Step::Plain(c) | Step::Secured(c) => c,
        Step::Authenticate => "authenticate",
    };
    match (sw, step) {
        (sw::SUCCESS, _) => Ok(()),
        (sw::AUTH_METHOD_BLOCKED, Step::Authenticate) => Err(Token2Error::AuthFailed),
        (sw::AUTH_METHOD_BLOCKED, Step::Secured(c)) => Err(Token2Error::SecurityFailure(c)),
        (sw, _) => Err(SwError {
            protocol: Protocol::Token2,
            command,
            sw: crate::status::StatusWord(sw),
        }
        .into()),
    }
}

/// A validated single-profile configuration. Every field can only hold a value the firmware
/// understands (the firmware itself stores out-of-range values silently).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token2Config {
    pub display: DisplayTimeout,
    /// UTC seconds since the epoch (never local time).
    pub utc: u32,
    pub algorithm: Algorithm,
    pub step: TimeStep,
}

impl Token2Config {
    /// From core's values: display 15/30/60/120 s, UTC within u32 (not negative), SHA-1 or
    /// SHA-256 (no SHA-512 on these tokens), step 30/60 s.
    pub fn from_values(
        display_seconds: u32,
        utc: i64,
        algorithm: tokensmith_core::otp::Algorithm,
        step_seconds: u32,
    ) -> Result<Self, Token2Error> {
        let utc = u32::try_from(utc).map_err(|_| {
            Token2Error::InvalidConfig(format!("UTC time {utc} outside 0..=4294967295"))
        })?;
        Ok(Token2Config {
            display: DisplayTimeout::try_from(display_seconds)?,
            utc,
            algorithm: Algorithm::try_from(algorithm)?,
            step: TimeStep::try_from(step_seconds)?,
        })
    }

    /// Validate wire bytes (display byte, UTC, algorithm byte, step byte).
    pub fn from_wire(display: u8, utc: u32, algorithm: u8, step: u8) -> Result<Self, Token2Error> {
        let bad = |what: &str, b: u8| Token2Error::InvalidConfig(format!("{what} byte {b:02X}"));
        Ok(Token2Config {
            display: DisplayTimeout::from_wire(display).ok_or_else(|| bad("display", display))?,
            utc,
            algorithm: Algorithm::from_wire(algorithm)
                .ok_or_else(|| bad("algorithm", algorithm))?,
            step: TimeStep::from_wire(step).ok_or_else(|| bad("step", step))?,
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
            self.display as u8,
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
            self.algorithm as u8,
            0x0D,
            0x01,
            self.step as u8,
        ]
    }
}

/// Check a seed: 1 to 63 raw bytes. An empty seed would wipe the token.
pub fn validate_seed(seed: &[u8]) -> Result<(), Token2Error> {
    check_seed(seed, "a marker-only body wipes the token's seed").map_err(Token2Error::InvalidSeed)
}

/// `80 41 00 00 02 02 11` (exact form; byte 5 is always Lc).
pub fn get_info_apdu() -> Vec<u8> {
    Command::with_data(0x80, INS_GET_INFO, 0, 0, vec![0x02, 0x11]).to_bytes()
}

/// `80 4B 08 00 01 00` (P1 must be 08; byte 5 is Lc, so the lone 00 is a data byte).
pub fn get_challenge_apdu() -> Vec<u8> {
    Command::with_data(0x80, INS_GET_CHALLENGE, 0x08, 0, vec![0x00]).to_bytes()
}

/// `84 C5 01 00 Lc` || SM4-ECB(key, seed || 80 || 00… to 16n) || MAC.
pub fn write_seed_apdu(key: &Sm4Key, seed: &[u8]) -> Result<Zeroizing<Vec<u8>>, Token2Error> {
    validate_seed(seed)?;
    Ok(key.encrypted_apdu(INS_WRITE_SEED, 0x01, 0x00, &pad_seed(seed)))
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
    pub fn model(&self) -> Option<caps::Model> {
        model_from_serial(&self.serial)
    }
}

/// Parse a get-info reply (data without SW):
/// `[3 header][N][serial N ASCII][2 bytes][UTC u32 BE]`. The header and separator bytes are
/// not checked; padding and white space around the serial are trimmed (as Token2's burner
/// and keyroost do), not a reason to reject the token. The Molto2 answers its info command in
/// the same layout.
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
    let padding = |b: &u8| b.is_ascii_whitespace() || *b == 0 || *b == 0xFF;
    let raw = &data[4..4 + n];
    let start = raw.iter().position(|b| !padding(b)).unwrap_or(raw.len());
    let end = raw
        .iter()
        .rposition(|b| !padding(b))
        .map_or(start, |i| i + 1);
    let serial_bytes = &raw[start..end];
    if serial_bytes.is_empty() {
        return Err("the device reported an empty serial".into());
    }
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

/// The single-profile model of a serial (longest matching prefix in core's table); `None`
/// for an unknown prefix, which is not a known programmable model.
pub fn model_from_serial(serial: &str) -> Option<caps::Model> {
    caps::Model::from_token2_serial(serial)
}

/// Whether a config write clears the seed for this serial. Unknown serials are assumed to
/// clear it (the conservative answer: write the seed after).
pub fn config_write_clears_seed(serial: &str) -> bool {
    match model_from_serial(serial).map(|m| m.caps().clock) {
        Some(Clock::SetByConfig { clears_seed }) => clears_seed,
        _ => true,
    }
}

/// The serial of a token of `model` (prefix + `suffix`), for emulators and tests.
pub fn serial_of(model: caps::Model, suffix: &str) -> String {
    format!("{}{suffix}", model.caps().serial_prefix.unwrap_or_default())
}

/// Each write the token acknowledged, in order: what a caller records (a journal) between
/// the commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// The config (and with it the clock; on most models the seed is gone now).
    Config,
    Seed,
}

/// High-level flows over a [`Transport`].
pub struct Token2Session<T: Transport> {
    channel: SecureChannel<T>,
}

impl<T: Transport> Token2Session<T> {
    /// Session with the family device key.
    pub fn new(transport: T) -> Self {
        Self::with_key(transport, device_key())
    }

    /// Session with another key (tests, future key variants).
    pub fn with_key(transport: T, key: Sm4Key) -> Self {
        Token2Session {
            channel: SecureChannel::new(transport, Protocol::Token2, key),
        }
    }

    pub fn transport_mut(&mut self) -> &mut T {
        self.channel.transport_mut()
    }

    pub fn into_transport(self) -> T {
        self.channel.into_transport()
    }

    fn send(&mut self, apdu: &[u8], step: Step) -> Result<Vec<u8>, Token2Error> {
        let r = self.channel.transmit(apdu)?;
        check_sw(r.sw, step)?;
        Ok(r.data)
    }

    /// Read serial and clock (no authentication).
    pub fn info(&mut self) -> Result<DeviceInfo, Token2Error> {
        let d = self.send(&get_info_apdu(), Step::Plain("get info"))?;
        parse_info(&d)
    }

    /// Get a fresh challenge and authenticate once. A `69 83` is returned as
    /// [`Token2Error::AuthFailed`]; this method never retries.
    pub fn authenticate(&mut self) -> Result<(), Token2Error> {
        match self.channel.authenticate(&get_challenge_apdu())? {
            Attempt::ChallengeRefused(r) => check_sw(r.sw, Step::Plain("get challenge")),
            Attempt::Answered(r) => check_sw(r.sw, Step::Authenticate),
        }
    }

    /// Write the config (requires a preceding [`Self::authenticate`]).
    pub fn write_config(&mut self, config: &Token2Config) -> Result<(), Token2Error> {
        let apdu = write_config_apdu(self.channel.key(), config);
        self.send(&apdu, Step::Secured("write config")).map(drop)
    }

    /// Write the seed (requires a preceding [`Self::authenticate`]).
    pub fn write_seed(&mut self, seed: &[u8]) -> Result<(), Token2Error> {
        let apdu = write_seed_apdu(self.channel.key(), seed)?;
        self.send(&apdu, Step::Secured("write seed")).map(drop)
    }

    /// Burn: validate everything first, then challenge → authenticate (once) → write config →
    /// write seed, as Token2's burner does (one authentication permits several writes; a
    /// second one is one more chance to trip an old token's lock-out). Any failure stops the
    /// flow; authentication is never retried. `on_written` hears of each acknowledged write.
    pub fn burn(
        &mut self,
        seed: &[u8],
        config: &Token2Config,
        on_written: &mut dyn FnMut(Written),
    ) -> Result<(), Token2Error> {
        validate_seed(seed)?;
        // Config is validated by construction (Token2Config).
        self.authenticate()?;
        self.write_config(config)?;
        on_written(Written::Config);
        self.write_seed(seed)?;
        on_written(Written::Seed);
        Ok(())
    }

    /// Expert: authenticate and write the seed alone. The config (algorithm, period, display,
    /// clock) stays as it is on the token.
    pub fn write_seed_only(
        &mut self,
        seed: &[u8],
        on_written: &mut dyn FnMut(Written),
    ) -> Result<(), Token2Error> {
        validate_seed(seed)?;
        self.authenticate()?;
        self.write_seed(seed)?;
        on_written(Written::Seed);
        Ok(())
    }

    /// Expert: authenticate and write the config alone (which sets the clock). On most models
    /// this CLEARS the seed ([`config_write_clears_seed`]): the caller asks the user first.
    pub fn write_config_only(
        &mut self,
        config: &Token2Config,
        on_written: &mut dyn FnMut(Written),
    ) -> Result<(), Token2Error> {
        self.authenticate()?;
        self.write_config(config)?;
        on_written(Written::Config);
        Ok(())
    }

    /// Read info first, refuse unknown models unless `force` (nothing else is sent then: no
    /// authentication may lock an old token), then [`Self::burn`]. Returns the info read
    /// before burning.
    pub fn burn_checked(
        &mut self,
        seed: &[u8],
        config: &Token2Config,
        force_unknown_model: bool,
        on_written: &mut dyn FnMut(Written),
    ) -> Result<DeviceInfo, Token2Error> {
        validate_seed(seed)?;
        let info = self.info()?;
        if info.model().is_none() && !force_unknown_model {
            return Err(Token2Error::UnknownModel(info.serial));
        }
        self.burn(seed, config, on_written)?;
        Ok(info)
    }
}

#[cfg(test)]
mod tests;
