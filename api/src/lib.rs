//! The hardware bridge's HTTP API as types: the one contract between `hardware-bridge serve`
//! and the page's client (`app/src/bridge/client.rs`). Both sides (de)serialize exactly these
//! types, so a field renamed here is renamed for both, and the compiler finds every use.
//!
//! - [`endpoint`]: every route as an [`Endpoint`] tying its path and method to its request and
//!   response types.
//! - [`error`]: [`ErrorCode`] — every code the server answers, with its HTTP status and the
//!   CLI's exit code.
//! - [`device`], [`burn`], [`sync`], [`molto2`], [`oath`]: the bodies.
//! - [`SecretString`]: secrets in requests (zeroized on drop, redacted in `Debug`).
//! - [`page`]: what the build hands the server about the page (its CSP).
//!
//! Request types refuse unknown fields (a misspelled `"algoritm"` is an error, never a silent
//! default) and are flat JSON objects. Response types ignore unknown fields, so a page can read
//! a newer bridge's answers; [`API_VERSION`] (reported by `/api/health`) changes when an answer
//! changes incompatibly.
//!
//! Serde only: no HTTP stack, so this builds for `wasm32-unknown-unknown` and native alike.
#![forbid(unsafe_code)]

/// A request body addressed to one device: the fields given plus `reader` (full name or a
/// unique part; default: the only reader holding a card), `kind` (skips detection) and
/// `model` (which Molto2 generation it is: the device cannot tell) — the same fields, the same
/// way, in every request. Flat JSON, unknown fields refused.
macro_rules! addressed_request {
    ($(#[$m:meta])* pub struct $name:ident { $($(#[$fm:meta])* pub $f:ident: $t:ty,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        // `remote = "Self"`: the derived code becomes inherent functions, so the trait
        // implementations below can refuse what serde's derive would also take, a JSON array
        // read field by field in declaration order.
        #[serde(deny_unknown_fields, remote = "Self")]
        pub struct $name {
            /// Full reader name or a unique part of it; default: the only reader with a card.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub reader: Option<String>,
            /// The kind of device to assume, skipping detection.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub kind: Option<$crate::DeviceKind>,
            /// Molto2 only: `molto2` (profiles 0–49, the default) or `molto2v2` (0–99).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub model: Option<$crate::Molto2Model>,
            $($(#[$fm])* pub $f: $t,)*
        }

        object_only!($name);
    };
}

/// Serde for a request declared with `#[serde(deny_unknown_fields, remote = "Self")]`: the
/// derived code becomes inherent functions, and these trait implementations refuse what
/// serde's derive would also take, a JSON array read field by field in declaration order.
macro_rules! object_only {
    ($name:ident) => {
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                $name::serialize(self, s)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct ObjectOnly;
                impl<'de> serde::de::Visitor<'de> for ObjectOnly {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str("a JSON object")
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(
                        self,
                        map: A,
                    ) -> Result<$name, A::Error> {
                        $name::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    }
                }
                d.deserialize_map(ObjectOnly)
            }
        }
    };
}

mod algorithm;
pub mod batch;
pub mod burn;
pub mod device;
pub mod endpoint;
pub mod error;
pub mod molto2;
pub mod oath;
pub mod page;
mod secret;
pub mod sync;

pub use batch::{
    BatchAction, BatchAnswer, BatchControl, BatchResultRow, BatchResults, BatchRow, BatchStart,
    BatchState, BatchStatus, CurrentBatch, ReaderLoop, RowStatus, UserListFormat,
};
pub use burn::{BurnRequest, BurnResult, JournalEntry, TokenHolds, Verification};
pub use device::{Cancelled, Device, DeviceKind, Health, Info, Reader, Readers, Target};
pub use endpoint::{Endpoint, Method, NoBody};
pub use error::{ErrorBody, ErrorCode, ErrorDetail};
pub use molto2::{
    ChangeKeyRequest, Confirmation, Done, FactoryResetRequest, Molto2Action, Molto2Model, Profile,
    ProfileDeleteRequest, ProfileTitleRequest, Profiles, ScreenRequest,
};
pub use oath::{
    OathCode, OathCredential, OathCredentials, OathListRequest, OathNameRequest,
    OathPasswordRequest, OathRenameRequest, OathType,
};
pub use secret::SecretString;
pub use sync::{ProfileClock, SyncRequest, SyncResult};

/// Version of this contract, reported by `GET /api/health`. Raised when a request or an answer
/// changes in a way the other side cannot read; the page refuses a bridge of another version.
/// 2: issue 9 (Molto2 `model`, `overwrite` with `occupied` for a taken profile or OATH name,
/// no `configured`, delete without a key, Molto2 management routes, OATH rename and access
/// password, HOTP and the printed `serial` in burns, busy readers, per-profile clock results).
/// 3: issue 14 (`POST /api/cancel`; `card_timeout` and `cancelled` errors; the burn journal's
/// word in burn answers and errors).
/// 4: issue 11 (the batch routes `/api/batch…`; `batch_running` and `no_batch` errors).
pub const API_VERSION: u32 = 4;

/// The port `hardware-bridge serve` listens on without `--port`.
pub const DEFAULT_PORT: u16 = 8733;

/// The header carrying the pairing secret on every API call (HTTP header names are
/// case-insensitive; this is the form the server compares).
pub const PAIRING_HEADER: &str = "x-tokensmith-pairing";

/// The largest API request body the server reads (64 KiB).
pub const MAX_BODY: usize = 64 * 1024;
