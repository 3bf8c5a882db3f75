//! Readers, the device on each, and the bridge's health.

use serde::{Deserialize, Serialize};

/// What kind of device is on a reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
    /// Token2 single-profile programmable token (OTPC-P1-i, miniOTP, C30x-i…).
    Token2,
    /// Token2 Molto2 / Molto2v2 multi-profile token.
    Molto2,
    /// A key with the YKOATH applet (YubiKey, Nitrokey 3, Solo 2).
    Oath,
}

impl DeviceKind {
    pub const ALL: [DeviceKind; 3] = [DeviceKind::Token2, DeviceKind::Molto2, DeviceKind::Oath];

    /// The spelling of the JSON and of the CLI's `--kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::Token2 => "token2",
            DeviceKind::Molto2 => "molto2",
            DeviceKind::Oath => "oath",
        }
    }
}

impl std::fmt::Display for DeviceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for DeviceKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DeviceKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| "unknown device kind: use token2, molto2 or oath".to_string())
    }
}

addressed_request! {
    /// Which reader a call is for, and optionally which kind of device to assume (skipping
    /// detection). The body of `/api/info` and `/api/profiles`.
    pub struct Target {}
}

/// `GET /api/health`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// The bridge's program version.
    pub version: String,
    /// [`crate::API_VERSION`] of the bridge (0 from bridges older than the field).
    #[serde(default)]
    pub api: u32,
    /// `--simulate`: emulated devices, nothing is written to real hardware.
    pub simulate: bool,
    /// Every burn is also appended to the bridge's `--results-file`.
    pub results_file: bool,
}

/// A device found on a reader (`readers[].device`, and the start of `/api/info`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub kind: DeviceKind,
    pub reader: String,
    /// The device's serial: Token2/Molto2 as read; a YubiKey's from its management or OTP
    /// applet; a Nitrokey 3's from its OATH SELECT reply (tag `8F`). Empty for an OATH key
    /// that reports none (maker unknown, or a YubiKey with its serial hidden): a burn then
    /// needs the serial from the user (`serial`), never the OATH salt, which changes on every
    /// reset.
    pub serial: String,
    pub model: String,
    /// False for a Token2 serial whose prefix is not a known programmable model (burning it
    /// needs `force_unknown_model`).
    #[serde(default)]
    pub known_model: bool,
    /// The device's clock (UTC seconds), where it has one.
    #[serde(default)]
    pub token_time: Option<i64>,
    /// Molto2: how many profiles it has (numbered from 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profiles: Option<u8>,
    /// OATH: the applet's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oath_version: Option<String>,
    /// OATH: whether an access password is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_set: Option<bool>,
    /// Nitrokey 3 with a PIN set: the PIN attempts left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_attempts: Option<u8>,
}

impl Device {
    /// Molto2: the highest profile number; `None` for a device without profiles.
    pub fn last_profile(&self) -> Option<u8> {
        self.profiles.and_then(|n| n.checked_sub(1))
    }
}

/// One reader and what is on it (`GET /api/readers`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reader {
    pub name: String,
    pub card_present: bool,
    /// Another program holds the reader exclusively: it was not read (close that program, or
    /// wait, then list again).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub busy: bool,
    /// What the reader's name tells without connecting: a Molto2 (never probed while
    /// listing; `/api/info` with this reader reads it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<DeviceKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Device>,
    /// Why the card on it was not recognised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `GET /api/readers`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Readers {
    pub readers: Vec<Reader>,
}

/// `POST /api/info`: the device with its clock compared to the host's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Info {
    #[serde(flatten)]
    pub device: Device,
    /// The host clock when the device was read (UTC seconds).
    pub host_time: i64,
    /// Token clock − host clock, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift_seconds: Option<i64>,
    /// Token2: whether a config write (and so a clock sync) clears the seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_clears_seed: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds() {
        for k in DeviceKind::ALL {
            assert_eq!(k.as_str().parse::<DeviceKind>().unwrap(), k);
            assert_eq!(serde_json::to_value(k).unwrap(), json!(k.as_str()));
        }
        assert_eq!("OATH".parse::<DeviceKind>().unwrap(), DeviceKind::Oath);
        assert!("fido".parse::<DeviceKind>().is_err());
    }

    #[test]
    fn target_refuses_unknown_fields() {
        let t: Target = serde_json::from_value(json!({"reader": "ACR"})).unwrap();
        assert_eq!(t.reader.as_deref(), Some("ACR"));
        let e = serde_json::from_value::<Target>(json!({"reader": "ACR", "kin": "oath"}));
        assert!(e.unwrap_err().to_string().contains("unknown field `kin`"));
    }

    #[test]
    fn info_is_the_device_plus_the_clocks() {
        let info = Info {
            device: Device {
                kind: DeviceKind::Molto2,
                reader: "r".into(),
                serial: "S".into(),
                model: "Molto2v2".into(),
                known_model: true,
                token_time: Some(1_700_000_012),
                profiles: Some(100),
                oath_version: None,
                password_set: None,
                pin_attempts: None,
            },
            host_time: 1_700_000_000,
            drift_seconds: Some(12),
            sync_clears_seed: None,
        };
        let v = serde_json::to_value(&info).unwrap();
        assert_eq!(
            v,
            json!({"kind": "molto2", "reader": "r", "serial": "S", "model": "Molto2v2",
                   "known_model": true, "token_time": 1_700_000_012, "profiles": 100,
                   "host_time": 1_700_000_000, "drift_seconds": 12})
        );
        assert_eq!(serde_json::from_value::<Info>(v).unwrap(), info);
        assert_eq!(info.device.last_profile(), Some(99));
    }
}

/// The answer of `POST /api/cancel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cancelled {
    /// An operation was connected to a card and is told to stop: at the next command, or at
    /// once when it waits for an answer. `false`: nothing was running (nothing is kept for
    /// the next operation).
    pub cancelled: bool,
}
