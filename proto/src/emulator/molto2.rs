//! Emulated Token2 Molto2 / Molto2v2 multi-profile token.

use super::{contactless_atr, open_secured, random_bytes, Card};
use crate::apdu::{reply, sw, ParsedCommand};
use crate::crypto::{unpad_marker, Sm4Key};
use crate::molto2::{CustomerKey, Molto2Model};
use tokensmith_core::otp::{hotp, Algorithm as HashAlg};
use zeroize::Zeroizing;

/// A profile config as stored (values as sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Molto2StoredConfig {
    pub display: u8,
    pub utc: u32,
    pub algorithm: u8,
    pub digits: u8,
    pub step: u8,
}

/// State of one profile.
#[derive(Clone, Default)]
pub struct Molto2Profile {
    pub config: Option<Molto2StoredConfig>,
    pub seed: Option<Zeroizing<Vec<u8>>>,
    pub title: Option<Vec<u8>>,
    /// The profile's clock (set by config writes and clock syncs).
    pub rtc: u32,
}

impl std::fmt::Debug for Molto2Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Molto2Profile")
            .field("config", &self.config)
            .field("seed_len", &self.seed.as_ref().map(|s| s.len()))
            .field("title", &self.title)
            .field("rtc", &self.rtc)
            .finish()
    }
}

/// Profile 0 ships configured (display 30 s, SHA-1, 6 digits, 30 s).
const FACTORY_PROFILE0: Molto2StoredConfig = Molto2StoredConfig {
    display: 1,
    utc: 0,
    algorithm: 1,
    digits: 6,
    step: 30,
};

/// What the public block reports for a profile never configured (hardware: SHA-1, 30 s,
/// 6 digits, not zeros — only the seed byte tells occupancy).
const EMPTY_SLOT_REPORT: Molto2StoredConfig = Molto2StoredConfig {
    utc: 0,
    ..FACTORY_PROFILE0
};

/// Failed authentications allowed: keyroost saw a first wrong key answered `63 C7`, so 8.
const DEFAULT_ATTEMPTS: u8 = 8;

/// An emulated Molto2.
///
/// ATR: `3B 86 80 01 4D 6F 6C 74 6F 32 60` (historical bytes "Molto2"), a
/// made-up contactless-style ATR: the real device is USB CCID and its ATR is
/// not in the reference documents.
///
/// Documented behaviour (token2-molto2.md, hardware facts from keyroost): `63 Cx` on a wrong
/// cryptogram with x attempts left (the first one `63 C7`), a success restores them; the
/// public block of an empty profile reports SHA-1/30 s/6 digits and only its last byte tells
/// occupancy; seed, title and config are taken in any order; delete needs no authentication
/// and answers `6A 83` on an empty profile, keeping the title; titles come back zero-padded;
/// `90 60` for key change and factory reset, applied by [`Molto2Card::press_button`].
/// Choices where the documents are silent: after the last attempt the device answers `69 83`
/// to every authenticate; `6A 86` for a profile beyond the model's range; power-off cancels
/// a pending confirmation; the flag byte is `20` once a profile was written (keyroost saw
/// `20` on a written slot), else `00`.
pub struct Molto2Card {
    model: Molto2Model,
    serial: String,
    clock: u32,
    key: Sm4Key,
    pending_key: Option<Sm4Key>,
    pending_reset: bool,
    challenge: Option<[u8; 8]>,
    authenticated: bool,
    attempts_left: u8,
    max_attempts: u8,
    screen_locked: bool,
    profiles: Vec<Molto2Profile>,
    fixed_challenge: Option<[u8; 8]>,
}

impl Default for Molto2Card {
    fn default() -> Self {
        Self::new(Molto2Model::V2, "MOLTO2V2000001")
    }
}

