//! A whole session with a device that may answer anything: the bridge's device operations
//! (detection, then a burn, a clock sync, Molto2 profiles or OATH credentials) over a
//! transport whose replies are the input, so every reply parser, the status-word handling and
//! the response chaining of the one exchange see hostile bytes in the order a session asks.
//!
//! Beyond "no panic":
//! - every command is framed the way its protocol reads it (Token2's "byte 5 is Lc");
//! - a reply `61 xx` is followed by the protocol's own follow-up (GET RESPONSE for the Token2
//!   family, SEND REMAINING for YKOATH), and nothing else;
//! - detection writes nothing, and once the device refused a command (a status word other than
//!   `90 00` / `61 xx`, a reply without one, or no reply: the card gone) the operation sends no
//!   further write, authentication or validation — a refusal is final, never retried;
//! - an operation that reports success really sent what it claims, exactly once, and the
//!   device acknowledged it: the seed the device received (decrypted with the device key, or
//!   the OATH key as processed) is the user's, the configuration carries the host clock, a
//!   Molto2 profile is the one asked for;
//! - errors are short and never carry the seed, the password or the customer key.
//!
//! Input: four bytes of setup (operation and assumed kind, burn parameters, profile, reader
//! name and ATR; see [`setup`]), then the device's replies, each a length byte and that many
//! bytes (data, then the status word). When the replies run out, the card is gone.

use data_encoding::{BASE32_NOPAD, HEXLOWER};
use hardware_bridge::device::oath::PasswordChange;
use hardware_bridge::device::plan::{most_capable, plan_burn, BurnParams};
use hardware_bridge::device::{self, burn, clock, molto2, oath, Credentials, Detected};
use hardware_bridge::error::BridgeError;
use tokensmith_api::{BurnResult, DeviceKind, SecretString, Verification};
use tokensmith_core::otp::{self, Algorithm};
use tokensmith_core::secret::Secret;
use tokensmith_proto::crypto::{unpad_marker, Sm4Key};
use tokensmith_proto::emulator::YKOATH_ATR;
use tokensmith_proto::molto2::{CustomerKey, Molto2Config, DEFAULT_CUSTOMER_KEY};
use tokensmith_proto::token2::{self, Token2Config};
use tokensmith_proto::ykoath::{self, parse_tlvs, OathAlgorithm, TAG_KEY, TAG_NAME};
use tokensmith_proto::{yubico, Transport, TransportError};

use crate::check;
use crate::input::Input;

/// The host clock of every session (2026-01-01): codes and clocks are reproducible.
pub const NOW: i64 = 1_767_225_600;

/// The seed every burn writes.
pub const SEED: [u8; 20] = [
    0x3a, 0x9c, 0x41, 0xe7, 0x5d, 0x02, 0xb8, 0x6f, 0x93, 0x17, 0xc4, 0x2e, 0x88, 0x51, 0xfa, 0x0b,
    0x66, 0xd9, 0x24, 0x7c,
];

/// The OATH access password the session gives when its setup says so.
pub const PASSWORD: &str = "fuzz-oath-password";

/// The access password an OATH password operation sets (or changes to).
pub const NEW_PASSWORD: &str = "fuzz-new-oath-password";

/// The Molto2 title and the OATH credential the operations use.
pub const TITLE: &str = "Fuzz";
pub const ISSUER: &str = "Example";
pub const ACCOUNT: &str = "alice";
/// What a rename makes of the credential.
pub const NEW_ISSUER: &str = "Renamed";
pub const NEW_ACCOUNT: &str = "bob";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Info,
    Burn,
    Sync,
    Profiles,
    Title,
    DeleteProfile,
    OathList,
    OathDelete,
    OathCode,
    OathRename,
    OathPassword,
}

pub const OPS: [Op; 11] = [
    Op::Info,
    Op::Burn,
    Op::Sync,
    Op::Profiles,
    Op::Title,
    Op::DeleteProfile,
    Op::OathList,
    Op::OathDelete,
    Op::OathCode,
    Op::OathRename,
    Op::OathPassword,
];

/// `None`: the bridge detects the kind.
pub const KINDS: [Option<DeviceKind>; 4] = [
    None,
    Some(DeviceKind::Token2),
    Some(DeviceKind::Molto2),
    Some(DeviceKind::Oath),
];

/// Reader names: an ordinary one, one that names a Molto2 (detection trusts it), a YubiKey's.
pub const READERS: [&str; 3] = [
    "ACS ACR122U PICC Interface 00 00",
    "Token2 Molto2 CCID 00 00",
    "Yubico YubiKey OTP+FIDO+CCID 00 00",
];

