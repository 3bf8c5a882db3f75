//! The YKOATH applet (YubiKey, Nitrokey 3, Solo 2): store OATH credentials and
//! calculate codes. The host sends the time challenge with every CALCULATE.

use crate::apdu::{sw, Command, Response};
use crate::transport::{Transport, TransportError};
use tokensmith_core::otp::{hmac, Algorithm as HashAlg};
use zeroize::Zeroizing;

/// The OATH applet AID.
pub const AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x05, 0x27, 0x21, 0x01];
/// Longest credential name in bytes.
pub const MAX_NAME_LEN: usize = 64;
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
/// Property value "require touch" (sent as `78 02`, no length byte).
pub const PROP_REQUIRE_TOUCH: u8 = 0x02;

pub const INS_PUT: u8 = 0x01;
pub const INS_DELETE: u8 = 0x02;
pub const INS_SET_CODE: u8 = 0x03;
pub const INS_RESET: u8 = 0x04;
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
    #[error("wrong syntax (6A 80)")]
    WrongSyntax,
    #[error("wrong password")]
    WrongPassword,
    #[error("no such credential (69 84)")]
    NoSuchCredential,
    #[error("OATH applet not found (6A 82)")]
    AppletNotFound,
    #[error("wrong length (67 00)")]
    WrongLength,
    #[error("instruction not supported (6D 00)")]
    UnknownInstruction,
    #[error("class not supported (6E 00)")]
    UnknownClass,
    #[error("unexpected status word {0:04X}")]
    UnexpectedStatus(u16),
    #[error("the device is password protected: a password is required")]
    PasswordRequired,
    #[error("the device's VALIDATE response is wrong: not the device that holds this password")]
    DeviceResponseMismatch,
    #[error("SELECT has not been done")]
    NotSelected,
    #[error("invalid credential name: {0}")]
    InvalidName(String),
    #[error("invalid digits {0} (allowed: 6, 7, 8)")]
    InvalidDigits(u8),
    #[error("invalid secret: {0}")]
    InvalidSecret(String),
    #[error("malformed reply: {0}")]
    MalformedReply(String),
    #[error("random number generator failed: {0}")]
    Random(String),
    #[error(transparent)]
    Transport(#[from] TransportError),
}

/// What a command was, to give status words their meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Select,
    Validate,
    Other,
}

fn check_sw(sw: u16, ctx: Ctx) -> Result<(), YkoathError> {
    match (sw, ctx) {
        (sw::SUCCESS, _) => Ok(()),
        (sw::WRONG_DATA | sw::SECURITY_STATUS_NOT_SATISFIED, Ctx::Validate) => {
            Err(YkoathError::WrongPassword)
        }
        (sw::FILE_NOT_FOUND, Ctx::Select) => Err(YkoathError::AppletNotFound),
        (sw::NOT_ENOUGH_MEMORY, _) => Err(YkoathError::NoSpace),
        (sw::SECURITY_STATUS_NOT_SATISFIED, _) => Err(YkoathError::AuthRequired),
        (sw::WRONG_DATA, _) => Err(YkoathError::WrongSyntax),
        (sw::NO_SUCH_OBJECT, _) => Err(YkoathError::NoSuchCredential),
        (sw::FILE_NOT_FOUND, _) => Err(YkoathError::AppletNotFound),
        (sw::WRONG_LENGTH, _) => Err(YkoathError::WrongLength),
        (sw::INS_NOT_SUPPORTED, _) => Err(YkoathError::UnknownInstruction),
        (sw::CLA_NOT_SUPPORTED, _) => Err(YkoathError::UnknownClass),
        (other, _) => Err(YkoathError::UnexpectedStatus(other)),
    }
}

/// HOTP or TOTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OathType {
    Hotp = 0x10,
    Totp = 0x20,
}

impl OathType {
    pub fn from_byte(b: u8) -> Option<Self> {
        match b & 0xF0 {
            0x10 => Some(Self::Hotp),
            0x20 => Some(Self::Totp),
            _ => None,
        }
    }
}

/// HMAC algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OathAlgorithm {
    Sha1 = 0x01,
    Sha256 = 0x02,
    Sha512 = 0x03,
}

