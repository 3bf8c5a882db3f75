//! What differs between OATH keys (issue 9): the Nitrokey 3 Secrets app, the YubiKey's serial
//! applets, RENAME, touch timeouts and firmware quirks, against the emulator's makers.

use tokensmith_proto::emulator::{Card, EmulatedTransport, YkoathCard};
use tokensmith_proto::ykoath::{
    self, CredentialData, OathAlgorithm, OathType, YkoathError, YkoathSession,
};
use tokensmith_proto::yubico::{self, SerialSource};

const KEY: &[u8] = b"12345678901234567890";

fn totp(name: &str) -> CredentialData {
    CredentialData::totp(name, OathAlgorithm::Sha1, 6, KEY)
}

fn sw(reply: &[u8]) -> u16 {
    u16::from_be_bytes([reply[reply.len() - 2], reply[reply.len() - 1]])
}

#[test]
fn nitrokey3_with_a_pin_selects_without_salt() {
    let mut t = EmulatedTransport::new(YkoathCard::nitrokey3(0x00C0_FFEE, Some(8)));
    let mut s = YkoathSession::open(&mut t, None).unwrap();
    let sel = s.selected().clone();
    assert_eq!(sel.salt, None);
    assert_eq!((sel.serial, sel.pin_attempts), (Some(0x00C0_FFEE), Some(8)));
    assert_eq!(sel.version[0], 4);
    // Credentials work without the PIN (they are encrypted with the hardware key).
    s.put(&totp("Corp:alice")).unwrap();
    let code = s.calculate_totp("Corp:alice", 59).unwrap();
    assert_eq!(code.to_string(), "287082");
    // Without a PIN the salt is there, and the serial too.
    let mut t = EmulatedTransport::new(YkoathCard::nitrokey3(7, None));
    let s = YkoathSession::select(&mut t).unwrap();
    assert_eq!(s.selected().salt.as_ref().map(Vec::len), Some(8));
    assert_eq!(s.selected().serial, Some(7));
}

#[test]
fn nitrokey3_never_overwrites_and_says_so() {
    let mut t = EmulatedTransport::new(YkoathCard::nitrokey3(1, None));
    let mut s = YkoathSession::select(&mut t).unwrap();
    s.put(&totp("a")).unwrap();
    let mut other = totp("a");
    other.secret = zeroize::Zeroizing::new(b"another key, 20 byte".to_vec());
    assert_eq!(s.put(&other), Err(YkoathError::AlreadyExists));
    drop(s);
    assert_eq!(t.card().credential("a").unwrap().key.as_slice(), KEY);
}

#[test]
fn nitrokey3_unknown_names_sha512_and_counters() {
    let mut t = EmulatedTransport::new(YkoathCard::nitrokey3(1, Some(3)));
    let mut s = YkoathSession::select(&mut t).unwrap();
    assert_eq!(
        s.calculate("nope", Some(1)),
        Err(YkoathError::NoSuchCredential)
    );
    assert_eq!(s.delete("nope"), Err(YkoathError::NoSuchCredential));
    // SHA-512 is stored, never calculated (6A 81).
    s.put(&CredentialData::totp("big", OathAlgorithm::Sha512, 6, KEY))
        .unwrap();
    assert_eq!(
        s.calculate_totp("big", 59),
        Err(YkoathError::FunctionNotSupported)
    );
    // HOTP with a counter: 7A is sent and used.
    let mut h = totp("h");
    h.oath_type = OathType::Hotp;
    h.counter = Some(9);
    s.put(&h).unwrap();
    assert_eq!(s.calculate("h", None).unwrap().to_string(), "520489");
    drop(s);
    // 7A after a TOTP key: the Secrets app reads an unknown tag (6A 80).
    let mut card = YkoathCard::nitrokey3(1, None);
    card.power_on();
    card.process(&ykoath::select_apdu());
    let mut raw = ykoath::put_apdu(&totp("t")).unwrap().to_vec();
    raw.extend_from_slice(&[0x7A, 4, 0, 0, 0, 1]);
    raw[4] += 6;
    assert_eq!(sw(&card.process(&raw)), 0x6A80);
}

#[test]
fn nitrokey3_list_has_other_kinds_and_set_code_is_a_status_request() {
    let mut card = YkoathCard::nitrokey3(1, None);
    card.add_other_entry(0x31, "reverse");
    card.add_other_entry(0x41, "HmacSlot1");
    card.add_other_entry(0xF1, "pws");
    let mut t = EmulatedTransport::new(card);
    let mut s = YkoathSession::select(&mut t).unwrap();
    s.put(&totp("a")).unwrap();
    let l = s.list().unwrap();
    assert_eq!(l.credentials.len(), 1);
    assert_eq!(l.others, 3);
    // SET CODE answers 90 00 with a status and sets nothing: the check after it says so.
    assert_eq!(
        s.change_password(Some("pw")),
        Err(YkoathError::PasswordNotApplied)
    );
    drop(s);
    let set_code = t
        .log()
        .iter()
        .find(|e| e.command[1] == ykoath::INS_SET_CODE)
        .unwrap();
    assert_eq!(&set_code.response[3..], &[0x42, 0x42, 0x42, 0x90, 0x00]);
    // VALIDATE and RENAME are not there.
    let mut card = YkoathCard::nitrokey3(1, None);
    card.power_on();
    card.process(&ykoath::select_apdu());
    assert_eq!(
        sw(&card.process(&ykoath::rename_apdu("a", "b").unwrap())),
        0x6D00
    );
    assert_eq!(
        sw(&card.process(&ykoath::validate_apdu(&[0; 16], &[0; 8], &[0; 8]))),
        0x6D00
    );
    // With a PIN there is no salt to derive a password key from: nothing is sent.
    let mut t = EmulatedTransport::new(YkoathCard::nitrokey3(1, Some(8)));
    let mut s = YkoathSession::select(&mut t).unwrap();
    assert_eq!(s.set_password("pw"), Err(YkoathError::NoAccessPassword));
    drop(s);
    assert_eq!(t.count_ins(ykoath::INS_SET_CODE), 0);
}

