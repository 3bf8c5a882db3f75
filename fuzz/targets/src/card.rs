//! The card side: the emulated Token2, Molto2 and YKOATH cards (what `--simulate`, the vpcd
//! card and every protocol test talk to) read hostile command sequences. The fuzzer mixes
//! raw APDUs with commands the host side frames properly (authenticated, MAC'd, encrypted
//! with the right key), so it reaches what lies behind the secure channel too.
//!
//! Beyond "no panic":
//! - every reply ends in a status word of an ISO 7816-4 class;
//! - no reply ever carries a seed the card holds (a seed burned before the sequence);
//! - a command without a valid MAC changes no seed, configuration or title (a Molto2 may
//!   only lose a seed, to an authenticated delete);
//! - a single-profile model whose configuration write clears the seed has none after one;
//! - whatever came before, the genuine host session still works afterwards (unless the
//!   sequence locked the card or changed its key): a burn stores exactly its seed and
//!   configuration, an OATH credential computes the host's code.
//!
//! Input: the first byte picks the card ([`DEVICES`]); then steps, each a byte choosing
//! what it is ([`Step`]) followed by its bytes.

use tokensmith_core::caps::Model;
use tokensmith_core::otp::{self, Algorithm, OtpParams};
use tokensmith_proto::apdu::{Command, ParsedCommand, Response};
use tokensmith_proto::crypto::Sm4Key;
use tokensmith_proto::emulator::{EmulatedTransport, Molto2Card, Token2Card, YkoathCard};
use tokensmith_proto::molto2::{
    CustomerKey, Molto2Config, Molto2Model, Molto2Session, ProfileBurn,
};
use tokensmith_proto::token2::{self, Token2Config, Token2Session};
use tokensmith_proto::ykoath::{CredentialData, OathAlgorithm, YkoathSession};

use crate::input::Input;

/// A seed the card holds before the sequence starts; no reply may ever show it.
pub const HELD: [u8; 20] = [
    0xd1, 0x5e, 0x07, 0xa2, 0x9b, 0x34, 0xcf, 0x68, 0x13, 0xe0, 0x7d, 0x46, 0xb9, 0x22, 0x8e, 0x55,
    0xf0, 0x0c, 0xa7, 0x39,
];

/// What the genuine session burns at the end.
const FINAL_SEED: &[u8] = b"final-seed-0123456789";

/// The access password of the password-protected OATH cards.
pub const PASSWORD: &str = "fuzz-card-password";

/// Their salt: fixed, so the access key is derived once per process (see
/// `tokensmith_proto::ykoath::derive_access_key` in fuzzing builds), not for every input.
const SALT: [u8; 8] = *b"fuzzsalt";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// A single-profile token of this model (`None`: an unknown serial prefix).
    Token2(Option<Model>),
    Molto2(Molto2Model),
    /// An OATH applet; with the access password [`PASSWORD`]; replies chained in parts of
    /// this many bytes.
    Oath {
        password: bool,
        chunk: usize,
    },
    /// A Nitrokey 3's Secrets app (no serial applets, serial in SELECT); with a PIN set: no
    /// salt, so no access password.
    Nitrokey3 {
        pin: bool,
    },
}

pub const DEVICES: [Device; 10] = [
    Device::Token2(Some(Model::C302)),
    Device::Token2(Some(Model::OtpcP1)),
    Device::Token2(None),
    Device::Molto2(Molto2Model::V1),
    Device::Molto2(Molto2Model::V2),
    Device::Oath {
        password: false,
        chunk: 255,
    },
    Device::Oath {
        password: true,
        chunk: 255,
    },
    Device::Oath {
        password: false,
        chunk: 16,
    },
    Device::Nitrokey3 { pin: false },
    Device::Nitrokey3 { pin: true },
];

impl Device {
    fn has_pin(&self) -> bool {
        matches!(self, Device::Nitrokey3 { pin: true })
    }
}

