//! The worker's answers, through the wire as the page sends and reads them: texts, backups and
//! QR pictures into core's types; OpenPGP keys described (fingerprints as GnuPG prints them),
//! messages made only when every key is usable.

use std::path::{Path, PathBuf};
use tokensmith_core::import::Scanned;
use tokensmith_core::otp::Algorithm;
use tokensmith_core::otpauth::Kind;
use tokensmith_worker::{answer, read_codes};
use tokensmith_worker_api::import::{Found, ScanErrorKind};
use tokensmith_worker_api::openpgp::{Armour, EncryptJob, Keys};
use tokensmith_worker_api::{decode, encode, Reply, Request};
use zeroize::Zeroizing;

/// What the page gets for `request`: encoded, answered, encoded back.
fn ask(request: Request) -> Reply {
    let request: Request = decode(&encode(&request).unwrap()).unwrap();
    decode(&encode(&answer(request)).unwrap()).unwrap()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/openpgp")
        .join(name)
}

fn varint(mut n: u64, out: &mut Vec<u8>) {
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        out.push(if n > 0 { b | 0x80 } else { b });
        if n == 0 {
            break;
        }
    }
}

/// A Google Authenticator export link with one SHA-256, 8-digit TOTP account, protobuf written
/// field by field (an independent encoder, not core's prost types).
fn migration_link() -> String {
    let mut otp = vec![0x0a, 10];
    otp.extend_from_slice(b"0123456789");
    otp.extend([0x12, 2, b'j', b'o', 0x1a, 4, b'A', b'C', b'M', b'E']);
    otp.extend([0x20, 2, 0x28, 2, 0x30, 2]);
    let mut payload = vec![0x0a];
    varint(otp.len() as u64, &mut payload);
    payload.extend(otp);
    payload.extend([0x10, 1, 0x18, 1, 0x20, 0, 0x28, 9]);
    let b64 = data_encoding::BASE64.encode(&payload);
    format!(
        "otpauth-migration://offline?data={}",
        b64.replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D")
    )
}

#[test]
fn texts_are_classified_into_core_types() {
    let texts = [
        "otpauth://totp/GitHub:octo?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub&period=60",
        &migration_link(),
        "3132333435363738393031323334353637383930",
        "8659632001234",
    ];
    let Reply::Classify(scans) = ask(Request::Classify(
        texts
            .iter()
            .map(|t| Zeroizing::new(t.to_string()))
            .collect(),
    )) else {
        panic!("a Classify reply")
    };
    assert_eq!(scans.len(), 4);
    let mut scans = scans.into_iter();
    let Some(Ok(Found(Scanned::Account(a)))) = scans.next() else {
        panic!("an account")
    };
    assert_eq!(
        (a.issuer.as_deref(), a.account.as_str(), a.params.period),
        (Some("GitHub"), "octo", 60)
    );
    assert_eq!(a.secret.as_bytes(), b"12345678901234567890");
    let Some(Ok(Found(Scanned::Migration(m)))) = scans.next() else {
        panic!("a migration")
    };
    assert_eq!(m.accounts.len(), 1);
    let acme = &m.accounts[0];
    assert_eq!(
        (acme.issuer.as_deref(), acme.account.as_str()),
        (Some("ACME"), "jo")
    );
    assert_eq!(
        (acme.params.algorithm, acme.params.digits, acme.kind),
        (Algorithm::Sha256, 8, Kind::Totp)
    );
    assert_eq!(acme.secret.as_bytes(), b"0123456789");
    assert_eq!(m.batch_id, 9);
    let Some(Ok(Found(Scanned::Secret { secret, .. }))) = scans.next() else {
        panic!("a secret")
    };
    assert_eq!(secret.as_bytes(), b"12345678901234567890");
    let Some(Err(e)) = scans.next() else {
        panic!("a serial number")
    };
    assert_eq!(e.kind, ScanErrorKind::SerialNumber);
    assert!(
        e.to_string().contains("type it into the serial field"),
        "{e}"
    );
}

