//! Starting a batch: the user list (pasted or opened; read with core's parser as it is typed,
//! every issue with its line and how to fix it), the parameters chosen once (core's table
//! for the model; what the model or Entra refuses is said before anything starts), the
//! readers, the Molto2s' customer key or the OATH keys' password (the box's tokens share one),
//! the journal and its passphrase (typed twice; sent once, then wiped), and "resume" after a
//! stop or a bridge restart. What was chosen — never a key, password or passphrase — is
//! remembered here so a restarted bridge can be resumed.

use super::BatchTool;
use crate::bridge::client;
use crate::browser;
use crate::checkbox::CheckBox;
use crate::secret_input::SecretInput;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use tokensmith_api::{endpoint, BatchStart, SecretString, UserListFormat};
use tokensmith_core::batch::{self, BatchParams, Severity};
use tokensmith_core::caps::{DisplayTimeout, Family, Model};
use tokensmith_core::entra::Format;
use tokensmith_core::otp::{Algorithm, OtpParams};
use zeroize::Zeroizing;

/// Where the last batch's choices are kept (no secret: the list, the settings, the file).
const KEY: &str = "batch-last";

#[derive(Clone, Serialize, Deserialize)]
struct Remembered {
    users: String,
    model: String,
    algorithm: String,
    digits: u8,
    period: u32,
    /// Seconds; absent in what older pages kept.
    #[serde(default)]
    display_timeout: Option<u32>,
    results_file: String,
    plaintext: bool,
    auto_accept: bool,
    overwrite: bool,
    readers: Vec<String>,
    simulate_readers: u8,
}

/// The form's fields.
#[derive(Clone, Copy)]
struct Form {
    users: RwSignal<String>,
    model: RwSignal<Model>,
    algorithm: RwSignal<Algorithm>,
    digits: RwSignal<u8>,
    period: RwSignal<u32>,
    /// For models with a screen (the bridge's default, 30 s, to start with).
    display_timeout: RwSignal<DisplayTimeout>,
    readers: RwSignal<Vec<String>>,
    simulate_readers: RwSignal<u8>,
    results_file: RwSignal<String>,
    passphrase: RwSignal<Zeroizing<String>>,
    again: RwSignal<Zeroizing<String>>,
    /// The Molto2s' customer key or the OATH keys' password (empty: the factory key, none).
    credential: RwSignal<Zeroizing<String>>,
    plaintext: RwSignal<bool>,
    auto_accept: RwSignal<bool>,
    overwrite: RwSignal<bool>,
    resume: RwSignal<bool>,
    /// The last batch's choices were found here.
    remembered: RwSignal<bool>,
    /// The bridge runs `--simulate`: its own box of emulated tokens.
    simulate: RwSignal<bool>,
    busy: RwSignal<bool>,
}

impl Form {
    fn new() -> Self {
        let f = Form {
            users: RwSignal::new(String::new()),
            model: RwSignal::new(Model::C302),
            algorithm: RwSignal::new(Algorithm::Sha1),
            digits: RwSignal::new(6),
            period: RwSignal::new(30),
            display_timeout: RwSignal::new(DisplayTimeout::default()),
            readers: RwSignal::new(Vec::new()),
            simulate_readers: RwSignal::new(1),
            results_file: RwSignal::new("tokensmith-batch.journal".into()),
            passphrase: RwSignal::new(Zeroizing::new(String::new())),
            again: RwSignal::new(Zeroizing::new(String::new())),
            credential: RwSignal::new(Zeroizing::new(String::new())),
            plaintext: RwSignal::new(false),
            auto_accept: RwSignal::new(false),
            overwrite: RwSignal::new(false),
            resume: RwSignal::new(false),
            remembered: RwSignal::new(false),
            simulate: RwSignal::new(false),
            busy: RwSignal::new(false),
        };
        if let Some(r) =
            browser::pref_get(KEY).and_then(|t| serde_json::from_str::<Remembered>(&t).ok())
        {
            f.users.set(r.users);
            f.model.set(r.model.parse().unwrap_or(Model::C302));
            f.algorithm.set(r.algorithm.parse().unwrap_or_default());
            f.digits.set(r.digits);
            f.period.set(r.period);
            f.display_timeout.set(
                r.display_timeout
                    .and_then(|s| DisplayTimeout::try_from(s).ok())
                    .unwrap_or_default(),
            );
            f.results_file.set(r.results_file);
            f.plaintext.set(r.plaintext);
            f.auto_accept.set(r.auto_accept);
            f.overwrite.set(r.overwrite);
            f.readers.set(r.readers);
            f.simulate_readers.set(r.simulate_readers.max(1));
            f.resume.set(true);
            f.remembered.set(true);
        }
        f
    }

