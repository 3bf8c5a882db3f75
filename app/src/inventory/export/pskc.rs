//! PSKC's own protection (RFC 6030 §6): none, a pre-shared AES key the page makes and shows
//! once, or a password (PBKDF2). The key lives only while its choice is open: leaving it drops
//! (and wipes) the key, coming back makes a new one.

use crate::browser;
use crate::secret_input::SecretInput;
use leptos::prelude::*;
use leptos::task::spawn_local;
use tokensmith_core::formats::pskc::{PasswordKey, PresharedKey, Protection, DEFAULT_ITERATIONS};
use tokensmith_worker_api::pskc::KeyJob;
use zeroize::Zeroizing;

/// Shorter passwords are refused: the password is all that protects the seeds in the file.
const MIN_PASSWORD: usize = 12;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    Plain,
    Key,
    Password,
}

#[derive(Clone, Copy)]
pub struct PskcState {
    pub mode: RwSignal<Mode>,
    key: RwSignal<Option<PresharedKey>>,
    key_name: RwSignal<String>,
    password: RwSignal<Zeroizing<String>>,
    repeat: RwSignal<Zeroizing<String>>,
    copied: RwSignal<String>,
}

impl PskcState {
    pub fn new() -> Self {
        PskcState {
            mode: RwSignal::new(Mode::Plain),
            key: RwSignal::new(None),
            key_name: RwSignal::new("PSKC transport key".into()),
            password: RwSignal::new(Zeroizing::new(String::new())),
            repeat: RwSignal::new(Zeroizing::new(String::new())),
            copied: RwSignal::new(String::new()),
        }
    }

    fn choose(&self, mode: Mode) {
        self.mode.set(mode);
        self.copied.set(String::new());
        if mode != Mode::Key {
            self.key.set(None);
        } else if self.key.with_untracked(Option::is_none) {
            self.new_key();
        }
        if mode != Mode::Password {
            self.password.set(Zeroizing::new(String::new()));
            self.repeat.set(Zeroizing::new(String::new()));
        }
    }

    fn new_key(&self) {
        match PresharedKey::generate() {
            Ok(k) => self.key.set(Some(k)),
            Err(e) => self.copied.set(format!("No key could be made: {e}")),
        }
    }

    /// The password to derive the file's key from (checked: long enough, typed the same
    /// twice), when the file is password-protected; `None` for the other protections.
    pub fn password_job(&self) -> Result<Option<KeyJob>, String> {
        if self.mode.get_untracked() != Mode::Password {
            return Ok(None);
        }
        let password = self.password.get_untracked();
        let n = password.chars().count();
        if n < MIN_PASSWORD {
            return Err(format!("PSKC: the password is {n} characters; use at least {MIN_PASSWORD} (it is all that protects the seeds in the file)"));
        }
        if *password != *self.repeat.get_untracked() {
            return Err(
                "PSKC: the two passwords differ; type the same password in both fields".into(),
            );
        }
        Ok(Some(KeyJob {
            password,
            iterations: DEFAULT_ITERATIONS,
        }))
    }

    /// Runs `f` with the protection chosen, or says what is missing. A password-protected
    /// file needs its key, derived in the worker from [`Self::password_job`].
    pub fn with_protection<T>(
        &self,
        derived: Option<&PasswordKey>,
        f: impl FnOnce(Protection<'_>) -> T,
    ) -> Result<T, String> {
        let name = self.key_name.get_untracked();
        let key_name = name.trim();
        match self.mode.get_untracked() {
            Mode::Plain => Ok(f(Protection::Plain)),
            Mode::Key => self.key.with_untracked(|k| match k {
                Some(key) => Ok(f(Protection::PresharedKey { key, key_name })),
                None => {
                    Err("PSKC: no pre-shared key was made; choose “Pre-shared key” again".into())
                }
            }),
            Mode::Password => match derived {
                Some(key) => Ok(f(Protection::DerivedPassword { key, key_name })),
                None => Err("PSKC: the password's key was not derived; press Save again".into()),
            },
        }
    }

    /// How the saved message describes the file's own protection.
    pub fn describe(&self) -> &'static str {
        match self.mode.get_untracked() {
            Mode::Plain => "",
            Mode::Key => " Its seeds are encrypted with the pre-shared key shown: give the key to whoever imports the file, by another way than the file.",
            Mode::Password => " Its seeds are encrypted with the password: give it to whoever imports the file, by another way than the file.",
        }
    }
}

fn secret_input(
    id: &'static str,
    label: &'static str,
    value: RwSignal<Zeroizing<String>>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <SecretInput id=id.to_string() value new=true />
        </div>
    }
}

#[component]
pub fn PskcOptions(st: PskcState) -> impl IntoView {
    let choice = move |mode: Mode, id: &'static str, label: &'static str| {
        view! {
            <label class="inline">
                <input
                    type="radio"
                    name="pskc-protection"
                    data-testid=id
                    prop:checked=move || st.mode.get() == mode
                    on:change=move |_| st.choose(mode)
                />
                {label}
            </label>
        }
    };
    let hex = move || {
        st.key.with(|k| {
            k.as_ref().map(|k| {
                let hex = k.to_hex();
                hex.as_bytes()
                    .chunks(4)
                    .map(|c| String::from_utf8_lossy(c).into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
        })
    };
    let copy = move |_| {
        if let Some(hex) = st
            .key
            .with_untracked(|k| k.as_ref().map(PresharedKey::to_hex))
        {
            spawn_local(async move {
                st.copied
                    .set(browser::copy_text(&hex, "pre-shared key").await)
            });
        }
    };
    view! {
        <fieldset class="pskc-options" data-testid="pskc-options">
            <legend>"PSKC: the seeds inside the file"</legend>
            <div class="row">
                {choice(Mode::Plain, "pskc-plain", "Plain")}
                {choice(Mode::Key, "pskc-key", "Pre-shared key (AES-128)")}
                {choice(Mode::Password, "pskc-password", "Password (PBKDF2)")}
            </div>
            <Show when=move || st.mode.get() != Mode::Plain>
                <div class="field">
                    <label for="pskc-key-name">"Key name (tells the importer which key or password)"</label>
                    <input id="pskc-key-name" data-testid="pskc-key-name" type="text" autocomplete="off"
                        prop:value=move || st.key_name.get()
                        on:input=move |ev| st.key_name.set(event_target_value(&ev)) />
                </div>
            </Show>
            <Show when=move || st.mode.get() == Mode::Key>
                <div class="row cmd-row">
                    <code class="cmd mono" data-testid="pskc-key-hex">{hex}</code>
                    <button type="button" class="secondary small" data-testid="pskc-key-copy" on:click=copy>"Copy key"</button>
                    <button type="button" class="secondary small" data-testid="pskc-key-new" on:click=move |_| st.new_key()>"New key"</button>
                </div>
                <p class="warn small">
                    "Shown only while this choice is open, and kept nowhere: copy it now for whoever imports the file, and send it another way than the file. Choosing again makes a new key."
                </p>
            </Show>
            <Show when=move || st.mode.get() == Mode::Password>
                <div class="row">
                    {secret_input("pskc-password-1", "Password (12 characters or more)", st.password)}
                    {secret_input("pskc-password-2", "The same again", st.repeat)}
                </div>
            </Show>
            <p class="muted small" role="status">{move || st.copied.get()}</p>
        </fieldset>
    }
}
