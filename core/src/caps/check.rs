//! The one check: everything a model cannot hold of a burn's or a record's settings.

use super::{Account, Caps, Feature, Firmware, Model, Params, Refusal, Touch};
use crate::otp::Algorithm;

/// Every reason `model` cannot hold `p`, or `Ok` when it can. Checks only what `p` says: a
/// `None` field is not a refusal, unless `p.complete` and the model needs it (a profile slot
/// on a Molto2, an account name on an OATH key).
pub fn check(model: Model, p: &Params) -> Result<(), Vec<Refusal>> {
    let caps = model.caps();
    let mut out = Vec::new();
    let otp = p.otp;
    if !caps.allows_algorithm(otp.algorithm) {
        out.push(Refusal::Algorithm {
            model,
            algorithm: otp.algorithm,
        });
    } else if otp.algorithm == Algorithm::Sha512 {
        firmware_rule(caps, Feature::Sha512, p.firmware, &mut out);
    }
    if !caps.allows_digits(otp.digits) {
        out.push(Refusal::Digits {
            model,
            digits: otp.digits,
        });
    }
    if !caps.allows_period(otp.period) {
        out.push(Refusal::Period {
            model,
            period: otp.period,
        });
    }
    if let Some(d) = p.display_timeout {
        if !caps.display_timeouts.contains(&d) {
            out.push(Refusal::DisplayTimeout { model, timeout: d });
        }
    }
    check_profile(caps, p, &mut out);
    check_names(caps, p, &mut out);
    if let Some(n) = p.seed_len {
        let (min, max) = caps.seed_bytes;
        if !(min..=max).contains(&n) {
            out.push(Refusal::SeedLength { model, bytes: n });
        }
    }
    if p.touch {
        match caps.touch {
            Touch::None => out.push(Refusal::Touch { model }),
            Touch::Available => firmware_rule(caps, Feature::Touch, p.firmware, &mut out),
        }
    }
    if out.is_empty() {
        Ok(())
    } else {
        Err(out)
    }
}

/// Whether `model` (with `firmware`, when read) can do `feature`: SHA-512 and touch as a burn
/// checks them, the OATH management features by the model's list and firmware rules.
pub fn check_feature(
    model: Model,
    feature: Feature,
    firmware: Option<Firmware>,
) -> Result<(), Refusal> {
    let caps = model.caps();
    let offered = match feature {
        Feature::Sha512 => caps.allows_algorithm(Algorithm::Sha512),
        Feature::Touch => caps.touch == Touch::Available,
        // A firmware rule only: any OATH key stores any name.
        Feature::PrefixName => caps.name_bytes.is_some(),
        other => caps.features.contains(&other),
    };
    if !offered {
        return Err(Refusal::Unsupported { model, feature });
    }
    let mut out = Vec::new();
    firmware_rule(caps, feature, firmware, &mut out);
    out.pop().map_or(Ok(()), Err)
}

fn firmware_rule(caps: &Caps, feature: Feature, has: Option<Firmware>, out: &mut Vec<Refusal>) {
    if let (Some(needs), Some(has)) = (caps.needs_firmware(feature), has) {
        if has < needs {
            out.push(Refusal::Firmware {
                model: caps.model,
                feature,
                needs,
                has,
            });
        }
    }
}

fn check_profile(caps: &Caps, p: &Params, out: &mut Vec<Refusal>) {
    let model = caps.model;
    match (caps.profiles, p.profile) {
        (Some(_), None) if p.complete => out.push(Refusal::ProfileMissing { model }),
        (Some(n), Some(profile)) if profile >= n => {
            out.push(Refusal::ProfileRange { model, profile });
        }
        (None, Some(_)) => out.push(Refusal::ProfileUnused { model }),
        _ => {}
    }
    match (caps.title_bytes, p.title) {
        (Some(max), Some(t)) if t.len() > max => out.push(Refusal::TitleLength {
            model,
            bytes: t.len(),
        }),
        (None, Some(_)) => out.push(Refusal::TitleUnused { model }),
        _ => {}
    }
}

fn check_names(caps: &Caps, p: &Params, out: &mut Vec<Refusal>) {
    let model = caps.model;
    let account = p.account.map(str::trim).filter(|a| !a.is_empty());
    let issuer = p.issuer.map(str::trim).filter(|i| !i.is_empty());
    match caps.account {
        Account::None if account.is_some() || issuer.is_some() => {
            out.push(Refusal::AccountUnused { model });
        }
        Account::Required if p.complete && account.is_none() => {
            out.push(Refusal::AccountMissing { model })
        }
        _ => {}
    }
    if let (Some(max), Some(account)) = (caps.name_bytes, account) {
        let bytes = oath_name_len(p.otp.period, issuer, account);
        if bytes > max {
            out.push(Refusal::NameLength { model, bytes });
        }
    }
}

/// Length of the name a YKOATH key stores: `[period/][issuer:]account`, the period prefix
/// only when it is not 30.
fn oath_name_len(period: u32, issuer: Option<&str>, account: &str) -> usize {
    let prefix = if period == 30 {
        0
    } else {
        period.to_string().len() + 1
    };
    prefix + issuer.map_or(0, |i| i.len() + 1) + account.len()
}
