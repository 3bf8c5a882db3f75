//! Short ISO 7816-4 APDUs.
//!
//! Token2 firmware reads byte 5 as Lc *always* (never as Le), so commands to
//! Token2 devices must be built exactly in the forms of the reference tables;
//! the protocol modules do that by choosing `data`/`le` accordingly.

use std::fmt;

use zeroize::Zeroizing;

use crate::status::{Protocol, StatusWord, SwError};

/// Errors while encoding or decoding APDUs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApduError {
    /// A reply must hold at least SW1 SW2.
    #[error("reply too short: {0} bytes (need at least 2 for the status word)")]
    ResponseTooShort(usize),
    /// Short APDUs carry at most 255 data bytes.
    #[error("command data too long for a short APDU: {0} bytes")]
    DataTooLong(usize),
    /// The command bytes are malformed.
    #[error("malformed command APDU")]
    MalformedCommand,
}

/// A short command APDU.
///
/// Encoding ([`Command::to_bytes`]):
/// - `CLA INS P1 P2` always;
/// - then `Lc data` when `data` is not empty;
/// - then `Le` when `le` is `Some`.
///
/// So `le: Some(0)` with empty data gives the 5-byte form `CLA INS P1 P2 00`
/// used by many Token2/Molto2 commands, and `le: None` with empty data gives
/// the 4-byte case-1 form used by YKOATH (`00 A1 00 00`).
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    /// May hold key material (a processed OATH key, an access key): wiped on drop.
    pub data: Zeroizing<Vec<u8>>,
    pub le: Option<u8>,
}

impl fmt::Debug for Command {
    // Data may be ciphertext of secrets; show only its length.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Command")
            .field("cla", &format_args!("{:02X}", self.cla))
            .field("ins", &format_args!("{:02X}", self.ins))
            .field("p1", &format_args!("{:02X}", self.p1))
            .field("p2", &format_args!("{:02X}", self.p2))
            .field("data_len", &self.data.len())
            .field("le", &self.le)
            .finish()
    }
}

impl Command {
    /// Header-only command (4 bytes when encoded).
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Command {
            cla,
            ins,
            p1,
            p2,
            data: Zeroizing::new(Vec::new()),
            le: None,
        }
    }

    /// Command with a data field.
    pub fn with_data(cla: u8, ins: u8, p1: u8, p2: u8, data: Vec<u8>) -> Self {
        Command {
            cla,
            ins,
            p1,
            p2,
            data: Zeroizing::new(data),
            le: None,
        }
    }

    /// Set the trailing byte (Le, or the lone `00` of `CLA INS P1 P2 00`).
    pub fn le(mut self, le: u8) -> Self {
        self.le = Some(le);
        self
    }

    /// Encode as a short APDU.
    ///
    /// # Panics
    /// Never for data up to 255 bytes; longer data is a programming error of
    /// the caller and panics (all builders in this crate stay below).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.try_to_bytes()
            .expect("short APDU data must be at most 255 bytes")
    }

    /// Encode as a short APDU, refusing data longer than 255 bytes.
    pub fn try_to_bytes(&self) -> Result<Vec<u8>, ApduError> {
        let mut out = Vec::with_capacity(6 + self.data.len());
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        if !self.data.is_empty() {
            let lc = u8::try_from(self.data.len())
                .map_err(|_| ApduError::DataTooLong(self.data.len()))?;
            out.push(lc);
            out.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            out.push(le);
        }
        Ok(out)
    }
}

/// A parsed command as a card sees it, using the Token2 rule that byte 5 is
/// always Lc. `trailing` holds bytes after `Lc` data (an Le, if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCommand<'a> {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    /// Byte 5 (0 when the APDU has only 4 bytes).
    pub lc: usize,
    /// The `lc` data bytes.
    pub data: &'a [u8],
    /// Bytes after the data (for example an Le byte).
    pub trailing: &'a [u8],
    /// True for a 4-byte APDU.
    pub header_only: bool,
}

impl<'a> ParsedCommand<'a> {
    /// Parse with "byte 5 is Lc". Errors if shorter than 4 bytes or if
    /// byte 5 promises more data than follows (cards answer `67 00`).
    pub fn parse(apdu: &'a [u8]) -> Result<Self, ApduError> {
        if apdu.len() < 4 {
            return Err(ApduError::MalformedCommand);
        }
        let (lc, data, trailing, header_only) = if apdu.len() == 4 {
            (0, &apdu[4..4], &apdu[4..4], true)
        } else {
            let lc = apdu[4] as usize;
            let rest = &apdu[5..];
            if rest.len() < lc {
                return Err(ApduError::MalformedCommand);
            }
            (lc, &rest[..lc], &rest[lc..], false)
        };
        Ok(ParsedCommand {
            cla: apdu[0],
            ins: apdu[1],
            p1: apdu[2],
            p2: apdu[3],
            lc,
            data,
            trailing,
            header_only,
        })
    }
}

/// A response APDU: data and status word.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    pub data: Vec<u8>,
    pub sw: u16,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("data_len", &self.data.len())
            .field("sw", &format_args!("{:04X}", self.sw))
            .finish()
    }
}

impl Response {
    /// Split a raw reply into data and SW1 SW2.
    pub fn parse(raw: &[u8]) -> Result<Self, ApduError> {
        if raw.len() < 2 {
            return Err(ApduError::ResponseTooShort(raw.len()));
        }
        let (data, sw) = raw.split_at(raw.len() - 2);
        Ok(Response {
            data: data.to_vec(),
            sw: u16::from_be_bytes([sw[0], sw[1]]),
        })
    }

