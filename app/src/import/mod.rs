//! The import panel: accounts from a QR code (picture, clipboard, camera), a pasted link or
//! secret, a Google Authenticator export or an Aegis/2FAS backup land in a review list; from
//! there one goes to the seed panel, or the kept ones to the inventory.
//!
//! The raw picture and text are dropped once decoded; secrets are never logged, stored or put in
//! a URL. "Clear" empties the list.

mod camera;
mod image;

use crate::inventory::Inventory;
use crate::params::{ParamsState, RecordForm};
use crate::seed::SecretState;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use tokensmith_core::caps::{self, Model, Param, Periods};
use tokensmith_core::entra::{Format, Severity, TokenRecord};
use tokensmith_core::import::{self, backup, ImportError, Scanned};
use tokensmith_core::otp::OtpParams;
use tokensmith_core::otpauth::{Kind, OtpAuth};
use tokensmith_core::secret::{Encoding, Secret};

/// One account in the review list.
#[derive(Clone)]
pub struct Item {
    pub id: u64,
    pub keep: bool,
    pub issuer: String,
    pub account: String,
    pub secret: Secret,
    pub kind: Kind,
    pub params: OtpParams,
    /// Where it came from ("QR code", "Google Authenticator export", "Aegis backup", …).
    pub source: &'static str,
}

