//! The page and the bridge agree on every burn: each model × parameter combination goes
//! through the page-side verdict (core's `caps::check`, which the page's presets and review
//! call) and the bridge-side verdict (`plan_burn`, which also encodes the values for the
//! device), and both must say the same. A combination the page offers and the bridge refuses
//! (or the other way round) is a burn that fails after the user was told it would work.

use hardware_bridge::device::plan::{plan_burn, BurnParams};
use tokensmith_core::caps::{self, Family, Model};
use tokensmith_core::otp::{Algorithm, OtpParams};
use tokensmith_core::secret::Secret;

fn page_verdict(model: Model, p: &BurnParams, secret: &Secret) -> bool {
    let display = match p.display_timeout.map(caps::DisplayTimeout::try_from) {
        Some(Err(_)) => return false,
        Some(Ok(d)) => Some(d),
        None => None,
    };
    let params = caps::Params {
        otp: OtpParams {
            algorithm: p.algorithm.unwrap_or_default(),
            digits: p.digits.unwrap_or(6),
            period: p.period.unwrap_or(30),
        },
        display_timeout: display,
        profile: p.profile,
        title: p.title.as_deref(),
        seed_len: Some(secret.len()),
        account: p.account.as_deref(),
        issuer: p.issuer.as_deref(),
        touch: p.touch,
        firmware: None,
        complete: true,
    };
    caps::check(model, &params).is_ok()
}

#[test]
fn page_and_bridge_give_the_same_verdict_for_every_combination() {
    let secrets = [
        Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap(),
        Secret::from_bytes(vec![7; 64]).unwrap(),
    ];
    let burnable = Model::ALL
        .into_iter()
        .filter(|m| m.caps().family != Family::App);
    let (mut combinations, mut accepted) = (0u32, 0u32);
    for model in burnable {
        for secret in &secrets {
            for algorithm in Algorithm::ALL {
                for digits in [4, 5, 6, 7, 8, 9, 10] {
                    for period in [0, 30, 45, 60] {
                        for display in [None, Some(15), Some(30), Some(45), Some(120)] {
                            for profile in [None, Some(0), Some(49), Some(50), Some(99), Some(100)]
                            {
                                for title in [None, Some("GitHub"), Some("thirteen byte")] {
                                    for account in [None, Some("alice")] {
                                        for touch in [false, true] {
                                            let p = BurnParams {
                                                algorithm: Some(algorithm),
                                                digits: Some(digits),
                                                period: Some(period),
                                                display_timeout: display,
                                                profile,
                                                title: title.map(String::from),
                                                account: account.map(String::from),
                                                issuer: account.map(|_| "Example".into()),
                                                touch,
                                                ..BurnParams::default()
                                            };
                                            let page = page_verdict(model, &p, secret);
                                            let bridge = plan_burn(model, None, &p, secret);
                                            assert_eq!(
                                                page,
                                                bridge.is_ok(),
                                                "{model:?} {p:?} seed {} bytes: page {page}, bridge {bridge:?}",
                                                secret.len()
                                            );
                                            combinations += 1;
                                            accepted += u32::from(page);
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    // Both verdicts occur for real: the loop above is not comparing refusals only.
    assert!(
        accepted > 1000 && accepted < combinations / 2,
        "{accepted} of {combinations}"
    );
}

#[test]
fn the_bridge_uses_the_defaults_the_page_shows() {
    // Nothing given: SHA-1, 6 digits, 30 s (and a 30 s display on a token with one).
    let secret = Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap();
    let p = BurnParams::default();
    for model in [Model::C301, Model::C302, Model::OtpcP2, Model::MiniOtp3] {
        assert!(page_verdict(model, &p, &secret));
        let plan = plan_burn(model, None, &p, &secret).unwrap();
        assert_eq!(plan.params(), OtpParams::default());
    }
}
