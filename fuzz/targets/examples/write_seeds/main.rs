//! Writes the seed corpus `fuzz/seeds/<target>/seed-*` from the core tests' fixtures, what
//! the emulated cards answer and core's own writers, plus edge cases:
//! `cargo run -p tokensmith-fuzz-targets --example write_seeds`. Files the fuzzer found
//! (`crash-*`, kept as regressions) are left alone.

mod bridge;
mod devices;
mod files;

use std::path::Path;

use data_encoding::BASE64;
use prost::Message;
use qrcode::{Color, QrCode};
use tokensmith_core::import::migration::{MigrationPayload, OtpParameters};
use tokensmith_core::import::qr::decode_luma;
use tokensmith_fuzz_targets::qr;

/// Seed files of one target: name (after `seed-`) and contents.
type Seeds = Vec<(&'static str, Vec<u8>)>;

const AUTO: u8 = 0;
const BASE32: u8 = 1;
const HEX: u8 = 2;

fn with_first(first: u8, text: &str) -> Vec<u8> {
    let mut v = vec![first];
    v.extend_from_slice(text.as_bytes());
    v
}

fn secret() -> Seeds {
    vec![
        ("base32", with_first(AUTO, "JBSWY3DPEHPK3PXP")),
        (
            "base32-grouped-lower",
            with_first(AUTO, "jbsw y3dp-ehpk 3pxp"),
        ),
        ("base32-padded", with_first(BASE32, "MZXW6===")),
        (
            "base32-bad-padding",
            with_first(BASE32, "JBSWY3DPEHPK3PXP======"),
        ),
        ("base32-misplaced-padding", with_first(BASE32, "MZ=XW6")),
        (
            "base32-invalid-char",
            with_first(BASE32, "JBSWY3DPEHPK3PX1JBSW"),
        ),
        ("base32-trailing-bits", with_first(BASE32, "AB")),
        ("base32-length", with_first(AUTO, "ABC")),
        (
            "hex-rfc",
            with_first(AUTO, "3132333435363738393031323334353637383930"),
        ),
        ("hex-colons", with_first(HEX, "0x31:32:33:34")),
        ("hex-odd", with_first(HEX, "0xABC")),
        ("hex-fallback", with_first(AUTO, "abcdef")),
        ("control-char", with_first(AUTO, "JBSW\u{7}Y3DP")),
        (
            "uri",
            with_first(AUTO, "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP"),
        ),
        ("empty", with_first(AUTO, "  ")),
        ("too-long", with_first(AUTO, &"A".repeat(208))),
    ]
}

fn otpauth() -> Seeds {
    [
        ("full", "otpauth://totp/ACME%20Co:john.doe%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co&algorithm=SHA256&digits=8&period=60"),
        ("escapes", "otpauth://totp/a%2Bb%20c%3Ad%26e%3Ff%25g%2Fh~i?secret=JBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30"),
        ("hotp-utf8", "otpauth://hotp/%C3%84:x?secret=JBSWY3DPEHPK3PXP&issuer=%C3%84&algorithm=SHA1&digits=6&counter=42"),
        ("google", "otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example"),
        ("plus-issuer", "otpauth://totp/bob+tag@x.com?secret=JBSWY3DPEHPK3PXP&issuer=Big+Corp"),
        ("encoded-separator", "otpauth://totp/Acme%3Abob?secret=JBSWY3DPEHPK3PXP&issuer=Acme"),
        ("max-counter", "otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=18446744073709551615"),
        ("sha-dash", "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=SHA-256#frag"),
        ("migration", "otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8"),
        ("no-slashes", "otpauth:totp/x?secret=A"),
        ("no-secret", "otpauth://totp/x?issuer=A"),
        ("bad-digits", "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=11&period=0"),
        ("bad-escape", "otpauth://totp/x%ZZ?secret=JBSWY3DPEHPK3PXP"),
        ("bad-secret", "otpauth://totp/x?secret=JBSWY3DPEHPK1PXP"),
        ("no-counter", "otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP"),
    ]
    .into_iter()
    .map(|(name, uri)| (name, uri.as_bytes().to_vec()))
    .collect()
}

fn param(
    secret: &[u8],
    name: &str,
    issuer: &str,
    algorithm: i32,
    digits: i32,
    ty: i32,
) -> OtpParameters {
    OtpParameters {
        secret: secret.to_vec(),
        name: name.into(),
        issuer: issuer.into(),
        algorithm,
        digits,
        r#type: ty,
        counter: 0,
    }
}

fn payload(params: Vec<OtpParameters>, index: i32, size: i32) -> Vec<u8> {
    MigrationPayload {
        otp_parameters: params,
        version: 1,
        batch_size: size,
        batch_index: index,
        batch_id: 77,
    }
    .encode_to_vec()
}

fn three_accounts() -> Vec<u8> {
    payload(
        vec![
            param(
                b"12345678901234567890",
                "alice@example.com",
                "Example",
                1,
                1,
                2,
            ),
            param(&[0xAB; 32], "Corp:bob", "Corp", 2, 2, 2),
            OtpParameters {
                counter: 42,
                ..param(&[1, 2, 3, 4, 5], "carol", "", 3, 1, 1)
            },
        ],
        1,
        3,
    )
}

fn migration() -> Seeds {
    let with_md5 = payload(
        vec![
            param(b"abcdefghij", "old", "Legacy", 4, 1, 2),
            param(b"abcdefghij", "new", "", 1, 1, 2),
            param(b"", "empty secret", "", 1, 1, 2),
            param(b"abcdefghij", "odd codes", "", 9, 7, 5),
        ],
        0,
        1,
    );
    let full = three_accounts();
    let mut seeds = vec![
        ("three-accounts", [&[0u8][..], &full].concat()),
        ("skipped-entries-urlsafe", [&[3u8][..], &with_md5].concat()),
        ("no-accounts", [&[1u8][..], &payload(vec![], 0, 1)].concat()),
        ("truncated", [&[0u8][..], &full[..full.len() - 20]].concat()),
        ("text-not-base64", b"\x04not base64!!".to_vec()),
    ];
    let text = BASE64.encode(&full);
    seeds.push(("text-padded", [&[4u8][..], text.as_bytes()].concat()));
    seeds
}

const AEGIS: &str = r#"{"version":1,"header":{"slots":null,"params":null},"db":{"version":2,"entries":[
  {"type":"totp","uuid":"a","name":"alice@example.com","issuer":"Example","note":"","icon":null,
   "info":{"secret":"JBSWY3DPEHPK3PXP","algo":"SHA256","digits":8,"period":60}},
  {"type":"hotp","uuid":"b","name":"bob","issuer":"","info":{"secret":"GEZDGNBVGY3TQOJQ","algo":"SHA1","digits":6,"counter":7}},
  {"type":"steam","uuid":"c","name":"gamer","issuer":"Steam","info":{"secret":"JBSWY3DPEHPK3PXP","algo":"SHA1","digits":5,"period":30}},
  {"type":"totp","uuid":"d","name":"typo","issuer":"X","info":{"secret":"JBSWY3DPEHPK3PX1","algo":"MD5","digits":6,"period":30}}
]}}"#;

