use super::*;

const K20: &[u8] = b"12345678901234567890";
const K32: &[u8] = b"12345678901234567890123456789012";
const K64: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";

fn p(algorithm: Algorithm, digits: u8, period: u32) -> OtpParams {
    OtpParams {
        algorithm,
        digits,
        period,
    }
}

#[test]
fn rfc4226_appendix_d() {
    let expected = [
        "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871",
        "520489",
    ];
    for (counter, code) in expected.iter().enumerate() {
        assert_eq!(
            hotp(K20, counter as u64, Algorithm::Sha1, 6).unwrap(),
            *code
        );
    }
}

#[test]
fn rfc6238_appendix_b() {
    let table: [(i64, &str, &str, &str); 6] = [
        (59, "94287082", "46119246", "90693936"),
        (1111111109, "07081804", "68084774", "25091201"),
        (1111111111, "14050471", "67062674", "99943326"),
        (1234567890, "89005924", "91819424", "93441116"),
        (2000000000, "69279037", "90698825", "38618901"),
        (20000000000, "65353130", "77737706", "47863826"),
    ];
    for (t, sha1, sha256, sha512) in table {
        assert_eq!(
            totp(K20, &p(Algorithm::Sha1, 8, 30), t).unwrap(),
            sha1,
            "SHA1 {t}"
        );
        assert_eq!(
            totp(K32, &p(Algorithm::Sha256, 8, 30), t).unwrap(),
            sha256,
            "SHA256 {t}"
        );
        assert_eq!(
            totp(K64, &p(Algorithm::Sha512, 8, 30), t).unwrap(),
            sha512,
            "SHA512 {t}"
        );
    }
}

#[test]
fn ten_and_four_digit_codes() {
    // Independently computed with Python's hmac module.
    let ten = [
        "1284755224",
        "1094287082",
        "0137359152",
        "1726969429",
        "1640338314",
        "0868254676",
        "1918287922",
        "0082162583",
        "0673399871",
        "0645520489",
    ];
    for (counter, code) in ten.iter().enumerate() {
        assert_eq!(
            hotp(K20, counter as u64, Algorithm::Sha1, 10).unwrap(),
            *code
        );
    }
    assert_eq!(
        totp(K20, &p(Algorithm::Sha256, 10, 30), 1234567890).unwrap(),
        "1642829826"
    );
    assert_eq!(totp(K20, &p(Algorithm::Sha1, 4, 30), 59).unwrap(), "7082");
}

#[test]
fn other_periods() {
    assert_eq!(
        totp(K20, &p(Algorithm::Sha1, 6, 1), 1234567890).unwrap(),
        "965462"
    );
    assert_eq!(
        totp(K20, &p(Algorithm::Sha1, 6, 60), 1234567890).unwrap(),
        "713351"
    );
    assert_eq!(
        totp(K20, &p(Algorithm::Sha512, 7, 60), 20000000000).unwrap(),
        "9751942"
    );
}

#[test]
fn extremes_do_not_panic() {
    assert_eq!(
        totp(K20, &OtpParams::default(), i64::MAX).unwrap(),
        "451934"
    );
    assert_eq!(hotp(K20, u64::MAX, Algorithm::Sha1, 8).unwrap(), "63094451");
    assert_eq!(time_step(i64::MAX, 1).unwrap(), i64::MAX as u64);
    assert_eq!(
        time_step(i64::MAX, u32::MAX).unwrap(),
        (i64::MAX as u64) / u64::from(u32::MAX)
    );
    // Past 2106 (beyond u32 seconds).
    assert_eq!(time_step(1 << 33, 30).unwrap(), (1u64 << 33) / 30);
}

#[test]
fn before_epoch_and_bad_params() {
    assert_eq!(time_step(-1, 30), Err(OtpError::BeforeEpoch));
    assert_eq!(
        totp(K20, &OtpParams::default(), -1),
        Err(OtpError::BeforeEpoch)
    );
    assert_eq!(
        totp(K20, &OtpParams::default(), i64::MIN),
        Err(OtpError::BeforeEpoch)
    );
    assert_eq!(time_step(0, 30), Ok(0));
    assert_eq!(time_step(10, 0), Err(OtpError::ZeroPeriod));
    assert_eq!(
        hotp(K20, 0, Algorithm::Sha1, 3),
        Err(OtpError::BadDigits(3))
    );
    assert_eq!(
        hotp(K20, 0, Algorithm::Sha1, 11),
        Err(OtpError::BadDigits(11))
    );
    assert_eq!(
        p(Algorithm::Sha1, 6, 0).validate(),
        Err(OtpError::ZeroPeriod)
    );
    assert_eq!(p(Algorithm::Sha1, 10, 1).validate(), Ok(()));
    assert!(OtpError::BeforeEpoch.to_string().contains("1970"));
}

#[test]
fn defaults() {
    assert_eq!(OtpParams::default(), p(Algorithm::Sha1, 6, 30));
}

#[test]
fn seconds_remaining_and_step_start() {
    assert_eq!(seconds_remaining(0, 30), 30);
    assert_eq!(seconds_remaining(29, 30), 1);
    assert_eq!(seconds_remaining(30, 30), 30);
    assert_eq!(seconds_remaining(59, 60), 1);
    assert_eq!(seconds_remaining(-1, 30), 1);
    assert_eq!(seconds_remaining(i64::MAX, 30), 30 - (i64::MAX % 30) as u32);
    assert_eq!(seconds_remaining(i64::MIN, u32::MAX), {
        let into = i64::MIN.rem_euclid(i64::from(u32::MAX));
        (i64::from(u32::MAX) - into) as u32
    });
    assert_eq!(seconds_remaining(5, 0), 0);
    assert_eq!(step_start(2, 30), 60);
    assert_eq!(step_start(u64::MAX, 30), i64::MAX);
    assert_eq!(step_start(u64::MAX, 0), 0);
    assert_eq!(
        step_start(time_step(20000000000, 30).unwrap(), 30),
        20000000000 - 20
    );
}

#[test]
fn algorithm_names() {
    for (s, a) in [
        ("SHA1", Algorithm::Sha1),
        ("sha1", Algorithm::Sha1),
        ("SHA-1", Algorithm::Sha1),
        ("sha-256", Algorithm::Sha256),
        ("SHA256", Algorithm::Sha256),
        ("HmacSHA512", Algorithm::Sha512),
        ("hmacsha256", Algorithm::Sha256),
        (" sha512 ", Algorithm::Sha512),
    ] {
        assert_eq!(s.parse::<Algorithm>().unwrap(), a, "{s}");
    }
    let e = "MD5".parse::<Algorithm>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown algorithm 'MD5': use SHA1, SHA256 or SHA512"
    );
    assert!("SHA3".parse::<Algorithm>().is_err());
    assert_eq!(Algorithm::Sha256.as_str(), "SHA256");
    assert_eq!(Algorithm::Sha512.to_string(), "SHA512");
    assert_eq!(Algorithm::Sha1.human(), "SHA-1");
}
