//! The target model and the code's parameters (algorithm, digits, period, issuer, account),
//! limited by the model to what that hardware supports; a detected device sets the model.

use crate::browser;
use crate::checkbox::CheckBox;
use crate::presets::{self, PRESETS};
use leptos::prelude::*;
use tokensmith_core::caps::{self, Family, Model, Periods, Touch};
use tokensmith_core::otp::{Algorithm, OtpParams, MAX_DIGITS, MIN_DIGITS};
use tokensmith_core::otpauth::Kind;

/// The record fields a preset fills in (they live in the inventory form).
#[derive(Clone, Copy)]
pub struct RecordForm {
    pub upn: RwSignal<String>,
    pub serial: RwSignal<String>,
    pub manufacturer: RwSignal<String>,
    pub model: RwSignal<String>,
    pub profile: RwSignal<String>,
    /// Molto2: the profile's title (empty: from the issuer).
    pub title: RwSignal<String>,
    pub display_name: RwSignal<String>,
}

impl RecordForm {
    pub fn new() -> Self {
        RecordForm {
            upn: RwSignal::new(String::new()),
            serial: RwSignal::new(browser::pref_get("serial").unwrap_or_default()),
            manufacturer: RwSignal::new(String::new()),
            model: RwSignal::new(String::new()),
            profile: RwSignal::new(String::new()),
            title: RwSignal::new(String::new()),
            display_name: RwSignal::new(String::new()),
        }
    }
}

/// What a detected device leaves of the model picker.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DeviceLock {
    /// The device said which model it is.
    Model(Model),
    /// An OATH key says only that it is one, a Molto2 not which generation: any model of the
    /// family (the user's call).
    Family(Family),
}

impl DeviceLock {
    pub fn allows(self, m: Model) -> bool {
        match self {
            DeviceLock::Model(x) => x == m,
            DeviceLock::Family(f) => m.caps().family == f,
        }
    }
}

#[derive(Clone, Copy)]
pub struct ParamsState {
    pub preset: RwSignal<Model>,
    /// The detected device, when one is the target.
    pub device: RwSignal<Option<DeviceLock>>,
    /// The seed was burned or handed off with these settings: they stay until the next token.
    pub fixed: RwSignal<bool>,
    pub algorithm: RwSignal<Algorithm>,
    pub digits: RwSignal<u8>,
    pub period: RwSignal<u32>,
    /// The period select is on "custom" (a number field shows).
    pub custom_period: RwSignal<bool>,
    pub issuer: RwSignal<String>,
    pub account: RwSignal<String>,
    /// Algorithm, digits and period together; changes only when one of them does.
    pub otp: Memo<OtpParams>,
    /// Token2, expert: burn the seed only, leaving the token's settings and clock as they are.
    pub seed_only: RwSignal<bool>,
    /// OATH keys: an HOTP (counter-based) credential instead of TOTP.
    pub hotp: RwSignal<bool>,
    /// HOTP: the initial counter (the bridge's API takes a 32-bit one, as ykman).
    pub counter: RwSignal<u32>,
    /// OATH keys: the key asks for a touch before it gives each code.
    pub touch: RwSignal<bool>,
}

impl ParamsState {
    pub fn new(form: RecordForm, fixed: RwSignal<bool>) -> Self {
        // A new job's settings: the shell's too (`tokensmith_shell::first`).
        let start = OtpParams::default();
        let algorithm = RwSignal::new(start.algorithm);
        let digits = RwSignal::new(start.digits);
        let period = RwSignal::new(start.period);
        let otp = Memo::new(move |_| OtpParams {
            algorithm: algorithm.get(),
            digits: digits.get(),
            period: period.get(),
        });
        let state = ParamsState {
            preset: RwSignal::new(presets::DEFAULT_PRESET),
            device: RwSignal::new(None),
            fixed,
            algorithm,
            digits,
            period,
            custom_period: RwSignal::new(false),
            issuer: RwSignal::new("Tokensmith".to_string()),
            account: RwSignal::new(String::new()),
            otp,
            seed_only: RwSignal::new(false),
            hotp: RwSignal::new(false),
            counter: RwSignal::new(0),
            touch: RwSignal::new(false),
        };
        state.apply_preset(tokensmith_shell::first::saved_model(), form);
        // Remembered manufacturer/model win over the preset's defaults.
        if let Some(m) = browser::pref_get("manufacturer") {
            form.manufacturer.set(m);
        }
        if let Some(m) = browser::pref_get("model") {
            form.model.set(m);
        }
        state
    }

