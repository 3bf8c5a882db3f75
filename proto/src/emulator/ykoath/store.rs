//! The credential commands of the emulated applet: PUT, DELETE, RENAME, LIST, CALCULATE and
//! CALCULATE ALL, each as the emulated maker answers it.

use super::{tlv, OathCredential, OathMaker, YkoathCard};
use crate::apdu::{reply, sw};
use crate::ykoath::{
    OathAlgorithm, OathType, MAX_NAME_LEN, TAG_CHALLENGE, TAG_HOTP, TAG_IMF, TAG_KEY, TAG_NAME,
    TAG_NAME_LIST, TAG_PROPERTY, TAG_RESPONSE, TAG_TOUCH, TAG_TRUNCATED,
};
use tokensmith_core::otp::{hmac, truncate};
use zeroize::Zeroizing;

/// Card-side TLV parse that knows `78 xx` (property, no length byte).
pub(super) fn parse_put_tlvs(mut d: &[u8]) -> Option<Vec<(u8, &[u8])>> {
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

pub(super) fn find<'a>(tlvs: &[(u8, &'a [u8])], tag: u8) -> Option<&'a [u8]> {
    tlvs.iter().find(|(t, _)| *t == tag).map(|(_, v)| *v)
}

fn be_counter(ch: &[u8]) -> Option<u64> {
    if ch.len() > 8 {
        return None;
    }
    let mut b = [0u8; 8];
    b[8 - ch.len()..].copy_from_slice(ch);
    Some(u64::from_be_bytes(b))
}

impl YkoathCard {
    /// "Not found" as the maker says it: `69 84` on a YubiKey, `6A 82` on a Nitrokey 3.
    fn not_found(&self) -> Vec<u8> {
        if self.is_nitrokey() {
            reply(&[], sw::FILE_NOT_FOUND)
        } else {
            reply(&[], sw::NO_SUCH_OBJECT)
        }
    }

    fn compute(cred: &OathCredential, counter: u64) -> [u8; 4] {
        truncate(&hmac(
            cred.algorithm.hash(),
            &cred.key,
            &counter.to_be_bytes(),
        ))
    }

