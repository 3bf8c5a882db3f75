//! What a device answers, parser by parser: Token2 get-info, Molto2 info and a profile's
//! public block, YKOATH SELECT / LIST / CALCULATE / CALCULATE ALL, a YubiKey's device info
//! (its serial, from the management applet), and the APDU framing both
//! ways (a reply's status word, a command as a card reads it). What parses re-encodes to the
//! bytes it came from; what does not is refused with a short message.
//!
//! Input: the first byte picks the parser, the rest is the reply's data (without the status
//! word), or for the framing the raw bytes.

use tokensmith_proto::apdu::{ParsedCommand, Response};
use tokensmith_proto::emulator::{Card, Molto2Card, Token2Card};
use tokensmith_proto::molto2::{self, Molto2Model};
use tokensmith_proto::token2;
use tokensmith_proto::ykoath::{
    self, OathType, TAG_ALGORITHM, TAG_CHALLENGE, TAG_NAME, TAG_NAME_LIST, TAG_PIN_COUNTER,
    TAG_SERIAL, TAG_VERSION,
};
use tokensmith_proto::yubico;

use crate::check;

/// The parsers, in the order the first byte picks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parser {
    Token2Info,
    Molto2Info,
    Molto2Profile,
    OathSelect,
    OathList,
    OathCalculate,
    OathCalculateAll,
    Framing,
    DeviceInfo,
}

pub const PARSERS: [Parser; 9] = [
    Parser::Token2Info,
    Parser::Molto2Info,
    Parser::Molto2Profile,
    Parser::OathSelect,
    Parser::OathList,
    Parser::OathCalculate,
    Parser::OathCalculateAll,
    Parser::Framing,
    Parser::DeviceInfo,
];

/// The input of this target for one parser and its bytes (also how seeds are written).
pub fn encode(parser: Parser, reply: &[u8]) -> Vec<u8> {
    let pick = PARSERS.iter().position(|p| *p == parser).expect("listed") as u8;
    let mut data = vec![pick];
    data.extend_from_slice(reply);
    data
}

pub fn run(data: &[u8]) {
    let Some((&pick, reply)) = data.split_first() else {
        return;
    };
    match PARSERS[usize::from(pick) % PARSERS.len()] {
        Parser::Token2Info => token2_info(reply),
        Parser::Molto2Info => molto2_info(reply),
        Parser::Molto2Profile => profile(reply),
        Parser::OathSelect => select(reply),
        Parser::OathList => list(reply),
        Parser::OathCalculate => calculate(reply),
        Parser::OathCalculateAll => calculate_all(reply),
        Parser::Framing => framing(reply),
        Parser::DeviceInfo => device_info(reply),
    }
}

fn short(e: &impl std::fmt::Display) {
    check::short_message("replies", &e.to_string());
}

/// `[3 header][N][serial N][2][UTC u32 BE]`: the serial and clock are the bytes at their place,
/// the serial without the padding around it (spaces, 00, FF: the reference trims them).
fn check_info_layout(reply: &[u8], serial: &str, utc: u32) {
    let n = usize::from(reply[3]);
    let padding = |b: &u8| b.is_ascii_whitespace() || *b == 0 || *b == 0xFF;
    let field = &reply[4..4 + n];
    let at = field
        .windows(serial.len())
        .position(|w| w == serial.as_bytes())
        .expect("the serial is in its field");
    assert!(field[..at].iter().all(padding) && field[at + serial.len()..].iter().all(padding));
    assert!(!serial.is_empty());
    assert!(serial.bytes().all(|b| b.is_ascii_graphic()));
    assert_eq!(utc.to_be_bytes(), reply[4 + n + 2..4 + n + 6]);
}

/// The data the emulated card answers `apdu` with (`90 00`).
fn answer(mut card: impl Card, apdu: &[u8]) -> Vec<u8> {
    let reply = Response::parse(&card.process(apdu)).expect("a status word");
    assert!(reply.is_success(), "the emulator refused: {:04X}", reply.sw);
    reply.data
}