/// Burn parameters, one byte: bits 0–1 algorithm, 2 digits 8, 3 period 60, 4 a title,
/// 5 touch, 6 force an unknown Token2 model / confirm clearing the seed on sync / replace an
/// OATH credential of the same name,
/// 7 give the OATH password.
pub mod params {
    pub const SHA256: u8 = 1;
    pub const SHA512: u8 = 2;
    pub const DIGITS_8: u8 = 1 << 2;
    pub const PERIOD_60: u8 = 1 << 3;
    pub const TITLE: u8 = 1 << 4;
    pub const TOUCH: u8 = 1 << 5;
    pub const FORCE: u8 = 1 << 6;
    pub const PASSWORD: u8 = 1 << 7;
}

/// The four setup bytes of an input (for seeds): operation, assumed kind, burn parameters
/// ([`params`]), profile, reader ([`READERS`] index) and ATR (0 none, 1 a YubiKey's, 2 a
/// contactless Token2's).
pub fn setup(
    op: Op,
    kind: Option<DeviceKind>,
    params: u8,
    profile: u8,
    reader: u8,
    atr: u8,
) -> Vec<u8> {
    let op = OPS.iter().position(|o| *o == op).expect("listed");
    let kind = KINDS.iter().position(|k| *k == kind).expect("listed");
    vec![
        (op + OPS.len() * kind) as u8,
        params,
        profile,
        reader + 3 * atr,
    ]
}

struct Setup {
    op: Op,
    kind: Option<DeviceKind>,
    params: BurnParams,
    profile: u8,
    confirm: bool,
    password: Option<SecretString>,
    reader: &'static str,
    atr: Option<Vec<u8>>,
}

impl Setup {
    fn read(input: &mut Input) -> Setup {
        let first = usize::from(input.byte().unwrap_or(0));
        let p = input.byte().unwrap_or(0);
        let profile = input.byte().unwrap_or(0) % 101;
        let device = usize::from(input.byte().unwrap_or(0));
        let algorithm = [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512]
            .get(usize::from(p & 3))
            .copied();
        let flag = |bit: u8| p & bit != 0;
        Setup {
            op: OPS[first % OPS.len()],
            kind: KINDS[first / OPS.len() % KINDS.len()],
            params: BurnParams {
                algorithm,
                digits: Some(if flag(params::DIGITS_8) { 8 } else { 6 }),
                period: Some(if flag(params::PERIOD_60) { 60 } else { 30 }),
                display_timeout: None,
                profile: Some(profile),
                title: flag(params::TITLE).then(|| TITLE.to_string()),
                account: Some(ACCOUNT.into()),
                issuer: Some(ISSUER.into()),
                touch: flag(params::TOUCH),
                force_unknown_model: flag(params::FORCE),
                oath_type: None,
                counter: None,
                overwrite: flag(params::FORCE),
                serial: None,
                seed_only: false,
            },
            profile,
            confirm: flag(params::FORCE),
            password: flag(params::PASSWORD).then(|| PASSWORD.into()),
            reader: READERS[device % READERS.len()],
            atr: match device / READERS.len() % 3 {
                0 => None,
                1 => Some(YKOATH_ATR.to_vec()),
                _ => Some(tokensmith_proto::emulator::contactless_atr(&[])),
            },
        }
    }

    fn creds(&self) -> Credentials {
        Credentials {
            customer_key: None,
            oath_password: self.password.clone(),
        }
    }
}

/// One command the bridge sent, and the reply it was given (`None`: the card was gone).
#[derive(Debug, Clone)]
pub struct Exchange {
    pub command: Vec<u8>,
    pub reply: Option<Vec<u8>>,
}

/// A card whose replies are read from the input, in order.
pub struct Scripted<'a> {
    replies: Input<'a>,
    atr: Option<Vec<u8>>,
    pub log: Vec<Exchange>,
}

impl Transport for Scripted<'_> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let reply = self.replies.chunk().map(<[u8]>::to_vec);
        self.log.push(Exchange {
            command: apdu.to_vec(),
            reply: reply.clone(),
        });
        reply.ok_or(TransportError::NoCard)
    }

    fn atr(&self) -> Option<Vec<u8>> {
        self.atr.clone()
    }
}

/// What an operation reported when it succeeded.
#[derive(Debug)]
enum Done {
    Nothing,
    /// What the burn reported, and each write it said the device acknowledged (what the
    /// journal records as it happens).
    Burned(Box<BurnResult>, Vec<burn::Written>),
    Synced,
    Title,
    Deleted,
    OathDeleted,
    Code(String),
    OathRenamed(String),
    PasswordChanged,
}

pub fn run(data: &[u8]) {
    let _ = checked(data);
}

