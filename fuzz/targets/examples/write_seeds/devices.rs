//! Seeds of the device targets: replies the emulated cards give (`replies`), whole sessions
//! recorded against them (`session`), and command sequences for them (`card`).

use tokensmith_api::DeviceKind;
use tokensmith_core::caps::Model;
use tokensmith_core::otp::Algorithm;
use tokensmith_fuzz_targets::card::{self, Device, Step};
use tokensmith_fuzz_targets::input::Builder;
use tokensmith_fuzz_targets::replies::{self, Parser};
use tokensmith_fuzz_targets::session::{self, params, Op};
use tokensmith_proto::apdu::Response;
use tokensmith_proto::crypto::{pad_seed, pad_title};
use tokensmith_proto::emulator::{Card, EmulatedTransport, Molto2Card, Token2Card, YkoathCard};
use tokensmith_proto::molto2::{
    self, CustomerKey, Molto2Config, Molto2Model, Molto2Session, ProfileBurn,
};
use tokensmith_proto::token2::{self, Token2Config};
use tokensmith_proto::ykoath::{self, CredentialData, OathAlgorithm, YkoathSession};
use tokensmith_proto::yubico;

use crate::Seeds;

const CHALLENGE: [u8; 8] = [1, 2, 3, 4, 5, 6, 7, 8];
const SALT: [u8; 8] = [0x5A; 8];
const CLOCK: u32 = 1_767_225_560;

fn token2_card(model: Model) -> Token2Card {
    token2_serial(&token2::serial_of(model, "000001"))
}

fn token2_serial(serial: &str) -> Token2Card {
    let mut c = Token2Card::new(serial);
    c.set_fixed_challenge(Some(CHALLENGE));
    c.set_clock(CLOCK);
    c
}

fn molto2_card(model: Molto2Model) -> Molto2Card {
    let mut c = Molto2Card::new(model, "MOLTO2SEED01");
    c.set_fixed_challenge(Some(CHALLENGE));
    c.set_clock(CLOCK);
    c
}

fn oath_card(chunk: usize) -> YkoathCard {
    let mut c = YkoathCard::new();
    c.set_max_chunk(chunk);
    c
}

/// The data of what `card` answers to `apdu` (which must succeed).
fn answer(card: &mut impl Card, apdu: &[u8]) -> Vec<u8> {
    let r = Response::parse(&card.process(apdu)).expect("a status word");
    assert!(r.is_success(), "{apdu:02X?}: {:04X}", r.sw);
    r.data
}

/// A SELECT reply with the salt made fixed (the emulator draws a random one).
fn fixed_salt(select_reply: &mut [u8]) {
    if select_reply.get(5..7) == Some(&[ykoath::TAG_NAME, 8]) {
        select_reply[7..15].copy_from_slice(&SALT);
    }
}