    pub fn current(&self) -> Model {
        self.preset.get_untracked()
    }

    /// TOTP, or HOTP from its initial counter (tracked).
    pub fn kind(&self) -> Kind {
        if self.hotp.get() {
            Kind::Hotp {
                counter: u64::from(self.counter.get()),
            }
        } else {
            Kind::Totp
        }
    }

    /// [`Self::kind`], untracked.
    pub fn kind_untracked(&self) -> Kind {
        untrack(|| self.kind())
    }

    /// Puts back a row's kind (a restored job).
    pub fn set_kind(&self, kind: Kind) {
        match kind {
            Kind::Totp => self.hotp.set(false),
            Kind::Hotp { counter } => {
                self.hotp.set(true);
                self.counter.set(u32::try_from(counter).unwrap_or(u32::MAX));
            }
        }
    }

    /// Switches the target, moving any setting it cannot do to its nearest supported value.
    pub fn apply_preset(&self, model: Model, form: RecordForm) {
        let p = model.caps();
        self.preset.set(model);
        let now = self.otp.get_untracked();
        let near = p.nearest(now);
        if near.algorithm != now.algorithm {
            self.algorithm.set(near.algorithm);
        }
        if near.digits != now.digits {
            self.digits.set(near.digits);
        }
        if near.period != now.period {
            self.period.set(near.period);
        }
        if let Periods::Only(_) = p.periods {
            self.custom_period.set(false);
        }
        // HOTP and touch are OATH keys' (ykman's rules for touch are `caps::check`'s).
        if p.family != Family::Oath {
            self.hotp.set(false);
        }
        if p.touch == Touch::None {
            self.touch.set(false);
        }
        form.manufacturer.set(p.manufacturer.to_string());
        form.model.set(p.name.to_string());
        if p.profiles.is_some() {
            if form.profile.get_untracked().trim().is_empty() {
                form.profile.set("0".into());
            }
        } else {
            form.profile.set(String::new());
        }
    }
}

/// The unavailable choices and why, for `preset-why`.
fn limits(model: Model) -> String {
    let p = model.caps();
    let mut off = Vec::new();
    let algs: Vec<&str> = Algorithm::ALL
        .into_iter()
        .filter(|a| !p.allows_algorithm(*a))
        .map(Algorithm::human)
        .collect();
    if !algs.is_empty() {
        off.push(algs.join(", "));
    }
    let digits: Vec<String> = (MIN_DIGITS..=MAX_DIGITS)
        .filter(|d| !p.allows_digits(*d))
        .map(|d| d.to_string())
        .collect();
    if !digits.is_empty() {
        off.push(format!("{} digits", digits.join("/")));
    }
    if let Periods::Only(_) = p.periods {
        off.push("custom periods".into());
    }
    if off.is_empty() {
        p.summary()
    } else {
        format!("Unavailable: {}. {}", off.join("; "), p.summary())
    }
}