/// The session of one input, checked; what it did, for the tests.
fn checked(data: &[u8]) -> (Result<Done, String>, Vec<Exchange>) {
    let mut input = Input::new(data);
    let setup = Setup::read(&mut input);
    let mut t = Scripted {
        replies: input,
        atr: setup.atr.clone(),
        log: Vec::new(),
    };
    let detected = device::detect(&mut t, setup.reader, setup.kind);
    let detection = t.log.len();
    let outcome = detected.and_then(|d| operate(&setup, &mut t, &d).map(|done| (d, done)));
    let log = &t.log;
    check_framing(log);
    let groups = group(log);
    let first_operating = groups.partition_point(|g| g.index < detection);
    for g in &groups[..first_operating] {
        assert!(
            !is_write(&g.command),
            "detection sent a write: {:02X?}",
            g.command
        );
    }
    check_stops_after_refusal(&groups[first_operating..]);
    let outcome = match outcome {
        Ok((d, done)) => {
            check_done(&setup, &d, &done, &groups[first_operating..]);
            Ok(done)
        }
        Err(e) => {
            check_error(&e, log);
            Err(e.to_string())
        }
    };
    (outcome, t.log)
}

/// Runs the session `setup` (the four setup bytes) describes on another transport: the seed
/// writer records what an emulated card answers.
pub fn drive(setup: &[u8], t: &mut dyn Transport) -> Result<(), String> {
    let s = Setup::read(&mut Input::new(setup));
    let d = device::detect(t, s.reader, s.kind).map_err(|e| e.to_string())?;
    operate(&s, t, &d).map(drop).map_err(|e| e.to_string())
}

fn operate(setup: &Setup, t: &mut dyn Transport, d: &Detected) -> Result<Done, BridgeError> {
    let creds = setup.creds();
    let secret = Secret::from_bytes(SEED.to_vec()).expect("a valid seed");
    Ok(match setup.op {
        Op::Info => {
            let info = device::info(d, NOW);
            assert_eq!(info.drift_seconds, d.device.token_time.map(|t| t - NOW));
            Done::Nothing
        }
        Op::Burn => {
            let model = d.model.unwrap_or_else(|| most_capable(d.kind()));
            // What a client sends for this kind of device: a profile and a title for a
            // Molto2, an account and an issuer for an OATH key.
            let p = &setup.params;
            let params = BurnParams {
                profile: p.profile.filter(|_| d.kind() == DeviceKind::Molto2),
                title: p.title.clone().filter(|_| d.kind() == DeviceKind::Molto2),
                account: p.account.clone().filter(|_| d.kind() == DeviceKind::Oath),
                issuer: p.issuer.clone().filter(|_| d.kind() == DeviceKind::Oath),
                touch: p.touch && d.kind() == DeviceKind::Oath,
                ..p.clone()
            };
            let plan = plan_burn(model, d.firmware, &params, &secret)?;
            let mut written = Vec::new();
            let mut tell = |w| written.push(w);
            let result = burn::burn(t, d, &plan, &secret, &creds, NOW, &mut tell)?;
            Done::Burned(Box::new(result), written)
        }
        Op::Sync => {
            let params = clock::SyncParams {
                confirm_clear_seed: setup.confirm,
                ..Default::default()
            };
            clock::sync_time(t, d, &params, &creds, NOW)?;
            Done::Synced
        }
        Op::Profiles => {
            let profiles = molto2::profiles_list(t, d)?;
            let count = d.molto2().map(|m| m.profile_count()).unwrap_or(0);
            assert_eq!(profiles.len(), usize::from(count), "one entry per profile");
            for (i, p) in profiles.iter().enumerate() {
                assert_eq!(usize::from(p.profile), i);
            }
            Done::Nothing
        }
        Op::Title => {
            molto2::profile_title(t, d, &creds, setup.profile, TITLE)?;
            Done::Title
        }
        Op::DeleteProfile => {
            molto2::profile_delete(t, d, setup.profile)?;
            Done::Deleted
        }
        Op::OathList => {
            oath::oath_list(t, d, &creds)?;
            Done::Nothing
        }
        Op::OathDelete => {
            oath::oath_delete(t, d, &creds, &oath_name())?;
            Done::OathDeleted
        }
        Op::OathCode => Done::Code(oath::oath_code(t, d, &creds, &oath_name(), NOW)?.code),
        Op::OathRename => {
            let renamed =
                oath::oath_rename(t, d, &creds, &oath_name(), Some(NEW_ISSUER), NEW_ACCOUNT)?;
            Done::OathRenamed(renamed.name)
        }
        Op::OathPassword => {
            let new = SecretString::from(NEW_PASSWORD);
            oath::oath_password(t, d, &creds, PasswordChange::SetOrChange, Some(&new))?;
            Done::PasswordChanged
        }
    })
}

fn oath_name() -> String {
    format!("{ISSUER}:{ACCOUNT}")
}

fn sw(reply: &[u8]) -> Option<u16> {
    let n = reply.len();
    (n >= 2).then(|| u16::from_be_bytes([reply[n - 2], reply[n - 1]]))
}

fn more_data(reply: &Option<Vec<u8>>) -> Option<u8> {
    let sw = sw(reply.as_deref()?)?;
    (sw >> 8 == 0x61).then_some(sw as u8)
}

