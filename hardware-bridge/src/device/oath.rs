//! OATH credentials on a YKOATH key: list, delete, rename, calculate a code, the access
//! password, and the check before a PUT. What a key can do is asked of core's capability
//! table (`caps::check_feature`) before anything is sent: a Nitrokey 3 is never sent SET
//! CODE (it would answer "done" and set nothing), RENAME only to a YubiKey 5.3.1 or later.

use tokensmith_api::{DeviceKind, OathCode, OathCredential, OathCredentials, SecretString};
use tokensmith_core::caps::{self, Feature};
use tokensmith_core::echo::echo;
use tokensmith_core::otp;
use tokensmith_proto::ykoath::{self, OathType, YkoathError, YkoathSession};
use tokensmith_proto::Transport;

use super::{Credentials, Detected};
use crate::error::{BridgeError, Taken};

type Session<'a> = YkoathSession<&'a mut dyn Transport>;

fn oath_session<'a>(
    t: &'a mut dyn Transport,
    d: &Detected,
    creds: &Credentials,
) -> Result<Session<'a>, BridgeError> {
    if d.kind() != DeviceKind::Oath {
        return Err(BridgeError::NotSupported(format!(
            "this is a {}, not an OATH key",
            d.kind()
        )));
    }
    Ok(YkoathSession::open(t, creds.password())?)
}

/// The key's model (an OATH key of unknown maker when detection could not tell).
fn model(d: &Detected) -> caps::Model {
    d.model.unwrap_or(caps::Model::OathKey)
}

/// Refuses, before anything is sent, what this key cannot do.
fn require(d: &Detected, feature: Feature) -> Result<(), BridgeError> {
    caps::check_feature(model(d), feature, d.firmware)
        .map_err(|r| BridgeError::NotSupported(r.to_string()))
}

fn check_name(name: &str) -> Result<(), BridgeError> {
    if name.is_empty() || name.len() > ykoath::MAX_NAME_LEN {
        return Err(BridgeError::BadInput(format!(
            "credential name of {} bytes (1–{})",
            name.len(),
            ykoath::MAX_NAME_LEN
        )));
    }
    Ok(())
}

/// A name the key does not hold: the user's mistake, nothing was changed.
fn no_such(name: &str) -> BridgeError {
    BridgeError::BadInput(format!(
        "no account named \"{}\" on this key (oath list shows its accounts)",
        echo(name)
    ))
}

/// The device's "no such credential" as [`no_such`].
fn named(name: &str) -> impl Fn(YkoathError) -> BridgeError + '_ {
    move |e| match e {
        YkoathError::NoSuchCredential => no_such(name),
        e => e.into(),
    }
}

/// The credential of this name, from LIST.
fn find(s: &mut Session<'_>, name: &str) -> Result<ykoath::ListEntry, BridgeError> {
    s.list()?
        .credentials
        .into_iter()
        .find(|e| e.name == name)
        .ok_or_else(|| no_such(name))
}

fn api_type(t: OathType) -> tokensmith_api::OathType {
    match t {
        OathType::Hotp => tokensmith_api::OathType::Hotp,
        OathType::Totp => tokensmith_api::OathType::Totp,
    }
}

/// A stored credential as the API shows it, its name split.
fn credential(
    t: OathType,
    algorithm: tokensmith_core::otp::Algorithm,
    name: String,
) -> OathCredential {
    let (period, issuer, account) = ykoath::parse_credential_name(t, &name);
    OathCredential {
        oath_type: api_type(t),
        algorithm,
        period,
        issuer,
        account,
        name,
    }
}

pub fn oath_list(
    t: &mut dyn Transport,
    d: &Detected,
    creds: &Credentials,
) -> Result<OathCredentials, BridgeError> {
    let listing = oath_session(t, d, creds)?.list()?;
    let credentials = listing
        .credentials
        .into_iter()
        .map(|e| credential(e.oath_type, e.algorithm.hash(), e.name))
        .collect();
    Ok(OathCredentials {
        credentials,
        other_entries: u32::try_from(listing.others).unwrap_or(u32::MAX),
    })
}

