//! GnuPG (Debian's `gpg`) is the independent check: it decrypts what we
//! encrypt with the recipient's secret key, to exactly the plaintext, and the
//! keys we refuse are ones gpg made expired, revoked or sign-only.

#[path = "support/gpg.rs"]
mod support;

use std::time::{SystemTime, UNIX_EPOCH};

use support::{alice, bob, Home};
use tokensmith_core::entra::TokenRecord;
use tokensmith_core::formats::{self, pskc, ExportFormat, ExportOptions, OathToken};
use tokensmith_core::{Algorithm, Secret};
use tokensmith_seal::{encrypt, read_keys, KeyStatus, Output, SealError};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn tokens() -> Vec<OathToken> {
    ["0042", "0043"]
        .iter()
        .enumerate()
        .map(|(i, serial)| {
            OathToken::from(TokenRecord {
                upn: format!("user{i}@contoso.com"),
                serial: serial.to_string(),
                secret: Secret::from_bytes(vec![i as u8 + 1; 20]).unwrap(),
                interval: 30,
                manufacturer: "Token2".into(),
                model: "C202".into(),
                algorithm: Algorithm::Sha1,
                profile: None,
                display_name: None,
            })
        })
        .collect()
}

#[test]
fn gpg_decrypts_every_export_format_armoured_and_binary_to_the_exact_plaintext() {
    let (home, fpr) = alice();
    let recipients = read_keys(&home.export(&fpr, true), now()).unwrap();
    let key = pskc::PresharedKey::generate().unwrap();
    for format in ExportFormat::ALL {
        let options = ExportOptions {
            pskc: if format == ExportFormat::Pskc {
                pskc::Protection::PresharedKey {
                    key: &key,
                    key_name: "k",
                }
            } else {
                pskc::Protection::Plain
            },
        };
        let plain = formats::export(format, &tokens(), &options).unwrap();
        for output in [Output::Armored, Output::Binary] {
            let name = format!("tokens.{}", format.extension());
            let sealed = encrypt(plain.as_bytes(), &name, &recipients, output).unwrap();
            assert_eq!(
                sealed.starts_with(b"-----BEGIN PGP MESSAGE-----"),
                output == Output::Armored,
                "{format} {output:?}"
            );
            assert!(
                !sealed.windows(8).any(|w| w == &plain.as_bytes()[..8]),
                "{format}: the plaintext shows through"
            );
            assert_eq!(
                home.decrypt(&sealed),
                plain.as_bytes(),
                "{format} {output:?}"
            );
        }
    }
}

#[test]
fn a_message_to_two_recipients_opens_with_either_secret_key() {
    let (alice_home, alice_fpr) = alice();
    let (bob_home, bob_fpr) = bob();
    // One paste holding both armoured keys, as an admin would collect them.
    let mut both = alice_home.export(&alice_fpr, true);
    both.extend(bob_home.export(&bob_fpr, true));
    let recipients = read_keys(&both, now()).unwrap();
    assert_eq!(recipients.len(), 2);
    assert_eq!(
        recipients[1].info().encryption_algorithm.as_deref(),
        Some("RSA 2048")
    );
    let plain = b"serial,secret\n0042,3132\n";
    let sealed = encrypt(plain, "seeds.csv", &recipients, Output::Binary).unwrap();
    assert_eq!(alice_home.decrypt(&sealed), plain);
    assert_eq!(bob_home.decrypt(&sealed), plain);
}

#[test]
fn key_descriptions_match_what_gpg_says() {
    let (home, fpr) = alice();
    let binary = read_keys(&home.export(&fpr, false), now()).unwrap();
    let armored = read_keys(&home.export(&fpr, true), now()).unwrap();
    let info = binary[0].info();
    assert_eq!(info, armored[0].info());
    assert_eq!(info.fingerprint, fpr);
    assert_eq!(info.user_ids, ["Alice Admin <alice@example.org>"]);
    assert_eq!(info.algorithm, "EdDSA (Ed25519)");
    assert_eq!(
        info.encryption_algorithm.as_deref(),
        Some("ECDH (Curve25519)")
    );
    assert!(now() - info.created < 600, "created {}", info.created);
    assert_eq!((info.expires, &info.status), (None, &KeyStatus::Usable));
    assert_eq!(info.fingerprint_grouped().len(), 49);
}