/// An info reply (Token2's get-info and the Molto2's info share the layout): what parses has
/// its serial and clock at their place, and the emulated card with that serial and clock
/// answers with data that reads the same.
fn info<T: PartialEq + std::fmt::Debug, E: std::fmt::Display>(
    reply: &[u8],
    parse: fn(&[u8]) -> Result<T, E>,
    serial_and_clock: fn(&T) -> (&str, u32),
    emulated: fn(&str, u32) -> Vec<u8>,
) {
    match parse(reply) {
        Ok(info) => {
            let (serial, utc) = serial_and_clock(&info);
            check_info_layout(reply, serial, utc);
            let again = parse(&emulated(serial, utc)).ok();
            assert_eq!(
                again.as_ref(),
                Some(&info),
                "the emulator's answer reads differently"
            );
        }
        Err(e) => short(&e),
    }
}

fn token2_info(reply: &[u8]) {
    info(
        reply,
        token2::parse_info,
        |i| (&i.serial, i.utc),
        |serial, utc| {
            let mut card = Token2Card::new(serial);
            card.set_clock(utc);
            answer(card, &token2::get_info_apdu())
        },
    );
}

fn molto2_info(reply: &[u8]) {
    info(
        reply,
        molto2::parse_info,
        |i| (&i.serial, i.utc),
        |serial, utc| {
            let mut card = Molto2Card::new(Molto2Model::V2, serial);
            card.set_clock(utc);
            answer(card, &molto2::info_apdu())
        },
    );
}

fn profile(reply: &[u8]) {
    match molto2::parse_profile_public(reply) {
        Ok(p) => {
            let v = &reply[4..];
            assert_eq!((reply[0], reply[2]), (0x95, 0x70));
            assert_eq!(p.flag, v[0]);
            assert_eq!(p.tips, v[1..17]);
            assert_eq!(p.rtc.to_be_bytes(), v[17..21]);
            assert_eq!(p.timecfg.to_be_bytes(), v[21..25]);
            assert_eq!([p.algorithm, p.step, p.digits], v[25..28]);
            assert_eq!(p.seed_present, v[28] != 0);
            let title = p.title();
            assert!(
                !title.ends_with('\0'),
                "a title is read back without its zero padding"
            );
            assert!(title.chars().count() <= 16);
        }
        Err(e) => short(&e),
    }
}

fn tlv(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
    out.push(tag);
    out.push(u8::try_from(value.len()).expect("values here fit a TLV"));
    out.extend_from_slice(value);
}

fn select(reply: &[u8]) {
    match ykoath::parse_select(reply) {
        Ok(s) => {
            assert!(!s.version.is_empty());
            assert!(
                !s.password_set() || s.salt.is_some(),
                "a password without a salt cannot be answered"
            );
            assert_eq!(
                s.version_string().split('.').count(),
                s.version.len().max(1)
            );
            // The same facts, written once each in the usual order, read the same.
            let mut again = Vec::new();
            tlv(&mut again, TAG_VERSION, &s.version);
            if let Some(salt) = &s.salt {
                tlv(&mut again, TAG_NAME, salt);
            }
            if let Some(c) = &s.challenge {
                tlv(&mut again, TAG_CHALLENGE, c);
            }
            if let Some(a) = s.algorithm {
                tlv(&mut again, TAG_ALGORITHM, &[a as u8]);
            }
            if let Some(attempts) = s.pin_attempts {
                tlv(&mut again, TAG_PIN_COUNTER, &[attempts]);
            }
            if let Some(serial) = s.serial {
                tlv(&mut again, TAG_SERIAL, &serial.to_be_bytes());
            }
            assert_eq!(ykoath::parse_select(&again).ok(), Some(s));
        }
        Err(e) => short(&e),
    }
}

