//! Cross-check against Debian's `oathtool` (OATH Toolkit), an independent
//! implementation: if both agree on hundreds of random keys, times, periods
//! and algorithms, a bug would have to be shared by two unrelated codebases.
//! Deliberately fails (never skips) when oathtool is missing.
#![cfg(not(target_arch = "wasm32"))]

use std::process::Command;

use tokensmith_core::{hotp, totp, Algorithm, OtpParams, Secret};

const CASES: usize = 240;
const HOTP_CASES: usize = 60;
/// Extra consecutive steps oathtool prints per call (`-w`), to batch work.
const WINDOW: u64 = 2;

/// SplitMix64: tiny, seeded, so every run checks the same cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

fn oathtool(args: &[String]) -> Vec<String> {
    let out = match Command::new("oathtool").args(args).output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("oathtool not found: install Debian's oathtool (cargo xtask test installs it)")
        }
        Err(e) => panic!("could not run oathtool: {e}"),
    };
    assert!(
        out.status.success(),
        "oathtool {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("oathtool prints ASCII")
        .lines()
        .map(str::to_owned)
        .collect()
}

fn random_time(rng: &mut Rng) -> i64 {
    let t = match rng.below(4) {
        0 => rng.below(1 << 31),
        1 => (1 << 31) + rng.below(1 << 31), // 2038 ..= 2106
        2 => (1 << 32) + rng.below(1 << 34), // beyond u32 seconds
        _ => 1_700_000_000 + rng.below(1 << 28),
    };
    i64::try_from(t).unwrap()
}

#[test]
fn totp_matches_oathtool() {
    let mut rng = Rng(0x7045_6e5d_2026);
    let periods = [30u32, 60, 1, 7, 45, 90];
    let mut compared = 0;
    for case in 0..CASES {
        let len = 1 + rng.below(64) as usize;
        let key = Secret::from_bytes(rng.bytes(len)).unwrap();
        let algorithm = Algorithm::ALL[case % 3];
        let params = OtpParams {
            algorithm,
            digits: 6 + rng.below(3) as u8,
            period: periods[rng.below(periods.len() as u64) as usize],
        };
        let t = random_time(&mut rng);
        let codes = oathtool(&[
            format!("--totp={}", algorithm.as_str()),
            format!("--digits={}", params.digits),
            format!("--time-step-size={}s", params.period),
            format!("--now=@{t}"),
            format!("--window={WINDOW}"),
            key.to_hex().to_string(),
        ]);
        assert_eq!(codes.len(), WINDOW as usize + 1, "case {case}: {codes:?}");
        for (i, expected) in codes.iter().enumerate() {
            let when = t + i as i64 * i64::from(params.period);
            let ours = totp(key.as_bytes(), &params, when).unwrap();
            assert_eq!(
                &ours,
                expected,
                "case {case}: {} bytes, {params:?}, t={when}",
                key.len()
            );
            compared += 1;
        }
    }
    assert_eq!(compared, CASES * (WINDOW as usize + 1));
}

#[test]
fn hotp_matches_oathtool() {
    let mut rng = Rng(0x407e_2026);
    for case in 0..HOTP_CASES {
        let len = 1 + rng.below(64) as usize;
        let key = Secret::from_bytes(rng.bytes(len)).unwrap();
        let digits = 6 + rng.below(3) as u8;
        let counter = match case % 3 {
            0 => rng.below(1000),
            1 => rng.below(1 << 32),
            _ => rng.next() >> 1,
        };
        let codes = oathtool(&[
            "--hotp".into(),
            format!("--counter={counter}"),
            format!("--digits={digits}"),
            format!("--window={WINDOW}"),
            key.to_hex().to_string(),
        ]);
        assert_eq!(codes.len(), WINDOW as usize + 1, "case {case}: {codes:?}");
        for (i, expected) in codes.iter().enumerate() {
            let ours = hotp(key.as_bytes(), counter + i as u64, Algorithm::Sha1, digits).unwrap();
            assert_eq!(
                &ours,
                expected,
                "case {case}: counter {}",
                counter + i as u64
            );
        }
    }
}