/// One step of a sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A length-prefixed APDU, sent as it is.
    Raw,
    /// The host authenticates properly (Token2/Molto2: challenge and cryptogram; OATH: SELECT
    /// and VALIDATE with the password).
    Authenticate,
    /// INS, P1, P2, a mode byte and a length-prefixed body, framed by the host: Token2/Molto2
    /// a MAC'd `84` command (mode bit 0: the body is encrypted, zero-padded to whole blocks),
    /// OATH a `00` command.
    Command,
    /// Power off and on.
    PowerCycle,
    /// The user presses ▲ (Molto2; nothing on the others).
    Press,
}

pub const STEPS: [Step; 5] = [
    Step::Raw,
    Step::Authenticate,
    Step::Command,
    Step::PowerCycle,
    Step::Press,
];

/// The byte that chooses `step` (for seeds).
pub fn step_byte(step: Step) -> u8 {
    STEPS.iter().position(|s| *s == step).expect("listed") as u8
}

/// The byte that chooses `device` (for seeds).
pub fn device_byte(device: Device) -> u8 {
    DEVICES.iter().position(|d| *d == device).expect("listed") as u8
}

enum Emulated {
    Token2(EmulatedTransport<Token2Card>),
    Molto2(EmulatedTransport<Molto2Card>, Molto2Model),
    Oath(EmulatedTransport<YkoathCard>),
}

/// What a Token2-family card holds: per profile (config, seed, title), compared before and
/// after a step.
type Held = Vec<(Option<String>, Option<Vec<u8>>, Option<Vec<u8>>)>;

impl Emulated {
    fn new(device: Device) -> Emulated {
        match device {
            Device::Token2(model) => {
                let mut card = match model {
                    Some(m) => Token2Card::of_model(m),
                    None => Token2Card::new("ZZ0000001"),
                };
                card.set_seed(Some(&HELD));
                Emulated::Token2(EmulatedTransport::new(card))
            }
            Device::Molto2(model) => {
                let mut t = EmulatedTransport::new(Molto2Card::new(model, "MOLTO2FUZZ01"));
                let config = Molto2Config::from_values(30, 1_700_000_000, Algorithm::Sha1, 6, 30)
                    .expect("valid");
                Molto2Session::new(&mut t, &CustomerKey::default(), model)
                    .burn_profile(
                        &ProfileBurn {
                            profile: 0,
                            seed: &HELD,
                            config: &config,
                            title: Some("held"),
                            overwrite: false,
                        },
                        &mut |_| {},
                    )
                    .expect("a fresh Molto2 takes a burn");
                Emulated::Molto2(t, model)
            }
            Device::Oath { .. } | Device::Nitrokey3 { .. } => {
                let card = match device {
                    Device::Oath { password, chunk } => {
                        let mut card = if password {
                            YkoathCard::with_password_and_salt(PASSWORD, SALT)
                        } else {
                            YkoathCard::new()
                        };
                        card.set_max_chunk(chunk);
                        card
                    }
                    _ => YkoathCard::nitrokey3(0x0012_D687, device.has_pin().then_some(8)),
                };
                let mut t = EmulatedTransport::new(card);
                YkoathSession::open(&mut t, Some(PASSWORD))
                    .and_then(|mut s| {
                        s.put(&CredentialData::totp("held", OathAlgorithm::Sha1, 6, &HELD))
                    })
                    .expect("a fresh applet takes a credential");
                Emulated::Oath(t)
            }
        }
    }

    fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        use tokensmith_proto::Transport;
        let reply = match self {
            Emulated::Token2(t) => t.transmit(apdu),
            Emulated::Molto2(t, _) => t.transmit(apdu),
            Emulated::Oath(t) => t.transmit(apdu),
        };
        reply.expect("an inserted emulated card always answers")
    }

    /// The card's secure-channel key (Token2 family).
    fn key(&self) -> Option<Sm4Key> {
        match self {
            Emulated::Token2(_) => Some(token2::device_key()),
            Emulated::Molto2(..) => Some(CustomerKey::default().sm4_key()),
            Emulated::Oath(_) => None,
        }
    }

    fn held(&self) -> Held {
        match self {
            Emulated::Token2(t) => {
                let c = t.card();
                vec![(
                    c.stored_config().map(|c| format!("{c:?}")),
                    c.stored_seed().map(<[u8]>::to_vec),
                    None,
                )]
            }
            Emulated::Molto2(t, model) => (0..model.profile_count())
                .map(|p| {
                    let c = t.card();
                    (
                        c.stored_config(p).map(|c| format!("{c:?}")),
                        c.stored_seed(p).map(<[u8]>::to_vec),
                        c.stored_title(p).map(<[u8]>::to_vec),
                    )
                })
                .collect(),
            Emulated::Oath(_) => Vec::new(),
        }
    }
}