    fn params(&self) -> BatchParams {
        BatchParams {
            model: self.model.get(),
            otp: OtpParams {
                algorithm: self.algorithm.get(),
                digits: self.digits.get(),
                period: self.period.get(),
            },
            display_timeout: display_sent(self.model.get(), self.display_timeout.get()),
        }
    }

    /// What the credential field asks for with this model, if anything.
    fn credential_label(&self) -> Option<&'static str> {
        match self.model.get().caps().family {
            Family::Molto2 => Some("The Molto2s' customer key (empty: the factory key)"),
            Family::Oath => Some("The keys' OATH password (only if they have one)"),
            Family::Token2 | Family::App => None,
        }
    }

    /// The credential as the request carries it, for the family that takes it.
    fn credential_for(&self, family: Family) -> Option<SecretString> {
        let asked = self.model.get_untracked().caps().family == family;
        let text = self.credential.with_untracked(|c| c.trim().to_string());
        (asked && !text.is_empty()).then(|| SecretString::new(text))
    }

    fn remember(&self) {
        let r = Remembered {
            users: self.users.get_untracked(),
            model: self.model.get_untracked().caps().slug.into(),
            algorithm: self.algorithm.get_untracked().as_str().into(),
            digits: self.digits.get_untracked(),
            period: self.period.get_untracked(),
            display_timeout: Some(self.display_timeout.get_untracked().seconds()),
            results_file: self.results_file.get_untracked(),
            plaintext: self.plaintext.get_untracked(),
            auto_accept: self.auto_accept.get_untracked(),
            overwrite: self.overwrite.get_untracked(),
            readers: self.readers.get_untracked(),
            simulate_readers: self.simulate_readers.get_untracked(),
        };
        if let Ok(t) = serde_json::to_string(&r) {
            browser::pref_set(KEY, &t);
        }
    }
}

/// The display time a batch of `model` is burned with: none for models without a screen.
fn display_sent(model: Model, chosen: DisplayTimeout) -> Option<DisplayTimeout> {
    (!model.caps().display_timeouts.is_empty()).then_some(chosen)
}

/// What the page refuses before asking the bridge (the bridge checks the same again).
fn problems(f: &Form) -> Option<String> {
    let list = batch::read_users(&f.users.get());
    if list.has_errors() {
        return Some("Fix the user list first (its problems are listed under it).".into());
    }
    if batch::check_params(&f.params(), Format::Graph).is_err() {
        return Some("Choose settings the model takes (listed under them).".into());
    }
    if !f.plaintext.get() {
        let (p, a) = (f.passphrase.get(), f.again.get());
        if p.is_empty() {
            return Some("Type the journal's passphrase (or choose plain text).".into());
        }
        if *p != *a {
            return Some("The two passphrases differ.".into());
        }
    }
    None
}

