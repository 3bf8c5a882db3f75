//! Emulated YKOATH applet.

use super::{random_bytes, Card};
use crate::apdu::{reply, sw, ParsedCommand};
use crate::ykoath::{
    derive_access_key, OathAlgorithm, OathType, AID, MAX_NAME_LEN, TAG_ALGORITHM, TAG_CHALLENGE,
    TAG_HOTP, TAG_IMF, TAG_KEY, TAG_NAME, TAG_NAME_LIST, TAG_PROPERTY, TAG_RESPONSE, TAG_TOUCH,
    TAG_TRUNCATED, TAG_VERSION,
};
use tokensmith_core::otp::{hmac, truncate, Algorithm};
use zeroize::Zeroizing;

/// The YubiKey-like ATR that ykman accepts from a non-Yubico reader.
pub const YKOATH_ATR: [u8; 18] = [
    0x3B, 0x8D, 0x80, 0x01, 0x80, 0x73, 0xC0, 0x21, 0xC0, 0x57, 0x59, 0x75, 0x62, 0x69, 0x4B, 0x65,
    0x79, 0xF9,
];

/// A credential stored in the emulated applet.
#[derive(Clone)]
pub struct OathCredential {
    pub name: Vec<u8>,
    pub oath_type: OathType,
    pub algorithm: OathAlgorithm,
    pub digits: u8,
    /// The key as received (already processed by the host).
    pub key: Zeroizing<Vec<u8>>,
    pub touch: bool,
    /// HOTP moving factor.
    pub counter: u32,
}

impl std::fmt::Debug for OathCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OathCredential")
            .field("name", &String::from_utf8_lossy(&self.name))
            .field("oath_type", &self.oath_type)
            .field("algorithm", &self.algorithm)
            .field("digits", &self.digits)
            .field("touch", &self.touch)
            .field("counter", &self.counter)
            .finish()
    }
}

/// An emulated OATH applet (ATR [`YKOATH_ATR`]). Other applets answer
/// `6A 82` to SELECT. Touch-required credentials are calculated at once on
/// CALCULATE (the emulated touch always happens) but show `7C` in
/// CALCULATE ALL, like a real key.
pub struct YkoathCard {
    version: [u8; 3],
    salt: [u8; 8],
    access_key: Option<Zeroizing<[u8; 16]>>,
    authenticated: bool,
    select_challenge: Option<[u8; 8]>,
    selected: bool,
    creds: Vec<OathCredential>,
    capacity: usize,
    pending: Vec<u8>,
    max_chunk: usize,
}

impl Default for YkoathCard {
    fn default() -> Self {
        Self::new()
    }
}

fn tlv(out: &mut Vec<u8>, tag: u8, v: &[u8]) {
    out.push(tag);
    out.push(v.len() as u8);
    out.extend_from_slice(v);
}

/// Card-side TLV parse that knows `78 xx` (property, no length byte).
fn parse_put_tlvs(mut d: &[u8]) -> Option<Vec<(u8, &[u8])>> {
    let mut out = Vec::new();
    while !d.is_empty() {
        let tag = d[0];
        if tag == TAG_PROPERTY {
            out.push((tag, d.get(1..2)?));
            d = &d[2..];
            continue;
        }
        let len = *d.get(1)? as usize;
        let v = d.get(2..2 + len)?;
        out.push((tag, v));
        d = &d[2 + len..];
    }
    Some(out)
}

fn find<'a>(tlvs: &[(u8, &'a [u8])], tag: u8) -> Option<&'a [u8]> {
    tlvs.iter().find(|(t, _)| *t == tag).map(|(_, v)| *v)
}

impl YkoathCard {
    /// Empty applet without a password (version 5.4.3).
    pub fn new() -> Self {
        YkoathCard {
            version: [5, 4, 3],
            salt: random_bytes::<8>(),
            access_key: None,
            authenticated: true,
            select_challenge: None,
            selected: false,
            creds: Vec::new(),
            capacity: 32,
            pending: Vec::new(),
            max_chunk: 255,
        }
    }

    /// Applet with an access password already set.
    pub fn with_password(password: &str) -> Self {
        let mut c = Self::new();
        c.set_password(Some(password));
        c
    }

