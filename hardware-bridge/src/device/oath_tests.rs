//! Issue 9 on YubiKeys and Nitrokey 3 keys: detection with the real serial, the burn's checks
//! (taken names, serials, HOTP), and OATH management — through `operation::run`, the path of
//! the CLI and the API, against emulated keys that answer as the devices do.

use std::sync::{Arc, Mutex};

use tokensmith_api::{
    BurnResult, ErrorCode, OathCredential, OathCredentials, OathType, Verification,
};
use tokensmith_core::otp::Algorithm;
use tokensmith_core::secret::Secret;
use tokensmith_proto::emulator::{EmulatedTransport, YkoathCard, DEFAULT_YUBIKEY_SERIAL};
use tokensmith_proto::{ykoath, Transport, TransportError};

use super::burn::Written;
use super::oath::PasswordChange;
use super::plan::BurnParams;
use super::*;
use crate::backend::{select_reader, Backend, ReaderEntry};
use crate::operation::{self, BurnJob, Operation, Outcome, Progress, Target};

const READER: &str = "Test reader 00 00";

/// One emulated key on one reader, shared with the test; every command is logged.
#[derive(Clone)]
struct OneKey(Arc<Mutex<EmulatedTransport<YkoathCard>>>);

impl OneKey {
    fn new(card: YkoathCard) -> Self {
        OneKey(Arc::new(Mutex::new(EmulatedTransport::new(card))))
    }
    fn sent(&self, ins: u8) -> usize {
        self.0.lock().unwrap().count(0x00, ins)
    }
    fn card<R>(&self, f: impl FnOnce(&mut YkoathCard) -> R) -> R {
        f(self.0.lock().unwrap().card_mut())
    }
}

impl Transport for OneKey {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.0.lock().unwrap().transmit(apdu)
    }
    fn atr(&self) -> Option<Vec<u8>> {
        self.0.lock().unwrap().atr()
    }
}

impl Backend for OneKey {
    fn readers(&self) -> Result<Vec<ReaderEntry>, BridgeError> {
        Ok(vec![ReaderEntry {
            name: READER.into(),
            card_present: true,
            busy: false,
        }])
    }
    fn open(
        &self,
        reader: Option<&str>,
    ) -> Result<(String, Box<dyn Transport + Send>), BridgeError> {
        let name = select_reader(&self.readers()?, reader)?;
        self.0.lock().unwrap().power_cycle();
        Ok((name, Box::new(self.clone())))
    }
    fn probe(&self, _reader: &str) -> Result<Box<dyn Transport + Send>, BridgeError> {
        Ok(Box::new(self.clone()))
    }
}

fn secret() -> Secret {
    Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap()
}

fn run(key: &OneKey, op: Operation) -> Result<Outcome, BridgeError> {
    operation::run(key, &Target::default(), op, None)
}

fn creds() -> Credentials {
    Credentials::default()
}

fn burn_job(p: BurnParams) -> Operation {
    Operation::Burn(Box::new(BurnJob {
        secret: secret(),
        params: p,
        creds: creds(),
        upn: None,
    }))
}

fn totp(account: &str) -> BurnParams {
    BurnParams {
        account: Some(account.into()),
        issuer: Some("Corp".into()),
        ..Default::default()
    }
}

fn burned(r: Result<Outcome, BridgeError>) -> BurnResult {
    BurnResult::try_from(r.unwrap()).unwrap()
}

fn info(key: &OneKey) -> tokensmith_api::Info {
    tokensmith_api::Info::try_from(run(key, Operation::Info).unwrap()).unwrap()
}

#[test]
fn nitrokey3_with_a_pin_is_detected_with_the_serial_of_tag_8f() {
    let key = OneKey::new(YkoathCard::nitrokey3(0x0ACE_0001, Some(8)));
    let i = info(&key);
    assert_eq!(i.device.kind, DeviceKind::Oath);
    assert_eq!(i.device.serial, "181272577");
    assert_eq!(i.device.model, "Nitrokey 3");
    assert_eq!(i.device.pin_attempts, Some(8));
    // Burns work (no PIN needed for hardware-encrypted credentials), the serial is recorded.
    let out = burned(run(&key, burn_job(totp("alice"))));
    assert_eq!(out.serial, "181272577");
    assert!(matches!(
        out.verification,
        Verification::DeviceCalculated { matches: true, .. }
    ));
    // SHA-512 is refused before anything is written: the Nitrokey 3 cannot calculate it.
    let puts = key.sent(ykoath::INS_PUT);
    let e = run(
        &key,
        burn_job(BurnParams {
            algorithm: Some(Algorithm::Sha512),
            ..totp("bob")
        }),
    )
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::BadInput);
    assert!(e.to_string().contains("SHA-512"), "{e}");
    assert_eq!(key.sent(ykoath::INS_PUT), puts);
}