impl Molto2Card {
    /// A factory-fresh device (default customer key, profile 0 configured).
    pub fn new(model: Molto2Model, serial: &str) -> Self {
        let mut c = Molto2Card {
            model,
            serial: serial.to_string(),
            clock: 0,
            key: CustomerKey::default().sm4_key(),
            pending_key: None,
            pending_reset: false,
            challenge: None,
            authenticated: false,
            attempts_left: DEFAULT_ATTEMPTS,
            max_attempts: DEFAULT_ATTEMPTS,
            screen_locked: false,
            profiles: Vec::new(),
            fixed_challenge: None,
        };
        c.factory_state();
        c
    }

    fn factory_state(&mut self) {
        self.key = CustomerKey::default().sm4_key();
        self.profiles = vec![Molto2Profile::default(); self.model.profile_count() as usize];
        self.profiles[0].config = Some(FACTORY_PROFILE0);
        self.attempts_left = self.max_attempts;
        self.authenticated = false;
        self.challenge = None;
    }

    pub fn model(&self) -> Molto2Model {
        self.model
    }
    pub fn serial(&self) -> &str {
        &self.serial
    }
    pub fn set_serial(&mut self, s: &str) {
        self.serial = s.to_string();
    }
    pub fn clock(&self) -> u32 {
        self.clock
    }
    pub fn set_clock(&mut self, utc: u32) {
        self.clock = utc;
    }
    /// Set the customer key the device expects.
    pub fn set_customer_key(&mut self, key: &CustomerKey) {
        self.key = key.sm4_key();
    }
    /// Failed authentications allowed before the lock (default 8; at most 15, the counter
    /// is a nibble).
    pub fn set_max_attempts(&mut self, n: u8) {
        self.max_attempts = n.min(15);
        self.attempts_left = self.max_attempts;
    }
    pub fn attempts_left(&self) -> u8 {
        self.attempts_left
    }
    pub fn is_locked(&self) -> bool {
        self.attempts_left == 0
    }
    pub fn screen_locked(&self) -> bool {
        self.screen_locked
    }
    pub fn set_fixed_challenge(&mut self, c: Option<[u8; 8]>) {
        self.fixed_challenge = c;
    }
    pub fn profile(&self, p: u8) -> Option<&Molto2Profile> {
        self.profiles.get(p as usize)
    }
    pub fn stored_seed(&self, p: u8) -> Option<&[u8]> {
        self.profile(p)?.seed.as_ref().map(|s| s.as_slice())
    }
    pub fn stored_config(&self, p: u8) -> Option<Molto2StoredConfig> {
        self.profile(p)?.config
    }
    pub fn stored_title(&self, p: u8) -> Option<&[u8]> {
        self.profile(p)?.title.as_deref()
    }
    /// Put a seed (and a title) in a profile, as an earlier burn would have.
    pub fn preload(&mut self, p: u8, seed: &[u8], title: Option<&str>) {
        if let Some(prof) = self.profiles.get_mut(p as usize) {
            prof.seed = Some(Zeroizing::new(seed.to_vec()));
            prof.title = title.map(|t| t.as_bytes().to_vec());
        }
    }
    /// True while a key change or factory reset waits for ▲.
    pub fn confirmation_pending(&self) -> bool {
        self.pending_key.is_some() || self.pending_reset
    }

    /// The user presses ▲: applies a pending key change or factory reset.
    pub fn press_button(&mut self) {
        if self.pending_reset {
            self.pending_reset = false;
            self.pending_key = None;
            self.factory_state();
        } else if let Some(k) = self.pending_key.take() {
            self.key = k;
            self.authenticated = false;
        }
    }

    /// The code profile `p` shows at `utc`, if it has a config and a seed.
    pub fn code_at(&self, p: u8, utc: u64) -> Option<String> {
        let prof = self.profile(p)?;
        let (cfg, seed) = (prof.config?, prof.seed.as_ref()?);
        let alg = if cfg.algorithm == 2 {
            HashAlg::Sha256
        } else {
            HashAlg::Sha1
        };
        // A config stored "as sent" may hold digits a real display cannot show.
        hotp(seed, utc / u64::from(cfg.step.max(1)), alg, cfg.digits).ok()
    }

