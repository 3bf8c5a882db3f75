//! Emulated YKOATH applet, as a YubiKey, a Nitrokey 3 (Secrets app) or a key of unknown maker
//! behaves (ykoath.md; Nitrokey's trussed-secrets-app for the Nitrokey 3): [`store`] holds the
//! credential commands, [`access`] the password commands, [`yubico`] the YubiKey's management
//! and OTP applets (the device serial).

mod access;
mod store;
mod yubico;

use super::{contactless_atr, random_bytes, Card};
use crate::apdu::{reply, sw, ParsedCommand};
use crate::ykoath::{
    OathAlgorithm, OathType, AID, TAG_ALGORITHM, TAG_CHALLENGE, TAG_NAME, TAG_PIN_COUNTER,
    TAG_SERIAL, TAG_VERSION,
};
use zeroize::Zeroizing;

/// The YubiKey-like ATR that ykman accepts from a non-Yubico reader.
pub const YKOATH_ATR: [u8; 18] = [
    0x3B, 0x8D, 0x80, 0x01, 0x80, 0x73, 0xC0, 0x21, 0xC0, 0x57, 0x59, 0x75, 0x62, 0x69, 0x4B, 0x65,
    0x79, 0xF9,
];

/// The serial the emulated YubiKey reports unless told otherwise.
pub const DEFAULT_YUBIKEY_SERIAL: u32 = 12_345_678;

/// Which device the emulated applet behaves like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OathMaker {
    /// PUT replaces a credential of the same name; access password; RENAME from 5.3.1; below
    /// 4.3.5 (YubiKey 4) a PUT whose name begins an existing one overwrites that one; the
    /// serial in the management applet and the OTP applet, each of which can be hidden.
    YubiKey {
        serial: Option<u32>,
        management: bool,
        otp: bool,
    },
    /// Nitrokey 3 Secrets app: serial in the SELECT reply (`8F`), no salt when a PIN is set
    /// (`82` attempts instead), SET CODE answered as a status request, no VALIDATE, no
    /// RENAME, PUT never overwrites (`69 83`), `6A 82` for an unknown name, SHA-512 stored but
    /// not calculated (`6A 81`), `7A` only with HOTP, DELETE and RESET wait for a touch, LIST
    /// shows other entry kinds.
    Nitrokey3 {
        serial: u32,
        pin_attempts: Option<u8>,
    },
    /// An OATH applet of unknown maker (as a Solo 2 is taken to be): YKOATH as documented,
    /// no other applet, no RENAME, a generic contactless ATR.
    Generic,
}

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

/// An entry of another kind (a Nitrokey 3's Reverse-HOTP `0x3_`, HMAC `0x4_`, password-safe
/// `0xF_`): listed, never calculated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherEntry {
    pub kind: u8,
    pub name: Vec<u8>,
}

/// The applet a SELECT chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Applet {
    Oath,
    Management,
    Otp,
}

/// An emulated OATH key. Other applets answer `6A 82` to SELECT (ykman probes them), except
/// a YubiKey's management and OTP applets. Touch-required commands wait for a touch that
/// comes at once, unless [`YkoathCard::set_touch_times_out`] says none comes (`69 82`), and
/// show `7C` in CALCULATE ALL, like a real key.
pub struct YkoathCard {
    maker: OathMaker,
    version: [u8; 3],
    salt: [u8; 8],
    access_key: Option<Zeroizing<[u8; 16]>>,
    authenticated: bool,
    select_challenge: Option<[u8; 8]>,
    selected: Option<Applet>,
    creds: Vec<OathCredential>,
    others: Vec<OtherEntry>,
    capacity: usize,
    pending: Vec<u8>,
    max_chunk: usize,
    touch_times_out: bool,
    touches: usize,
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

impl YkoathCard {
    /// An empty YubiKey 5.4.3 without a password, serial [`DEFAULT_YUBIKEY_SERIAL`].
    pub fn new() -> Self {
        Self::yubikey([5, 4, 3], Some(DEFAULT_YUBIKEY_SERIAL))
    }

