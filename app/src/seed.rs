//! The seed: generate a random secret with the browser's CSPRNG, or paste one in base32 or
//! hex; show it (masked unless revealed) in both encodings. An invalid text leaves no secret
//! in use at all (no code, QR code, copy or burn of a previous one).

use crate::browser;
use leptos::prelude::*;
use tokensmith_core::secret::{Encoding, Secret, DEFAULT_GENERATED_LEN};
use zeroize::Zeroizing;

/// Seed lengths offered, in bytes (80, 128, 160, 256, 512 bits).
pub const SEED_LENGTHS: [usize; 5] = [10, 16, 20, 32, 64];

/// RFC 4226 §4 requires at least 128 bits; shorter seeds get a warning before the burn.
pub const MIN_SEED_BYTES: usize = 16;

/// The current secret, shared by every panel, plus what the seed field shows.
#[derive(Clone, Copy)]
pub struct SecretState {
    /// The secret in use: `None` while the field holds an invalid text (or if generation
    /// failed at start).
    pub secret: RwSignal<Option<Secret>>,
    /// What the secret field holds: the user's own text while they type (wiped when replaced).
    pub text: RwSignal<Zeroizing<String>>,
    /// The encoding chosen in the select (Auto by default).
    pub encoding: RwSignal<Encoding>,
    /// What the parser decided for the current text, and whether the other reading is valid too.
    pub detected: RwSignal<Option<(Encoding, bool)>>,
    /// Why the text in the field is not used.
    pub error: RwSignal<Option<String>>,
    /// The seed is in a token (burned or handed off) whose job is open: the field is
    /// read-only; replacing it goes through the job, which asks first.
    pub fixed: RwSignal<bool>,
    pub revealed: RwSignal<bool>,
    pub length: RwSignal<usize>,
    /// Extra entropy typed by the user (wiped when replaced).
    pub entropy: RwSignal<Zeroizing<String>>,
    /// Clipboard and similar feedback.
    pub status: RwSignal<String>,
}

impl SecretState {
    /// The seed the shell showed (`tokensmith_shell::handoff`), else a fresh random one.
    pub fn new_first(fixed: RwSignal<bool>) -> Self {
        let state = SecretState {
            fixed,
            secret: RwSignal::new(None),
            text: RwSignal::new(Zeroizing::default()),
            encoding: RwSignal::new(Encoding::Auto),
            detected: RwSignal::new(None),
            error: RwSignal::new(None),
            revealed: RwSignal::new(false),
            length: RwSignal::new(DEFAULT_GENERATED_LEN),
            entropy: RwSignal::new(Zeroizing::default()),
            status: RwSignal::new(String::new()),
        };
        match tokensmith_shell::handoff::take() {
            Some(shown) => state.set(shown),
            None => state.regenerate(),
        }
        state
    }

    /// Replaces the secret with a fresh random one, mixing in the extra entropy (then cleared);
    /// on failure keeps the old one and says why.
    pub fn regenerate(&self) {
        let extra = self
            .entropy
            .with_untracked(|e| (!e.is_empty()).then(|| Zeroizing::new(e.as_bytes().to_vec())));
        match Secret::generate(
            self.length.get_untracked(),
            extra.as_ref().map(|e| e.as_slice()),
        ) {
            Ok(s) => {
                self.text.set(s.to_base32_grouped());
                self.secret.set(Some(s));
                self.detected.set(Some((Encoding::Base32, false)));
                self.error.set(None);
                if extra.is_some() {
                    self.entropy.set(Zeroizing::default());
                }
            }
            Err(e) => self
                .error
                .set(Some(format!("Could not generate a seed: {e}"))),
        }
    }

    /// Re-reads the field's text with the chosen encoding. A bad text leaves no secret in use.
    pub fn reparse(&self) {
        let encoding = self.encoding.get_untracked();
        match self.text.with_untracked(|t| Secret::parse(t, encoding)) {
            Ok(p) => {
                self.secret.set(Some(p.secret));
                self.detected.set(Some((p.encoding, p.ambiguous)));
                self.error.set(None);
            }
            Err(e) => {
                self.secret.set(None);
                self.detected.set(None);
                self.error.set(Some(e.to_string()));
            }
        }
    }