    fn info_reply(&self) -> Vec<u8> {
        let mut d = vec![0, 0, 0, self.serial.len() as u8];
        d.extend_from_slice(self.serial.as_bytes());
        d.extend_from_slice(&[0, 0]);
        d.extend_from_slice(&self.clock.to_be_bytes());
        reply(&d, sw::SUCCESS)
    }

    fn profile_reply(&self, p: usize) -> Vec<u8> {
        let prof = &self.profiles[p];
        let written = prof.config.is_some() || prof.seed.is_some() || prof.title.is_some();
        let mut v = vec![0x95, 31, 0x70, 29, if written { 0x20 } else { 0 }];
        let mut tips = [0u8; 16];
        if let Some(t) = &prof.title {
            tips[..t.len()].copy_from_slice(t);
        }
        v.extend_from_slice(&tips);
        v.extend_from_slice(&prof.rtc.to_be_bytes());
        let cfg = prof.config.unwrap_or(EMPTY_SLOT_REPORT);
        v.extend_from_slice(&cfg.utc.to_be_bytes());
        v.extend_from_slice(&[cfg.algorithm, cfg.step, cfg.digits]);
        v.push(u8::from(prof.seed.is_some()));
        reply(&v, sw::SUCCESS)
    }

    fn profile_index(&self, p2: u8) -> Option<usize> {
        (p2 <= self.model.max_profile()).then_some(p2 as usize)
    }

    fn plain(&mut self, c: &ParsedCommand) -> Vec<u8> {
        match c.ins {
            0x41 => {
                if c.lc == 0 && c.p2 == 0 {
                    return self.info_reply();
                }
                if c.lc == 1 && c.data == [0x70] {
                    if !c.trailing.is_empty() {
                        return reply(&[], sw::MOLTO2_NO_LE);
                    }
                    return match self.profile_index(c.p2) {
                        Some(p) => self.profile_reply(p),
                        None => reply(&[], sw::INCORRECT_P1P2),
                    };
                }
                reply(&[], sw::WRONG_DATA)
            }
            0x4B => {
                if c.p1 != 0x08 {
                    return reply(&[], sw::INS_NOT_SUPPORTED);
                }
                let ch = self.fixed_challenge.unwrap_or_else(random_bytes::<8>);
                self.challenge = Some(ch);
                self.authenticated = false;
                reply(&ch, sw::SUCCESS)
            }
            0xCE => {
                if self.is_locked() {
                    return reply(&[], sw::AUTH_METHOD_BLOCKED);
                }
                if c.lc != 16 {
                    return reply(&[], sw::WRONG_DATA);
                }
                let Some(ch) = self.challenge.take() else {
                    return reply(&[], sw::WRONG_DATA);
                };
                if self.key.auth_cryptogram(&ch)[..] == *c.data {
                    self.authenticated = true;
                    self.attempts_left = self.max_attempts;
                    reply(&[], sw::SUCCESS)
                } else {
                    self.attempts_left = self.attempts_left.saturating_sub(1);
                    reply(&[], 0x63C0 | u16::from(self.attempts_left))
                }
            }
            0xE6 => {
                // No authentication needed (hardware); the title stays.
                let Some(p) = self.profile_index(c.p2) else {
                    return reply(&[], sw::INCORRECT_P1P2);
                };
                if self.profiles[p].seed.take().is_none() {
                    return reply(&[], sw::RECORD_NOT_FOUND);
                }
                reply(&[], sw::SUCCESS)
            }
            0x56 => {
                self.pending_reset = true;
                reply(&[], sw::PRESS_BUTTON)
            }
            0xD8 => {
                if c.p1 != 0x0C || c.p2 != 0x02 {
                    return reply(&[], sw::INCORRECT_P1P2);
                }
                match c.data {
                    [] => self.screen_locked = true,
                    [0x01] => self.screen_locked = false,
                    _ => return reply(&[], sw::WRONG_DATA),
                }
                reply(&[], sw::SUCCESS)
            }
            _ => reply(&[], sw::INS_NOT_SUPPORTED),
        }
    }

