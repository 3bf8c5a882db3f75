use super::*;

fn hello() -> Secret {
    Secret::from_bytes(b"Hello!\xde\xad\xbe\xef".to_vec()).unwrap()
}

fn err(uri: &str) -> OtpAuthError {
    OtpAuth::parse(uri).unwrap_err()
}

#[test]
fn exact_uri_for_known_input() {
    let a = OtpAuth {
        kind: Kind::Totp,
        issuer: Some("ACME Co".into()),
        account: "john.doe@example.com".into(),
        secret: hello(),
        params: OtpParams {
            algorithm: Algorithm::Sha256,
            digits: 8,
            period: 60,
        },
    };
    assert_eq!(
        a.to_uri().as_str(),
        "otpauth://totp/ACME%20Co:john.doe%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co&algorithm=SHA256&digits=8&period=60"
    );
    let plain = OtpAuth::totp(None, "a+b c:d&e?f%g/h~i".into(), hello());
    assert_eq!(
        plain.to_uri().as_str(),
        "otpauth://totp/a%2Bb%20c%3Ad%26e%3Ff%25g%2Fh~i?secret=JBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30"
    );
    let hotp = OtpAuth {
        kind: Kind::Hotp { counter: 42 },
        ..OtpAuth::totp(Some("Ä".into()), "x".into(), hello())
    };
    assert_eq!(
        hotp.to_uri().as_str(),
        "otpauth://hotp/%C3%84:x?secret=JBSWY3DPEHPK3PXP&issuer=%C3%84&algorithm=SHA1&digits=6&counter=42"
    );
}

#[test]
fn google_key_uri_example() {
    let a = OtpAuth::parse(
        "otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example",
    )
    .unwrap();
    assert_eq!(a.kind, Kind::Totp);
    assert_eq!(a.issuer.as_deref(), Some("Example"));
    assert_eq!(a.account, "alice@google.com");
    assert_eq!(a.secret, hello());
    assert_eq!(a.params, OtpParams::default());
}

#[test]
fn lenient_forms() {
    let a = OtpAuth::parse("OTPAUTH://TOTP/ACME%20Co:%20john@example.com?SECRET=jbsw%20y3dp-ehpk3pxp&ALGORITHM=sha512&digits=8&period=60&image=https%3A%2F%2Fx%2Fy.png&color=red#frag")
        .unwrap();
    assert_eq!(a.issuer.as_deref(), Some("ACME Co"));
    assert_eq!(a.account, "john@example.com");
    assert_eq!(a.secret, hello());
    assert_eq!(a.params.algorithm, Algorithm::Sha512);
    assert_eq!((a.params.digits, a.params.period), (8, 60));

    // Label without issuer, '+' in a query value means a space.
    let a = OtpAuth::parse("otpauth://totp/bob?secret=JBSWY3DPEHPK3PXP&issuer=Big+Corp").unwrap();
    assert_eq!(
        (a.issuer.as_deref(), a.account.as_str()),
        (Some("Big Corp"), "bob")
    );

    // '+' in the label stays a plus.
    let a = OtpAuth::parse("otpauth://totp/bob+tag@x.com?secret=JBSWY3DPEHPK3PXP").unwrap();
    assert_eq!((a.issuer, a.account.as_str()), (None, "bob+tag@x.com"));

    // The issuer parameter wins over a different label prefix.
    let a = OtpAuth::parse("otpauth://totp/Old:bob?secret=JBSWY3DPEHPK3PXP&issuer=New").unwrap();
    assert_eq!(
        (a.issuer.as_deref(), a.account.as_str()),
        (Some("New"), "bob")
    );

    // Encoded %3A separator when it agrees with the issuer parameter.
    let a =
        OtpAuth::parse("otpauth://totp/Acme%3Abob?secret=JBSWY3DPEHPK3PXP&issuer=Acme").unwrap();
    assert_eq!(
        (a.issuer.as_deref(), a.account.as_str()),
        (Some("Acme"), "bob")
    );
    // ...but otherwise it is part of the account.
    let a = OtpAuth::parse("otpauth://totp/a%3Ab?secret=JBSWY3DPEHPK3PXP").unwrap();
    assert_eq!((a.issuer, a.account.as_str()), (None, "a:b"));

    let a = OtpAuth::parse("otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=18446744073709551615")
        .unwrap();
    assert_eq!(a.kind, Kind::Hotp { counter: u64::MAX });

    let a = OtpAuth::parse("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=SHA-256").unwrap();
    assert_eq!(a.params.algorithm, Algorithm::Sha256);
}

