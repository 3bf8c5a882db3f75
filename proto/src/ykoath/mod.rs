//! The YKOATH applet (YubiKey, Nitrokey 3, Solo 2): store OATH credentials and calculate
//! codes. The host sends the time challenge with every CALCULATE.
//!
//! A [`YkoathSession`] exists only for a selected applet: its constructors SELECT it (and
//! VALIDATE the password when asked), so "not selected" cannot happen.

mod apdus;
mod parse;

pub use apdus::*;
pub use parse::*;

use zeroize::Zeroizing;

use crate::apdu::{sw, Response};
use crate::exchange::{Chaining, Channel};
use crate::status::{Protocol, StatusWord, SwError};
use crate::transport::{Transport, TransportError};
pub use crate::wire::{OathAlgorithm, OathType};

/// The OATH applet AID.
pub const AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x05, 0x27, 0x21, 0x01];
/// Longest credential name in bytes: core's capability table holds the fact.
pub const MAX_NAME_LEN: usize = tokensmith_core::caps::OATH_NAME_BYTES;
/// Default TOTP period (no prefix in the name).
pub const DEFAULT_PERIOD: u32 = 30;

pub const TAG_NAME: u8 = 0x71;
pub const TAG_NAME_LIST: u8 = 0x72;
pub const TAG_KEY: u8 = 0x73;
pub const TAG_CHALLENGE: u8 = 0x74;
pub const TAG_RESPONSE: u8 = 0x75;
pub const TAG_TRUNCATED: u8 = 0x76;
pub const TAG_HOTP: u8 = 0x77;
pub const TAG_PROPERTY: u8 = 0x78;
pub const TAG_VERSION: u8 = 0x79;
pub const TAG_IMF: u8 = 0x7A;
pub const TAG_ALGORITHM: u8 = 0x7B;
pub const TAG_TOUCH: u8 = 0x7C;
/// Nitrokey 3: PIN attempts left, in the SELECT reply when a PIN is set.
pub const TAG_PIN_COUNTER: u8 = 0x82;
/// Nitrokey 3: the device serial in the SELECT reply.
pub const TAG_SERIAL: u8 = 0x8F;
/// Property value "require touch" (sent as `78 02`, no length byte).
pub const PROP_REQUIRE_TOUCH: u8 = 0x02;

pub const INS_PUT: u8 = 0x01;
pub const INS_DELETE: u8 = 0x02;
pub const INS_SET_CODE: u8 = 0x03;
pub const INS_RESET: u8 = 0x04;
/// YubiKey 5.3.1 and later (ykman's `rename_credential`).
pub const INS_RENAME: u8 = 0x05;
pub const INS_LIST: u8 = 0xA1;
pub const INS_CALCULATE: u8 = 0xA2;
pub const INS_VALIDATE: u8 = 0xA3;
pub const INS_SELECT: u8 = 0xA4;
pub const INS_CALCULATE_ALL: u8 = 0xA4;
pub const INS_SEND_REMAINING: u8 = 0xA5;