impl OathAlgorithm {
    pub fn from_byte(b: u8) -> Option<Self> {
        match b & 0x0F {
            1 => Some(Self::Sha1),
            2 => Some(Self::Sha256),
            3 => Some(Self::Sha512),
            _ => None,
        }
    }
    /// HMAC block size: 64, or 128 for SHA-512.
    pub fn block_size(self) -> usize {
        match self {
            Self::Sha512 => 128,
            _ => 64,
        }
    }
    pub fn hash(self) -> HashAlg {
        match self {
            Self::Sha1 => HashAlg::Sha1,
            Self::Sha256 => HashAlg::Sha256,
            Self::Sha512 => HashAlg::Sha512,
        }
    }
}

/// Iterate one-byte-tag, one-byte-length TLVs.
pub fn parse_tlvs(mut data: &[u8]) -> Result<Vec<(u8, &[u8])>, YkoathError> {
    let mut out = Vec::new();
    while !data.is_empty() {
        if data.len() < 2 {
            return Err(YkoathError::MalformedReply("truncated TLV".into()));
        }
        let (tag, len) = (data[0], data[1] as usize);
        if data.len() < 2 + len {
            return Err(YkoathError::MalformedReply(format!(
                "TLV {tag:02X} length {len} exceeds data"
            )));
        }
        out.push((tag, &data[2..2 + len]));
        data = &data[2 + len..];
    }
    Ok(out)
}

fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(2 + value.len());
    v.push(tag);
    v.push(value.len() as u8);
    v.extend_from_slice(value);
    v
}

/// Build `[<period>/][<issuer>:]<account>` (period only for TOTP ≠ 30), at
/// most 64 bytes.
pub fn credential_name(
    oath_type: OathType,
    period: u32,
    issuer: Option<&str>,
    account: &str,
) -> Result<String, YkoathError> {
    if account.is_empty() {
        return Err(YkoathError::InvalidName("empty account".into()));
    }
    if period == 0 {
        return Err(YkoathError::InvalidName("period 0".into()));
    }
    let mut name = String::new();
    if oath_type == OathType::Totp && period != DEFAULT_PERIOD {
        name.push_str(&format!("{period}/"));
    }
    if let Some(i) = issuer.filter(|i| !i.is_empty()) {
        name.push_str(i);
        name.push(':');
    }
    name.push_str(account);
    if name.len() > MAX_NAME_LEN {
        return Err(YkoathError::InvalidName(format!(
            "{} bytes; at most {MAX_NAME_LEN}",
            name.len()
        )));
    }
    Ok(name)
}

/// Split a stored name into (period, issuer, account). The period prefix is
/// only read for TOTP.
pub fn parse_credential_name(oath_type: OathType, name: &str) -> (u32, Option<String>, String) {
    let mut rest = name;
    let mut period = DEFAULT_PERIOD;
    if oath_type == OathType::Totp {
        if let Some((p, r)) = rest.split_once('/') {
            if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) {
                if let Ok(v) = p.parse::<u32>() {
                    period = v;
                    rest = r;
                }
            }
        }
    }
    match rest.split_once(':') {
        Some((i, a)) if !i.is_empty() => (period, Some(i.to_string()), a.to_string()),
        _ => (period, None, rest.to_string()),
    }
}

/// Key processing: hash if longer than the block size, then zero-pad to at
/// least 14 bytes.
pub fn process_key(algorithm: OathAlgorithm, secret: &[u8]) -> Zeroizing<Vec<u8>> {
    use sha1::Digest;
    let mut key = Zeroizing::new(if secret.len() > algorithm.block_size() {
        match algorithm {
            OathAlgorithm::Sha1 => sha1::Sha1::digest(secret).to_vec(),
            OathAlgorithm::Sha256 => sha2::Sha256::digest(secret).to_vec(),
            OathAlgorithm::Sha512 => sha2::Sha512::digest(secret).to_vec(),
        }
    } else {
        secret.to_vec()
    });
    if key.len() < 14 {
        key.resize(14, 0);
    }
    key
}

/// A credential to store.
#[derive(Clone)]
pub struct CredentialData {
    /// Full name, `[period/][issuer:]account` (see [`credential_name`]).
    pub name: String,
    pub oath_type: OathType,
    pub algorithm: OathAlgorithm,
    /// 6, 7 or 8.
    pub digits: u8,
    /// Raw secret (unprocessed).
    pub secret: Zeroizing<Vec<u8>>,
    pub touch: bool,
    /// HOTP initial counter (`7A 04`), sent when `Some`.
    pub counter: Option<u32>,
}

impl std::fmt::Debug for CredentialData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialData")
            .field("name", &self.name)
            .field("oath_type", &self.oath_type)
            .field("algorithm", &self.algorithm)
            .field("digits", &self.digits)
            .field("secret", &"<redacted>")
            .field("touch", &self.touch)
            .field("counter", &self.counter)
            .finish()
    }
}

