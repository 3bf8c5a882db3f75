//! YKOATH commands (bytes out): credential names, key processing, and every APDU.

use tokensmith_core::otp::{hmac, Algorithm as HashAlg};
use zeroize::Zeroizing;

use super::*;
use crate::apdu::Command;

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
    /// HOTP initial counter (`7A 04`), sent only when above 0 (as ykman does; a Nitrokey 3
    /// answers `6A 80` to `7A` on a TOTP credential). Refused on TOTP.
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

/// PUT: `00 01 00 00 Lc 71 L name 73 L <type|algo> <digits> <key> [78 02] [7A 04 counter]`
/// (`7A` for HOTP with a counter above 0 only).
pub fn put_apdu(cred: &CredentialData) -> Result<Zeroizing<Vec<u8>>, YkoathError> {
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
    match (cred.oath_type, cred.counter) {
        (OathType::Hotp, Some(c)) if c > 0 => {
            body.extend_from_slice(&tlv(TAG_IMF, &c.to_be_bytes()));
        }
        (OathType::Totp, Some(c)) if c > 0 => return Err(YkoathError::CounterOnTotp),
        _ => {}
    }
    if body.len() > 255 {
        return Err(YkoathError::InvalidSecret("command too long".into()));
    }
    let cmd = Command::with_data(0x00, INS_PUT, 0, 0, std::mem::take(&mut *body));
    Ok(Zeroizing::new(cmd.to_bytes()))
}

/// DELETE: `00 02 00 00 Lc 71 L name`.
pub fn delete_apdu(name: &str) -> Result<Vec<u8>, YkoathError> {
    check_name(name)?;
    Ok(Command::with_data(0x00, INS_DELETE, 0, 0, tlv(TAG_NAME, name.as_bytes())).to_bytes())
}

/// RENAME (YubiKey 5.3.1+): `00 05 00 00 Lc 71 L name 71 L new name`.
pub fn rename_apdu(name: &str, new_name: &str) -> Result<Vec<u8>, YkoathError> {
    check_name(name)?;
    check_name(new_name)?;
    let mut body = tlv(TAG_NAME, name.as_bytes());
    body.extend_from_slice(&tlv(TAG_NAME, new_name.as_bytes()));
    Ok(Command::with_data(0x00, INS_RENAME, 0, 0, body).to_bytes())
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
pub fn set_code_apdu(access_key: &[u8; 16], host_challenge: &[u8; 8]) -> Zeroizing<Vec<u8>> {
    let mut kv = Zeroizing::new(vec![OathType::Totp as u8 | OathAlgorithm::Sha1 as u8]);
    kv.extend_from_slice(access_key);
    let mut body = Zeroizing::new(tlv(TAG_KEY, &kv));
    body.extend_from_slice(&tlv(TAG_CHALLENGE, host_challenge));
    body.extend_from_slice(&tlv(
        TAG_RESPONSE,
        &hmac(HashAlg::Sha1, access_key, host_challenge),
    ));
    let cmd = Command::with_data(0x00, INS_SET_CODE, 0, 0, std::mem::take(&mut *body));
    Zeroizing::new(cmd.to_bytes())
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
    #[cfg(fuzzing)]
    if let Some(key) = fuzzing_memo::get(password, salt) {
        return key;
    }
    let mut key = Zeroizing::new([0u8; 16]);
    pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password.as_bytes(), salt, 1000, key.as_mut());
    #[cfg(fuzzing)]
    fuzzing_memo::put(password, salt, &key);
    key
}

/// Only in fuzzing builds (`cargo fuzz` sets `cfg(fuzzing)`): the last key derived, so the
/// `card` target's password-protected applet (whose emulator and host derive the same key for
/// every input) spends its time on the protocol instead of 1,000 PBKDF2 rounds per input
/// (80 % of its time before). The key returned is the same either way.
#[cfg(fuzzing)]
mod fuzzing_memo {
    use std::cell::RefCell;
    use zeroize::Zeroizing;

    type Entry = (String, Vec<u8>, Zeroizing<[u8; 16]>);

    thread_local! {
        static LAST: RefCell<Option<Entry>> = const { RefCell::new(None) };
    }

    pub fn get(password: &str, salt: &[u8]) -> Option<Zeroizing<[u8; 16]>> {
        LAST.with_borrow(|last| {
            last.as_ref()
                .filter(|(p, s, _)| p == password && s == salt)
                .map(|(_, _, k)| k.clone())
        })
    }

    pub fn put(password: &str, salt: &[u8], key: &Zeroizing<[u8; 16]>) {
        LAST.set(Some((password.into(), salt.into(), key.clone())));
    }
}

/// TOTP challenge for a time: floor(time / period).
pub fn time_challenge(unix_time: u64, period: u32) -> u64 {
    unix_time / u64::from(period.max(1))
}
