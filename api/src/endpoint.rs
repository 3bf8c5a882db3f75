//! The routes: each [`Endpoint`] ties a path and a method to the request and answer types, so
//! the server's handler and the page's call cannot disagree on either.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::*;

/// HTTP method of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// The request of a `GET` endpoint: no body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoBody;

/// One API route.
pub trait Endpoint {
    const PATH: &'static str;
    const METHOD: Method;
    type Request: Serialize + DeserializeOwned;
    type Response: Serialize + DeserializeOwned;
}

macro_rules! endpoints {
    ($($(#[$doc:meta])* $name:ident: $method:ident $path:literal, $req:ty => $resp:ty;)*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy)]
            pub struct $name;
            impl Endpoint for $name {
                const PATH: &'static str = $path;
                const METHOD: Method = Method::$method;
                type Request = $req;
                type Response = $resp;
            }
        )*
        /// Every route: (method, path).
        pub const ALL: &[(Method, &str)] = &[$((Method::$method, $path)),*];
    };
}

endpoints! {
    /// Version and settings; also checks the pairing secret.
    GetHealth: Get "/api/health", NoBody => Health;
    /// Every reader and what is on it.
    ListReaders: Get "/api/readers", NoBody => Readers;
    /// The device with its clock drift.
    GetInfo: Post "/api/info", Target => Info;
    /// Burn a seed, check it, record it.
    Burn: Post "/api/burn", BurnRequest => BurnResult;
    /// Set the device's clock.
    Sync: Post "/api/sync", SyncRequest => SyncResult;
    /// Every Molto2 profile.
    ListProfiles: Post "/api/profiles", Target => Profiles;
    SetProfileTitle: Post "/api/profiles/title", ProfileTitleRequest => Done;
    /// Delete a Molto2 profile's seed (no customer key needed).
    DeleteProfile: Post "/api/profiles/delete", ProfileDeleteRequest => Done;
    /// Molto2: change the customer key (then ▲ on the device).
    ChangeMolto2Key: Post "/api/molto2/change-key", ChangeKeyRequest => Molto2Action;
    /// Molto2: factory reset (then ▲ on the device).
    ResetMolto2: Post "/api/molto2/factory-reset", FactoryResetRequest => Molto2Action;
    /// Molto2: lock or unlock the display.
    Molto2Screen: Post "/api/molto2/screen", ScreenRequest => Molto2Action;
    ListOath: Post "/api/oath/list", OathListRequest => OathCredentials;
    /// A burn restricted to OATH keys.
    PutOath: Post "/api/oath/put", BurnRequest => BurnResult;
    DeleteOath: Post "/api/oath/delete", OathNameRequest => Done;
    CalculateOath: Post "/api/oath/code", OathNameRequest => OathCode;
    /// New issuer/account for a credential (YubiKey 5.3.1+).
    RenameOath: Post "/api/oath/rename", OathRenameRequest => OathCredential;
    /// Set, change or remove the access password (YubiKey).
    SetOathPassword: Post "/api/oath/password", OathPasswordRequest => Done;
    /// Stop the operation waiting on a card (its own answer then says what happened; a burn's,
    /// what the journal says the token may hold). Any body is ignored.
    Cancel: Post "/api/cancel", NoBody => Cancelled;
    /// Start (or, with `resume`, go on with) a batch: one loop per reader on the bridge.
    StartBatch: Post "/api/batch/start", BatchStart => BatchStatus;
    /// The batch's progress and rows (the current tokens' expected codes included).
    GetBatch: Get "/api/batch", NoBody => CurrentBatch;
    /// Pause, resume, stop, skip or retry a row; `swap_token` under `--simulate`.
    ControlBatch: Post "/api/batch/control", BatchControl => BatchStatus;
    /// The admin's comparison: the token shows (or not) the row's expected code.
    AnswerBatch: Post "/api/batch/answer", BatchAnswer => BatchStatus;
    /// The batch's tokens from its journal, seeds included (the inventory, the exports).
    BatchResultsOf: Get "/api/batch/results", NoBody => BatchResults;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_distinct_api_paths() {
        for (i, (_, p)) in ALL.iter().enumerate() {
            assert!(p.starts_with("/api/"), "{p}");
            assert!(ALL[i + 1..].iter().all(|(_, q)| q != p), "{p} twice");
        }
        assert_eq!(ALL.len(), 23);
        assert_eq!(Burn::PATH, "/api/burn");
        assert_eq!(GetHealth::METHOD.as_str(), "GET");
    }
}
