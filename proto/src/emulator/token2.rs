//! Emulated Token2 single-profile NFC token.

use super::{contactless_atr, open_secured, random_bytes, Card};
use crate::apdu::{reply, sw, ParsedCommand};
use crate::crypto::{unpad_marker, Sm4Key};
use crate::token2::{config_write_clears_seed, device_key, serial_of};
use tokensmith_core::caps::Model;
use tokensmith_core::otp::{hotp, Algorithm as HashAlg};
use zeroize::Zeroizing;

/// The config exactly as the token stored it (values as sent, unvalidated,
/// like the firmware).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token2StoredConfig {
    pub display: u8,
    pub utc: u32,
    pub algorithm: u8,
    pub step: u8,
}

impl Token2StoredConfig {
    /// What the firmware computes with: algorithm 2 is SHA-256, anything
    /// else (including out-of-range 3) silently becomes SHA-1.
    pub fn effective_algorithm(&self) -> HashAlg {
        if self.algorithm == 2 {
            HashAlg::Sha256
        } else {
            HashAlg::Sha1
        }
    }
}

/// An emulated single-profile token.
///
/// ATR: `3B 80 80 01 01`, the PC/SC part 3 ATR of an ISO 14443-4 Type A card
/// with no historical bytes (how PC/SC readers present these tokens).
pub struct Token2Card {
    key: Sm4Key,
    serial: String,
    clock: u32,
    seed: Option<Zeroizing<Vec<u8>>>,
    config: Option<Token2StoredConfig>,
    challenge: Option<[u8; 8]>,
    authenticated: bool,
    fixed_challenge: Option<[u8; 8]>,
    failed_auths: u32,
    lock_after: Option<u32>,
}

impl Default for Token2Card {
    fn default() -> Self {
        Self::new(&serial_of(Model::OtpcP2, "000001"))
    }
}

impl Token2Card {
    /// A blank token with this serial (the serial chooses the model).
    pub fn new(serial: &str) -> Self {
        Token2Card {
            key: device_key(),
            serial: serial.to_string(),
            clock: 0,
            seed: None,
            config: None,
            challenge: None,
            authenticated: false,
            fixed_challenge: None,
            failed_auths: 0,
            lock_after: None,
        }
    }

    /// A token of this model.
    pub fn of_model(model: Model) -> Self {
        Self::new(&serial_of(model, "000001"))
    }

    pub fn serial(&self) -> &str {
        &self.serial
    }
    pub fn set_serial(&mut self, serial: &str) {
        self.serial = serial.to_string();
    }
    /// The token's UTC clock.
    pub fn clock(&self) -> u32 {
        self.clock
    }
    pub fn set_clock(&mut self, utc: u32) {
        self.clock = utc;
    }
    /// The stored seed (raw bytes), if any.
    pub fn stored_seed(&self) -> Option<&[u8]> {
        self.seed.as_ref().map(|s| s.as_slice())
    }
    /// Pre-load a seed (as if burnt earlier).
    pub fn set_seed(&mut self, seed: Option<&[u8]>) {
        self.seed = seed.map(|s| Zeroizing::new(s.to_vec()));
    }
    pub fn stored_config(&self) -> Option<Token2StoredConfig> {
        self.config
    }
    /// Use this challenge instead of random ones (tests).
    pub fn set_fixed_challenge(&mut self, c: Option<[u8; 8]>) {
        self.fixed_challenge = c;
    }
    /// Lock permanently after this many failed authentications (older
    /// tokens); `None` (default) never locks.
    pub fn set_lock_after(&mut self, n: Option<u32>) {
        self.lock_after = n;
    }
    pub fn failed_authentications(&self) -> u32 {
        self.failed_auths
    }
    pub fn is_locked(&self) -> bool {
        self.lock_after.is_some_and(|n| self.failed_auths >= n)
    }
    /// Use another device key (to emulate a token that does not match).
    pub fn set_device_key(&mut self, key: Sm4Key) {
        self.key = key;
    }

    /// What the display shows at the token's clock: the 6-digit code, or
    /// `------` when no seed is stored.
    pub fn display(&self) -> String {
        self.code_at(u64::from(self.clock))
            .unwrap_or_else(|| "------".into())
    }

