//! A YubiKey's management and OTP applets, as far as the device serial goes: the management
//! applet answers SELECT with its version as text and READ CONFIG with the device info TLVs
//! yubikit reads (ykman needs the supported/enabled capabilities beside the serial); the OTP
//! applet answers SELECT with its status and `00 01 10 00` with the serial.

use super::{Applet, OathMaker, YkoathCard};
use crate::apdu::{reply, sw, ParsedCommand};
use crate::yubico::{
    INS_OTP_API, INS_READ_CONFIG, MANAGEMENT_AID, OTP_AID, SLOT_DEVICE_SERIAL, TAG_CONFIG_LOCK,
    TAG_FORM_FACTOR, TAG_NFC_ENABLED, TAG_NFC_SUPPORTED, TAG_SERIAL, TAG_USB_ENABLED,
    TAG_USB_SUPPORTED, TAG_VERSION,
};

/// OTP, U2F, OpenPGP, PIV, OATH and FIDO2: a YubiKey 5 NFC's capabilities.
const CAPABILITIES: [u8; 2] = [0x02, 0x3B];

/// The SELECT answer of a YubiKey applet other than OATH, when this key has it.
pub(super) fn select(card: &YkoathCard, aid: &[u8]) -> Option<(Applet, Vec<u8>)> {
    let OathMaker::YubiKey {
        serial,
        management,
        otp,
    } = card.maker
    else {
        return None;
    };
    let [a, b, c] = card.version;
    if management && aid == MANAGEMENT_AID {
        let text = format!("{a}.{b}.{c}");
        return Some((Applet::Management, reply(text.as_bytes(), sw::SUCCESS)));
    }
    // The emulated OTP applet exists only with a visible serial (what a hidden one answers
    // is not documented).
    if otp && serial.is_some() && aid == OTP_AID {
        // Version, programming sequence, touch level.
        return Some((Applet::Otp, reply(&[a, b, c, 1, 0, 0], sw::SUCCESS)));
    }
    None
}

fn device_info(card: &YkoathCard) -> Vec<u8> {
    let serial = match card.maker {
        OathMaker::YubiKey { serial, .. } => serial,
        _ => None,
    };
    let mut tlvs = Vec::new();
    let mut put = |tag: u8, v: &[u8]| super::tlv(&mut tlvs, tag, v);
    put(TAG_USB_SUPPORTED, &CAPABILITIES);
    if let Some(s) = serial {
        put(TAG_SERIAL, &s.to_be_bytes());
    }
    put(TAG_USB_ENABLED, &CAPABILITIES);
    put(TAG_FORM_FACTOR, &[0x01]);
    put(TAG_VERSION, &card.version);
    put(TAG_CONFIG_LOCK, &[0x00]);
    put(TAG_NFC_SUPPORTED, &CAPABILITIES);
    put(TAG_NFC_ENABLED, &CAPABILITIES);
    let mut out = vec![tlvs.len() as u8];
    out.extend_from_slice(&tlvs);
    out
}

pub(super) fn process(card: &mut YkoathCard, applet: Applet, c: &ParsedCommand) -> Vec<u8> {
    match (applet, c.ins, c.p1) {
        // READ CONFIG from 4.1.0 (yubikit's `read_device_info`); a NEO does not have it.
        (Applet::Management, INS_READ_CONFIG, 0) if card.version >= [4, 1, 0] => {
            reply(&device_info(card), sw::SUCCESS)
        }
        (Applet::Otp, INS_OTP_API, SLOT_DEVICE_SERIAL) => match card.maker {
            OathMaker::YubiKey {
                serial: Some(s), ..
            } => reply(&s.to_be_bytes(), sw::SUCCESS),
            _ => reply(&[], sw::CONDITIONS_NOT_SATISFIED),
        },
        _ => reply(&[], sw::INS_NOT_SUPPORTED),
    }
}
