//! Molto2 flows against the emulator.

use hmac::{Hmac, Mac};
use tokensmith_core::otp::Algorithm as Alg;
use tokensmith_proto::emulator::{Card, EmulatedTransport, Molto2Card};
use tokensmith_proto::molto2::{
    clear_seed_apdu, profile_data_apdu, CustomerKey, Molto2Config, Molto2Error, Molto2Model,
    Molto2Session,
};

const SEED: &[u8] = b"12345678901234567890";

fn totp_sha1(key: &[u8], t: u64, step: u64, digits: u32) -> String {
    let mut m = Hmac::<sha1::Sha1>::new_from_slice(key).unwrap();
    m.update(&(t / step).to_be_bytes());
    let h = m.finalize().into_bytes();
    let o = (h[19] & 0x0F) as usize;
    let v = u32::from_be_bytes([h[o], h[o + 1], h[o + 2], h[o + 3]]) & 0x7FFF_FFFF;
    format!(
        "{:0w$}",
        u64::from(v) % 10u64.pow(digits),
        w = digits as usize
    )
}

fn session(
    t: &mut EmulatedTransport<Molto2Card>,
) -> Molto2Session<&mut EmulatedTransport<Molto2Card>> {
    Molto2Session::new(t, &CustomerKey::default(), Molto2Model::V2)
}

#[test]
fn burn_profile_list_delete() {
    let mut t = EmulatedTransport::new(Molto2Card::default());
    let cfg = Molto2Config::from_values(60, 1_700_000_000, Alg::Sha1, 8, 30).unwrap();
    session(&mut t)
        .burn_profile(5, SEED, &cfg, Some("GitHub"))
        .unwrap();
    // Order: challenge, auth, config, seed, title.
    let ins: Vec<u8> = t.log().iter().map(|e| e.command[1]).collect();
    assert_eq!(ins, vec![0x4B, 0xCE, 0xD4, 0xC5, 0xD5]);
    {
        let card = t.card();
        assert_eq!(card.stored_seed(5), Some(SEED));
        let c = card.stored_config(5).unwrap();
        assert_eq!(
            (c.display, c.utc, c.algorithm, c.digits, c.step),
            (2, 1_700_000_000, 1, 8, 30)
        );
        assert_eq!(card.stored_title(5), Some(&b"GitHub"[..]));
        assert_eq!(
            card.code_at(5, 1_700_000_000).unwrap(),
            totp_sha1(SEED, 1_700_000_000, 30, 8)
        );
        assert_eq!(card.stored_seed(4), None);
    }

    let list = session(&mut t).list_profiles().unwrap();
    assert_eq!(list.len(), 100);
    let (_, p5) = &list[5];
    assert!(p5.seed_present && p5.configured());
    assert_eq!(p5.title(), "GitHub");
    assert_eq!((p5.digits, p5.step, p5.algorithm), (8, 30, 1));
    assert_eq!(p5.timecfg, 1_700_000_000);
    assert!(list[0].1.configured() && !list[0].1.seed_present);
    assert!(!list[6].1.configured());

    session(&mut t).delete(5).unwrap();
    assert_eq!(t.card().stored_seed(5), None);
    assert_eq!(session(&mut t).delete(5), Err(Molto2Error::ProfileEmpty));
}

#[test]
fn ten_digit_sha256_profile() {
    let mut t = EmulatedTransport::new(Molto2Card::default());
    let cfg = Molto2Config::from_values(15, 1000, Alg::Sha256, 10, 60).unwrap();
    session(&mut t)
        .burn_profile(99, &[7; 63], &cfg, None)
        .unwrap();
    let c = t.card().stored_config(99).unwrap();
    assert_eq!((c.display, c.algorithm, c.digits, c.step), (0, 2, 10, 60));
    assert_eq!(t.card().stored_seed(99), Some(&[7u8; 63][..]));
    assert_eq!(t.card().stored_title(99), None);
    assert_eq!(t.card().code_at(99, 1000).unwrap().len(), 10);
}