#[test]
fn a_touch_that_never_comes_is_a_touch_timeout() {
    for mut card in [YkoathCard::new(), YkoathCard::nitrokey3(1, None)] {
        card.set_touch_times_out(true);
        let nitrokey = card.maker() != YkoathCard::new().maker();
        let mut t = EmulatedTransport::new(card);
        let mut s = YkoathSession::select(&mut t).unwrap();
        let mut c = totp("touchy");
        c.touch = true;
        if nitrokey {
            // Registering a touch credential waits for the touch on a Nitrokey 3.
            assert_eq!(s.put(&c), Err(YkoathError::TouchTimeout));
            s.transport_mut().card_mut().set_touch_times_out(false);
            s.put(&c).unwrap();
            s.transport_mut().card_mut().set_touch_times_out(true);
            assert_eq!(s.delete("touchy"), Err(YkoathError::TouchTimeout));
        } else {
            s.put(&c).unwrap();
        }
        let e = s.calculate_totp("touchy", 59).unwrap_err();
        assert_eq!(e, YkoathError::TouchTimeout);
        assert!(e.to_string().contains("touch"), "{e}");
    }
    // With a password set and not given, 69 82 still means "authentication required".
    let mut t = EmulatedTransport::new(YkoathCard::with_password("pw"));
    let mut s = YkoathSession::select(&mut t).unwrap();
    assert_eq!(s.calculate_totp("x", 59), Err(YkoathError::AuthRequired));
}

#[test]
fn yubikey_serial_from_management_else_otp() {
    let mut t = EmulatedTransport::new(YkoathCard::yubikey([5, 4, 3], Some(12_345_678)));
    assert_eq!(
        yubico::read_serial(&mut t).unwrap(),
        Some((12_345_678, SerialSource::Management))
    );
    // The OATH applet must be selected again afterwards.
    YkoathSession::select(&mut t).unwrap().list().unwrap();
    t.card_mut().set_serial_applets(false, true);
    assert_eq!(
        yubico::read_serial(&mut t).unwrap(),
        Some((12_345_678, SerialSource::Otp))
    );
    // NEO-like: management without READ CONFIG support is skipped.
    let mut t = EmulatedTransport::new(YkoathCard::yubikey([3, 4, 0], Some(99)));
    t.card_mut().set_serial_applets(true, true);
    assert_eq!(yubico::read_serial(&mut t).unwrap().map(|s| s.0), Some(99));
    // Serial hidden, or no Yubico applet at all (unknown maker, Nitrokey 3): none.
    for card in [
        YkoathCard::yubikey([5, 4, 3], None),
        YkoathCard::generic(),
        YkoathCard::nitrokey3(5, None),
    ] {
        let mut t = EmulatedTransport::new(card);
        assert_eq!(yubico::read_serial(&mut t).unwrap(), None);
    }
    // A card pulled is an error, not "no serial".
    let mut t = EmulatedTransport::new(YkoathCard::new());
    t.remove_card();
    assert!(yubico::read_serial(&mut t).is_err());
}

#[test]
fn rename_from_yubikey_5_3_1() {
    let mut t = EmulatedTransport::new(YkoathCard::new());
    let mut s = YkoathSession::select(&mut t).unwrap();
    s.put(&totp("Old:alice")).unwrap();
    s.rename("Old:alice", "New:alice").unwrap();
    assert_eq!(
        s.calculate_totp("New:alice", 59).unwrap().to_string(),
        "287082"
    );
    assert_eq!(
        s.rename("Old:alice", "x"),
        Err(YkoathError::NoSuchCredential)
    );
    let mut t = EmulatedTransport::new(YkoathCard::yubikey([5, 2, 7], Some(1)));
    let mut s = YkoathSession::select(&mut t).unwrap();
    s.put(&totp("a")).unwrap();
    let e = s.rename("a", "b").unwrap_err();
    assert!(e.to_string().contains("6D 00"), "{e}");
}

#[test]
fn yubikey4_below_4_3_5_overwrites_the_longer_name() {
    // The firmware bug ykman guards against (and the bridge, through core::caps).
    let mut t = EmulatedTransport::new(YkoathCard::yubikey([4, 2, 7], Some(1)));
    let mut s = YkoathSession::select(&mut t).unwrap();
    s.put(&totp("alice@example.com")).unwrap();
    let mut short = totp("alice");
    short.secret = zeroize::Zeroizing::new(b"another key, 20 byte".to_vec());
    s.put(&short).unwrap();
    drop(s);
    let card = t.card();
    assert_eq!(card.credentials().len(), 1);
    assert!(card.credential("alice").is_none());
    assert_eq!(
        card.credential("alice@example.com").unwrap().key.as_slice(),
        b"another key, 20 byte"
    );
}