    /// Puts `secret` in use (an imported account, a restored row).
    pub fn set(&self, secret: Secret) {
        self.encoding.set(Encoding::Auto);
        self.text.set(secret.to_base32_grouped());
        self.secret.set(Some(secret));
        self.detected.set(Some((Encoding::Base32, false)));
        self.error.set(None);
    }

    /// The length in bytes when it is under 128 bits.
    pub fn short(&self) -> Option<usize> {
        self.secret
            .with(|s| s.as_ref().map(Secret::len))
            .filter(|n| *n < MIN_SEED_BYTES)
    }

    /// Copies the seed in the encoding the burner app takes; resolves to a message.
    pub async fn copy(self, hex: bool) -> Option<String> {
        let text = self.secret.with_untracked(|s| {
            s.as_ref()
                .map(|s| if hex { s.to_hex() } else { s.to_base32() })
        })?;
        let label = if hex { "Seed (hex)" } else { "Seed (base32)" };
        Some(browser::copy_text(&text, label).await)
    }
}

fn encoding_name(e: Encoding) -> &'static str {
    match e {
        Encoding::Auto => "auto",
        Encoding::Base32 => "base32",
        Encoding::Hex => "hex",
    }
}

fn encoding_from(s: &str) -> Encoding {
    match s {
        "base32" => Encoding::Base32,
        "hex" => Encoding::Hex,
        _ => Encoding::Auto,
    }
}

/// The secret field: typed or pasted text, its error, reveal and copy, its length and encoding.
#[component]
fn SecretField(state: SecretState, on_generate: Callback<()>) -> impl IntoView {
    let revealed = state.revealed;
    let bits = move || {
        state
            .secret
            .with(|s| s.as_ref().map(|s| s.len()))
            .map(|n| format!("{n} bytes ({} bits)", n * 8))
            .unwrap_or_default()
    };
    let detected = move || match (state.error.get(), state.detected.get()) {
        (Some(_), _) | (None, None) => String::new(),
        (None, Some((enc, _))) => {
            if state.encoding.get() == Encoding::Auto {
                format!("Read as {} (detected).", encoding_name(enc))
            } else {
                format!("Read as {}.", encoding_name(enc))
            }
        }
    };
    view! {
        <label for="secret">"Seed (base32; or paste your own, base32 or hex)"</label>
        <input
            id="secret"
            class="secret"
            data-testid="secret"
            readonly=move || state.fixed.get()
            type=move || if revealed.get() { "text" } else { "password" }
            autocomplete="off"
            spellcheck="false"
            autocapitalize="off"
            aria-invalid=move || if state.error.get().is_some() { "true" } else { "false" }
            aria-describedby=move || {
                if state.error.get().is_some() { "secret-error secret-info" } else { "secret-info" }
            }
            // The DOM holds its own copy of what is shown: see ARCHITECTURE.md.
            prop:value=move || state.text.with(|t| t.to_string())
            on:input=move |ev| {
                state.text.set(Zeroizing::new(event_target_value(&ev)));
                state.reparse();
            }
        />
        <p id="secret-error" class="error" role="alert" data-testid="secret-error">
            {move || {
                state
                    .error
                    .get()
                    .map(|e| format!("{e}. Nothing uses this text until it is fixed: no code, QR code, copy or burn."))
            }}
        </p>
        <div class="row">
            <button
                type="button"
                class="secondary"
                data-testid="reveal"
                aria-pressed=move || revealed.get().to_string()
                on:click=move |_| revealed.update(|r| *r = !*r)
            >
                {move || if revealed.get() { "Hide seed" } else { "Reveal seed" }}
            </button>
            <button type="button" class="secondary" data-testid="generate" on:click=move |_| on_generate.run(())>
                "Generate new seed"
            </button>
        </div>
        <p id="secret-info" class="muted">
            {bits}
            " "
            {detected}
        </p>
        <Show when=move || state.short().is_some()>
            <p class="warn" data-testid="seed-short">
                {move || format!(
                    "This seed has {} bits: RFC 4226 asks for at least 128 (160 recommended). Generate a new one unless a service gave you this one.",
                    state.short().unwrap_or_default() * 8
                )}
            </p>
        </Show>
    }
}

