//! Burning a planned seed onto the detected device, and checking it: the OATH key computes a
//! code that must match the host's; a Token2/Molto2 is read back and its expected code shown
//! for the user to compare with the display. Every write the device acknowledges is told to
//! the caller as it happens ([`Written`]), so what a token holds can be recorded between the
//! commands.

use tokensmith_api::OathType as ApiOathType;
use tokensmith_api::{BurnResult, Verification};
use tokensmith_core::echo::echo;
use tokensmith_core::otp::{self, OtpParams};
use tokensmith_core::secret::Secret;
use tokensmith_proto::molto2::{self, Molto2Config, Molto2Error, Molto2Session, ProfileBurn};
use tokensmith_proto::token2::{self, Token2Config, Token2Error, Token2Session};
use tokensmith_proto::ykoath::{CredentialData, OathType, YkoathSession};
use tokensmith_proto::Transport;
use zeroize::Zeroizing;

use super::{oath, utc_u32, Credentials, Detected, TOKEN2_BEFORE_COMPARING, TOKEN2_BEFORE_TAP};
use crate::device::plan::BurnPlan;
use crate::error::BridgeError;

/// A write the device acknowledged during a burn, in the order they happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// The configuration (Token2: with the clock; on most models the seed is gone now).
    Config,
    Seed,
    /// Molto2: the title.
    Title,
    /// Molto2, overwriting: the seed that was in the profile was deleted.
    OldSeedDeleted,
    /// OATH: the credential (seed and parameters in one PUT; over a taken name when asked).
    Credential,
}

impl From<token2::Written> for Written {
    fn from(w: token2::Written) -> Self {
        match w {
            token2::Written::Config => Written::Config,
            token2::Written::Seed => Written::Seed,
        }
    }
}

impl From<molto2::Written> for Written {
    fn from(w: molto2::Written) -> Self {
        match w {
            molto2::Written::OldSeedDeleted => Written::OldSeedDeleted,
            molto2::Written::Seed => Written::Seed,
            molto2::Written::Title => Written::Title,
            molto2::Written::Config => Written::Config,
        }
    }
}

fn expected_codes(
    secret: &Secret,
    params: &OtpParams,
    now: i64,
) -> Result<Verification, BridgeError> {
    let code = |t| {
        otp::totp(secret.as_bytes(), params, t).map_err(|e| BridgeError::BadInput(e.to_string()))
    };
    let remaining = otp::seconds_remaining(now, params.period);
    Ok(Verification::CompareWithDisplay {
        expected_code: code(now)?,
        next_code: code(now + i64::from(remaining))?,
        valid_for_seconds: remaining,
    })
}

/// The serial a burn records: the device's, checked against the one the user gave (a wrong
/// key on the reader is refused before anything is written); the user's only when the
/// device reports none — then with a warning.
pub fn recorded_serial(
    d: &Detected,
    given: Option<&str>,
) -> Result<(String, Option<String>), BridgeError> {
    let given = given.map(str::trim).filter(|g| !g.is_empty());
    if let Some(g) = given {
        if g.chars().any(char::is_control) {
            return Err(BridgeError::BadInput(
                "the serial holds a control character".into(),
            ));
        }
    }
    let reported = d.device.serial.as_str();
    match (reported.is_empty(), given) {
        (false, Some(g)) if !g.eq_ignore_ascii_case(reported) => Err(BridgeError::BadInput(format!(
            "the device on the reader reports serial {reported}, not {}: is it the one you meant? Nothing was written",
            echo(g)
        ))),
        (false, _) => Ok((reported.to_string(), None)),
        (true, Some(g)) => Ok((
            g.to_string(),
            Some(format!(
                "the key reports no serial: recorded the serial you gave ({})",
                echo(g)
            )),
        )),
        (true, None) => Err(BridgeError::BadInput(
            "this OATH key reports no serial (its maker is unknown, or a YubiKey hides it), and its OATH \
             applet id changes on every reset: give the serial printed on the key with --serial (API: \"serial\"), \
             so that the results file and the Entra upload name this key. Nothing was written"
                .into(),
        )),
    }
}