    pub(super) fn put(&mut self, data: &[u8]) -> Vec<u8> {
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
        let counter = match (find(&tlvs, TAG_IMF), t) {
            // trussed-secrets-app reads 7A only for HOTP; after a TOTP key it is an unknown tag.
            (Some(_), OathType::Totp) if self.is_nitrokey() => return reply(&[], sw::WRONG_DATA),
            (Some(v), _) if v.len() == 4 => u32::from_be_bytes([v[0], v[1], v[2], v[3]]),
            (Some(_), _) => return reply(&[], sw::WRONG_DATA),
            (None, _) => 0,
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
        if self.is_nitrokey() {
            return self.nitrokey_put(cred);
        }
        let existing = match self.maker {
            // YubiKey 4 below 4.3.5: a name that begins an existing one lands on that one.
            OathMaker::YubiKey { .. } if self.version > [4, 0, 0] && self.version < [4, 3, 5] => {
                self.creds.iter().position(|c| c.name.starts_with(name))
            }
            _ => self.creds.iter().position(|c| c.name == name),
        };
        match existing {
            Some(i) => {
                let longer = std::mem::take(&mut self.creds[i].name);
                self.creds[i] = OathCredential {
                    name: longer,
                    ..cred
                };
            }
            None if self.creds.len() >= self.capacity => {
                return reply(&[], sw::NOT_ENOUGH_MEMORY);
            }
            None => self.creds.push(cred),
        }
        reply(&[], sw::SUCCESS)
    }

    /// trussed-secrets-app's order: the touch (for a touch credential), the space, then "the
    /// name exists" (`69 83`): it never overwrites.
    fn nitrokey_put(&mut self, cred: OathCredential) -> Vec<u8> {
        if cred.touch {
            if let Err(e) = self.touch() {
                return e;
            }
        }
        if self.creds.len() + self.others.len() >= self.capacity {
            return reply(&[], sw::NOT_ENOUGH_MEMORY);
        }
        let taken = self.creds.iter().any(|c| c.name == cred.name)
            || self.others.iter().any(|o| o.name == cred.name);
        if taken {
            return reply(&[], sw::AUTH_METHOD_BLOCKED);
        }
        self.creds.push(cred);
        reply(&[], sw::SUCCESS)
    }

    pub(super) fn delete(&mut self, data: &[u8]) -> Vec<u8> {
        if self.is_nitrokey() {
            if let Err(e) = self.touch() {
                return e;
            }
        }
        let name = parse_put_tlvs(data).and_then(|t| find(&t, TAG_NAME).map(<[u8]>::to_vec));
        let Some(name) = name else {
            return reply(&[], sw::WRONG_DATA);
        };
        let before = self.creds.len() + self.others.len();
        self.creds.retain(|cr| cr.name != name);
        self.others.retain(|o| o.name != name);
        if self.creds.len() + self.others.len() == before {
            self.not_found()
        } else {
            reply(&[], sw::SUCCESS)
        }
    }

    /// RENAME `71 old 71 new` (only reached on a YubiKey 5.3.1+). A taken new name answers
    /// `6A 80` (not documented; the bridge never sends one: it lists first).
    pub(super) fn rename(&mut self, data: &[u8]) -> Vec<u8> {
        let names: Option<Vec<&[u8]>> = parse_put_tlvs(data).map(|t| {
            t.into_iter()
                .filter(|(tag, _)| *tag == TAG_NAME)
                .map(|(_, v)| v)
                .collect()
        });
        let Some([old, new]) = names.as_deref() else {
            return reply(&[], sw::WRONG_DATA);
        };
        if new.is_empty() || new.len() > MAX_NAME_LEN || self.creds.iter().any(|c| c.name == *new) {
            return reply(&[], sw::WRONG_DATA);
        }
        match self.creds.iter_mut().find(|c| c.name == *old) {
            Some(c) => {
                c.name = new.to_vec();
                reply(&[], sw::SUCCESS)
            }
            None => self.not_found(),
        }
    }

    pub(super) fn list(&mut self) -> Vec<u8> {
        let mut d = Vec::new();
        for cr in &self.creds {
            let mut v = vec![cr.oath_type as u8 | cr.algorithm as u8];
            v.extend_from_slice(&cr.name);
            tlv(&mut d, TAG_NAME_LIST, &v);
        }
        for o in &self.others {
            let mut v = vec![o.kind];
            v.extend_from_slice(&o.name);
            tlv(&mut d, TAG_NAME_LIST, &v);
        }
        self.chunked(d)
    }

    pub(super) fn calculate(&mut self, p2: u8, data: &[u8]) -> Vec<u8> {
        let Some(tlvs) = parse_put_tlvs(data) else {
            return reply(&[], sw::WRONG_DATA);
        };
        let (Some(name), Some(ch)) = (find(&tlvs, TAG_NAME), find(&tlvs, TAG_CHALLENGE)) else {
            return reply(&[], sw::WRONG_DATA);
        };
        let Some(challenge) = be_counter(ch) else {
            return reply(&[], sw::WRONG_DATA);
        };
        if self.others.iter().any(|o| o.name == name) {
            return reply(&[], sw::CONDITIONS_NOT_SATISFIED);
        }
        let Some(i) = self.creds.iter().position(|c| c.name == name) else {
            return self.not_found();
        };
        if self.creds[i].touch {
            if let Err(e) = self.touch() {
                return e;
            }
        }
        let nitrokey = self.is_nitrokey();
        let cred = &mut self.creds[i];
        if nitrokey && cred.algorithm == OathAlgorithm::Sha512 {
            return reply(&[], sw::FUNCTION_NOT_SUPPORTED);
        }
        let counter = match cred.oath_type {
            OathType::Totp => challenge,
            OathType::Hotp => {
                let c = u64::from(cred.counter);
                cred.counter = cred.counter.wrapping_add(1);
                c
            }
        };
        let mut d = Vec::new();
        let mut v = vec![cred.digits];
        if p2 == 0x01 {
            v.extend_from_slice(&Self::compute(cred, counter));
            tlv(&mut d, TAG_TRUNCATED, &v);
        } else {
            v.extend_from_slice(&hmac(
                cred.algorithm.hash(),
                &cred.key,
                &counter.to_be_bytes(),
            ));
            tlv(&mut d, TAG_RESPONSE, &v);
        }
        reply(&d, sw::SUCCESS)
    }

    pub(super) fn calculate_all(&mut self, data: &[u8]) -> Vec<u8> {
        let Some(tlvs) = parse_put_tlvs(data) else {
            return reply(&[], sw::WRONG_DATA);
        };
        let Some(counter) = find(&tlvs, TAG_CHALLENGE).and_then(be_counter) else {
            return reply(&[], sw::WRONG_DATA);
        };
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
}
