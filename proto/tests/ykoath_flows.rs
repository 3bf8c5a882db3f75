//! YKOATH flows against the emulator.

use hmac::{Hmac, Mac};
use tokensmith_proto::emulator::{Card, EmulatedTransport, YkoathCard};
use tokensmith_proto::ykoath::{
    credential_name, put_apdu, CalculateAllResult, CredentialData, OathAlgorithm, OathType,
    YkoathError, YkoathSession,
};

const RFC_KEY: &[u8] = b"12345678901234567890";

/// Independent HOTP with HMAC-SHA1 (RFC 4226), for checks.
fn hotp_sha1(key: &[u8], counter: u64, digits: u32) -> String {
    let mut m = Hmac::<sha1::Sha1>::new_from_slice(key).unwrap();
    m.update(&counter.to_be_bytes());
    let h = m.finalize().into_bytes();
    let o = (h[19] & 0x0F) as usize;
    let v = u32::from_be_bytes([h[o], h[o + 1], h[o + 2], h[o + 3]]) & 0x7FFF_FFFF;
    format!("{:0w$}", v % 10u32.pow(digits), w = digits as usize)
}

type Session<'a> = YkoathSession<&'a mut EmulatedTransport<YkoathCard>>;

fn open(t: &mut EmulatedTransport<YkoathCard>) -> Session<'_> {
    YkoathSession::select(t).unwrap()
}

#[test]
fn put_list_calculate_matches_rfc6238() {
    let mut t = EmulatedTransport::new(YkoathCard::new());
    let mut s = open(&mut t);
    let name = credential_name(OathType::Totp, 30, Some("Example"), "alice").unwrap();
    s.put(&CredentialData::totp(
        &name,
        OathAlgorithm::Sha1,
        8,
        RFC_KEY,
    ))
    .unwrap();
    let list = s.list().unwrap().credentials;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].name, "Example:alice");
    assert_eq!(list[0].oath_type, OathType::Totp);
    assert_eq!(list[0].algorithm, OathAlgorithm::Sha1);

    // RFC 6238 SHA-1 vectors (8 digits).
    for (time, code) in [
        (59u64, "94287082"),
        (1_111_111_109, "07081804"),
        (1_234_567_890, "89005924"),
        (20_000_000_000, "65353130"),
    ] {
        let c = s.calculate_totp(&name, time).unwrap();
        assert_eq!(c.to_string(), code, "t={time}");
        assert_eq!(c.to_string(), hotp_sha1(RFC_KEY, time / 30, 8));
    }
    drop(s);
    // The emulator stored exactly the key.
    assert_eq!(t.card().credential(&name).unwrap().key.as_slice(), RFC_KEY);
}

#[test]
fn period_prefix_short_key_and_sha256() {
    let mut t = EmulatedTransport::new(YkoathCard::new());
    let mut s = open(&mut t);
    let name = credential_name(OathType::Totp, 60, None, "bob").unwrap();
    assert_eq!(name, "60/bob");
    // A 10-byte key is zero-padded to 14: same HMAC.
    s.put(&CredentialData::totp(
        &name,
        OathAlgorithm::Sha1,
        6,
        b"0123456789",
    ))
    .unwrap();
    let c = s.calculate_totp(&name, 1_700_000_000).unwrap();
    assert_eq!(
        c.to_string(),
        hotp_sha1(b"0123456789", 1_700_000_000 / 60, 6)
    );

    let k256 = b"12345678901234567890123456789012";
    s.put(&CredentialData::totp(
        "s256",
        OathAlgorithm::Sha256,
        8,
        k256,
    ))
    .unwrap();
    assert_eq!(
        s.calculate_totp("s256", 59).unwrap().to_string(),
        "46119246"
    );
    drop(s);
    assert_eq!(t.card().credential(&name).unwrap().key.len(), 14);
}

#[test]
fn hotp_counter_advances() {
    let mut t = EmulatedTransport::new(YkoathCard::new());
    let mut s = open(&mut t);
    let mut c = CredentialData::totp("hotp", OathAlgorithm::Sha1, 6, RFC_KEY);
    c.oath_type = OathType::Hotp;
    s.put(&c).unwrap();
    for expected in ["755224", "287082", "359152"] {
        assert_eq!(s.calculate("hotp", None).unwrap().to_string(), expected);
    }
    // Initial counter via 7A.
    c.counter = Some(9);
    s.put(&c).unwrap();
    assert_eq!(s.calculate("hotp", None).unwrap().to_string(), "520489");
}