    fn secured(&mut self, c: &ParsedCommand) -> Vec<u8> {
        if !matches!(c.ins, 0xC5 | 0xD5 | 0xD4 | 0xD7) {
            return reply(&[], sw::INS_NOT_SUPPORTED);
        }
        let body = match open_secured(&self.key, c, &mut self.authenticated) {
            Ok(body) => body,
            Err(refusal) => return refusal,
        };
        let body = body.to_vec();
        if c.ins == 0xD7 {
            if body.len() != 32 {
                return reply(&[], sw::WRONG_DATA);
            }
            let pt = self.key.ecb_decrypt(&body).expect("aligned");
            if pt[0] != 0 || pt[17] != 0x80 || pt[18..].iter().any(|&b| b != 0) {
                return reply(&[], sw::WRONG_DATA);
            }
            let mut k = [0u8; 16];
            k.copy_from_slice(&pt[1..17]);
            self.pending_key = Some(Sm4Key::new(k));
            return reply(&[], sw::PRESS_BUTTON);
        }
        let Some(p) = self.profile_index(c.p2) else {
            return reply(&[], sw::INCORRECT_P1P2);
        };
        match c.ins {
            0xC5 => {
                if !(16..=64).contains(&body.len()) || body.len() % 16 != 0 {
                    return reply(&[], sw::WRONG_DATA);
                }
                let pt = self.key.ecb_decrypt(&body).expect("aligned");
                if pt.iter().all(|&b| b == 0) {
                    self.profiles[p].seed = None;
                    return reply(&[], sw::SUCCESS);
                }
                let Ok(seed) = unpad_marker(&pt) else {
                    return reply(&[], sw::WRONG_DATA);
                };
                self.profiles[p].seed = (!seed.is_empty()).then(|| Zeroizing::new(seed.to_vec()));
                reply(&[], sw::SUCCESS)
            }
            0xD5 => {
                if body.len() != 16 {
                    return reply(&[], sw::WRONG_DATA);
                }
                let pt = self.key.ecb_decrypt(&body).expect("aligned");
                let title = match unpad_marker(&pt) {
                    Ok(t) => t.to_vec(),
                    // Plain zero padding is accepted too.
                    Err(_) => {
                        let end = pt.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
                        pt[..end].to_vec()
                    }
                };
                if title.len() > 12 {
                    return reply(&[], sw::WRONG_DATA);
                }
                self.profiles[p].title = Some(title);
                reply(&[], sw::SUCCESS)
            }
            _ => {
                let b = &body;
                if b.len() == 22
                    && b[..2] == [0x81, 0x14]
                    && b[2..4] == [0x1F, 0x01]
                    && b[5..7] == [0x0F, 0x04]
                    && b[11..13] == [0x86, 0x09]
                    && b[13..15] == [0x0A, 0x01]
                    && b[16..18] == [0x0B, 0x01]
                    && b[19..21] == [0x0D, 0x01]
                {
                    let utc = u32::from_be_bytes([b[7], b[8], b[9], b[10]]);
                    self.profiles[p].config = Some(Molto2StoredConfig {
                        display: b[4],
                        utc,
                        algorithm: b[15],
                        digits: b[18],
                        step: b[21],
                    });
                    self.profiles[p].rtc = utc;
                    self.clock = utc;
                    reply(&[], sw::SUCCESS)
                } else if b.len() == 8 && b[..4] == [0x81, 0x06, 0x0F, 0x04] {
                    let utc = u32::from_be_bytes([b[4], b[5], b[6], b[7]]);
                    self.profiles[p].rtc = utc;
                    self.clock = utc;
                    reply(&[], sw::SUCCESS)
                } else {
                    reply(&[], sw::WRONG_DATA)
                }
            }
        }
    }
}

impl Card for Molto2Card {
    fn atr(&self) -> Vec<u8> {
        contactless_atr(b"Molto2")
    }

    fn power_off(&mut self) {
        self.challenge = None;
        self.authenticated = false;
        self.pending_key = None;
        self.pending_reset = false;
    }

    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
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
