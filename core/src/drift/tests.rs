use super::*;
use crate::otp::totp;

const KEY: &[u8] = b"12345678901234567890";
const HOST: i64 = 1_700_000_000;

fn params(algorithm: Algorithm, digits: u8, period: u32) -> OtpParams {
    OtpParams {
        algorithm,
        digits,
        period,
    }
}

fn code_at(p: &OtpParams, t: i64) -> String {
    totp(KEY, p, t).unwrap()
}

#[test]
fn token_ninety_seconds_behind() {
    let p = OtpParams::default();
    let r = find_drift(KEY, &p, &code_at(&p, HOST - 90), HOST, 10).unwrap();
    assert_eq!(
        r.matches,
        vec![DriftMatch {
            steps: -3,
            seconds: -90,
            verdict: Verdict::WithinAdvice
        }]
    );
    assert!(r.alternatives.is_empty());
    assert!(r.suggestions().is_empty());
    let text = r.best().unwrap().describe();
    assert!(
        text.starts_with(
            "matches at \u{2212}90 s (3 steps behind): outside Entra's sign-in tolerance"
        ),
        "{text}"
    );
    let ascii_minus_number = text
        .as_bytes()
        .windows(2)
        .any(|w| w[0] == b'-' && w[1].is_ascii_digit());
    assert!(!ascii_minus_number, "human text uses U+2212: {text}");
    assert_eq!(
        r.best().unwrap().seconds.to_string(),
        "-90",
        "machine fields use ASCII"
    );
}

#[test]
fn in_sync_and_ahead() {
    let p = OtpParams::default();
    let r = find_drift(KEY, &p, &code_at(&p, HOST), HOST, 2).unwrap();
    assert_eq!(r.matches.len(), 1);
    assert_eq!(r.matches[0].verdict, Verdict::InSync);
    assert_eq!(
        r.matches[0].describe(),
        "matches now: the token clock is in sync"
    );

    let p60 = params(Algorithm::Sha1, 6, 60);
    let r = find_drift(KEY, &p60, &code_at(&p60, HOST + 120), HOST, 5).unwrap();
    let m = r.matches[0];
    assert_eq!(
        (m.steps, m.seconds, m.verdict),
        (2, 120, Verdict::WithinSignIn)
    );
    assert_eq!(
        m.describe(),
        "matches at +120 s (2 steps ahead): within Entra's sign-in tolerance"
    );

    let r = find_drift(KEY, &p, &code_at(&p, HOST + 30), HOST, 5).unwrap();
    assert!(r.matches[0].describe().contains("(1 step ahead)"));
}

#[test]
fn verdict_thresholds() {
    for (seconds, period, verdict) in [
        (0, 30, Verdict::InSync),
        (30, 30, Verdict::WithinSignIn),
        (-60, 30, Verdict::WithinSignIn),
        (-90, 30, Verdict::WithinAdvice),
        (120, 60, Verdict::WithinSignIn),
        (-180, 60, Verdict::WithinAdvice),
        (420, 30, Verdict::WithinAdvice),
        (-420, 60, Verdict::WithinAdvice),
        (450, 30, Verdict::AdjustClock),
        (-480, 60, Verdict::AdjustClock),
        (60, 10, Verdict::WithinSignIn),
        (70, 10, Verdict::WithinAdvice),
        (200, 100, Verdict::WithinSignIn),
    ] {
        assert_eq!(
            Verdict::classify(seconds, period),
            verdict,
            "{seconds} s @ {period}"
        );
    }
    assert_eq!(sign_in_tolerance_seconds(30), 60);
    assert_eq!(sign_in_tolerance_seconds(60), 120);
    assert!(Verdict::AdjustClock.describe().contains("420 s"));
}

#[test]
fn matches_are_ordered_by_distance_then_behind_first() {
    // Four digits over a wide window gives several chance matches.
    let p = params(Algorithm::Sha1, 4, 30);
    let code = code_at(&p, HOST + 300);
    let r = find_drift(KEY, &p, &code, HOST, 20_000).unwrap();
    assert!(r.matches.len() >= 2, "{:?}", r.matches);
    assert!(r.matches.iter().any(|m| m.steps == 10));
    for w in r.matches.windows(2) {
        let key = |m: &DriftMatch| (m.steps.unsigned_abs(), m.steps > 0);
        assert!(key(&w[0]) < key(&w[1]), "{:?}", r.matches);
    }
    for m in &r.matches {
        assert_eq!(m.seconds, m.steps * 30);
        assert_eq!(code_at(&p, HOST + m.seconds), code);
    }
}

#[test]
fn no_match_gives_suggestions() {
    let p = OtpParams::default();
    let far = code_at(&p, HOST + 10 * 86_400);
    let r = find_drift(KEY, &p, &far, HOST, 10).unwrap();
    assert!(r.matches.is_empty());
    assert!(r.best().is_none());
    let s = r.suggestions().join("\n");
    for needle in ["SHA-256", "60 s", "6 digits", "seed", "UTC", "dashes"] {
        assert!(s.contains(needle), "missing {needle}: {s}");
    }
}

