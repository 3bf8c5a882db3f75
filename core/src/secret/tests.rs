use super::*;

const HELLO: &[u8] = b"Hello!\xde\xad\xbe\xef";

fn b32(s: &str) -> Result<Secret, ParseError> {
    Secret::parse(s, Encoding::Base32).map(|p| p.secret)
}

fn hex(s: &str) -> Result<Secret, ParseError> {
    Secret::parse(s, Encoding::Hex).map(|p| p.secret)
}

fn auto(s: &str) -> Parsed {
    Secret::parse(s, Encoding::Auto).expect("parses")
}

#[test]
fn base32_is_lenient_about_separators_case_and_padding() {
    for input in [
        "JBSWY3DPEHPK3PXP",
        "jbswy3dpehpk3pxp",
        "JBSW Y3DP EHPK 3PXP",
        "JBSW-Y3DP-EHPK-3PXP",
        " jbsw\ty3dp\nehpk 3pxp ",
    ] {
        assert_eq!(b32(input).unwrap().as_bytes(), HELLO, "{input:?}");
    }
    assert_eq!(b32("MZXW6===").unwrap().as_bytes(), b"foo");
    assert_eq!(b32("MZXW6").unwrap().as_bytes(), b"foo");
    assert_eq!(b32("mzxw6 = = =").unwrap().as_bytes(), b"foo");
    assert_eq!(b32("MZXW6YQ=").unwrap().as_bytes(), b"foob");
}

#[test]
fn hex_accepts_prefix_spaces_and_colons() {
    for input in [
        "48656c6c6f",
        "0x48656C6C6F",
        "0X48 65 6c 6c 6f",
        "48:65:6c:6c:6f",
        "  0x48:65 6c6c6f",
    ] {
        assert_eq!(hex(input).unwrap().as_bytes(), b"Hello", "{input:?}");
    }
}

#[test]
fn auto_detects_hex_on_evidence_only() {
    let p = auto("0x48656c6c6f");
    assert_eq!((p.encoding, p.ambiguous), (Encoding::Hex, false));
    assert_eq!(p.secret.as_bytes(), b"Hello");

    let p = auto("48:65");
    assert_eq!(
        (p.encoding, p.secret.as_bytes()),
        (Encoding::Hex, &b"He"[..])
    );

    let p = auto("3132333435363738");
    assert_eq!((p.encoding, p.ambiguous), (Encoding::Hex, false));
    assert_eq!(p.secret.as_bytes(), b"12345678");

    let p = auto("JBSWY3DPEHPK3PXP");
    assert_eq!((p.encoding, p.ambiguous), (Encoding::Base32, false));

    // Only a-f and 2-7: valid both ways, base32 wins, UI offers a switch.
    let p = auto("abcdef23");
    assert_eq!((p.encoding, p.ambiguous), (Encoding::Base32, true));
    assert_eq!(p.secret.len(), 5);

    // Six characters is impossible in base32 but fine as hex.
    let p = auto("abcdef");
    assert_eq!((p.encoding, p.ambiguous), (Encoding::Hex, false));
    assert_eq!(p.secret.as_bytes(), &[0xab, 0xcd, 0xef]);
}

#[test]
fn explicit_encoding_also_reports_ambiguity() {
    let p = Secret::parse("abcdef23", Encoding::Hex).unwrap();
    assert_eq!((p.encoding, p.ambiguous), (Encoding::Hex, true));
    assert_eq!(p.secret.as_bytes(), &[0xab, 0xcd, 0xef, 0x23]);
    let p = Secret::parse("JBSWY3DPEHPK3PXP", Encoding::Base32).unwrap();
    assert!(!p.ambiguous);
}

