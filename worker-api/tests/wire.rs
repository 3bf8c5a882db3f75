//! The messages survive the wire unchanged, core's types included, and the format is postcard
//! as documented (the page test writes a few messages by hand from this layout).

use tokensmith_core::import::migration::Migration;
use tokensmith_core::import::Scanned;
use tokensmith_core::otp::{Algorithm, OtpParams};
use tokensmith_core::otpauth::{Kind, OtpAuth};
use tokensmith_core::secret::{Encoding, Secret};
use tokensmith_worker_api::import::{Backup, Found, ScanError, ScanErrorKind};
use tokensmith_worker_api::openpgp::{Armour, EncryptJob, Keys};
use tokensmith_worker_api::picture::{PictureError, Read};
use tokensmith_worker_api::{decode, encode, Reply, Request};
use zeroize::Zeroizing;

fn account(issuer: Option<&str>, name: &str, secret: &[u8], kind: Kind) -> OtpAuth {
    OtpAuth {
        kind,
        issuer: issuer.map(str::to_string),
        account: name.into(),
        secret: Secret::from_bytes(secret.to_vec()).unwrap(),
        params: OtpParams {
            algorithm: Algorithm::Sha256,
            digits: 8,
            period: 60,
        },
    }
}

fn round_trip(reply: &Reply) -> Reply {
    decode(&encode(reply).unwrap()).unwrap()
}

#[test]
fn scanned_accounts_migrations_and_secrets_come_back_equal() {
    let a = account(
        Some("ACME"),
        "jo@acme.example",
        b"12345678901234567890",
        Kind::Totp,
    );
    let b = account(None, "", &[0xFB; 32], Kind::Hotp { counter: 42 });
    let reply = Reply::Classify(vec![
        Ok(Found(Scanned::Account(a.clone()))),
        Ok(Found(Scanned::Migration(Migration {
            accounts: vec![a.clone(), b.clone()],
            skipped: vec!["account 3 (Legacy: md5)".into()],
            batch_index: 1,
            batch_size: 3,
            batch_id: -7,
        }))),
        Ok(Found(Scanned::Secret {
            secret: Secret::from_bytes(vec![1, 2, 3]).unwrap(),
            encoding: Encoding::Hex,
            ambiguous: true,
        })),
        Err(ScanError {
            kind: ScanErrorKind::SerialNumber,
            message: "this is a serial number".into(),
        }),
    ]);
    let Reply::Classify(scans) = round_trip(&reply) else {
        panic!("a Classify reply")
    };
    let mut scans = scans.into_iter();
    let Some(Ok(Found(Scanned::Account(got)))) = scans.next() else {
        panic!("an account")
    };
    assert_eq!(got, a);
    let Some(Ok(Found(Scanned::Migration(m)))) = scans.next() else {
        panic!("a migration")
    };
    assert_eq!(m.accounts, vec![a, b]);
    assert_eq!(m.skipped, vec!["account 3 (Legacy: md5)".to_string()]);
    assert_eq!((m.batch_index, m.batch_size, m.batch_id), (1, 3, -7));
    let Some(Ok(Found(Scanned::Secret {
        secret,
        encoding,
        ambiguous,
    }))) = scans.next()
    else {
        panic!("a secret")
    };
    assert_eq!(
        (secret.as_bytes(), encoding, ambiguous),
        (&[1u8, 2, 3][..], Encoding::Hex, true)
    );
    let Some(Err(e)) = scans.next() else {
        panic!("an error")
    };
    assert!(e.is_other_kind_of_code());
    assert_eq!(e.to_string(), "this is a serial number");
}