    /// A YubiKey of this firmware, its serial (`None`: hidden) in both other applets.
    pub fn yubikey(version: [u8; 3], serial: Option<u32>) -> Self {
        Self::with_maker(
            OathMaker::YubiKey {
                serial,
                management: true,
                otp: true,
            },
            version,
        )
    }

    /// A Nitrokey 3 (Secrets app 4.11.0); `pin_attempts`: a PIN is set, with so many attempts
    /// left.
    pub fn nitrokey3(serial: u32, pin_attempts: Option<u8>) -> Self {
        Self::with_maker(
            OathMaker::Nitrokey3 {
                serial,
                pin_attempts,
            },
            [4, 11, 0],
        )
    }

    /// An OATH applet of unknown maker (version 1.0.0, as trussed's first OATH applet).
    pub fn generic() -> Self {
        Self::with_maker(OathMaker::Generic, [1, 0, 0])
    }

    fn with_maker(maker: OathMaker, version: [u8; 3]) -> Self {
        YkoathCard {
            maker,
            version,
            salt: random_bytes::<8>(),
            access_key: None,
            authenticated: true,
            select_challenge: None,
            selected: None,
            creds: Vec::new(),
            others: Vec::new(),
            capacity: 32,
            pending: Vec::new(),
            max_chunk: 255,
            touch_times_out: false,
            touches: 0,
        }
    }

    /// A YubiKey 5.4.3 with an access password already set.
    pub fn with_password(password: &str) -> Self {
        let mut c = Self::new();
        c.set_password(Some(password));
        c
    }

    /// An applet with this password and salt (a known salt: the same access key every time,
    /// as the fuzz target needs).
    pub fn with_password_and_salt(password: &str, salt: [u8; 8]) -> Self {
        let mut c = Self::new();
        c.salt = salt;
        c.set_password(Some(password));
        c
    }

    pub fn maker(&self) -> &OathMaker {
        &self.maker
    }

    /// YubiKey: which of its other applets answer with the serial.
    pub fn set_serial_applets(&mut self, management_on: bool, otp_on: bool) {
        if let OathMaker::YubiKey {
            management, otp, ..
        } = &mut self.maker
        {
            *management = management_on;
            *otp = otp_on;
        }
    }

    /// Whether a touch the key waits for never comes (the user walked away): `69 82`.
    pub fn set_touch_times_out(&mut self, times_out: bool) {
        self.touch_times_out = times_out;
    }

    /// How often the key waited for a touch.
    pub fn touches(&self) -> usize {
        self.touches
    }

    /// Store an entry of another kind (Nitrokey 3: `0x31` Reverse-HOTP, `0x41` HMAC, `0xF1`
    /// password safe).
    pub fn add_other_entry(&mut self, kind: u8, name: &str) {
        self.others.push(OtherEntry {
            kind,
            name: name.as_bytes().to_vec(),
        });
    }