/// Errors of the YKOATH protocol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum YkoathError {
    #[error("no space left on the device (6A 84)")]
    NoSpace,
    #[error("authentication required: unlock with the access password first (69 82)")]
    AuthRequired,
    /// `69 82` to a command that waits for a touch, on an unlocked applet.
    #[error("the key waited for a touch and none came (69 82): touch the key when its light blinks, then try again")]
    TouchTimeout,
    #[error("wrong syntax (6A 80)")]
    WrongSyntax,
    #[error("wrong password")]
    WrongPassword,
    #[error("no such credential")]
    NoSuchCredential,
    /// `69 83` to a PUT: a Nitrokey 3 never overwrites.
    #[error("an account of this name already exists on the key (69 83): it keeps the old one")]
    AlreadyExists,
    /// `6A 81`: e.g. a Nitrokey 3 asked for a SHA-512 code.
    #[error("the key cannot compute this credential (6A 81: function not supported)")]
    FunctionNotSupported,
    #[error("OATH applet not found (6A 82)")]
    AppletNotFound,
    /// Any other status word.
    #[error(transparent)]
    Status(#[from] SwError),
    #[error("the device is password protected: a password is required")]
    PasswordRequired,
    /// The SELECT reply has no salt (a Nitrokey 3 with a PIN): no YKOATH access password.
    #[error("this key has no YKOATH access password (its SELECT reply has no salt)")]
    NoAccessPassword,
    /// After SET CODE the applet does not ask for the new password (or still asks after a
    /// removal): the key answered but did not do it.
    #[error("the key accepted the password change but does not apply it (checked by selecting it again)")]
    PasswordNotApplied,
    #[error("the device's VALIDATE response is wrong: not the device that holds this password")]
    DeviceResponseMismatch,
    #[error("invalid credential name: {0}")]
    InvalidName(String),
    #[error("invalid digits {0} (allowed: 6, 7, 8)")]
    InvalidDigits(u8),
    #[error("invalid secret: {0}")]
    InvalidSecret(String),
    /// `7A` goes with HOTP only (a Nitrokey 3 answers `6A 80` to it on TOTP).
    #[error("a counter is for HOTP credentials only")]
    CounterOnTotp,
    #[error("malformed reply: {0}")]
    MalformedReply(String),
    #[error("random number generator failed: {0}")]
    Random(String),
    #[error(transparent)]
    Transport(#[from] TransportError),
}

crate::exchange::protocol_error_conversions!(YkoathError);

/// What a command was, to give status words their meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Select,
    Validate,
    Put,
    /// A command that may wait for a touch (CALCULATE of a touch credential; a Nitrokey 3's
    /// DELETE and RESET, and its PUT of a touch credential).
    Touch(&'static str),
    Other(&'static str),
}

impl Ctx {
    fn command(self) -> &'static str {
        match self {
            Ctx::Select => "select",
            Ctx::Validate => "validate",
            Ctx::Put => "put",
            Ctx::Touch(c) | Ctx::Other(c) => c,
        }
    }
}

/// The meaning of `sw` after command `ctx`; `unlocked`: no password, or VALIDATE passed (then
/// `69 82` cannot mean "authentication required" and, after a command that waits for a
/// touch, means the wait timed out).
fn check_sw(sw: u16, ctx: Ctx, unlocked: bool) -> Result<(), YkoathError> {
    let touch = matches!(ctx, Ctx::Touch(_) | Ctx::Put);
    match (sw, ctx) {
        (sw::SUCCESS, _) => Ok(()),
        (sw::WRONG_DATA | sw::SECURITY_STATUS_NOT_SATISFIED, Ctx::Validate) => {
            Err(YkoathError::WrongPassword)
        }
        (sw::FILE_NOT_FOUND, Ctx::Select) => Err(YkoathError::AppletNotFound),
        (sw::NOT_ENOUGH_MEMORY, _) => Err(YkoathError::NoSpace),
        (sw::SECURITY_STATUS_NOT_SATISFIED, _) if unlocked && touch => {
            Err(YkoathError::TouchTimeout)
        }
        (sw::SECURITY_STATUS_NOT_SATISFIED, _) => Err(YkoathError::AuthRequired),
        (sw::AUTH_METHOD_BLOCKED, Ctx::Put) => Err(YkoathError::AlreadyExists),
        (sw::WRONG_DATA, _) => Err(YkoathError::WrongSyntax),
        // YubiKeys answer 69 84 for an unknown name, a Nitrokey 3 answers 6A 82.
        (sw::NO_SUCH_OBJECT | sw::FILE_NOT_FOUND, _) => Err(YkoathError::NoSuchCredential),
        (sw::FUNCTION_NOT_SUPPORTED, _) => Err(YkoathError::FunctionNotSupported),
        (other, ctx) => Err(SwError {
            protocol: Protocol::Ykoath,
            command: ctx.command(),
            sw: StatusWord(other),
        }
        .into()),
    }
}

fn random8() -> Result<[u8; 8], YkoathError> {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).map_err(|e| YkoathError::Random(e.to_string()))?;
    Ok(b)
}

/// A selected YKOATH applet. Replies chained with `61 xx` are collected by the exchange
/// (SEND REMAINING, `00 A5 00 00`).
pub struct YkoathSession<T: Transport> {
    channel: Channel<T>,
    selected: SelectResponse,
    /// No access password, or VALIDATE passed since the last SELECT.
    unlocked: bool,
}

impl<T: Transport> YkoathSession<T> {
    /// SELECT the applet.
    pub fn select(transport: T) -> Result<Self, YkoathError> {
        let mut channel = Channel::new(transport, Protocol::Ykoath, Chaining::SendRemaining);
        let selected = Self::select_on(&mut channel)?;
        let unlocked = !selected.password_set();
        Ok(YkoathSession {
            channel,
            selected,
            unlocked,
        })
    }

    /// SELECT, then VALIDATE when the applet asks for a password.
    pub fn open(transport: T, password: Option<&str>) -> Result<Self, YkoathError> {
        let mut s = Self::select(transport)?;
        s.unlock(password)?;
        Ok(s)
    }

    fn select_on(channel: &mut Channel<T>) -> Result<SelectResponse, YkoathError> {
        let r = channel.transmit(&select_apdu())?;
        check_sw(r.sw, Ctx::Select, true)?;
        parse_select(&r.data)
    }

    /// SELECT again (a fresh password challenge; the applet forgets an unlock).
    pub fn reselect(&mut self) -> Result<&SelectResponse, YkoathError> {
        self.selected = Self::select_on(&mut self.channel)?;
        self.unlocked = !self.selected.password_set();
        Ok(&self.selected)
    }

    /// VALIDATE when the applet has a password (after [`Self::reselect`] if it was used).
    pub fn unlock(&mut self, password: Option<&str>) -> Result<(), YkoathError> {
        if self.selected.password_set() {
            let p = password.ok_or(YkoathError::PasswordRequired)?;
            self.validate(p)?;
        }
        Ok(())
    }

