//! Why a target cannot hold a setting, as a value the caller can match on and a message the
//! user can act on.

use std::fmt;

use super::table::{algorithms_text, digits_text, or_list, periods_text};
use super::{entra, DisplayTimeout, Feature, Firmware, Model};
use crate::otp::Algorithm;

/// The setting a refusal is about (for marking the right field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Param {
    Algorithm,
    Digits,
    Period,
    DisplayTimeout,
    Profile,
    Title,
    Seed,
    Account,
    Touch,
}

/// One reason a model (or Entra) cannot take what was asked. `Display` says what is refused
/// and how to fix it; [`Refusal::what`] names just the refused value ("SHA-512", "8 digits").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Algorithm {
        model: Model,
        algorithm: Algorithm,
    },
    Digits {
        model: Model,
        digits: u8,
    },
    Period {
        model: Model,
        period: u32,
    },
    /// The model has no display timeout setting.
    DisplayTimeout {
        model: Model,
        timeout: DisplayTimeout,
    },
    ProfileMissing {
        model: Model,
    },
    ProfileRange {
        model: Model,
        profile: u8,
    },
    /// A profile slot for a single-profile target.
    ProfileUnused {
        model: Model,
    },
    TitleLength {
        model: Model,
        bytes: usize,
    },
    TitleUnused {
        model: Model,
    },
    SeedLength {
        model: Model,
        bytes: usize,
    },
    AccountMissing {
        model: Model,
    },
    /// An account name or issuer for a token that stores neither.
    AccountUnused {
        model: Model,
    },
    /// The OATH credential name `[period/][issuer:]account` is too long.
    NameLength {
        model: Model,
        bytes: usize,
    },
    Touch {
        model: Model,
    },
    /// The model does not do this at all (an OATH management action it lacks).
    Unsupported {
        model: Model,
        feature: Feature,
    },
    /// The device's firmware predates the feature.
    Firmware {
        model: Model,
        feature: Feature,
        needs: Firmware,
        has: Firmware,
    },
    /// Neither upload format, or not the CSV, takes this hash.
    EntraAlgorithm {
        algorithm: Algorithm,
    },
    EntraDigits {
        digits: u8,
    },
    EntraPeriod {
        period: u32,
    },
    /// Base32 characters of the secret column.
    EntraSecretLength {
        chars: usize,
    },
}

impl Refusal {
    pub fn param(&self) -> Param {
        match self {
            Refusal::Algorithm { .. } | Refusal::EntraAlgorithm { .. } => Param::Algorithm,
            Refusal::Firmware {
                feature: Feature::Sha512,
                ..
            } => Param::Algorithm,
            Refusal::Digits { .. } | Refusal::EntraDigits { .. } => Param::Digits,
            Refusal::Period { .. } | Refusal::EntraPeriod { .. } => Param::Period,
            Refusal::DisplayTimeout { .. } => Param::DisplayTimeout,
            Refusal::ProfileMissing { .. }
            | Refusal::ProfileRange { .. }
            | Refusal::ProfileUnused { .. } => Param::Profile,
            Refusal::TitleLength { .. } | Refusal::TitleUnused { .. } => Param::Title,
            Refusal::SeedLength { .. } | Refusal::EntraSecretLength { .. } => Param::Seed,
            Refusal::AccountMissing { .. }
            | Refusal::AccountUnused { .. }
            | Refusal::NameLength { .. } => Param::Account,
            Refusal::Touch { .. }
            | Refusal::Firmware {
                feature: Feature::Touch,
                ..
            }
            | Refusal::Unsupported {
                feature: Feature::Touch,
                ..
            } => Param::Touch,
            Refusal::Unsupported {
                feature: Feature::Sha512,
                ..
            } => Param::Algorithm,
            // The management features are about the stored account.
            Refusal::Firmware { .. } | Refusal::Unsupported { .. } => Param::Account,
        }
    }

