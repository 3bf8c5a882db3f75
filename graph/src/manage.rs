//! `status` (what Entra has for some serials) and `remove` (unassign, then delete).

use serde::Serialize;
use tokensmith_core::entra::TokenRecord;

use crate::api::{CallError, Device, Graph};
use crate::error::{refusal_hint, Error};
use crate::journal::{token_key, Journal, Note, Step};
use crate::matching::{match_serial, Found, Want};
use crate::push::display_name;

/// Which tokens: the rows of an input file (matched like `push` does), or every device with
/// the given serials.
#[derive(Debug, Clone, Copy)]
pub enum Targets<'a> {
    Records(&'a [TokenRecord]),
    Serials(&'a [String]),
}

/// One device in Entra (or one input token Entra does not have).
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub serial: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<u8>,
    /// The journal's name for the token, when known.
    #[serde(skip)]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<Device>,
    /// The journal's last step for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journal: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Row {
    pub fn label(&self) -> String {
        match self.profile {
            Some(p) => format!("{} profile {p}", self.serial),
            None => self.serial.clone(),
        }
    }
}

/// What Entra has for the targets.
pub fn status(
    graph: &mut Graph<'_>,
    targets: Targets<'_>,
    journal: &Journal,
) -> Result<Vec<Row>, Error> {
    let mut rows = Vec::new();
    let mut serials: Vec<String> = Vec::new();
    match targets {
        Targets::Records(records) => records.iter().for_each(|r| {
            if !serials.contains(&r.serial.trim().to_string()) {
                serials.push(r.serial.trim().to_string());
            }
        }),
        Targets::Serials(s) => serials = s.iter().map(|s| s.trim().to_string()).collect(),
    }
    for serial in serials {
        let devices = graph
            .devices_with_serial(&serial)
            .map_err(|e| e.fatal("listing hardware OATH devices"))?;
        let mut shown = vec![false; devices.len()];
        if let Targets::Records(records) = targets {
            let group: Vec<&TokenRecord> = records
                .iter()
                .filter(|r| r.serial.trim() == serial)
                .collect();
            let names: Vec<Option<String>> = group.iter().map(|r| display_name(r)).collect();
            let journal_ids: Vec<Option<String>> = group
                .iter()
                .map(|r| journal.get(&token_key(r)).and_then(|e| e.device.clone()))
                .collect();
            let wants: Vec<Want<'_>> = names
                .iter()
                .zip(&journal_ids)
                .map(|(n, j)| Want {
                    display_name: n.as_deref(),
                    user_id: None,
                    journal_device: j.as_deref(),
                })
                .collect();
            for (r, found) in group.iter().zip(match_serial(&serial, &wants, &devices)) {
                let key = token_key(r);
                let (device, note) = match found {
                    Found::Device(d) => {
                        shown[d] = true;
                        (Some(devices[d].clone()), None)
                    }
                    Found::Absent => (None, Some("not in Entra".to_string())),
                    Found::Ambiguous(why) => (None, Some(why)),
                };
                rows.push(Row {
                    serial: serial.clone(),
                    profile: r.profile,
                    journal: journal.get(&key).and_then(|e| e.step).map(Step::as_str),
                    key: Some(key),
                    device,
                    note,
                });
            }
        }
        for (d, device) in devices.iter().enumerate().filter(|(d, _)| !shown[*d]) {
            let key = journal.key_for_device(&device.id);
            rows.push(Row {
                serial: serial.clone(),
                profile: None,
                journal: key
                    .as_deref()
                    .and_then(|k| journal.get(k))
                    .and_then(|e| e.step)
                    .map(Step::as_str),
                key,
                device: Some(devices[d].clone()),
                note: matches!(targets, Targets::Records(_))
                    .then(|| "another device with this serial, not matched to a row".to_string()),
            });
        }
        if devices.is_empty() && matches!(targets, Targets::Serials(_)) {
            rows.push(Row {
                serial: serial.clone(),
                profile: None,
                key: None,
                device: None,
                journal: None,
                note: Some("not in Entra".into()),
            });
        }
    }
    Ok(rows)
}

/// The outcome for one device of a removal.
#[derive(Debug, Clone, Serialize)]
pub struct Removal {
    pub row: Row,
    /// `unassigned from …`, `deleted`, or what would be done.
    pub done: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

/// Unassigns and deletes every device the targets match (only what `status` shows as matched
/// for an input file). Without `confirm`, changes nothing and says what it would do.
pub fn remove(
    graph: &mut Graph<'_>,
    targets: Targets<'_>,
    journal: &mut Journal,
    confirm: bool,
) -> Result<(Vec<Removal>, Option<Error>), Error> {
    let rows = status(graph, targets, journal)?;
    let mut out = Vec::new();
    let mut stopped = None;
    for row in rows {
        let Some(device) = row.device.clone() else {
            continue;
        };
        if matches!(targets, Targets::Records(_)) && row.note.is_some() {
            // Not matched to an input row: not this input's to remove.
            continue;
        }
        let mut removal = Removal {
            row,
            done: Vec::new(),
            failure: None,
        };
        if stopped.is_some() {
            removal.failure = Some("not reached: the run stopped".into());
            out.push(removal);
            continue;
        }
        if !confirm {
            if let Some(a) = &device.assigned_to {
                removal.done.push(format!(
                    "would unassign from {}",
                    a.display_name.as_deref().unwrap_or(&a.id)
                ));
            }
            removal.done.push("would delete".into());
            out.push(removal);
            continue;
        }
        let key = removal
            .row
            .key
            .clone()
            .unwrap_or_else(|| removal.row.serial.clone());
        match remove_one(graph, &device, journal, &key, &mut removal.done) {
            Ok(()) => {}
            Err(CallError::Fatal(e)) => {
                removal.failure = Some(e.to_string());
                stopped = Some(e);
            }
            Err(CallError::Refused(m)) => {
                removal.failure = Some(format!(
                    "{m} — {}",
                    refusal_hint(m.status, "removing tokens")
                ))
            }
            Err(CallError::Graph(m)) => removal.failure = Some(m.to_string()),
            Err(CallError::Unknown(why)) => {
                removal.failure = Some(format!("outcome unknown ({why}): run status to check"))
            }
        }
        out.push(removal);
    }
    Ok((out, stopped))
}

fn remove_one(
    graph: &mut Graph<'_>,
    device: &Device,
    journal: &mut Journal,
    key: &str,
    done: &mut Vec<String>,
) -> Result<(), CallError> {
    if let Some(user) = &device.assigned_to {
        let methods = graph.hardware_methods(&user.id)?;
        let method = methods
            .iter()
            .find(|m| {
                m.device
                    .as_ref()
                    .map_or(m.id == device.id, |d| d.id == device.id)
            })
            .map_or_else(|| device.id.clone(), |m| m.id.clone());
        graph.unassign(&user.id, &method)?;
        journal.record(
            key,
            Step::Unassigned,
            Note {
                device: Some(&device.id),
                ..Note::default()
            },
        )?;
        done.push(format!(
            "unassigned from {}",
            user.display_name.as_deref().unwrap_or(&user.id)
        ));
    }
    graph.delete_device(&device.id)?;
    journal.record(
        key,
        Step::Deleted,
        Note {
            device: Some(&device.id),
            ..Note::default()
        },
    )?;
    done.push("deleted".into());
    Ok(())
}