fn start(tool: BatchTool, f: Form) {
    let Some(b) = tool.connection() else { return };
    let list = batch::read_users(&f.users.get_untracked());
    let pass = (!f.plaintext.get_untracked())
        .then(|| SecretString::new(f.passphrase.get_untracked().to_string()));
    let req = BatchStart {
        users: f.users.get_untracked(),
        format: Some(UserListFormat::from(list.format)),
        token_model: f.model.get_untracked().caps().slug.into(),
        algorithm: Some(f.algorithm.get_untracked()),
        digits: Some(f.digits.get_untracked()),
        period: Some(f.period.get_untracked()),
        display_timeout: display_sent(f.model.get_untracked(), f.display_timeout.get_untracked())
            .map(u32::from),
        readers: if f.simulate.get_untracked() {
            Vec::new()
        } else {
            f.readers.get_untracked()
        },
        simulate_readers: f
            .simulate
            .get_untracked()
            .then(|| f.simulate_readers.get_untracked()),
        overwrite: f.overwrite.get_untracked(),
        auto_accept: f.auto_accept.get_untracked(),
        resume: f.resume.get_untracked(),
        results_file: Some(f.results_file.get_untracked().trim().to_string()),
        passphrase: pass,
        plaintext_results: f.plaintext.get_untracked(),
        customer_key: f.credential_for(Family::Molto2),
        password: f.credential_for(Family::Oath),
    };
    f.busy.set(true);
    spawn_local(async move {
        let r = client::call::<endpoint::StartBatch>(&b, &req).await;
        drop(req);
        f.busy.set(false);
        if r.is_ok() {
            f.remember();
            f.passphrase.set(Zeroizing::new(String::new()));
            f.again.set(Zeroizing::new(String::new()));
            f.credential.set(Zeroizing::new(String::new()));
            f.resume.set(true);
        }
        tool.answered(r);
    });
}

#[component]
pub fn SetupForm(tool: BatchTool) -> impl IntoView {
    let f = Form::new();
    // Whether the bridge simulates: its own box of emulated tokens feeds the batch.
    Effect::new(move |_| {
        if let Some(b) = tool.bridge.connection.get() {
            spawn_local(async move {
                if let Ok(h) = client::health(&b).await {
                    f.simulate.set(h.simulate);
                }
            });
        }
    });
    let no_batch_here = move || tool.asked.get() && tool.status.with(Option::is_none);
    view! {
        <div class="batch-setup" data-testid="batch-setup">
            <Show when=move || no_batch_here() && f.remembered.get()>
                <p class="notes" data-testid="batch-resume-hint">
                    {move || format!(
                        "The bridge runs no batch now. The last one started here writes {}: to go on where it stopped (after a stop or a restart of the bridge), keep “Resume”, type its passphrase{} and press Resume — the users with a token in the journal are done.",
                        f.results_file.get(),
                        if f.credential_label().is_some() { " (and the tokens' key or password, if they have one)" } else { "" }
                    )}
                </p>
            </Show>
            <h3>{move || if tool.status.with(Option::is_some) { "Another batch, or resume" } else { "Start a batch" }}</h3>
            <div class="batch-grid">
                <UsersField f />
                <ParamsFields f />
            </div>
            <ReadersField tool f />
            <div class="batch-grid">
                <div class="field">
                    <label for="batch-journal">"Journal on the bridge's computer (every token recorded before it is reported)"</label>
                    <input id="batch-journal" data-testid="batch-journal" type="text" spellcheck="false"
                        prop:value=move || f.results_file.get()
                        on:input=move |ev| f.results_file.set(event_target_value(&ev)) />
                </div>
                <div class="field" hidden=move || f.plaintext.get()>
                    <label for="batch-passphrase">"Its passphrase (encrypts the seeds at rest; asked again to resume)"</label>
                    <SecretInput id="batch-passphrase".into() value=f.passphrase new=true />
                    <label for="batch-passphrase-again">"The same passphrase again"</label>
                    <SecretInput id="batch-passphrase-again".into() value=f.again new=true />
                </div>
            </div>
            <CheckBox id="batch-plaintext" value=f.plaintext>"Keep the journal's seeds in plain text (no passphrase)"</CheckBox>
            <CheckBox id="batch-auto-accept" value=f.auto_accept>"Accept each code without comparing it with the token's display (trusted runs)"</CheckBox>
            <CheckBox id="batch-overwrite" value=f.overwrite>"Burn tokens already in the journal again (their seeds are lost)"</CheckBox>
            <CheckBox id="batch-resume" value=f.resume>"Resume: users with a token in this journal are done"</CheckBox>
            <div class="row">
                <button type="button" data-testid="batch-start"
                    disabled=move || f.busy.get() || problems(&f).is_some()
                    on:click=move |_| start(tool, f)>
                    {move || if f.resume.get() { "Resume the batch" } else { "Start the batch" }}
                </button>
                <span class="muted" data-testid="batch-start-why">{move || problems(&f)}</span>
            </div>
        </div>
    }
}