#[test]
fn invalid_base32_characters_report_position_and_hint() {
    let e = b32("JBSW1Y3D").unwrap_err();
    assert_eq!(
        e,
        ParseError::InvalidChar {
            position: 5,
            ch: '1',
            encoding: Encoding::Base32
        }
    );
    assert_eq!(e.position(), Some(5));
    let msg = e.to_string();
    assert!(msg.starts_with("invalid character '1' at position 5: base32 secrets use only the letters A–Z and digits 2–7"), "{msg}");
    assert!(msg.contains("did you mean 'I' or 'L'?"), "{msg}");

    // Positions count characters of the original input, separators included.
    let e = b32("JB SW-0A").unwrap_err();
    assert_eq!(e.position(), Some(7));
    assert!(e.to_string().contains("did you mean 'O'?"));
    assert!(b32("ABC8")
        .unwrap_err()
        .to_string()
        .contains("did you mean 'B'?"));
    assert!(b32("9").unwrap_err().to_string().contains("choose hex"));

    let e = b32("ÄBCD").unwrap_err();
    assert_eq!(e.position(), Some(1));
    let e = b32("\u{a0}\u{2003}AB!").unwrap_err();
    assert_eq!(
        e,
        ParseError::InvalidChar {
            position: 5,
            ch: '!',
            encoding: Encoding::Base32
        }
    );
    assert!(e.to_string().contains("spaces and hyphens are ignored"));
}

#[test]
fn invalid_hex_characters_report_position_and_hint() {
    let e = hex("0x12g4").unwrap_err();
    assert_eq!(
        e,
        ParseError::InvalidChar {
            position: 5,
            ch: 'g',
            encoding: Encoding::Hex
        }
    );
    let msg = e.to_string();
    assert!(
        msg.contains("hex secrets use only the digits 0–9 and the letters a–f"),
        "{msg}"
    );
    assert!(msg.contains("choose base32"), "{msg}");
    let e = hex("12-34").unwrap_err();
    assert_eq!(e.position(), Some(3));
    assert!(!e.to_string().contains("choose base32"));
    // Auto mode chose hex because of the 0x prefix, so a hex error comes back.
    let e = Secret::parse("0x12zz", Encoding::Auto).unwrap_err();
    assert_eq!(e.position(), Some(5));
}

#[test]
fn pasted_links_are_recognised() {
    for enc in [Encoding::Auto, Encoding::Base32, Encoding::Hex] {
        let e = Secret::parse(" OTPAUTH://totp/x?secret=JBSWY3DPEHPK3PXP", enc).unwrap_err();
        assert_eq!(e, ParseError::LooksLikeUri);
        let e = Secret::parse("otpauth-migration://offline?data=x", enc).unwrap_err();
        assert_eq!(e, ParseError::LooksLikeUri);
    }
    assert!(!ParseError::LooksLikeUri.to_string().contains("JBSW"));
}

#[test]
fn empty_inputs_are_rejected() {
    for input in ["", "   ", " - - "] {
        assert_eq!(b32(input).unwrap_err(), ParseError::Empty, "{input:?}");
    }
    assert_eq!(hex("0x").unwrap_err(), ParseError::Empty);
    assert_eq!(hex(" : ").unwrap_err(), ParseError::Empty);
    assert_eq!(
        Secret::parse("  ", Encoding::Auto).unwrap_err(),
        ParseError::Empty
    );
    assert!(ParseError::Empty.to_string().contains("empty"));
}

#[test]
fn truncated_secrets_are_detected() {
    for (input, chars) in [("A", 1), ("ABC", 3), ("ABCDEF", 6), ("JBSWY3DPE", 9)] {
        let e = b32(input).unwrap_err();
        assert_eq!(e, ParseError::Base32Length { chars }, "{input}");
        assert!(e.to_string().contains("looks truncated"));
    }
    // 2 chars = 10 bits: the last 2 bits must be zero. 'B' = 00001.
    let e = b32("AB").unwrap_err();
    assert_eq!(e, ParseError::Base32TrailingBits { chars: 2 });
    assert!(e.to_string().contains("looks truncated"));
    assert_eq!(b32("AA").unwrap().as_bytes(), &[0]);
    let e = hex("123").unwrap_err();
    assert_eq!(e, ParseError::OddHexLength { digits: 3 });
    assert!(e.to_string().contains("looks truncated"));
}

