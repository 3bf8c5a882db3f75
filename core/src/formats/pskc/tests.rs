use super::*;
use crate::formats::tests::token;
use crate::formats::FormatError;
use crate::otp::Algorithm;
use crate::otpauth::Kind;

const FIGURE7: &str = include_str!("../../../tests/fixtures/rfc6030-figure7.xml");
const SEED: &[u8] = b"12345678901234567890";

#[test]
fn reads_rfc6030_figure7_with_its_password() {
    assert_eq!(
        lock(FIGURE7).unwrap(),
        Lock::Password {
            key_name: Some("My Password 1".into())
        }
    );
    let tokens = read(FIGURE7, Unlock::Password("qwerty")).unwrap();
    assert_eq!(tokens.len(), 1);
    let t = &tokens[0];
    assert_eq!(t.record.serial, "987654321");
    assert_eq!(t.record.manufacturer, "TokenVendorAcme");
    assert_eq!(t.record.secret.as_bytes(), SEED);
    assert_eq!((t.digits, t.kind), (8, Kind::Hotp { counter: 0 }));
    assert_eq!(t.record.algorithm, Algorithm::Sha1);
}

#[test]
fn a_wrong_password_or_a_missing_one_is_said_plainly() {
    let err = read(FIGURE7, Unlock::Password("qwertz")).unwrap_err();
    assert!(matches!(err, FormatError::WrongKey(_)), "{err:?}");
    assert!(err.to_string().contains("password does not open"), "{err}");
    let err = read(FIGURE7, Unlock::None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the file is encrypted with a password named 'My Password 1': enter the password"
    );
}

#[test]
fn a_tampered_value_fails_its_mac_naming_the_key_package() {
    let tampered = FIGURE7.replace("oTvo+S22", "oTvo+S23");
    let err = read(&tampered, Unlock::Password("qwerty")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "KeyPackage 1 (serial '987654321'), element Key/Data/Secret/ValueMAC: the MAC does not match: the password is wrong, or the file was altered or damaged"
    );
    assert!(
        matches!(err, FormatError::WrongKey(_)),
        "the page asks again: {err:?}"
    );
}

#[test]
fn plain_export_has_the_rfc_elements_in_schema_order() {
    let mut t = token("TK-0001", SEED);
    t.record.upn = "alice@contoso.com".into();
    t.record.display_name = Some("Alice & co".into());
    t.record.algorithm = Algorithm::Sha256;
    let xml = write(&[t], Protection::Plain).unwrap();
    let order = [
        "<pskc:KeyContainer xmlns:pskc=\"urn:ietf:params:xml:ns:keyprov:pskc\" Version=\"1.0\">",
        "<pskc:Manufacturer>Token2</pskc:Manufacturer>",
        "<pskc:SerialNo>TK-0001</pskc:SerialNo>",
        "<pskc:Model>C202</pskc:Model>",
        "<pskc:Key Id=\"TK-0001\" Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:totp\">",
        "<pskc:Suite>SHA256</pskc:Suite>",
        "<pskc:ResponseFormat Length=\"6\" Encoding=\"DECIMAL\"/>",
        "<pskc:FriendlyName>Alice &amp; co</pskc:FriendlyName>",
        "<pskc:PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</pskc:PlainValue>",
        "<pskc:TimeInterval>",
        "<pskc:UserId>alice@contoso.com</pskc:UserId>",
    ];
    let mut at = 0;
    for part in order {
        let found = xml[at..]
            .find(part)
            .unwrap_or_else(|| panic!("{part} missing after {at} in\n{}", *xml));
        at += found + part.len();
    }
    assert_eq!(lock(&xml).unwrap(), Lock::Plain);
}