/// `6C xx`: a T=0 reader's "wrong Le, send it again with Le = xx" (pcsc.md); the exchange
/// sends the same command again with that Le, and the reply's data (if any) counts for nothing.
fn wrong_le(reply: &Option<Vec<u8>>) -> Option<u8> {
    let sw = sw(reply.as_deref()?)?;
    (sw >> 8 == 0x6C).then_some(sw as u8)
}

/// GET RESPONSE (Token2 family, over T=0) or SEND REMAINING (YKOATH).
fn is_follow_up(command: &[u8]) -> bool {
    matches!(command, [0x00, 0xC0, 0, 0, _] | [0x00, 0xA5, 0, 0])
}

/// Commands that change the device or spend an authentication attempt.
fn is_write(command: &[u8]) -> bool {
    match command {
        [0x84, ..] => true,
        // Authenticate, delete a profile, factory reset, screen lock.
        [0x80, ins, ..] => matches!(ins, 0xCE | 0xE6 | 0x56 | 0xD8),
        // The serial requests of Yubico's management and OTP applets (an OATH PUT is `00 01
        // 00 00 Lc`, the OTP applet's API request for the serial `00 01 10 00 00`).
        [0x00, 0x1D, 0x00, 0x00] | [0x00, 0x01, 0x10, 0x00, 0x00] => false,
        // PUT, DELETE, SET CODE, RESET, RENAME, VALIDATE.
        [0x00, ins, ..] => matches!(ins, 0x01 | 0x02 | 0x03 | 0x04 | 0x05 | 0xA3),
        _ => false,
    }
}

/// Every command but a chaining follow-up is framed as its card reads it: byte 5 is Lc.
fn check_framing(log: &[Exchange]) {
    for (i, e) in log.iter().enumerate() {
        // A command sent again after `6C xx` carries an Le the protocol's framing does not
        // have: `group` checks it is the same command with that Le.
        let again = i.checked_sub(1).and_then(|p| wrong_le(&log[p].reply));
        if !is_follow_up(&e.command) && again.is_none() {
            assert!(
                tokensmith_proto::apdu::ParsedCommand::parse(&e.command).is_ok(),
                "a command its card cannot frame: {:02X?}",
                e.command
            );
        }
    }
}

/// A command with its chained follow-ups: where it starts in the log and the reply that
/// decided it (the last part's).
#[derive(Debug)]
struct Group {
    index: usize,
    command: Vec<u8>,
    /// The chained data and the final status word (`None`: no status word, or no reply).
    data: Vec<u8>,
    sw: Option<u16>,
}

/// Groups the log into commands with their chained parts, checking that a `61 xx` is
/// followed by the protocol's follow-up (or by nothing, when the chain was cut).
fn group(log: &[Exchange]) -> Vec<Group> {
    /// The exchange gives up after this many follow-ups (`exchange::MAX_ROUNDS`).
    const MAX_ROUNDS: usize = 256;
    let mut groups: Vec<Group> = Vec::new();
    let mut rounds = 0;
    // Yubico's management and OTP applets (read for the serial) chain with GET RESPONSE like
    // ISO; the OATH applet with its own SEND REMAINING. What is selected decides.
    let mut iso_applet = false;
    for (i, e) in log.iter().enumerate() {
        let previous = i.checked_sub(1).map(|p| &log[p]);
        let waiting = previous
            .and_then(|p| more_data(&p.reply))
            .filter(|_| rounds < MAX_ROUNDS);
        let resend = previous
            .and_then(|p| wrong_le(&p.reply).map(|xx| (p, xx)))
            .filter(|_| rounds < MAX_ROUNDS);
        if let (Some((p, xx)), Some(g)) = (resend, groups.last_mut()) {
            assert_eq!(
                e.command,
                tokensmith_proto::exchange::with_le(&p.command, xx),
                "after 6C {xx:02X} to {:02X?} the exchange must send it again with that Le",
                p.command
            );
            rounds += 1;
            append(g, &e.reply);
            continue;
        }
        match (waiting, groups.last_mut()) {
            (Some(xx), Some(g)) => {
                let expected: &[u8] = match g.command[0] {
                    0x80 | 0x84 => &[0x00, 0xC0, 0, 0, xx],
                    _ if iso_applet => &[0x00, 0xC0, 0, 0, xx],
                    _ => &[0x00, 0xA5, 0, 0],
                };
                assert_eq!(
                    e.command, expected,
                    "after 61 {xx:02X} to {:02X?} the exchange must fetch the rest",
                    g.command
                );
                rounds += 1;
                append(g, &e.reply);
            }
            _ => {
                rounds = 0;
                if let Some(body) = e.command.strip_prefix(&[0x00, 0xA4, 0x04, 0x00][..]) {
                    let aid = body
                        .split_first()
                        .and_then(|(&lc, rest)| rest.get(..usize::from(lc)))
                        .unwrap_or_default();
                    iso_applet = aid == yubico::MANAGEMENT_AID || aid == yubico::OTP_AID;
                }
                let mut g = Group {
                    index: i,
                    command: e.command.clone(),
                    data: Vec::new(),
                    sw: None,
                };
                append(&mut g, &e.reply);
                groups.push(g);
            }
        }
    }
    groups
}

