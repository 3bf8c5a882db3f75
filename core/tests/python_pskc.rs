//! PSKC cross-checked with python-pskc, an independent RFC 6030
//! implementation: it reads what we write (plain, pre-shared key, password)
//! to the same values, and we read what it writes.

mod support;

use serde_json::Value;
use tokensmith_core::entra::TokenRecord;
use tokensmith_core::formats::pskc::{self, PresharedKey, Protection, Unlock};
use tokensmith_core::formats::OathToken;
use tokensmith_core::otpauth::Kind;
use tokensmith_core::{Algorithm, Secret};

/// Prints every key python-pskc finds as JSON.
const DUMP: &str = r#"
import json, sys, pskc
p = pskc.PSKC(sys.stdin.buffer)
mode, arg = sys.argv[1], sys.argv[2]
if mode == "psk":
    p.encryption.key = bytes.fromhex(arg)
elif mode == "password":
    p.encryption.derive_key(arg)
out = []
for k in p.keys:
    out.append(dict(
        id=k.id, serial=k.serial, manufacturer=k.manufacturer, model=k.model,
        secret=k.secret.hex(), algorithm=k.algorithm, suite=k.algorithm_suite,
        digits=k.response_length, encoding=k.response_encoding,
        interval=k.time_interval, counter=k.counter, userid=k.key_userid,
        friendly_name=k.friendly_name))
print(json.dumps(dict(mac=p.mac.algorithm, keys=out)))
"#;

fn tokens() -> Vec<OathToken> {
    let record = |serial: &str, secret: Vec<u8>, algorithm| TokenRecord {
        upn: format!("{}@contoso.com", serial.to_lowercase()),
        serial: serial.into(),
        secret: Secret::from_bytes(secret).unwrap(),
        interval: 30,
        manufacturer: "Token2".into(),
        model: "C202 <mini>".into(),
        algorithm,
        profile: None,
        display_name: None,
    };
    let mut sixty = record("T2", (0u8..32).collect(), Algorithm::Sha256);
    sixty.interval = 60;
    sixty.display_name = Some("Finance & Co".into());
    vec![
        OathToken::from(record(
            "T1",
            b"12345678901234567890".to_vec(),
            Algorithm::Sha1,
        )),
        OathToken {
            record: sixty,
            digits: 8,
            kind: Kind::Totp,
        },
        OathToken {
            record: record("H3", vec![0xa5; 20], Algorithm::Sha512),
            digits: 6,
            kind: Kind::Hotp { counter: 17 },
        },
    ]
}

fn check_dump(dump: &str, tokens: &[OathToken], mac: Option<&str>) {
    let v: Value = serde_json::from_str(dump).unwrap();
    assert_eq!(v["mac"].as_str(), mac);
    let keys = v["keys"].as_array().unwrap();
    assert_eq!(keys.len(), tokens.len());
    for (k, t) in keys.iter().zip(tokens) {
        let r = &t.record;
        assert_eq!(k["serial"], r.serial.as_str());
        assert_eq!(k["id"], r.serial.as_str());
        assert_eq!(k["manufacturer"], r.manufacturer.as_str());
        assert_eq!(k["model"], r.model.as_str());
        assert_eq!(k["secret"], r.secret.to_hex().as_str());
        assert_eq!(k["digits"], u64::from(t.digits));
        assert_eq!(k["encoding"], "DECIMAL");
        assert_eq!(k["userid"], r.upn.as_str());
        assert_eq!(k["suite"], r.algorithm.as_str());
        assert_eq!(k["friendly_name"].as_str(), r.display_name.as_deref());
        match t.kind {
            Kind::Totp => {
                assert_eq!(k["algorithm"], "urn:ietf:params:xml:ns:keyprov:pskc:totp");
                assert_eq!(k["interval"], u64::from(r.interval));
                assert!(k["counter"].is_null());
            }
            Kind::Hotp { counter } => {
                assert_eq!(k["algorithm"], "urn:ietf:params:xml:ns:keyprov:pskc:hotp");
                assert_eq!(k["counter"], counter);
                assert!(k["interval"].is_null());
            }
        }
    }
}

#[test]
fn python_pskc_reads_our_plain_export() {
    let tokens = tokens();
    let xml = pskc::write(&tokens, Protection::Plain).unwrap();
    check_dump(
        &support::run(DUMP, &["plain", ""], xml.as_bytes()),
        &tokens,
        None,
    );
}

