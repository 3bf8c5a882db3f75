//! A single-profile Token2 in the Device tool: the expert writes. A burn writes the settings
//! (algorithm, period, display time, the clock) and then the seed, as Token2's burner does;
//! here the settings alone can be written — which clears the seed on most models, so the
//! user says they understand first — and the seed alone is a burn option (step 3's Options).

use super::{Manage, Note};
use crate::bridge;
use crate::bridge::client::{self, endpoint, Info, SyncRequest};
use crate::checkbox::CheckBox;
use leptos::prelude::*;
use leptos::task::spawn_local;
use tokensmith_core::caps::{DisplayTimeout, Model};

impl Manage {
    /// Reads the token (its clock, and whether writing its settings clears its seed).
    fn load_info(self, into: RwSignal<Option<Result<Info, String>>>) {
        let (Some(b), Some(d)) = (self.panel.state().connection.get_untracked(), self.device())
        else {
            return;
        };
        let (reader, kind, model) = Manage::address(&d);
        let req = client::Target {
            reader,
            kind,
            model,
        };
        spawn_local(async move {
            let res = client::info(&b, &req).await;
            if let Err(e) = &res {
                self.panel.lost(&b, e);
            }
            into.set(Some(res.map_err(|e| e.message)));
        });
    }

    fn write_settings(self, display: u32, clear_ok: bool) {
        let Some(d) = self.device() else { return };
        let otp = self.params.otp.get_untracked();
        let (reader, kind, model) = Manage::address(&d);
        let req = SyncRequest {
            reader,
            kind,
            model,
            algorithm: Some(otp.algorithm),
            period: Some(otp.period),
            display_timeout: Some(display),
            confirm_clear_seed: clear_ok,
            ..SyncRequest::default()
        };
        self.run::<endpoint::Sync>(
            "Writing the settings",
            format!(
                "Writing the settings ({}, {} s, display {display} s) and the clock… authenticate, config",
                otp.algorithm.human(),
                otp.period
            ),
            req,
            |r| {
                Some(Note::Done(if r.seed_cleared {
                    format!("Settings and clock written to {} {}. The seed was cleared: the token shows dashes until a seed is burned again, and a row recorded for it no longer works", r.model, r.serial)
                } else {
                    format!("Settings and clock written to {} {}; its seed is kept", r.model, r.serial)
                }))
            },
        );
    }
}

#[component]
pub(super) fn Token2View(m: Manage) -> impl IntoView {
    let info = RwSignal::new(None::<Result<Info, String>>);
    Effect::new(move |_| {
        m.changed.track();
        m.load_info(info);
    });
    let model = move || {
        m.device()
            .and_then(|d| bridge::model_of(d.kind, &d.model))
            .unwrap_or(Model::C302)
    };
    let display = RwSignal::new(30u32);
    let ack = RwSignal::new(false);
    let clears = move || match info.get() {
        Some(Ok(i)) => i.sync_clears_seed,
        _ => None,
    };
    let warning = move || {
        match (info.get(), clears()) {
        (Some(Err(e)), _) => format!("The token could not be read: {e}"),
        (None, _) => "Reading the token…".into(),
        (_, Some(false)) => "This model keeps its seed when its settings are written.".into(),
        _ => "Writing the config clears the seed on this model: the token shows dashes until a seed is burned into it again, and a row recorded for it no longer works.".into(),
    }
    };
    let settings = move || {
        let o = m.params.otp.get();
        format!(
            "Writes step 3's settings — {}, {} s — and this computer's clock, with the display time below.",
            o.algorithm.human(),
            o.period
        )
    };
    // The seed goes only where the bridge was told it may clear it.
    let ready = move || !m.blocked() && (clears() == Some(false) || ack.get());
    view! {
        <p class="muted small">"A burn writes the settings (algorithm, period, display time, clock) and then the seed, as Token2's burner does. Experts can write either alone."</p>
        <h3 class="sub">"Settings only"</h3>
        <p class=move || if clears() == Some(false) { "muted" } else { "danger" } data-testid="token2-clears-seed">{warning}</p>
        <p class="muted small">{settings}</p>
        <div class="row">
            <div class="field">
                <label for="token2-display">"Display time"</label>
                <select id="token2-display" data-testid="token2-display"
                    on:change=move |ev| display.set(event_target_value(&ev).parse().unwrap_or(30))>
                    {move || model().caps().display_timeouts.iter().map(|t: &DisplayTimeout| {
                        let s = t.seconds();
                        view! { <option value=s.to_string() selected=move || display.get() == s>{format!("{s} s")}</option> }
                    }).collect_view()}
                </select>
            </div>
        </div>
        <Show when=move || clears() != Some(false)>
            <CheckBox id="token2-clear-ack" value=ack>"I understand: the seed in this token is cleared."</CheckBox>
        </Show>
        <button type="button" data-testid="token2-write-settings" disabled=move || !ready()
            on:click=move |_| { m.write_settings(display.get_untracked(), ack.get_untracked()); ack.set(false); }>
            "Write the settings only"
        </button>
        <h3 class="sub">"Seed only"</h3>
        <p class="muted small" data-testid="token2-seed-only">"To burn a seed and keep the token's settings and clock, tick “Write the seed only” in step 3's Options, then burn in step 4: the row records step 3's algorithm and period, so they must be the ones the token has."</p>
    }
}
