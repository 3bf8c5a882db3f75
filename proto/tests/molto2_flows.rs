//! Molto2 flows against the emulator.

use hmac::{Hmac, Mac};
use tokensmith_core::otp::Algorithm as Alg;
use tokensmith_proto::emulator::{Card, EmulatedTransport, Molto2Card};
use tokensmith_proto::molto2::{
    clear_seed_apdu, profile_data_apdu, Confirmation, CustomerKey, Deleted, Molto2Config,
    Molto2Error, Molto2Model, Molto2Session, ProfileBurn, Written,
};
use tokensmith_proto::transport::Transport;

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

/// Burn a profile (no overwrite) and return the writes the device acknowledged.
fn burn<T: Transport>(
    s: &mut Molto2Session<T>,
    profile: u8,
    seed: &[u8],
    config: &Molto2Config,
    title: Option<&str>,
) -> Result<Vec<Written>, Molto2Error> {
    burn_over(s, profile, seed, config, title, false)
}

fn burn_over<T: Transport>(
    s: &mut Molto2Session<T>,
    profile: u8,
    seed: &[u8],
    config: &Molto2Config,
    title: Option<&str>,
    overwrite: bool,
) -> Result<Vec<Written>, Molto2Error> {
    let mut written = Vec::new();
    let b = ProfileBurn {
        profile,
        seed,
        config,
        title,
        overwrite,
    };
    s.burn_profile(&b, &mut |w| written.push(w))?;
    Ok(written)
}

#[test]
fn burn_profile_list_delete() {
    let mut t = EmulatedTransport::new(Molto2Card::default());
    let cfg = Molto2Config::from_values(60, 1_700_000_000, Alg::Sha1, 8, 30).unwrap();
    let written = burn(&mut session(&mut t), 5, SEED, &cfg, Some("GitHub")).unwrap();
    // Issue 9: read the profile first, authenticate once, then seed, title, config — the
    // order of both public tools.
    let ins: Vec<u8> = t.log().iter().map(|e| e.command[1]).collect();
    assert_eq!(ins, vec![0x41, 0x4B, 0xCE, 0xC5, 0xD5, 0xD4]);
    assert_eq!(
        written,
        vec![Written::Seed, Written::Title, Written::Config]
    );
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
    assert!(p5.seed_present);
    assert_eq!(p5.title(), "GitHub");
    assert_eq!((p5.digits, p5.step, p5.algorithm), (8, 30, 1));
    assert_eq!(p5.timecfg, 1_700_000_000);
    assert!(!list[0].1.seed_present);
    assert!(!list[6].1.seed_present);

    t.clear_log();
    assert_eq!(session(&mut t).delete(5), Ok(Deleted::Seed));
    assert_eq!(t.card().stored_seed(5), None);
    assert_eq!(session(&mut t).delete(5), Ok(Deleted::AlreadyEmpty));
    // Issue 9: delete needs no authentication, so none is made.
    assert_eq!(t.count_ins(0xCE) + t.count_ins(0x4B), 0);
    assert_eq!(
        t.card().stored_title(5),
        Some(&b"GitHub"[..]),
        "the title stays"
    );
}

#[test]
fn ten_digit_sha256_profile() {
    let mut t = EmulatedTransport::new(Molto2Card::default());
    let cfg = Molto2Config::from_values(15, 1000, Alg::Sha256, 10, 60).unwrap();
    burn(&mut session(&mut t), 99, &[7; 63], &cfg, None).unwrap();
    let c = t.card().stored_config(99).unwrap();
    assert_eq!((c.display, c.algorithm, c.digits, c.step), (0, 2, 10, 60));
    assert_eq!(t.card().stored_seed(99), Some(&[7u8; 63][..]));
    assert_eq!(t.card().stored_title(99), None);
    assert_eq!(t.card().code_at(99, 1000).unwrap().len(), 10);
}

