//! Step 5 for an HOTP credential on an OATH key. The burn read no code back: every code the key
//! gives moves its counter on, and the service must start where the key is. So the admin
//! chooses: look the credential up on the key (LIST: its name, type and algorithm — no code is
//! used), or calculate one code, once, compared with `core::otp::hotp` of the row's counter; a
//! code read moves the row's counter on by one, so its exports start where the key now is.

use super::Job;
use crate::bridge::client::{self, endpoint, Bridge, OathListRequest, OathNameRequest, OathType};
use crate::bridge::grouped;
use crate::inventory::row_name;
use crate::inventory::status::{Check, How};
use leptos::prelude::*;
use leptos::task::spawn_local;
use tokensmith_core::otp::hotp;
use tokensmith_core::otpauth::Kind;

/// What the last HOTP check said: `(ok, text)`.
pub type Said = Option<(bool, String)>;

impl Job {
    /// The HOTP row the job is on: its id, counter and expected code at that counter.
    fn hotp_row(self) -> Option<(u64, u64, String)> {
        let (_, r) = self.linked()?;
        let counter = r.status.hotp_counter()?;
        let code = hotp(
            r.rec.secret.as_bytes(),
            counter,
            r.rec.algorithm,
            r.status.digits,
        )
        .ok()?;
        Some((r.id, counter, code))
    }

    /// The bridge, the device on the reader, and the credential the burn stored.
    fn on_key(self) -> Result<(Bridge, client::Device, String), String> {
        let b = self.panel.state().connection.get_untracked();
        let d = self.panel.device();
        let name = self.verify.credential.get_untracked();
        match (b, d, name) {
            (Some(b), Some(d), Some(n)) => Ok((b, d, n)),
            (_, _, None) => Err("This row was not burned through the bridge in this session: check it where the service asks for a code.".into()),
            _ => Err("Connect the bridge and put the key on the reader (step 1).".into()),
        }
    }

    fn password(self) -> Option<client::SecretString> {
        let c = self
            .panel
            .credential()
            .with_untracked(|c| c.trim().to_string());
        (!c.is_empty()).then(|| client::SecretString::from(c))
    }

    /// LIST: the credential is on the key with the type and algorithm burned. Uses no code.
    fn look_up(self) {
        let said = self.verify.hotp;
        let (b, d, name) = match self.on_key() {
            Ok(k) => k,
            Err(e) => return said.set(Some((false, e))),
        };
        let Some((_, r)) = self.linked() else { return };
        let req = OathListRequest {
            reader: Some(d.reader.clone()),
            kind: Some(d.kind),
            model: None,
            password: self.password(),
        };
        said.set(Some((true, "Listing the key's accounts…".into())));
        spawn_local(async move {
            let res = client::call::<endpoint::ListOath>(&b, &req).await;
            drop(req);
            said.set(Some(match res {
                Err(e) => (false, format!("The accounts could not be listed: {}", e.message)),
                Ok(list) => match list.credentials.iter().find(|c| c.name == name) {
                    None => (false, format!("The key has no account “{name}”: burn it again (step 4).")),
                    Some(c) if c.oath_type != OathType::Hotp || c.algorithm != r.rec.algorithm => (
                        false,
                        format!(
                            "The key holds “{name}” as {} {}, not HOTP {}: burn it again (step 4).",
                            c.oath_type.as_str().to_uppercase(),
                            c.algorithm.human(),
                            r.rec.algorithm.human()
                        ),
                    ),
                    Some(_) => (
                        true,
                        format!(
                            "The key holds “{name}” as HOTP {} (no code was used). Its seed cannot be read back: the first code the service checks confirms it.",
                            r.rec.algorithm.human()
                        ),
                    ),
                },
            }));
        });
    }

    /// CALCULATE once: the key's code for the row's counter against the page's; either way the
    /// key's counter has moved on, and so does the row's.
    fn calculate_once(self) {
        let said = self.verify.hotp;
        let (b, d, name) = match self.on_key() {
            Ok(k) => k,
            Err(e) => return said.set(Some((false, e))),
        };
        let Some((id, counter, expected)) = self.hotp_row() else {
            return;
        };
        let req = OathNameRequest {
            reader: Some(d.reader.clone()),
            kind: Some(d.kind),
            model: None,
            name: name.clone(),
            password: self.password(),
        };
        let inv = self.inv;
        said.set(Some((
            true,
            format!("Asking the key for the code of “{name}”… if it blinks, touch it now"),
        )));
        spawn_local(async move {
            let res = client::call::<endpoint::CalculateOath>(&b, &req).await;
            drop(req);
            let code = match res {
                Ok(c) => c.code,
                Err(e) => {
                    return said.set(Some((
                        false,
                        format!(
                            "No code was read: {} (the counter did not move).",
                            e.message
                        ),
                    )))
                }
            };
            let next = counter + 1;
            let matches = code == expected;
            inv.set_status(id, |s| {
                s.kind = Kind::Hotp { counter: next };
                s.exported = false;
                s.check = if matches {
                    Check::Verified {
                        drift: 0,
                        period: 30,
                        how: How::Device,
                    }
                } else {
                    Check::Failed
                };
            });
            let name = inv
                .row(id)
                .map(|(i, r)| row_name(i, &r.rec))
                .unwrap_or_default();
            said.set(Some(if matches {
                (
                    true,
                    format!(
                        "The key gave {} for counter {counter}, as expected: verified. Its counter is {next} now, and so is {name}'s (the export starts there).",
                        grouped(&code)
                    ),
                )
            } else {
                (
                    false,
                    format!(
                        "The key gave {}, not {} (counter {counter}): it may not hold this seed — burn it again (step 4). Its counter moved on to {next}.",
                        grouped(&code),
                        grouped(&expected)
                    ),
                )
            }));
        });
    }
}

/// Step 5's body for an HOTP row.
#[component]
pub fn HotpCheck(job: Job) -> impl IntoView {
    let row = move || job.hotp_row();
    let busy = move || job.panel.state().busy.get();
    view! {
        <p class="warn" data-testid="hotp-not-read">
            "HOTP: the page did not ask the key for a code after the burn — each code the key gives moves its counter on by one, and the service must start at the same counter."
        </p>
        <p class="muted small">
            {move || row().map(|(_, counter, code)| format!(
                "The next code the key gives (counter {counter}) should be {}.",
                grouped(&code)
            ))}
        </p>
        <div class="row">
            <button type="button" class="secondary" data-testid="hotp-look-up" disabled=busy on:click=move |_| job.look_up()>
                "Look it up on the key (uses no code)"
            </button>
            <button type="button" class="secondary" data-testid="hotp-calculate" disabled=busy on:click=move |_| job.calculate_once()>
                {move || row().map_or("Calculate one code".to_string(), |(_, c, _)| format!("Calculate one code (the counter moves on to {})", c + 1))}
            </button>
        </div>
    }
}

/// What the last HOTP check said (it stays once the row is verified and the buttons go).
#[component]
pub fn HotpSaid(job: Job) -> impl IntoView {
    let said = job.verify.hotp;
    view! {
        <p role="status" data-testid="hotp-check" class=move || match said.get() { Some((true, _)) => "ok", Some((false, _)) => "error", None => "" }>
            {move || said.get().map(|s| s.1)}
        </p>
    }
}
