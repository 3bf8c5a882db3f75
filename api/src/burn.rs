//! `POST /api/burn` (and `/api/oath/put`): write a seed with its parameters, check it.

use serde::{Deserialize, Serialize};
use tokensmith_core::otp::Algorithm;

use crate::{DeviceKind, OathType, SecretString};

addressed_request! {
    /// A burn. `None` means "the default for this kind of device"; everything is checked against
    /// the device's model before anything is sent to it (`bad_input`: nothing was written).
    pub struct BurnRequest {
        /// Base32, or hex (a `0x` prefix makes it unambiguous).
        pub secret: SecretString,
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
        /// Seconds the display stays on (Token2, Molto2).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub display_timeout: Option<u32>,
        /// Molto2 profile number.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub profile: Option<u8>,
        /// Molto2 title: 1 to 12 bytes of UTF-8 (core's capability table,
        /// `caps::Caps::title_bytes`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub title: Option<String>,
        /// OATH account (required for OATH).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub account: Option<String>,
        /// OATH issuer.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub issuer: Option<String>,
        /// OATH: require a touch for each code.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        pub touch: bool,
        /// OATH: `"totp"` (default) or `"hotp"`. An HOTP credential is journaled with its
        /// counter like any burn (Entra's exports leave it out: Entra takes TOTP tokens only)
        /// and not calculated after the PUT (that would use a code up).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub oath_type: Option<OathType>,
        /// OATH HOTP: the initial counter (sent when above 0).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub counter: Option<u32>,
        /// The serial printed on the device. Checked against the serial the device reports;
        /// required (and recorded) for an OATH key that reports none (e.g. a Solo 2).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub serial: Option<String>,
        /// Token2: burn even if the serial prefix is not a known programmable model.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        pub force_unknown_model: bool,
        /// Replace what the target already holds: a Molto2 profile's seed, an OATH key's
        /// account of the same name (YubiKey; a Nitrokey 3 cannot). The old seed is lost.
        /// Without it the burn is refused (`409 occupied`) and nothing is written.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        pub overwrite: bool,
        /// Token2, expert: write the seed only, leaving the token's config (algorithm, period,
        /// display, clock) as it is. (A config-only write is `/api/sync`.)
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        pub seed_only: bool,
        /// The user to record with this token in the bridge's `--results-file`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub upn: Option<String>,
        /// Molto2 customer key (32 hex digits or 16 ASCII characters; factory key when absent).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub customer_key: Option<SecretString>,
        /// OATH access password.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub password: Option<SecretString>,
    }
}

/// How a burn was checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Verification {
    /// OATH: the device computed the code (CALCULATE) and `matches` tells whether it equals
    /// the host's.
    DeviceCalculated { code: String, matches: bool },
    /// Token2/Molto2: the token should show `expected_code` now; compare.
    CompareWithDisplay {
        expected_code: String,
        next_code: String,
        /// Seconds until `expected_code` changes to `next_code`.
        valid_for_seconds: u32,
    },
    /// Touch-protected OATH credential: not calculated.
    NotChecked { reason: String },
}

/// What a burn did. Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BurnResult {
    pub kind: DeviceKind,
    pub reader: String,
    pub serial: String,
    pub model: String,
    /// Molto2 profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<u8>,
    /// Molto2 title / OATH credential name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(with = "crate::algorithm")]
    pub algorithm: Algorithm,
    pub digits: u8,
    pub period: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_timeout: Option<u32>,
    /// UTC seconds of the burn (the clock written to a Token2/Molto2).
    pub burned_at: i64,
    pub verification: Verification,
    #[serde(default)]
    pub warnings: Vec<String>,
    /// What to do now with the device (Token2: switch it off and on before comparing codes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub advice: Vec<String>,
    /// The row was appended (and fsynced) to the bridge's results file.
    #[serde(default)]
    pub recorded: bool,
    /// OATH: the credential's type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oath_type: Option<OathType>,
    /// What the bridge's burn journal (`--results-file`) now says about the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal: Option<JournalEntry>,
}

/// What a token holds or may hold, as the bridge's burn journal knows it (spelled as the
/// journal's states).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenHolds {
    /// Nothing was written to it.
    Untouched,
    /// Stopped while its settings were written: it may hold them (a Token2 then shows dashes).
    MayHoldNewConfig,
    /// Settings written, seed not.
    ConfigWrittenSeedNot,
    /// Stopped while the seed was written: it may hold the new seed.
    MayHoldNewSeed,
    /// The token acknowledged the seed; its code is not checked yet.
    SeedWrittenNotVerified,
    Verified,
    /// The seed was written but the code did not match.
    Failed,
}

