//! Seeds of the exchange-file targets: Graph JSON, PSKC, and Duo's and privacyIDEA's CSVs,
//! mostly written by core's own writers.

use tokensmith_core::formats::duo::DuoTokenType;
use tokensmith_core::formats::pskc::{self, PresharedKey, Protection};
use tokensmith_core::formats::{export, ExportFormat, ExportOptions, OathToken};
use tokensmith_core::otp::Algorithm;
use tokensmith_core::secret::Secret;
use tokensmith_core::{graph_bulk_json, Kind, TokenRecord};
use tokensmith_fuzz_targets::csv_formats::FORMATS;
use tokensmith_fuzz_targets::pskc::{KEY, NONE, PASSWORD, WITH_KEY, WITH_PASSWORD};

use crate::Seeds;

/// RFC 6030 Figure 7 (core's fixture), its password is [`PASSWORD`]; the prolog and comment
/// dropped, as the harness only opens files without them with the password.
const FIGURE7: &str = include_str!("../../../../core/tests/fixtures/rfc6030-figure7.xml");

fn record(serial: &str, secret: &[u8], upn: &str) -> TokenRecord {
    TokenRecord {
        upn: upn.into(),
        serial: serial.into(),
        secret: Secret::from_bytes(secret.to_vec()).expect("a seed"),
        interval: 30,
        manufacturer: "Token2".into(),
        model: "C302-i".into(),
        algorithm: Algorithm::Sha1,
        profile: None,
        display_name: None,
    }
}

fn records() -> Vec<TokenRecord> {
    let mut molto2 = record("MOLTO2SEED01", b"abcdefghijabcdefghij", "");
    molto2.profile = Some(4);
    molto2.interval = 60;
    molto2.algorithm = Algorithm::Sha256;
    molto2.display_name = Some("Bank".into());
    vec![
        record(
            "8659632000001",
            b"12345678901234567890",
            "alice@contoso.com",
        ),
        molto2,
    ]
}

fn tokens() -> Vec<OathToken> {
    let mut t: Vec<OathToken> = records().into_iter().map(OathToken::from).collect();
    t[1].digits = 8;
    let mut hotp = OathToken::from(record("HOTP0001", b"0123456789", "bob@contoso.com"));
    hotp.kind = Kind::Hotp { counter: 42 };
    t.push(hotp);
    t
}

pub fn graph_json() -> Seeds {
    let written = graph_bulk_json(&records()).expect("valid for Graph");
    [
        ("page-export", written.to_string()),
        (
            "toolset-strings-no-user",
            r#"{"value":[{"serialNumber":8659632001,"secretKey":"JBSWY3DPEHPK3PXP","timeIntervalInSeconds":"30","manufacturer":"Token2","model":"C302-i","hashFunction":"hmacsha1"}]}"#.into(),
        ),
        (
            "bare-array-bom",
            "\u{feff}[{\"serialNumber\":\"1\",\"secretKey\":\"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\",\"timeIntervalInSeconds\":60,\"assignTo\":{\"id\":\" a@b.c \"},\"displayName\":\"x\"}]".into(),
        ),
        (
            "bad-secret",
            r#"{"value":[{"serialNumber":"1","secretKey":"JBSWY3DPEHPK3PX1JBSW","timeIntervalInSeconds":30}]}"#.into(),
        ),
        (
            "bad-interval",
            r#"{"value":[{"serialNumber":"1","secretKey":"JBSWY3DPEHPK3PXP","timeIntervalInSeconds":"thirty"}]}"#.into(),
        ),
        ("no-value", r##"{"@context":"#$delta"}"##.into()),
        ("not-json", "{\"value\": [".into()),
    ]
    .into_iter()
    .map(|(name, text)| (name, text.into_bytes()))
    .collect()
}

fn with(pick: u8, text: &str) -> Vec<u8> {
    let mut data = vec![pick];
    data.extend_from_slice(text.as_bytes());
    data
}

pub fn pskc() -> Seeds {
    let tokens = tokens();
    let plain = pskc::write(&tokens, Protection::Plain).expect("writes");
    let key = PresharedKey::from_hex(&data_encoding::HEXLOWER.encode(&KEY[..16])).expect("hex");
    let sealed = pskc::write(
        &tokens,
        Protection::PresharedKey {
            key: &key,
            key_name: "fuzz",
        },
    )
    .expect("writes");
    let start = FIGURE7.find("<pskc:KeyContainer").expect("the container");
    let figure7 = &FIGURE7[start..];
    assert_eq!(PASSWORD, "qwerty", "Figure 7's password");
    vec![
        ("plain", with(NONE, &plain)),
        ("preshared-key", with(WITH_KEY, &sealed)),
        ("preshared-key-not-given", with(NONE, &sealed)),
        ("rfc6030-figure7-password", with(WITH_PASSWORD, figure7)),
        ("rfc6030-figure7-with-key", with(WITH_KEY, figure7)),
        (
            "plain-value-not-base64",
            with(
                NONE,
                &plain.replacen("<pskc:PlainValue>", "<pskc:PlainValue>!!", 1),
            ),
        ),
        ("not-pskc", with(NONE, "<html><body/></html>")),
        (
            "unclosed",
            with(NONE, "<KeyContainer Version=\"1.0\"><KeyPackage>"),
        ),
    ]
}

pub fn csv_formats() -> Seeds {
    let pick = |format: ExportFormat, duo| -> u8 {
        FORMATS
            .iter()
            .position(|f| *f == (format, duo))
            .expect("listed") as u8
    };
    let tokens = tokens();
    let totp: Vec<OathToken> = tokens[..1].to_vec();
    let duo = export(ExportFormat::DuoCsv, &totp, &ExportOptions::default()).expect("writes");
    let oath = export(ExportFormat::OathCsv, &tokens, &ExportOptions::default()).expect("writes");
    vec![
        (
            "duo-totp6",
            with(pick(ExportFormat::DuoCsv, DuoTokenType::Totp6), &duo),
        ),
        (
            "duo-totp8-comment-blank",
            with(
                pick(ExportFormat::DuoCsv, DuoTokenType::Totp8),
                "# serial,secret,step\n\n  0042 , 3132333435363738393031323334353637383930 , 60\n",
            ),
        ),
        (
            "duo-hotp6-counter",
            with(
                pick(ExportFormat::DuoCsv, DuoTokenType::Hotp6),
                "HOTP0001,30313233343536373839,42\n",
            ),
        ),
        (
            "duo-four-columns",
            with(0, "1,3132333435363738393031323334353637383930,30,x\n"),
        ),
        ("duo-odd-hex", with(0, "1,313,30\n")),
        ("oath", with(4, &oath)),
        (
            "oath-ocra",
            with(4, "1,3132333435363738393031323334353637383930,ocra\n"),
        ),
        (
            "oath-bad-hash",
            with(
                4,
                "1,3132333435363738393031323334353637383930,totp,6,30,md5\n",
            ),
        ),
        ("oath-quote", with(4, "1,\"31\"32\n")),
    ]
}