fn append(g: &mut Group, reply: &Option<Vec<u8>>) {
    g.sw = reply.as_deref().and_then(sw);
    if wrong_le(reply).is_some() {
        return;
    }
    if let (Some(r), Some(_)) = (reply, g.sw) {
        g.data.extend_from_slice(&r[..r.len() - 2]);
    }
}

fn refused(g: &Group) -> bool {
    !matches!(g.sw, Some(0x9000))
}

fn check_stops_after_refusal(operating: &[Group]) {
    if let Some(at) = operating.iter().position(refused) {
        // A Molto2's clock sync sets every profile and carries on past one the card refuses
        // (each is reported), unless the refusal is about security.
        let clock = |g: &Group| g.command.starts_with(&[0x84, 0xD4]);
        let carries_on = clock(&operating[at]) && !security_refusal(operating[at].sw);
        for g in &operating[at + 1..] {
            if carries_on && clock(g) {
                continue;
            }
            assert!(
                !is_write(&g.command),
                "{:02X?} sent after the device refused {:02X?} ({:04X?})",
                g.command,
                operating[at].command,
                operating[at].sw
            );
        }
    }
}

/// Errors are short and carry none of the session's secrets. A device may name itself with any
/// text (a serial, a credential name), and the error may quote it: text the device sent is not
/// a leak, so a secret is only looked for when the replies did not contain it.
fn check_error(e: &BridgeError, log: &[Exchange]) {
    let message = e.to_string();
    check::short_message("session", &message);
    let lower = message.to_ascii_lowercase();
    // Each reply whole, and the data of all replies joined (a chained reply's parts join).
    let mut replies: Vec<String> = log
        .iter()
        .filter_map(|x| x.reply.as_deref())
        .map(|r| String::from_utf8_lossy(r).to_ascii_lowercase())
        .collect();
    let data: Vec<u8> = log
        .iter()
        .filter_map(|x| x.reply.as_deref())
        .flat_map(|r| &r[..r.len().saturating_sub(2)])
        .copied()
        .collect();
    replies.push(String::from_utf8_lossy(&data).to_ascii_lowercase());
    for secret in [
        BASE32_NOPAD.encode(&SEED).to_ascii_lowercase(),
        HEXLOWER.encode(&SEED),
        PASSWORD.to_ascii_lowercase(),
        NEW_PASSWORD.to_ascii_lowercase(),
        String::from_utf8_lossy(DEFAULT_CUSTOMER_KEY).to_ascii_lowercase(),
    ] {
        let echo = &secret[..12];
        if replies.iter().any(|r| r.contains(echo)) {
            continue;
        }
        assert!(!lower.contains(echo), "{message}");
    }
}

/// The secured (`84`) commands of the operation, each acknowledged: (INS, P2, body).
fn secured(groups: &[Group]) -> Vec<(u8, u8, Vec<u8>)> {
    groups
        .iter()
        .filter(|g| g.command[0] == 0x84)
        .map(|g| {
            assert!(
                !refused(g),
                "an operation reported success after a refused write"
            );
            secured_body(g)
        })
        .collect()
}

fn secured_body(g: &Group) -> (u8, u8, Vec<u8>) {
    let c = &g.command;
    let lc = usize::from(c[4]);
    (c[1], c[3], c[5..5 + lc - 4].to_vec())
}

/// A status word that says the card's security state is broken (a MAC or authentication
/// failure, a lock-out counting down): nothing secured may follow it.
/// What the bridge reads as a refusal for security: any `63 xx` (a failed authentication, with
/// or without the retry counter), `69 82`, `69 83`, `69 88`.
fn security_refusal(sw: Option<u16>) -> bool {
    matches!(sw, Some(0x6982 | 0x6983 | 0x6988)) || sw.is_some_and(|sw| sw >> 8 == 0x63)
}

fn decrypt(key: &Sm4Key, body: &[u8]) -> Vec<u8> {
    let plain = key.ecb_decrypt(body).expect("whole blocks");
    unpad_marker(&plain).expect("marker padding").to_vec()
}