    /// Build a response.
    pub fn new(data: Vec<u8>, sw: u16) -> Self {
        Response { data, sw }
    }

    /// Encode back to bytes (data || SW1 SW2).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.data.clone();
        out.extend_from_slice(&self.sw.to_be_bytes());
        out
    }

    pub fn sw1(&self) -> u8 {
        (self.sw >> 8) as u8
    }

    pub fn sw2(&self) -> u8 {
        self.sw as u8
    }

    /// `90 00`.
    pub fn is_success(&self) -> bool {
        self.sw == sw::SUCCESS
    }

    /// `61 xx`: more data is waiting (xx bytes, 0 = 256 or more).
    pub fn more_data(&self) -> Option<u8> {
        (self.sw1() == 0x61).then(|| self.sw2())
    }

    /// `6C xx`: wrong Le, the command was not carried out; send it again with Le = xx (T=0
    /// contact readers).
    pub fn wrong_le(&self) -> Option<u8> {
        (self.sw1() == 0x6C).then(|| self.sw2())
    }

    /// The status word as a [`StatusWord`].
    pub fn status(&self) -> StatusWord {
        StatusWord(self.sw)
    }

    /// The data when the card answered `90 00`, else the status word as the error of
    /// `command` in `protocol`.
    pub fn ok(self, protocol: Protocol, command: &'static str) -> Result<Vec<u8>, SwError> {
        if self.is_success() {
            Ok(self.data)
        } else {
            Err(SwError {
                protocol,
                command,
                sw: self.status(),
            })
        }
    }
}

/// Encode a reply: `data || sw`.
pub fn reply(data: &[u8], sw: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 2);
    out.extend_from_slice(data);
    out.extend_from_slice(&sw.to_be_bytes());
    out
}

/// Status word constants used across the protocols.
pub mod sw {
    pub const SUCCESS: u16 = 0x9000;
    /// Molto2: accepted, waiting for the user to press ▲ on the device.
    pub const PRESS_BUTTON: u16 = 0x9060;
    pub const WRONG_LENGTH: u16 = 0x6700;
    pub const SECURITY_STATUS_NOT_SATISFIED: u16 = 0x6982;
    pub const AUTH_METHOD_BLOCKED: u16 = 0x6983;
    pub const NO_SUCH_OBJECT: u16 = 0x6984;
    pub const CONDITIONS_NOT_SATISFIED: u16 = 0x6985;
    pub const WRONG_DATA: u16 = 0x6A80;
    pub const FUNCTION_NOT_SUPPORTED: u16 = 0x6A81;
    pub const FILE_NOT_FOUND: u16 = 0x6A82;
    pub const RECORD_NOT_FOUND: u16 = 0x6A83;
    pub const NOT_ENOUGH_MEMORY: u16 = 0x6A84;
    pub const INCORRECT_P1P2: u16 = 0x6A86;
    pub const REFERENCE_NOT_FOUND: u16 = 0x6A88;
    /// Incorrect secure messaging data objects (a MAC or session the card does not accept).
    pub const SM_DATA_INCORRECT: u16 = 0x6988;
    pub const INS_NOT_SUPPORTED: u16 = 0x6D00;
    pub const CLA_NOT_SUPPORTED: u16 = 0x6E00;
    /// Molto2: profile-data command sent with an Le byte.
    pub const MOLTO2_NO_LE: u16 = 0x6FFB;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_forms() {
        assert_eq!(Command::new(0, 0xA1, 0, 0).to_bytes(), vec![0, 0xA1, 0, 0]);
        assert_eq!(
            Command::new(0x80, 0x41, 0, 0).le(0).to_bytes(),
            vec![0x80, 0x41, 0, 0, 0]
        );
        assert_eq!(
            Command::with_data(0x80, 0x4B, 8, 0, vec![0]).to_bytes(),
            vec![0x80, 0x4B, 8, 0, 1, 0]
        );
        assert_eq!(
            Command::with_data(0x80, 0x41, 0, 5, vec![0x70]).to_bytes(),
            vec![0x80, 0x41, 0, 5, 1, 0x70]
        );
        assert!(Command::with_data(0, 0, 0, 0, vec![0; 256])
            .try_to_bytes()
            .is_err());
    }

    #[test]
    fn parses_responses() {
        assert_eq!(
            Response::parse(&[0x90]),
            Err(ApduError::ResponseTooShort(1))
        );
        let r = Response::parse(&[1, 2, 0x61, 0x10]).unwrap();
        assert_eq!(r.data, vec![1, 2]);
        assert_eq!(r.more_data(), Some(0x10));
        assert!(!r.is_success());
        assert!(Response::parse(&[0x90, 0]).unwrap().is_success());
        assert_eq!(r.to_bytes(), vec![1, 2, 0x61, 0x10]);
    }

    #[test]
    fn byte5_is_lc() {
        // get-info sent as 80 41 00 00 16: byte 5 promises 22 bytes.
        assert!(ParsedCommand::parse(&[0x80, 0x41, 0, 0, 0x16]).is_err());
        let p = ParsedCommand::parse(&[0x80, 0x41, 0, 5, 1, 0x70, 0]).unwrap();
        assert_eq!(p.data, &[0x70]);
        assert_eq!(p.trailing, &[0]);
        let p = ParsedCommand::parse(&[0, 0xA1, 0, 0]).unwrap();
        assert!(p.header_only);
    }
}
