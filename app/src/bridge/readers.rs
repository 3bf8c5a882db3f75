//! The readers the bridge sees, the device on each (model, serial, clock drift), and which one
//! to burn to.

use super::client::{DeviceKind, Reader};
use super::{manufacturer_of, Panel};
use leptos::prelude::*;

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
        (None, Some(e)) => e.clone(),
        (None, None) if !r.card_present => "no card: put the token on the reader".into(),
        (None, None) => "card not recognised".into(),
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
                let usable = r.device.is_some();
                let line = device_line(&r, t);
                let kind = r.device.as_ref().map(|d| match d.kind {
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
    view! {
        <div class="row spread">
            <h3 class="sub">"Readers"</h3>
            <button type="button" class="secondary small" data-testid="bridge-refresh" on:click=move |_| panel.refresh()>
                "Refresh"
            </button>
        </div>
        <ul class="bridge-readers" data-testid="bridge-readers" aria-label="Readers">
            {items}
        </ul>
        <Show when=move || panel.connected() && bridge.readers.with(Vec::is_empty)>
            <p class="muted">"No reader found: connect a reader or the token, then Refresh."</p>
        </Show>
    }
}