#[test]
fn calculate_all_reports_codes_hotp_and_touch() {
    let mut t = EmulatedTransport::new(YkoathCard::new());
    let mut s = open(&mut t);
    s.put(&CredentialData::totp("a", OathAlgorithm::Sha1, 8, RFC_KEY))
        .unwrap();
    let mut h = CredentialData::totp("h", OathAlgorithm::Sha1, 6, RFC_KEY);
    h.oath_type = OathType::Hotp;
    s.put(&h).unwrap();
    let mut touch = CredentialData::totp("t", OathAlgorithm::Sha1, 6, RFC_KEY);
    touch.touch = true;
    s.put(&touch).unwrap();
    let all = s.calculate_all(59 / 30).unwrap();
    assert_eq!(all.len(), 3);
    match &all[0] {
        (n, CalculateAllResult::Code(c)) => {
            assert_eq!(n, "a");
            assert_eq!(c.to_string(), "94287082");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(all[1], ("h".into(), CalculateAllResult::Hotp));
    assert_eq!(all[2], ("t".into(), CalculateAllResult::TouchRequired));
    drop(s);
    assert!(t.card().credential("t").unwrap().touch);
}

#[test]
fn delete_errors_and_capacity() {
    let mut card = YkoathCard::new();
    card.set_capacity(2);
    let mut t = EmulatedTransport::new(card);
    let mut s = open(&mut t);
    s.put(&CredentialData::totp(
        "one",
        OathAlgorithm::Sha1,
        6,
        RFC_KEY,
    ))
    .unwrap();
    s.put(&CredentialData::totp(
        "two",
        OathAlgorithm::Sha1,
        6,
        RFC_KEY,
    ))
    .unwrap();
    // Overwriting an existing name needs no space.
    s.put(&CredentialData::totp(
        "two",
        OathAlgorithm::Sha1,
        7,
        RFC_KEY,
    ))
    .unwrap();
    assert_eq!(
        s.put(&CredentialData::totp(
            "three",
            OathAlgorithm::Sha1,
            6,
            RFC_KEY
        )),
        Err(YkoathError::NoSpace)
    );
    s.delete("one").unwrap();
    assert_eq!(s.delete("one"), Err(YkoathError::NoSuchCredential));
    assert_eq!(
        s.calculate("missing", Some(1)).unwrap_err(),
        YkoathError::NoSuchCredential
    );
    assert_eq!(s.list().unwrap().credentials.len(), 1);
    s.reset().unwrap();
    assert!(s.list().unwrap().credentials.is_empty());
}

#[test]
fn password_select_validate() {
    let mut t = EmulatedTransport::new(YkoathCard::with_password("hunter2"));
    let mut s = YkoathSession::select(&mut t).unwrap();
    let sel = s.selected().clone();
    assert!(sel.password_set());
    assert_eq!(sel.challenge.as_ref().map(Vec::len), Some(8));
    assert_eq!(sel.algorithm, Some(OathAlgorithm::Sha1));
    assert_eq!(s.list(), Err(YkoathError::AuthRequired));
    s.validate("hunter2").unwrap();
    s.put(&CredentialData::totp("x", OathAlgorithm::Sha1, 6, RFC_KEY))
        .unwrap();
    assert_eq!(s.list().unwrap().credentials.len(), 1);

    // New selection: wrong password fails, commands stay locked.
    s.reselect().unwrap();
    assert_eq!(s.validate("hunter3"), Err(YkoathError::WrongPassword));
    assert_eq!(s.list(), Err(YkoathError::AuthRequired));
    // Select and unlock with the right password.
    s.reselect().unwrap();
    s.unlock(Some("hunter2")).unwrap();
    assert_eq!(s.list().unwrap().credentials.len(), 1);
    s.reselect().unwrap();
    assert_eq!(s.unlock(None).unwrap_err(), YkoathError::PasswordRequired);
    drop(s);
    // open() selects and validates in one go, and refuses without the password.
    assert_eq!(
        YkoathSession::open(&mut t, None).err(),
        Some(YkoathError::PasswordRequired)
    );
    let mut s = YkoathSession::open(&mut t, Some("hunter2")).unwrap();
    assert_eq!(s.list().unwrap().credentials.len(), 1);
}

#[test]
fn validate_detects_a_device_with_a_different_key() {
    // A card whose access key is derived from another password but which
    // accepts any response cannot be emulated with YkoathCard; instead check
    // the host verification directly.
    let key = [7u8; 16];
    let host = [1u8; 8];
    let mut good = vec![0x75, 20];
    good.extend_from_slice(&tokensmith_core::otp::hmac(
        tokensmith_core::otp::Algorithm::Sha1,
        &key,
        &host,
    ));
    assert!(tokensmith_proto::ykoath::verify_validate_response(&key, &host, &good).is_ok());
    good[5] ^= 1;
    assert_eq!(
        tokensmith_proto::ykoath::verify_validate_response(&key, &host, &good),
        Err(YkoathError::DeviceResponseMismatch)
    );
}

#[test]
fn set_and_clear_password_through_the_protocol() {
    let mut t = EmulatedTransport::new(YkoathCard::new());
    let mut s = open(&mut t);
    s.set_password("s3cret").unwrap();
    let sel = s.reselect().unwrap();
    assert!(sel.password_set());
    assert_eq!(s.validate("nope"), Err(YkoathError::WrongPassword));
    s.reselect().unwrap();
    s.unlock(Some("s3cret")).unwrap();
    s.clear_password().unwrap();
    assert!(!s.reselect().unwrap().password_set());
    assert!(s.list().unwrap().credentials.is_empty());
    drop(s);
    assert!(!t.card().has_password());
}

#[test]
fn list_with_many_credentials_uses_61xx_continuation() {
    let mut t = EmulatedTransport::new(YkoathCard::new());
    let mut s = open(&mut t);
    let names: Vec<String> = (0..20)
        .map(|i| {
            credential_name(
                OathType::Totp,
                30,
                Some("A-rather-long-issuer"),
                &format!("user{i:02}@example.com"),
            )
            .unwrap()
        })
        .collect();
    for n in &names {
        s.put(&CredentialData::totp(n, OathAlgorithm::Sha256, 6, RFC_KEY))
            .unwrap();
    }
    drop(s);
    let mut s = YkoathSession::select(&mut t).unwrap();
    s.transport_mut().clear_log();
    let listed = s.list().unwrap();
    drop(s);
    assert_eq!(
        listed
            .credentials
            .iter()
            .map(|e| e.name.clone())
            .collect::<Vec<_>>(),
        names
    );
    let first = &t.log()[0].response;
    assert_eq!(first[first.len() - 2], 0x61, "first reply is chained");
    assert_eq!(first.len(), 255 + 2);
    assert!(t.count(0x00, 0xA5) >= 2, "needed several 00 A5 00 00");
    let last = &t.log().last().unwrap().response;
    assert_eq!(&last[last.len() - 2..], &[0x90, 0x00]);

    // CALCULATE ALL is chained too.
    let all = YkoathSession::select(&mut t)
        .unwrap()
        .calculate_all(1)
        .unwrap();
    assert_eq!(all.len(), 20);
}

#[test]
fn documented_put_example_is_stored() {
    let mut card = YkoathCard::new();
    card.power_on();
    let sel = card.process(&tokensmith_proto::ykoath::select_apdu());
    assert_eq!(&sel[sel.len() - 2..], &[0x90, 0x00]);
    let apdu = hex::decode(
        "0001000027710D4578616D706C653A616C6963657316210631323334353637383930313233343536373839\
         30",
    )
    .unwrap();
    let c = CredentialData::totp("Example:alice", OathAlgorithm::Sha1, 6, RFC_KEY);
    assert_eq!(*put_apdu(&c).unwrap(), apdu);
    assert_eq!(card.process(&apdu), vec![0x90, 0x00]);
    let stored = card.credential("Example:alice").unwrap();
    assert_eq!(stored.digits, 6);
    assert_eq!(stored.key.as_slice(), RFC_KEY);
    // Bad syntax: digits 9.
    let mut bad = apdu.clone();
    bad[5 + 2 + 13 + 3] = 9;
    assert_eq!(card.process(&bad), vec![0x6A, 0x80]);
    // Other applets are not there.
    assert_eq!(
        card.process(&[0x00, 0xA4, 0x04, 0x00, 0x05, 0xA0, 0, 0, 5, 0x27]),
        vec![0x6A, 0x82]
    );
}
