//! The CSV exports read back with Python's `csv` module (an independent CSV
//! parser) to exactly the columns each importer expects.

mod support;

use serde_json::{json, Value};
use tokensmith_core::entra::TokenRecord;
use tokensmith_core::formats::{self, ExportFormat, ExportOptions, OathToken};
use tokensmith_core::otpauth::Kind;
use tokensmith_core::{Algorithm, Secret};

const ROWS: &str = r#"
import csv, io, json, sys
print(json.dumps(list(csv.reader(io.StringIO(sys.stdin.read(), newline="")))))
"#;

fn python_rows(text: &str) -> Value {
    serde_json::from_str(&support::run(ROWS, &[], text.as_bytes())).unwrap()
}

fn token(serial: &str, secret: &[u8], upn: &str) -> OathToken {
    OathToken::from(TokenRecord {
        upn: upn.into(),
        serial: serial.into(),
        secret: Secret::from_bytes(secret.to_vec()).unwrap(),
        interval: 30,
        manufacturer: "Token2, Inc.".into(),
        model: "C202 \"mini\"".into(),
        algorithm: Algorithm::Sha1,
        profile: None,
        display_name: None,
    })
}

const SEED_HEX: &str = "3132333435363738393031323334353637383930";

#[test]
fn entra_csv_has_the_documented_header_and_quoted_cells() {
    let tokens = [
        token("0042", b"12345678901234567890", "alice@contoso.com"),
        token("0043", &[0xff; 20], "bob@contoso.com"),
    ];
    let csv = formats::export(ExportFormat::EntraCsv, &tokens, &ExportOptions::default()).unwrap();
    assert_eq!(
        python_rows(&csv),
        json!([
            [
                "upn",
                "serial number",
                "secret key",
                "time interval",
                "manufacturer",
                "model"
            ],
            [
                "alice@contoso.com",
                "0042",
                "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
                "30",
                "Token2, Inc.",
                "C202 \"mini\""
            ],
            [
                "bob@contoso.com",
                "0043",
                "7".repeat(32),
                "30",
                "Token2, Inc.",
                "C202 \"mini\""
            ],
        ])
    );
}

#[test]
fn duo_csv_is_serial_hex_seed_and_step() {
    let mut sixty = token("60234568", &[0x0f; 20], "");
    sixty.record.interval = 60;
    let tokens = [token("60234567", b"12345678901234567890", ""), sixty];
    let csv = formats::export(ExportFormat::DuoCsv, &tokens, &ExportOptions::default()).unwrap();
    assert_eq!(
        python_rows(&csv),
        json!([
            ["60234567", SEED_HEX, "30"],
            ["60234568", "0f".repeat(20), "60"],
        ])
    );
}

#[test]
fn oath_csv_is_serial_seed_type_digits_and_step_or_counter() {
    let mut hotp = token("H-2", &[0xa5; 20], "");
    hotp.kind = Kind::Hotp { counter: 12 };
    hotp.digits = 8;
    let mut sha256 = token("S-3", b"12345678901234567890", "");
    sha256.record.algorithm = Algorithm::Sha256;
    let tokens = [token("T-1", b"12345678901234567890", ""), hotp, sha256];
    let csv = formats::export(ExportFormat::OathCsv, &tokens, &ExportOptions::default()).unwrap();
    assert_eq!(
        python_rows(&csv),
        json!([
            ["T-1", SEED_HEX, "totp", "6", "30"],
            ["H-2", "a5".repeat(20), "hotp", "8", "12"],
            ["S-3", SEED_HEX, "totp", "6", "30", "sha256"],
        ])
    );
}
