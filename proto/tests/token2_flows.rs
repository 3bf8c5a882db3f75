//! Token2 single-profile flows against the emulator.

use hmac::{Hmac, Mac};
use tokensmith_core::caps::{Clock, Model};
use tokensmith_core::otp::Algorithm as Alg;
use tokensmith_proto::crypto::Sm4Key;
use tokensmith_proto::emulator::{Card, EmulatedTransport, Token2Card};
use tokensmith_proto::token2::{
    authenticate_apdu, device_key, get_challenge_apdu, write_config_apdu, write_seed_apdu,
    Token2Config, Token2Error, Token2Session, Written,
};

/// Whether core's table says a config write clears this model's seed.
fn config_write_clears_seed(m: Model) -> bool {
    matches!(m.caps().clock, Clock::SetByConfig { clears_seed: true })
}

const SEED: &[u8] = b"12345678901234567890";
const UTC: u32 = 1_700_000_000;

/// Independent TOTP (HMAC-SHA1, 6 digits) for checks.
fn totp_sha1(key: &[u8], t: u64, step: u64) -> String {
    let mut m = Hmac::<sha1::Sha1>::new_from_slice(key).unwrap();
    m.update(&(t / step).to_be_bytes());
    let h = m.finalize().into_bytes();
    let o = (h[19] & 0x0F) as usize;
    let v = u32::from_be_bytes([h[o], h[o + 1], h[o + 2], h[o + 3]]) & 0x7FFF_FFFF;
    format!("{:06}", v % 1_000_000)
}

fn cfg() -> Token2Config {
    Token2Config::from_values(30, i64::from(UTC), Alg::Sha1, 30).unwrap()
}

fn ins_sequence(t: &EmulatedTransport<Token2Card>) -> Vec<u8> {
    t.log().iter().map(|e| e.command[1]).collect()
}

fn sw(resp: &[u8]) -> u16 {
    u16::from_be_bytes([resp[resp.len() - 2], resp[resp.len() - 1]])
}

#[test]
fn burn_restricted_model_seed_cleared_by_config_then_written() {
    let mut card = Token2Card::of_model(Model::OtpcP2);
    assert!(config_write_clears_seed(Model::OtpcP2));
    card.set_seed(Some(b"old seed"));
    let mut t = EmulatedTransport::new(card);

    // Step by step: the config write alone clears the old seed.
    {
        let mut s = Token2Session::new(&mut t);
        s.authenticate().unwrap();
        s.write_config(&cfg()).unwrap();
    }
    assert_eq!(t.card().stored_seed(), None);
    assert_eq!(t.card().display(), "------");

    t.clear_log();
    let mut written = Vec::new();
    Token2Session::new(&mut t)
        .burn(SEED, &cfg(), &mut |w| written.push(w))
        .unwrap();
    // Issue 9: one authentication per burn, then config, then seed (Token2's burner).
    assert_eq!(
        ins_sequence(&t),
        vec![0x4B, 0xCE, 0xD4, 0xC5],
        "challenge, auth, config, seed"
    );
    assert_eq!(t.count_ins(0xCE), 1);
    assert_eq!(written, vec![Written::Config, Written::Seed]);
    let card = t.card();
    assert_eq!(card.stored_seed(), Some(SEED));
    let c = card.stored_config().unwrap();
    assert_eq!((c.display, c.utc, c.algorithm, c.step), (1, UTC, 1, 0x1E));
    assert_eq!(card.clock(), UTC);
    assert_eq!(card.display(), totp_sha1(SEED, u64::from(UTC), 30));
}

#[test]
fn burn_unrestricted_model_keeps_seed_on_config() {
    let mut card = Token2Card::of_model(Model::OtpcP1);
    assert!(!config_write_clears_seed(Model::OtpcP1));
    card.set_seed(Some(b"old seed"));
    let mut t = EmulatedTransport::new(card);
    {
        let mut s = Token2Session::new(&mut t);
        s.authenticate().unwrap();
        s.write_config(&cfg()).unwrap();
    }
    assert_eq!(t.card().stored_seed(), Some(&b"old seed"[..]));
    Token2Session::new(&mut t)
        .burn(SEED, &cfg(), &mut |_| {})
        .unwrap();
    assert_eq!(t.card().stored_seed(), Some(SEED));
    assert_eq!(t.card().clock(), UTC);
}

