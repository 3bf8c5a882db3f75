//! The hand-out: one printed page per user with their token's serial, how to use it and who
//! to call — never a seed (the hand-outs are made from rows that carry none). The helpdesk
//! contact is typed once and kept in this browser's settings. Shown as a preview; printed
//! alone, one user per page (the print CSS hides the rest of the page while it is open).

use super::BatchTool;
use crate::browser;
use leptos::prelude::*;
use tokensmith_api::BatchResultRow;

/// The settings key of the helpdesk contact.
const HELPDESK: &str = "helpdesk-contact";

/// What a hand-out says about one token: no secret.
#[derive(Clone, PartialEq)]
pub struct Handout {
    upn: String,
    display_name: Option<String>,
    serial: String,
    profile: Option<u8>,
    model: String,
    digits: u8,
    period: u32,
}

impl Handout {
    pub fn of(r: &BatchResultRow) -> Self {
        Handout {
            upn: r.upn.clone(),
            display_name: r.display_name.clone(),
            serial: r.serial.clone(),
            profile: r.profile,
            model: r.model.clone(),
            digits: r.digits,
            period: r.period,
        }
    }
}

#[component]
pub fn Handouts(tool: BatchTool) -> impl IntoView {
    let open = RwSignal::new(false);
    let helpdesk = RwSignal::new(browser::pref_get(HELPDESK).unwrap_or_default());
    let count = move || tool.handouts.with(Vec::len);
    view! {
        <div class="batch-screen batch-handout-bar" hidden=move || count() == 0>
            <h3>"Hand-outs"</h3>
            <div class="field">
                <label for="batch-helpdesk">"Who to call, printed on every hand-out (kept in this browser)"</label>
                <input id="batch-helpdesk" data-testid="batch-helpdesk" type="text"
                    placeholder="IT helpdesk, +41 22 555 01 00, help@contoso.com"
                    prop:value=move || helpdesk.get()
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        browser::pref_set(HELPDESK, &v);
                        helpdesk.set(v);
                    } />
            </div>
            <div class="row">
                <button type="button" class="secondary" data-testid="batch-handouts-toggle"
                    aria-expanded=move || open.get().to_string() aria-controls="batch-handouts"
                    on:click=move |_| open.update(|o| *o = !*o)>
                    {move || if open.get() { "Hide the hand-outs".to_string() } else { format!("Show the hand-outs ({})", count()) }}
                </button>
                <button type="button" data-testid="batch-print" on:click=move |_| {
                    open.set(true);
                    // After the hand-outs are drawn: the print CSS prints only them.
                    request_animation_frame(|| { let _ = window().print(); });
                }>"Print the hand-outs"</button>
                <span class="muted">"One page per user: serial, how to use the token, who to call. No seed is printed."</span>
            </div>
        </div>
        <div id="batch-handouts" class="handouts" data-testid="batch-handouts" hidden=move || !open.get()>
            <For each=move || tool.handouts.get() key=|h| (h.serial.clone(), h.profile, h.upn.clone()) let:h>
                <HandoutPage h helpdesk />
            </For>
        </div>
    }
}

#[component]
fn HandoutPage(h: Handout, helpdesk: RwSignal<String>) -> impl IntoView {
    let name = h.display_name.clone().unwrap_or_else(|| h.upn.clone());
    let profile = h.profile.map(|p| {
        format!("Your account is profile {p}: press the button until the screen shows it (its title is your name).")
    });
    view! {
        <article class="handout" data-testid="batch-handout">
            <h3>{format!("Your sign-in token, {name}")}</h3>
            <dl>
                <dt>"Account"</dt><dd>{h.upn.clone()}</dd>
                <dt>"Token"</dt><dd>{h.model.clone()}</dd>
                <dt>"Serial number"</dt><dd class="mono" data-testid="handout-serial">{h.serial.clone()}</dd>
            </dl>
            <h4>"How to use it"</h4>
            <ol>
                <li>"Sign in as usual. When Microsoft asks for a code from your authenticator or hardware token, choose the hardware token."</li>
                <li>{format!("Press the token's button: it shows a {}-digit code, new every {} seconds.", h.digits, h.period)}</li>
                {profile.map(|p| view! { <li>{p}</li> })}
                <li>"Type the code before it changes. If it is refused, wait for the next code and try once more."</li>
                <li>"Keep the token with you and never share its codes. Lost, broken, or always refused: call at once."</li>
            </ol>
            <p class="handout-help">
                <strong>"Help: "</strong>
                {move || { let c = helpdesk.get(); if c.trim().is_empty() { "your IT helpdesk".to_string() } else { c } }}
            </p>
        </article>
    }
}
