use super::*;
use tokensmith_core::otp::Algorithm as Alg;

#[test]
fn kat_default_key_derivation() {
    let k = CustomerKey::default().sm4_key();
    assert_eq!(
        hex::encode_upper(k.as_bytes()),
        "099250FDB017F442DA429ECBBEE17F79"
    );
    let parsed = CustomerKey::parse("TOKEN2MOLTO1-KEY").unwrap();
    assert_eq!(parsed, CustomerKey::default());
    let hexed = CustomerKey::parse(&hex::encode(b"TOKEN2MOLTO1-KEY")).unwrap();
    assert_eq!(hexed, CustomerKey::default());
    assert!(CustomerKey::parse("").is_err());
}

/// Issue 9: customer keys of any length are hashed, as both public tools do (the vendor only
/// warns when a key is not 16 bytes).
#[test]
fn customer_keys_of_any_length_are_hashed() {
    use sha1::Digest;
    for text in [
        "short",
        "a passphrase longer than sixteen bytes",
        "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
    ] {
        let k = CustomerKey::parse(text).unwrap();
        assert_eq!(k.as_bytes(), text.as_bytes());
        assert_eq!(k.is_sixteen_bytes(), text.len() == 16);
        let want = sha1::Sha1::digest(text.as_bytes());
        assert_eq!(k.sm4_key().as_bytes(), &want[..16]);
    }
    // 0x + hex: raw bytes of any length.
    let k = CustomerKey::parse("0x0102030405").unwrap();
    assert_eq!(k.as_bytes(), &[1, 2, 3, 4, 5]);
    assert!(CustomerKey::parse("0x123").is_err());
    assert!(CustomerKey::parse("0xzz").is_err());
}

#[test]
fn titles_are_1_to_12_utf8_bytes_without_control_characters() {
    assert!(validate_title("GitHub").is_ok());
    assert!(validate_title("Zürich-Bank").is_ok()); // 12 bytes
    assert!(validate_title("").is_err());
    assert!(validate_title("Zürich-Bank1").is_err()); // 13 bytes
    assert!(validate_title("a\0b").is_err());
    assert!(validate_title("tab\there").is_err());
    assert_eq!(max_title_len(), 12);
}

#[test]
fn apdu_forms() {
    assert_eq!(info_apdu(), vec![0x80, 0x41, 0, 0, 0]);
    assert_eq!(profile_data_apdu(7), vec![0x80, 0x41, 0, 7, 1, 0x70]);
    assert_eq!(challenge_apdu(), vec![0x80, 0x4B, 8, 0, 0]);
    assert_eq!(delete_seed_apdu(5), vec![0x80, 0xE6, 0, 5, 0]);
    assert_eq!(factory_reset_apdu(), vec![0x80, 0x56, 0, 0, 0]);
    assert_eq!(lock_screen_apdu(), vec![0x80, 0xD8, 0x0C, 2, 0]);
    assert_eq!(unlock_screen_apdu(), vec![0x80, 0xD8, 0x0C, 2, 1, 1]);
    let k = CustomerKey::default().sm4_key();
    let t = write_title_apdu(&k, 3, "GitHub").unwrap();
    assert_eq!(&t[..5], &[0x84, 0xD5, 0, 3, 0x14]);
    assert_eq!(t.len(), 5 + 20);
    assert!(write_title_apdu(&k, 3, "thirteen byte").is_err());
    let c = Molto2Config::from_values(30, 1_700_000_000, Alg::Sha1, 8, 30).unwrap();
    let a = write_config_apdu(&k, 9, &c);
    assert_eq!(&a[..5], &[0x84, 0xD4, 1, 9, 0x1A]);
    assert_eq!(
        hex::encode_upper(&a[5..27]),
        "81141F01010F046553F10086090A01010B01080D011E"
    );
    let s = sync_clock_apdu(&k, 2, 1_700_000_000);
    assert_eq!(hex::encode_upper(&s[..13]), "84D401020C81060F046553F100");
    assert_eq!(s[5 + 8..], k.command_mac(0xD4, 1, 2, &s[5..13]));
    let ck = change_key_apdu(&k, &CustomerKey::from_bytes(&[1; 16]).unwrap());
    assert_eq!(&ck[..5], &[0x84, 0xD7, 0, 0, 0x24]);
    let pt = k.ecb_decrypt(&ck[5..37]).unwrap();
    assert_eq!(pt[0], 0);
    assert_eq!(
        &pt[1..17],
        CustomerKey::from_bytes(&[1; 16])
            .unwrap()
            .sm4_key()
            .as_bytes()
    );
    assert_eq!(pt[17], 0x80);
    assert!(pt[18..].iter().all(|&b| b == 0));
}