pub fn replies() -> Seeds {
    let mut t2 = token2_card(Model::C302);
    let info = answer(&mut t2, &token2::get_info_apdu());
    let mut m2 = molto2_card(Molto2Model::V2);
    let m2_info = answer(&mut m2, &molto2::info_apdu());
    let mut t = EmulatedTransport::new(m2);
    let config =
        Molto2Config::from_values(30, i64::from(CLOCK), Algorithm::Sha256, 8, 60).expect("valid");
    Molto2Session::new(&mut t, &CustomerKey::default(), Molto2Model::V2)
        .burn_profile(
            &ProfileBurn {
                profile: 4,
                seed: b"12345678901234567890",
                config: &config,
                title: Some("GitHub"),
                overwrite: false,
            },
            &mut |_| {},
        )
        .expect("burns");
    let mut m2 = t.into_card();
    let profile = answer(&mut m2, &molto2::profile_data_apdu(4));
    let empty_profile = answer(&mut m2, &molto2::profile_data_apdu(9));
    let mut oath = oath_card(255);
    let mut select = answer(&mut oath, &ykoath::select_apdu());
    fixed_salt(&mut select);
    let mut t = EmulatedTransport::new(oath);
    let mut s = YkoathSession::select(&mut t).expect("selects");
    s.put(&CredentialData::totp(
        "Example:alice",
        OathAlgorithm::Sha256,
        6,
        b"12345678901234567890",
    ))
    .expect("puts");
    let mut hotp = CredentialData::totp("hotp-one", OathAlgorithm::Sha1, 8, b"abcdefghij");
    hotp.oath_type = ykoath::OathType::Hotp;
    s.put(&hotp).expect("puts");
    let mut touch = CredentialData::totp("60/Corp:bob", OathAlgorithm::Sha512, 7, b"0123456789");
    touch.touch = true;
    s.put(&touch).expect("puts");
    drop(s);
    let mut oath = t.into_card();
    let list = answer(&mut oath, &ykoath::list_apdu());
    let calculate = answer(
        &mut oath,
        &ykoath::calculate_apdu("Example:alice", Some(59_000_000)).expect("a name"),
    );
    let all = answer(&mut oath, &ykoath::calculate_all_apdu(59_000_000));
    let with_password = [
        &[0x79, 3, 5, 4, 3, 0x71, 8][..],
        &SALT,
        &[0x74, 8],
        &CHALLENGE,
        &[0x7B, 1, 1, 0x8F, 4, 0, 0x12, 0xD6, 0x87],
    ]
    .concat();
    let nitrokey_pin = answer(
        &mut YkoathCard::nitrokey3(0x0012_D687, Some(8)),
        &ykoath::select_apdu(),
    );
    let mut yubikey = YkoathCard::yubikey([5, 4, 3], Some(12_345_678));
    answer(&mut yubikey, &yubico::select_apdu(&yubico::MANAGEMENT_AID));
    let device_info = answer(&mut yubikey, &yubico::read_config_apdu());
    let seeds: Vec<(&'static str, Parser, Vec<u8>)> = vec![
        ("token2-info", Parser::Token2Info, info.clone()),
        ("token2-info-short", Parser::Token2Info, info[..12].to_vec()),
        ("token2-info-control-char", Parser::Token2Info, {
            let mut i = info.clone();
            i[6] = 0x07;
            i
        }),
        ("molto2-info", Parser::Molto2Info, m2_info),
        ("molto2-profile", Parser::Molto2Profile, profile.clone()),
        ("molto2-profile-empty", Parser::Molto2Profile, empty_profile),
        (
            "molto2-profile-short",
            Parser::Molto2Profile,
            profile[..20].to_vec(),
        ),
        ("oath-select", Parser::OathSelect, select),
        (
            "oath-select-password-serial",
            Parser::OathSelect,
            with_password,
        ),
        (
            "oath-select-no-salt",
            Parser::OathSelect,
            vec![0x79, 3, 5, 4, 3],
        ),
        (
            "oath-select-nitrokey3-pin",
            Parser::OathSelect,
            nitrokey_pin,
        ),
        ("oath-list", Parser::OathList, list.clone()),
        (
            "oath-list-bad-type",
            Parser::OathList,
            vec![0x72, 3, 0x35, b'a', b'b'],
        ),
        ("oath-calculate", Parser::OathCalculate, calculate),
        (
            "oath-calculate-wide",
            Parser::OathCalculate,
            vec![0x76, 5, 200, 0xFF, 0xFF, 0xFF, 0xFF],
        ),
        ("oath-calculate-all", Parser::OathCalculateAll, all),
        (
            "oath-calculate-all-orphan-name",
            Parser::OathCalculateAll,
            vec![0x71, 1, b'x'],
        ),
        (
            "yubikey-device-info",
            Parser::DeviceInfo,
            device_info.clone(),
        ),
        (
            "yubikey-device-info-serial-hidden",
            Parser::DeviceInfo,
            vec![4, 0x01, 0x02, 0x02, 0x3B],
        ),
        ("framing-reply", Parser::Framing, vec![0xAB, 0x61, 0x10]),
        ("framing-command", Parser::Framing, token2::get_info_apdu()),
        (
            "framing-promises-more",
            Parser::Framing,
            vec![0x80, 0x41, 0, 0, 0x16],
        ),
    ];
    seeds
        .into_iter()
        .map(|(name, parser, reply)| (name, replies::encode(parser, &reply)))
        .collect()
}