/// The model picker; a detected device sets it and leaves only what it can be. `details`
/// opens what the model can do (and, beside it, Entra's columns).
#[component]
pub fn TargetPicker(
    params: ParamsState,
    form: RecordForm,
    details: RwSignal<bool>,
) -> impl IntoView {
    let on_preset = move |ev| {
        let model = presets::by_id(&event_target_value(&ev));
        params.apply_preset(model, form);
        let p = model.caps();
        browser::pref_set("preset", p.slug);
        browser::pref_set("manufacturer", p.manufacturer);
        browser::pref_set("model", p.name);
    };
    let allowed = move |m: Model| params.device.get().is_none_or(|d| d.allows(m));
    let locked =
        move || params.fixed.get() || matches!(params.device.get(), Some(DeviceLock::Model(_)));
    let source = move || {
        match params.device.get() {
        Some(DeviceLock::Model(m)) => format!("Set by the detected device ({}).", m.caps().human),
        Some(DeviceLock::Family(Family::Molto2)) => {
            "A Molto2 is on the reader; it cannot tell which one: pick Molto2 (profiles 0–49) or Molto2v2 (0–99), as printed on it.".into()
        }
        Some(DeviceLock::Family(_)) => {
            "The key on the reader is an OATH key: pick its maker if you know it.".into()
        }
        None => "Chosen by hand (printed on the token or its box).".into(),
    }
    };
    view! {
        <label for="preset">"Target model"</label>
        <div class="target-row">
        <select
            id="preset"
            data-testid="preset"
            aria-describedby="preset-source preset-why"
            disabled=locked
            on:change=on_preset
        >
            {PRESETS
                .into_iter()
                .map(|m| {
                    view! {
                        <option
                            value=m.caps().slug
                            disabled=move || !allowed(m)
                            prop:selected=move || params.preset.get() == m
                        >
                            {m.caps().label}
                        </option>
                    }
                })
                .collect_view()}
        </select>
            <span class="muted" id="preset-source" data-testid="preset-source">{source}</span>
            <button
                type="button"
                class="secondary small"
                data-testid="target-details"
                aria-expanded=move || details.get().to_string()
                aria-controls="preset-why target-details"
                on:click=move |_| details.update(|d| *d = !*d)
            >
                {move || if details.get() { "Hide details" } else { "What it can do" }}
            </button>
        </div>
        <p id="preset-why" class="muted" data-testid="preset-why" hidden=move || !details.get()>
            {move || limits(params.preset.get())}
        </p>
    }
}

