//! Turning what the user gave into review-list accounts: text (links, secrets, export links),
//! pictures (QR codes, decoded by the browser and `core::import::qr`) and backup files.

use super::image;
use super::state::{sentence, Batch, ImportState, Tone};
use leptos::prelude::*;
use leptos::task::spawn_local;
use tokensmith_core::import::{self, backup, ImportError, Scanned};
use tokensmith_core::otp::OtpParams;
use tokensmith_core::otpauth::OtpAuth;
use tokensmith_core::secret::Encoding;

impl ImportState {
    /// Classifies one text (from a QR code when `from_qr`) and adds what it holds.
    pub(super) fn ingest(&self, text: &str, from_qr: bool) {
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
    pub(super) fn files(self, files: Vec<web_sys::File>) {
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
                            let t = zeroize::Zeroizing::new(t.as_string().unwrap_or_default());
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

    /// Pasted text: one link or secret, or several otpauth links one a line (then one summary
    /// line instead of one per link). `true` when nothing in it was an error.
    pub(super) fn text(&self, t: &str) -> bool {
        if t.trim().is_empty() {
            self.messages.set(vec![(
                Tone::Warn,
                "Paste an otpauth:// link, a Google Authenticator export link or a secret first."
                    .into(),
            )]);
            return false;
        }
        self.messages.set(Vec::new());
        let lines: Vec<&str> = t.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let many = lines.len() > 1
            && lines
                .iter()
                .all(|l| l.to_ascii_lowercase().starts_with("otpauth"));
        if many {
            let before = self.items.with_untracked(Vec::len);
            let n = lines.len();
            for l in lines {
                self.ingest(l, false);
            }
            // Warnings and errors stay.
            let added = self.items.with_untracked(Vec::len) - before;
            self.messages.update(|m| {
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
            self.ingest(t, false);
        }
        self.messages
            .with_untracked(|m| m.iter().all(|(t, _)| *t != Tone::Error))
    }
}