#[test]
fn sha256_sixty_second_config_is_stored() {
    let mut t = EmulatedTransport::new(Token2Card::of_model(Model::C302));
    let c = Token2Config::from_values(120, 1_234_567_890, Alg::Sha256, 60).unwrap();
    let seed = [0xA5u8; 32];
    Token2Session::new(&mut t)
        .burn(&seed, &c, &mut |_| {})
        .unwrap();
    let s = t.card().stored_config().unwrap();
    assert_eq!(
        (s.display, s.utc, s.algorithm, s.step),
        (3, 1_234_567_890, 2, 0x3C)
    );
    assert_eq!(t.card().stored_seed(), Some(&seed[..]));
}

#[test]
fn wrong_device_key_is_final_auth_failed_without_retry() {
    let mut t = EmulatedTransport::new(Token2Card::default());
    let err = Token2Session::with_key(&mut t, Sm4Key::new([0x11; 16]))
        .burn(SEED, &cfg(), &mut |_| {})
        .unwrap_err();
    assert_eq!(err, Token2Error::AuthFailed);
    assert_eq!(t.count(0x80, 0xCE), 1, "exactly one authenticate");
    assert_eq!(
        t.log().len(),
        2,
        "challenge + one authenticate, nothing else"
    );
    assert_eq!(t.count_ins(0xD4) + t.count_ins(0xC5), 0);
    assert_eq!(t.card().stored_seed(), None);
    assert_eq!(t.card().stored_config(), None);
    assert_eq!(t.card().failed_authentications(), 1);
}

#[test]
fn locked_token_answers_6983_even_with_the_right_key() {
    let mut card = Token2Card::default();
    card.set_lock_after(Some(1));
    let mut t = EmulatedTransport::new(card);
    assert_eq!(
        Token2Session::with_key(&mut t, Sm4Key::new([0; 16])).authenticate(),
        Err(Token2Error::AuthFailed)
    );
    assert!(t.card().is_locked());
    assert_eq!(
        Token2Session::new(&mut t).authenticate(),
        Err(Token2Error::AuthFailed)
    );
}

#[test]
fn invalid_input_refused_before_anything_is_sent() {
    let mut t = EmulatedTransport::new(Token2Card::default());
    let mut s = Token2Session::new(&mut t);
    assert!(matches!(
        s.burn(&[], &cfg(), &mut |_| {}),
        Err(Token2Error::InvalidSeed(_))
    ));
    assert!(matches!(
        s.burn(&[1; 64], &cfg(), &mut |_| {}),
        Err(Token2Error::InvalidSeed(_))
    ));
    drop(s);
    assert!(t.log().is_empty());
    for bad in [
        Token2Config::from_values(45, 0, Alg::Sha1, 30),
        Token2Config::from_values(30, -5, Alg::Sha1, 30),
        Token2Config::from_values(30, 0, Alg::Sha512, 30),
        Token2Config::from_values(30, 0, Alg::Sha1, 90),
        Token2Config::from_wire(9, 0, 1, 0x1E),
        Token2Config::from_wire(1, 0, 3, 0x1E),
    ] {
        assert!(matches!(bad, Err(Token2Error::InvalidConfig(_))));
    }
}

#[test]
fn info_and_model_check() {
    let mut card = Token2Card::new("8659601123456");
    card.set_clock(42);
    let mut t = EmulatedTransport::new(card);
    let info = Token2Session::new(&mut t).info().unwrap();
    assert_eq!(info.serial, "8659601123456");
    assert_eq!(info.utc, 42);
    assert_eq!(info.model(), Some(Model::MiniOtp3));

    let mut t = EmulatedTransport::new(Token2Card::new("9999999000001"));
    let err = Token2Session::new(&mut t)
        .burn_checked(SEED, &cfg(), false, &mut |_| {})
        .unwrap_err();
    assert_eq!(err, Token2Error::UnknownModel("9999999000001".into()));
    assert_eq!(t.log().len(), 1, "only get-info was sent");
    assert_eq!(t.count_ins(0xCE), 0, "no authentication attempt");
    Token2Session::new(&mut t)
        .burn_checked(SEED, &cfg(), true, &mut |_| {})
        .unwrap();
    assert_eq!(t.card().stored_seed(), Some(SEED));
}