#[test]
fn yubikey_serial_comes_from_its_management_or_otp_applet() {
    let key = OneKey::new(YkoathCard::new());
    let i = info(&key);
    assert_eq!(i.device.serial, DEFAULT_YUBIKEY_SERIAL.to_string());
    assert_eq!(
        (i.device.model.as_str(), i.device.pin_attempts),
        ("YubiKey 5", None)
    );
    key.card(|c| c.set_serial_applets(false, true));
    assert_eq!(info(&key).device.serial, DEFAULT_YUBIKEY_SERIAL.to_string());
    // Not the OATH salt: it changes on every reset, the serial does not.
    let salt = key.card(|c| c.salt());
    let hex: String = salt.iter().map(|b| format!("{b:02x}")).collect();
    assert_ne!(info(&key).device.serial, hex);
    // Unknown maker (or a YubiKey hiding its serial): none.
    let key = OneKey::new(YkoathCard::generic());
    let i = info(&key);
    assert_eq!(
        (i.device.serial.as_str(), i.device.model.as_str()),
        ("", "OATH key")
    );
    let hidden = OneKey::new(YkoathCard::yubikey([5, 4, 3], None));
    assert_eq!(info(&hidden).device.serial, "");
}

#[test]
fn a_key_without_a_serial_needs_the_printed_one() {
    let key = OneKey::new(YkoathCard::generic());
    let e = run(&key, burn_job(totp("alice"))).unwrap_err();
    assert_eq!(e.code(), ErrorCode::BadInput);
    assert!(e.to_string().contains("--serial"), "{e}");
    assert_eq!(key.sent(ykoath::INS_PUT), 0, "written without a serial");
    let out = burned(run(
        &key,
        burn_job(BurnParams {
            serial: Some(" SOLO-0042 ".into()),
            ..totp("alice")
        }),
    ));
    assert_eq!(out.serial, "SOLO-0042");
    assert!(out.warnings.iter().any(|w| w.contains("reports no serial")));
    // A key that reports one: a different given serial is the wrong key, nothing written.
    let key = OneKey::new(YkoathCard::new());
    let e = run(
        &key,
        burn_job(BurnParams {
            serial: Some("999".into()),
            ..totp("alice")
        }),
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("reports serial 12345678, not 999"),
        "{e}"
    );
    assert_eq!(key.sent(ykoath::INS_PUT), 0);
}

#[test]
fn a_taken_name_is_refused_unless_overwrite() {
    let key = OneKey::new(YkoathCard::new());
    burned(run(&key, burn_job(totp("alice"))));
    let first = key.card(|c| c.credential("Corp:alice").unwrap().key.to_vec());
    let other = Secret::from_bytes(b"another key, 20 byte".to_vec()).unwrap();
    let again = |overwrite| {
        Operation::Burn(Box::new(BurnJob {
            secret: other.clone(),
            params: BurnParams {
                overwrite,
                ..totp("alice")
            },
            creds: creds(),
            upn: None,
        }))
    };
    let e = run(&key, again(false)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Occupied);
    assert!(e.to_string().contains("--overwrite"), "{e}");
    assert_eq!(
        key.sent(ykoath::INS_PUT),
        1,
        "the YubiKey would have replaced it"
    );
    assert_eq!(
        key.card(|c| c.credential("Corp:alice").unwrap().key.to_vec()),
        first
    );
    burned(run(&key, again(true)));
    assert_eq!(
        key.card(|c| c.credential("Corp:alice").unwrap().key.to_vec()),
        b"another key, 20 byte"
    );
    // A Nitrokey 3 never overwrites: refused before the PUT, with what to do instead.
    let nk = OneKey::new(YkoathCard::nitrokey3(1, None));
    burned(run(&nk, burn_job(totp("alice"))));
    let e = run(&nk, again(true)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotSupported);
    assert!(e.to_string().contains("delete the account first"), "{e}");
    assert_eq!(nk.sent(ykoath::INS_PUT), 1);
    let e = run(&nk, again(false)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Occupied);
    assert!(e.to_string().contains("delete the account first"), "{e}");
    assert!(!e.to_string().contains("--overwrite"), "{e}");
    // A name LIST does not show (another kind of entry): the Nitrokey's 69 83 says "taken".
    nk.card(|c| c.add_other_entry(0xF1, "Corp:bob"));
    let e = run(&nk, burn_job(totp("bob"))).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Occupied);
    assert!(e.to_string().contains("already exists"), "{e}");
}

