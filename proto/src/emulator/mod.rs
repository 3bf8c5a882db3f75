//! In-process card emulators that follow the reference documents, including
//! the documented firmware quirks, and an [`EmulatedTransport`] to drive them
//! through the same [`Transport`] trait as real readers.
//!
//! The emulators decrypt what they receive and *store* it, so tests can check
//! that the emulated device holds exactly the expected seed and config.

mod molto2;
mod token2;
mod ykoath;

pub use molto2::{Molto2Card, Molto2Profile, Molto2StoredConfig};
pub use token2::{Token2Card, Token2StoredConfig};
pub use ykoath::{
    OathCredential, OathMaker, OtherEntry, YkoathCard, DEFAULT_YUBIKEY_SERIAL, YKOATH_ATR,
};

use crate::apdu::{reply, sw, ParsedCommand};
use crate::transport::{Transport, TransportError};

/// A smart card as seen from the reader.
pub trait Card {
    /// Answer-to-reset bytes.
    fn atr(&self) -> Vec<u8>;
    /// Power applied (after power-off or at insertion).
    fn power_on(&mut self) {}
    /// Power removed: volatile state (sessions, challenges) is lost.
    fn power_off(&mut self) {}
    /// Warm reset: like a power cycle.
    fn reset(&mut self) {
        self.power_off();
        self.power_on();
    }
    /// Process one command APDU, return data || SW1 SW2.
    fn process(&mut self, apdu: &[u8]) -> Vec<u8>;
}

impl<C: Card + ?Sized> Card for Box<C> {
    fn atr(&self) -> Vec<u8> {
        (**self).atr()
    }
    fn power_on(&mut self) {
        (**self).power_on()
    }
    fn power_off(&mut self) {
        (**self).power_off()
    }
    fn reset(&mut self) {
        (**self).reset()
    }
    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        (**self).process(apdu)
    }
}

impl<C: Card + ?Sized> Card for &mut C {
    fn atr(&self) -> Vec<u8> {
        (**self).atr()
    }
    fn power_on(&mut self) {
        (**self).power_on()
    }
    fn power_off(&mut self) {
        (**self).power_off()
    }
    fn reset(&mut self) {
        (**self).reset()
    }
    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        (**self).process(apdu)
    }
}

/// ATR of a contactless card as PC/SC part 3 builds it for ISO 14443-4:
/// `3B 8n 80 01 <historical bytes> TCK` with TCK = XOR of T0..last.
pub fn contactless_atr(historical: &[u8]) -> Vec<u8> {
    assert!(historical.len() <= 15);
    let mut atr = vec![0x3B, 0x80 | historical.len() as u8, 0x80, 0x01];
    atr.extend_from_slice(historical);
    let tck = atr[1..].iter().fold(0u8, |a, b| a ^ b);
    atr.push(tck);
    atr
}

/// The card side of the SM4 secure channel (Token2 and Molto2 alike): the body of a MAC'd
/// (`84`) command when the session is authenticated and the MAC matches, else the refusal to
/// answer. A MAC failure ends the session, as on the devices.
pub(crate) fn open_secured<'a>(
    key: &crate::crypto::Sm4Key,
    c: &ParsedCommand<'a>,
    authenticated: &mut bool,
) -> Result<&'a [u8], Vec<u8>> {
    if c.lc < 4 {
        return Err(reply(&[], sw::WRONG_LENGTH));
    }
    if !*authenticated {
        return Err(reply(&[], sw::AUTH_METHOD_BLOCKED));
    }
    key.verify_secured(c.ins, c.p1, c.p2, c.data)
        .ok_or_else(|| {
            *authenticated = false;
            reply(&[], sw::AUTH_METHOD_BLOCKED)
        })
}

/// Random bytes for challenges and salts (falls back to a time-based value
/// only if the OS generator fails, which an emulator can tolerate).
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    if getrandom::fill(&mut b).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
            .to_le_bytes();
        for (i, x) in b.iter_mut().enumerate() {
            *x = t[i % t.len()] ^ (i as u8).wrapping_mul(151);
        }
    }
    b
}

/// One exchange recorded by [`EmulatedTransport`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    pub command: Vec<u8>,
    pub response: Vec<u8>,
}

/// A [`Transport`] that hands APDUs to an in-process [`Card`] and records
/// every exchange (so tests can count what was sent).
pub struct EmulatedTransport<C: Card> {
    card: C,
    log: Vec<Exchange>,
    present: bool,
}

impl<C: Card> EmulatedTransport<C> {
    /// Insert the card (powers it on).
    pub fn new(mut card: C) -> Self {
        card.power_on();
        EmulatedTransport {
            card,
            log: Vec::new(),
            present: true,
        }
    }

    pub fn card(&self) -> &C {
        &self.card
    }

    pub fn card_mut(&mut self) -> &mut C {
        &mut self.card
    }

    pub fn into_card(self) -> C {
        self.card
    }

    /// Every exchange so far.
    pub fn log(&self) -> &[Exchange] {
        &self.log
    }

    pub fn clear_log(&mut self) {
        self.log.clear();
    }

    /// Number of commands sent with this CLA and INS.
    pub fn count(&self, cla: u8, ins: u8) -> usize {
        self.log
            .iter()
            .filter(|e| e.command.len() >= 2 && e.command[0] == cla && e.command[1] == ins)
            .count()
    }

    /// Number of commands with this INS (any class).
    pub fn count_ins(&self, ins: u8) -> usize {
        self.log
            .iter()
            .filter(|e| e.command.len() >= 2 && e.command[1] == ins)
            .count()
    }

    /// Remove the card: further transmits fail with [`TransportError::NoCard`].
    pub fn remove_card(&mut self) {
        if self.present {
            self.card.power_off();
            self.present = false;
        }
    }

    /// Put the card back (power on).
    pub fn insert_card(&mut self) {
        if !self.present {
            self.card.power_on();
            self.present = true;
        }
    }

    /// Power-cycle the card.
    pub fn power_cycle(&mut self) {
        self.card.power_off();
        self.card.power_on();
    }
}

impl<C: Card> Transport for EmulatedTransport<C> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        if !self.present {
            return Err(TransportError::NoCard);
        }
        let response = self.card.process(apdu);
        self.log.push(Exchange {
            command: apdu.to_vec(),
            response: response.clone(),
        });
        Ok(response)
    }

    fn atr(&self) -> Option<Vec<u8>> {
        self.present.then(|| self.card.atr())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atr_helper_reproduces_ykoath_atr() {
        let hist = [
            0x80, 0x73, 0xC0, 0x21, 0xC0, 0x57, 0x59, 0x75, 0x62, 0x69, 0x4B, 0x65, 0x79,
        ];
        assert_eq!(
            contactless_atr(&hist),
            vec![
                0x3B, 0x8D, 0x80, 0x01, 0x80, 0x73, 0xC0, 0x21, 0xC0, 0x57, 0x59, 0x75, 0x62, 0x69,
                0x4B, 0x65, 0x79, 0xF9
            ]
        );
        assert_eq!(contactless_atr(&[]), vec![0x3B, 0x80, 0x80, 0x01, 0x01]);
        assert_eq!(
            Molto2Card::default().atr(),
            vec![0x3B, 0x86, 0x80, 0x01, b'M', b'o', b'l', b't', b'o', b'2', 0x60]
        );
        assert_eq!(
            Token2Card::default().atr(),
            vec![0x3B, 0x80, 0x80, 0x01, 0x01]
        );
    }
}
