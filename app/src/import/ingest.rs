//! Turning what the user gave into review-list accounts: text (links, secrets, export links),
//! pictures (QR codes) and backup files. The worker reads and classifies them
//! (`crate::worker`); this adds what they hold and says what happened.

use super::image;
use super::state::{sentence, Batch, ImportState, Tone};
use crate::worker;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::future::Future;
use tokensmith_core::import::{self, Scanned};
use tokensmith_core::otp::OtpParams;
use tokensmith_core::otpauth::OtpAuth;
use tokensmith_core::secret::Encoding;
use tokensmith_worker_api::import::{Found, Scan, ScanErrorKind};
use zeroize::Zeroizing;

impl ImportState {
    /// Runs an import: the previous messages go and "busy" shows at once, before anything
    /// waits, so nobody reads the last import's lines as this one's.
    pub(super) fn run(self, job: impl Future<Output = ()> + 'static) {
        self.messages.set(Vec::new());
        self.jobs.update_value(|n| *n += 1);
        self.busy.set(true);
        spawn_local(async move {
            job.await;
            self.jobs.update_value(|n| *n -= 1);
            if self.jobs.get_value() == 0 {
                self.busy.set(false);
            }
        });
    }

    /// Adds what one classified text (from a QR code when `from_qr`) holds.
    pub(super) fn apply(&self, scan: Scan, from_qr: bool) {
        let what = if from_qr { "QR code" } else { "Text" };
        match scan {
            Ok(Found(Scanned::Account(a))) => {
                let hotp = import::totp_problem(&a);
                let (added, dup) = self.add(vec![a], if from_qr { "QR code" } else { "link" });
                self.report_added(added, dup, &format!("{what} (otpauth link)"));
                if let Some(p) = hotp {
                    self.say(Tone::Warn, sentence(p) + ".");
                }
            }
            Ok(Found(Scanned::Migration(m))) => {
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
            Ok(Found(Scanned::Secret {
                secret,
                encoding,
                ambiguous,
            })) => {
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
                let msg = match (e.is_other_kind_of_code(), from_qr) {
                    (true, true) => format!("QR code found, but it is not an otpauth code: {e}."),
                    (false, true) => format!("QR code found, but it cannot be used: {e}."),
                    (_, false) => format!("{}.", sentence(&e.to_string())),
                };
                self.say(Tone::Error, msg);
            }
        }
    }

    /// Adds every code of a picture or camera frame.
    pub(super) fn codes(&self, scans: Vec<Scan>) {
        for scan in scans {
            self.apply(scan, true);
        }
    }

    /// Reads a picture (file, clipboard or drop) and adds every code in it.
    async fn image(&self, blob: web_sys::Blob, name: String) {
        self.say(Tone::Ok, format!("Decoding {name}…"));
        let res = image::read_file(blob).await;
        // Drop the "Decoding…" line.
        self.messages.update(|m| {
            m.retain(|(_, line)| *line != format!("Decoding {name}…"));
        });
        let d = match res {
            Err(e) => return self.say(Tone::Error, format!("{name}: {}.", sentence(&e))),
            // A newer picture replaced this one: it speaks for itself.
            Ok(None) => return,
            Ok(Some(d)) => d,
        };
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
        match d.codes {
            Err(e) => {
                let msg = match (d.scaled, e.kind) {
                    // The core's own advice (crop closer) would come twice; the scaling is why.
                    (Some((w, h)), ScanErrorKind::NoQrCode) => format!(
                        "{name}: No QR code found at {w}×{h}, the size it was read at, where a \
                         small code may be lost: crop the picture around the code and try again."
                    ),
                    (Some(_), _) => format!(
                        "{name}: {}. It was read scaled down: crop the picture around the code, \
                         keeping all of it, and try again.",
                        sentence(&e.to_string())
                    ),
                    (None, _) => format!("{name}: {}.", sentence(&e.to_string())),
                };
                self.say(Tone::Error, msg);
            }
            Ok(scans) => {
                if scans.len() > 1 {
                    self.say(Tone::Ok, format!("{name}: {} QR codes found.", scans.len()));
                }
                self.codes(scans);
            }
        }
    }

    async fn backup_text(&self, name: &str, text: Zeroizing<String>) {
        match worker::read_backup(text).await {
            Err(f) => self.say(
                Tone::Error,
                format!("{name}: {}.", sentence(&f.to_string())),
            ),
            Ok(Err(e)) => self.say(
                Tone::Error,
                format!("{name}: {}.", sentence(&e.to_string())),
            ),
            Ok(Ok(b)) => {
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
        self.run(async move {
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
                            let t = Zeroizing::new(t.as_string().unwrap_or_default());
                            self.backup_text(&name, t).await;
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

    /// Pasted or dropped text: one link or secret, or several otpauth links one a line (then
    /// one summary line instead of one per link). `true` when nothing in it was an error.
    /// Run it with [`ImportState::run`].
    pub(super) async fn text(&self, t: &str) -> bool {
        if t.trim().is_empty() {
            self.messages.set(vec![(
                Tone::Warn,
                "Paste an otpauth:// link, a Google Authenticator export link or a secret first."
                    .into(),
            )]);
            return false;
        }
        let lines: Vec<&str> = t.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let many = lines.len() > 1
            && lines
                .iter()
                .all(|l| l.to_ascii_lowercase().starts_with("otpauth"));
        let texts = if many {
            lines
                .iter()
                .map(|l| Zeroizing::new(l.to_string()))
                .collect()
        } else {
            vec![Zeroizing::new(t.to_string())]
        };
        let scans = match worker::classify(texts).await {
            Ok(scans) => scans,
            Err(f) => {
                self.say(Tone::Error, format!("{}.", sentence(&f.to_string())));
                return false;
            }
        };
        // Judged on this text's own results: a picture read meanwhile may add its own error
        // to the same messages, and must not keep a secret that was read in the field.
        let all_read = scans.iter().all(Result::is_ok);
        if many {
            let before = self.items.with_untracked(Vec::len);
            let n = lines.len();
            for scan in scans {
                self.apply(scan, false);
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
            for scan in scans {
                self.apply(scan, false);
            }
        }
        all_read
    }
}