/// Algorithm, digits and period; what the target cannot do is offered but disabled.
#[component]
pub fn OtpPickers(params: ParamsState) -> impl IntoView {
    let preset = move || params.preset.get().caps();
    let fixed = move || params.fixed.get();
    let period_value = move || {
        if params.custom_period.get() {
            "custom".to_string()
        } else {
            params.period.get().to_string()
        }
    };
    view! {
        <div class="grid3">
            <div class="field">
                <label for="algorithm">"Algorithm"</label>
                <select
                    id="algorithm"
                    data-testid="algorithm"
                    aria-describedby="preset-why"
                    disabled=fixed
                    on:change=move |ev| {
                        if let Ok(a) = event_target_value(&ev).parse::<Algorithm>() {
                            params.algorithm.set(a);
                        }
                    }
                >
                    {Algorithm::ALL
                        .into_iter()
                        .map(|a| {
                            view! {
                                <option
                                    value=a.as_str()
                                    disabled=move || !preset().allows_algorithm(a)
                                    prop:selected=move || params.algorithm.get() == a
                                >
                                    {a.human()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="digits">"Digits"</label>
                <select
                    id="digits"
                    data-testid="digits"
                    aria-describedby="preset-why"
                    disabled=fixed
                    on:change=move |ev| {
                        if let Ok(d) = event_target_value(&ev).parse::<u8>() {
                            params.digits.set(d);
                        }
                    }
                >
                    {(MIN_DIGITS..=MAX_DIGITS)
                        .map(|d| {
                            view! {
                                <option
                                    value=d.to_string()
                                    disabled=move || !preset().allows_digits(d)
                                    prop:selected=move || params.digits.get() == d
                                >
                                    {d.to_string()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="period">"Period"</label>
                <select
                    id="period"
                    data-testid="period"
                    aria-describedby="preset-why"
                    disabled=move || fixed() || params.hotp.get()
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        if v == "custom" {
                            params.custom_period.set(true);
                        } else if let Ok(p) = v.parse::<u32>() {
                            params.custom_period.set(false);
                            params.period.set(p);
                        }
                    }
                >
                    <option value="30" prop:selected=move || period_value() == "30">"30 s"</option>
                    <option value="60" prop:selected=move || period_value() == "60">"60 s"</option>
                    <option
                        value="custom"
                        disabled=move || matches!(preset().periods, Periods::Only(_))
                        prop:selected=move || period_value() == "custom"
                    >
                        "Custom…"
                    </option>
                </select>
            </div>
        </div>
        <Show when=move || params.custom_period.get()>
            <label for="period-custom">"Custom period (seconds)"</label>
            <input
                id="period-custom"
                data-testid="period-custom"
                type="number"
                min="1"
                max="86400"
                inputmode="numeric"
                disabled=fixed
                prop:value=move || params.period.get().to_string()
                on:input=move |ev| {
                    if let Ok(p) = event_target_value(&ev).trim().parse::<u32>() {
                        if (1..=86_400).contains(&p) {
                            params.period.set(p);
                        }
                    }
                }
            />
        </Show>
    }
}

/// Entra's notes on the chosen parameters (e.g. SHA-256 only through Graph).
#[component]
pub fn EntraNotes(params: ParamsState) -> impl IntoView {
    let notes = move || {
        caps::entra::notes(&params.otp.get())
            .into_iter()
            .map(|n| view! { <li>{n.to_string()}</li> })
            .collect_view()
    };
    view! { <ul class="notes" data-testid="entra-notes">{notes}</ul> }
}

/// The issuer, shown by apps and the QR code's label.
#[component]
pub fn IssuerField(params: ParamsState) -> impl IntoView {
    view! {
        <div class="field">
            <label for="issuer">"Issuer (shown by apps)"</label>
            <input
                id="issuer"
                data-testid="issuer"
                type="text"
                autocomplete="off"
                disabled=move || params.fixed.get()
                prop:value=move || params.issuer.get()
                on:input=move |ev| params.issuer.set(event_target_value(&ev))
            />
        </div>
    }
}

/// The account name: an OATH key stores it (required), apps and the QR label show it.
#[component]
pub fn AccountField(params: ParamsState, #[prop(optional)] required: bool) -> impl IntoView {
    view! {
        <div class="field">
            <label for="account">
                {if required { "Account name on the key" } else { "Account name (QR label)" }}
            </label>
            <input
                id="account"
                data-testid="account"
                type="text"
                autocomplete="off"
                placeholder="defaults to the UPN"
                disabled=move || params.fixed.get()
                prop:value=move || params.account.get()
                on:input=move |ev| params.account.set(event_target_value(&ev))
            />
        </div>
    }
}

/// OATH keys only: TOTP or HOTP (with its initial counter), and touch. What the key cannot do
/// (touch before YubiKey 4.2.6, none on a Nitrokey 3) is `caps::check`'s, said in step 4.
#[component]
pub fn OathPickers(params: ParamsState) -> impl IntoView {
    let fixed = move || params.fixed.get();
    let touchable = move || params.preset.get().caps().touch != Touch::None;
    view! {
        <div class="grid3">
            <div class="field">
                <label for="oath-kind">"Type"</label>
                <select
                    id="oath-kind"
                    data-testid="oath-kind"
                    disabled=fixed
                    on:change=move |ev| params.hotp.set(event_target_value(&ev) == "hotp")
                >
                    <option value="totp" prop:selected=move || !params.hotp.get()>"TOTP"</option>
                    <option value="hotp" prop:selected=move || params.hotp.get()>"HOTP"</option>
                </select>
            </div>
            <Show when=move || params.hotp.get()>
                <div class="field">
                    <label for="oath-counter">"Initial counter"</label>
                    <input
                        id="oath-counter"
                        data-testid="oath-counter"
                        type="number"
                        min="0"
                        max=u32::MAX.to_string()
                        inputmode="numeric"
                        disabled=fixed
                        prop:value=move || params.counter.get().to_string()
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            let v = v.trim();
                            params.counter.set(if v.is_empty() { 0 } else { v.parse().unwrap_or(params.counter.get_untracked()) });
                        }
                    />
                </div>
            </Show>
        </div>
        <CheckBox id="oath-touch" value=params.touch disabled=Signal::derive(move || fixed() || !touchable())>
            "Require a touch for each code (the key blinks; the page cannot check a touch credential's code by itself)"
        </CheckBox>
        <Show when=move || params.hotp.get()>
            <p class="muted small" data-testid="oath-hotp-note">
                "HOTP counts instead of keeping time: the key gives the code of its counter and moves on by one. The service (privacyIDEA, a VPN…) must start at the same counter: export this row as PSKC, OATH CSV or an otpauth link — Entra takes TOTP only. After the burn the page does not ask the key for a code (that would use one up) unless you ask it to."
            </p>
        </Show>
    }
}