    /// The refused value in a few words, for lists ("cannot do SHA-512, 8 digits").
    pub fn what(&self) -> String {
        match self {
            Refusal::Algorithm { algorithm, .. } | Refusal::EntraAlgorithm { algorithm } => {
                algorithm.human().into()
            }
            Refusal::Digits { digits, .. } | Refusal::EntraDigits { digits } => {
                format!("{digits} digits")
            }
            Refusal::Period { period, .. } | Refusal::EntraPeriod { period } => {
                format!("a {period} s period")
            }
            Refusal::DisplayTimeout { timeout, .. } => format!("a {timeout} display timeout"),
            Refusal::ProfileMissing { .. } => "no profile slot".into(),
            Refusal::ProfileRange { profile, .. } => format!("profile {profile}"),
            Refusal::ProfileUnused { .. } => "a profile slot".into(),
            Refusal::TitleLength { bytes, .. } => format!("a {bytes}-byte title"),
            Refusal::TitleUnused { .. } => "a title".into(),
            Refusal::SeedLength { bytes, .. } => format!("a {bytes}-byte secret"),
            Refusal::EntraSecretLength { chars } => format!("a {chars}-character secret"),
            Refusal::AccountMissing { .. } => "no account name".into(),
            Refusal::AccountUnused { .. } => "an account name or issuer".into(),
            Refusal::NameLength { bytes, .. } => format!("a {bytes}-byte credential name"),
            Refusal::Touch { .. } => "touch".into(),
            Refusal::Firmware { feature, .. } | Refusal::Unsupported { feature, .. } => {
                feature.human().into()
            }
        }
    }

    /// What is refused and why, without the fix: "8 digits: Entra verifies 6-digit codes only".
    pub fn reason(&self) -> String {
        match self {
            Refusal::Algorithm { model, algorithm } => {
                format!("the {model} cannot store {}", algorithm.human())
            }
            Refusal::Digits { model, digits } => {
                format!("the {model} cannot show {digits} digits")
            }
            Refusal::Period { model, period } => {
                format!("the {model} cannot step every {period} s")
            }
            Refusal::DisplayTimeout { model, .. } => {
                format!("the {model} has no display timeout to set")
            }
            Refusal::ProfileMissing { model } => format!("the {model} needs a profile slot"),
            Refusal::ProfileRange { model, profile } => format!(
                "the {model} has profiles 0–{}, not {profile}",
                model.caps().max_profile().unwrap_or_default()
            ),
            Refusal::ProfileUnused { model } => format!("the {model} has a single profile"),
            Refusal::TitleLength { model, bytes } => format!(
                "a title of {bytes} bytes does not fit: the {model} shows at most {}",
                model.caps().title_bytes.unwrap_or_default()
            ),
            Refusal::TitleUnused { model } => format!("the {model} shows no title"),
            Refusal::SeedLength { model, bytes } => {
                let (min, max) = model.caps().seed_bytes;
                format!(
                    "a {bytes}-byte secret does not fit the {model}: it takes {min}–{max} bytes"
                )
            }
            Refusal::AccountMissing { model } => {
                format!("the {model} names each credential after its account")
            }
            Refusal::AccountUnused { model } => {
                format!("the {model} stores no account name or issuer")
            }
            Refusal::NameLength { model, bytes } => format!(
                "the credential name would be {bytes} bytes: the {model} takes at most {}",
                model.caps().name_bytes.unwrap_or_default()
            ),
            Refusal::Touch { model } => format!("the {model} cannot require a touch"),
            Refusal::Unsupported { model, feature } => {
                format!("the {model} does not offer {}", feature.human())
            }
            Refusal::Firmware {
                model,
                feature,
                needs,
                has,
            } => format!(
                "the {model} with firmware {has} cannot do {} (it needs {needs} or later)",
                feature.human()
            ),
            Refusal::EntraAlgorithm { algorithm } => {
                if entra::GRAPH_ALGORITHMS.contains(algorithm) {
                    format!(
                        "{} cannot be uploaded by CSV (Entra treats CSV tokens as {})",
                        algorithm.human(),
                        algorithms_text(entra::CSV_ALGORITHMS)
                    )
                } else {
                    format!("{} tokens cannot be used with Entra", algorithm.human())
                }
            }
            Refusal::EntraDigits { digits } => format!(
                "{digits} digits: Entra verifies {}-digit codes only",
                entra::DIGITS
            ),
            Refusal::EntraPeriod { period } => format!(
                "a {period} s time interval: Entra accepts {} only",
                periods_text(entra::PERIODS)
            ),
            Refusal::EntraSecretLength { chars } => format!(
                "the secret is {chars} base32 characters; Entra accepts at most {} ({} bytes)",
                entra::MAX_SECRET_CHARS,
                entra::MAX_SECRET_CHARS * 5 / 8
            ),
        }
    }