#[test]
fn encrypted_exports_hide_the_secret_and_declare_their_key() {
    let key = PresharedKey::from_hex("12345678 90123456 78901234 56789012").unwrap();
    let tokens = [token("A", SEED)];
    let xml = write(
        &tokens,
        Protection::PresharedKey {
            key: &key,
            key_name: "Pre-shared-key",
        },
    )
    .unwrap();
    assert!(!xml.contains("MTIzNDU2Nzg5MDEyMzQ1Njc4OTA="));
    assert!(xml.contains("<ds:KeyName>Pre-shared-key</ds:KeyName>"));
    assert!(xml.contains("Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#hmac-sha256\""));
    assert_eq!(
        lock(&xml).unwrap(),
        Lock::PresharedKey {
            key_name: Some("Pre-shared-key".into()),
            key_len: 16
        }
    );
    assert_eq!(
        read(&xml, Unlock::PresharedKey(key.as_bytes())).unwrap(),
        tokens
    );
    let other = PresharedKey::generate().unwrap();
    assert!(matches!(
        read(&xml, Unlock::PresharedKey(other.as_bytes())),
        Err(FormatError::WrongKey(_))
    ));

    let xml = write(
        &tokens,
        Protection::Password {
            password: "correct horse",
            key_name: "pw",
            iterations: MIN_ITERATIONS,
        },
    )
    .unwrap();
    assert!(xml.contains(&format!(
        "<IterationCount>{MIN_ITERATIONS}</IterationCount>"
    )));
    assert_eq!(
        read(&xml, Unlock::Password("correct horse")).unwrap(),
        tokens
    );
    let err = write(
        &tokens,
        Protection::Password {
            password: "x",
            key_name: "pw",
            iterations: 1000,
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("at least 10000"), "{err}");
}

/// The page derives the key in its worker and writes the file with it: the same file a
/// password gives (python-pskc reads it too: `core/tests/python_pskc.rs`).
#[test]
fn a_key_derived_before_writes_what_the_password_opens() {
    let tokens = vec![token("60300001", SEED)];
    let key = PasswordKey::derive("correct horse", MIN_ITERATIONS).unwrap();
    assert_eq!((key.salt().len(), key.key().len()), (16, 16));
    let xml = write(
        &tokens,
        Protection::DerivedPassword {
            key: &key,
            key_name: "pw",
        },
    )
    .unwrap();
    assert!(xml.contains(&format!(
        "<IterationCount>{MIN_ITERATIONS}</IterationCount>"
    )));
    assert!(xml.contains(&data_encoding::BASE64.encode(key.salt())));
    assert_eq!(
        read(&xml, Unlock::Password("correct horse")).unwrap(),
        tokens
    );
    assert!(matches!(
        read(&xml, Unlock::Password("wrong horse")),
        Err(FormatError::WrongKey(_))
    ));
    // Carried as parts (the worker's reply) it is the same key; wrong sizes are refused.
    let again = PasswordKey::from_parts(
        key.salt().to_vec(),
        key.iterations(),
        Zeroizing::new(key.key().to_vec()),
    )
    .unwrap();
    let xml = write(
        &tokens,
        Protection::DerivedPassword {
            key: &again,
            key_name: "pw",
        },
    )
    .unwrap();
    assert_eq!(
        read(&xml, Unlock::Password("correct horse")).unwrap(),
        tokens
    );
    assert!(
        PasswordKey::from_parts(vec![0; 8], MIN_ITERATIONS, Zeroizing::new(vec![0; 16])).is_err()
    );
    assert!(PasswordKey::from_parts(vec![0; 16], 1000, Zeroizing::new(vec![0; 16])).is_err());
    assert!(PasswordKey::derive("", MIN_ITERATIONS).is_err());
    assert!(!format!("{key:?}").contains(&format!("{:?}", key.key())));
    // Reading: the key the password gives (derived apart, as the page's worker does) opens it;
    // another password's key is a wrong key.
    let opened = password_key(&xml, "correct horse").unwrap();
    assert_eq!(opened.as_slice(), key.key());
    assert_eq!(read(&xml, Unlock::DerivedKey(&opened)).unwrap(), tokens);
    let wrong = password_key(&xml, "wrong horse").unwrap();
    assert!(matches!(
        read(&xml, Unlock::DerivedKey(&wrong)),
        Err(FormatError::WrongKey(_))
    ));
    assert!(password_key("<not pskc/>", "x").is_err());
}

#[test]
fn profiles_travel_in_the_key_id() {
    let mut a = token("M2-77", SEED);
    a.record.profile = Some(3);
    let mut b = token("M2-77", &[9; 20]);
    b.record.profile = Some(4);
    let xml = write(&[a.clone(), b.clone()], Protection::Plain).unwrap();
    assert!(xml.contains("Id=\"M2-77#3\""));
    assert_eq!(read(&xml, Unlock::None).unwrap(), vec![a, b]);
}

#[test]
fn import_errors_name_the_key_package_and_element() {
    let xml = write(&[token("A", SEED), token("B", SEED)], Protection::Plain).unwrap();
    let ocra = xml.replacen(
        "urn:ietf:params:xml:ns:keyprov:pskc:totp\">\n      <pskc:AlgorithmParameters>\n        <pskc:Suite>SHA1",
        "urn:ietf:params:xml:ns:keyprov:pskc#OCRA-1\">\n      <pskc:AlgorithmParameters>\n        <pskc:Suite>SHA1",
        2,
    );
    let err = read(&ocra, Unlock::None).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("KeyPackage 1 (serial 'A'), element Key: algorithm"),
        "{err}"
    );
    let no_secret = xml.replace(
        "<pskc:PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</pskc:PlainValue>",
        "",
    );
    let err = read(&no_secret, Unlock::None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "KeyPackage 1 (serial 'A'), element Key/Data/Secret: has neither PlainValue nor EncryptedValue"
    );
    let err = read("<KeyContainer Version=\"2.0\"/>", Unlock::None).unwrap_err();
    assert!(
        err.to_string()
            .contains("PSKC version '2.0' is not supported"),
        "{err}"
    );
    let err = read("<?xml version=\"1.0\"?>\n<a>\n<b></a>", Unlock::None).unwrap_err();
    assert!(matches!(err, FormatError::Xml { line: 3, .. }), "{err:?}");
    let err = read(
        "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><KeyContainer/>",
        Unlock::None,
    )
    .unwrap_err();
    assert!(err.to_string().contains("DOCTYPE"), "{err}");
}

