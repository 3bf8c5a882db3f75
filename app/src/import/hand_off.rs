//! Where reviewed accounts go: one into the seed and parameters panels, the kept ones into
//! the inventory (Molto2 profiles through the bridge are `burn_box`).

use super::state::{sentence, ImportState, Item, Tone};
use crate::inventory::Inventory;
use crate::params::{ParamsState, RecordForm};
use crate::seed::SecretState;
use leptos::prelude::*;
use tokensmith_core::caps::{self, Model, Param, Periods};
use tokensmith_core::entra::{Format, Severity, TokenRecord};
use tokensmith_core::import;
use tokensmith_core::otp::OtpParams;
use tokensmith_core::otpauth::{Kind, OtpAuth};
use tokensmith_core::secret::Encoding;

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
    /// Puts one account into the seed and parameters panels.
    pub(super) fn use_item(&self, item: &Item, state: SecretState, params: ParamsState) {
        if state.fixed.get_untracked() {
            // The seed in use is in a token: replacing it is the job's "Next token".
            self.messages.set(vec![(
                Tone::Warn,
                "The seed in step 3 is already in a token: press Next token (step 6) first, then use this account.".into(),
            )]);
            return;
        }
        state.encoding.set(Encoding::Auto);
        state.text.set(item.secret.to_base32_grouped());
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
    pub(super) fn add_to_inventory(&self, inv: Inventory, params: ParamsState, form: RecordForm) {
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
            let errors = inv.issues.with_untracked(|v| {
                v.iter()
                    .filter(|i| i.row >= first && i.severity == Severity::Error)
                    .map(|i| i.row)
                    .collect::<std::collections::BTreeSet<_>>()
                    .len()
            });
            let fmt = inv.format.get_untracked().name();
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
}