/// The journal's word on one burn attempt — in a burn's answer, and in the error of a burn
/// that stopped after its seed was journaled (so the user learns what the token holds).
/// Holds no secret: the expected code only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// The attempt's number in the journal.
    pub attempt: u64,
    pub serial: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<u8>,
    /// OATH credential name / Molto2 title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub holds: TokenHolds,
    /// What the token holds, in words.
    pub description: String,
    /// What to do now.
    pub advice: String,
    /// The code the token shows now if it holds the new seed (to compare); for an HOTP
    /// credential, the code of `hotp_counter` (the next one it gives, if none was used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_code: Option<String>,
    /// An OATH HOTP credential, journaled with this initial counter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hotp_counter: Option<u64>,
    /// An earlier burn's seed (in the journal too) may still be in the token.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub may_hold_earlier_seed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn request_is_flat_typed_and_strict() {
        let r: BurnRequest = serde_json::from_value(json!({
            "reader": "ACR", "kind": "molto2", "secret": "JBSWY3DPEHPK3PXP",
            "algorithm": "sha-256", "digits": 8, "period": 60, "profile": 3,
            "title": "GitHub", "customer_key": "TOKEN2MOLTO1-KEY"
        }))
        .unwrap();
        assert_eq!(r.algorithm, Some(Algorithm::Sha256));
        assert_eq!(r.kind, Some(DeviceKind::Molto2));
        assert_eq!(r.secret.as_str(), "JBSWY3DPEHPK3PXP");
        let debug = format!("{r:?}");
        assert!(
            !debug.contains("JBSWY3DPEHPK3PXP") && !debug.contains("MOLTO1"),
            "{debug}"
        );
        // Issue 14 point 3: a misspelled field is refused, never ignored.
        for typo in [
            json!({"secret": "A", "algoritm": "SHA256"}),
            json!({"secret": "A", "Period": 60}),
        ] {
            let e = serde_json::from_value::<BurnRequest>(typo).unwrap_err();
            assert!(e.to_string().starts_with("unknown field"), "{e}");
        }
        assert!(
            serde_json::from_value::<BurnRequest>(json!({"secret": "A", "algorithm": "MD5"}))
                .is_err()
        );
        // Found by fuzzing: serde's derive also reads a JSON array, field by field in
        // declaration order (`["ACR", null, "JBSW…"]` was a burn). A request is an object.
        for array in [json!([]), json!(["ACR", null, "JBSWY3DPEHPK3PXP"])] {
            let e = serde_json::from_value::<BurnRequest>(array).unwrap_err();
            assert!(e.to_string().contains("expected a JSON object"), "{e}");
        }
        assert!(serde_json::from_value::<crate::Target>(json!([])).is_err());
        assert!(
            serde_json::from_value::<BurnRequest>(json!({"digits": 6})).is_err(),
            "secret is required"
        );
        // Written back without the defaults.
        let minimal = BurnRequest {
            secret: "A".into(),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&minimal).unwrap(),
            json!({"secret": "A"})
        );
    }

    #[test]
    fn result_and_verification_shapes() {
        let r = BurnResult {
            kind: DeviceKind::Token2,
            reader: "r".into(),
            serial: "8659632000001".into(),
            model: "C302-i".into(),
            profile: None,
            name: None,
            algorithm: Algorithm::Sha1,
            digits: 6,
            period: 30,
            display_timeout: Some(30),
            burned_at: 1_700_000_000,
            verification: Verification::CompareWithDisplay {
                expected_code: "123456".into(),
                next_code: "654321".into(),
                valid_for_seconds: 12,
            },
            warnings: vec![],
            advice: vec!["switch it off and on".into()],
            recorded: true,
            oath_type: None,
            journal: None,
        };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["algorithm"], "SHA1");
        assert_eq!(v["verification"]["method"], "compare_with_display");
        assert_eq!(serde_json::from_value::<BurnResult>(v).unwrap(), r);
        let d: Verification = serde_json::from_value(
            json!({"method": "device_calculated", "code": "1", "matches": true}),
        )
        .unwrap();
        assert_eq!(
            d,
            Verification::DeviceCalculated {
                code: "1".into(),
                matches: true
            }
        );
    }
}
