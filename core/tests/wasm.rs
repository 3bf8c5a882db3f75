//! The same logic inside a real browser: the page runs this code as
//! WebAssembly, where the CSPRNG comes from `crypto.getRandomValues` and
//! integer widths differ from the native build.
#![cfg(target_arch = "wasm32")]

use tokensmith_core::{
    totp, write_csv, Algorithm, Encoding, OtpAuth, OtpParams, Secret, TokenRecord,
};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn rfc6238_vectors() {
    let cases: [(Algorithm, &[u8], i64, &str); 6] = [
        (Algorithm::Sha1, b"12345678901234567890", 59, "94287082"),
        (
            Algorithm::Sha1,
            b"12345678901234567890",
            20000000000,
            "65353130",
        ),
        (
            Algorithm::Sha256,
            b"12345678901234567890123456789012",
            1111111109,
            "68084774",
        ),
        (
            Algorithm::Sha256,
            b"12345678901234567890123456789012",
            20000000000,
            "77737706",
        ),
        (
            Algorithm::Sha512,
            b"1234567890123456789012345678901234567890123456789012345678901234",
            1234567890,
            "93441116",
        ),
        (
            Algorithm::Sha512,
            b"1234567890123456789012345678901234567890123456789012345678901234",
            20000000000,
            "47863826",
        ),
    ];
    for (algorithm, key, t, code) in cases {
        let params = OtpParams {
            algorithm,
            digits: 8,
            period: 30,
        };
        assert_eq!(totp(key, &params, t).unwrap(), code);
    }
}

#[wasm_bindgen_test]
fn generate_uses_the_browser_csprng() {
    let a = Secret::generate(20, None).unwrap();
    let b = Secret::generate(20, Some(b"extra")).unwrap();
    assert_eq!((a.len(), b.len()), (20, 20));
    assert_ne!(a, b);
    assert_ne!(a, Secret::generate(20, None).unwrap());
}

#[wasm_bindgen_test]
fn base32_round_trip() {
    for len in 1..=64usize {
        let bytes: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
        let s = Secret::from_bytes(bytes).unwrap();
        let back = Secret::parse(&s.to_base32_grouped(), Encoding::Auto).unwrap();
        assert_eq!(back.secret, s);
    }
}

#[wasm_bindgen_test]
fn otpauth_round_trip() {
    let secret = Secret::parse("JBSWY3DPEHPK3PXP", Encoding::Base32)
        .unwrap()
        .secret;
    let a = OtpAuth::totp(Some("ACME Co".into()), "jöhn@example.com".into(), secret);
    assert_eq!(OtpAuth::parse(&a.to_uri()).unwrap(), a);
}

#[wasm_bindgen_test]
fn csv_write() {
    let record = TokenRecord {
        upn: "helga@contoso.com".into(),
        serial: "0012345".into(),
        secret: Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap(),
        interval: 30,
        manufacturer: "Token2".into(),
        model: "C302-i".into(),
        algorithm: Algorithm::Sha1,
        profile: None,
        display_name: None,
    };
    assert_eq!(
        write_csv(&[record]).unwrap().as_str(),
        "upn,serial number,secret key,time interval,manufacturer,model\r\n\
         helga@contoso.com,0012345,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,30,Token2,C302-i\r\n"
    );
}

/// PSKC encryption draws IVs, MAC keys and salts from the browser's CSPRNG;
/// RFC 6030's own example (figure 7) must open the same way as natively.
#[wasm_bindgen_test]
fn pskc_encrypts_and_reads_back_in_the_browser() {
    use tokensmith_core::formats::pskc::{self, PresharedKey, Protection, Unlock};
    use tokensmith_core::OathToken;

    let tokens = vec![OathToken::from(TokenRecord {
        upn: "alice@contoso.com".into(),
        serial: "0042".into(),
        secret: Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap(),
        interval: 30,
        manufacturer: "Token2".into(),
        model: "C202".into(),
        algorithm: Algorithm::Sha1,
        profile: None,
        display_name: None,
    })];
    let key = PresharedKey::generate().unwrap();
    let xml = pskc::write(
        &tokens,
        Protection::PresharedKey {
            key: &key,
            key_name: "k",
        },
    )
    .unwrap();
    assert_eq!(
        pskc::read(&xml, Unlock::PresharedKey(key.as_bytes())).unwrap(),
        tokens
    );
    let figure7 = include_str!("fixtures/rfc6030-figure7.xml");
    let read = pskc::read(figure7, Unlock::Password("qwerty")).unwrap();
    assert_eq!(read[0].record.secret.as_bytes(), b"12345678901234567890");
}