#[test]
fn padding_must_be_trailing_and_exact() {
    let e = b32("MZ=XW6").unwrap_err();
    assert_eq!(e, ParseError::MisplacedPadding { position: 3 });
    assert_eq!(e.position(), Some(3));
    let e = b32("MZXW6==").unwrap_err();
    assert_eq!(
        e,
        ParseError::BadPadding {
            found: 2,
            expected: 3,
            chars: 5
        }
    );
    assert_eq!(
        b32("JBSWY3DPEHPK3PXP=").unwrap_err(),
        ParseError::BadPadding {
            found: 1,
            expected: 0,
            chars: 16
        }
    );
}

#[test]
fn every_length_round_trips_exactly() {
    for len in 1..=64usize {
        let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + len * 11 + 0xa5) as u8).collect();
        let s = Secret::from_bytes(bytes.clone()).unwrap();
        let unpadded = s.to_base32();
        assert!(!unpadded.contains('='));
        assert_eq!(unpadded.len(), (len * 8).div_ceil(5));
        assert_eq!(b32(&unpadded).unwrap().as_bytes(), &bytes[..], "len {len}");
        assert_eq!(b32(&unpadded.to_lowercase()).unwrap(), s);
        assert_eq!(b32(&s.to_base32_grouped()).unwrap(), s);
        let padded = data_encoding::BASE32.encode(&bytes);
        assert_eq!(b32(&padded).unwrap(), s, "padded len {len}");
        assert_eq!(hex(&s.to_hex()).unwrap(), s);
        let auto = Secret::parse(&format!("0x{}", s.to_hex().as_str()), Encoding::Auto).unwrap();
        assert_eq!(auto.secret, s);
    }
}

#[test]
fn sixteen_byte_seed_is_26_chars_and_exact() {
    let bytes: Vec<u8> = (1..=16).collect();
    let s = Secret::from_bytes(bytes.clone()).unwrap();
    assert_eq!(s.to_base32().as_str(), "AEBAGBAFAYDQQCIKBMGA2DQPCA");
    let back = auto("AEBAGBAFAYDQQCIKBMGA2DQPCA");
    assert_eq!(back.encoding, Encoding::Base32);
    assert_eq!(back.secret.as_bytes(), &bytes[..]);
}

#[test]
fn renderings() {
    let s = Secret::from_bytes(HELLO.to_vec()).unwrap();
    assert_eq!(s.to_base32().as_str(), "JBSWY3DPEHPK3PXP");
    assert_eq!(s.to_base32_grouped().as_str(), "JBSW Y3DP EHPK 3PXP");
    assert_eq!(s.to_hex().as_str(), "48656c6c6f21deadbeef");
    let s = Secret::from_bytes(b"foo".to_vec()).unwrap();
    assert_eq!(s.to_base32_grouped().as_str(), "MZXW 6");
}

#[test]
fn debug_is_redacted() {
    let s = Secret::from_bytes(HELLO.to_vec()).unwrap();
    let dbg = format!("{s:?}");
    assert_eq!(dbg, "Secret(<redacted, 10 bytes>)");
    let parsed = format!("{:?}", auto("JBSWY3DPEHPK3PXP"));
    for leak in ["JBSW", "jbsw", "4865", "Hello", "72, 101"] {
        assert!(!dbg.contains(leak) && !parsed.contains(leak), "{parsed}");
    }
}

#[test]
fn from_bytes_limits() {
    assert_eq!(Secret::from_bytes(vec![]).unwrap_err(), SecretError::Empty);
    assert!(Secret::from_bytes(vec![7; MAX_SECRET_LEN]).is_ok());
    assert_eq!(
        Secret::from_bytes(vec![7; MAX_SECRET_LEN + 1]).unwrap_err(),
        SecretError::TooLong { len: 129, max: 128 }
    );
    let long = "A".repeat(208); // 130 bytes
    assert!(matches!(
        b32(&long).unwrap_err(),
        ParseError::Secret(SecretError::TooLong { len: 130, .. })
    ));
}

#[test]
fn equality_compares_content_and_length() {
    let a = Secret::from_bytes(vec![1, 2, 3]).unwrap();
    assert_eq!(a, Secret::from_bytes(vec![1, 2, 3]).unwrap());
    assert_ne!(a, Secret::from_bytes(vec![1, 2, 4]).unwrap());
    assert_ne!(a, Secret::from_bytes(vec![1, 2, 3, 0]).unwrap());
}