    /// How to fix it: "choose SHA-1 or SHA-256".
    pub fn fix(&self) -> String {
        let caps = self.model().map(Model::caps);
        match (self, caps) {
            (Refusal::Algorithm { .. }, Some(c)) => {
                format!("choose {}", algorithms_text(c.algorithms))
            }
            (Refusal::Digits { .. }, Some(c)) => format!("choose {}", digits_text(c.digits)),
            (Refusal::Period { .. }, Some(c)) => format!("choose {}", periods_text(c.periods)),
            (Refusal::ProfileMissing { .. }, Some(c)) => {
                format!("choose one from 0–{}", c.max_profile().unwrap_or_default())
            }
            (Refusal::ProfileRange { .. }, _) => "choose one of those".into(),
            (Refusal::ProfileUnused { .. }, _) => "leave the profile slot empty".into(),
            (Refusal::TitleLength { .. }, _) => "shorten it".into(),
            (Refusal::SeedLength { bytes, .. }, Some(c)) if *bytes < c.seed_bytes.0 => {
                "use a longer seed".into()
            }
            (Refusal::SeedLength { .. }, _) => "generate or choose a shorter seed".into(),
            (Refusal::AccountMissing { .. }, _) => "type an account name".into(),
            (Refusal::NameLength { .. }, _) => "shorten the account name or issuer".into(),
            (Refusal::Touch { .. }, _) => feature_fix(Feature::Touch),
            (Refusal::Firmware { feature, .. } | Refusal::Unsupported { feature, .. }, _) => {
                feature_fix(*feature)
            }
            (Refusal::EntraAlgorithm { algorithm }, _) => {
                if entra::GRAPH_ALGORITHMS.contains(algorithm) {
                    "use the Graph upload".into()
                } else {
                    format!("use {}", algorithms_text(entra::GRAPH_ALGORITHMS))
                }
            }
            (Refusal::EntraDigits { .. }, _) => format!("use {} digits", entra::DIGITS),
            (Refusal::EntraPeriod { .. }, _) => {
                format!("use {}", periods_text(entra::PERIODS))
            }
            (Refusal::EntraSecretLength { .. }, _) => "generate or choose a shorter seed".into(),
            _ => "leave it out".into(),
        }
    }

    /// The model that refused (`None` for Entra's rules).
    pub fn model(&self) -> Option<Model> {
        match *self {
            Refusal::Algorithm { model, .. }
            | Refusal::Digits { model, .. }
            | Refusal::Period { model, .. }
            | Refusal::DisplayTimeout { model, .. }
            | Refusal::ProfileMissing { model }
            | Refusal::ProfileRange { model, .. }
            | Refusal::ProfileUnused { model }
            | Refusal::TitleLength { model, .. }
            | Refusal::TitleUnused { model }
            | Refusal::SeedLength { model, .. }
            | Refusal::AccountMissing { model }
            | Refusal::AccountUnused { model }
            | Refusal::NameLength { model, .. }
            | Refusal::Touch { model }
            | Refusal::Unsupported { model, .. }
            | Refusal::Firmware { model, .. } => Some(model),
            Refusal::EntraAlgorithm { .. }
            | Refusal::EntraDigits { .. }
            | Refusal::EntraPeriod { .. }
            | Refusal::EntraSecretLength { .. } => None,
        }
    }
}

/// How to do without a feature.
fn feature_fix(feature: Feature) -> String {
    match feature {
        Feature::Sha512 => {
            let older: Vec<&str> = [Algorithm::Sha1, Algorithm::Sha256]
                .iter()
                .map(|a| a.human())
                .collect();
            return format!("choose {}", or_list(&older));
        }
        Feature::Touch => "leave touch off",
        Feature::Rename => "delete the account and store it again under the new name",
        Feature::AccessPassword => {
            "protect the key by its own means (a Nitrokey 3 has a PIN, set with Nitrokey's tools)"
        }
        Feature::Overwrite => "delete the account first, then store the new one",
        Feature::PrefixName => "choose a name that does not begin another account's name",
    }
    .into()
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}; {}", self.reason(), self.fix())
    }
}