/// Before a PUT of `name`: a taken name is refused unless `overwrite` (and only on a key that
/// replaces accounts: a Nitrokey 3 refuses with `69 83`, an unknown maker may do either), and
/// a name that begins another account's is refused where the firmware may overwrite that one
/// (YubiKey 4 below 4.3.5). Sends SELECT/LIST only.
pub(super) fn check_free(
    s: &mut Session<'_>,
    d: &Detected,
    name: &str,
    overwrite: bool,
) -> Result<(), BridgeError> {
    let names: Vec<String> = s.list()?.credentials.into_iter().map(|e| e.name).collect();
    if names.iter().any(|n| n == name) {
        if !overwrite {
            return Err(Taken::OathName {
                name: echo(name),
                model: model(d),
                replaceable: require(d, Feature::Overwrite).is_ok(),
            }
            .into());
        }
        require(d, Feature::Overwrite)?;
    }
    if names.iter().any(|n| n != name && n.starts_with(name)) {
        require(d, Feature::PrefixName)?;
    }
    Ok(())
}

pub fn oath_delete(
    t: &mut dyn Transport,
    d: &Detected,
    creds: &Credentials,
    name: &str,
) -> Result<(), BridgeError> {
    check_name(name)?;
    oath_session(t, d, creds)?.delete(name).map_err(named(name))
}

/// Give a credential a new issuer and account; it keeps its type and period prefix. Refused
/// before anything is sent where the key has no RENAME, and when the new name is taken.
/// Answers the credential as it is now.
pub fn oath_rename(
    t: &mut dyn Transport,
    d: &Detected,
    creds: &Credentials,
    name: &str,
    issuer: Option<&str>,
    account: &str,
) -> Result<OathCredential, BridgeError> {
    check_name(name)?;
    require(d, Feature::Rename)?;
    let mut s = oath_session(t, d, creds)?;
    let entry = find(&mut s, name)?;
    let (period, _, _) = ykoath::parse_credential_name(entry.oath_type, name);
    let issuer = issuer.map(str::trim).filter(|i| !i.is_empty());
    let new_name = ykoath::credential_name(entry.oath_type, period, issuer, account.trim())?;
    if new_name != name {
        check_free(&mut s, d, &new_name, false)?;
        s.rename(name, &new_name).map_err(named(name))?;
    }
    Ok(credential(
        entry.oath_type,
        entry.algorithm.hash(),
        new_name,
    ))
}

/// What to do with the access password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordChange {
    /// Set one where there is none.
    Set,
    /// Replace the one that is set (unlocking with the current one).
    Change,
    /// Remove the one that is set.
    Remove,
    /// Set or change, whichever applies (the API).
    SetOrChange,
}

/// Set, change or remove the access password, then check by selecting the applet again that
/// it asks for exactly the new one (or none). YubiKeys only.
pub fn oath_password(
    t: &mut dyn Transport,
    d: &Detected,
    creds: &Credentials,
    change: PasswordChange,
    new: Option<&SecretString>,
) -> Result<(), BridgeError> {
    require(d, Feature::AccessPassword)?;
    let new = new.map(|p| p.as_str());
    match (change, new) {
        (PasswordChange::Remove, _) => {}
        (_, Some(p)) if !p.is_empty() => {}
        _ => {
            return Err(BridgeError::BadInput(
                "no new password given (it cannot be empty)".into(),
            ))
        }
    }
    let is_set = d.device.password_set == Some(true);
    match (change, is_set) {
        (PasswordChange::Set, true) => {
            return Err(BridgeError::BadInput(
                "this key already has an access password: change it (oath password change) or remove it".into(),
            ))
        }
        (PasswordChange::Change | PasswordChange::Remove, false) => {
            return Err(BridgeError::BadInput(
                "this key has no access password: set one (oath password set)".into(),
            ))
        }
        _ => {}
    }
    let mut s = oath_session(t, d, creds)?;
    let new = if change == PasswordChange::Remove {
        None
    } else {
        new
    };
    s.change_password(new)?;
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
    let entry = find(&mut s, name)?;
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