#[component]
fn UsersField(f: Form) -> impl IntoView {
    let file_ref = NodeRef::<leptos::html::Input>::new();
    let list = Memo::new(move |_| batch::read_users(&f.users.get()));
    let open = move || {
        let Some(input) = file_ref.get_untracked() else {
            return;
        };
        spawn_local(async move {
            if let Ok((_, text)) = browser::read_chosen_file(input.clone()).await {
                f.users.set(text.to_string());
            }
            input.set_value("");
        });
    };
    view! {
        <div class="field">
            <label for="batch-users">"Users, in order: one UPN a line, a CSV (UPN; display name, serial, profile, model optional), or Entra's users export"</label>
            <textarea id="batch-users" data-testid="batch-users" rows="6" spellcheck="false"
                placeholder="alice@contoso.com\nbob@contoso.com"
                prop:value=move || f.users.get()
                on:input=move |ev| f.users.set(event_target_value(&ev))></textarea>
            <input type="file" data-testid="batch-users-file" aria-label="Open a user list" accept=".txt,.csv,text/plain,text/csv"
                node_ref=file_ref on:change=move |_| open() />
            <p class="muted" data-testid="batch-list-summary">
                {move || list.with(|l| if f.users.get().trim().is_empty() { String::new() } else {
                    format!("{} user(s), read as {}.", l.users.len(), l.format.human())
                })}
            </p>
            <ul class="issues" data-testid="batch-list-issues">
                {move || {
                    let mut issues = list.with(|l| l.issues.clone());
                    issues.extend(list.with(|l| batch::check_against(&l.users, &f.params())));
                    issues.into_iter().filter(|_| !f.users.get().trim().is_empty()).map(|i| {
                        let warn = i.severity == Severity::Warning;
                        view! { <li class:warn=warn>{i.to_string()}</li> }
                    }).collect_view()
                }}
            </ul>
        </div>
    }
}