    /// Set or clear the access password directly (not via SET CODE).
    pub fn set_password(&mut self, password: Option<&str>) {
        self.access_key = password.map(|p| derive_access_key(p, &self.salt));
        self.authenticated = self.access_key.is_none();
    }

    pub fn has_password(&self) -> bool {
        self.access_key.is_some()
    }
    pub fn salt(&self) -> [u8; 8] {
        self.salt
    }
    /// Maximum number of credentials (default 32); PUT beyond → `6A 84`.
    pub fn set_capacity(&mut self, n: usize) {
        self.capacity = n;
    }
    /// Largest data part of one reply before `61 xx` chaining (default 255).
    pub fn set_max_chunk(&mut self, n: usize) {
        self.max_chunk = n.clamp(1, 256);
    }
    pub fn credentials(&self) -> &[OathCredential] {
        &self.creds
    }
    pub fn credential(&self, name: &str) -> Option<&OathCredential> {
        self.creds.iter().find(|c| c.name == name.as_bytes())
    }

    fn chunked(&mut self, mut data: Vec<u8>) -> Vec<u8> {
        if data.len() <= self.max_chunk {
            return reply(&data, sw::SUCCESS);
        }
        self.pending = data.split_off(self.max_chunk);
        let more = self.pending.len().min(255) as u16;
        // 61 00 would mean "256 or more"; 255 is a fine hint either way.
        reply(
            &data,
            0x6100 | if self.pending.len() >= 256 { 0 } else { more },
        )
    }

    fn send_remaining(&mut self) -> Vec<u8> {
        if self.pending.is_empty() {
            return reply(&[], sw::CONDITIONS_NOT_SATISFIED);
        }
        let rest = std::mem::take(&mut self.pending);
        self.chunked(rest)
    }

    fn select_reply(&mut self) -> Vec<u8> {
        let mut d = Vec::new();
        tlv(&mut d, TAG_VERSION, &self.version);
        tlv(&mut d, TAG_NAME, &self.salt);
        if self.access_key.is_some() {
            let ch = random_bytes::<8>();
            self.select_challenge = Some(ch);
            self.authenticated = false;
            tlv(&mut d, TAG_CHALLENGE, &ch);
            tlv(&mut d, TAG_ALGORITHM, &[OathAlgorithm::Sha1 as u8]);
        } else {
            self.select_challenge = None;
            self.authenticated = true;
        }
        reply(&d, sw::SUCCESS)
    }

    fn compute(cred: &OathCredential, counter: u64) -> [u8; 4] {
        truncate(&hmac(
            cred.algorithm.hash(),
            &cred.key,
            &counter.to_be_bytes(),
        ))
    }

    fn put(&mut self, data: &[u8]) -> Vec<u8> {
        let Some(tlvs) = parse_put_tlvs(data) else {
            return reply(&[], sw::WRONG_DATA);
        };
        let (Some(name), Some(key)) = (find(&tlvs, TAG_NAME), find(&tlvs, TAG_KEY)) else {
            return reply(&[], sw::WRONG_DATA);
        };
        if name.is_empty() || name.len() > MAX_NAME_LEN || key.len() < 2 {
            return reply(&[], sw::WRONG_DATA);
        }
        let (Some(t), Some(a)) = (
            OathType::from_byte(key[0]),
            OathAlgorithm::from_byte(key[0]),
        ) else {
            return reply(&[], sw::WRONG_DATA);
        };
        let digits = key[1];
        if !(6..=8).contains(&digits) {
            return reply(&[], sw::WRONG_DATA);
        }
        let touch = find(&tlvs, TAG_PROPERTY).is_some_and(|v| v[0] & 0x02 != 0);
        let counter = match find(&tlvs, TAG_IMF) {
            Some(v) if v.len() == 4 => u32::from_be_bytes([v[0], v[1], v[2], v[3]]),
            Some(_) => return reply(&[], sw::WRONG_DATA),
            None => 0,
        };
        let cred = OathCredential {
            name: name.to_vec(),
            oath_type: t,
            algorithm: a,
            digits,
            key: Zeroizing::new(key[2..].to_vec()),
            touch,
            counter,
        };
        if let Some(existing) = self.creds.iter_mut().find(|c| c.name == name) {
            *existing = cred;
        } else {
            if self.creds.len() >= self.capacity {
                return reply(&[], sw::NOT_ENOUGH_MEMORY);
            }
            self.creds.push(cred);
        }
        reply(&[], sw::SUCCESS)
    }