#[test]
fn a_key_kept_as_its_own_armour_is_the_same_key_to_us_and_to_gpg() {
    let (alice_home, alice_fpr) = alice();
    let (bob_home, bob_fpr) = bob();
    // Binary keys, one after the other (a .gpg file of two keys).
    let mut both = alice_home.export(&alice_fpr, false);
    both.extend(bob_home.export(&bob_fpr, false));
    let read = read_keys(&both, now()).unwrap();
    let kept: Vec<String> = read.iter().map(|r| r.armored().unwrap()).collect();
    assert!(kept[0].starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"));
    // GnuPG reads the kept armour as Alice's key, whole (user ID and encryption subkey).
    let shown = alice_home.gpg(&["--with-colons", "--show-keys"], kept[0].as_bytes());
    let shown = String::from_utf8(shown.stdout).unwrap();
    let fprs: Vec<&str> = shown
        .lines()
        .filter(|l| l.starts_with("fpr:"))
        .filter_map(|l| l.split(':').nth(9))
        .collect();
    assert_eq!(fprs.first(), Some(&alice_fpr.as_str()), "{shown}");
    assert_eq!(fprs.len(), 2, "primary and encryption subkey: {shown}");
    assert!(shown.contains("Alice Admin <alice@example.org>"), "{shown}");
    // Read back alone, each describes as before and encrypts to its owner only.
    for (r, (home, fpr)) in read
        .iter()
        .zip([(&alice_home, &alice_fpr), (&bob_home, &bob_fpr)])
    {
        let again = read_keys(r.armored().unwrap().as_bytes(), now()).unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].info(), r.info());
        assert_eq!(&again[0].info().fingerprint, fpr);
        let sealed = encrypt(b"0042,3132\n", "t.csv", &again, Output::Armored).unwrap();
        assert_eq!(home.decrypt(&sealed), b"0042,3132\n");
    }
}

#[test]
fn an_expired_key_is_refused_with_its_date() {
    let home = Home::new();
    let t = Some("20200101T120000!");
    let fpr = home.key("Old Key <old@example.org>", "ed25519", "cert", "1d", t);
    home.subkey(&fpr, "cv25519", "1d", t);
    let recipients = read_keys(&home.export(&fpr, true), now()).unwrap();
    let info = recipients[0].info();
    assert_eq!(info.expires, Some(info.created + 86_400));
    let err = recipients[0].check().unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "key {} (Old Key <old@example.org>) cannot be used: it expired on 2020-01-02",
            &fpr[24..]
        )),
        "{text}"
    );
    assert_eq!(
        encrypt(b"x", "x", &recipients, Output::Armored).unwrap_err(),
        err
    );
    // The same key was fine the day it was made.
    let then = read_keys(&home.export(&fpr, true), 1_577_880_000 + 3600).unwrap();
    assert_eq!(then[0].info().status, KeyStatus::Usable);
}

#[test]
fn a_revoked_key_is_refused() {
    let (home, fpr) = alice();
    // gpg keeps a revocation certificate for every key it makes, guarded by a leading ':'.
    let cert = std::fs::read_to_string(home.0.join(format!("openpgp-revocs.d/{fpr}.rev"))).unwrap();
    let cert = cert.replace(
        ":-----BEGIN PGP PUBLIC KEY BLOCK-----",
        "-----BEGIN PGP PUBLIC KEY BLOCK-----",
    );
    let out = home.gpg(&["--import"], cert.as_bytes());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recipients = read_keys(&home.export(&fpr, true), now()).unwrap();
    assert!(matches!(
        recipients[0].info().status,
        KeyStatus::Revoked { .. }
    ));
    let text = recipients[0].check().unwrap_err().to_string();
    assert!(
        text.contains("(Alice Admin <alice@example.org>) cannot be used: its owner has revoked it"),
        "{text}"
    );
    assert!(encrypt(b"x", "x", &recipients, Output::Binary).is_err());
}

#[test]
fn a_sign_only_key_is_refused() {
    let home = Home::new();
    let fpr = home.key(
        "Signer Only <signer@example.org>",
        "ed25519",
        "sign,cert",
        "never",
        None,
    );
    let recipients = read_keys(&home.export(&fpr, true), now()).unwrap();
    assert_eq!(recipients[0].info().status, KeyStatus::NoEncryptionKey);
    assert_eq!(recipients[0].info().encryption_algorithm, None);
    let text = recipients[0].check().unwrap_err().to_string();
    assert!(
        text.contains("it can only sign, it has no encryption subkey"),
        "{text}"
    );
}

#[test]
fn secret_keys_and_junk_are_refused_by_name() {
    let (home, fpr) = alice();
    let secret = home.ok(&["--armor", "--export-secret-keys", &fpr]);
    let err = read_keys(&secret, now()).unwrap_err();
    assert!(matches!(err, SealError::SecretKey(_)), "{err:?}");
    assert!(err
        .to_string()
        .contains("give the recipient's public key instead"));
    assert!(matches!(
        read_keys(b"hello", now()),
        Err(SealError::NotAKey(_))
    ));
    assert!(matches!(
        encrypt(b"x", "x", &[], Output::Armored),
        Err(SealError::NoRecipient)
    ));
}