const TWOFAS: &str = r#"{"services":[
  {"name":"Standard","secret":"54VEGZFJHM3BGDONFERMPUOKNGDJETGM","updatedAt":1,
   "otp":{"label":"Standard:Totp","account":"Totp","issuer":"Standard","digits":6,"period":30,"algorithm":null,"tokenType":"TOTP","source":"Link"}},
  {"name":"NoIssuer","secret":"KY2QJPMNQLSGSZE2C5F7AYBLBVEEDHFX",
   "otp":{"account":"me","digits":8,"period":60,"algorithm":"SHA512","tokenType":"TOTP"}},
  {"name":"Broken","secret":"not base32!","otp":{"tokenType":"TOTP"}},
  {"name":"Counter","secret":"JBSWY3DPEHPK3PXP","otp":{"tokenType":"HOTP","counter":5,"digits":99}}
],"groups":[],"schemaVersion":4}"#;

fn backup() -> Seeds {
    [
        ("aegis", AEGIS),
        ("aegis-encrypted", r#"{"version":1,"header":{"slots":[{"type":1}],"params":{"nonce":"00"}},"db":"BASE64CIPHERTEXT"}"#),
        ("aegis-no-entries", r#"{"header":{"slots":null},"db":{"version":2}}"#),
        ("twofas", TWOFAS),
        ("twofas-encrypted", r#"{"services":[],"servicesEncrypted":"abc:def:ghi","schemaVersion":4}"#),
        ("bom-twofas-empty", "\u{feff}{\"services\":[]}"),
        ("other-json", r#"{"tokens":[]}"#),
        ("not-json", "{oops"),
    ]
    .into_iter()
    .map(|(name, text)| (name, text.as_bytes().to_vec()))
    .collect()
}

/// `text` as a QR code, `scale` pixels a module, on a white square with a 2-module margin.
fn qr_picture(text: &str, scale: usize) -> Vec<u8> {
    let code = QrCode::new(text.as_bytes()).expect("fits in a QR code");
    let n = code.width();
    let colors = code.to_colors();
    let side = (n + 4) * scale;
    let mut luma = vec![255u8; side * side];
    for y in 0..n * scale {
        for x in 0..n * scale {
            if colors[(y / scale) * n + x / scale] == Color::Dark {
                luma[(y + 2 * scale) * side + x + 2 * scale] = 0;
            }
        }
    }
    qr::encode(u16::try_from(side).expect("small"), &luma)
}

fn qr_seeds() -> Seeds {
    let mut grainy = qr_picture("JBSWY3DPEHPK3PXP", 2);
    let mut seed = 12345u32;
    for p in grainy.iter_mut().skip(2) {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        *p = p.saturating_add((seed >> 24) as u8 / 2).saturating_sub(40);
    }
    let pictures = vec![
        ("secret-2px", qr_picture("JBSWY3DPEHPK3PXP", 2)),
        (
            "otpauth-1px",
            qr_picture(
                "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example",
                1,
            ),
        ),
        ("grainy", grainy),
        ("blank", qr::encode(40, &[255u8; 40 * 40])),
        ("ragged-rows", qr::encode(7, &[0u8; 30])),
        ("one-row", qr::encode(5000, &[128u8; qr::MAX_PIXELS])),
        ("empty", qr::encode(0, &[])),
    ];
    // The first three must reach the decoder's success path, or they seed nothing useful.
    for (name, data) in &pictures[..3] {
        let width = usize::from(u16::from_le_bytes([data[0], data[1]]));
        let luma = &data[2..];
        assert!(
            decode_luma(width, luma.len() / width, luma).is_ok(),
            "the {name} picture does not decode"
        );
    }
    pictures
}

fn classify() -> Seeds {
    let migration = format!(
        "otpauth-migration://offline?data={}",
        BASE64
            .encode(&three_accounts())
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D")
    );
    let mut seeds: Vec<(&'static str, String)> = vec![
        (
            "link",
            " otpauth://totp/ACME:jo?secret=JBSWY3DPEHPK3PXP&issuer=ACME&algorithm=SHA256\n".into(),
        ),
        (
            "hotp",
            "otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=3".into(),
        ),
        ("migration", migration),
        (
            "migration-no-data",
            "otpauth-migration://offline?x=1".into(),
        ),
        (
            "migration-bad-escape",
            "otpauth-migration://offline?data=%%%".into(),
        ),
        (
            "phonefactor",
            "phonefactor://activate_account?code=123&url=x".into(),
        ),
        ("fido", "FIDO:/1234567890123".into()),
        ("serial", "8659632001234".into()),
        ("web-link", "https://example.com/enrol?x=1".into()),
        ("note", "hello world, this is a note".into()),
        ("secret-typo", "JBSWY3DPEHPK3PX1JBSW".into()),
        ("secret-grouped", "jbsw y3dp ehpk 3pxp".into()),
        (
            "secret-hex",
            "3132333435363738393031323334353637383930".into(),
        ),
    ];
    seeds.push(("empty", String::new()));
    seeds
        .into_iter()
        .map(|(name, text)| (name, text.into_bytes()))
        .collect()
}

fn entra_csv() -> Seeds {
    const HEADER: &str = "upn,serial number,secret key,time interval,manufacturer,model";
    [
        ("written", format!("{HEADER}\r\nhelga@contoso.com,1234567,JBSWY3DPEHPK3PXP,30,Token2,C302-i\r\nbob@contoso.com,0012345,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,60,\"Contoso, Inc.\",\"Hardware \"\"Key\"\"\"\r\n")),
        ("legacy-bom-lf-any-order", "\u{feff} Model ,MANUFACTURER,timeinterval,secret key,Serial Number,UPN\nC301-i,Token2,60,jbsw y3dp ehpk 3pxp,000123,helga@contoso.com\n\nC302-i , Token2 , 30 ,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ, 0042 ,bob@contoso.com\n".into()),
        ("token2-toolset", "upn,serial number,secret key,timeinterval,manufacturer,model\r\na@b.com,8659632001,JBSWY3DPEHPK3PXP,30,Token2,C302-i\r\n".into()),
        ("bad-secret-after-blank", format!("{HEADER}\na@b.com,1,JBSWY3DPEHPK3PXP,30,T,M\n\nc@d.com,2,JBSW1Y3D,30,T,M\n")),
        ("bad-interval", format!("{HEADER}\nx@y.com,1,JBSWY3DPEHPK3PXP,thirty,T,M\n")),
        ("missing-column", "upn,serial number,secret key,time interval,manufacturer\nx@y.com,1,JBSWY3DPEHPK3PXP,30,T\n".into()),
        ("short-row", format!("{HEADER}\nx@y.com,1,JBSWY3DPEHPK3PXP\n")),
        ("invalid-for-entra", format!("{HEADER}\n=cmd,1,JBSWY3DPEHPK3PXP,45,,M\n,1,JBSWY3DPEHPK3PXP,30,T,M\n")),
        ("guest-unassigned", format!("{HEADER}\njo#EXT#@x.com,7,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,30,T,M\n,8,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,60,T,M\n")),
        ("empty", String::new()),
    ]
    .into_iter()
    .map(|(name, text)| (name, text.into_bytes()))
    .collect()
}

fn main() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../seeds");
    let targets: [(&str, Seeds); 19] = [
        ("secret", secret()),
        ("otpauth", otpauth()),
        ("migration", migration()),
        ("backup", backup()),
        ("qr", qr_seeds()),
        ("classify", classify()),
        ("entra_csv", entra_csv()),
        ("graph_json", files::graph_json()),
        ("pskc", files::pskc()),
        ("csv_formats", files::csv_formats()),
        ("replies", devices::replies()),
        ("session", devices::session()),
        ("card", devices::card()),
        ("api_requests", bridge::api_requests()),
        ("server", bridge::server()),
        ("results", bridge::results()),
        ("upn_map", bridge::upn_map()),
        ("burn_journal", bridge::burn_journal()),
        ("burn_journal_sealed", bridge::burn_journal_sealed()),
    ];
    for (target, files) in targets {
        let dir = seeds.join(target);
        std::fs::create_dir_all(&dir).expect("seed directory");
        for (name, data) in files {
            std::fs::write(dir.join(format!("seed-{name}")), data).expect("seed written");
        }
    }
}