    fn calculate(&mut self, p2: u8, data: &[u8]) -> Vec<u8> {
        let Some(tlvs) = parse_put_tlvs(data) else {
            return reply(&[], sw::WRONG_DATA);
        };
        let (Some(name), Some(ch)) = (find(&tlvs, TAG_NAME), find(&tlvs, TAG_CHALLENGE)) else {
            return reply(&[], sw::WRONG_DATA);
        };
        if ch.len() > 8 {
            return reply(&[], sw::WRONG_DATA);
        }
        let Some(cred) = self.creds.iter_mut().find(|c| c.name == name) else {
            return reply(&[], sw::NO_SUCH_OBJECT);
        };
        let counter = match cred.oath_type {
            OathType::Totp => {
                let mut b = [0u8; 8];
                b[8 - ch.len()..].copy_from_slice(ch);
                u64::from_be_bytes(b)
            }
            OathType::Hotp => {
                let c = u64::from(cred.counter);
                cred.counter = cred.counter.wrapping_add(1);
                c
            }
        };
        let mut d = Vec::new();
        if p2 == 0x01 {
            let t = Self::compute(cred, counter);
            let mut v = vec![cred.digits];
            v.extend_from_slice(&t);
            tlv(&mut d, TAG_TRUNCATED, &v);
        } else {
            let mut v = vec![cred.digits];
            v.extend_from_slice(&hmac(
                cred.algorithm.hash(),
                &cred.key,
                &counter.to_be_bytes(),
            ));
            tlv(&mut d, TAG_RESPONSE, &v);
        }
        reply(&d, sw::SUCCESS)
    }

    fn calculate_all(&mut self, data: &[u8]) -> Vec<u8> {
        let Some(tlvs) = parse_put_tlvs(data) else {
            return reply(&[], sw::WRONG_DATA);
        };
        let Some(ch) = find(&tlvs, TAG_CHALLENGE).filter(|c| c.len() <= 8) else {
            return reply(&[], sw::WRONG_DATA);
        };
        let mut b = [0u8; 8];
        b[8 - ch.len()..].copy_from_slice(ch);
        let counter = u64::from_be_bytes(b);
        let mut d = Vec::new();
        for cred in &self.creds {
            tlv(&mut d, TAG_NAME, &cred.name);
            match (cred.oath_type, cred.touch) {
                (OathType::Hotp, _) => tlv(&mut d, TAG_HOTP, &[cred.digits]),
                (OathType::Totp, true) => tlv(&mut d, TAG_TOUCH, &[cred.digits]),
                (OathType::Totp, false) => {
                    let mut v = vec![cred.digits];
                    v.extend_from_slice(&Self::compute(cred, counter));
                    tlv(&mut d, TAG_TRUNCATED, &v);
                }
            }
        }
        self.chunked(d)
    }

    fn set_code(&mut self, data: &[u8]) -> Vec<u8> {
        if data == [TAG_KEY, 0] {
            self.access_key = None;
            self.authenticated = true;
            return reply(&[], sw::SUCCESS);
        }
        let Some(tlvs) = parse_put_tlvs(data) else {
            return reply(&[], sw::WRONG_DATA);
        };
        let (Some(k), Some(ch), Some(resp)) = (
            find(&tlvs, TAG_KEY),
            find(&tlvs, TAG_CHALLENGE),
            find(&tlvs, TAG_RESPONSE),
        ) else {
            return reply(&[], sw::WRONG_DATA);
        };
        if k.len() != 17 || OathType::from_byte(k[0]) != Some(OathType::Totp) {
            return reply(&[], sw::WRONG_DATA);
        }
        if hmac(Algorithm::Sha1, &k[1..], ch).as_slice() != resp {
            return reply(&[], sw::WRONG_DATA);
        }
        let mut key = Zeroizing::new([0u8; 16]);
        key.copy_from_slice(&k[1..]);
        self.access_key = Some(key);
        reply(&[], sw::SUCCESS)
    }

