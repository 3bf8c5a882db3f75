//! Burn planning: a burn's parameters checked against the device's model in core's
//! capability table — the same check the page runs — and turned into the values the device
//! stores. Nothing is sent here; nothing invalid reaches a device.

use tokensmith_api::OathType as ApiOathType;
use tokensmith_api::{BurnRequest, DeviceKind};
use tokensmith_core::caps::{self, Family, Firmware};
use tokensmith_core::otp::{Algorithm, OtpParams};
use tokensmith_core::secret::Secret;
use tokensmith_proto::wire::{self, Digits, OathAlgorithm, TimeStep};
use tokensmith_proto::ykoath::{self, OathType};

use crate::error::BridgeError;

/// Burn parameters as given by the user (CLI flags or API JSON). `None` means "the default
/// for this kind of device".
#[derive(Debug, Clone, Default)]
pub struct BurnParams {
    pub algorithm: Option<Algorithm>,
    pub digits: Option<u8>,
    pub period: Option<u32>,
    /// Seconds: 15, 30, 60, 120 (Token2 and Molto2 only).
    pub display_timeout: Option<u32>,
    /// Molto2 profile.
    pub profile: Option<u8>,
    /// Molto2 title.
    pub title: Option<String>,
    /// OATH account name (required for OATH).
    pub account: Option<String>,
    /// OATH issuer.
    pub issuer: Option<String>,
    /// OATH: require touch.
    pub touch: bool,
    /// Token2: burn even if the serial prefix is not a known model.
    pub force_unknown_model: bool,
    /// OATH: HOTP instead of TOTP.
    pub oath_type: Option<ApiOathType>,
    /// OATH HOTP: the initial counter.
    pub counter: Option<u32>,
    /// Replace what is there: a Molto2 profile's seed, an OATH key's account of the same
    /// name.
    pub overwrite: bool,
    /// The serial printed on the device (checked against the one it reports; recorded when
    /// it reports none).
    pub serial: Option<String>,
    /// Token2, expert: write the seed only (the token's config stays).
    pub seed_only: bool,
}

impl From<&BurnRequest> for BurnParams {
    fn from(r: &BurnRequest) -> Self {
        BurnParams {
            algorithm: r.algorithm,
            digits: r.digits,
            period: r.period,
            display_timeout: r.display_timeout,
            profile: r.profile,
            title: r.title.clone(),
            account: r.account.clone(),
            issuer: r.issuer.clone(),
            touch: r.touch,
            force_unknown_model: r.force_unknown_model,
            oath_type: r.oath_type,
            counter: r.counter,
            overwrite: r.overwrite,
            serial: r.serial.clone(),
            seed_only: r.seed_only,
        }
    }
}

/// A burn validated against the device's model: only values the device can store.
#[derive(Debug, Clone)]
pub enum BurnPlan {
    Token2 {
        algorithm: wire::Algorithm,
        step: TimeStep,
        display: wire::DisplayTimeout,
        force_unknown_model: bool,
        /// Expert: the seed only; the config on the token stays as it is.
        seed_only: bool,
    },
    Molto2 {
        profile: u8,
        algorithm: wire::Algorithm,
        digits: Digits,
        step: TimeStep,
        display: wire::DisplayTimeout,
        /// `None` writes no title (an empty one is none).
        title: Option<String>,
        /// The user asked to replace a seed already in the profile.
        overwrite: bool,
    },
    Oath {
        name: String,
        oath_type: OathType,
        algorithm: OathAlgorithm,
        digits: u8,
        /// TOTP; 30 (unused) for HOTP.
        period: u32,
        touch: bool,
        /// HOTP: the initial counter.
        counter: Option<u32>,
        /// Replace an account of the same name.
        overwrite: bool,
    },
}

impl BurnPlan {
    /// The code parameters the device will compute with.
    pub fn params(&self) -> OtpParams {
        match self {
            BurnPlan::Token2 {
                algorithm, step, ..
            } => OtpParams {
                algorithm: (*algorithm).into(),
                digits: 6,
                period: step.seconds(),
            },
            BurnPlan::Molto2 {
                algorithm,
                digits,
                step,
                ..
            } => OtpParams {
                algorithm: (*algorithm).into(),
                digits: digits.count(),
                period: step.seconds(),
            },
            BurnPlan::Oath {
                algorithm,
                digits,
                period,
                ..
            } => OtpParams {
                algorithm: algorithm.hash(),
                digits: *digits,
                period: *period,
            },
        }
    }

    /// An HOTP credential's initial counter (0 when none is sent); `None` for TOTP. The journal
    /// records it, so exports that carry HOTP (PSKC, OATH CSV, otpauth) start where the key does.
    pub fn hotp_counter(&self) -> Option<u64> {
        match self {
            BurnPlan::Oath {
                oath_type: OathType::Hotp,
                counter,
                ..
            } => Some(u64::from(counter.unwrap_or(0))),
            _ => None,
        }
    }

    pub fn kind(&self) -> DeviceKind {
        match self {
            BurnPlan::Token2 { .. } => DeviceKind::Token2,
            BurnPlan::Molto2 { .. } => DeviceKind::Molto2,
            BurnPlan::Oath { .. } => DeviceKind::Oath,
        }
    }
}