pub fn run(data: &[u8]) {
    let mut input = Input::new(data);
    let device = input.pick(&DEVICES);
    let mut card = Emulated::new(device);
    // A Molto2 key change the user confirmed: the host no longer knows the key.
    let mut key_changed = false;
    let mut key_change_pending = false;
    while let Some(step) = input.byte() {
        let step = STEPS[usize::from(step) % STEPS.len()];
        let (apdu, reply) = match step {
            Step::Raw => {
                let Some(apdu) = input.chunk() else { break };
                let apdu = apdu.to_vec();
                let before = card.held();
                let reply = card.transmit(&apdu);
                check_unauthenticated(&card, &apdu, &before);
                (apdu, reply)
            }
            Step::Authenticate => {
                authenticate(&mut card);
                continue;
            }
            Step::Command => {
                let Some(apdu) = framed(&card, &mut input) else {
                    break;
                };
                let reply = card.transmit(&apdu);
                (apdu, reply)
            }
            Step::PowerCycle => {
                match &mut card {
                    Emulated::Token2(t) => t.power_cycle(),
                    Emulated::Molto2(t, _) => t.power_cycle(),
                    Emulated::Oath(t) => t.power_cycle(),
                }
                key_change_pending = false;
                continue;
            }
            Step::Press => {
                if let Emulated::Molto2(t, _) = &mut card {
                    key_changed |= key_change_pending && t.card().confirmation_pending();
                    key_change_pending = false;
                    t.card_mut().press_button();
                }
                continue;
            }
        };
        check_reply(&apdu, &reply);
        let sw = Response::parse(&reply).expect("checked").sw;
        if let Emulated::Token2(t) = &card {
            if apdu.get(..2) == Some(&[0x84, 0xD4]) && sw == 0x9000 {
                let clears = token2::config_write_clears_seed(t.card().serial());
                assert!(
                    !clears || t.card().stored_seed().is_none(),
                    "this model's configuration write clears the seed"
                );
            }
        }
        if apdu.get(..2) == Some(&[0x84, 0xD7]) && sw == 0x9060 {
            key_change_pending = true;
        }
    }
    genuine_session_works(card, key_changed);
}

fn check_reply(apdu: &[u8], reply: &[u8]) {
    let r = Response::parse(reply)
        .unwrap_or_else(|_| panic!("{apdu:02X?} answered without a status word: {reply:02X?}"));
    assert!(
        matches!(
            r.sw1(),
            0x90 | 0x61 | 0x62 | 0x63 | 0x67 | 0x69 | 0x6A | 0x6D | 0x6E | 0x6F
        ),
        "{apdu:02X?} answered {:04X}",
        r.sw
    );
    for window in HELD.windows(8) {
        assert!(
            !reply.windows(8).any(|w| w == window),
            "{apdu:02X?} answered with the held seed"
        );
    }
}

/// A command without a valid MAC changes nothing the host burned (a Molto2 profile may only
/// lose its seed, to an authenticated delete).
fn check_unauthenticated(card: &Emulated, apdu: &[u8], before: &Held) {
    let (Some(key), Ok(c)) = (card.key(), ParsedCommand::parse(apdu)) else {
        return;
    };
    if c.cla == 0x84 && key.verify_secured(c.ins, c.p1, c.p2, c.data).is_some() {
        return;
    }
    let after = card.held();
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(
            b.0, a.0,
            "{apdu:02X?} changed a configuration without a MAC"
        );
        assert!(
            a.1.is_none() || a.1 == b.1,
            "{apdu:02X?} changed a seed without a MAC"
        );
        assert_eq!(b.2, a.2, "{apdu:02X?} changed a title without a MAC");
    }
}

