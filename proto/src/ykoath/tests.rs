use super::*;
use tokensmith_core::otp::{hmac, Algorithm as HashAlg};

#[test]
fn kat_put_example() {
    let c = CredentialData::totp(
        "Example:alice",
        OathAlgorithm::Sha1,
        6,
        b"12345678901234567890",
    );
    assert_eq!(
        hex::encode_upper(&*put_apdu(&c).unwrap()),
        "00010000".to_string()
            + "27710D4578616D706C653A616C696365731621063132333435363738393031323334353637383930"
    );
}

#[test]
fn fixed_forms() {
    assert_eq!(hex::encode_upper(select_apdu()), "00A4040007A0000005272101");
    assert_eq!(list_apdu(), vec![0, 0xA1, 0, 0]);
    assert_eq!(send_remaining_apdu(), vec![0, 0xA5, 0, 0]);
    assert_eq!(reset_apdu(), vec![0, 0x04, 0xDE, 0xAD]);
    assert_eq!(clear_code_apdu(), vec![0, 3, 0, 0, 2, 0x73, 0]);
    assert_eq!(
        hex::encode_upper(calculate_all_apdu(1)),
        "00A400010A74080000000000000001"
    );
    let c = calculate_apdu("a", Some(0x0102)).unwrap();
    assert_eq!(hex::encode_upper(c), "00A200010D71016174080000000000000102");
    let s = set_code_apdu(&[1; 16], &[2; 8]);
    assert_eq!(&s[..8], &[0, 3, 0, 0, 0x33, 0x73, 0x11, 0x21]);
    assert_eq!(s.len(), 5 + 0x33);
    let v = validate_apdu(&[1; 16], &[3; 8], &[2; 8]);
    assert_eq!(&v[..7], &[0, 0xA3, 0, 0, 0x20, 0x75, 0x14]);
    assert_eq!(&v[27..29], &[0x74, 8]);
    assert_eq!(v.len(), 5 + 0x20);
}

#[test]
fn put_options_and_validation() {
    let mut c = CredentialData::totp("x", OathAlgorithm::Sha256, 8, b"short");
    c.touch = true;
    c.oath_type = OathType::Hotp;
    c.counter = Some(5);
    let a = put_apdu(&c).unwrap();
    // 71 01 'x' 73 10 12 08 <5 + 9 zero> 78 02 7A 04 00000005
    let body = &a[5..];
    assert_eq!(&body[..5], &[0x71, 1, b'x', 0x73, 16]);
    assert_eq!(&body[5..7], &[0x12, 8]);
    assert_eq!(&body[7..12], b"short");
    assert!(body[12..21].iter().all(|&b| b == 0));
    assert_eq!(&body[21..], &[0x78, 0x02, 0x7A, 4, 0, 0, 0, 5]);
    c.digits = 9;
    assert_eq!(put_apdu(&c), Err(YkoathError::InvalidDigits(9)));
    c.digits = 5;
    assert!(put_apdu(&c).is_err());
    c.digits = 6;
    c.name = "n".repeat(65);
    assert!(put_apdu(&c).is_err());
    c.name = "n".repeat(64);
    assert!(put_apdu(&c).is_ok());
}

#[test]
fn key_processing() {
    assert_eq!(process_key(OathAlgorithm::Sha1, &[1; 64]).len(), 64);
    let long = process_key(OathAlgorithm::Sha1, &[1; 65]);
    use sha1::Digest;
    assert_eq!(long.as_slice(), sha1::Sha1::digest([1u8; 65]).as_slice());
    assert_eq!(process_key(OathAlgorithm::Sha256, &[1; 65]).len(), 32);
    assert_eq!(process_key(OathAlgorithm::Sha512, &[1; 128]).len(), 128);
    assert_eq!(process_key(OathAlgorithm::Sha512, &[1; 129]).len(), 64);
    assert_eq!(process_key(OathAlgorithm::Sha1, &[1; 10]).len(), 14);
}