#[test]
fn other_algorithm_is_named() {
    let p = OtpParams::default();
    let sha256 = params(Algorithm::Sha256, 6, 30);
    let r = find_drift(KEY, &p, &code_at(&sha256, HOST), HOST, 10).unwrap();
    assert!(r.matches.is_empty());
    assert!(r.alternatives.contains(&Alternative::Params {
        algorithm: Algorithm::Sha256,
        period: 30,
        seconds: 0
    }));
    assert_eq!(
        r.suggestions()[0],
        "matches at 0 s if the token uses SHA-256"
    );
}

#[test]
fn other_period_is_named() {
    let p = OtpParams::default();
    let p60 = params(Algorithm::Sha1, 6, 60);
    let r = find_drift(KEY, &p, &code_at(&p60, HOST - 60), HOST, 10).unwrap();
    assert!(r.matches.is_empty());
    let first = &r.suggestions()[0];
    assert_eq!(
        first,
        "matches at \u{2212}60 s if the token has a 60 s time step"
    );
}

#[test]
fn local_time_clock_is_recognised() {
    let p = OtpParams::default();
    let r = find_drift(KEY, &p, &code_at(&p, HOST + 3600), HOST, 10).unwrap();
    assert!(r.matches.is_empty());
    assert_eq!(
        r.alternatives,
        vec![Alternative::TimeZone { seconds: 3600 }]
    );
    assert_eq!(
        r.suggestions()[0],
        "matches at +3600 s: the token clock is set to local time (UTC+1) instead of UTC"
    );

    let r = find_drift(KEY, &p, &code_at(&p, HOST + 19_800 - 30), HOST, 10).unwrap();
    assert_eq!(
        r.alternatives,
        vec![Alternative::TimeZone { seconds: 19_770 }]
    );
    assert!(r.suggestions()[0].contains("(UTC+5:30)"));

    let r = find_drift(KEY, &p, &code_at(&p, HOST - 5 * 3600), HOST, 10).unwrap();
    assert!(
        r.suggestions()[0].contains("\u{2212}18000 s")
            && r.suggestions()[0].contains("UTC\u{2212}5)")
    );

    // A window wide enough to include the offset finds it as a plain match.
    let r = find_drift(KEY, &p, &code_at(&p, HOST + 3600), HOST, 200).unwrap();
    assert_eq!(r.best().unwrap().seconds, 3600);
    assert_eq!(r.best().unwrap().verdict, Verdict::AdjustClock);
}

#[test]
fn bad_codes_are_explained() {
    let p = OtpParams::default();
    assert_eq!(
        find_drift(KEY, &p, "12a456", HOST, 5).unwrap_err(),
        DriftError::NonDigit {
            position: 3,
            ch: 'a'
        }
    );
    let e = find_drift(KEY, &p, "12345", HOST, 5).unwrap_err();
    assert_eq!(
        e,
        DriftError::WrongLength {
            got: 5,
            expected: 6
        }
    );
    assert_eq!(
        e.to_string(),
        "the code has 5 digits but the token is set to 6"
    );
    assert_eq!(
        find_drift(KEY, &p, "  ", HOST, 5).unwrap_err(),
        DriftError::EmptyCode
    );
    assert_eq!(
        find_drift(KEY, &p, "--", HOST, 5).unwrap_err(),
        DriftError::NonDigit {
            position: 1,
            ch: '-'
        }
    );
    assert!(matches!(
        find_drift(KEY, &p, "123456", HOST, MAX_WINDOW_STEPS + 1).unwrap_err(),
        DriftError::WindowTooLarge(_)
    ));
    assert_eq!(
        find_drift(KEY, &p, "123456", -5, 5).unwrap_err(),
        DriftError::Otp(OtpError::BeforeEpoch)
    );
    // Spaces inside the code are fine.
    let code = code_at(&p, HOST);
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    assert_eq!(
        find_drift(KEY, &p, &spaced, HOST, 1).unwrap().matches[0].steps,
        0
    );
}

#[test]
fn near_epoch_and_far_future_do_not_panic() {
    let p = OtpParams::default();
    let r = find_drift(KEY, &p, &code_at(&p, 0), 30, 5).unwrap();
    assert_eq!(r.matches[0].steps, -1);
    let t = i64::MAX - 10;
    let r = find_drift(KEY, &p, &code_at(&p, t), t, 5).unwrap();
    assert_eq!(r.matches[0].steps, 0);
    let _ = find_drift(KEY, &p, "000000", i64::MAX, 3).unwrap();
}

#[test]
fn signed_seconds_rendering() {
    assert_eq!(signed_seconds(-90), "\u{2212}90 s");
    assert_eq!(signed_seconds(3600), "+3600 s");
    assert_eq!(signed_seconds(0), "0 s");
    assert_eq!(signed_seconds(i64::MIN), "\u{2212}9223372036854775808 s");
}