#[test]
fn backups_are_read_and_encrypted_ones_refused() {
    let aegis = r#"{"version":1,"header":{"slots":null,"params":null},"db":{"version":2,"entries":[
        {"type":"totp","name":"jo","issuer":"Vault","info":{"secret":"JBSWY3DPEHPK3PXP","algo":"SHA1","digits":6,"period":30}}]}}"#;
    let Reply::Backup(Ok(b)) = ask(Request::Backup(Zeroizing::new(aegis.into()))) else {
        panic!("a backup")
    };
    assert_eq!(b.app, "Aegis");
    assert_eq!(b.accounts[0].issuer.as_deref(), Some("Vault"));
    assert_eq!(b.accounts[0].secret.as_bytes(), b"Hello!\xde\xad\xbe\xef");
    let Reply::Backup(Err(e)) = ask(Request::Backup(Zeroizing::new("{\"x\":1}".into()))) else {
        panic!("an error")
    };
    assert_eq!(e.kind, ScanErrorKind::Backup);
}

#[test]
fn qr_codes_in_a_picture_are_read_and_classified() {
    let uri = "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example";
    let code = qrcode::QrCode::new(uri.as_bytes()).unwrap();
    let (n, scale, margin) = (code.width(), 4, 16);
    let side = n * scale + 2 * margin;
    let colors = code.to_colors();
    let luma: Vec<u8> = (0..side * side)
        .map(|i| {
            let (x, y) = (i % side, i / side);
            let inside = (margin..margin + n * scale).contains(&x)
                && (margin..margin + n * scale).contains(&y);
            if inside
                && colors[((y - margin) / scale) * n + (x - margin) / scale] == qrcode::Color::Dark
            {
                0
            } else {
                255
            }
        })
        .collect();
    let scans = read_codes(side, side, &luma).unwrap();
    let [Ok(Found(Scanned::Account(a)))] = &scans[..] else {
        panic!("one account")
    };
    assert_eq!(a.account, "alice");
    let blank = vec![255u8; 64 * 64];
    assert_eq!(
        read_codes(64, 64, &blank).unwrap_err().kind,
        ScanErrorKind::NoQrCode
    );
}

const ALICE: &str = "1546B510FC350048AA6584E90FEA2E5DD085E3DA";

fn keys(names: &[&str], now: u64) -> Keys {
    Keys {
        keys: names
            .iter()
            .flat_map(|n| std::fs::read(fixture(n)).unwrap())
            .collect(),
        now,
    }
}

