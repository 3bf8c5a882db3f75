//! The readers the bridge sees, the device on each (model, serial, clock drift), and which one
//! to burn to.

use super::client::{self, DeviceKind, Reader};
use super::outcome::Outcome;
use super::{manufacturer_of, unread_molto2, Panel};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The token clock against this computer's, in words.
pub(super) fn drift_text(token_time: Option<i64>, now: i64) -> String {
    match token_time {
        None => "no clock (the computer's clock picks the step)".into(),
        Some(t) => {
            let d = t - now;
            match d {
                -2..=2 => "clock matches this computer".into(),
                d if d < 0 => format!("clock {} s behind", -d),
                d => format!("clock {d} s ahead"),
            }
        }
    }
}

fn device_line(r: &Reader, now: i64) -> String {
    match (&r.device, &r.error) {
        (Some(d), _) => {
            let mut parts = vec![
                match manufacturer_of(d.kind, &d.model) {
                    Some(maker) if d.kind != DeviceKind::Oath => format!("{maker} {}", d.model),
                    _ => d.model.clone(),
                },
                if d.serial.is_empty() {
                    "no serial reported (give the one printed on it)".into()
                } else {
                    format!("serial {}", d.serial)
                },
            ];
            if let Some(p) = d.profiles {
                parts.push(format!("{p} profiles"));
            }
            if !d.known_model {
                parts.push("unknown model".into());
            }
            parts.push(drift_text(d.token_time, now));
            parts.join(" · ")
        }
        (None, _) if unread_molto2(r) => {
            "Token2 Molto2, by its reader's name · not read while listing: choose it to read it"
                .into()
        }
        (None, Some(e)) => e.clone(),
        (None, None) if !r.card_present => "no card: put the token on the reader".into(),
        (None, None) => "card not recognised".into(),
    }
}

impl Panel {
    /// Read the Molto2 on `reader` (the user chose it): its serial, clock and, as the target
    /// picker says, its profiles; the reader list shows it from then on.
    pub(super) fn read_molto2(self, reader: String) {
        let Some(b) = self.bridge.connection.get_untracked() else {
            return;
        };
        let req = client::Target {
            reader: Some(reader.clone()),
            kind: Some(DeviceKind::Molto2),
            model: self.bridge.molto2_request_model(),
        };
        spawn_local(async move {
            match client::info(&b, &req).await {
                Ok(info) => self.bridge.readers.update(|rs| {
                    if let Some(r) = rs.iter_mut().find(|r| r.name == reader) {
                        r.device = Some(info.device);
                    }
                }),
                Err(e) => {
                    self.lost(&b, &e);
                    self.outcome.set(Some(Outcome::Failed {
                        what: "Reading the Molto2",
                        err: e,
                    }));
                }
            }
        });
    }
}

#[component]
pub(super) fn ReaderList(panel: Panel) -> impl IntoView {
    let Panel {
        bridge, auth_ack, ..
    } = panel;
    let items = move || {
        let t = crate::clock::unix_now();
        let sel = bridge.selected.get();
        bridge
            .readers
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let id = format!("bridge-reader-{i}");
                let name = r.name.clone();
                let checked = sel.as_deref() == Some(r.name.as_str());
                let usable = r.device.is_some() || unread_molto2(&r);
                let unread = unread_molto2(&r);
                let line = device_line(&r, t);
                let kind = r
                    .device
                    .as_ref()
                    .map(|d| d.kind)
                    .or(r.kind)
                    .map(|k| match k {
                        DeviceKind::Token2 => "token2",
                        DeviceKind::Molto2 => "molto2",
                        DeviceKind::Oath => "oath",
                    });
                view! {
                    <li class:selected=checked data-kind=kind>
                        <input
                            type="radio"
                            id=id.clone()
                            name="bridge-reader"
                            prop:checked=checked
                            disabled=!usable
                            on:change=move |_| {
                                bridge.selected.set(Some(name.clone()));
                                auth_ack.set(false);
                                if unread {
                                    panel.read_molto2(name.clone());
                                }
                            }
                        />
                        <label for=id>
                            <span class="reader-name">{r.name.clone()}</span>
                            <span class="reader-device" class:muted=!usable>{line}</span>
                        </label>
                    </li>
                }
            })
            .collect_view()
    };
    let clock = move || {
        matches!(
            panel.device().map(|d| d.kind),
            Some(DeviceKind::Token2 | DeviceKind::Molto2)
        )
    };
    view! {
        <fieldset class="readers">
            <legend>"Reader"</legend>
            <ul class="bridge-readers" data-testid="bridge-readers">
                {items}
            </ul>
        </fieldset>
        <Show when=move || panel.connected() && bridge.readers.with(Vec::is_empty)>
            <p class="muted">"No reader found: connect a reader or the token, then Refresh."</p>
        </Show>
        <div class="row">
            <button type="button" class="secondary small" data-testid="bridge-refresh" on:click=move |_| panel.refresh()>
                "Refresh"
            </button>
            {use_context::<crate::tools::ToolsState>().map(|tools| view! {
                <Show when=move || panel.device().is_some()>
                    <button
                        type="button"
                        class="secondary small"
                        data-testid="bridge-manage"
                        on:click=move |_| tools.show(crate::tools::Tool::Device)
                    >
                        "Manage this device"
                    </button>
                </Show>
            })}
            <Show when=clock>
                <button
                    type="button"
                    class="secondary small"
                    data-testid="bridge-sync"
                    disabled=move || bridge.busy.get()
                    on:click=move |_| panel.sync(false)
                >
                    "Set the token's clock"
                </button>
            </Show>
        </div>
    }
}