    /// The code the token would show at `utc` (6 digits), if it has a seed.
    pub fn code_at(&self, utc: u64) -> Option<String> {
        let seed = self.seed.as_ref()?;
        let (alg, step) = match self.config {
            Some(c) => (c.effective_algorithm(), u64::from(c.step.max(1))),
            None => (HashAlg::Sha1, 30),
        };
        hotp(seed, utc / step, alg, 6).ok()
    }

    fn info_reply(&self) -> Vec<u8> {
        let mut d = vec![0, 0, 0, self.serial.len() as u8];
        d.extend_from_slice(self.serial.as_bytes());
        d.extend_from_slice(&[0, 0]);
        d.extend_from_slice(&self.clock.to_be_bytes());
        reply(&d, sw::SUCCESS)
    }

    fn plain(&mut self, c: &ParsedCommand) -> Vec<u8> {
        match c.ins {
            0x41 => self.info_reply(),
            0x4B => {
                if c.p1 != 0x08 {
                    return reply(&[], sw::INS_NOT_SUPPORTED);
                }
                let ch = self.fixed_challenge.unwrap_or_else(random_bytes::<8>);
                self.challenge = Some(ch);
                // A new challenge ends the previous session.
                self.authenticated = false;
                reply(&ch, sw::SUCCESS)
            }
            0xCE => {
                if c.lc != 16 {
                    return reply(&[], sw::WRONG_DATA);
                }
                let Some(ch) = self.challenge.take() else {
                    return reply(&[], sw::WRONG_DATA);
                };
                if self.is_locked() {
                    return reply(&[], sw::AUTH_METHOD_BLOCKED);
                }
                if self.key.auth_cryptogram(&ch)[..] == *c.data {
                    self.authenticated = true;
                    reply(&[], sw::SUCCESS)
                } else {
                    self.failed_auths += 1;
                    self.authenticated = false;
                    reply(&[], sw::AUTH_METHOD_BLOCKED)
                }
            }
            _ => reply(&[], sw::INS_NOT_SUPPORTED),
        }
    }

    fn secured(&mut self, c: &ParsedCommand) -> Vec<u8> {
        if !matches!(c.ins, 0xC5 | 0xD4) {
            return reply(&[], sw::INS_NOT_SUPPORTED);
        }
        let body = match open_secured(&self.key, c, &mut self.authenticated) {
            Ok(body) => body,
            Err(refusal) => return refusal,
        };
        match c.ins {
            0xC5 => {
                if !(16..=64).contains(&body.len()) || body.len() % 16 != 0 {
                    return reply(&[], sw::WRONG_DATA);
                }
                let pt = self.key.ecb_decrypt(body).expect("aligned");
                let Ok(seed) = unpad_marker(&pt) else {
                    return reply(&[], sw::WRONG_DATA);
                };
                // A marker-only body wipes the seed.
                self.seed = (!seed.is_empty()).then(|| Zeroizing::new(seed.to_vec()));
                reply(&[], sw::SUCCESS)
            }
            _ => {
                // Only the TLV's length and tags are checked.
                let b = body;
                let ok = b.len() == 19
                    && b[0] == 0x81
                    && b[1] == 0x11
                    && b[2..4] == [0x1F, 0x01]
                    && b[5..7] == [0x0F, 0x04]
                    && b[11..13] == [0x86, 0x06]
                    && b[13..15] == [0x0A, 0x01]
                    && b[16..18] == [0x0D, 0x01];
                if !ok {
                    return reply(&[], sw::WRONG_DATA);
                }
                let utc = u32::from_be_bytes([b[7], b[8], b[9], b[10]]);
                self.config = Some(Token2StoredConfig {
                    display: b[4],
                    utc,
                    algorithm: b[15],
                    step: b[18],
                });
                self.clock = utc;
                if config_write_clears_seed(&self.serial) {
                    self.seed = None;
                }
                reply(&[], sw::SUCCESS)
            }
        }
    }
}

impl Card for Token2Card {
    fn atr(&self) -> Vec<u8> {
        contactless_atr(&[])
    }

    fn power_off(&mut self) {
        self.challenge = None;
        self.authenticated = false;
    }

    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        // Byte 5 is always Lc: a promise of more data than follows → 67 00.
        let Ok(c) = ParsedCommand::parse(apdu) else {
            return reply(&[], sw::WRONG_LENGTH);
        };
        match c.cla {
            0x80 => self.plain(&c),
            0x84 => self.secured(&c),
            _ => reply(&[], sw::CLA_NOT_SUPPORTED),
        }
    }
}
