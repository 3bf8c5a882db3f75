//! Molto2 profiles: list (public data, no authentication), set a title, delete a seed.

use tokensmith_api::{DeviceKind, Profile};
use tokensmith_core::caps;
use tokensmith_proto::molto2::Molto2Session;
use tokensmith_proto::wire;
use tokensmith_proto::Transport;

use super::{Credentials, Detected};
use crate::error::BridgeError;

/// A session on the detected Molto2, after checking `profile` (and `title`) against its
/// model in core's capability table: nothing is sent for a value it cannot take.
fn session<'a>(
    t: &'a mut dyn Transport,
    d: &Detected,
    creds: &Credentials,
    change: Option<(u8, Option<&str>)>,
) -> Result<Molto2Session<&'a mut dyn Transport>, BridgeError> {
    let model = match (d.kind(), d.molto2()) {
        (DeviceKind::Molto2, Some(m)) => m,
        (kind, _) => {
            return Err(BridgeError::NotSupported(format!(
                "profiles exist on the Molto2 only, this is a {kind}"
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
    Ok(Molto2Session::new(t, &creds.customer_key(), model))
}

pub fn profiles_list(t: &mut dyn Transport, d: &Detected) -> Result<Vec<Profile>, BridgeError> {
    let mut s = session(t, d, &Credentials::default(), None)?;
    Ok(s.list_profiles()?
        .into_iter()
        .map(|(n, p)| Profile {
            profile: n,
            title: p.title(),
            configured: p.configured(),
            seed_present: p.seed_present,
            algorithm: wire::Algorithm::from_wire(p.algorithm).map(Into::into),
            digits: (p.digits != 0).then_some(p.digits),
            period: (p.step != 0).then_some(u32::from(p.step)),
            token_time: i64::from(p.rtc),
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
    let mut s = session(t, d, creds, Some((profile, Some(title))))?;
    s.authenticate()?;
    s.write_title(profile, title)?;
    Ok(())
}

pub fn profile_delete(
    t: &mut dyn Transport,
    d: &Detected,
    creds: &Credentials,
    profile: u8,
) -> Result<(), BridgeError> {
    session(t, d, creds, Some((profile, None)))?.delete(profile)?;
    Ok(())
}
