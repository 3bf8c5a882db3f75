//! What would be refused now, before anything leaves the page: the record the steps describe
//! checked with everything the burn carries (against the detected device), the list and the
//! export format — the same checks the bridge makes, and Entra's, but before the burn.

use super::{Job, Mode};
use crate::inventory::record::{checked_record, Problems};
use leptos::prelude::*;
use tokensmith_core::caps::Firmware;
use tokensmith_core::entra::{Field, TokenRecord};

/// The problems of the current record, and which listed row it would replace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Preflight {
    pub problems: Problems,
    /// The listed row of this token (serial, and profile on a Molto2): a burn replaces it.
    pub replacing: Option<u64>,
}

impl Preflight {
    fn any(&self, f: impl Fn(Field) -> bool) -> bool {
        self.problems.iter().any(|(g, _)| g.is_some_and(&f))
    }

    /// Something step 2 must fix.
    pub fn user(&self) -> bool {
        self.any(|f| {
            matches!(
                f,
                Field::Upn | Field::Serial | Field::Profile | Field::DisplayName
            )
        })
    }

    /// The seed is missing or invalid.
    pub fn seed(&self) -> bool {
        self.any(|f| f == Field::Secret)
    }

    /// The step that fixes a problem of this field, for "… (step 2)".
    pub fn step_of(field: Option<Field>) -> usize {
        match field {
            Some(Field::Upn | Field::Serial | Field::Profile | Field::DisplayName) => 2,
            Some(Field::Secret | Field::Algorithm | Field::Interval | Field::Digits) => 3,
            Some(Field::Manufacturer | Field::Model) => 1,
            _ => 3,
        }
    }
}

impl Job {
    /// The record the steps describe, with everything a burn to the detected device carries,
    /// checked (`replacing`: the listed row a burn would replace).
    pub(super) fn checked(self, replacing: Option<u64>) -> Result<TokenRecord, Problems> {
        checked_record(
            self.state,
            self.params,
            self.form,
            self.inv,
            replacing,
            self.firmware(),
        )
    }

    /// The OATH applet's firmware, when the bridge read it (SHA-512 and touch depend on it).
    pub(super) fn firmware(self) -> Option<Firmware> {
        if self.mode.get() != Mode::Bridge {
            return None;
        }
        self.panel.device()?.oath_version?.parse().ok()
    }

    /// The checks, with tracked reads (the memo `pre` follows every field they read).
    pub(super) fn preflight(self) -> Preflight {
        let profile = self.form.profile.get().trim().parse::<u8>().ok();
        let serial = self.form.serial.get();
        self.inv.rows.track();
        let replacing = self.inv.find_token(&serial, profile).map(|(_, r)| r.id);
        let problems = self.checked(replacing).err().unwrap_or_default();
        Preflight {
            problems,
            replacing,
        }
    }
}
