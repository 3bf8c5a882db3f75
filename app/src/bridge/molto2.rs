//! A Molto2's profiles as the bridge reads them (public data, no authentication): which are in
//! use and their titles, beside the job's one profile field, so an occupied profile is not
//! overwritten by accident.

use super::client::{self, DeviceKind, Profile};
use super::{molto2_model, request_model, Panel};
use leptos::prelude::*;
use leptos::task::spawn_local;

impl Panel {
    /// Reads the selected Molto2's profiles (a failure leaves the map empty and says so).
    fn load_profiles(self) {
        let (Some(b), Some(d)) = (self.bridge.connection.get_untracked(), self.device()) else {
            return;
        };
        if d.kind != DeviceKind::Molto2 {
            return;
        }
        let profiles = self.bridge.profiles;
        spawn_local(async move {
            match client::profiles(&b, &d.reader, request_model(molto2_model(&d))).await {
                Ok(list) => profiles.set(Some((d.reader.clone(), list))),
                Err(_) => profiles.set(None),
            }
        });
    }

    /// The profiles of the selected Molto2, if read.
    fn profiles(self) -> Option<Vec<Profile>> {
        let reader = self.device()?.reader;
        self.bridge.profiles.with(|p| {
            p.as_ref()
                .filter(|(r, _)| *r == reader)
                .map(|(_, l)| l.clone())
        })
    }

    /// What profile `n` of the selected Molto2 holds, when it holds a seed.
    pub fn occupied(self, n: u8) -> Option<Profile> {
        self.profiles()?
            .into_iter()
            .find(|p| p.profile == n && p.seed_present)
    }

    /// The first profile from `from` on that holds nothing (per the bridge's last reading).
    pub fn next_free(self, from: u8) -> Option<u8> {
        let list = self.profiles()?;
        let last = self.device()?.last_profile()?;
        (from..=last).find(|n| !list.iter().any(|p| p.profile == *n && p.seed_present))
    }
}

fn describe(p: &Profile) -> String {
    if p.title.trim().is_empty() {
        format!("{} (no title)", p.profile)
    } else {
        format!("{} “{}”", p.profile, p.title.trim())
    }
}

/// The profiles in use on the selected Molto2 (click one to pick it), and the next free one.
#[component]
pub fn ProfileMap(panel: Panel) -> impl IntoView {
    let form = panel.form;
    // Read again whenever the reader list changes (selection, refresh, after a burn).
    Effect::new(move |_| {
        panel.bridge.readers.track();
        panel.bridge.selected.track();
        panel.load_profiles();
    });
    let used = move || {
        panel
            .profiles()
            .map(|l| l.into_iter().filter(|p| p.seed_present).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let total = move || panel.device().and_then(|d| d.profiles).unwrap_or(0);
    let chosen = move || form.profile.get().trim().parse::<u8>().ok();
    let summary = move || match panel.profiles() {
        None => "Reading the token's profiles…".to_string(),
        Some(_) => {
            let free = panel
                .next_free(0)
                .map(|n| format!(" First free: {n}."))
                .unwrap_or_else(|| " None is free.".into());
            format!("{} of {} profiles in use.{free}", used().len(), total())
        }
    };
    let warning = move || {
        let p = chosen()?;
        panel.occupied(p).map(|o| {
            format!(
                "Profile {} is in use: burning replaces it (you will be asked).",
                describe(&o)
            )
        })
    };
    view! {
        <div class="profile-map" data-testid="molto2-profiles">
            <p class="muted" data-testid="molto2-summary">{summary}</p>
            <ul class="chips" aria-label="Profiles in use">
                {move || {
                    used()
                        .into_iter()
                        .map(|p| {
                            let n = p.profile;
                            let text = describe(&p);
                            view! {
                                <li>
                                    <button
                                        type="button"
                                        class="chip"
                                        class:chosen=move || chosen() == Some(n)
                                        data-profile=n.to_string()
                                        aria-label=format!("Profile {text}: pick it")
                                        disabled=move || panel.params.fixed.get()
                                        on:click=move |_| form.profile.set(n.to_string())
                                    >
                                        {text.clone()}
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            <p class="warn" data-testid="profile-occupied">{warning}</p>
        </div>
    }
}