/// A session recorded against `card`: the setup bytes, then every reply the card gave.
fn recorded<C: Card>(setup: Vec<u8>, card: C) -> Vec<u8> {
    let mut t = EmulatedTransport::new(card);
    session::drive(&setup, &mut t).expect("the emulated card goes through the session");
    t.log()
        .iter()
        .fold(Builder::new().rest(&setup), |b, e| {
            let mut reply = e.response.clone();
            if e.command == ykoath::select_apdu() {
                fixed_salt(&mut reply);
            }
            b.chunk(&reply)
        })
        .build()
}

/// An OATH card that already holds the session's credential (and another).
fn oath_holding(chunk: usize) -> YkoathCard {
    let mut t = EmulatedTransport::new(oath_card(chunk));
    let mut s = YkoathSession::select(&mut t).expect("selects");
    let name = format!("{}:{}", session::ISSUER, session::ACCOUNT);
    s.put(&CredentialData::totp(
        &name,
        OathAlgorithm::Sha1,
        6,
        &session::SEED,
    ))
    .expect("puts");
    for i in 0..6 {
        let other = format!("Other{i}:someone-with-a-long-name");
        s.put(&CredentialData::totp(
            &other,
            OathAlgorithm::Sha256,
            8,
            b"0123456789",
        ))
        .expect("puts");
    }
    drop(s);
    t.into_card()
}

fn molto2_with_seed(model: Molto2Model, profile: u8) -> Molto2Card {
    let mut t = EmulatedTransport::new(molto2_card(model));
    let config =
        Molto2Config::from_values(30, i64::from(CLOCK), Algorithm::Sha1, 6, 30).expect("valid");
    Molto2Session::new(&mut t, &CustomerKey::default(), model)
        .burn_profile(
            &ProfileBurn {
                profile,
                seed: b"an earlier seed",
                config: &config,
                title: None,
                overwrite: false,
            },
            &mut |_| {},
        )
        .expect("burns");
    t.into_card()
}

pub fn session() -> Seeds {
    use session::setup;
    let token2 = || token2_card(Model::C302);
    let burn = recorded(setup(Op::Burn, None, 0, 0, 0, 2), token2());
    // The same burn, refused at the first authentication (a locked token answers 69 83).
    let info_and_challenge: Vec<u8> = {
        let mut c = token2();
        let info = c.process(&token2::get_info_apdu());
        let challenge = c.process(&token2::get_challenge_apdu());
        Builder::new()
            .rest(&setup(Op::Burn, None, 0, 0, 0, 2))
            .chunk(&info)
            .chunk(&challenge)
            .chunk(&[0x69, 0x83])
            .chunk(&[0x90, 0x00])
            .build()
    };
    vec![
        ("token2-burn", burn.clone()),
        ("token2-burn-card-gone", burn[..burn.len() - 12].to_vec()),
        ("token2-auth-refused", info_and_challenge),
        (
            "token2-burn-sha256-60-forced-kind",
            recorded(
                setup(
                    Op::Burn,
                    Some(DeviceKind::Token2),
                    params::SHA256 | params::PERIOD_60,
                    0,
                    0,
                    0,
                ),
                token2(),
            ),
        ),
        (
            "token2-unknown-model-forced",
            recorded(
                setup(Op::Burn, None, params::FORCE, 0, 0, 0),
                token2_serial("ZZ0000042"),
            ),
        ),
        (
            "token2-sync-confirmed",
            recorded(setup(Op::Sync, None, params::FORCE, 0, 0, 2), token2()),
        ),
        (
            "token2-info",
            recorded(setup(Op::Info, None, 0, 0, 0, 2), token2()),
        ),
        (
            "molto2-burn-title-8-digits",
            recorded(
                setup(Op::Burn, None, params::TITLE | params::DIGITS_8, 7, 1, 0),
                molto2_card(Molto2Model::V2),
            ),
        ),
        (
            "molto2v1-profiles",
            recorded(
                setup(Op::Profiles, None, 0, 0, 1, 0),
                molto2_card(Molto2Model::V1),
            ),
        ),
        (
            "molto2-title",
            recorded(
                setup(Op::Title, None, 0, 3, 1, 0),
                molto2_card(Molto2Model::V2),
            ),
        ),
        (
            "molto2-delete",
            recorded(
                setup(Op::DeleteProfile, None, 0, 2, 1, 0),
                molto2_with_seed(Molto2Model::V2, 2),
            ),
        ),
        (
            "molto2v1-sync-forced-kind",
            recorded(
                setup(Op::Sync, Some(DeviceKind::Molto2), 0, 0, 0, 0),
                molto2_card(Molto2Model::V1),
            ),
        ),
        (
            "oath-burn",
            recorded(
                setup(Op::Burn, None, params::SHA256, 0, 2, 1),
                oath_card(255),
            ),
        ),
        (
            "oath-burn-touch-8-digits-60",
            recorded(
                setup(
                    Op::Burn,
                    Some(DeviceKind::Oath),
                    params::TOUCH | params::DIGITS_8 | params::PERIOD_60,
                    0,
                    0,
                    1,
                ),
                oath_card(255),
            ),
        ),
        (
            "oath-list-chained",
            recorded(setup(Op::OathList, None, 0, 0, 2, 1), oath_holding(40)),
        ),
        (
            "oath-code",
            recorded(setup(Op::OathCode, None, 0, 0, 2, 1), oath_holding(200)),
        ),
        (
            "oath-delete",
            recorded(setup(Op::OathDelete, None, 0, 0, 2, 0), oath_holding(200)),
        ),
        (
            "oath-rename",
            recorded(setup(Op::OathRename, None, 0, 0, 2, 1), oath_holding(200)),
        ),
        (
            "oath-password-set",
            recorded(setup(Op::OathPassword, None, 0, 0, 2, 1), oath_card(255)),
        ),
        (
            "oath-password-change",
            recorded(
                setup(Op::OathPassword, None, params::PASSWORD, 0, 2, 1),
                YkoathCard::with_password(session::PASSWORD),
            ),
        ),
    ]
}

