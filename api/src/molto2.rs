//! Molto2 profiles and management: `POST /api/profiles`, `/api/profiles/title`,
//! `/api/profiles/delete`, `/api/molto2/change-key`, `/api/molto2/factory-reset`,
//! `/api/molto2/screen`.

use serde::{Deserialize, Serialize};
use tokensmith_core::caps;
use tokensmith_core::otp::Algorithm;

use crate::SecretString;

/// Which Molto2 a device is. Nothing it answers tells the two apart, so the user says; without
/// a choice the bridge takes the `molto2`, whose profiles 0–49 exist on both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Molto2Model {
    /// Molto2 (v1): profiles 0–49.
    #[default]
    Molto2,
    /// Molto2v2: profiles 0–99.
    Molto2v2,
}

impl Molto2Model {
    pub const ALL: [Molto2Model; 2] = [Molto2Model::Molto2, Molto2Model::Molto2v2];

    /// The spelling of the JSON and of the CLI's `--model`.
    pub fn as_str(self) -> &'static str {
        match self {
            Molto2Model::Molto2 => "molto2",
            Molto2Model::Molto2v2 => "molto2v2",
        }
    }

    /// The model in core's capability table.
    pub fn caps_model(self) -> caps::Model {
        match self {
            Molto2Model::Molto2 => caps::Model::Molto2,
            Molto2Model::Molto2v2 => caps::Model::Molto2v2,
        }
    }
}

impl std::str::FromStr for Molto2Model {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Molto2Model::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                "unknown Molto2 model: use molto2 (profiles 0–49) or molto2v2 (0–99)".to_string()
            })
    }
}

/// One Molto2 profile's public data (no authentication needed to read it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub profile: u8,
    /// The title on the display (zero padding trimmed); empty when none was written.
    #[serde(default)]
    pub title: String,
    /// The one sign of a profile in use (the device reports a default configuration for
    /// empty ones too).
    pub seed_present: bool,
    /// The profile's configuration; `None` for an empty profile (what it reports then is the
    /// device's default, not a configuration) or a value the page cannot name.
    #[serde(
        default,
        with = "crate::algorithm::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub algorithm: Option<Algorithm>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digits: Option<u8>,
    /// Seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<u32>,
    /// The profile's clock (UTC seconds).
    pub token_time: i64,
}

/// `POST /api/profiles` → every profile of the device (of the `model` given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profiles {
    pub profiles: Vec<Profile>,
}

addressed_request! {
    /// `POST /api/profiles/title`
    pub struct ProfileTitleRequest {
        pub profile: u8,
        /// 1 to 12 bytes of UTF-8 (core's capability table, `caps::Caps::title_bytes`).
        pub title: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub customer_key: Option<SecretString>,
    }
}

addressed_request! {
    /// `POST /api/profiles/delete`: deletes the profile's seed (its title stays). The device
    /// needs no customer key for it, so none is asked (a mistyped one would cost an attempt).
    pub struct ProfileDeleteRequest {
        pub profile: u8,
    }
}

addressed_request! {
    /// `POST /api/molto2/change-key`: the device then waits for ▲ to be pressed.
    pub struct ChangeKeyRequest {
        /// The current customer key (factory key when absent).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub customer_key: Option<SecretString>,
        /// The new one: any length (it is hashed; 16 bytes is what the vendor's tool expects),
        /// 32 hex digits or `0x…` for raw bytes.
        pub new_customer_key: SecretString,
    }
}

addressed_request! {
    /// `POST /api/molto2/factory-reset`: wipes every profile and restores the factory key once
    /// ▲ is pressed. Needs `"confirm": true` (else `400 bad_input` and nothing is sent).
    pub struct FactoryResetRequest {
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        pub confirm: bool,
    }
}

addressed_request! {
    /// `POST /api/molto2/screen`: lock (`"locked": true`) or unlock the display (firmware
    /// 2.1 and later).
    pub struct ScreenRequest {
        pub locked: bool,
    }
}

/// Whether a management command is done or waits for the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confirmation {
    /// Done (`90 00`).
    Done,
    /// Accepted (`90 60`): nothing changes until ▲ is pressed on the device.
    PressButton,
}

/// The answer of the Molto2 management routes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Molto2Action {
    pub confirmation: Confirmation,
    /// What happened and what the user does now (the button to press).
    pub message: String,
}

/// `{"ok": true}`: the answer of calls that only change something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Done {
    pub ok: bool,
}

impl Done {
    pub const OK: Done = Done { ok: true };
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn model_is_typed_in_every_addressed_request() {
        let r: ProfileDeleteRequest =
            serde_json::from_value(json!({"reader": "molto", "model": "molto2v2", "profile": 77}))
                .unwrap();
        assert_eq!(r.model, Some(Molto2Model::Molto2v2));
        assert!(serde_json::from_value::<ProfileDeleteRequest>(
            json!({"profile": 1, "model": "molto3"})
        )
        .is_err());
        // Delete takes no key any more: refused, not ignored.
        let e = serde_json::from_value::<ProfileDeleteRequest>(
            json!({"profile": 1, "customer_key": "x"}),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("unknown field `customer_key`"),
            "{e}"
        );
        assert_eq!("MOLTO2V2".parse::<Molto2Model>(), Ok(Molto2Model::Molto2v2));
        assert_eq!(
            Molto2Model::Molto2v2.caps_model().caps().profiles,
            Some(100)
        );
        let a = Molto2Action {
            confirmation: Confirmation::PressButton,
            message: "press ▲".into(),
        };
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            json!({"confirmation": "press_button", "message": "press ▲"})
        );
        let c: ChangeKeyRequest =
            serde_json::from_value(json!({"new_customer_key": "a passphrase"})).unwrap();
        assert!(!format!("{c:?}").contains("passphrase"));
    }
}