#[test]
fn emulator_follows_documented_firmware_quirks() {
    let key = device_key();
    let mut card = Token2Card::of_model(Model::OtpcP2);
    card.set_fixed_challenge(Some([0, 1, 2, 3, 4, 5, 6, 7]));
    card.power_on();

    // Byte 5 is always Lc.
    assert_eq!(sw(&card.process(&[0x80, 0x41, 0, 0, 0x16])), 0x6700);
    // Get-info in the documented form.
    let r = card.process(&[0x80, 0x41, 0, 0, 2, 2, 0x11]);
    assert_eq!(sw(&r), 0x9000);
    // Unknown class and instruction.
    assert_eq!(sw(&card.process(&[0x00, 0x41, 0, 0, 0])), 0x6E00);
    assert_eq!(sw(&card.process(&[0x80, 0x99, 0, 0, 0])), 0x6D00);
    // Get-challenge needs P1 = 08.
    assert_eq!(sw(&card.process(&[0x80, 0x4B, 0, 0, 1, 0])), 0x6D00);
    // Authenticate without a pending challenge.
    let good = authenticate_apdu(&key, &[0, 1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(sw(&card.process(&good)), 0x6A80);
    // A wrong cryptogram uses the challenge up.
    let ch = card.process(&get_challenge_apdu());
    assert_eq!(&ch[..8], &[0, 1, 2, 3, 4, 5, 6, 7]);
    let bad = authenticate_apdu(&Sm4Key::new([1; 16]), &[0, 1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(sw(&card.process(&bad)), 0x6983);
    assert_eq!(sw(&card.process(&good)), 0x6A80, "old answer must not work");
    // Lc ≠ 16.
    card.process(&get_challenge_apdu());
    let mut short = vec![0x80, 0xCE, 0, 0, 15];
    short.extend_from_slice(&good[5..20]);
    assert_eq!(sw(&card.process(&short)), 0x6A80);
    // Secured commands without a session → 69 83; Lc < 4 → 67 00.
    let seed_apdu = write_seed_apdu(&key, SEED).unwrap();
    assert_eq!(sw(&card.process(&seed_apdu)), 0x6983);
    assert_eq!(sw(&card.process(&[0x84, 0xC5, 1, 0, 3, 1, 2, 3])), 0x6700);

    // Authenticate properly.
    card.process(&get_challenge_apdu());
    assert_eq!(sw(&card.process(&good)), 0x9000);
    // Bad MAC → 69 83 (and the session is gone).
    let mut tampered = seed_apdu.clone();
    *tampered.last_mut().unwrap() ^= 1;
    assert_eq!(sw(&card.process(&tampered)), 0x6983);
    assert_eq!(sw(&card.process(&seed_apdu)), 0x6983);

    // One authentication permits several writes.
    card.process(&get_challenge_apdu());
    assert_eq!(sw(&card.process(&good)), 0x9000);
    assert_eq!(sw(&card.process(&seed_apdu)), 0x9000);
    assert_eq!(card.stored_seed(), Some(SEED));
    // Seed ciphertext must be 16–64 bytes, multiple of 16.
    let long = key.secure_apdu(0xC5, 1, 0, &[0u8; 80]);
    assert_eq!(sw(&card.process(&long)), 0x6A80);
    let odd = key.secure_apdu(0xC5, 1, 0, &[0u8; 20]);
    assert_eq!(sw(&card.process(&odd)), 0x6A80);
    // Without the 80 marker → 6A 80.
    let nomarker = key.ecb_encrypt(&[0x31u8; 16]).unwrap();
    assert_eq!(
        sw(&card.process(&key.secure_apdu(0xC5, 1, 0, &nomarker))),
        0x6A80
    );
    assert_eq!(card.stored_seed(), Some(SEED));
    // A marker-only body wipes the seed.
    let mut marker = [0u8; 16];
    marker[0] = 0x80;
    let wipe = key.secure_apdu(0xC5, 1, 0, &key.ecb_encrypt(&marker).unwrap());
    assert_eq!(sw(&card.process(&wipe)), 0x9000);
    assert_eq!(card.stored_seed(), None);

    // Out-of-range config values are stored as sent; clock = written UTC.
    let raw = Token2Config::from_values(30, 77, Alg::Sha1, 30).unwrap();
    let mut tlv = raw.tlv();
    tlv[4] = 9; // display
    tlv[15] = 3; // algorithm 3
    tlv[18] = 0x2D; // step 45
    assert_eq!(
        sw(&card.process(&key.secure_apdu(0xD4, 0, 0, &tlv))),
        0x9000
    );
    let stored = card.stored_config().unwrap();
    assert_eq!(
        (stored.display, stored.algorithm, stored.step),
        (9, 3, 0x2D)
    );
    assert_eq!(
        stored.effective_algorithm(),
        tokensmith_core::otp::Algorithm::Sha1
    );
    let info = card.process(&[0x80, 0x41, 0, 0, 2, 2, 0x11]);
    assert_eq!(&info[info.len() - 6..info.len() - 2], &77u32.to_be_bytes());
    // Wrong tags → 6A 80.
    tlv[11] = 0x87;
    assert_eq!(
        sw(&card.process(&key.secure_apdu(0xD4, 0, 0, &tlv))),
        0x6A80
    );
    // The documented config APDU is accepted.
    assert_eq!(sw(&card.process(&write_config_apdu(&key, &cfg()))), 0x9000);

    // Power loss ends the session.
    card.power_off();
    card.power_on();
    assert_eq!(sw(&card.process(&seed_apdu)), 0x6983);
}

/// Issue 9 (expert writes): the seed alone keeps the config and clock; the config alone
/// clears the seed on most models — each after one authentication.
#[test]
fn seed_only_and_config_only_writes() {
    let mut card = Token2Card::of_model(Model::OtpcP2);
    card.set_clock(5);
    let mut t = EmulatedTransport::new(card);
    let mut written = Vec::new();
    Token2Session::new(&mut t)
        .write_seed_only(SEED, &mut |w| written.push(w))
        .unwrap();
    assert_eq!(ins_sequence(&t), vec![0x4B, 0xCE, 0xC5]);
    assert_eq!(written, vec![Written::Seed]);
    assert_eq!(t.card().stored_seed(), Some(SEED));
    assert_eq!((t.card().stored_config(), t.card().clock()), (None, 5));

    t.clear_log();
    written.clear();
    Token2Session::new(&mut t)
        .write_config_only(&cfg(), &mut |w| written.push(w))
        .unwrap();
    assert_eq!(ins_sequence(&t), vec![0x4B, 0xCE, 0xD4]);
    assert_eq!(written, vec![Written::Config]);
    assert_eq!(t.card().clock(), UTC);
    assert_eq!(
        t.card().stored_seed(),
        None,
        "the OTPC-P2-i clears its seed"
    );
    assert!(matches!(
        Token2Session::new(&mut t).write_seed_only(&[], &mut |_| {}),
        Err(Token2Error::InvalidSeed(_))
    ));
}

#[test]
fn secured_commands_without_session_surface_as_security_failure() {
    let mut t = EmulatedTransport::new(Token2Card::default());
    let mut s = Token2Session::new(&mut t);
    assert_eq!(
        s.write_seed(SEED),
        Err(Token2Error::SecurityFailure("write seed"))
    );
    assert_eq!(
        s.write_config(&cfg()),
        Err(Token2Error::SecurityFailure("write config"))
    );
}

#[test]
fn removed_card_is_a_transport_error() {
    let mut t = EmulatedTransport::new(Token2Card::default());
    t.remove_card();
    assert!(matches!(
        Token2Session::new(&mut t).info(),
        Err(Token2Error::Transport(_))
    ));
}

#[test]
fn every_seed_length_round_trips_through_the_emulator() {
    let mut t = EmulatedTransport::new(Token2Card::of_model(Model::MiniOtp2));
    for len in 1..=63usize {
        // Include 00 and 80 bytes at the end: padding must not eat them.
        let seed: Vec<u8> = (0..len)
            .map(|i| match i % 5 {
                0 => 0x80,
                1 => 0x00,
                _ => (i * 37 + len) as u8,
            })
            .collect();
        Token2Session::new(&mut t)
            .burn(&seed, &cfg(), &mut |_| {})
            .unwrap();
        assert_eq!(t.card().stored_seed(), Some(&seed[..]), "len {len}");
        let last = &t.log().last().unwrap().command;
        let blocks = len / 16 + 1;
        assert_eq!(last[4] as usize, blocks * 16 + 4, "Lc for len {len}");
    }
}
