//! OATH credentials on a YKOATH key: list, delete, calculate a code.

use tokensmith_api::{DeviceKind, OathCode, OathCredential};
use tokensmith_core::otp;
use tokensmith_proto::ykoath::{self, OathType, YkoathError, YkoathSession};
use tokensmith_proto::Transport;

use super::{Credentials, Detected};
use crate::error::BridgeError;

fn oath_session<'a>(
    t: &'a mut dyn Transport,
    d: &Detected,
    creds: &Credentials,
) -> Result<YkoathSession<&'a mut dyn Transport>, BridgeError> {
    if d.kind() != DeviceKind::Oath {
        return Err(BridgeError::NotSupported(format!(
            "this is a {}, not an OATH key",
            d.kind()
        )));
    }
    Ok(YkoathSession::open(t, creds.password())?)
}

pub fn oath_list(
    t: &mut dyn Transport,
    d: &Detected,
    creds: &Credentials,
) -> Result<Vec<OathCredential>, BridgeError> {
    let mut s = oath_session(t, d, creds)?;
    Ok(s.list()?
        .into_iter()
        .map(|e| {
            let (period, issuer, account) = ykoath::parse_credential_name(e.oath_type, &e.name);
            OathCredential {
                oath_type: match e.oath_type {
                    OathType::Hotp => tokensmith_api::OathType::Hotp,
                    OathType::Totp => tokensmith_api::OathType::Totp,
                },
                algorithm: e.algorithm.hash(),
                period,
                issuer,
                account,
                name: e.name,
            }
        })
        .collect())
}

pub fn oath_delete(
    t: &mut dyn Transport,
    d: &Detected,
    creds: &Credentials,
    name: &str,
) -> Result<(), BridgeError> {
    if name.is_empty() || name.len() > ykoath::MAX_NAME_LEN {
        return Err(BridgeError::BadInput(format!(
            "credential name of {} bytes (1–{})",
            name.len(),
            ykoath::MAX_NAME_LEN
        )));
    }
    oath_session(t, d, creds)?.delete(name)?;
    Ok(())
}

pub fn oath_code(
    t: &mut dyn Transport,
    d: &Detected,
    creds: &Credentials,
    name: &str,
    now: i64,
) -> Result<OathCode, BridgeError> {
    let mut s = oath_session(t, d, creds)?;
    let entry = s
        .list()?
        .into_iter()
        .find(|e| e.name == name)
        .ok_or(BridgeError::Oath(YkoathError::NoSuchCredential))?;
    let now_u =
        u64::try_from(now).map_err(|_| BridgeError::BadInput("clock before 1970".into()))?;
    let (code, valid) = match entry.oath_type {
        OathType::Totp => {
            let (period, _, _) = ykoath::parse_credential_name(OathType::Totp, name);
            (
                s.calculate_totp(name, now_u)?,
                Some(otp::seconds_remaining(now, period)),
            )
        }
        OathType::Hotp => (s.calculate(name, None)?, None),
    };
    Ok(OathCode {
        name: name.to_string(),
        code: code.to_string(),
        valid_for_seconds: valid,
    })
}