#[test]
fn wrong_customer_key_reports_attempts_left_and_locks() {
    let mut card = Molto2Card::default();
    card.set_max_attempts(3);
    let mut t = EmulatedTransport::new(card);
    let wrong = CustomerKey::parse("00112233445566778899AABBCCDDEEFF").unwrap();
    let cfg = Molto2Config::from_values(30, 0, Alg::Sha1, 6, 30).unwrap();
    for left in [2u8, 1, 0] {
        t.clear_log();
        let err = Molto2Session::new(&mut t, &wrong, Molto2Model::V2)
            .burn_profile(1, SEED, &cfg, None)
            .unwrap_err();
        assert_eq!(
            err,
            Molto2Error::AuthFailed {
                attempts_left: left
            }
        );
        assert_eq!(t.count(0x80, 0xCE), 1, "never retried");
        assert_eq!(t.count_ins(0xD4) + t.count_ins(0xC5), 0);
    }
    assert!(t.card().is_locked());
    // Locked: even the right key fails.
    assert_eq!(
        session(&mut t).authenticate(),
        Err(Molto2Error::SecurityFailure)
    );
}

#[test]
fn custom_customer_key_and_change_key() {
    let custom = CustomerKey::parse("ABCDEFGHIJKLMNOP").unwrap();
    let mut card = Molto2Card::default();
    card.set_customer_key(&custom);
    let mut t = EmulatedTransport::new(card);
    Molto2Session::new(&mut t, &custom, Molto2Model::V2)
        .authenticate()
        .unwrap();
    assert!(matches!(
        session(&mut t).authenticate(),
        Err(Molto2Error::AuthFailed { .. })
    ));

    let new_key = CustomerKey::parse("000102030405060708090a0b0c0d0e0f").unwrap();
    let mut s = Molto2Session::new(&mut t, &custom, Molto2Model::V2);
    assert_eq!(
        s.change_customer_key(&new_key).unwrap(),
        tokensmith_proto::molto2::Confirmation::PressButton
    );
    drop(s);
    assert!(t.card().confirmation_pending());
    t.card_mut().press_button();
    Molto2Session::new(&mut t, &new_key, Molto2Model::V2)
        .authenticate()
        .unwrap();
    assert!(Molto2Session::new(&mut t, &custom, Molto2Model::V2)
        .authenticate()
        .is_err());
}

#[test]
fn factory_reset_and_screen_lock() {
    let mut t = EmulatedTransport::new(Molto2Card::default());
    let cfg = Molto2Config::from_values(30, 5, Alg::Sha1, 6, 30).unwrap();
    session(&mut t).burn_profile(3, SEED, &cfg, None).unwrap();
    assert_eq!(
        session(&mut t).factory_reset().unwrap(),
        tokensmith_proto::molto2::Confirmation::PressButton
    );
    assert_eq!(t.card().stored_seed(3), Some(SEED), "not before the button");
    t.card_mut().press_button();
    assert_eq!(t.card().stored_seed(3), None);
    assert!(t.card().stored_config(0).is_some());
    session(&mut t).lock_screen().unwrap();
    assert!(t.card().screen_locked());
    session(&mut t).unlock_screen().unwrap();
    assert!(!t.card().screen_locked());
}

#[test]
fn validation_before_sending_and_profile_range() {
    let mut t = EmulatedTransport::new(Molto2Card::new(Molto2Model::V1, "M1"));
    let cfg = Molto2Config::from_values(30, 0, Alg::Sha1, 6, 30).unwrap();
    let mut s = Molto2Session::new(&mut t, &CustomerKey::default(), Molto2Model::V1);
    assert_eq!(
        s.burn_profile(50, SEED, &cfg, None),
        Err(Molto2Error::InvalidProfile {
            profile: 50,
            max: 49
        })
    );
    assert!(matches!(
        s.burn_profile(1, &[], &cfg, None),
        Err(Molto2Error::InvalidSeed(_))
    ));
    assert!(matches!(
        s.burn_profile(1, SEED, &cfg, Some("a title too long")),
        Err(Molto2Error::InvalidTitle(_))
    ));
    drop(s);
    assert!(t.log().is_empty());
    assert!(Molto2Config::from_values(30, 0, Alg::Sha1, 7, 30).is_err());
    // Emulated V1 refuses profile 50 on the wire too.
    let r = t.card_mut().process(&profile_data_apdu(50));
    assert_eq!(r, vec![0x6A, 0x86]);
}