#[test]
fn python_pskc_reads_our_preshared_key_export() {
    let tokens = tokens();
    let key = PresharedKey::generate().unwrap();
    let xml = pskc::write(
        &tokens,
        Protection::PresharedKey {
            key: &key,
            key_name: "Pre-shared-key",
        },
    )
    .unwrap();
    let dump = support::run(DUMP, &["psk", &key.to_hex()], xml.as_bytes());
    check_dump(
        &dump,
        &tokens,
        Some("http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"),
    );
}

#[test]
fn python_pskc_reads_our_password_export() {
    let tokens = tokens();
    let xml = pskc::write(
        &tokens,
        Protection::Password {
            password: "Tr0ub4dor & 3",
            key_name: "inventory 2025",
            iterations: pskc::MIN_ITERATIONS,
        },
    )
    .unwrap();
    let dump = support::run(DUMP, &["password", "Tr0ub4dor & 3"], xml.as_bytes());
    check_dump(
        &dump,
        &tokens,
        Some("http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"),
    );
}

/// python-pskc writes three keys, plain or encrypted as asked.
const WRITE: &str = r#"
import io, sys, pskc
p = pskc.PSKC()
p.add_key(id="P1", serial="P1", manufacturer="Feitian", model="c100",
          secret=bytes.fromhex("3132333435363738393031323334353637383930"),
          algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp",
          response_length=6, response_encoding="DECIMAL", time_interval=30)
p.add_key(id="P2", serial="P2", secret=bytes(range(32)), algorithm_suite="HMAC-SHA256",
          algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp",
          response_length=8, time_interval=60, key_userid="bob@contoso.com")
p.add_key(id="P3", serial="P3", secret=b"\xa5" * 20,
          algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp",
          response_length=6, counter=9)
mode, arg = sys.argv[1], sys.argv[2]
if mode == "psk":
    p.encryption.setup_preshared_key(key=bytes.fromhex(arg), key_name="vendor key")
elif mode == "password":
    p.encryption.setup_pbkdf2(arg, iterations=12000, key_name="vendor password")
out = io.BytesIO()
p.write(out)
sys.stdout.write(out.getvalue().decode())
"#;

fn check_python_written(tokens: &[OathToken]) {
    assert_eq!(tokens.len(), 3);
    let (p1, p2, p3) = (&tokens[0], &tokens[1], &tokens[2]);
    assert_eq!(
        (
            p1.record.serial.as_str(),
            p1.record.manufacturer.as_str(),
            p1.record.model.as_str()
        ),
        ("P1", "Feitian", "c100")
    );
    assert_eq!(p1.record.secret.as_bytes(), b"12345678901234567890");
    assert_eq!(
        (p1.digits, p1.kind, p1.record.interval, p1.record.algorithm),
        (6, Kind::Totp, 30, Algorithm::Sha1)
    );
    assert_eq!(p2.record.secret.as_bytes(), (0u8..32).collect::<Vec<_>>());
    assert_eq!(
        (p2.digits, p2.record.interval, p2.record.algorithm),
        (8, 60, Algorithm::Sha256)
    );
    assert_eq!(p2.record.upn, "bob@contoso.com");
    assert_eq!(p3.record.secret.as_bytes(), [0xa5; 20]);
    assert_eq!(p3.kind, Kind::Hotp { counter: 9 });
}

#[test]
fn we_read_python_pskc_plain_files() {
    let xml = support::run(WRITE, &["plain", ""], b"");
    assert_eq!(pskc::lock(&xml).unwrap(), pskc::Lock::Plain);
    check_python_written(&pskc::read(&xml, Unlock::None).unwrap());
}

#[test]
fn we_read_python_pskc_preshared_key_files() {
    let key = "000102030405060708090a0b0c0d0e0f";
    let xml = support::run(WRITE, &["psk", key], b"");
    assert_eq!(
        pskc::lock(&xml).unwrap(),
        pskc::Lock::PresharedKey {
            key_name: Some("vendor key".into()),
            key_len: 16
        }
    );
    let key = PresharedKey::from_hex(key).unwrap();
    check_python_written(&pskc::read(&xml, Unlock::PresharedKey(key.as_bytes())).unwrap());
}

#[test]
fn we_read_python_pskc_password_files() {
    let xml = support::run(WRITE, &["password", "open sesame"], b"");
    assert!(matches!(
        pskc::lock(&xml).unwrap(),
        pskc::Lock::Password { .. }
    ));
    check_python_written(&pskc::read(&xml, Unlock::Password("open sesame")).unwrap());
    assert!(pskc::read(&xml, Unlock::Password("open sesam")).is_err());
}