/// The host's own authentication; a refusal (a locked card, a changed key) is the card's
/// right.
fn authenticate(card: &mut Emulated) {
    let _ = match card {
        Emulated::Token2(t) => Token2Session::new(t).authenticate().map_err(drop),
        Emulated::Molto2(t, model) => Molto2Session::new(t, &CustomerKey::default(), *model)
            .authenticate()
            .map_err(drop),
        Emulated::Oath(t) => YkoathSession::open(t, Some(PASSWORD))
            .map(drop)
            .map_err(drop),
    };
}

/// A command framed by the host from INS, P1, P2, a mode byte and a body.
fn framed(card: &Emulated, input: &mut Input) -> Option<Vec<u8>> {
    let (ins, p1, p2, mode) = (input.byte()?, input.byte()?, input.byte()?, input.byte()?);
    let body = input.chunk()?;
    Some(match card.key() {
        Some(key) => {
            let body = &body[..body.len().min(240)];
            if mode & 1 == 1 {
                let mut plain = body.to_vec();
                plain.resize(body.len().div_ceil(16) * 16, 0);
                key.encrypted_apdu(ins, p1, p2, &plain).to_vec()
            } else {
                key.secure_apdu(ins, p1, p2, body)
            }
        }
        None => Command::with_data(0x00, ins, p1, p2, body.to_vec()).to_bytes(),
    })
}

/// Whatever the sequence did, the genuine host session still burns and reads back.
fn genuine_session_works(card: Emulated, key_changed: bool) {
    const NOW: i64 = 1_767_225_600;
    match card {
        Emulated::Token2(mut t) => {
            let config = Token2Config::from_values(60, NOW, Algorithm::Sha256, 60).expect("valid");
            Token2Session::new(&mut t)
                .burn(FINAL_SEED, &config, &mut |_| {})
                .expect("a Token2 always takes a genuine burn");
            let c = t.card();
            assert_eq!(c.stored_seed(), Some(FINAL_SEED));
            let stored = c.stored_config().expect("a config");
            assert_eq!(
                (stored.display, stored.utc, stored.algorithm, stored.step),
                (2, NOW as u32, 2, 60)
            );
        }
        Emulated::Molto2(mut t, model) => {
            if key_changed || t.card().is_locked() {
                return;
            }
            let config =
                Molto2Config::from_values(15, NOW, Algorithm::Sha256, 8, 60).expect("valid");
            Molto2Session::new(&mut t, &CustomerKey::default(), model)
                .burn_profile(
                    &ProfileBurn {
                        profile: 1,
                        seed: FINAL_SEED,
                        config: &config,
                        title: Some("final"),
                        overwrite: true,
                    },
                    &mut |_| {},
                )
                .expect("a Molto2 with its key takes a genuine burn");
            let c = t.card();
            assert_eq!(c.stored_seed(1), Some(FINAL_SEED));
            assert_eq!(c.stored_title(1), Some(&b"final"[..]));
            let stored = c.stored_config(1).expect("a config");
            assert_eq!(
                (stored.utc, stored.algorithm, stored.digits, stored.step),
                (NOW as u32, 2, 8, 60)
            );
        }
        Emulated::Oath(mut t) => {
            let full = t.card().credentials().len() >= 32;
            let mut s = YkoathSession::open(&mut t, Some(PASSWORD))
                .expect("the applet opens with its password, or has none");
            if full {
                return;
            }
            s.put(&CredentialData::totp(
                "final",
                OathAlgorithm::Sha256,
                8,
                FINAL_SEED,
            ))
            .expect("the applet takes a credential");
            let code = s.calculate_totp("final", NOW as u64).expect("a code");
            let params = OtpParams {
                algorithm: Algorithm::Sha256,
                digits: 8,
                period: 30,
            };
            assert_eq!(
                code.to_string(),
                otp::totp(FINAL_SEED, &params, NOW).expect("valid")
            );
        }
    }
}