/// Found by fuzzing: quick-xml's messages quote tag and entity names whole, and a damaged file
/// can put anything there, the seed text included; the reader's own messages quoted values
/// whole. A message repeats at most a short name, or 40 characters of a value.
#[test]
fn messages_repeat_no_long_or_odd_text_from_the_file() {
    let long = "K".repeat(5000);
    let seed_text = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=";
    let xml = write(&[token(&long, SEED)], Protection::Plain).unwrap();
    for broken in [
        format!("<{long}></x>"),
        format!("<a>\n<PlainValue>{seed_text}</{seed_text} x></a>"),
        format!("<KeyContainer a=\"&{long};\"/>"),
        format!("<a><{long}>"),
        xml.replace("SHA1", &"SHA3".repeat(500)),
        xml.replace("Length=\"6\"", &format!("Length=\"{long}\"")),
    ] {
        let err = read(&broken, Unlock::None).unwrap_err().to_string();
        assert!(
            err.chars().count() < 300,
            "{} characters: {err:.200}",
            err.len()
        );
        assert!(!err.contains(seed_text), "{err}");
    }
    let err = read(&format!("<a></{long}>"), Unlock::None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("`</a>`") && err.contains("`</…>`"), "{err}");
}

#[test]
fn preshared_keys_are_16_bytes_of_hex_and_never_printed() {
    assert!(PresharedKey::from_hex("00")
        .unwrap_err()
        .contains("32 hex digits"));
    assert!(PresharedKey::from_hex("zz").is_err());
    let k = PresharedKey::generate().unwrap();
    assert_eq!(k.to_hex().len(), 32);
    assert_eq!(format!("{k:?}"), "PresharedKey(<redacted>)");
    let p = Protection::Password {
        password: "hunter2",
        key_name: "n",
        iterations: 1,
    };
    assert!(!format!("{p:?}").contains("hunter2"));
}