#[test]
fn keys_are_described_and_messages_made_for_usable_ones_only() {
    let now = 1_800_000_000;
    let Reply::DescribeKeys(Ok(described)) = ask(Request::DescribeKeys(keys(
        &["alice.pub.asc", "expired.pub.asc"],
        now,
    ))) else {
        panic!("two keys")
    };
    let [alice, olga] = &described[..] else {
        panic!("two keys, got {described:?}")
    };
    assert_eq!(alice.fingerprint, ALICE);
    assert!(alice.fingerprint_grouped.starts_with("1546 B510 FC35"));
    assert_eq!(
        alice.user_ids,
        vec!["Alice Admin <alice@example.org>".to_string()]
    );
    assert_eq!(
        alice.encryption_algorithm.as_deref(),
        Some("ECDH (Curve25519)")
    );
    assert_eq!((alice.expires, &alice.refusal), (None, &None));
    // Each key comes back alone, as the page keeps it: read again, it is the same key.
    let Reply::DescribeKeys(Ok(again)) = ask(Request::DescribeKeys(Keys {
        keys: alice.armored.clone().into_bytes(),
        now,
    })) else {
        panic!("Alice's key alone")
    };
    assert_eq!(again, std::slice::from_ref(alice));
    assert!(olga
        .armored
        .starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"));
    let refusal = olga.refusal.as_deref().expect("an expired key is refused");
    assert!(
        refusal.contains("expired on 2020-12-31") || refusal.contains("expired on 2021-01-01"),
        "{refusal}"
    );

    let plaintext =
        b"upn,serial number,secret key\r\nalice@example.org,2200000000001,JBSWY3DPEHPK3PXP\r\n";
    for armour in [Armour::Armored, Armour::Binary] {
        let Reply::Encrypt(Ok(message)) = ask(Request::Encrypt(EncryptJob {
            plaintext: Zeroizing::new(plaintext.to_vec()),
            file_name: "tokens.csv".into(),
            keys: keys(&["alice.pub.asc"], now),
            armour,
        })) else {
            panic!("a message")
        };
        // GnuPG decrypts what the worker makes in tests/e2e/worker.test.mjs (the real wasm),
        // and seal's own tests decrypt every export format.
        match armour {
            Armour::Armored => {
                assert_eq!(message.extension, "asc");
                assert!(message.bytes.starts_with(b"-----BEGIN PGP MESSAGE-----"));
            }
            Armour::Binary => {
                assert_eq!(
                    (message.extension.as_str(), message.mime.as_str()),
                    ("gpg", "application/octet-stream")
                );
                // A public-key encrypted session key packet first (tag 1), new or old format.
                assert!(
                    matches!(message.bytes[0], 0xC1 | 0x84..=0x87),
                    "{:#x}",
                    message.bytes[0]
                );
            }
        }
        assert!(
            !message.bytes.windows(8).any(|w| w == b"JBSWY3DP"),
            "the seed is not in clear"
        );
    }
    let Reply::Encrypt(Err(e)) = ask(Request::Encrypt(EncryptJob {
        plaintext: Zeroizing::new(plaintext.to_vec()),
        file_name: "tokens.csv".into(),
        keys: keys(&["alice.pub.asc", "expired.pub.asc"], now),
        armour: Armour::Armored,
    })) else {
        panic!("refused")
    };
    assert!(e.contains("Old Olga") && e.contains("expired"), "{e}");
}

/// The PSKC password key comes back through the wire and writes a file the password opens; the
/// core's refusals come back as text.
#[test]
fn a_pskc_password_key_is_derived_and_opens_its_file() {
    use tokensmith_core::formats::pskc::{
        read, write, PasswordKey, Protection, Unlock, MIN_ITERATIONS,
    };
    use tokensmith_core::formats::OathToken;
    use tokensmith_worker_api::pskc::{KeyJob, OpenJob};
    let Reply::PskcKey(Ok(k)) = ask(Request::PskcKey(KeyJob {
        password: Zeroizing::new("correct horse battery".into()),
        iterations: MIN_ITERATIONS,
    })) else {
        panic!("no key")
    };
    assert_eq!(
        (k.salt.len(), k.key.len(), k.iterations),
        (16, 16, MIN_ITERATIONS)
    );
    let key = PasswordKey::from_parts(k.salt, k.iterations, k.key).unwrap();
    let token = OathToken::from(tokensmith_core::entra::TokenRecord {
        upn: "a@contoso.com".into(),
        serial: "60300001".into(),
        secret: tokensmith_core::secret::Secret::from_bytes(b"12345678901234567890".to_vec())
            .unwrap(),
        interval: 30,
        manufacturer: "Token2".into(),
        model: "C302-i".into(),
        algorithm: Algorithm::Sha1,
        profile: None,
        display_name: None,
    });
    let xml = write(
        std::slice::from_ref(&token),
        Protection::DerivedPassword {
            key: &key,
            key_name: "pw",
        },
    )
    .unwrap();
    assert_eq!(
        read(&xml, Unlock::Password("correct horse battery")).unwrap(),
        vec![token.clone()]
    );
    // Importing it: the worker gives the key the password makes with the file's parameters.
    let Reply::PskcOpen(Ok(opened)) = ask(Request::PskcOpen(OpenJob {
        text: Zeroizing::new(xml.to_string()),
        password: Zeroizing::new("correct horse battery".into()),
    })) else {
        panic!("no key for the file")
    };
    assert_eq!(
        read(&xml, Unlock::DerivedKey(&opened.key)).unwrap(),
        vec![token]
    );
    let Reply::PskcOpen(Err(why)) = ask(Request::PskcOpen(OpenJob {
        text: Zeroizing::new("<x/>".into()),
        password: Zeroizing::new("p".into()),
    })) else {
        panic!("a file that is not PSKC gave a key")
    };
    assert!(!why.is_empty());
    let Reply::PskcKey(Err(why)) = ask(Request::PskcKey(KeyJob {
        password: Zeroizing::new("correct horse battery".into()),
        iterations: 100,
    })) else {
        panic!("too few iterations accepted")
    };
    assert!(why.contains("at least 10000"), "{why}");
}