/// The model a burn is checked against before the device is read: the most capable of the
/// kind, so this early check refuses only what no device of the kind could take (every
/// single-profile Token2 model takes the same settings; the Molto2v2 has the most profiles;
/// a YubiKey does everything YKOATH can).
pub fn most_capable(kind: DeviceKind) -> caps::Model {
    match kind {
        DeviceKind::Token2 => caps::Model::C302,
        DeviceKind::Molto2 => caps::Model::Molto2v2,
        DeviceKind::Oath => caps::Model::YubiKey,
    }
}

/// The kind of device a model is, `None` for an app (nothing to burn).
pub fn kind_of(model: caps::Model) -> Option<DeviceKind> {
    match model.caps().family {
        Family::Token2 => Some(DeviceKind::Token2),
        Family::Molto2 => Some(DeviceKind::Molto2),
        Family::Oath => Some(DeviceKind::Oath),
        Family::App => None,
    }
}

fn refused(model: caps::Model, refusals: Vec<caps::Refusal>) -> BridgeError {
    BridgeError::Refused { model, refusals }
}

fn encodable<T>(model: caps::Model, r: Result<T, wire::Unencodable>) -> Result<T, BridgeError> {
    r.map_err(|e| BridgeError::BadInput(format!("{model}: {e}")))
}

/// Check a burn against `model` (with the applet's `firmware` when read) and plan what to
/// write. Sends nothing.
pub fn plan_burn(
    model: caps::Model,
    firmware: Option<Firmware>,
    p: &BurnParams,
    secret: &Secret,
) -> Result<BurnPlan, BridgeError> {
    let family = model.caps().family;
    let hotp = p.oath_type == Some(ApiOathType::Hotp);
    check_oath_type(model, family, hotp, p)?;
    let otp = OtpParams {
        algorithm: p.algorithm.unwrap_or_default(),
        digits: p.digits.unwrap_or(6),
        period: p.period.unwrap_or(30),
    };
    // The displays' default, where there is a display.
    let display_seconds = p.display_timeout.or(match family {
        Family::Token2 | Family::Molto2 => Some(30),
        _ => None,
    });
    let display = display_seconds
        .map(caps::DisplayTimeout::try_from)
        .transpose()
        .map_err(|e| BridgeError::BadInput(e.to_string()))?;
    let params = caps::Params {
        otp,
        display_timeout: display,
        profile: p.profile,
        title: p.title.as_deref(),
        seed_len: Some(secret.len()),
        account: p.account.as_deref(),
        issuer: p.issuer.as_deref(),
        touch: p.touch,
        firmware,
        complete: true,
    };
    caps::check(model, &params).map_err(|r| refused(model, r))?;
    if p.seed_only && family != Family::Token2 {
        return Err(BridgeError::BadInput(format!(
            "a seed-only write is for Token2 single-profile tokens, not the {model}"
        )));
    }
    let display = display.map(wire::DisplayTimeout::from);
    match (family, display) {
        (Family::Token2, Some(display)) => Ok(BurnPlan::Token2 {
            algorithm: encodable(model, otp.algorithm.try_into())?,
            step: encodable(model, otp.period.try_into())?,
            display,
            force_unknown_model: p.force_unknown_model,
            seed_only: p.seed_only,
        }),
        (Family::Molto2, Some(display)) => Ok(BurnPlan::Molto2 {
            // (complete: the check above refused a missing profile)
            profile: p
                .profile
                .ok_or_else(|| BridgeError::BadInput(format!("the {model} needs a profile")))?,
            algorithm: encodable(model, otp.algorithm.try_into())?,
            digits: encodable(model, otp.digits.try_into())?,
            step: encodable(model, otp.period.try_into())?,
            display,
            title: p.title.clone().filter(|t| !t.is_empty()),
            overwrite: p.overwrite,
        }),
        (Family::Oath, _) => {
            let oath_type = if hotp { OathType::Hotp } else { OathType::Totp };
            let account = p.account.as_deref().unwrap_or_default();
            let name =
                ykoath::credential_name(oath_type, otp.period, p.issuer.as_deref(), account)?;
            Ok(BurnPlan::Oath {
                name,
                oath_type,
                algorithm: otp.algorithm.into(),
                digits: otp.digits,
                period: otp.period,
                touch: p.touch,
                counter: p.counter.filter(|_| hotp),
                overwrite: p.overwrite,
            })
        }
        _ => Err(BridgeError::NotSupported(format!(
            "the bridge cannot burn a {model}"
        ))),
    }
}

/// HOTP and its counter: OATH keys only, no period with HOTP, no counter with TOTP (ykman's
/// rule; a Nitrokey 3 refuses `7A` on TOTP).
fn check_oath_type(
    model: caps::Model,
    family: Family,
    hotp: bool,
    p: &BurnParams,
) -> Result<(), BridgeError> {
    let oath = family == Family::Oath;
    if (hotp || p.counter.is_some()) && !oath {
        return Err(BridgeError::BadInput(format!(
            "the {model} stores TOTP only: HOTP and a counter are for OATH keys"
        )));
    }
    if hotp && p.period.is_some() {
        return Err(BridgeError::BadInput(
            "an HOTP credential counts, it has no period: leave the period out".into(),
        ));
    }
    if !hotp && p.counter.is_some() {
        return Err(BridgeError::BadInput(
            "a counter is for HOTP credentials only: choose HOTP or leave the counter out".into(),
        ));
    }
    Ok(())
}