/// Which encoding the field is read in; when the text is valid both ways, an offer to switch.
#[component]
fn EncodingPicker(state: SecretState) -> impl IntoView {
    // When the text is valid in both encodings, offer the other reading.
    let other = move || match (state.error.get(), state.detected.get()) {
        (None, Some((Encoding::Base32, true))) => Some(Encoding::Hex),
        (None, Some((Encoding::Hex, true))) => Some(Encoding::Base32),
        _ => None,
    };
    let switch = move |_| {
        if let Some(e) = other() {
            state.encoding.set(e);
            state.reparse();
        }
    };
    view! {
        <div class="row">
            <div class="field">
                <label for="secret-encoding">"Input encoding"</label>
                <select
                    id="secret-encoding"
                    data-testid="secret-encoding"
                    disabled=move || state.fixed.get()
                    on:change=move |ev| {
                        state.encoding.set(encoding_from(&event_target_value(&ev)));
                        state.reparse();
                    }
                >
                    {[Encoding::Auto, Encoding::Base32, Encoding::Hex]
                        .into_iter()
                        .map(|e| {
                            view! {
                                <option
                                    value=encoding_name(e)
                                    prop:selected=move || state.encoding.get() == e
                                >
                                    {match e {
                                        Encoding::Auto => "Auto-detect",
                                        Encoding::Base32 => "Base32",
                                        Encoding::Hex => "Hex",
                                    }}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <Show when=move || other().is_some()>
                <button type="button" class="secondary" data-testid="switch-encoding" on:click=switch>
                    {move || {
                        format!(
                            "This is also valid {}: read it as {}",
                            other().map(encoding_name).unwrap_or_default(),
                            other().map(encoding_name).unwrap_or_default(),
                        )
                    }}
                </button>
            </Show>
        </div>
    }
}

/// How the next seed is made: its length and optional extra entropy.
#[component]
fn GenerateOptions(state: SecretState) -> impl IntoView {
    view! {
        <div class="row gen">
            <div class="field">
                <label for="seed-length">"Seed length"</label>
                <select
                    id="seed-length"
                    data-testid="seed-length"
                    on:change=move |ev| {
                        if let Ok(n) = event_target_value(&ev).parse::<usize>() {
                            state.length.set(n);
                        }
                    }
                >
                    {SEED_LENGTHS
                        .into_iter()
                        .map(|n| {
                            view! {
                                <option value=n.to_string() prop:selected=move || state.length.get() == n>
                                    {format!("{} bits ({n} bytes)", n * 8)}
                                    {if n == DEFAULT_GENERATED_LEN { " — recommended" } else { "" }}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field grow">
                <label for="entropy">"Extra entropy (optional)"</label>
                <input
                    id="entropy"
                    data-testid="entropy"
                    type="password"
                    autocomplete="off"
                    spellcheck="false"
                    aria-describedby="entropy-help"
                    prop:value=move || state.entropy.with(|e| e.to_string())
                    on:input=move |ev| state.entropy.set(Zeroizing::new(event_target_value(&ev)))
                />
            </div>
        </div>
        <p id="entropy-help" class="muted">
            "Dice rolls or random typing, mixed into the browser's cryptographic generator on the next Generate; never stored."
        </p>
    }
}

/// The seed as step 3 shows it: the field, reveal, Generate (`on_generate`: the job decides
/// whether to ask first), its length and warnings.
#[component]
pub fn SeedField(state: SecretState, on_generate: Callback<()>) -> impl IntoView {
    view! { <SecretField state on_generate /> }
}

/// The seed's options: how the field is read, the hex view, the next seed's length and entropy.
#[component]
pub fn SeedOptions(state: SecretState) -> impl IntoView {
    let revealed = state.revealed;
    let hex = move || {
        if revealed.get() {
            state
                .secret
                .with(|s| s.as_ref().map(|s| s.to_hex().to_string()))
                .unwrap_or_default()
        } else {
            state
                .secret
                .with(|s| s.as_ref().map(|s| "•".repeat(s.len() * 2)))
                .unwrap_or_default()
        }
    };
    view! {
        <EncodingPicker state />
        <label for="secret-hex">"Seed (hex)"</label>
        <output id="secret-hex" class="secret mono" data-testid="secret-hex">{hex}</output>
        <GenerateOptions state />
    }
}