#[test]
fn yubikey4_prefix_names_are_refused_below_4_3_5() {
    let key = OneKey::new(YkoathCard::yubikey([4, 3, 4], Some(77)));
    burned(run(&key, burn_job(totp("alice@example.com"))));
    let e = run(&key, burn_job(totp("alice"))).unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotSupported);
    assert!(e.to_string().contains("4.3.5"), "{e}");
    assert_eq!(key.sent(ykoath::INS_PUT), 1);
    assert!(key.card(|c| c.credential("Corp:alice@example.com").is_some()));
    let key = OneKey::new(YkoathCard::yubikey([4, 3, 5], Some(77)));
    burned(run(&key, burn_job(totp("alice@example.com"))));
    burned(run(&key, burn_job(totp("alice"))));
}

#[test]
fn firmware_rules_for_sha512_and_touch_come_from_caps() {
    let key = OneKey::new(YkoathCard::yubikey([4, 2, 5], Some(5)));
    for (p, needs) in [
        (
            BurnParams {
                algorithm: Some(Algorithm::Sha512),
                ..totp("a")
            },
            "4.3.1",
        ),
        (
            BurnParams {
                touch: true,
                ..totp("a")
            },
            "4.2.6",
        ),
    ] {
        let e = run(&key, burn_job(p)).unwrap_err();
        assert_eq!(e.code(), ErrorCode::BadInput);
        assert!(e.to_string().contains(needs), "{e}");
    }
    assert_eq!(key.sent(ykoath::INS_PUT), 0);
}

#[test]
fn hotp_with_a_counter_is_stored_not_calculated_and_journaled() {
    let key = OneKey::new(YkoathCard::nitrokey3(3, None));
    let p = BurnParams {
        oath_type: Some(OathType::Hotp),
        counter: Some(9),
        ..totp("h")
    };
    let mut journal = plain_journal("hotp");
    let out = BurnResult::try_from(
        operation::run(&key, &Target::default(), burn_job(p), Some(&mut journal)).unwrap(),
    )
    .unwrap();
    // Nothing lost: the journal holds the seed and its counter like any burn.
    assert!(out.recorded);
    assert_eq!(out.oath_type, Some(OathType::Hotp));
    assert!(matches!(out.verification, Verification::NotChecked { .. }));
    assert_eq!(key.sent(ykoath::INS_CALCULATE), 0, "a code was used up");
    let c = key.card(|c| c.credential("Corp:h").unwrap().clone());
    assert_eq!((c.oath_type, c.counter), (ykoath::OathType::Hotp, 9));
    let fold = journal.fold();
    let t = fold.tokens().next().expect("HOTP journaled");
    assert_eq!(t.intent.params.hotp_counter, Some(9));
    assert_eq!(t.intent.target.credential.as_deref(), Some("Corp:h"));
    assert_eq!(
        t.state(),
        tokensmith_burn_journal::TokenState::SeedWrittenNotVerified
    );
    let entry = out.journal.as_ref().expect("the journal's word");
    assert_eq!(
        entry.expected_code.as_deref(),
        Some("520489"),
        "counter 9's code"
    );
    // Its code through `oath code`: RFC 4226 counter 9.
    let code = run(
        &key,
        Operation::CalculateOath {
            name: "Corp:h".into(),
            creds: creds(),
        },
    )
    .unwrap();
    let Outcome::OathCode(code) = code else {
        panic!()
    };
    assert_eq!(code.code, "520489");
    // No counter on TOTP, no period on HOTP.
    for p in [
        BurnParams {
            counter: Some(1),
            ..totp("x")
        },
        BurnParams {
            oath_type: Some(OathType::Hotp),
            period: Some(60),
            ..totp("x")
        },
    ] {
        assert_eq!(
            run(&key, burn_job(p)).unwrap_err().code(),
            ErrorCode::BadInput
        );
    }
    let _ = std::fs::remove_dir_all(journal.path().parent().unwrap());
}

