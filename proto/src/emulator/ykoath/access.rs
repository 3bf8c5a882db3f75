//! The access password of the emulated applet: SET CODE and VALIDATE (YubiKey and unknown
//! maker), and what a Nitrokey 3 answers to SET CODE instead.

use super::store::{find, parse_put_tlvs};
use super::YkoathCard;
use crate::apdu::{reply, sw};
use crate::ykoath::{OathType, TAG_CHALLENGE, TAG_KEY, TAG_RESPONSE};
use tokensmith_core::otp::{hmac, Algorithm};
use zeroize::Zeroizing;

/// trussed-secrets-app reads `00 03 00 00` as the YubiKey "get status" request, whatever
/// data follows: 3 version bytes and 3 filler bytes, `90 00`, and nothing is set.
pub(super) fn nitrokey_status(card: &YkoathCard) -> Vec<u8> {
    let mut d = card.version.to_vec();
    d.extend_from_slice(&[0x42, 0x42, 0x42]);
    reply(&d, sw::SUCCESS)
}

impl YkoathCard {
    pub(super) fn set_code(&mut self, data: &[u8]) -> Vec<u8> {
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

    pub(super) fn validate(&mut self, data: &[u8]) -> Vec<u8> {
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
        super::tlv(
            &mut d,
            TAG_RESPONSE,
            &hmac(Algorithm::Sha1, key.as_ref(), host),
        );
        reply(&d, sw::SUCCESS)
    }
}