#[component]
fn ParamsFields(f: Form) -> impl IntoView {
    let caps = move || f.model.get().caps();
    let refusals = move || {
        batch::check_params(&f.params(), Format::Graph)
            .err()
            .unwrap_or_default()
            .iter()
            .map(|r| view! { <li>{r.to_string()}</li> })
            .collect_view()
    };
    let csv_note = move || {
        batch::check_params(&f.params(), Format::Csv).is_err()
            && batch::check_params(&f.params(), Format::Graph).is_ok()
    };
    view! {
        <div class="field">
            <label for="batch-model">"The tokens in the box"</label>
            <select id="batch-model" data-testid="batch-model"
                on:change=move |ev| {
                    let m: Model = event_target_value(&ev).parse().unwrap_or(Model::C302);
                    f.model.set(m);
                    let c = m.caps();
                    if !c.digits.contains(&f.digits.get_untracked()) { f.digits.set(6); }
                    if !c.algorithms.contains(&f.algorithm.get_untracked()) { f.algorithm.set(Algorithm::Sha1); }
                    if !c.display_timeouts.is_empty() && !c.display_timeouts.contains(&f.display_timeout.get_untracked()) { f.display_timeout.set(DisplayTimeout::default()); }
                }>
                {Model::ALL.into_iter().filter(|m| m.caps().family != Family::App).map(|m| view! {
                    <option value=m.caps().slug prop:selected=move || f.model.get() == m>{m.caps().human}</option>
                }).collect_view()}
            </select>
            <div class="grid3">
                <div class="field">
                    <label for="batch-algorithm">"Algorithm"</label>
                    <select id="batch-algorithm" data-testid="batch-algorithm"
                        on:change=move |ev| f.algorithm.set(event_target_value(&ev).parse().unwrap_or_default())>
                        {move || caps().algorithms.iter().map(|&a| view! {
                            <option value=a.as_str() prop:selected=move || f.algorithm.get() == a>{a.as_str()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="batch-digits">"Digits"</label>
                    <select id="batch-digits" data-testid="batch-digits"
                        on:change=move |ev| f.digits.set(event_target_value(&ev).parse().unwrap_or(6))>
                        {move || caps().digits.iter().map(|&d| view! {
                            <option value=d.to_string() prop:selected=move || f.digits.get() == d>{d}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="batch-period">"Period"</label>
                    <select id="batch-period" data-testid="batch-period"
                        on:change=move |ev| f.period.set(event_target_value(&ev).parse().unwrap_or(30))>
                        {[30u32, 60].into_iter().map(|p| view! {
                            <option value=p.to_string() prop:selected=move || f.period.get() == p>{format!("{p} s")}</option>
                        }).collect_view()}
                    </select>
                </div>
            </div>
            <div class="field" hidden=move || caps().display_timeouts.is_empty()>
                <label for="batch-display">"Display time (how long a code stays on the screen)"</label>
                <select id="batch-display" data-testid="batch-display"
                    on:change=move |ev| f.display_timeout.set(event_target_value(&ev).parse::<u32>().ok().and_then(|s| DisplayTimeout::try_from(s).ok()).unwrap_or_default())>
                    {move || caps().display_timeouts.iter().map(|&d| view! {
                        <option value=d.seconds().to_string() prop:selected=move || f.display_timeout.get() == d>{format!("{} s", d.seconds())}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field" hidden=move || f.credential_label().is_none()>
                <label for="batch-credential">{move || f.credential_label().unwrap_or_default()}</label>
                <SecretInput id="batch-credential".into() value=f.credential />
            </div>
            <ul class="issues" data-testid="batch-param-issues">{refusals}</ul>
            <p class="muted" hidden=move || !csv_note()>"Entra's CSV takes SHA-1 only: export these tokens as Graph JSON."</p>
        </div>
    }
}

#[component]
fn ReadersField(tool: BatchTool, f: Form) -> impl IntoView {
    let names = move || {
        tool.bridge
            .readers
            .with(|rs| rs.iter().map(|r| r.name.clone()).collect::<Vec<_>>())
    };
    view! {
        <fieldset class="batch-readers" data-testid="batch-readers">
            <legend>"Readers (each runs its own loop)"</legend>
            <Show
                when=move || f.simulate.get()
                fallback=move || view! {
                    <p class="muted">"None ticked: the only reader there is. Tick each reader the batch may write to."</p>
                    {move || names().into_iter().map(|n| {
                        let name = n.clone();
                        let checked = move || f.readers.with(|r| r.contains(&name));
                        let toggle = n.clone();
                        view! {
                            <label class="check-line">
                                <input type="checkbox" prop:checked=checked
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        f.readers.update(|r| { r.retain(|x| *x != toggle); if on { r.push(toggle.clone()); } });
                                    } />
                                " " {n}
                            </label>
                        }
                    }).collect_view()}
                }
            >
                <label for="batch-sim-readers">"Simulated readers, each fed from a box of fresh emulated tokens (the simulated admin swaps them)"</label>
                <input id="batch-sim-readers" data-testid="batch-sim-readers" type="number" min="1" max="8"
                    prop:value=move || f.simulate_readers.get().to_string()
                    on:input=move |ev| f.simulate_readers.set(event_target_value(&ev).parse().unwrap_or(1).clamp(1, 8)) />
            </Show>
        </fieldset>
    }
}