impl CredentialData {
    /// A TOTP credential with defaults (no touch).
    pub fn totp(name: &str, algorithm: OathAlgorithm, digits: u8, secret: &[u8]) -> Self {
        CredentialData {
            name: name.to_string(),
            oath_type: OathType::Totp,
            algorithm,
            digits,
            secret: Zeroizing::new(secret.to_vec()),
            touch: false,
            counter: None,
        }
    }
}

/// `00 A4 04 00 07 A0 00 00 05 27 21 01`.
pub fn select_apdu() -> Vec<u8> {
    Command::with_data(0x00, INS_SELECT, 0x04, 0x00, AID.to_vec()).to_bytes()
}

/// PUT: `00 01 00 00 Lc 71 L name 73 L <type|algo> <digits> <key> [78 02] [7A 04 counter]`.
pub fn put_apdu(cred: &CredentialData) -> Result<Vec<u8>, YkoathError> {
    let name = cred.name.as_bytes();
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(YkoathError::InvalidName(format!(
            "{} bytes (1..={MAX_NAME_LEN})",
            name.len()
        )));
    }
    if !(6..=8).contains(&cred.digits) {
        return Err(YkoathError::InvalidDigits(cred.digits));
    }
    if cred.secret.is_empty() {
        return Err(YkoathError::InvalidSecret("empty secret".into()));
    }
    let key = process_key(cred.algorithm, &cred.secret);
    let mut body = Zeroizing::new(tlv(TAG_NAME, name));
    let mut kv = Zeroizing::new(Vec::with_capacity(2 + key.len()));
    kv.push(cred.oath_type as u8 | cred.algorithm as u8);
    kv.push(cred.digits);
    kv.extend_from_slice(&key);
    body.extend_from_slice(&tlv(TAG_KEY, &kv));
    if cred.touch {
        body.extend_from_slice(&[TAG_PROPERTY, PROP_REQUIRE_TOUCH]);
    }
    if let Some(c) = cred.counter {
        body.extend_from_slice(&tlv(TAG_IMF, &c.to_be_bytes()));
    }
    if body.len() > 255 {
        return Err(YkoathError::InvalidSecret("command too long".into()));
    }
    Ok(Command::with_data(0x00, INS_PUT, 0, 0, body.to_vec()).to_bytes())
}

/// DELETE: `00 02 00 00 Lc 71 L name`.
pub fn delete_apdu(name: &str) -> Result<Vec<u8>, YkoathError> {
    check_name(name)?;
    Ok(Command::with_data(0x00, INS_DELETE, 0, 0, tlv(TAG_NAME, name.as_bytes())).to_bytes())
}

fn check_name(name: &str) -> Result<(), YkoathError> {
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(YkoathError::InvalidName(format!("{} bytes", name.len())));
    }
    Ok(())
}

/// LIST: `00 A1 00 00`.
pub fn list_apdu() -> Vec<u8> {
    Command::new(0x00, INS_LIST, 0, 0).to_bytes()
}

/// SEND REMAINING: `00 A5 00 00`.
pub fn send_remaining_apdu() -> Vec<u8> {
    Command::new(0x00, INS_SEND_REMAINING, 0, 0).to_bytes()
}

/// CALCULATE (truncated): `00 A2 00 01 Lc 71 L name 74 L challenge`. TOTP
/// passes `Some(floor(time/period))`; HOTP passes `None` (empty challenge:
/// the device uses its counter).
pub fn calculate_apdu(name: &str, challenge: Option<u64>) -> Result<Vec<u8>, YkoathError> {
    check_name(name)?;
    let mut body = tlv(TAG_NAME, name.as_bytes());
    match challenge {
        Some(c) => body.extend_from_slice(&tlv(TAG_CHALLENGE, &c.to_be_bytes())),
        None => body.extend_from_slice(&[TAG_CHALLENGE, 0]),
    }
    Ok(Command::with_data(0x00, INS_CALCULATE, 0, 0x01, body).to_bytes())
}

/// CALCULATE ALL: `00 A4 00 01 0A 74 08 <challenge>`.
pub fn calculate_all_apdu(challenge: u64) -> Vec<u8> {
    Command::with_data(
        0x00,
        INS_CALCULATE_ALL,
        0,
        0x01,
        tlv(TAG_CHALLENGE, &challenge.to_be_bytes()),
    )
    .to_bytes()
}

