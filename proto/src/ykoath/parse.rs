//! YKOATH replies (bytes in): TLVs, SELECT, LIST and CALCULATE answers.

use super::*;

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

/// Parsed SELECT reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectResponse {
    pub version: Vec<u8>,
    /// Salt for the access key (tag 71); a Nitrokey 3 with a PIN sends none.
    pub salt: Option<Vec<u8>>,
    /// Present when an access password is set (tag 74).
    pub challenge: Option<Vec<u8>>,
    /// Access key algorithm (tag 7B).
    pub algorithm: Option<OathAlgorithm>,
    /// The device serial (tag 8F): Nitrokey 3 sends it, YubiKeys do not.
    pub serial: Option<u32>,
    /// Nitrokey 3 with a PIN set: attempts left (tag 82).
    pub pin_attempts: Option<u8>,
}

impl SelectResponse {
    pub fn password_set(&self) -> bool {
        self.challenge.is_some()
    }
    /// The salt the access key is derived with; none means no YKOATH access password.
    pub fn salt(&self) -> Result<&[u8], YkoathError> {
        self.salt.as_deref().ok_or(YkoathError::NoAccessPassword)
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

/// Parse `79 03 <version> [71 08 <salt>] [74 08 <challenge> 7B 01 <algo>] [82 01 <attempts>]
/// [8F 04 <serial>]`. Only the version is required: a Nitrokey 3 with a PIN sends no salt.
pub fn parse_select(data: &[u8]) -> Result<SelectResponse, YkoathError> {
    let mut r = SelectResponse {
        version: Vec::new(),
        salt: None,
        challenge: None,
        algorithm: None,
        serial: None,
        pin_attempts: None,
    };
    for (tag, v) in parse_tlvs(data)? {
        match tag {
            TAG_VERSION => r.version = v.to_vec(),
            TAG_NAME => r.salt = Some(v.to_vec()),
            TAG_CHALLENGE => r.challenge = Some(v.to_vec()),
            TAG_ALGORITHM => r.algorithm = v.first().and_then(|&b| OathAlgorithm::from_byte(b)),
            TAG_SERIAL => r.serial = <[u8; 4]>::try_from(v).ok().map(u32::from_be_bytes),
            TAG_PIN_COUNTER => r.pin_attempts = v.first().copied(),
            _ => {}
        }
    }
    if r.version.is_empty() {
        return Err(YkoathError::MalformedReply("SELECT without version".into()));
    }
    if r.challenge.is_some() && r.salt.is_none() {
        return Err(YkoathError::MalformedReply(
            "SELECT asks for a password but sends no salt".into(),
        ));
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

/// A LIST reply: the HOTP/TOTP credentials, and how many entries of other kinds were
/// skipped (a Nitrokey 3's Reverse-HOTP `0x3_`, HMAC `0x4_`, password-safe entries).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    pub credentials: Vec<ListEntry>,
    pub others: usize,
}

/// Parse a LIST reply: `72 L <type|algo> <name>` … Entries of a kind or algorithm this
/// client does not know are counted, not refused.
pub fn parse_list(data: &[u8]) -> Result<Listing, YkoathError> {
    let mut out = Listing::default();
    for (tag, v) in parse_tlvs(data)? {
        if tag != TAG_NAME_LIST {
            continue;
        }
        let (&b, name) = v
            .split_first()
            .ok_or_else(|| YkoathError::MalformedReply("empty list entry".into()))?;
        match (OathType::from_byte(b), OathAlgorithm::from_byte(b)) {
            (Some(oath_type), Some(algorithm)) => out.credentials.push(ListEntry {
                oath_type,
                algorithm,
                name: String::from_utf8_lossy(name).into_owned(),
            }),
            _ => out.others += 1,
        }
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