fn check_done(setup: &Setup, d: &Detected, done: &Done, groups: &[Group]) {
    let seed_writes = groups
        .iter()
        .filter(|g| matches!(g.command[..2], [0x84, 0xC5] | [0x00, 0x01]))
        .count();
    let burned = matches!(done, Done::Burned(..));
    assert_eq!(seed_writes, usize::from(burned), "seed writes in {done:?}");
    let molto2_key = CustomerKey::default().sm4_key();
    match done {
        Done::Burned(r, written) => {
            check_burn(r, groups);
            // The seed is reported once, and never more writes than the device acknowledged.
            let seeds = written
                .iter()
                .filter(|w| matches!(w, burn::Written::Seed | burn::Written::Credential))
                .count();
            assert_eq!(seeds, 1, "{written:?}");
            let acknowledged = groups
                .iter()
                .filter(|g| is_write(&g.command) && !refused(g))
                .count();
            assert!(written.len() <= acknowledged, "{written:?}");
        }
        Done::Synced => match d.kind() {
            DeviceKind::Token2 => {
                let s = secured(groups);
                assert_eq!(s.len(), 1);
                let config =
                    Token2Config::from_values(30, NOW, Algorithm::Sha1, 30).expect("valid");
                assert_eq!((s[0].0, s[0].2.as_slice()), (0xD4, &config.tlv()[..]));
            }
            DeviceKind::Molto2 => {
                // Every profile is set; one the card refused is reported, not an error.
                let sent = groups.iter().filter(|g| g.command[0] == 0x84);
                let s: Vec<_> = sent.map(secured_body).collect();
                let count = d.molto2().expect("a Molto2 model").profile_count();
                // All of them, in order, unless the card went away (those not reached are
                // reported as such).
                let gone = groups.last().is_some_and(|g| g.sw.is_none());
                // …or the card refused one for security: nothing is sent after it (each more
                // could count against the lock-out).
                let stopped = groups.last().is_some_and(|g| {
                    g.command.starts_with(&[0x84, 0xD4]) && security_refusal(g.sw)
                });
                assert!(
                    s.len() == usize::from(count)
                        || (gone || stopped) && s.len() < usize::from(count),
                    "one clock per profile: {} of {count}",
                    s.len()
                );
                for (i, (ins, p2, body)) in s.iter().enumerate() {
                    assert_eq!((*ins, usize::from(*p2)), (0xD4, i));
                    assert_eq!(body[4..], (NOW as u32).to_be_bytes());
                }
            }
            DeviceKind::Oath => panic!("an OATH key has no clock to sync"),
        },
        Done::Title => {
            let s = secured(groups);
            assert_eq!(s.len(), 1);
            assert_eq!((s[0].0, s[0].1), (0xD5, setup.profile));
            assert_eq!(decrypt(&molto2_key, &s[0].2), TITLE.as_bytes());
        }
        Done::Deleted => {
            let last = groups.last().expect("a delete was sent");
            assert_eq!(last.command, [0x80, 0xE6, 0, setup.profile, 0]);
            // `6A 83`: the profile was empty already — deleted, as far as the user is concerned.
            assert!(
                !refused(last) || last.sw == Some(0x6A83),
                "{:04X?}",
                last.sw
            );
        }
        Done::OathDeleted => {
            let last = groups.last().expect("a delete was sent");
            assert_eq!(last.command[..2], [0x00, 0x02]);
            let tlvs = parse_tlvs(&last.command[5..]).expect("TLVs");
            assert_eq!(tlvs, vec![(TAG_NAME, oath_name().as_bytes())]);
            assert!(!refused(last));
        }
        Done::Code(code) => {
            assert!(code.bytes().all(|b| b.is_ascii_digit()) && !code.is_empty());
        }
        Done::OathRenamed(name) => {
            // The name keeps the period prefix the old one had (none here).
            assert_eq!(name, &format!("{NEW_ISSUER}:{NEW_ACCOUNT}"));
            let renames: Vec<&Group> = groups.iter().filter(|g| is_ins(g, 0x05)).collect();
            assert_eq!(renames.len(), 1, "one RENAME");
            let tlvs = parse_tlvs(&renames[0].command[5..]).expect("TLVs");
            assert_eq!(
                tlvs,
                vec![
                    (TAG_NAME, oath_name().as_bytes()),
                    (TAG_NAME, name.as_bytes())
                ]
            );
            assert!(!refused(renames[0]));
        }
        Done::PasswordChanged => {
            // SET CODE acknowledged, then the applet selected again to check what it asks for.
            // (Fuzzed replies cannot prove a new password: VALIDATE answers a random challenge.)
            let at = groups
                .iter()
                .rposition(|g| is_ins(g, 0x03))
                .expect("a SET CODE was sent");
            assert!(!refused(&groups[at]));
            assert!(
                groups[at + 1..]
                    .iter()
                    .any(|g| g.command.starts_with(&[0x00, 0xA4, 0x04, 0x00]) && !refused(g)),
                "the new password is checked by selecting the applet again"
            );
        }
        Done::Nothing => assert!(
            groups
                .iter()
                .all(|g| !is_write(&g.command) || g.command[1] == 0xA3),
            "a read-only operation wrote"
        ),
    }
}