#[test]
fn pictures_backups_and_jobs_come_back_equal() {
    let read = Reply::Picture(Ok(Read {
        size: (8000, 6000),
        scaled: Some((2048, 1536)),
        codes: Err(ScanError {
            kind: ScanErrorKind::NoQrCode,
            message: "no QR code found".into(),
        }),
        ms: 12.5,
    }));
    let Reply::Picture(Ok(r)) = round_trip(&read) else {
        panic!("a picture")
    };
    assert_eq!(
        (r.size, r.scaled, r.ms),
        ((8000, 6000), Some((2048, 1536)), 12.5)
    );
    assert_eq!(r.codes.unwrap_err().kind, ScanErrorKind::NoQrCode);
    let Reply::Picture(Err(e)) = round_trip(&Reply::Picture(Err(PictureError::NotAPicture))) else {
        panic!("a picture error")
    };
    assert!(e.to_string().contains("not a picture the browser can read"));

    let backup = Reply::Backup(Ok(Backup {
        app: "2FAS".into(),
        accounts: vec![account(Some("X"), "y", b"abcdefghij", Kind::Totp)],
        skipped: vec![],
    }));
    let Reply::Backup(Ok(b)) = round_trip(&backup) else {
        panic!("a backup")
    };
    assert_eq!((b.app.as_str(), b.accounts.len()), ("2FAS", 1));

    let job = Request::Encrypt(EncryptJob {
        plaintext: Zeroizing::new(b"upn,serial,secret\r\n".to_vec()),
        file_name: "tokens.csv".into(),
        keys: Keys {
            keys: vec![0x99, 0x01],
            now: 1_700_000_000,
        },
        armour: Armour::Binary,
    });
    let Request::Encrypt(got) = decode::<Request>(&encode(&job).unwrap()).unwrap() else {
        panic!("an Encrypt request")
    };
    assert_eq!(&got.plaintext[..], b"upn,serial,secret\r\n");
    assert_eq!(
        (got.file_name.as_str(), got.armour),
        ("tokens.csv", Armour::Binary)
    );
    assert_eq!(
        (got.keys.keys, got.keys.now),
        (vec![0x99, 0x01], 1_700_000_000)
    );
    // The plaintext never shows in a log line.
    assert!(!format!("{job:?}").contains("secret"), "{job:?}");
}

/// Postcard: enum variants and lengths as varints, bytes and strings as length + raw bytes,
/// integers as varints. `tests/e2e/worker.test.mjs` writes requests by this layout.
#[test]
fn the_layout_is_postcard() {
    let classify = Request::Classify(vec![Zeroizing::new("ab".into())]);
    assert_eq!(&encode(&classify).unwrap()[..], &[1, 1, 2, b'a', b'b']);
    let keys = Request::DescribeKeys(Keys {
        keys: vec![7, 8],
        now: 300,
    });
    assert_eq!(&encode(&keys).unwrap()[..], &[3, 2, 7, 8, 0xAC, 0x02]);
    let job = Request::Encrypt(EncryptJob {
        plaintext: Zeroizing::new(b"hi".to_vec()),
        file_name: "f".into(),
        keys: Keys {
            keys: vec![9],
            now: 1,
        },
        armour: Armour::Armored,
    });
    assert_eq!(
        &encode(&job).unwrap()[..],
        &[4, 2, b'h', b'i', 1, b'f', 1, 9, 1, 0]
    );
}

#[test]
fn damaged_messages_are_errors_not_panics() {
    assert!(decode::<Request>(&[]).is_err());
    assert!(decode::<Request>(&[9]).is_err());
    assert!(decode::<Request>(&[1, 5, 1]).is_err());
    // An empty secret is not a secret: refused while decoding, not later.
    // Classify, 1 scan, Ok, Account, TOTP, no issuer, name "", secret of 0 bytes, SHA1, 6, 60.
    let empty = [1u8, 1, 0, 0, 0, 0, 0, 0, 0, 6, 60];
    assert!(decode::<Reply>(&[1u8, 1, 0, 0, 0, 0, 0, 1, 7, 0, 6, 60]).is_ok());
    assert!(decode::<Reply>(&empty).is_err());
}