#[test]
fn unknown_entry_kinds_are_counted_not_fatal() {
    let key = OneKey::new(YkoathCard::nitrokey3(3, Some(5)));
    key.card(|c| {
        c.add_other_entry(0x31, "reverse");
        c.add_other_entry(0x41, "HmacSlot2");
    });
    burned(run(&key, burn_job(totp("alice"))));
    let l = OathCredentials::try_from(run(&key, Operation::ListOath { creds: creds() }).unwrap())
        .unwrap();
    assert_eq!(l.credentials.len(), 1);
    assert_eq!(l.credentials[0].name, "Corp:alice");
    assert_eq!(l.other_entries, 2);
}

#[test]
fn no_set_code_or_validate_reaches_a_nitrokey3() {
    for pin in [None, Some(8)] {
        let key = OneKey::new(YkoathCard::nitrokey3(3, pin));
        let e = run(
            &key,
            Operation::OathPassword {
                change: PasswordChange::Set,
                new_password: Some("pw".into()),
                creds: creds(),
            },
        )
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::NotSupported);
        assert!(e.to_string().contains("PIN"), "{e}");
        // A password given for other work is not used either.
        let with_password = Credentials {
            oath_password: Some("pw".into()),
            ..creds()
        };
        run(
            &key,
            Operation::ListOath {
                creds: with_password,
            },
        )
        .unwrap();
        assert_eq!(key.sent(ykoath::INS_SET_CODE), 0);
        assert_eq!(key.sent(ykoath::INS_VALIDATE), 0);
    }
}

#[test]
fn yubikey_access_password_set_change_remove() {
    let key = OneKey::new(YkoathCard::new());
    let pw = |p: &str| Credentials {
        oath_password: Some(p.into()),
        ..creds()
    };
    let op = |change, new: Option<&str>, creds| Operation::OathPassword {
        change,
        new_password: new.map(Into::into),
        creds,
    };
    run(&key, op(PasswordChange::Set, Some("first"), creds())).unwrap();
    assert!(key.card(|c| c.has_password()));
    assert_eq!(info(&key).device.password_set, Some(true));
    // Set again: refused, nothing sent.
    let before = key.sent(ykoath::INS_SET_CODE);
    let e = run(&key, op(PasswordChange::Set, Some("x"), pw("first"))).unwrap_err();
    assert!(e.to_string().contains("change it"), "{e}");
    // Change needs the current one.
    let e = run(&key, op(PasswordChange::Change, Some("second"), creds())).unwrap_err();
    assert_eq!(e.code(), ErrorCode::AuthFailed);
    assert_eq!(key.sent(ykoath::INS_SET_CODE), before);
    run(
        &key,
        op(PasswordChange::Change, Some("second"), pw("first")),
    )
    .unwrap();
    run(
        &key,
        Operation::ListOath {
            creds: pw("second"),
        },
    )
    .unwrap();
    assert_eq!(
        run(&key, Operation::ListOath { creds: pw("first") })
            .unwrap_err()
            .code(),
        ErrorCode::AuthFailed
    );
    run(&key, op(PasswordChange::Remove, None, pw("second"))).unwrap();
    assert!(!key.card(|c| c.has_password()));
    run(&key, Operation::ListOath { creds: creds() }).unwrap();
}