    pub fn transport_mut(&mut self) -> &mut T {
        self.channel.transport_mut()
    }

    pub fn into_transport(self) -> T {
        self.channel.into_transport()
    }

    /// The SELECT reply.
    pub fn selected(&self) -> &SelectResponse {
        &self.selected
    }

    fn send(&mut self, apdu: &[u8], ctx: Ctx) -> Result<Vec<u8>, YkoathError> {
        let r: Response = self.channel.transmit(apdu)?;
        check_sw(r.sw, ctx, self.unlocked)?;
        Ok(r.data)
    }

    /// VALIDATE with the access password; verifies the device's response.
    pub fn validate(&mut self, password: &str) -> Result<(), YkoathError> {
        let key = derive_access_key(password, self.selected.salt()?);
        // The select challenge is used up either way.
        let challenge = self
            .selected
            .challenge
            .take()
            .ok_or(YkoathError::WrongSyntax)?;
        let host = random8()?;
        let d = self.send(&validate_apdu(&key, &challenge, &host), Ctx::Validate)?;
        verify_validate_response(&key, &host, &d)?;
        self.unlocked = true;
        Ok(())
    }

    /// PUT a credential. A YubiKey replaces one of the same name silently; a Nitrokey 3
    /// refuses ([`YkoathError::AlreadyExists`]): list first.
    pub fn put(&mut self, cred: &CredentialData) -> Result<(), YkoathError> {
        let apdu = put_apdu(cred)?;
        self.send(&apdu, Ctx::Put).map(drop)
    }

    pub fn delete(&mut self, name: &str) -> Result<(), YkoathError> {
        self.send(&delete_apdu(name)?, Ctx::Touch("delete"))
            .map(drop)
    }

    /// RENAME (YubiKey 5.3.1 and later): the credential keeps its key and counter.
    pub fn rename(&mut self, name: &str, new_name: &str) -> Result<(), YkoathError> {
        self.send(&rename_apdu(name, new_name)?, Ctx::Other("rename"))
            .map(drop)
    }

    /// The OTP credentials and how many entries of other kinds were skipped.
    pub fn list(&mut self) -> Result<Listing, YkoathError> {
        let r: Response = self.channel.transmit(&list_apdu())?;
        if r.sw == sw::REFERENCE_NOT_FOUND {
            // A Secrets app with no credential directory yet (see PROTOCOL-NOTES).
            return Ok(Listing::default());
        }
        check_sw(r.sw, Ctx::Other("list"), self.unlocked)?;
        parse_list(&r.data)
    }

    /// CALCULATE with an explicit challenge (`None` for HOTP).
    pub fn calculate(&mut self, name: &str, challenge: Option<u64>) -> Result<Code, YkoathError> {
        let d = self.send(&calculate_apdu(name, challenge)?, Ctx::Touch("calculate"))?;
        parse_calculate(&d)
    }

    /// CALCULATE a TOTP credential at `unix_time`, with the period taken from the name's
    /// prefix (30 without one).
    pub fn calculate_totp(&mut self, name: &str, unix_time: u64) -> Result<Code, YkoathError> {
        let (period, _, _) = parse_credential_name(OathType::Totp, name);
        self.calculate(name, Some(time_challenge(unix_time, period)))
    }

    pub fn calculate_all(
        &mut self,
        challenge: u64,
    ) -> Result<Vec<(String, CalculateAllResult)>, YkoathError> {
        let d = self.send(&calculate_all_apdu(challenge), Ctx::Other("calculate all"))?;
        parse_calculate_all(&d)
    }

    /// Set the access password (the key is derived with the selected applet's salt).
    pub fn set_password(&mut self, password: &str) -> Result<(), YkoathError> {
        let key: Zeroizing<[u8; 16]> = derive_access_key(password, self.selected.salt()?);
        let host = random8()?;
        let apdu = set_code_apdu(&key, &host);
        self.send(&apdu, Ctx::Other("set code")).map(drop)
    }

    /// Remove the access password.
    pub fn clear_password(&mut self) -> Result<(), YkoathError> {
        self.send(&clear_code_apdu(), Ctx::Other("set code"))
            .map(drop)
    }

    /// Set (`Some`) or remove (`None`) the access password, then SELECT again and check that
    /// the applet asks for exactly that password now: a key that answers `90 00` without
    /// doing it is caught here, not at the next unlock.
    pub fn change_password(&mut self, new: Option<&str>) -> Result<(), YkoathError> {
        match new {
            Some(p) => self.set_password(p)?,
            None => self.clear_password()?,
        }
        self.reselect()?;
        match (new, self.selected.password_set()) {
            (Some(p), true) => self.validate(p),
            (None, false) => Ok(()),
            _ => Err(YkoathError::PasswordNotApplied),
        }
    }

    /// RESET: wipes the applet.
    pub fn reset(&mut self) -> Result<(), YkoathError> {
        self.send(&reset_apdu(), Ctx::Touch("reset")).map(drop)
    }
}

#[cfg(test)]
mod tests;