#[test]
fn names() {
    assert_eq!(
        credential_name(OathType::Totp, 30, Some("Example"), "alice").unwrap(),
        "Example:alice"
    );
    assert_eq!(
        credential_name(OathType::Totp, 60, Some("Ex"), "a").unwrap(),
        "60/Ex:a"
    );
    assert_eq!(credential_name(OathType::Hotp, 60, None, "a").unwrap(), "a");
    assert!(credential_name(OathType::Totp, 30, None, &"a".repeat(65)).is_err());
    assert_eq!(
        parse_credential_name(OathType::Totp, "60/Ex:a"),
        (60, Some("Ex".into()), "a".into())
    );
    assert_eq!(
        parse_credential_name(OathType::Hotp, "60/Ex:a"),
        (30, Some("60/Ex".into()), "a".into())
    );
    assert_eq!(
        parse_credential_name(OathType::Totp, "a"),
        (30, None, "a".into())
    );
}

#[test]
fn parsing() {
    let s = parse_select(&hex::decode("790305040371080102030405060708").unwrap()).unwrap();
    assert_eq!(s.version_string(), "5.4.3");
    assert!(!s.password_set());
    assert_eq!(s.serial, None);
    // Nitrokey 3: version 4.x and its serial in tag 8F.
    let nk =
        parse_select(&hex::decode("7903040B00710801020304050607088F0412345678").unwrap()).unwrap();
    assert_eq!(nk.serial, Some(0x1234_5678));
    let s = parse_select(
        &hex::decode("79030504037108010203040506070874080807060504030201".to_string() + "7B0101")
            .unwrap(),
    )
    .unwrap();
    assert!(s.password_set());
    assert_eq!(s.algorithm, Some(OathAlgorithm::Sha1));
    let l = parse_list(&[0x72, 3, 0x21, b'a', b'b', 0x72, 2, 0x12, b'c']).unwrap();
    assert_eq!(l.len(), 2);
    assert_eq!(l[1].oath_type, OathType::Hotp);
    assert_eq!(l[1].algorithm, OathAlgorithm::Sha256);
    let c = parse_calculate(&[0x76, 5, 6, 0xFF, 0xFF, 0xFF, 0xFF]).unwrap();
    // 0x7FFFFFFF = 2147483647 → 483647
    assert_eq!(c.to_string(), "483647");
    let c = parse_calculate(&[0x76, 5, 8, 0, 0, 0, 1]).unwrap();
    assert_eq!(c.to_string(), "00000001");
    let all = parse_calculate_all(&[
        0x71, 1, b'a', 0x76, 5, 6, 0, 0, 0, 7, 0x71, 1, b'b', 0x77, 1, 6, 0x71, 1, b'c', 0x7C, 1, 6,
    ])
    .unwrap();
    assert_eq!(all[1], ("b".into(), CalculateAllResult::Hotp));
    assert_eq!(all[2].1, CalculateAllResult::TouchRequired);
    assert!(parse_tlvs(&[0x71, 5, 1]).is_err());
}

#[test]
fn status_words() {
    assert_eq!(
        check_sw(0x6A84, Ctx::Other("put")),
        Err(YkoathError::NoSpace)
    );
    assert_eq!(
        check_sw(0x6982, Ctx::Other("put")),
        Err(YkoathError::AuthRequired)
    );
    assert_eq!(
        check_sw(0x6A80, Ctx::Other("put")),
        Err(YkoathError::WrongSyntax)
    );
    assert_eq!(
        check_sw(0x6A80, Ctx::Validate),
        Err(YkoathError::WrongPassword)
    );
    assert_eq!(
        check_sw(0x6982, Ctx::Validate),
        Err(YkoathError::WrongPassword)
    );
    assert_eq!(
        check_sw(0x6984, Ctx::Other("put")),
        Err(YkoathError::NoSuchCredential)
    );
    assert_eq!(
        check_sw(0x6A82, Ctx::Select),
        Err(YkoathError::AppletNotFound)
    );
}

#[test]
fn pbkdf2_known_answer() {
    // RFC 6070 vector 2 (2 iterations) cannot be used (1000 fixed); use
    // the ykman test vector: password "password", salt 5d 9a 14 ...
    // Instead check against an independent PBKDF2 formulation.
    let salt = [0x5Du8, 0x9A, 0x14, 0xCB, 0x1E, 0x2D, 0x33, 0x91];
    let k = derive_access_key("password", &salt);
    let mut u = hmac(
        HashAlg::Sha1,
        b"password",
        &[&salt[..], &[0, 0, 0, 1]].concat(),
    );
    let mut t = u.clone();
    for _ in 1..1000 {
        u = hmac(HashAlg::Sha1, b"password", &u);
        for (a, b) in t.iter_mut().zip(u.iter()) {
            *a ^= b;
        }
    }
    assert_eq!(k.as_slice(), &t[..16]);
}