impl Item {
    fn label(&self) -> String {
        match (self.issuer.trim(), self.account.trim()) {
            ("", "") => "(unnamed)".into(),
            ("", a) => a.into(),
            (i, "") => i.into(),
            (i, a) => format!("{i}: {a}"),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Ok,
    Warn,
    Error,
}

/// A Google Authenticator export split over several QR codes.
#[derive(Clone)]
struct Batch {
    id: i32,
    size: u32,
    seen: Vec<u32>,
}

#[derive(Clone, Copy)]
pub struct ImportState {
    pub items: RwSignal<Vec<Item>>,
    next_id: StoredValue<u64>,
    /// What the last import said, one line each.
    pub messages: RwSignal<Vec<(Tone, String)>>,
    pub busy: RwSignal<bool>,
    batches: RwSignal<Vec<Batch>>,
    /// Milliseconds the last picture took (browser decode + scaling + QR search).
    pub decode_ms: RwSignal<Option<f64>>,
}

/// "this is …" → "This is …".
fn sentence(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// What the target model cannot do with these parameters, if anything.
pub fn preset_problem(model: Model, params: &OtpParams) -> Option<String> {
    let refused = caps::check(model, &caps::Params::otp(*params)).err()?;
    let off: Vec<String> = refused.iter().map(caps::Refusal::what).collect();
    let c = model.caps();
    let mut msg = format!(
        "the target model, {}, cannot do {}",
        c.label,
        off.join(", ")
    );
    if let Periods::Only(_) = c.periods {
        msg.push_str(": codes would differ from the service's");
    }
    Some(msg)
}

impl ImportState {
    pub fn new() -> Self {
        ImportState {
            items: RwSignal::new(Vec::new()),
            next_id: StoredValue::new(1),
            messages: RwSignal::new(Vec::new()),
            busy: RwSignal::new(false),
            batches: RwSignal::new(Vec::new()),
            decode_ms: RwSignal::new(None),
        }
    }

    fn say(&self, tone: Tone, msg: impl Into<String>) {
        self.messages.update(|m| m.push((tone, msg.into())));
    }

    /// Adds accounts, skipping ones already listed (same secret, issuer and name). Returns how
    /// many were added.
    fn add(&self, accounts: Vec<OtpAuth>, source: &'static str) -> (usize, usize) {
        let mut added = 0;
        let mut dup = 0;
        self.items.update(|items| {
            for a in accounts {
                let issuer = a.issuer.clone().unwrap_or_default();
                if items
                    .iter()
                    .any(|i| i.secret == a.secret && i.issuer == issuer && i.account == a.account)
                {
                    dup += 1;
                    continue;
                }
                let id = self.next_id.get_value();
                self.next_id.set_value(id + 1);
                items.push(Item {
                    id,
                    keep: true,
                    issuer,
                    account: a.account,
                    secret: a.secret,
                    kind: a.kind,
                    params: a.params,
                    source,
                });
                added += 1;
            }
        });
        (added, dup)
    }

    fn report_added(&self, added: usize, dup: usize, what: &str) {
        let mut msg = match added {
            0 => format!("{what}: nothing new"),
            1 => format!("{what}: 1 account added to the review list"),
            n => format!("{what}: {n} accounts added to the review list"),
        };
        if dup > 0 {
            msg.push_str(&format!(" ({dup} already listed)"));
        }
        msg.push('.');
        self.say(if added > 0 { Tone::Ok } else { Tone::Warn }, msg);
    }

    /// Classifies one text (from a QR code when `from_qr`) and adds what it holds.
    fn ingest(&self, text: &str, from_qr: bool) {
        let what = if from_qr { "QR code" } else { "Text" };
        match import::classify(text) {
            Ok(Scanned::Account(a)) => {
                let hotp = import::totp_problem(&a);
                let (added, dup) = self.add(vec![a], if from_qr { "QR code" } else { "link" });
                self.report_added(added, dup, &format!("{what} (otpauth link)"));
                if let Some(p) = hotp {
                    self.say(Tone::Warn, sentence(p) + ".");
                }
            }
            Ok(Scanned::Migration(m)) => {
                let (added, dup) = self.add(m.accounts, "Google Authenticator export");
                self.report_added(added, dup, "Google Authenticator export");
                for s in m.skipped {
                    self.say(Tone::Warn, format!("Skipped {s}."));
                }
                if m.batch_size > 1 {
                    let mut missing = Vec::new();
                    self.batches.update(|bs| {
                        let b = match bs.iter_mut().position(|b| b.id == m.batch_id) {
                            Some(i) => &mut bs[i],
                            None => {
                                bs.push(Batch {
                                    id: m.batch_id,
                                    size: m.batch_size,
                                    seen: Vec::new(),
                                });
                                bs.last_mut().expect("just pushed")
                            }
                        };
                        if !b.seen.contains(&m.batch_index) {
                            b.seen.push(m.batch_index);
                        }
                        missing = (0..b.size).filter(|i| !b.seen.contains(i)).collect();
                    });
                    let this = format!(
                        "code {} of {} of this export",
                        m.batch_index + 1,
                        m.batch_size
                    );
                    if missing.is_empty() {
                        self.say(
                            Tone::Ok,
                            format!("This was {this}; all {} codes are read.", m.batch_size),
                        );
                    } else {
                        let list: Vec<String> =
                            missing.iter().map(|i| (i + 1).to_string()).collect();
                        self.say(
                            Tone::Warn,
                            format!(
                                "This was {this} — scan the others too (still missing: {}).",
                                list.join(", ")
                            ),
                        );
                    }
                }
            }
            Ok(Scanned::Secret {
                secret,
                encoding,
                ambiguous,
            }) => {
                let enc = if encoding == Encoding::Hex {
                    "hex"
                } else {
                    "base32"
                };
                let a = OtpAuth::totp(None, String::new(), secret);
                let (added, dup) = self.add(vec![a], "secret");
                self.report_added(
                    added,
                    dup,
                    &format!("{what} (a bare {enc} secret, {} bits)", {
                        self.items
                            .with_untracked(|i| i.last().map(|i| i.secret.len() * 8))
                            .unwrap_or(0)
                    }),
                );
                if ambiguous {
                    self.say(
                        Tone::Warn,
                        format!(
                            "The secret is valid as both base32 and hex; it was read as {enc}. \
                             Check the codes against the service."
                        ),
                    );
                }
                let d = OtpParams::default();
                self.say(
                    Tone::Warn,
                    format!(
                        "A bare secret carries no settings: {}, {} digits, {} s are assumed; \
                         correct them in the parameters panel if the service says otherwise.",
                        d.algorithm.human(),
                        d.digits,
                        d.period
                    ),
                );
            }
            Err(e) => {
                let msg = match (&e, from_qr) {
                    (
                        ImportError::NotTotp(_)
                        | ImportError::SerialNumber(_)
                        | ImportError::Unrecognised(_),
                        true,
                    ) => format!("QR code found, but it is not an otpauth code: {e}."),
                    (_, true) => format!("QR code found, but it cannot be used: {e}."),
                    (_, false) => format!("{}.", sentence(&e.to_string())),
                };
                self.say(Tone::Error, msg);
            }
        }
    }

    /// Decodes a picture (file, clipboard or drop) and adds every code in it.
    async fn image(&self, blob: web_sys::Blob, name: String) {
        self.busy.set(true);
        self.say(Tone::Ok, format!("Decoding {name}…"));
        image::yield_to_browser().await;
        let res = image::decode_blob(blob).await;
        // Drop the "Decoding…" line.
        self.messages.update(|m| {
            m.pop();
        });
        match res {
            Err(e) => self.say(Tone::Error, format!("{name}: {}.", sentence(&e))),
            Ok(d) => {
                self.decode_ms.set(Some(d.ms));
                if let Some((w, h)) = d.scaled {
                    self.say(
                        Tone::Ok,
                        format!(
                            "{name} is {}×{} pixels; it was scaled to {w}×{h} to decode.",
                            d.size.0, d.size.1
                        ),
                    );
                }
                match d.texts {
                    Err(e) => {
                        let mut msg = format!("{name}: {}.", sentence(&e));
                        if d.scaled.is_some() {
                            msg.push_str(" Crop the picture around the code and try again.");
                        }
                        self.say(Tone::Error, msg);
                    }
                    Ok(texts) => {
                        if texts.len() > 1 {
                            self.say(Tone::Ok, format!("{name}: {} QR codes found.", texts.len()));
                        }
                        for t in texts {
                            self.ingest(&t, true);
                        }
                    }
                }
            }
        }
        self.busy.set(false);
    }

    async fn backup_text(&self, name: &str, text: &str) {
        match backup::parse(text) {
            Err(e) => self.say(
                Tone::Error,
                format!("{name}: {}.", sentence(&e.to_string())),
            ),
            Ok(b) => {
                let source = if b.app.contains("2FAS") {
                    "2FAS backup"
                } else {
                    "Aegis backup"
                };
                let (added, dup) = self.add(b.accounts, source);
                self.report_added(added, dup, &format!("{name} ({} backup)", b.app));
                for s in b.skipped {
                    self.say(Tone::Warn, format!("Skipped {s}."));
                }
            }
        }
    }

    /// Files from the picker, a drop or the clipboard: pictures and backups.
    fn files(self, files: Vec<web_sys::File>) {
        if files.is_empty() {
            return;
        }
        self.messages.set(Vec::new());
        spawn_local(async move {
            for f in files {
                let name = f.name();
                let name = if name.is_empty() {
                    "the pasted picture".to_string()
                } else {
                    name
                };
                let ty = f.type_();
                if ty.starts_with("image/") {
                    self.image(f.into(), name).await;
                } else if ty.contains("json") || name.to_ascii_lowercase().ends_with(".json") {
                    match wasm_bindgen_futures::JsFuture::from(f.text()).await {
                        Ok(t) => {
                            let t = t.as_string().unwrap_or_default();
                            self.backup_text(&name, &t).await;
                        }
                        Err(_) => self.say(Tone::Error, format!("Could not read {name}.")),
                    }
                } else {
                    self.say(
                        Tone::Error,
                        format!("{name} is neither a picture (PNG, JPEG) nor a backup (.json)."),
                    );
                }
            }
        });
    }

    /// Puts one account into the seed and parameters panels.
    fn use_item(&self, item: &Item, state: SecretState, params: ParamsState) {
        state.encoding.set(Encoding::Auto);
        state.text.set(item.secret.to_base32_grouped().to_string());
        state.secret.set(Some(item.secret.clone()));
        state.detected.set(Some((Encoding::Base32, false)));
        state.error.set(None);
        params.algorithm.set(item.params.algorithm);
        params.digits.set(item.params.digits);
        params.period.set(item.params.period);
        params
            .custom_period
            .set(!matches!(item.params.period, 30 | 60));
        params.issuer.set(item.issuer.trim().to_string());
        params.account.set(item.account.trim().to_string());
        self.messages.set(vec![(
            Tone::Ok,
            format!(
                "“{}” is now the seed; its parameters are set in the parameters panel.",
                item.label()
            ),
        )]);
        if let Some(p) = import::totp_problem(&OtpAuth {
            kind: item.kind,
            issuer: None,
            account: String::new(),
            secret: item.secret.clone(),
            params: item.params,
        }) {
            self.say(Tone::Warn, sentence(p) + ".");
        }
        if let Some(p) = preset_problem(params.current(), &item.params) {
            self.say(Tone::Warn, sentence(&p) + ".");
        }
    }

    /// Adds the kept accounts to the inventory as token records (the serial, model and first
    /// profile slot come from the token record form). Rows with problems are marked there;
    /// accounts a record cannot hold stay here.
    fn add_to_inventory(&self, inv: Inventory, params: ParamsState, form: RecordForm) {
        let kept: Vec<Item> = self
            .items
            .with_untracked(|v| v.iter().filter(|i| i.keep).cloned().collect());
        self.messages.set(Vec::new());
        if kept.is_empty() {
            self.say(Tone::Warn, "No account is ticked to keep.");
            return;
        }
        let pre = params.current().caps();
        let mut profile = form.profile.get_untracked().trim().parse::<u8>().ok();
        let mut recs = Vec::new();
        let mut left = Vec::new();
        for item in &kept {
            // Entra's digits rule: a record has no digits to mark later.
            let digits = caps::entra::check(Format::Graph, &item.params)
                .err()
                .unwrap_or_default()
                .into_iter()
                .find(|r| r.param() == Param::Digits);
            let why = match (item.kind, digits) {
                (Kind::Hotp { .. }, _) => Some("HOTP, not TOTP".to_string()),
                (_, Some(r)) => Some(r.reason()),
                _ => None,
            };
            if let Some(why) = why {
                left.push(format!("“{}” ({why})", item.label()));
                continue;
            }
            let account = item.account.trim();
            let display = item.label();
            recs.push(TokenRecord {
                upn: if account.contains('@') {
                    account.to_string()
                } else {
                    String::new()
                },
                serial: form.serial.get_untracked().trim().to_string(),
                secret: item.secret.clone(),
                interval: item.params.period,
                manufacturer: form.manufacturer.get_untracked().trim().to_string(),
                model: form.model.get_untracked().trim().to_string(),
                algorithm: item.params.algorithm,
                profile: pre.profiles.and(profile),
                display_name: Some(display),
            });
            if pre.profiles.is_some() {
                profile = profile.and_then(|p| p.checked_add(1));
            }
        }
        let n = recs.len();
        if n > 0 {
            let first = inv.rows.with_untracked(Vec::len);
            inv.push(recs);
            inv.dirty.set(true);
            let errors = inv.issues.with_untracked(|v| {
                v.iter()
                    .filter(|i| i.row >= first && i.severity == Severity::Error)
                    .map(|i| i.row)
                    .collect::<std::collections::BTreeSet<_>>()
                    .len()
            });
            let fmt = if inv.format.get_untracked() == Format::Csv {
                "CSV"
            } else {
                "Graph JSON"
            };
            if errors == 0 {
                self.say(
                    Tone::Ok,
                    format!(
                        "Added {n} row(s) to the inventory (rows {}–{}).",
                        first + 1,
                        first + n
                    ),
                );
            } else {
                self.say(
                    Tone::Warn,
                    format!(
                        "Added {n} row(s) to the inventory (rows {}–{}); {errors} need fixing \
                         before the {fmt} export (UPN, serial…): the problems are marked in the \
                         table.",
                        first + 1,
                        first + n
                    ),
                );
            }
        }
        if !left.is_empty() {
            self.say(
                Tone::Warn,
                format!(
                    "Not added (a token record cannot hold them; they stay in this list): {}.",
                    left.join("; ")
                ),
            );
        }
    }

    fn clear(&self) {
        self.items.set(Vec::new());
        self.batches.set(Vec::new());
        self.messages
            .set(vec![(Tone::Ok, "The review list is cleared.".into())]);
    }
}

fn file_list(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

#[component]
pub fn ImportPanel(
    state: SecretState,
    params: ParamsState,
    form: RecordForm,
    inv: Inventory,
) -> impl IntoView {
    let imp = ImportState::new();
    let cam = camera::Camera::new();
    let video_ref: NodeRef<html::Video> = NodeRef::new();
    let image_ref: NodeRef<html::Input> = NodeRef::new();
    let backup_ref: NodeRef<html::Input> = NodeRef::new();
    let text = RwSignal::new(String::new());
    let dragging = RwSignal::new(false);

    // The camera never outlives the panel, and stops when the page is hidden.
    on_cleanup(move || cam.stop(None));
    let vis = window_event_listener(leptos::ev::visibilitychange, move |_| {
        if document().hidden() && cam.running.get_untracked() {
            cam.stop(video_ref.get_untracked());
            cam.status
                .set("Camera stopped: the page was hidden.".into());
        }
    });
    // A picture pasted anywhere on the page (text pastes stay with the fields they go into).
    let paste = window_event_listener(leptos::ev::paste, move |ev| {
        let Some(dt) = ev.clipboard_data() else {
            return;
        };
        let files: Vec<web_sys::File> = file_list(dt.files())
            .into_iter()
            .filter(|f| f.type_().starts_with("image/"))
            .collect();
        if !files.is_empty() {
            ev.prevent_default();
            imp.files(files);
        }
    });
    on_cleanup(move || {
        vis.remove();
        paste.remove();
    });

    let import_text = move || {
        let t = text.get_untracked();
        if t.trim().is_empty() {
            imp.messages.set(vec![(
                Tone::Warn,
                "Paste an otpauth:// link, a Google Authenticator export link or a secret first."
                    .into(),
            )]);
            return;
        }
        imp.messages.set(Vec::new());
        // Several links, one a line (e.g. a list exported from another tool).
        let lines: Vec<&str> = t.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let many = lines.len() > 1
            && lines
                .iter()
                .all(|l| l.to_ascii_lowercase().starts_with("otpauth"));
        if many {
            let before = imp.items.with_untracked(Vec::len);
            let n = lines.len();
            for l in lines {
                imp.ingest(l, false);
            }
            // One summary instead of a line per link; warnings and errors stay.
            let added = imp.items.with_untracked(Vec::len) - before;
            imp.messages.update(|m| {
                m.retain(|(tone, msg)| {
                    !(*tone == Tone::Ok && msg.starts_with("Text (otpauth link)"))
                });
                m.insert(
                    0,
                    (
                        Tone::Ok,
                        format!(
                            "Text: {n} links read, {added} account(s) added to the review list."
                        ),
                    ),
                );
            });
        } else {
            imp.ingest(&t, false);
        }
        let ok = imp
            .messages
            .with_untracked(|m| m.iter().all(|(t, _)| *t != Tone::Error));
        // The text may hold secrets: drop it once read; keep it to fix a typo.
        if ok {
            text.set(String::new());
        }
    };
    let on_image = move |_| {
        let Some(input) = image_ref.get_untracked() else {
            return;
        };
        let files = file_list(input.files());
        input.set_value("");
        imp.files(files);
    };
    let on_backup = move |_| {
        let Some(input) = backup_ref.get_untracked() else {
            return;
        };
        let files = file_list(input.files());
        input.set_value("");
        imp.files(files);
    };
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        let Some(dt) = ev.data_transfer() else {
            return;
        };
        let files = file_list(dt.files());
        if !files.is_empty() {
            imp.files(files);
        } else if let Ok(t) = dt.get_data("text/plain") {
            if !t.trim().is_empty() {
                imp.messages.set(Vec::new());
                imp.ingest(&t, false);
            }
        }
    };
    let start_camera = move |_| {
        imp.messages.set(Vec::new());
        cam.start(video_ref, move |texts| {
            imp.messages.set(Vec::new());
            for t in texts {
                imp.ingest(&t, true);
            }
        });
    };
    let kept = move || imp.items.with(|v| v.iter().filter(|i| i.keep).count());
    let edit = move |id: u64, f: &dyn Fn(&mut Item)| {
        imp.items.update(|v| {
            if let Some(i) = v.iter_mut().find(|i| i.id == id) {
                f(i);
            }
        })
    };

    view! {
        <section aria-labelledby="import-h" class="wide import">
            <h2 id="import-h">"0 · Import an existing secret (optional)"</h2>
            <p class="muted">
                "Start from a service's enrolment QR code, a pasted link or secret, a Google Authenticator export or an Aegis / 2FAS backup. Everything is decoded in this page; nothing is uploaded."
            </p>
            <div class="import-grid">
                <div class="import-sources">
                    <div
                        class=move || if dragging.get() { "drop over" } else { "drop" }
                        data-testid="import-drop"
                        role="group"
                        aria-labelledby="import-image-label"
                        on:dragover=move |ev| {
                            ev.prevent_default();
                            dragging.set(true);
                        }
                        on:dragleave=move |_| dragging.set(false)
                        on:drop=on_drop
                    >
                        <label id="import-image-label" for="import-image">
                            "QR code picture: open, drop or paste (Ctrl+V) a screenshot or photo"
                        </label>
                        <input
                            id="import-image"
                            data-testid="import-image"
                            type="file"
                            accept="image/png,image/jpeg,image/gif,image/webp,image/*"
                            multiple=true
                            node_ref=image_ref
                            on:change=on_image
                        />
                    </div>
                    <label for="import-text">"Or paste a link or secret"</label>
                    <textarea
                        id="import-text"
                        data-testid="import-text"
                        rows="3"
                        autocomplete="off"
                        spellcheck="false"
                        autocapitalize="off"
                        placeholder="otpauth://… link, or a base32 / hex secret"
                        aria-describedby="import-text-help"
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))
                        on:keydown=move |ev: web_sys::KeyboardEvent| {
                            if ev.key() == "Enter" && !ev.shift_key() {
                                ev.prevent_default();
                                import_text();
                            }
                        }
                    ></textarea>
                    <p id="import-text-help" class="muted">"Enter imports; Shift+Enter starts a new line (one link a line)."</p>
                    <div class="row">
                        <button type="button" data-testid="import-text-go" on:click=move |_| import_text()>
                            "Import text"
                        </button>
                    </div>
                    <label for="import-backup">"Authenticator backup (Aegis or 2FAS, unencrypted .json)"</label>
                    <input
                        id="import-backup"
                        data-testid="import-backup"
                        type="file"
                        accept=".json,application/json"
                        node_ref=backup_ref
                        on:change=on_backup
                    />
                    <div class="camera">
                        <div class="row">
                            <div class="field">
                                <label for="import-facing">"Camera"</label>
                                <select
                                    id="import-facing"
                                    data-testid="import-facing"
                                    on:change=move |ev| {
                                        cam.facing.set(if event_target_value(&ev) == "user" { "user" } else { "environment" })
                                    }
                                >
                                    <option value="environment" prop:selected=move || cam.facing.get() == "environment">"Back (phones)"</option>
                                    <option value="user" prop:selected=move || cam.facing.get() == "user">"Front / webcam"</option>
                                </select>
                            </div>
                            <Show
                                when=move || cam.running.get()
                                fallback=move || view! {
                                    <button type="button" class="secondary" data-testid="import-camera" on:click=start_camera>
                                        "Scan with the camera"
                                    </button>
                                }
                            >
                                <button type="button" class="secondary" data-testid="import-camera-stop" on:click=move |_| {
                                    cam.stop(video_ref.get_untracked());
                                    cam.status.set("Camera stopped.".into());
                                }>
                                    "Stop camera"
                                </button>
                            </Show>
                        </div>
                        <video
                            node_ref=video_ref
                            data-testid="import-video"
                            class=move || if cam.running.get() { "preview" } else { "preview off" }
                            muted=true
                            playsinline=true
                            aria-label="Camera preview"
                        ></video>
                        <p class="muted" role="status" data-testid="import-camera-status">{move || cam.status.get()}</p>
                    </div>
                </div>
                <div class="import-review">
                    <ul
                        class="import-messages"
                        data-testid="import-status"
                        role="status"
                        aria-live="polite"
                        data-busy=move || imp.busy.get().to_string()
                        data-decode-ms=move || {
                            // Tenths of a millisecond, without pulling float formatting into the wasm.
                            imp.decode_ms.get().map(|m| {
                                let t = (m * 10.0).round() as u64;
                                format!("{}.{}", t / 10, t % 10)
                            })
                        }
                    >
                        {move || {
                            imp.messages
                                .get()
                                .into_iter()
                                .map(|(tone, m)| {
                                    let class = match tone {
                                        Tone::Ok => "ok",
                                        Tone::Warn => "warn",
                                        Tone::Error => "error",
                                    };
                                    view! { <li class=class>{m}</li> }
                                })
                                .collect_view()
                        }}
                    </ul>
                    <h3 class="import-h3">
                        {move || {
                            let n = imp.items.with(Vec::len);
                            if n == 0 {
                                "Review list: empty".to_string()
                            } else {
                                format!("Review list: {n} account(s), {} kept", kept())
                            }
                        }}
                    </h3>
                    <ol class="import-list" data-testid="import-list">
                        <For
                            each=move || imp.items.get()
                            key=|i| (i.id, i.keep, i.issuer.clone(), i.account.clone())
                            children=move |item| {
                                let id = item.id;
                                let it = item.clone();
                                let hotp = match item.kind {
                                    Kind::Hotp { counter } => Some(counter),
                                    Kind::Totp => None,
                                };
                                let totp_warn = import::totp_problem(&OtpAuth {
                                    kind: item.kind,
                                    issuer: None,
                                    account: String::new(),
                                    secret: item.secret.clone(),
                                    params: item.params,
                                })
                                .map(|p| sentence(p) + ".");
                                let p = item.params;
                                let preset_warn = move || {
                                    preset_problem(params.preset.get(), &p)
                                        .map(|s| sentence(&s) + ".")
                                };
                                let iid = format!("imp-issuer-{id}");
                                let aid = format!("imp-account-{id}");
                                let kid = format!("imp-keep-{id}");
                                view! {
                                    <li
                                        class=if item.keep { "import-item" } else { "import-item dropped" }
                                        data-testid="import-item"
                                        data-issuer=item.issuer.clone()
                                        data-account=item.account.clone()
                                        data-algorithm=p.algorithm.as_str()
                                        data-digits=p.digits.to_string()
                                        data-period=p.period.to_string()
                                        data-type=if hotp.is_some() { "hotp" } else { "totp" }
                                    >
                                        <div class="import-item-head">
                                            <input
                                                type="checkbox"
                                                id=kid.clone()
                                                data-testid="import-keep"
                                                prop:checked=item.keep
                                                on:change=move |ev| {
                                                    let on = event_target_checked(&ev);
                                                    edit(id, &|i| i.keep = on);
                                                }
                                            />
                                            <label for=kid class="inline">"Keep"</label>
                                            <span class="muted import-source">{item.source}</span>
                                        </div>
                                        <div class="grid2">
                                            <div class="field">
                                                <label for=iid.clone()>"Issuer"</label>
                                                <input
                                                    id=iid
                                                    type="text"
                                                    data-testid="import-issuer"
                                                    autocomplete="off"
                                                    spellcheck="false"
                                                    prop:value=item.issuer.clone()
                                                    on:change=move |ev| {
                                                        let v = event_target_value(&ev);
                                                        edit(id, &|i| i.issuer = v.clone());
                                                    }
                                                />
                                            </div>
                                            <div class="field">
                                                <label for=aid.clone()>"Account name"</label>
                                                <input
                                                    id=aid
                                                    type="text"
                                                    data-testid="import-account"
                                                    autocomplete="off"
                                                    spellcheck="false"
                                                    prop:value=item.account.clone()
                                                    on:change=move |ev| {
                                                        let v = event_target_value(&ev);
                                                        edit(id, &|i| i.account = v.clone());
                                                    }
                                                />
                                            </div>
                                        </div>
                                        <p class="import-params mono" data-testid="import-params">
                                            {match hotp {
                                                Some(c) => format!("HOTP (counter {c})"),
                                                None => "TOTP".to_string(),
                                            }}
                                            {format!(
                                                " · {} · {} digits · {} s · {} bits",
                                                p.algorithm.human(),
                                                p.digits,
                                                p.period,
                                                item.secret.len() * 8,
                                            )}
                                        </p>
                                        <ul class="notes">
                                            {totp_warn.map(|w| view! { <li data-testid="import-warning">{w}</li> })}
                                            {move || preset_warn().map(|w| view! { <li data-testid="import-warning">{w}</li> })}
                                        </ul>
                                        <div class="row">
                                            <button
                                                type="button"
                                                class="small"
                                                data-testid="import-use"
                                                on:click=move |_| imp.use_item(&it, state, params)
                                            >
                                                "Use as seed"
                                            </button>
                                            <button
                                                type="button"
                                                class="small secondary"
                                                data-testid="import-remove"
                                                on:click=move |_| imp.items.update(|v| v.retain(|i| i.id != id))
                                            >
                                                "Remove"
                                            </button>
                                        </div>
                                    </li>
                                }
                            }
                        />
                    </ol>
                    <Show when=move || imp.items.with(|v| !v.is_empty())>
                        <div class="row">
                            <button type="button" data-testid="import-to-inventory" on:click=move |_| imp.add_to_inventory(inv, params, form)>
                                {move || format!("Add {} kept to the inventory", kept())}
                            </button>
                            <button type="button" class="secondary" data-testid="import-clear" on:click=move |_| imp.clear()>
                                "Clear list"
                            </button>
                        </div>
                        <p class="muted">
                            "Inventory rows take the serial, model and first profile slot from the token record form; accounts named like an e-mail address become the UPN."
                        </p>
                        <BurnBox imp=imp form=form />
                    </Show>
                </div>
            </div>
        </section>
    }
}

/// One line of the burn report.
#[derive(Clone)]
struct BurnLine {
    ok: bool,
    text: String,
}

/// Burning the kept accounts into consecutive Molto2 profiles through the hardware bridge
/// (connected in the bridge panel). Stops at the first failure: authentication is never
/// retried automatically.
#[component]
fn BurnBox(imp: ImportState, form: RecordForm) -> impl IntoView {
    use crate::bridge::{client, BridgeState};
    let bridge = use_context::<BridgeState>();
    let connected = move || {
        bridge
            .map(|b| b.connection.with(Option::is_some))
            .unwrap_or(false)
    };
    // The Molto2 to burn: the reader chosen in the bridge panel if it holds one, else the
    // first reader that does. (reader name, device)
    let molto = move || -> Option<(String, client::Device)> {
        let b = bridge?;
        let sel = b.selected.get();
        b.readers.with(|rs| {
            let is_molto = |r: &&client::Reader| {
                r.device
                    .as_ref()
                    .is_some_and(|d| d.kind == client::DeviceKind::Molto2)
            };
            rs.iter()
                .filter(is_molto)
                .find(|r| Some(&r.name) == sel.as_ref())
                .or_else(|| rs.iter().find(is_molto))
                .and_then(|r| Some((r.name.clone(), r.device.clone()?)))
        })
    };
    let first = RwSignal::new(
        form.profile
            .get_untracked()
            .trim()
            .parse::<u8>()
            .unwrap_or(0),
    );
    let running = RwSignal::new(false);
    let results = RwSignal::new(Vec::<BurnLine>::new());
    let kept = move || imp.items.with(|v| v.iter().filter(|i| i.keep).count());
    // Kept accounts a Molto2 can hold (the others are skipped and take no profile).
    // The Molto2 generation on the bridge (the smaller one until a device says otherwise).
    let model = move || molto().map_or(Model::Molto2, |(_, d)| crate::bridge::molto2_model(&d));
    let burnable = move || {
        let pre = model();
        imp.items.with(|v| {
            v.iter()
                .filter(|i| {
                    i.keep
                        && matches!(i.kind, Kind::Totp)
                        && preset_problem(pre, &i.params).is_none()
                })
                .count()
        })
    };
    let range = move || {
        let n = burnable() as u32;
        let f = first.get() as u32;
        (f, f + n.saturating_sub(1))
    };
    let blocked = move || -> Option<String> {
        if bridge.is_none() || !connected() {
            return Some("Connect the hardware bridge first (hardware bridge panel): burning needs it running on this computer.".into());
        }
        let Some((_, dev)) = molto() else {
            return Some("No Molto2 on the bridge's readers: insert or connect one and refresh the readers in the hardware bridge panel.".into());
        };
        if burnable() == 0 {
            return Some(if kept() == 0 {
                "No account is ticked to keep.".into()
            } else {
                "None of the kept accounts fits a Molto2 (HOTP, SHA-512 or unusual digits/period)."
                    .into()
            });
        }
        let max = u32::from(
            crate::bridge::molto2_model(&dev)
                .caps()
                .max_profile()
                .unwrap_or(0),
        );
        let (_, last) = range();
        if last > max {
            return Some(format!(
                "This Molto2 has profiles 0–{max}: {} accounts starting at {} do not fit.",
                burnable(),
                first.get()
            ));
        }
        if bridge.is_some_and(|b| b.busy.get()) {
            return Some("The bridge is busy with another burn or clock sync.".into());
        }
        None
    };
    let burn = move |_| {
        let Some(b) = bridge else {
            return;
        };
        let (Some(conn), Some((reader, _))) = (b.connection.get_untracked(), molto()) else {
            return;
        };
        // What this Molto2 can do, for the checks before each burn.
        let pre = model();
        let items: Vec<Item> = imp
            .items
            .with_untracked(|v| v.iter().filter(|i| i.keep).cloned().collect());
        let start = first.get_untracked();
        running.set(true);
        b.busy.set(true);
        results.set(Vec::new());
        spawn_local(async move {
            // Skipped accounts take no profile: the burned ones stay consecutive.
            let mut profile = start;
            for item in &items {
                let label = item.label();
                let push =
                    |ok: bool, text: String| results.update(|r| r.push(BurnLine { ok, text }));
                let problem = match item.kind {
                    Kind::Hotp { .. } => Some("HOTP, not TOTP".to_string()),
                    Kind::Totp => preset_problem(pre, &item.params),
                };
                if let Some(p) = problem {
                    push(
                        false,
                        format!("“{label}”: skipped ({p}); it takes no profile."),
                    );
                    continue;
                }
                let title = pre
                    .caps()
                    .title_from(if item.issuer.trim().is_empty() {
                        &item.account
                    } else {
                        &item.issuer
                    })
                    .unwrap_or_default();
                let mut req = client::BurnRequest::default();
                req.target.reader = Some(reader.clone());
                req.target.kind = Some(client::DeviceKind::Molto2);
                req.secret = item.secret.to_base32().to_string();
                req.algorithm = Some(item.params.algorithm.as_str().to_string());
                req.digits = Some(item.params.digits);
                req.period = Some(item.params.period);
                req.profile = Some(profile);
                req.title = (!title.is_empty()).then_some(title);
                match client::burn(&conn, &req).await {
                    Ok(r) => {
                        let check = match r.verification {
                            client::Verification::CompareWithDisplay { expected_code, .. } => {
                                format!("; it should show {expected_code} now")
                            }
                            _ => String::new(),
                        };
                        let name = r.name.map(|t| format!(" as “{t}”")).unwrap_or_default();
                        push(
                            true,
                            format!(
                                "Profile {profile} ← “{label}”: burned{name} on {} {}{check}.",
                                r.model, r.serial
                            ),
                        );
                        profile = profile.saturating_add(1);
                    }
                    Err(e) => {
                        push(false, format!("Profile {profile} ← “{label}”: failed: {}. Stopped here; the remaining accounts were not burned.", e.message));
                        break;
                    }
                }
            }
            b.busy.set(false);
            running.set(false);
        });
    };
    view! {
        <div class="burn-box">
            <div class="row">
                <div class="field">
                    <label for="import-first-profile">"First profile"</label>
                    <input
                        id="import-first-profile"
                        data-testid="import-first-profile"
                        type="number"
                        min="0"
                        max=move || {
                            molto()
                                .and_then(|(_, d)| crate::bridge::molto2_model(&d).caps().max_profile())
                                .unwrap_or_else(caps::largest_profile)
                                .to_string()
                        }
                        inputmode="numeric"
                        prop:value=move || first.get().to_string()
                        on:input=move |ev| {
                            if let Ok(v) = event_target_value(&ev).trim().parse::<u8>() {
                                first.set(v);
                            }
                        }
                    />
                </div>
                <button
                    type="button"
                    data-testid="import-burn"
                    aria-describedby="import-burn-why"
                    disabled=move || blocked().is_some() || running.get()
                    on:click=burn
                >
                    {move || {
                        let (f, l) = range();
                        if burnable() > 1 {
                            format!("Burn {} kept into Molto2 profiles {f}–{l}", burnable())
                        } else {
                            format!("Burn into Molto2 profile {f}")
                        }
                    }}
                </button>
            </div>
            <p id="import-burn-why" class="muted" data-testid="import-burn-why">
                {move || {
                    blocked()
                        .unwrap_or_else(|| {
                            let skipped = kept() - burnable();
                            let mut m = format!(
                                "Each account goes into the next profile, titled with its issuer ({} bytes at most); existing profiles there are overwritten.",
                                model().caps().title_bytes.unwrap_or_default()
                            );
                            if skipped > 0 {
                                m.push_str(&format!(" {skipped} kept account(s) a Molto2 cannot hold will be skipped."));
                            }
                            m
                        })
                }}
            </p>
            <ul class="import-messages" data-testid="import-burn-results" role="status">
                {move || results.get().into_iter().map(|l| view! { <li class=if l.ok { "ok" } else { "error" }>{l.text}</li> }).collect_view()}
            </ul>
        </div>
    }
}