/// SET CODE: `00 03 00 00 33 73 11 21 <key 16> 74 08 <challenge> 75 14 <HMAC-SHA1(key, challenge)>`.
pub fn set_code_apdu(access_key: &[u8; 16], host_challenge: &[u8; 8]) -> Vec<u8> {
    let mut kv = Zeroizing::new(vec![OathType::Totp as u8 | OathAlgorithm::Sha1 as u8]);
    kv.extend_from_slice(access_key);
    let mut body = Zeroizing::new(tlv(TAG_KEY, &kv));
    body.extend_from_slice(&tlv(TAG_CHALLENGE, host_challenge));
    body.extend_from_slice(&tlv(
        TAG_RESPONSE,
        &hmac(HashAlg::Sha1, access_key, host_challenge),
    ));
    Command::with_data(0x00, INS_SET_CODE, 0, 0, body.to_vec()).to_bytes()
}

/// Remove the access password: `00 03 00 00 02 73 00`.
pub fn clear_code_apdu() -> Vec<u8> {
    Command::with_data(0x00, INS_SET_CODE, 0, 0, vec![TAG_KEY, 0]).to_bytes()
}

/// VALIDATE: `00 A3 00 00 20 75 14 <HMAC-SHA1(key, select challenge)> 74 08 <host challenge>`.
pub fn validate_apdu(
    access_key: &[u8; 16],
    select_challenge: &[u8],
    host_challenge: &[u8; 8],
) -> Vec<u8> {
    let mut body = tlv(
        TAG_RESPONSE,
        &hmac(HashAlg::Sha1, access_key, select_challenge),
    );
    body.extend_from_slice(&tlv(TAG_CHALLENGE, host_challenge));
    Command::with_data(0x00, INS_VALIDATE, 0, 0, body).to_bytes()
}

/// Check the VALIDATE reply `75 14 <HMAC-SHA1(key, host challenge)>`.
pub fn verify_validate_response(
    access_key: &[u8; 16],
    host_challenge: &[u8; 8],
    data: &[u8],
) -> Result<(), YkoathError> {
    let tlvs = parse_tlvs(data)?;
    let resp = tlvs
        .iter()
        .find(|(t, _)| *t == TAG_RESPONSE)
        .map(|(_, v)| *v)
        .ok_or_else(|| YkoathError::MalformedReply("VALIDATE reply without 75".into()))?;
    let expected = hmac(HashAlg::Sha1, access_key, host_challenge);
    if resp == expected.as_slice() {
        Ok(())
    } else {
        Err(YkoathError::DeviceResponseMismatch)
    }
}

/// RESET: `00 04 DE AD`.
pub fn reset_apdu() -> Vec<u8> {
    Command::new(0x00, INS_RESET, 0xDE, 0xAD).to_bytes()
}

/// Access key = PBKDF2-HMAC-SHA1(password, salt, 1000 iterations, 16 bytes).
pub fn derive_access_key(password: &str, salt: &[u8]) -> Zeroizing<[u8; 16]> {
    let mut key = Zeroizing::new([0u8; 16]);
    pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password.as_bytes(), salt, 1000, key.as_mut());
    key
}

/// TOTP challenge for a time: floor(time / period).
pub fn time_challenge(unix_time: u64, period: u32) -> u64 {
    unix_time / u64::from(period.max(1))
}

/// Parsed SELECT reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectResponse {
    pub version: Vec<u8>,
    /// Salt for the access key (tag 71).
    pub salt: Vec<u8>,
    /// Present when an access password is set (tag 74).
    pub challenge: Option<Vec<u8>>,
    /// Access key algorithm (tag 7B).
    pub algorithm: Option<OathAlgorithm>,
}

