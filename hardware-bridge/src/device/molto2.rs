//! Molto2 profiles and management: list (public data, no authentication), set a title,
//! delete a seed (no authentication either: the device needs none), change the customer key,
//! factory reset, lock or unlock the screen. A command the device must have confirmed with ▲
//! (`90 60`) says so, and the connection then ends without resetting the device, so the
//! press can still happen.

use tokensmith_api::{Confirmation, DeviceKind, Molto2Action, Profile};
use tokensmith_core::caps;
use tokensmith_proto::molto2::{self, CustomerKey, Deleted, Molto2Session};
use tokensmith_proto::wire;
use tokensmith_proto::Transport;

use super::{Credentials, Detected};
use crate::error::BridgeError;

/// A session on the detected Molto2, after checking `profile` (and `title`) against its
/// model in core's capability table: nothing is sent for a value it cannot take.
fn session<'a>(
    t: &'a mut dyn Transport,
    d: &Detected,
    key: &CustomerKey,
    change: Option<(u8, Option<&str>)>,
) -> Result<Molto2Session<&'a mut dyn Transport>, BridgeError> {
    let model = match (d.kind(), d.molto2()) {
        (DeviceKind::Molto2, Some(m)) => m,
        (kind, _) => {
            return Err(BridgeError::NotSupported(format!(
                "this is a Molto2 command, the device is a {kind}"
            )))
        }
    };
    if let Some((profile, title)) = change {
        let params = caps::Params {
            profile: Some(profile),
            title,
            ..caps::Params::default()
        };
        caps::check(model.caps_model(), &params).map_err(|refusals| BridgeError::Refused {
            model: model.caps_model(),
            refusals,
        })?;
    }
    Ok(Molto2Session::new(t, key, model))
}

pub fn profiles_list(t: &mut dyn Transport, d: &Detected) -> Result<Vec<Profile>, BridgeError> {
    let mut s = session(t, d, &CustomerKey::default(), None)?;
    Ok(s.list_profiles()?
        .into_iter()
        .map(|(n, p)| {
            // An empty profile reports the device's default config: not shown as one.
            let used = p.seed_present;
            Profile {
                profile: n,
                title: p.title(),
                seed_present: p.seed_present,
                algorithm: wire::Algorithm::from_wire(p.algorithm)
                    .map(Into::into)
                    .filter(|_| used),
                digits: (used && p.digits != 0).then_some(p.digits),
                period: (used && p.step != 0).then_some(u32::from(p.step)),
                token_time: i64::from(p.rtc),
            }
        })
        .collect())
}

pub fn profile_title(
    t: &mut dyn Transport,
    d: &Detected,
    creds: &Credentials,
    profile: u8,
    title: &str,
) -> Result<(), BridgeError> {
    let mut s = session(t, d, &creds.customer_key(), Some((profile, Some(title))))?;
    molto2::validate_title(title)?;
    s.authenticate()?;
    s.write_title(profile, title)?;
    Ok(())
}

/// Delete a profile's seed, without authenticating (none is needed). `Ok(false)` when the
/// profile held none.
pub fn profile_delete(
    t: &mut dyn Transport,
    d: &Detected,
    profile: u8,
) -> Result<bool, BridgeError> {
    let deleted = session(t, d, &CustomerKey::default(), Some((profile, None)))?.delete(profile)?;
    Ok(deleted == Deleted::Seed)
}

/// What the user does after a command the device answered `90 60`; the connection is left
/// without a reset so the press still counts.
fn answer(
    t: &mut dyn Transport,
    c: molto2::Confirmation,
    waiting: &str,
    done: &str,
) -> Molto2Action {
    match c {
        molto2::Confirmation::PressButton => {
            t.leave_card();
            Molto2Action {
                confirmation: Confirmation::PressButton,
                message: format!(
                    "the Molto2 accepted the command and now waits: press ▲ (the up button) on \
                     the device to confirm — {waiting}; until you press it nothing changes"
                ),
            }
        }
        molto2::Confirmation::Done => Molto2Action {
            confirmation: Confirmation::Done,
            message: done.to_string(),
        },
    }
}

pub fn change_key(
    t: &mut dyn Transport,
    d: &Detected,
    creds: &Credentials,
    new_key: &CustomerKey,
) -> Result<Molto2Action, BridgeError> {
    let c = session(&mut *t, d, &creds.customer_key(), None)?.change_customer_key(new_key)?;
    let mut a = answer(
        t,
        c,
        "then the new customer key is the only one it accepts: keep it safe, it cannot be read back",
        "the customer key was changed: keep the new one safe, it cannot be read back",
    );
    if !new_key.is_sixteen_bytes() {
        a.message.push_str(&format!(
            " (note: the new key is {} bytes; it works — it is hashed — but Token2's own tool expects 16)",
            new_key.as_bytes().len()
        ));
    }
    Ok(a)
}

/// A factory reset the user did not confirm: refused, saying how.
pub fn factory_reset_refusal() -> Result<(), BridgeError> {
    Err(BridgeError::BadInput(
        "a factory reset deletes EVERY profile (seeds and titles) and restores the factory \
         customer key once ▲ is pressed: confirm it explicitly (--yes, API \"confirm\": true); \
         nothing was sent"
            .into(),
    ))
}

pub fn factory_reset(
    t: &mut dyn Transport,
    d: &Detected,
    confirmed: bool,
) -> Result<Molto2Action, BridgeError> {
    if !confirmed {
        factory_reset_refusal()?;
    }
    let c = session(&mut *t, d, &CustomerKey::default(), None)?.factory_reset()?;
    Ok(answer(
        t,
        c,
        "then every profile is deleted and the customer key is the factory one again",
        "the device was reset to its factory state",
    ))
}

pub fn screen(
    t: &mut dyn Transport,
    d: &Detected,
    locked: bool,
) -> Result<Molto2Action, BridgeError> {
    let mut s = session(&mut *t, d, &CustomerKey::default(), None)?;
    let c = if locked {
        s.lock_screen()?
    } else {
        s.unlock_screen()?
    };
    let what = if locked { "locked" } else { "unlocked" };
    Ok(answer(
        t,
        c,
        &format!("then its screen is {what}"),
        &format!("the screen is {what} (firmware 2.1 and later)"),
    ))
}