#[test]
fn generate_respects_lengths_and_differs() {
    assert_eq!(
        Secret::generate(MIN_GENERATED_LEN - 1, None).unwrap_err(),
        SecretError::BadGeneratedLength { len: 9 }
    );
    assert!(Secret::generate(MAX_GENERATED_LEN + 1, None).is_err());
    for len in [
        MIN_GENERATED_LEN,
        DEFAULT_GENERATED_LEN,
        32,
        MAX_GENERATED_LEN,
    ] {
        let a = Secret::generate(len, None).unwrap();
        let b = Secret::generate(len, Some(b"mouse wiggles")).unwrap();
        assert_eq!((a.len(), b.len()), (len, len));
        assert_ne!(a, b);
    }
    assert_ne!(
        Secret::generate(20, None).unwrap(),
        Secret::generate(20, None).unwrap()
    );
}

#[test]
fn mix_entropy_known_answers() {
    let random: Vec<u8> = (0..64).collect();
    // Independently computed with Python's hmac/hashlib.
    assert_eq!(
        mix_entropy(&random, b"", 20).unwrap().to_hex().as_str(),
        "3e752ee8052f6e4987f36335df5b9eac2838dd73"
    );
    assert_eq!(
        mix_entropy(&random, b"dice: 4 2 6", 64)
            .unwrap()
            .to_hex()
            .as_str(),
        "9291ea0efb6cc8fa38c97811d18be2c0adf992432da290980eff98e401fa6563\
         bb16ef26a8e65dbc54ba483adf26391f535e13a60de1f879cf09eed417bf22fa"
    );
}

#[test]
fn mix_entropy_properties() {
    let random = [0x42u8; 64];
    let a = mix_entropy(&random, b"abc", 32).unwrap();
    assert_eq!(a, mix_entropy(&random, b"abc", 32).unwrap());
    assert_ne!(a, mix_entropy(&random, b"abd", 32).unwrap());
    let mut other = random;
    other[63] ^= 1;
    assert_ne!(a, mix_entropy(&other, b"abc", 32).unwrap());

    let empty = mix_entropy(&random, b"", 64).unwrap();
    assert_eq!(empty.len(), 64);
    assert_ne!(empty.as_bytes(), &random[..]);
    assert_ne!(empty.as_bytes(), &[0u8; 64][..]);
    // A shorter output is a prefix of the longer one (counter mode).
    assert_eq!(
        mix_entropy(&random, b"", 20).unwrap().as_bytes(),
        &empty.as_bytes()[..20]
    );

    assert_eq!(
        mix_entropy(&random[..15], b"", 16).unwrap_err(),
        SecretError::NotEnoughRandom {
            got: 15,
            needed: 16
        }
    );
    assert!(mix_entropy(&random, b"", 65).is_err());
}

#[cfg(not(target_arch = "wasm32"))]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn base32_round_trip(bytes in proptest::collection::vec(any::<u8>(), 1..=128)) {
            let s = Secret::from_bytes(bytes.clone()).unwrap();
            prop_assert_eq!(b32(&s.to_base32()).unwrap(), s.clone());
            prop_assert_eq!(b32(&s.to_base32_grouped()).unwrap(), s.clone());
            prop_assert_eq!(s.as_bytes(), &bytes[..]);
        }

        #[test]
        fn hex_round_trip(bytes in proptest::collection::vec(any::<u8>(), 1..=128)) {
            let s = Secret::from_bytes(bytes.clone()).unwrap();
            prop_assert_eq!(hex(&s.to_hex()).unwrap(), s.clone());
            prop_assert_eq!(hex(&s.to_hex().to_uppercase()).unwrap(), s.clone());
        }

        #[test]
        fn parse_never_panics(input in "\\PC{0,40}") {
            for enc in [Encoding::Auto, Encoding::Base32, Encoding::Hex] {
                let _ = Secret::parse(&input, enc);
            }
        }
    }
}