impl SelectResponse {
    pub fn password_set(&self) -> bool {
        self.challenge.is_some()
    }
    /// Version as "a.b.c".
    pub fn version_string(&self) -> String {
        self.version
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// Parse `79 03 <version> 71 08 <salt> [74 08 <challenge> 7B 01 <algo>]`.
pub fn parse_select(data: &[u8]) -> Result<SelectResponse, YkoathError> {
    let mut r = SelectResponse {
        version: Vec::new(),
        salt: Vec::new(),
        challenge: None,
        algorithm: None,
    };
    for (tag, v) in parse_tlvs(data)? {
        match tag {
            TAG_VERSION => r.version = v.to_vec(),
            TAG_NAME => r.salt = v.to_vec(),
            TAG_CHALLENGE => r.challenge = Some(v.to_vec()),
            TAG_ALGORITHM => r.algorithm = v.first().and_then(|&b| OathAlgorithm::from_byte(b)),
            _ => {}
        }
    }
    if r.salt.is_empty() {
        return Err(YkoathError::MalformedReply("SELECT without salt".into()));
    }
    Ok(r)
}

/// One LIST entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    pub oath_type: OathType,
    pub algorithm: OathAlgorithm,
    pub name: String,
}

/// Parse a LIST reply: `72 L <type|algo> <name>` …
pub fn parse_list(data: &[u8]) -> Result<Vec<ListEntry>, YkoathError> {
    let mut out = Vec::new();
    for (tag, v) in parse_tlvs(data)? {
        if tag != TAG_NAME_LIST {
            continue;
        }
        let (&b, name) = v
            .split_first()
            .ok_or_else(|| YkoathError::MalformedReply("empty list entry".into()))?;
        out.push(ListEntry {
            oath_type: OathType::from_byte(b)
                .ok_or_else(|| YkoathError::MalformedReply(format!("type byte {b:02X}")))?,
            algorithm: OathAlgorithm::from_byte(b)
                .ok_or_else(|| YkoathError::MalformedReply(format!("algo byte {b:02X}")))?,
            name: String::from_utf8_lossy(name).into_owned(),
        });
    }
    Ok(out)
}

/// A calculated code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub digits: u8,
    /// The 4 bytes from the device as a big-endian number (unmasked).
    pub raw: u32,
}

impl Code {
    /// (raw & 0x7FFFFFFF) mod 10^digits.
    pub fn value(&self) -> u32 {
        ((u64::from(self.raw & 0x7FFF_FFFF)) % 10u64.pow(u32::from(self.digits.min(10)))) as u32
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:0width$}",
            self.value(),
            width = usize::from(self.digits)
        )
    }
}

fn parse_truncated(v: &[u8]) -> Result<Code, YkoathError> {
    if v.len() != 5 {
        return Err(YkoathError::MalformedReply(format!(
            "truncated response of {} bytes",
            v.len()
        )));
    }
    Ok(Code {
        digits: v[0],
        raw: u32::from_be_bytes([v[1], v[2], v[3], v[4]]),
    })
}

/// Parse a CALCULATE reply `76 05 <digits> <4 bytes>`.
pub fn parse_calculate(data: &[u8]) -> Result<Code, YkoathError> {
    let tlvs = parse_tlvs(data)?;
    let v = tlvs
        .iter()
        .find(|(t, _)| *t == TAG_TRUNCATED)
        .map(|(_, v)| *v)
        .ok_or_else(|| YkoathError::MalformedReply("no 76 tag".into()))?;
    parse_truncated(v)
}

/// One CALCULATE ALL result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalculateAllResult {
    /// `76`: a code.
    Code(Code),
    /// `77`: HOTP credential, not calculated (calculate it on its own).
    Hotp,
    /// `7C`: needs a touch; calculate it on its own.
    TouchRequired,
}

/// Parse a CALCULATE ALL reply: `71 name` then `76`, `77` or `7C` …
pub fn parse_calculate_all(data: &[u8]) -> Result<Vec<(String, CalculateAllResult)>, YkoathError> {
    let tlvs = parse_tlvs(data)?;
    let mut out = Vec::new();
    let mut it = tlvs.into_iter();
    while let Some((tag, name)) = it.next() {
        if tag != TAG_NAME {
            return Err(YkoathError::MalformedReply(format!(
                "expected 71, got {tag:02X}"
            )));
        }
        let (t, v) = it
            .next()
            .ok_or_else(|| YkoathError::MalformedReply("name without result".into()))?;
        let res = match t {
            TAG_TRUNCATED => CalculateAllResult::Code(parse_truncated(v)?),
            TAG_HOTP => CalculateAllResult::Hotp,
            TAG_TOUCH => CalculateAllResult::TouchRequired,
            other => {
                return Err(YkoathError::MalformedReply(format!(
                    "unexpected tag {other:02X}"
                )))
            }
        };
        out.push((String::from_utf8_lossy(name).into_owned(), res));
    }
    Ok(out)
}

fn random8() -> Result<[u8; 8], YkoathError> {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).map_err(|e| YkoathError::Random(e.to_string()))?;
    Ok(b)
}

/// High-level YKOATH flows, with `61 xx` continuation.
pub struct YkoathSession<T: Transport> {
    transport: T,
    selected: Option<SelectResponse>,
}

