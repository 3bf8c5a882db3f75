//! Which device in Entra is which token of the input. Graph never returns a secret, so a token
//! is recognised by its serial number; a multi-profile token has one device per profile under
//! the same serial, told apart by the journal's device ID, then the display name, then the
//! user it is assigned to. What cannot be told apart is reported, never guessed: guessing
//! wrong would activate one user's profile with another's seed.

use crate::api::Device;

/// One input token with the same serial as the others in its group.
#[derive(Debug, Clone, Default)]
pub struct Want<'a> {
    pub display_name: Option<&'a str>,
    pub user_id: Option<&'a str>,
    pub journal_device: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// Index into the devices.
    Device(usize),
    Absent,
    Ambiguous(String),
}

/// Matches the tokens of one serial to the devices Entra has with that serial.
pub fn match_serial(serial: &str, wants: &[Want<'_>], devices: &[Device]) -> Vec<Found> {
    let mut taken = vec![false; devices.len()];
    let mut found: Vec<Option<Found>> = vec![None; wants.len()];
    let take = |found: &mut Option<Found>, taken: &mut Vec<bool>, d: usize| {
        taken[d] = true;
        *found = Some(Found::Device(d));
    };
    for (w, want) in wants.iter().enumerate() {
        if let Some(id) = want.journal_device {
            if let Some(d) = (0..devices.len()).find(|&d| !taken[d] && devices[d].id == id) {
                take(&mut found[w], &mut taken, d);
            }
        }
    }
    type Key = fn(&Want<'_>, &Device) -> bool;
    let keys: [Key; 2] = [
        |w, d| w.display_name.is_some() && d.display_name.as_deref() == w.display_name,
        |w, d| w.user_id.is_some() && d.assigned_to.as_ref().map(|a| a.id.as_str()) == w.user_id,
    ];
    for key in keys {
        for (w, want) in wants.iter().enumerate() {
            if found[w].is_some() {
                continue;
            }
            let candidates: Vec<usize> = (0..devices.len())
                .filter(|&d| !taken[d] && key(want, &devices[d]))
                .collect();
            // Unique both ways: no other open token would match the same device.
            let rivals = wants
                .iter()
                .enumerate()
                .filter(|(o, other)| {
                    *o != w
                        && found[*o].is_none()
                        && candidates.iter().any(|&d| key(other, &devices[d]))
                })
                .count();
            if let ([d], 0) = (candidates.as_slice(), rivals) {
                take(&mut found[w], &mut taken, *d);
            }
        }
    }
    let open_wants: Vec<usize> = (0..wants.len()).filter(|&w| found[w].is_none()).collect();
    let open_devices: Vec<usize> = (0..devices.len()).filter(|&d| !taken[d]).collect();
    match (open_wants.as_slice(), open_devices.as_slice()) {
        (_, []) => open_wants
            .iter()
            .for_each(|&w| found[w] = Some(Found::Absent)),
        ([w], [d]) => found[*w] = Some(Found::Device(*d)),
        (ws, ds) => {
            let why = format!(
                "Entra has {} device(s) with serial {serial} that cannot be told apart for {} \
                 token(s) of this input (no journal ID, display name or user to match): remove \
                 them with `entra remove --serial {serial} --yes` and push again",
                ds.len(),
                ws.len()
            );
            ws.iter()
                .for_each(|&w| found[w] = Some(Found::Ambiguous(why.clone())));
        }
    }
    found
        .into_iter()
        .map(|f| f.unwrap_or(Found::Absent))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Identity;

    fn dev(id: &str, name: Option<&str>, user: Option<&str>) -> Device {
        Device {
            id: id.into(),
            serial_number: "S".into(),
            display_name: name.map(str::to_string),
            assigned_to: user.map(|u| Identity {
                id: u.into(),
                display_name: None,
            }),
            ..Device::default()
        }
    }

    #[test]
    fn single_token_takes_the_only_device() {
        let d = [dev("d1", None, Some("someone-else"))];
        assert_eq!(
            match_serial("S", &[Want::default()], &d),
            [Found::Device(0)]
        );
        assert_eq!(match_serial("S", &[Want::default()], &[]), [Found::Absent]);
    }

    #[test]
    fn profiles_by_journal_then_name_then_user_and_never_guessed() {
        let devices = [
            dev("d1", Some("Molto2 profile 1"), None),
            dev("d2", Some("Molto2 profile 2"), Some("u2")),
            dev("d3", None, Some("u3")),
        ];
        let wants = [
            Want {
                display_name: Some("Molto2 profile 2"),
                ..Want::default()
            },
            Want {
                journal_device: Some("d1"),
                ..Want::default()
            },
            Want {
                display_name: Some("Molto2 profile 3"),
                user_id: Some("u3"),
                ..Want::default()
            },
            Want {
                display_name: Some("Molto2 profile 4"),
                user_id: Some("u4"),
                ..Want::default()
            },
        ];
        assert_eq!(
            match_serial("S", &wants, &devices),
            [
                Found::Device(1),
                Found::Device(0),
                Found::Device(2),
                Found::Absent
            ]
        );
        // Two unlabelled devices for two unlabelled profiles: not guessed.
        let devices = [dev("d1", None, None), dev("d2", None, None)];
        let found = match_serial("S", &[Want::default(), Want::default()], &devices);
        assert!(matches!(&found[0], Found::Ambiguous(m) if m.contains("--serial S")));
        assert!(matches!(found[1], Found::Ambiguous(_)));
    }
}