    fn validate(&mut self, data: &[u8]) -> Vec<u8> {
        let challenge = self.select_challenge.take();
        let (Some(key), Some(challenge)) = (self.access_key.as_ref(), challenge) else {
            return reply(&[], sw::WRONG_DATA);
        };
        let Some(tlvs) = parse_put_tlvs(data) else {
            return reply(&[], sw::WRONG_DATA);
        };
        let (Some(resp), Some(host)) = (find(&tlvs, TAG_RESPONSE), find(&tlvs, TAG_CHALLENGE))
        else {
            return reply(&[], sw::WRONG_DATA);
        };
        if hmac(Algorithm::Sha1, key.as_ref(), &challenge).as_slice() != resp {
            self.authenticated = false;
            return reply(&[], sw::WRONG_DATA);
        }
        self.authenticated = true;
        let mut d = Vec::new();
        tlv(
            &mut d,
            TAG_RESPONSE,
            &hmac(Algorithm::Sha1, key.as_ref(), host),
        );
        reply(&d, sw::SUCCESS)
    }

    fn reset_applet(&mut self) {
        self.creds.clear();
        self.access_key = None;
        self.authenticated = true;
        self.select_challenge = None;
        self.salt = random_bytes::<8>();
    }
}

impl Card for YkoathCard {
    fn atr(&self) -> Vec<u8> {
        YKOATH_ATR.to_vec()
    }

    fn power_off(&mut self) {
        self.selected = false;
        self.select_challenge = None;
        self.authenticated = self.access_key.is_none();
        self.pending.clear();
    }

    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        let Ok(c) = ParsedCommand::parse(apdu) else {
            return reply(&[], sw::WRONG_LENGTH);
        };
        if c.cla != 0x00 {
            return reply(&[], sw::CLA_NOT_SUPPORTED);
        }
        if c.ins == 0xA5 {
            return self.send_remaining();
        }
        self.pending.clear();
        if c.ins == 0xA4 && c.p1 == 0x04 {
            if c.data == AID {
                self.selected = true;
                return self.select_reply();
            }
            self.selected = false;
            return reply(&[], sw::FILE_NOT_FOUND);
        }
        if !self.selected {
            return reply(&[], sw::INS_NOT_SUPPORTED);
        }
        let gated = matches!(c.ins, 0x01 | 0x02 | 0x03 | 0xA1 | 0xA2 | 0xA4);
        if gated && !self.authenticated {
            return reply(&[], sw::SECURITY_STATUS_NOT_SATISFIED);
        }
        match c.ins {
            0x01 => self.put(c.data),
            0x02 => {
                let name =
                    parse_put_tlvs(c.data).and_then(|t| find(&t, TAG_NAME).map(<[u8]>::to_vec));
                let Some(name) = name else {
                    return reply(&[], sw::WRONG_DATA);
                };
                let before = self.creds.len();
                self.creds.retain(|cr| cr.name != name);
                if self.creds.len() == before {
                    reply(&[], sw::NO_SUCH_OBJECT)
                } else {
                    reply(&[], sw::SUCCESS)
                }
            }
            0x03 => self.set_code(c.data),
            0x04 => {
                if (c.p1, c.p2) != (0xDE, 0xAD) {
                    return reply(&[], sw::INCORRECT_P1P2);
                }
                self.reset_applet();
                reply(&[], sw::SUCCESS)
            }
            0xA1 => {
                let mut d = Vec::new();
                for cr in &self.creds {
                    let mut v = vec![cr.oath_type as u8 | cr.algorithm as u8];
                    v.extend_from_slice(&cr.name);
                    tlv(&mut d, TAG_NAME_LIST, &v);
                }
                self.chunked(d)
            }
            0xA2 => self.calculate(c.p2, c.data),
            0xA3 => self.validate(c.data),
            0xA4 => self.calculate_all(c.data),
            _ => reply(&[], sw::INS_NOT_SUPPORTED),
        }
    }
}