/// An OATH command (`00`) of this INS.
fn is_ins(g: &Group, ins: u8) -> bool {
    g.command.len() >= 5 && g.command[..2] == [0x00, ins]
}

/// The first `n` TLVs of a command's data.
fn first_tlvs(mut data: &[u8], n: usize) -> Vec<(u8, &[u8])> {
    let mut out = Vec::new();
    while out.len() < n {
        let [tag, len, rest @ ..] = data else {
            panic!("a truncated TLV in {data:02X?}");
        };
        let (value, rest) = rest
            .split_at_checked(usize::from(*len))
            .unwrap_or_else(|| panic!("a truncated TLV in {data:02X?}"));
        out.push((*tag, value));
        data = rest;
    }
    out
}

fn check_burn(r: &BurnResult, groups: &[Group]) {
    let params = otp::OtpParams {
        algorithm: r.algorithm,
        digits: r.digits,
        period: r.period,
    };
    let code = |t| otp::totp(&SEED, &params, t).expect("valid parameters");
    match r.kind {
        DeviceKind::Token2 | DeviceKind::Molto2 => {
            let display = r.display_timeout.expect("a display timeout");
            let s = secured(groups);
            let (key, config) = if r.kind == DeviceKind::Token2 {
                let c = Token2Config::from_values(display, NOW, r.algorithm, r.period)
                    .expect("what was burned is encodable");
                (token2::device_key(), c.tlv().to_vec())
            } else {
                let c = Molto2Config::from_values(display, NOW, r.algorithm, r.digits, r.period)
                    .expect("what was burned is encodable");
                (CustomerKey::default().sm4_key(), c.tlv().to_vec())
            };
            let p2 = r.profile.unwrap_or(0);
            // Token2 writes the configuration, then the seed; a Molto2 the seed, its title,
            // then the configuration (the order the devices take them in).
            let order: &[u8] = match (r.kind, &r.name) {
                (DeviceKind::Token2, _) => &[0xD4, 0xC5],
                (_, Some(_)) => &[0xC5, 0xD5, 0xD4],
                (_, None) => &[0xC5, 0xD4],
            };
            let sent: Vec<u8> = s.iter().map(|c| c.0).collect();
            assert_eq!(sent, order, "secured writes: {s:02X?}");
            assert!(s.iter().all(|c| c.1 == p2), "another profile: {s:02X?}");
            let body = |ins| &s.iter().find(|c| c.0 == ins).expect("sent").2;
            assert_eq!(body(0xD4), &config);
            assert_eq!(
                decrypt(&key, body(0xC5)),
                SEED,
                "the device got another seed"
            );
            if let Some(title) = &r.name {
                assert_eq!(decrypt(&key, body(0xD5)), title.as_bytes());
            }
            let Verification::CompareWithDisplay { expected_code, .. } = &r.verification else {
                panic!(
                    "a display token is checked by the admin: {:?}",
                    r.verification
                );
            };
            assert_eq!(expected_code, &code(NOW));
        }
        DeviceKind::Oath => {
            let put = groups
                .iter()
                .find(|g| g.command[..2] == [0x00, 0x01])
                .expect("a PUT");
            assert!(!refused(put));
            // Name and key come first; the touch property after them has no length byte.
            let tlvs = first_tlvs(&put.command[5..], 2);
            let name = r.name.as_deref().expect("a credential name");
            assert_eq!(tlvs[0], (TAG_NAME, name.as_bytes()));
            let algorithm = OathAlgorithm::from(r.algorithm);
            let mut key = vec![0x20 | algorithm as u8, r.digits];
            key.extend_from_slice(&ykoath::process_key(algorithm, &SEED));
            assert_eq!(
                tlvs[1],
                (TAG_KEY, &key[..]),
                "the key sent is not the seed's"
            );
            match &r.verification {
                Verification::DeviceCalculated { code: c, matches } => {
                    assert!(*matches);
                    assert_eq!(c, &code(NOW));
                }
                Verification::NotChecked { .. } => {}
                other => panic!("an OATH key computes its code: {other:?}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Builder;
    use tokensmith_proto::emulator::{EmulatedTransport, Token2Card, YkoathCard};

    /// The setup bytes, then what `card` answered when the session ran on it.
    fn recorded<C: tokensmith_proto::emulator::Card>(setup: Vec<u8>, card: C) -> Vec<u8> {
        let mut t = EmulatedTransport::new(card);
        drive(&setup, &mut t).expect("the emulated card goes through");
        t.log()
            .iter()
            .fold(Builder::new().rest(&setup), |b, e| b.chunk(&e.response))
            .build()
    }

    #[test]
    fn a_recorded_burn_replays_to_the_same_burn() {
        let token2 = recorded(setup(Op::Burn, None, 0, 0, 0, 2), Token2Card::default());
        let (outcome, _) = checked(&token2);
        assert!(matches!(outcome, Ok(Done::Burned(..))), "{outcome:?}");
        let oath = recorded(setup(Op::Burn, None, 0, 0, 2, 1), YkoathCard::new());
        let (outcome, _) = checked(&oath);
        assert!(matches!(outcome, Ok(Done::Burned(..))), "{outcome:?}");
    }

    #[test]
    fn recorded_oath_management_replays_to_the_same_outcome() {
        let mut t = EmulatedTransport::new(YkoathCard::new());
        ykoath::YkoathSession::select(&mut t)
            .and_then(|mut s| {
                s.put(&ykoath::CredentialData::totp(
                    &oath_name(),
                    OathAlgorithm::Sha1,
                    6,
                    &SEED,
                ))
            })
            .expect("the applet takes a credential");
        let holding = t.into_card();
        let rename = recorded(setup(Op::OathRename, None, 0, 0, 2, 1), holding);
        let (outcome, _) = checked(&rename);
        assert!(
            matches!(&outcome, Ok(Done::OathRenamed(n)) if n == "Renamed:bob"),
            "{outcome:?}"
        );
        // A password change is proved by VALIDATE, whose answer depends on the host's random
        // challenge: a recording goes through SET CODE and the new SELECT, then the proof fails.
        let set = recorded(setup(Op::OathPassword, None, 0, 0, 2, 1), YkoathCard::new());
        let (outcome, log) = checked(&set);
        assert!(outcome.unwrap_err().contains("VALIDATE"));
        let at = log
            .iter()
            .position(|e| e.command[1] == 0x03)
            .expect("SET CODE");
        assert_eq!(log[at].reply.as_deref(), Some(&[0x90, 0x00][..]));
        // Cut before the device acknowledged SET CODE: the card is gone, no success claimed.
        let cut = log[..at]
            .iter()
            .fold(Builder::new().rest(&set[..4]), |b, e| {
                b.chunk(e.reply.as_deref().unwrap_or_default())
            })
            .build();
        assert!(checked(&cut).0.is_err());
    }

    #[test]
    fn a_refusal_ends_the_operation() {
        let burn = recorded(setup(Op::Burn, None, 0, 0, 0, 2), Token2Card::default());
        // get info, get challenge, then authenticate refused.
        let mut input = Input::new(&burn[4..]);
        let (info, challenge) = (input.chunk().unwrap(), input.chunk().unwrap());
        let refused = Builder::new()
            .rest(&burn[..4])
            .chunk(info)
            .chunk(challenge)
            .chunk(&[0x69, 0x83])
            .chunk(&[0x90, 0x00])
            .build();
        let (outcome, log) = checked(&refused);
        assert!(outcome.unwrap_err().contains("69 83"));
        assert_eq!(log.len(), 3, "nothing after the refusal");
    }

    fn exchange(command: &[u8], reply: &[u8]) -> Exchange {
        Exchange {
            command: command.to_vec(),
            reply: Some(reply.to_vec()),
        }
    }

    #[test]
    fn a_write_after_a_refusal_is_caught() {
        let log = [
            exchange(&[0x80, 0xCE, 0, 0, 1, 0], &[0x69, 0x83]),
            exchange(&[0x84, 0xC5, 1, 0, 4, 0, 0, 0, 0], &[0x90, 0x00]),
        ];
        let caught = std::panic::catch_unwind(|| check_stops_after_refusal(&group(&log)));
        assert!(caught.is_err());
    }

    #[test]
    fn an_error_may_quote_what_the_device_said_but_not_a_secret_it_did_not() {
        let serial = format!("JJJ{PASSWORD}ppp");
        let e = BridgeError::Token2(token2::Token2Error::UnknownModel(serial.clone()));
        let mut said = serial.into_bytes();
        said.extend_from_slice(&[0x90, 0x00]);
        check_error(&e, &[exchange(&[0x80, 0x41, 0, 0, 2, 2, 0x11], &said)]);
        let silent = [exchange(&[0x80, 0x41, 0, 0, 2, 2, 0x11], &[0x6A, 0x82])];
        assert!(std::panic::catch_unwind(|| check_error(&e, &silent)).is_err());
    }

    #[test]
    fn chaining_must_fetch_the_rest_with_the_protocols_command() {
        let good = [
            exchange(&[0x00, 0xA1, 0, 0], &[1, 0x61, 0x05]),
            exchange(&[0x00, 0xA5, 0, 0], &[2, 0x90, 0x00]),
        ];
        let groups = group(&good);
        assert_eq!((groups.len(), groups[0].data.clone()), (1, vec![1, 2]));
        let bad = [
            exchange(&[0x80, 0x41, 0, 0, 0], &[1, 0x61, 0x05]),
            exchange(&[0x00, 0xA5, 0, 0], &[2, 0x90, 0x00]),
        ];
        assert!(std::panic::catch_unwind(|| group(&bad)).is_err());
    }
}