#[test]
fn seed_before_config_is_refused_by_the_emulator() {
    let mut t = EmulatedTransport::new(Molto2Card::default());
    let mut s = session(&mut t);
    s.authenticate().unwrap();
    assert_eq!(
        s.write_seed(7, SEED),
        Err(Molto2Error::ConditionsNotSatisfied)
    );
    // Profile 0 ships configured.
    s.write_seed(0, SEED).unwrap();
    drop(s);
    assert_eq!(t.card().stored_seed(0), Some(SEED));
}

#[test]
fn sync_all_profiles_sets_every_clock() {
    let mut t = EmulatedTransport::new(Molto2Card::default());
    session(&mut t).sync_all(1_800_000_000).unwrap();
    assert_eq!(t.count(0x84, 0xD4), 100);
    for p in 0..100 {
        assert_eq!(t.card().profile(p).unwrap().rtc, 1_800_000_000);
    }
    assert_eq!(session(&mut t).info().unwrap().utc, 1_800_000_000);
}

#[test]
fn emulator_quirks() {
    let mut card = Molto2Card::default();
    card.power_on();
    // Profile data with an Le byte → 6F FB.
    let mut with_le = profile_data_apdu(0);
    with_le.push(0);
    assert_eq!(card.process(&with_le), vec![0x6F, 0xFB]);
    // Challenge needs P1 = 08.
    assert_eq!(card.process(&[0x80, 0x4B, 0, 0, 0]), vec![0x6D, 0x00]);
    // Delete without authentication.
    assert_eq!(card.process(&[0x80, 0xE6, 0, 0, 0]), vec![0x69, 0x82]);
    // Info.
    let mut t = EmulatedTransport::new(card);
    assert_eq!(session(&mut t).info().unwrap().serial, "MOLTO2V2000001");
}

#[test]
fn titles_and_seeds_round_trip() {
    let mut t = EmulatedTransport::new(Molto2Card::default());
    let cfg = Molto2Config::from_values(30, 0, Alg::Sha1, 6, 30).unwrap();
    for len in 0..=12usize {
        let title: String = "ABCDEFGHIJKL"[..len].to_string();
        let seed: Vec<u8> = (0..(len * 5 + 1)).map(|i| (i as u8) ^ 0x80).collect();
        let p = len as u8 + 10;
        session(&mut t)
            .burn_profile(p, &seed, &cfg, Some(&title))
            .unwrap();
        assert_eq!(t.card().stored_title(p), Some(title.as_bytes()));
        assert_eq!(t.card().stored_seed(p), Some(&seed[..]));
        assert_eq!(session(&mut t).profile(p).unwrap().title(), title);
    }
}

#[test]
fn all_zero_seed_clears_a_profile() {
    let mut t = EmulatedTransport::new(Molto2Card::default());
    let cfg = Molto2Config::from_values(30, 0, Alg::Sha1, 6, 30).unwrap();
    session(&mut t).burn_profile(2, SEED, &cfg, None).unwrap();
    let mut s = session(&mut t);
    s.authenticate().unwrap();
    drop(s);
    let key = CustomerKey::default().sm4_key();
    let apdu = clear_seed_apdu(&key, 2);
    assert_eq!(&apdu[..5], &[0x84, 0xC5, 0x01, 0x02, 0x14]);
    use tokensmith_proto::transport::Transport;
    assert_eq!(t.transmit(&apdu).unwrap(), vec![0x90, 0x00]);
    assert_eq!(t.card().stored_seed(2), None);
    assert!(t.card().stored_config(2).is_some(), "config stays");
}