/// Burn a validated plan onto the detected device. `now` is the host clock (UTC seconds),
/// written to Token2/Molto2 clocks and used for codes. `on_written` hears of each write the
/// device acknowledged, before the burn goes on (and before an OATH credential is checked),
/// so a caller can record what the device holds now even if a later step fails.
pub fn burn(
    t: &mut dyn Transport,
    d: &Detected,
    plan: &BurnPlan,
    secret: &Secret,
    creds: &Credentials,
    now: i64,
    on_written: &mut dyn FnMut(Written),
) -> Result<BurnResult, BridgeError> {
    if plan.kind() != d.kind() {
        return Err(BridgeError::BadInput(format!(
            "the plan does not match the device ({})",
            d.kind()
        )));
    }
    let params = plan.params();
    let dev = &d.device;
    let mut out = BurnResult {
        kind: dev.kind,
        reader: dev.reader.clone(),
        serial: dev.serial.clone(),
        model: dev.model.clone(),
        profile: None,
        name: None,
        algorithm: params.algorithm,
        digits: params.digits,
        period: params.period,
        display_timeout: None,
        burned_at: now,
        verification: Verification::NotChecked {
            reason: "not verified".into(),
        },
        warnings: Vec::new(),
        advice: Vec::new(),
        recorded: false,
        oath_type: None,
        journal: None,
    };
    match plan {
        BurnPlan::Token2 {
            algorithm,
            step,
            display,
            force_unknown_model,
            seed_only,
        } => {
            let config = Token2Config {
                display: *display,
                utc: utc_u32(now)?,
                algorithm: *algorithm,
                step: *step,
            };
            if !dev.known_model && !*force_unknown_model {
                return Err(Token2Error::UnknownModel(dev.serial.clone()).into());
            }
            if !dev.known_model {
                out.warnings
                    .push("unknown model burned because it was forced".into());
            }
            // The serial was read on this same exclusive connection: a card swapped since
            // would have failed with "card removed".
            let mut s = Token2Session::new(&mut *t);
            let mut tell = |w: token2::Written| on_written(w.into());
            if *seed_only {
                s.write_seed_only(secret.as_bytes(), &mut tell)?;
                out.warnings.push(format!(
                    "seed only: the token's configuration and clock were not written — its \
                     code follows whatever algorithm and period it was set to; the code \
                     below assumes {}, {} s",
                    params.algorithm, params.period
                ));
            } else {
                s.burn(secret.as_bytes(), &config, &mut tell)?;
                // The clock written with the config is read back as a sanity check.
                let after = s.info()?;
                let off = i64::from(after.utc) - now;
                if off.abs() > 5 {
                    out.warnings.push(format!(
                        "the token's clock reads {} after the burn, {off} s from the host clock",
                        after.utc
                    ));
                }
                out.display_timeout = Some(display.seconds());
            }
            out.verification = expected_codes(secret, &params, now)?;
            out.advice = vec![
                TOKEN2_BEFORE_COMPARING.to_string(),
                format!("next token: {TOKEN2_BEFORE_TAP}"),
            ];
        }
        BurnPlan::Molto2 {
            profile,
            algorithm,
            digits,
            step,
            display,
            title,
            overwrite,
        } => {
            let model = d.molto2().ok_or_else(|| {
                BridgeError::Internal("a Molto2 detected without its profile count".into())
            })?;
            let config = Molto2Config {
                display: *display,
                utc: utc_u32(now)?,
                algorithm: *algorithm,
                digits: *digits,
                step: *step,
            };
            let mut s = Molto2Session::new(&mut *t, &creds.customer_key(), model);
            let job = ProfileBurn {
                profile: *profile,
                seed: secret.as_bytes(),
                config: &config,
                title: title.as_deref(),
                overwrite: *overwrite,
            };
            let before = s.burn_profile(&job, &mut |w| on_written(w.into()))?;
            if before.seed_present {
                out.warnings.push(format!(
                    "profile {profile}: its old seed was replaced, as asked"
                ));
            }
            let old_title = before.title();
            if title.is_none() && !old_title.is_empty() {
                out.warnings.push(format!(
                    "profile {profile} still shows its old title \"{old_title}\" (a title stays \
                     until another is written): give a title to change it"
                ));
            }
            // Read the public data back: config and "seed present".
            let p = s.profile(*profile)?;
            if !p.seed_present
                || p.algorithm != *algorithm as u8
                || p.digits != *digits as u8
                || p.step != *step as u8
            {
                return Err(BridgeError::Molto2(Molto2Error::MalformedReply(format!(
                    "profile {profile} reads back algorithm {} / {} digits / {} s / seed present {} after the burn",
                    p.algorithm, p.digits, p.step, p.seed_present
                ))));
            }
            out.profile = Some(*profile);
            out.display_timeout = Some(display.seconds());
            out.name = title.clone().or(Some(old_title).filter(|t| !t.is_empty()));
            out.verification = expected_codes(secret, &params, now)?;
        }
        BurnPlan::Oath {
            name,
            oath_type,
            algorithm,
            digits,
            period: _,
            touch,
            counter,
            overwrite,
        } => {
            let mut s = YkoathSession::open(&mut *t, creds.password())?;
            oath::check_free(&mut s, d, name, *overwrite)?;
            let cred = CredentialData {
                name: name.clone(),
                oath_type: *oath_type,
                algorithm: *algorithm,
                digits: *digits,
                secret: Zeroizing::new(secret.as_bytes().to_vec()),
                touch: *touch,
                counter: *counter,
            };
            s.put(&cred)?;
            on_written(Written::Credential);
            out.name = Some(name.clone());
            out.oath_type = Some(match oath_type {
                OathType::Hotp => ApiOathType::Hotp,
                OathType::Totp => ApiOathType::Totp,
            });
            out.verification = match (oath_type, touch) {
                (OathType::Hotp, _) => Verification::NotChecked {
                    reason:
                        "HOTP: calculating a code now would use it up and move the key's \
                             counter ahead of the service's; check it when the service asks for one"
                            .into(),
                },
                (_, true) => Verification::NotChecked {
                    reason: "touch required: calculate a code (oath code) to check".into(),
                },
                (OathType::Totp, false) => {
                    let now_u = u64::try_from(now)
                        .map_err(|_| BridgeError::BadInput("clock before 1970".into()))?;
                    let code = s.calculate_totp(name, now_u)?.to_string();
                    let expected = otp::totp(secret.as_bytes(), &params, now)
                        .map_err(|e| BridgeError::BadInput(e.to_string()))?;
                    if code != expected {
                        return Err(BridgeError::VerifyMismatch {
                            device: code,
                            expected,
                        });
                    }
                    Verification::DeviceCalculated {
                        code,
                        matches: true,
                    }
                }
            };
        }
    }
    Ok(out)
}