fn steps(device: Device) -> Builder {
    Builder::new().byte(card::device_byte(device))
}

/// A host-framed command: INS, P1, P2, mode (1: encrypt), body.
fn command(b: Builder, ins: u8, p1: u8, p2: u8, encrypt: bool, body: &[u8]) -> Builder {
    b.byte(card::step_byte(Step::Command))
        .byte(ins)
        .byte(p1)
        .byte(p2)
        .byte(u8::from(encrypt))
        .chunk(body)
}

fn raw(b: Builder, apdu: &[u8]) -> Builder {
    b.byte(card::step_byte(Step::Raw)).chunk(apdu)
}

fn step(b: Builder, s: Step) -> Builder {
    b.byte(card::step_byte(s))
}

pub fn card() -> Seeds {
    let now = 1_767_225_600;
    let t2_config = Token2Config::from_values(30, now, Algorithm::Sha1, 30)
        .expect("valid")
        .tlv();
    let token2_burn = |model| {
        let b = step(steps(Device::Token2(model)), Step::Authenticate);
        let b = command(b, 0xD4, 0, 0, false, &t2_config);
        let b = step(b, Step::Authenticate);
        let b = command(b, 0xC5, 1, 0, true, &pad_seed(b"a seed of twenty b."));
        let b = raw(b, &token2::get_info_apdu());
        raw(b, &[0x84, 0xC5, 1, 0, 0x14, 0, 0, 0, 0])
    };
    let m2_config = Molto2Config::from_values(60, now, Algorithm::Sha256, 8, 60)
        .expect("valid")
        .tlv();
    let new_key = CustomerKey::from_bytes(b"another-key-0001")
        .expect("16 bytes")
        .sm4_key();
    let key_change = [&[0u8][..], new_key.as_bytes(), &[0x80], &[0; 14]].concat();
    let molto2 = {
        let b = raw(steps(Device::Molto2(Molto2Model::V2)), &molto2::info_apdu());
        let b = raw(b, &molto2::profile_data_apdu(0));
        let b = step(b, Step::Authenticate);
        let b = command(b, 0xD4, 1, 5, false, &m2_config);
        let b = command(b, 0xC5, 1, 5, true, &pad_seed(b"profile five seed"));
        let b = command(b, 0xD5, 0, 5, true, &pad_title(b"Five"));
        let b = raw(b, &molto2::profile_data_apdu(5));
        let b = raw(b, &molto2::delete_seed_apdu(0));
        let b = raw(b, &molto2::lock_screen_apdu());
        let b = command(b, 0xD7, 0, 0, true, &key_change);
        step(b, Step::Press)
    };
    let molto2_reset = {
        let b = raw(
            steps(Device::Molto2(Molto2Model::V1)),
            &molto2::challenge_apdu(),
        );
        let b = raw(b, &[[0x80, 0xCE, 0, 0, 0x10].as_slice(), &[0; 16]].concat());
        let b = raw(b, &molto2::factory_reset_apdu());
        let b = step(b, Step::Press);
        step(b, Step::PowerCycle)
    };
    let name = "Example:alice";
    let mut hotp = CredentialData::totp("counter", OathAlgorithm::Sha1, 6, b"12345678901234567890");
    hotp.oath_type = ykoath::OathType::Hotp;
    hotp.counter = Some(7);
    let oath_ops = |device| {
        let b = raw(steps(device), &ykoath::select_apdu());
        let b = raw(
            b,
            &ykoath::put_apdu(&CredentialData::totp(
                name,
                OathAlgorithm::Sha256,
                8,
                b"0123456789",
            ))
            .expect("a credential"),
        );
        let b = raw(b, &ykoath::put_apdu(&hotp).expect("a credential"));
        let b = raw(b, &ykoath::list_apdu());
        let b = raw(b, &ykoath::send_remaining_apdu());
        let b = raw(
            b,
            &ykoath::calculate_apdu(name, Some(58_907_520)).expect("a name"),
        );
        let b = raw(b, &ykoath::calculate_apdu("counter", None).expect("a name"));
        let b = raw(b, &ykoath::calculate_all_apdu(58_907_520));
        let b = command(b, ykoath::INS_SEND_REMAINING, 0, 0, false, &[]);
        let b = raw(b, &ykoath::rename_apdu(name, "Renamed:x").expect("names"));
        let b = raw(b, &ykoath::delete_apdu("Renamed:x").expect("a name"));
        let b = raw(b, &ykoath::clear_code_apdu());
        raw(b, &ykoath::reset_apdu())
    };
    let yubikey_serial = {
        let b = raw(
            steps(Device::Oath {
                password: false,
                chunk: 255,
            }),
            &yubico::select_apdu(&yubico::MANAGEMENT_AID),
        );
        let b = raw(b, &yubico::read_config_apdu());
        let b = raw(b, &yubico::select_apdu(&yubico::OTP_AID));
        let b = raw(b, &yubico::otp_serial_apdu());
        raw(b, &ykoath::select_apdu())
    };
    let oath_password = {
        let b = raw(
            steps(Device::Oath {
                password: true,
                chunk: 255,
            }),
            &ykoath::select_apdu(),
        );
        let b = raw(b, &ykoath::list_apdu());
        let b = step(b, Step::Authenticate);
        let b = raw(b, &ykoath::list_apdu());
        let b = step(b, Step::PowerCycle);
        raw(b, &ykoath::list_apdu())
    };
    vec![
        ("token2-c302-burn", token2_burn(Some(Model::C302)).build()),
        (
            "token2-otpc-p1-config-clears",
            token2_burn(Some(Model::OtpcP1)).build(),
        ),
        ("token2-unknown-serial", token2_burn(None).build()),
        ("molto2v2-profile-key-change", molto2.build()),
        ("molto2v1-wrong-key-reset", molto2_reset.build()),
        (
            "oath",
            oath_ops(Device::Oath {
                password: false,
                chunk: 255,
            })
            .build(),
        ),
        (
            "oath-chunked",
            oath_ops(Device::Oath {
                password: false,
                chunk: 16,
            })
            .build(),
        ),
        ("oath-password", oath_password.build()),
        (
            "nitrokey3",
            oath_ops(Device::Nitrokey3 { pin: false }).build(),
        ),
        (
            "nitrokey3-pin",
            oath_ops(Device::Nitrokey3 { pin: true }).build(),
        ),
        ("yubikey-serial-applets", yubikey_serial.build()),
        ("garbage", vec![0, 0, 3, 0xFF, 0xFF, 0xFF, 2, 7]),
    ]
}