#[test]
fn scheme_and_type_errors() {
    assert_eq!(err("JBSWY3DPEHPK3PXP"), OtpAuthError::NotAUri);
    assert_eq!(err("  "), OtpAuthError::NotAUri);
    let e = err("otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8");
    assert_eq!(e, OtpAuthError::GoogleExport);
    assert!(e
        .to_string()
        .contains("Google Authenticator export, not a single account"));
    let e = err("https://example.com/totp?secret=JBSWY3DPEHPK3PXP");
    assert_eq!(e, OtpAuthError::WrongScheme("https".into()));
    assert!(e.to_string().contains("'https'"));
    assert_eq!(err("otpauth:totp/x?secret=A"), OtpAuthError::MissingSlashes);
    let e = err("otpauth://motp/x?secret=JBSWY3DPEHPK3PXP");
    assert_eq!(e, OtpAuthError::BadType("motp".into()));
    assert!(e.to_string().contains("totp or hotp"));
}

#[test]
fn value_errors() {
    let base = "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP";
    let e = err("otpauth://totp/x?issuer=A");
    assert_eq!(e, OtpAuthError::MissingSecret);
    assert_eq!(e.to_string(), "the URI has no secret= parameter");
    assert_eq!(
        err("otpauth://totp/x?secret="),
        OtpAuthError::BadSecret(ParseError::Empty)
    );
    assert_eq!(
        err(&format!("{base}&algorithm=MD5")),
        OtpAuthError::BadAlgorithm("MD5".into())
    );
    for d in ["3", "11", "six", "", "-6"] {
        assert_eq!(
            err(&format!("{base}&digits={d}")),
            OtpAuthError::BadDigits(d.into()),
            "{d}"
        );
    }
    for p in ["0", "thirty", "-30", "4294967296"] {
        assert_eq!(
            err(&format!("{base}&period={p}")),
            OtpAuthError::BadPeriod(p.into()),
            "{p}"
        );
    }
    assert_eq!(
        err("otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP"),
        OtpAuthError::MissingCounter
    );
    assert_eq!(
        err("otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=-1"),
        OtpAuthError::BadCounter("-1".into())
    );
    assert_eq!(
        err("otpauth://totp/x%ZZ?secret=JBSWY3DPEHPK3PXP"),
        OtpAuthError::BadEncoding("label")
    );
    assert_eq!(
        err(&format!("{base}&issuer=100%")),
        OtpAuthError::BadEncoding("query")
    );
    assert_eq!(
        err(&format!("{base}&issuer=%FF")),
        OtpAuthError::BadEncoding("query")
    );
}

#[test]
fn secret_errors_carry_context_but_not_the_secret() {
    let e = err("otpauth://totp/x?secret=JBSWY3DPEHPK1PXP");
    assert_eq!(
        e,
        OtpAuthError::BadSecret(ParseError::InvalidChar {
            position: 13,
            ch: '1',
            encoding: Encoding::Base32
        })
    );
    let msg = e.to_string();
    assert!(
        msg.starts_with(
            "the secret in the URI is not valid base32: invalid character '1' at position 13"
        ),
        "{msg}"
    );
    assert!(!msg.contains("JBSW") && !msg.contains("PXP"), "{msg}");
    let msg = err("otpauth://totp/x?secret=JBSWY3DPE").to_string();
    assert!(msg.contains("truncated") && !msg.contains("JBSW"), "{msg}");
    // Hex is not accepted in a URI: otpauth secrets are always base32.
    assert!(matches!(
        err("otpauth://totp/x?secret=0x3132"),
        OtpAuthError::BadSecret(_)
    ));
}

#[cfg(not(target_arch = "wasm32"))]
mod props {
    use super::*;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        // Includes the troublesome characters; no leading/trailing spaces,
        // which the parser trims by design.
        "[a-zA-Z0-9:&?%#=+/ éßü€😀@._~-]{1,20}"
            .prop_map(|s| s.trim().to_string())
            .prop_filter("non-empty after trim", |s| !s.is_empty())
    }

    fn algorithm() -> impl Strategy<Value = Algorithm> {
        prop_oneof![
            Just(Algorithm::Sha1),
            Just(Algorithm::Sha256),
            Just(Algorithm::Sha512)
        ]
    }

    proptest! {
        #[test]
        fn build_then_parse(
            issuer in proptest::option::of(text()),
            account in text(),
            bytes in proptest::collection::vec(any::<u8>(), 1..=64),
            algorithm in algorithm(),
            digits in 4u8..=10,
            period in 1u32..=600,
            hotp_counter in proptest::option::of(any::<u64>()),
        ) {
            let a = OtpAuth {
                kind: hotp_counter.map_or(Kind::Totp, |counter| Kind::Hotp { counter }),
                issuer,
                account,
                secret: Secret::from_bytes(bytes).unwrap(),
                params: OtpParams { algorithm, digits, period: if hotp_counter.is_some() { 30 } else { period } },
            };
            let uri = a.to_uri();
            prop_assert!(!uri.contains(' ') && !uri.contains('+'));
            let back = OtpAuth::parse(&uri).unwrap();
            prop_assert_eq!(back, a);
        }

        #[test]
        fn parse_never_panics(s in "otpauth://[th]otp/\\PC{0,30}") {
            let _ = OtpAuth::parse(&s);
        }
    }
}