    /// Set or clear the access password directly (not via SET CODE).
    pub fn set_password(&mut self, password: Option<&str>) {
        self.access_key = password.map(|p| crate::ykoath::derive_access_key(p, &self.salt));
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

    fn is_nitrokey(&self) -> bool {
        matches!(self.maker, OathMaker::Nitrokey3 { .. })
    }

    /// Wait for a touch: `Err` with `69 82` when none comes.
    fn touch(&mut self) -> Result<(), Vec<u8>> {
        self.touches += 1;
        if self.touch_times_out {
            Err(reply(&[], sw::SECURITY_STATUS_NOT_SATISFIED))
        } else {
            Ok(())
        }
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
        if let OathMaker::Nitrokey3 {
            serial,
            pin_attempts,
        } = self.maker
        {
            // trussed-secrets-app: the salt, or the PIN counter when a PIN is set; the serial.
            match pin_attempts {
                Some(n) => tlv(&mut d, TAG_PIN_COUNTER, &[n]),
                None => tlv(&mut d, TAG_NAME, &self.salt),
            }
            tlv(&mut d, TAG_SERIAL, &serial.to_be_bytes());
            self.select_challenge = None;
            self.authenticated = true;
            return reply(&d, sw::SUCCESS);
        }
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

    fn select(&mut self, aid: &[u8]) -> Vec<u8> {
        if aid == AID {
            self.selected = Some(Applet::Oath);
            return self.select_reply();
        }
        if let Some((applet, answer)) = yubico::select(self, aid) {
            self.selected = Some(applet);
            return answer;
        }
        self.selected = None;
        reply(&[], sw::FILE_NOT_FOUND)
    }

    fn reset_applet(&mut self) -> Vec<u8> {
        if self.is_nitrokey() {
            if let Err(e) = self.touch() {
                return e;
            }
        }
        self.creds.clear();
        self.others.clear();
        self.access_key = None;
        self.authenticated = true;
        self.select_challenge = None;
        self.salt = random_bytes::<8>();
        reply(&[], sw::SUCCESS)
    }

    fn oath(&mut self, c: &ParsedCommand) -> Vec<u8> {
        let nitrokey = self.is_nitrokey();
        // A Nitrokey 3 reads 00 03 as "YubiKey status" whatever follows, and has no VALIDATE
        // nor RENAME (trussed-secrets-app without challenge-response authentication).
        match c.ins {
            0x03 if nitrokey => return access::nitrokey_status(self),
            0xA3 | 0x05 if nitrokey => return reply(&[], sw::INS_NOT_SUPPORTED),
            0x05 if !self.renames() => return reply(&[], sw::INS_NOT_SUPPORTED),
            _ => {}
        }
        let gated = matches!(c.ins, 0x01 | 0x02 | 0x03 | 0x05 | 0xA1 | 0xA2 | 0xA4);
        if gated && !self.authenticated {
            return reply(&[], sw::SECURITY_STATUS_NOT_SATISFIED);
        }
        match c.ins {
            0x01 => self.put(c.data),
            0x02 => self.delete(c.data),
            0x03 => self.set_code(c.data),
            0x04 if (c.p1, c.p2) != (0xDE, 0xAD) => reply(&[], sw::INCORRECT_P1P2),
            0x04 => self.reset_applet(),
            0x05 => self.rename(c.data),
            0xA1 => self.list(),
            0xA2 => self.calculate(c.p2, c.data),
            0xA3 => self.validate(c.data),
            0xA4 if nitrokey => reply(&[], sw::CONDITIONS_NOT_SATISFIED),
            0xA4 => self.calculate_all(c.data),
            _ => reply(&[], sw::INS_NOT_SUPPORTED),
        }
    }

    /// RENAME: YubiKey 5.3.1 and later (ykman's rule).
    fn renames(&self) -> bool {
        matches!(self.maker, OathMaker::YubiKey { .. }) && self.version >= [5, 3, 1]
    }
}

impl Card for YkoathCard {
    fn atr(&self) -> Vec<u8> {
        match self.maker {
            OathMaker::YubiKey { .. } => YKOATH_ATR.to_vec(),
            // Nothing in the references names these keys' ATRs: a plain contactless one.
            OathMaker::Nitrokey3 { .. } | OathMaker::Generic => contactless_atr(&[]),
        }
    }

    fn power_off(&mut self) {
        self.selected = None;
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
        if c.ins == 0xA5 && self.selected == Some(Applet::Oath) {
            return self.send_remaining();
        }
        self.pending.clear();
        if c.ins == 0xA4 && c.p1 == 0x04 {
            return self.select(c.data);
        }
        match self.selected {
            Some(Applet::Oath) => self.oath(&c),
            Some(applet) => yubico::process(self, applet, &c),
            None => reply(&[], sw::INS_NOT_SUPPORTED),
        }
    }
}