fn list(reply: &[u8]) {
    match ykoath::parse_list(reply) {
        Ok(listing) => {
            let tlvs = ykoath::parse_tlvs(reply).expect("a list that parses has TLVs");
            let listed = tlvs.iter().filter(|(t, _)| *t == TAG_NAME_LIST).count();
            let entries = listing.credentials;
            assert_eq!(
                entries.len() + listing.others,
                listed,
                "every 72 entry is one credential or one counted other"
            );
            let mut again = Vec::new();
            for e in &entries {
                let mut v = vec![e.oath_type as u8 | e.algorithm as u8];
                v.extend_from_slice(e.name.as_bytes());
                if v.len() > 255 {
                    return;
                }
                tlv(&mut again, TAG_NAME_LIST, &v);
                // What the bridge shows of a name: issuer and account split at the first ':'
                // after the period prefix.
                let (period, issuer, account) = ykoath::parse_credential_name(e.oath_type, &e.name);
                let shown = match &issuer {
                    Some(i) => format!("{i}:{account}"),
                    None => account.clone(),
                };
                assert!(e.name.ends_with(&shown), "{:?} shown as {shown:?}", e.name);
                if e.oath_type == OathType::Hotp {
                    assert_eq!(period, ykoath::DEFAULT_PERIOD);
                }
            }
            let credentials = ykoath::parse_list(&again).map(|l| (l.credentials, l.others));
            assert_eq!(credentials.ok(), Some((entries, 0)));
        }
        Err(e) => short(&e),
    }
}

fn check_code(code: &ykoath::Code) {
    let shown = code.to_string();
    assert_eq!(shown.len(), usize::from(code.digits).max(1), "{shown}");
    assert!(shown.bytes().all(|b| b.is_ascii_digit()));
    let limit = 10u64.pow(u32::from(code.digits.min(10)));
    assert!(u64::from(code.value()) < limit);
}

fn calculate(reply: &[u8]) {
    match ykoath::parse_calculate(reply) {
        Ok(code) => check_code(&code),
        Err(e) => short(&e),
    }
}

fn calculate_all(reply: &[u8]) {
    match ykoath::parse_calculate_all(reply) {
        Ok(results) => {
            let tlvs = ykoath::parse_tlvs(reply).expect("a reply that parses has TLVs");
            assert_eq!(tlvs.len(), 2 * results.len(), "a name and a result each");
            for ((name, result), pair) in results.iter().zip(tlvs.chunks(2)) {
                assert_eq!(pair[0].0, TAG_NAME);
                assert_eq!(name, &String::from_utf8_lossy(pair[0].1));
                if let ykoath::CalculateAllResult::Code(code) = result {
                    check_code(code);
                }
            }
        }
        Err(e) => short(&e),
    }
}

/// A READ CONFIG reply: `<length> <TLVs>`; the serial is tag `02`, 1–4 bytes big-endian, and
/// zero (or none) means the serial is hidden.
fn device_info(reply: &[u8]) {
    let Some(serial) = yubico::parse_device_info_serial(reply) else {
        return;
    };
    assert_ne!(serial, 0, "a zero serial is no serial");
    assert_eq!(
        usize::from(reply[0]),
        reply.len() - 1,
        "the length byte counts the rest"
    );
    let tlvs = ykoath::parse_tlvs(&reply[1..]).expect("a reply that gave a serial has TLVs");
    let (_, v) = tlvs
        .iter()
        .find(|(t, _)| *t == yubico::TAG_SERIAL)
        .expect("the serial is tag 02");
    let mut be = [0u8; 4];
    be[4 - v.len()..].copy_from_slice(v);
    assert_eq!(u32::from_be_bytes(be), serial);
}

fn framing(raw: &[u8]) {
    match Response::parse(raw) {
        Ok(r) => {
            assert_eq!(r.to_bytes(), raw);
            assert_eq!(r.more_data().is_some(), raw[raw.len() - 2] == 0x61);
        }
        Err(e) => {
            short(&e);
            assert!(raw.len() < 2);
        }
    }
    match ParsedCommand::parse(raw) {
        Ok(c) => {
            let mut again = vec![c.cla, c.ins, c.p1, c.p2];
            if !c.header_only {
                again.push(u8::try_from(c.lc).expect("Lc is one byte"));
            }
            again.extend_from_slice(c.data);
            again.extend_from_slice(c.trailing);
            assert_eq!(again, raw);
            assert_eq!(c.data.len(), c.lc);
        }
        Err(e) => short(&e),
    }
}