#[test]
fn wrong_customer_key_reports_attempts_left_and_locks() {
    // Issue 9: like the device, the emulator answers a first wrong key 63 C7 — 7 left.
    let mut t = EmulatedTransport::new(Molto2Card::default());
    let wrong = CustomerKey::parse("00112233445566778899AABBCCDDEEFF").unwrap();
    assert_eq!(
        Molto2Session::new(&mut t, &wrong, Molto2Model::V2).authenticate(),
        Err(Molto2Error::AuthFailed {
            attempts_left: Some(7)
        })
    );
    assert_eq!(t.log().last().unwrap().response, vec![0x63, 0xC7]);
    session(&mut t).authenticate().unwrap();
    assert_eq!(
        t.card().attempts_left(),
        8,
        "a success restores the counter"
    );

    let mut card = Molto2Card::default();
    card.set_max_attempts(3);
    let mut t = EmulatedTransport::new(card);
    let cfg = Molto2Config::from_values(30, 0, Alg::Sha1, 6, 30).unwrap();
    for left in [2u8, 1, 0] {
        t.clear_log();
        let err = burn(
            &mut Molto2Session::new(&mut t, &wrong, Molto2Model::V2),
            1,
            SEED,
            &cfg,
            None,
        )
        .unwrap_err();
        assert_eq!(
            err,
            Molto2Error::AuthFailed {
                attempts_left: Some(left)
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

    // Any length: a passphrase is hashed like a 16-byte key.
    let new_key = CustomerKey::parse("a long passphrase, not 16 bytes").unwrap();
    let mut s = Molto2Session::new(&mut t, &custom, Molto2Model::V2);
    assert_eq!(
        s.change_customer_key(&new_key).unwrap(),
        Confirmation::PressButton
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
    burn(&mut session(&mut t), 3, SEED, &cfg, None).unwrap();
    assert_eq!(
        session(&mut t).factory_reset().unwrap(),
        Confirmation::PressButton
    );
    assert_eq!(t.card().stored_seed(3), Some(SEED), "not before the button");
    t.card_mut().press_button();
    assert_eq!(t.card().stored_seed(3), None);
    assert!(t.card().stored_config(0).is_some());
    assert_eq!(session(&mut t).lock_screen(), Ok(Confirmation::Done));
    assert!(t.card().screen_locked());
    assert_eq!(session(&mut t).unlock_screen(), Ok(Confirmation::Done));
    assert!(!t.card().screen_locked());
}

#[test]
fn validation_before_sending_and_profile_range() {
    let mut t = EmulatedTransport::new(Molto2Card::new(Molto2Model::V1, "M1"));
    let cfg = Molto2Config::from_values(30, 0, Alg::Sha1, 6, 30).unwrap();
    let mut s = Molto2Session::new(&mut t, &CustomerKey::default(), Molto2Model::V1);
    assert_eq!(
        burn(&mut s, 50, SEED, &cfg, None),
        Err(Molto2Error::InvalidProfile {
            profile: 50,
            max: 49
        })
    );
    assert!(matches!(
        burn(&mut s, 1, &[], &cfg, None),
        Err(Molto2Error::InvalidSeed(_))
    ));
    assert!(matches!(
        burn(&mut s, 1, SEED, &cfg, Some("a title too long")),
        Err(Molto2Error::InvalidTitle(_))
    ));
    assert!(matches!(
        burn(&mut s, 1, SEED, &cfg, Some("")),
        Err(Molto2Error::InvalidTitle(_))
    ));
    drop(s);
    assert!(t.log().is_empty());
    assert!(Molto2Config::from_values(30, 0, Alg::Sha1, 7, 30).is_err());
    // Emulated V1 refuses profile 50 on the wire too.
    let r = t.card_mut().process(&profile_data_apdu(50));
    assert_eq!(r, vec![0x6A, 0x86]);
}

/// Issue 9: the device takes seed, title and config in any order (no invented `69 85` for a
/// seed before the config), and an empty profile reports the default SHA-1/30 s/6 digits:
/// only the seed byte tells occupancy.
#[test]
fn any_write_order_and_default_config_of_empty_profiles() {
    let mut t = EmulatedTransport::new(Molto2Card::default());
    let mut s = session(&mut t);
    let empty = s.profile(7).unwrap();
    assert_eq!((empty.algorithm, empty.step, empty.digits), (1, 30, 6));
    assert!(!empty.seed_present);
    s.authenticate().unwrap();
    s.write_seed(7, SEED).unwrap();
    drop(s);
    assert_eq!(t.card().stored_seed(7), Some(SEED));
    assert!(session(&mut t).profile(7).unwrap().seed_present);
    // A config alone does not make a profile occupied.
    let mut s = session(&mut t);
    s.authenticate().unwrap();
    let cfg = Molto2Config::from_values(30, 9, Alg::Sha256, 8, 60).unwrap();
    s.write_config(8, &cfg).unwrap();
    let p8 = s.profile(8).unwrap();
    assert_eq!((p8.algorithm, p8.step, p8.digits), (2, 60, 8));
    assert!(!p8.seed_present);
}

/// Issue 9: an occupied profile is refused unless the user asks to overwrite, and a refused
/// burn sends no write — not even an authentication.
#[test]
fn occupied_profile_is_refused_without_a_single_write() {
    let mut card = Molto2Card::default();
    card.preload(4, b"old seed", Some("Mail"));
    let mut t = EmulatedTransport::new(card);
    let cfg = Molto2Config::from_values(30, 5, Alg::Sha1, 6, 30).unwrap();
    let e = burn(&mut session(&mut t), 4, SEED, &cfg, Some("New")).unwrap_err();
    assert_eq!(
        e,
        Molto2Error::ProfileOccupied {
            profile: 4,
            title: "Mail".into()
        }
    );
    assert!(e.to_string().contains("titled \"Mail\""), "{e}");
    assert_eq!(t.log().len(), 1, "only the public block was read");
    assert_eq!(t.log()[0].command, profile_data_apdu(4));
    assert_eq!(t.card().stored_seed(4), Some(&b"old seed"[..]));
    assert_eq!(t.card().stored_config(4), None);

    // Asked to overwrite: one authentication, the old seed deleted, then seed, title, config.
    t.clear_log();
    let written = burn_over(&mut session(&mut t), 4, SEED, &cfg, Some("New"), true).unwrap();
    assert_eq!(
        written,
        vec![
            Written::OldSeedDeleted,
            Written::Seed,
            Written::Title,
            Written::Config
        ]
    );
    let ins: Vec<u8> = t.log().iter().map(|e| e.command[1]).collect();
    assert_eq!(ins, vec![0x41, 0x4B, 0xCE, 0xE6, 0xC5, 0xD5, 0xD4]);
    assert_eq!(t.card().stored_seed(4), Some(SEED));
    assert_eq!(t.card().stored_title(4), Some(&b"New"[..]));
    // overwrite on an empty profile writes as usual.
    t.clear_log();
    let written = burn_over(&mut session(&mut t), 5, SEED, &cfg, None, true).unwrap();
    assert_eq!(written, vec![Written::Seed, Written::Config]);
}

#[test]
fn sync_all_profiles_sets_every_clock() {
    let mut t = EmulatedTransport::new(Molto2Card::default());
    let report = session(&mut t).sync_all(1_800_000_000).unwrap();
    assert_eq!(report.len(), 100);
    assert!(report.iter().all(|p| p.result.is_ok()));
    assert_eq!(t.count(0x84, 0xD4), 100);
    assert_eq!(t.count_ins(0xCE), 1, "one authentication");
    for p in 0..100 {
        assert_eq!(t.card().profile(p).unwrap().rtc, 1_800_000_000);
    }
    assert_eq!(session(&mut t).info().unwrap().utc, 1_800_000_000);
}

/// Issue 9: a sync of all profiles carries on past the ones the device refuses and reports
/// each (here a Molto2 (v1) synced as a Molto2v2: 50–99 answer 6A 86); one profile alone.
#[test]
fn sync_all_carries_on_past_failures_and_sync_one() {
    let mut t = EmulatedTransport::new(Molto2Card::new(Molto2Model::V1, "M1"));
    let report = session(&mut t).sync_all(1_800_000_000).unwrap();
    assert_eq!(report.len(), 100);
    for p in &report {
        if p.profile < 50 {
            assert_eq!(p.result, Ok(()), "profile {}", p.profile);
        } else {
            assert_eq!(
                p.result,
                Err(Molto2Error::IncorrectP1P2),
                "profile {}",
                p.profile
            );
        }
    }
    assert_eq!(t.card().profile(49).unwrap().rtc, 1_800_000_000);

    let mut t = EmulatedTransport::new(Molto2Card::default());
    session(&mut t).sync_one(12, 1_900_000_000).unwrap();
    assert_eq!(t.count(0x84, 0xD4), 1);
    assert_eq!(t.card().profile(12).unwrap().rtc, 1_900_000_000);
    assert_eq!(t.card().profile(11).unwrap().rtc, 0);

    // A card pulled mid-way ends the list at the profile that failed.
    let mut t = PulledAfter {
        inner: EmulatedTransport::new(Molto2Card::default()),
        left: 2 + 3,
    };
    let report = Molto2Session::new(&mut t, &CustomerKey::default(), Molto2Model::V2)
        .sync_all(5)
        .unwrap();
    assert_eq!(report.len(), 4);
    assert!(matches!(report[3].result, Err(Molto2Error::Transport(_))));
}

/// A device pulled out after `left` commands.
struct PulledAfter {
    inner: EmulatedTransport<Molto2Card>,
    left: usize,
}

impl Transport for PulledAfter {
    fn transmit(
        &mut self,
        apdu: &[u8],
    ) -> Result<Vec<u8>, tokensmith_proto::transport::TransportError> {
        if self.left == 0 {
            self.inner.remove_card();
        }
        self.left = self.left.saturating_sub(1);
        self.inner.transmit(apdu)
    }
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
    // Delete without authentication: 6A 83 on an empty profile.
    assert_eq!(card.process(&[0x80, 0xE6, 0, 0, 0]), vec![0x6A, 0x83]);
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
        let title = Some(title.as_str()).filter(|t| !t.is_empty());
        burn(&mut session(&mut t), p, &seed, &cfg, title).unwrap();
        let title = title.unwrap_or_default();
        assert_eq!(
            t.card().stored_title(p),
            Some(title.as_bytes()).filter(|t| !t.is_empty())
        );
        assert_eq!(t.card().stored_seed(p), Some(&seed[..]));
        assert_eq!(session(&mut t).profile(p).unwrap().title(), title);
    }
    // UTF-8 titles with 80 bytes in them ("À" is C3 80) come back whole.
    for (p, title) in [(30, "À la carte"), (31, "Bank €"), (32, "Zürich-Bank")] {
        burn(&mut session(&mut t), p, SEED, &cfg, Some(title)).unwrap();
        assert_eq!(session(&mut t).profile(p).unwrap().title(), title);
    }
}

#[test]
fn all_zero_seed_clears_a_profile() {
    let mut t = EmulatedTransport::new(Molto2Card::default());
    let cfg = Molto2Config::from_values(30, 0, Alg::Sha1, 6, 30).unwrap();
    burn(&mut session(&mut t), 2, SEED, &cfg, None).unwrap();
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