#[test]
fn a_touch_that_times_out_is_reported_as_such() {
    let key = OneKey::new(YkoathCard::new());
    let out = burned(run(
        &key,
        burn_job(BurnParams {
            touch: true,
            ..totp("t")
        }),
    ));
    assert!(matches!(out.verification, Verification::NotChecked { .. }));
    key.card(|c| c.set_touch_times_out(true));
    let e = run(
        &key,
        Operation::CalculateOath {
            name: "Corp:t".into(),
            creds: creds(),
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::TouchTimeout);
    assert!(e.to_string().contains("touch"), "{e}");
    assert!(!e.to_string().contains("password"), "{e}");
}

#[test]
fn rename_where_the_key_has_it() {
    let key = OneKey::new(YkoathCard::new());
    burned(run(
        &key,
        burn_job(BurnParams {
            period: Some(60),
            ..totp("alice")
        }),
    ));
    burned(run(&key, burn_job(totp("carol"))));
    burned(run(&key, burn_job(totp("dave"))));
    let rename = |name: &str, issuer: Option<&str>, account: &str| Operation::RenameOath {
        name: name.into(),
        issuer: issuer.map(Into::into),
        account: account.into(),
        creds: creds(),
    };
    let c =
        OathCredential::try_from(run(&key, rename("60/Corp:alice", Some("New"), "bob")).unwrap())
            .unwrap();
    assert_eq!((c.name.as_str(), c.period), ("60/New:bob", 60));
    assert!(key.card(|c| c.credential("60/New:bob").is_some()));
    // A taken new name: refused, nothing renamed.
    let e = run(&key, rename("Corp:carol", Some("Corp"), "dave")).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Occupied, "{e}");
    assert_eq!(key.sent(ykoath::INS_RENAME), 1);
    assert!(key.card(|c| c.credential("Corp:carol").is_some()));
    let e = run(&key, rename("Corp:nobody", None, "x")).unwrap_err();
    assert_eq!(e.code(), ErrorCode::BadInput);
    assert!(
        e.to_string().contains("no account named \"Corp:nobody\""),
        "{e}"
    );
    // Firmware before 5.3.1 and the Nitrokey 3: refused with the reason, no RENAME sent.
    for card in [
        YkoathCard::yubikey([5, 2, 7], Some(1)),
        YkoathCard::nitrokey3(1, None),
    ] {
        let key = OneKey::new(card);
        burned(run(&key, burn_job(totp("alice"))));
        let e = run(&key, rename("Corp:alice", None, "bob")).unwrap_err();
        assert_eq!(e.code(), ErrorCode::NotSupported);
        assert!(
            e.to_string()
                .contains("delete the account and store it again"),
            "{e}"
        );
        assert_eq!(key.sent(ykoath::INS_RENAME), 0);
    }
}

#[test]
fn the_store_step_is_reported_after_the_put_is_acknowledged() {
    let key = OneKey::new(YkoathCard::nitrokey3(9, None));
    let seen = Mutex::new(Vec::new());
    let progress = |p: Progress| {
        let held = key.card(|c| c.credential("Corp:alice").is_some());
        seen.lock().unwrap().push(match p {
            Progress::Detected(_) => "detected",
            Progress::Writing => "writing",
            Progress::Written(Written::Credential) if held => "stored",
            Progress::Written(Written::Credential) => "stored before the key held it",
            Progress::Written(_) => "another write",
        });
    };
    operation::run_with(
        &key,
        &Target::default(),
        burn_job(totp("alice")),
        None,
        &progress,
    )
    .unwrap();
    assert_eq!(*seen.lock().unwrap(), ["detected", "writing", "stored"]);
}

fn plain_journal(name: &str) -> tokensmith_burn_journal::Journal {
    let dir = std::env::temp_dir().join(format!("tokensmith-oath-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    tokensmith_burn_journal::Journal::create(
        &dir.join("burns.journal"),
        &tokensmith_burn_journal::Protection::Plaintext,
    )
    .unwrap()
}

/// The journal names the key's maker and model, and holds the credential as verified by the
/// key's own code.
#[test]
fn journal_names_the_maker_and_the_check() {
    let key = OneKey::new(YkoathCard::new());
    let mut journal = plain_journal("maker");
    let out = BurnResult::try_from(
        operation::run(
            &key,
            &Target::default(),
            burn_job(totp("alice")),
            Some(&mut journal),
        )
        .unwrap(),
    )
    .unwrap();
    assert!(out.recorded);
    let entry = out.journal.expect("the journal's word");
    assert_eq!(entry.holds, tokensmith_api::TokenHolds::Verified);
    let rows = crate::results::Loaded::from_contents(
        tokensmith_burn_journal::read_file(journal.path(), None).unwrap(),
        0,
    )
    .rows;
    let r = &rows[0];
    assert_eq!(
        (r.manufacturer.as_str(), r.model.as_str()),
        ("Yubico", "YubiKey 5")
    );
    assert_eq!(r.serial, DEFAULT_YUBIKEY_SERIAL.to_string());
    assert_eq!(r.secret.as_bytes(), secret().as_bytes());
    assert_eq!(r.name.as_deref(), Some("Corp:alice"));
}
