//! Yubico's applets beside OATH, for the one thing the bridge needs from them: the device
//! serial. The OATH salt is not one (it changes on every OATH reset), and the serial goes into
//! the Entra upload. ykman reads it from the management applet (READ CONFIG, tag `02`),
//! keyroost from the OTP applet (`00 01 10 00 00` → u32 big-endian); both are tried, in that
//! order (ykoath.md, "Device serials").

use crate::apdu::{sw, Command};
use crate::exchange::{Chaining, Channel, ExchangeError};
use crate::status::Protocol;
use crate::transport::{Transport, TransportError};
use crate::ykoath::parse_tlvs;

/// The management applet (YubiKey 4.1 and later read their configuration here).
pub const MANAGEMENT_AID: [u8; 8] = [0xA0, 0x00, 0x00, 0x05, 0x27, 0x47, 0x11, 0x17];
/// The OTP applet.
pub const OTP_AID: [u8; 8] = [0xA0, 0x00, 0x00, 0x05, 0x27, 0x20, 0x01, 0x01];
/// READ CONFIG (P1: page).
pub const INS_READ_CONFIG: u8 = 0x1D;
/// The OTP applet's API request; P1 [`SLOT_DEVICE_SERIAL`] answers the serial.
pub const INS_OTP_API: u8 = 0x01;
pub const SLOT_DEVICE_SERIAL: u8 = 0x10;
/// Device info tags (yubikit's management module).
pub const TAG_USB_SUPPORTED: u8 = 0x01;
pub const TAG_SERIAL: u8 = 0x02;
pub const TAG_USB_ENABLED: u8 = 0x03;
pub const TAG_FORM_FACTOR: u8 = 0x04;
pub const TAG_VERSION: u8 = 0x05;
pub const TAG_CONFIG_LOCK: u8 = 0x0A;
pub const TAG_NFC_SUPPORTED: u8 = 0x0D;
pub const TAG_NFC_ENABLED: u8 = 0x0E;

/// Where a serial was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SerialSource {
    Management,
    Otp,
}

/// SELECT by AID: `00 A4 04 00 Lc AID`.
pub fn select_apdu(aid: &[u8]) -> Vec<u8> {
    Command::with_data(0x00, 0xA4, 0x04, 0x00, aid.to_vec()).to_bytes()
}

/// READ CONFIG of page 0: `00 1D 00 00`.
pub fn read_config_apdu() -> Vec<u8> {
    Command::new(0x00, INS_READ_CONFIG, 0, 0).to_bytes()
}

/// The OTP applet's serial request: `00 01 10 00 00`.
pub fn otp_serial_apdu() -> Vec<u8> {
    Command::new(0x00, INS_OTP_API, SLOT_DEVICE_SERIAL, 0)
        .le(0)
        .to_bytes()
}

/// The serial in a READ CONFIG reply: `<length> <TLVs>`, tag `02`, big-endian. `None` when
/// the reply is not that shape or holds no (or a zero) serial: a key with the serial hidden.
pub fn parse_device_info_serial(data: &[u8]) -> Option<u32> {
    let (&len, tlvs) = data.split_first()?;
    if usize::from(len) != tlvs.len() {
        return None;
    }
    let v = parse_tlvs(tlvs)
        .ok()?
        .into_iter()
        .find(|(t, _)| *t == TAG_SERIAL)?
        .1;
    be_serial(v)
}

/// A big-endian serial of 1–4 bytes; 0 is no serial.
fn be_serial(v: &[u8]) -> Option<u32> {
    if v.is_empty() || v.len() > 4 {
        return None;
    }
    let n = v.iter().fold(0u32, |n, b| n << 8 | u32::from(*b));
    (n != 0).then_some(n)
}

/// Ask for the device serial: the management applet, else the OTP applet. `Ok(None)` when
/// neither gives one (not a YubiKey, or its serial is hidden); only a failing transport (a
/// card pulled) is an error. Leaves no applet selected that the caller relies on: select the
/// OATH applet again before OATH commands.
pub fn read_serial<T: Transport>(t: T) -> Result<Option<(u32, SerialSource)>, TransportError> {
    let mut ch = Channel::new(t, Protocol::Ykoath, Chaining::GetResponse);
    let mut ask = |apdu: &[u8]| match ch.transmit(apdu) {
        Ok(r) => Ok((r.sw == sw::SUCCESS).then_some(r.data)),
        Err(ExchangeError::Transport(e)) => Err(e),
        Err(ExchangeError::Malformed(_)) => Ok(None),
    };
    if ask(&select_apdu(&MANAGEMENT_AID))?.is_some() {
        if let Some(serial) = ask(&read_config_apdu())?
            .as_deref()
            .and_then(parse_device_info_serial)
        {
            return Ok(Some((serial, SerialSource::Management)));
        }
    }
    if ask(&select_apdu(&OTP_AID))?.is_some() {
        if let Some(serial) = ask(&otp_serial_apdu())?
            .filter(|d| d.len() == 4)
            .as_deref()
            .and_then(be_serial)
        {
            return Ok(Some((serial, SerialSource::Otp)));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apdus_are_the_documented_bytes() {
        assert_eq!(
            select_apdu(&MANAGEMENT_AID),
            [0x00, 0xA4, 0x04, 0x00, 0x08, 0xA0, 0x00, 0x00, 0x05, 0x27, 0x47, 0x11, 0x17]
        );
        assert_eq!(read_config_apdu(), [0x00, 0x1D, 0x00, 0x00]);
        assert_eq!(otp_serial_apdu(), [0x00, 0x01, 0x10, 0x00, 0x00]);
    }

    #[test]
    fn device_info_serial() {
        // length, USB supported 02 02 3B, serial 02 04 00 BC 61 4E (12345678), form factor.
        let info = [
            0x0C, 0x01, 0x02, 0x02, 0x3B, 0x02, 0x04, 0x00, 0xBC, 0x61, 0x4E, 0x04, 0x01, 0x01,
        ];
        assert_eq!(
            parse_device_info_serial(&info[..]),
            None,
            "length byte wrong"
        );
        let mut ok = info.to_vec();
        ok[0] = 13;
        assert_eq!(parse_device_info_serial(&ok), Some(12_345_678));
        // No serial tag (serial hidden) or a zero serial: none.
        assert_eq!(parse_device_info_serial(&[4, 0x01, 0x02, 0x02, 0x3B]), None);
        assert_eq!(parse_device_info_serial(&[6, 0x02, 0x04, 0, 0, 0, 0]), None);
        assert_eq!(parse_device_info_serial(&[]), None);
    }
}