impl<T: Transport> YkoathSession<T> {
    pub fn new(transport: T) -> Self {
        YkoathSession {
            transport,
            selected: None,
        }
    }

    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    pub fn into_transport(self) -> T {
        self.transport
    }

    /// The last SELECT reply.
    pub fn selected(&self) -> Option<&SelectResponse> {
        self.selected.as_ref()
    }

    fn exchange(&mut self, apdu: &[u8]) -> Result<Response, YkoathError> {
        let raw = self.transport.transmit(apdu)?;
        Response::parse(&raw).map_err(|e| YkoathError::MalformedReply(e.to_string()))
    }

    /// Send and collect a whole reply: while the SW is `61 xx`, send
    /// `00 A5 00 00` and append.
    fn send(&mut self, apdu: &[u8], ctx: Ctx) -> Result<Vec<u8>, YkoathError> {
        let mut r = self.exchange(apdu)?;
        let mut data = std::mem::take(&mut r.data);
        // Bound the loop: 64 KiB of chained data is far beyond any device.
        let mut rounds = 0;
        while r.more_data().is_some() {
            rounds += 1;
            if rounds > 256 {
                return Err(YkoathError::MalformedReply("endless 61 xx chain".into()));
            }
            r = self.exchange(&send_remaining_apdu())?;
            data.append(&mut r.data);
        }
        check_sw(r.sw, ctx)?;
        Ok(data)
    }

    /// SELECT the applet.
    pub fn select(&mut self) -> Result<SelectResponse, YkoathError> {
        let d = self.send(&select_apdu(), Ctx::Select)?;
        let s = parse_select(&d)?;
        self.selected = Some(s.clone());
        Ok(s)
    }

    /// VALIDATE with the access password; verifies the device's response.
    pub fn validate(&mut self, password: &str) -> Result<(), YkoathError> {
        let s = self.selected.clone().ok_or(YkoathError::NotSelected)?;
        let challenge = s.challenge.clone().ok_or(YkoathError::WrongSyntax)?;
        let key = derive_access_key(password, &s.salt);
        let host = random8()?;
        let d = self.send(&validate_apdu(&key, &challenge, &host), Ctx::Validate)?;
        // The select challenge is used up either way.
        if let Some(sel) = self.selected.as_mut() {
            sel.challenge = None;
        }
        verify_validate_response(&key, &host, &d)
    }

    /// SELECT, then VALIDATE when the device asks for a password.
    pub fn open(&mut self, password: Option<&str>) -> Result<SelectResponse, YkoathError> {
        let s = self.select()?;
        if s.password_set() {
            let p = password.ok_or(YkoathError::PasswordRequired)?;
            self.validate(p)?;
        }
        Ok(s)
    }

    pub fn put(&mut self, cred: &CredentialData) -> Result<(), YkoathError> {
        let apdu = Zeroizing::new(put_apdu(cred)?);
        self.send(&apdu, Ctx::Other).map(|_| ())
    }

    pub fn delete(&mut self, name: &str) -> Result<(), YkoathError> {
        self.send(&delete_apdu(name)?, Ctx::Other).map(|_| ())
    }

    pub fn list(&mut self) -> Result<Vec<ListEntry>, YkoathError> {
        let d = self.send(&list_apdu(), Ctx::Other)?;
        parse_list(&d)
    }

    /// CALCULATE with an explicit challenge (`None` for HOTP).
    pub fn calculate(&mut self, name: &str, challenge: Option<u64>) -> Result<Code, YkoathError> {
        let d = self.send(&calculate_apdu(name, challenge)?, Ctx::Other)?;
        parse_calculate(&d)
    }

    /// CALCULATE a TOTP credential at `unix_time`, with the period taken from
    /// the name's prefix (30 without one).
    pub fn calculate_totp(&mut self, name: &str, unix_time: u64) -> Result<Code, YkoathError> {
        let (period, _, _) = parse_credential_name(OathType::Totp, name);
        self.calculate(name, Some(time_challenge(unix_time, period)))
    }

    pub fn calculate_all(
        &mut self,
        challenge: u64,
    ) -> Result<Vec<(String, CalculateAllResult)>, YkoathError> {
        let d = self.send(&calculate_all_apdu(challenge), Ctx::Other)?;
        parse_calculate_all(&d)
    }