#[test]
fn config_validation() {
    assert!(Molto2Config::from_values(30, 0, Alg::Sha1, 5, 30).is_err());
    assert!(Molto2Config::from_values(30, 0, Alg::Sha1, 12, 30).is_err());
    assert!(Molto2Config::from_values(31, 0, Alg::Sha1, 6, 30).is_err());
    assert!(Molto2Config::from_values(30, 0, Alg::Sha512, 6, 30).is_err());
    assert!(Molto2Config::from_values(30, 0, Alg::Sha1, 6, 90).is_err());
    for d in [4, 6, 8, 10] {
        assert_eq!(
            Molto2Config::from_values(30, 0, Alg::Sha256, d, 60)
                .unwrap()
                .tlv()[18],
            d
        );
    }
}

#[test]
fn profile_ranges() {
    assert!(Molto2Model::V1.check_profile(49).is_ok());
    assert!(Molto2Model::V1.check_profile(50).is_err());
    assert!(Molto2Model::V2.check_profile(99).is_ok());
    assert!(Molto2Model::V2.check_profile(100).is_err());
}

#[test]
fn status_words() {
    // Issue 9: 63 Cx is the ISO retry counter, x attempts left — 63 C7 is 7, never 199.
    assert_eq!(
        check_sw(0x63C7, "authenticate"),
        Err(Molto2Error::AuthFailed {
            attempts_left: Some(7)
        })
    );
    let e = check_sw(0x63C7, "authenticate").unwrap_err().to_string();
    assert!(e.contains("7 attempts left before the device locks"), "{e}");
    assert!(!e.contains("199"), "{e}");
    assert!(check_sw(0x63C1, "authenticate")
        .unwrap_err()
        .to_string()
        .contains("ONLY 1 attempt left"));
    assert!(check_sw(0x63C0, "authenticate")
        .unwrap_err()
        .to_string()
        .contains("locked"));
    assert_eq!(
        check_sw(0x6300, "authenticate"),
        Err(Molto2Error::AuthFailed {
            attempts_left: None
        })
    );
    assert_eq!(
        check_sw(0x6A83, "delete seed"),
        Err(Molto2Error::ProfileEmpty)
    );
    assert_eq!(
        check_sw(0x6FFB, "read profile"),
        Err(Molto2Error::UnexpectedLe)
    );
    assert_eq!(check_sw(0x9000, "info"), Ok(()));
}

#[test]
fn profile_public_parsing() {
    let mut v = vec![0x95, 31, 0x70, 29, 1];
    let mut tips = [0u8; 16];
    tips[..4].copy_from_slice(b"Mail");
    v.extend_from_slice(&tips);
    v.extend_from_slice(&5u32.to_be_bytes());
    v.extend_from_slice(&6u32.to_be_bytes());
    v.extend_from_slice(&[1, 30, 8, 1]);
    let p = parse_profile_public(&v).unwrap();
    assert_eq!(p.title(), "Mail");
    assert_eq!(
        (p.rtc, p.timecfg, p.algorithm, p.step, p.digits),
        (5, 6, 1, 30, 8)
    );
    assert!(p.seed_present);
    assert!(parse_profile_public(&v[..v.len() - 1]).is_err());
}

/// Issue 9: a title is read back by trimming its zero padding only: an `80` byte inside
/// UTF-8 ("À" is C3 80) is part of the title.
#[test]
fn titles_read_back_by_trimming_zero_padding_only() {
    let title_of = |bytes: &[u8]| {
        let mut tips = [0u8; 16];
        tips[..bytes.len()].copy_from_slice(bytes);
        ProfilePublic {
            flag: 0x20,
            tips,
            rtc: 0,
            timecfg: 0,
            algorithm: 1,
            step: 30,
            digits: 6,
            seed_present: true,
        }
        .title()
    };
    assert_eq!(title_of("À la carte".as_bytes()), "À la carte");
    assert_eq!(title_of("Bank €".as_bytes()), "Bank €");
    assert_eq!(title_of("Zürich-Bank".as_bytes()), "Zürich-Bank");
    assert_eq!(title_of(b""), "");
    // A device that kept the writer's 80 marker: no UTF-8 text ends with a lone 80.
    assert_eq!(title_of(b"GitHub\x80"), "GitHub");
    assert_eq!(title_of("xÀ\u{80}".as_bytes()), "xÀ\u{80}");
    // Zeros before the marker are padding too (found by the `replies` fuzz target): a title
    // never ends in NUL.
    assert_eq!(title_of(b"VPN\0\0\x80"), "VPN");
    assert_eq!(title_of(b"\0\x80"), "");
}
