//! Restore: per token (or Molto2 profile, or OATH credential) the attempt that decides what it
//! holds now, for rebuilding the page's inventory and for exports. Only a token whose new seed
//! is certainly in it is exported; one that may hold it, or holds a failed one, is listed for
//! the admin, never silently exported or dropped.

use std::collections::BTreeMap;

use tokensmith_core::entra::TokenRecord;

use crate::fold::{Fold, Slot, TokenEntry, TokenState};

/// One token as the journal leaves it.
#[derive(Debug, Clone)]
pub struct Restored<'a> {
    pub slot: Slot,
    /// The latest attempt that changed, or may have changed, the token (the latest attempt
    /// when none did).
    pub attempt: &'a TokenEntry,
    pub state: TokenState,
    /// When `state` is uncertain and this attempt may not have replaced an earlier seed: the
    /// attempt that wrote it. The token holds one of the two (or nothing).
    pub earlier: Option<&'a TokenEntry>,
}

/// Every token in the journal, in the order of their deciding attempts.
#[derive(Debug, Clone)]
pub struct Restore<'a> {
    pub tokens: Vec<Restored<'a>>,
}

impl Restore<'_> {
    /// New seed certainly in: verified, or written and acknowledged but not verified.
    pub fn exportable(&self) -> impl Iterator<Item = &Restored<'_>> {
        self.tokens.iter().filter(|t| t.state.holds_new_seed())
    }

    /// Tokens the admin must look at: may hold the new seed, settings written without the
    /// seed, or a failed check. Not exported.
    pub fn attention(&self) -> impl Iterator<Item = &Restored<'_>> {
        self.tokens.iter().filter(|t| t.state.needs_attention())
    }

    /// Tokens no attempt changed.
    pub fn untouched(&self) -> impl Iterator<Item = &Restored<'_>> {
        self.tokens
            .iter()
            .filter(|t| t.state == TokenState::Untouched)
    }
}

impl Restored<'_> {
    /// The token as a row for the Entra CSV / Graph JSON and the page's inventory. The UPN is
    /// empty when the journal has none (the caller fills it from a map or refuses).
    pub fn token_record(&self) -> TokenRecord {
        let i = &self.attempt.intent;
        let t = &i.target;
        TokenRecord {
            upn: i.upn.clone().unwrap_or_default(),
            serial: t.serial.clone(),
            secret: i.seed.clone(),
            interval: i.params.period,
            manufacturer: t
                .manufacturer
                .clone()
                .unwrap_or_else(|| t.kind.default_manufacturer().to_string()),
            model: t.model.clone(),
            algorithm: i.params.algorithm,
            profile: t.profile,
            display_name: i
                .display_name
                .clone()
                .or_else(|| i.title.clone())
                .or_else(|| t.credential.clone()),
        }
    }
}

impl Fold {
    /// See the module documentation.
    pub fn restore(&self) -> Restore<'_> {
        let mut by_slot: BTreeMap<Slot, Vec<&TokenEntry>> = BTreeMap::new();
        for t in self.tokens() {
            by_slot.entry(t.slot()).or_default().push(t);
        }
        let mut tokens: Vec<Restored<'_>> = by_slot
            .into_iter()
            .filter_map(|(slot, attempts)| {
                let changed = |t: &&TokenEntry| t.state() != TokenState::Untouched;
                let at = attempts
                    .iter()
                    .rposition(changed)
                    .or(attempts.len().checked_sub(1))?;
                let attempt = attempts[at];
                let earlier = if attempt.may_keep_earlier_seed() {
                    attempts[..at].iter().rev().copied().find(changed)
                } else {
                    None
                };
                Some(Restored {
                    slot,
                    attempt,
                    state: attempt.state(),
                    earlier,
                })
            })
            .collect();
        tokens.sort_by_key(|t| t.attempt.id);
        Restore { tokens }
    }
}