    /// Set the access password (needs a preceding SELECT for the salt).
    pub fn set_password(&mut self, password: &str) -> Result<(), YkoathError> {
        let s = self.selected.clone().ok_or(YkoathError::NotSelected)?;
        let key = derive_access_key(password, &s.salt);
        let host = random8()?;
        self.send(&set_code_apdu(&key, &host), Ctx::Other)
            .map(|_| ())
    }

    /// Remove the access password.
    pub fn clear_password(&mut self) -> Result<(), YkoathError> {
        self.send(&clear_code_apdu(), Ctx::Other).map(|_| ())
    }

    /// RESET: wipes the applet.
    pub fn reset(&mut self) -> Result<(), YkoathError> {
        self.send(&reset_apdu(), Ctx::Other).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kat_put_example() {
        let c = CredentialData::totp(
            "Example:alice",
            OathAlgorithm::Sha1,
            6,
            b"12345678901234567890",
        );
        assert_eq!(
            hex::encode_upper(put_apdu(&c).unwrap()),
            "00010000"
                .to_string()
                + "27710D4578616D706C653A616C696365731621063132333435363738393031323334353637383930"
        );
    }

    #[test]
    fn fixed_forms() {
        assert_eq!(hex::encode_upper(select_apdu()), "00A4040007A0000005272101");
        assert_eq!(list_apdu(), vec![0, 0xA1, 0, 0]);
        assert_eq!(send_remaining_apdu(), vec![0, 0xA5, 0, 0]);
        assert_eq!(reset_apdu(), vec![0, 0x04, 0xDE, 0xAD]);
        assert_eq!(clear_code_apdu(), vec![0, 3, 0, 0, 2, 0x73, 0]);
        assert_eq!(
            hex::encode_upper(calculate_all_apdu(1)),
            "00A400010A74080000000000000001"
        );
        let c = calculate_apdu("a", Some(0x0102)).unwrap();
        assert_eq!(hex::encode_upper(c), "00A200010D71016174080000000000000102");
        let s = set_code_apdu(&[1; 16], &[2; 8]);
        assert_eq!(&s[..8], &[0, 3, 0, 0, 0x33, 0x73, 0x11, 0x21]);
        assert_eq!(s.len(), 5 + 0x33);
        let v = validate_apdu(&[1; 16], &[3; 8], &[2; 8]);
        assert_eq!(&v[..7], &[0, 0xA3, 0, 0, 0x20, 0x75, 0x14]);
        assert_eq!(&v[27..29], &[0x74, 8]);
        assert_eq!(v.len(), 5 + 0x20);
    }

    #[test]
    fn put_options_and_validation() {
        let mut c = CredentialData::totp("x", OathAlgorithm::Sha256, 8, b"short");
        c.touch = true;
        c.oath_type = OathType::Hotp;
        c.counter = Some(5);
        let a = put_apdu(&c).unwrap();
        // 71 01 'x' 73 10 12 08 <5 + 9 zero> 78 02 7A 04 00000005
        let body = &a[5..];
        assert_eq!(&body[..5], &[0x71, 1, b'x', 0x73, 16]);
        assert_eq!(&body[5..7], &[0x12, 8]);
        assert_eq!(&body[7..12], b"short");
        assert!(body[12..21].iter().all(|&b| b == 0));
        assert_eq!(&body[21..], &[0x78, 0x02, 0x7A, 4, 0, 0, 0, 5]);
        c.digits = 9;
        assert_eq!(put_apdu(&c), Err(YkoathError::InvalidDigits(9)));
        c.digits = 5;
        assert!(put_apdu(&c).is_err());
        c.digits = 6;
        c.name = "n".repeat(65);
        assert!(put_apdu(&c).is_err());
        c.name = "n".repeat(64);
        assert!(put_apdu(&c).is_ok());
    }

    #[test]
    fn key_processing() {
        assert_eq!(process_key(OathAlgorithm::Sha1, &[1; 64]).len(), 64);
        let long = process_key(OathAlgorithm::Sha1, &[1; 65]);
        use sha1::Digest;
        assert_eq!(long.as_slice(), sha1::Sha1::digest([1u8; 65]).as_slice());
        assert_eq!(process_key(OathAlgorithm::Sha256, &[1; 65]).len(), 32);
        assert_eq!(process_key(OathAlgorithm::Sha512, &[1; 128]).len(), 128);
        assert_eq!(process_key(OathAlgorithm::Sha512, &[1; 129]).len(), 64);
        assert_eq!(process_key(OathAlgorithm::Sha1, &[1; 10]).len(), 14);
    }

    #[test]
    fn names() {
        assert_eq!(
            credential_name(OathType::Totp, 30, Some("Example"), "alice").unwrap(),
            "Example:alice"
        );
        assert_eq!(
            credential_name(OathType::Totp, 60, Some("Ex"), "a").unwrap(),
            "60/Ex:a"
        );
        assert_eq!(credential_name(OathType::Hotp, 60, None, "a").unwrap(), "a");
        assert!(credential_name(OathType::Totp, 30, None, &"a".repeat(65)).is_err());
        assert_eq!(
            parse_credential_name(OathType::Totp, "60/Ex:a"),
            (60, Some("Ex".into()), "a".into())
        );
        assert_eq!(
            parse_credential_name(OathType::Hotp, "60/Ex:a"),
            (30, Some("60/Ex".into()), "a".into())
        );
        assert_eq!(
            parse_credential_name(OathType::Totp, "a"),
            (30, None, "a".into())
        );
    }

    #[test]
    fn parsing() {
        let s = parse_select(&hex::decode("790305040371080102030405060708").unwrap()).unwrap();
        assert_eq!(s.version_string(), "5.4.3");
        assert!(!s.password_set());
        let s = parse_select(
            &hex::decode(
                "79030504037108010203040506070874080807060504030201".to_string() + "7B0101",
            )
            .unwrap(),
        )
        .unwrap();
        assert!(s.password_set());
        assert_eq!(s.algorithm, Some(OathAlgorithm::Sha1));
        let l = parse_list(&[0x72, 3, 0x21, b'a', b'b', 0x72, 2, 0x12, b'c']).unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(l[1].oath_type, OathType::Hotp);
        assert_eq!(l[1].algorithm, OathAlgorithm::Sha256);
        let c = parse_calculate(&[0x76, 5, 6, 0xFF, 0xFF, 0xFF, 0xFF]).unwrap();
        // 0x7FFFFFFF = 2147483647 → 483647
        assert_eq!(c.to_string(), "483647");
        let c = parse_calculate(&[0x76, 5, 8, 0, 0, 0, 1]).unwrap();
        assert_eq!(c.to_string(), "00000001");
        let all = parse_calculate_all(&[
            0x71, 1, b'a', 0x76, 5, 6, 0, 0, 0, 7, 0x71, 1, b'b', 0x77, 1, 6, 0x71, 1, b'c', 0x7C,
            1, 6,
        ])
        .unwrap();
        assert_eq!(all[1], ("b".into(), CalculateAllResult::Hotp));
        assert_eq!(all[2].1, CalculateAllResult::TouchRequired);
        assert!(parse_tlvs(&[0x71, 5, 1]).is_err());
    }

    #[test]
    fn status_words() {
        assert_eq!(check_sw(0x6A84, Ctx::Other), Err(YkoathError::NoSpace));
        assert_eq!(check_sw(0x6982, Ctx::Other), Err(YkoathError::AuthRequired));
        assert_eq!(check_sw(0x6A80, Ctx::Other), Err(YkoathError::WrongSyntax));
        assert_eq!(
            check_sw(0x6A80, Ctx::Validate),
            Err(YkoathError::WrongPassword)
        );
        assert_eq!(
            check_sw(0x6982, Ctx::Validate),
            Err(YkoathError::WrongPassword)
        );
        assert_eq!(
            check_sw(0x6984, Ctx::Other),
            Err(YkoathError::NoSuchCredential)
        );
        assert_eq!(
            check_sw(0x6A82, Ctx::Select),
            Err(YkoathError::AppletNotFound)
        );
    }

    #[test]
    fn pbkdf2_known_answer() {
        // RFC 6070 vector 2 (2 iterations) cannot be used (1000 fixed); use
        // the ykman test vector: password "password", salt 5d 9a 14 ...
        // Instead check against an independent PBKDF2 formulation.
        let salt = [0x5Du8, 0x9A, 0x14, 0xCB, 0x1E, 0x2D, 0x33, 0x91];
        let k = derive_access_key("password", &salt);
        let mut u = hmac(
            HashAlg::Sha1,
            b"password",
            &[&salt[..], &[0, 0, 0, 1]].concat(),
        );
        let mut t = u.clone();
        for _ in 1..1000 {
            u = hmac(HashAlg::Sha1, b"password", &u);
            for (a, b) in t.iter_mut().zip(u.iter()) {
                *a ^= b;
            }
        }
        assert_eq!(k.as_slice(), &t[..16]);
    }
}
