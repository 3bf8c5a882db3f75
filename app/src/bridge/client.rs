//! A small typed client for the hardware bridge's JSON API (`hardware-bridge/API.md`), over the
//! browser's `fetch`. Every call sends the pairing secret in `X-Tokensmith-Pairing`; the secret
//! lives only in a [`Bridge`] value in memory (never storage, cookies or a URL).
//!
//! Other panels (e.g. the import panel burning accounts into consecutive Molto2 profiles) call
//! these functions with the connected [`Bridge`] from `super::BridgeState::connection`.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Where the bridge is and the pairing secret it printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Bridge {
    /// `""` when the page is served by the bridge itself (relative `/api/...` URLs), else
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    pairing: String,
}

impl std::fmt::Debug for Bridge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bridge")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl Bridge {
    /// The bridge that served this page (same origin).
    pub fn same_origin(pairing: &str) -> Self {
        Bridge {
            base: String::new(),
            pairing: pairing.trim().to_string(),
        }
    }

    /// A bridge on this computer's loopback address, for a `file://` or intranet page.
    pub fn loopback(port: u16, pairing: &str) -> Self {
        Bridge {
            base: format!("http://127.0.0.1:{port}"),
            pairing: pairing.trim().to_string(),
        }
    }

    /// Where it is, for messages (`this page's own server` when same-origin).
    pub fn describe(&self) -> String {
        if self.base.is_empty() {
            "the bridge that served this page".into()
        } else {
            self.base.clone()
        }
    }
}

/// An error from the bridge (`{"error": {"code", "message"}}`), or `status == 0` with code
/// `unreachable` when nothing answered (closed port, or the bridge refused this page's origin:
/// the browser hides the difference).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: u16,
    pub code: String,
    pub message: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ApiError,
}

impl ApiError {
    fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
    Token2,
    Molto2,
    Oath,
}

impl DeviceKind {
    pub fn human(self) -> &'static str {
        match self {
            DeviceKind::Token2 => "Token2 programmable token",
            DeviceKind::Molto2 => "Token2 Molto2 (multi-profile)",
            DeviceKind::Oath => "OATH key (YubiKey / Nitrokey)",
        }
    }
}

/// `GET /api/health`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Health {
    pub version: String,
    pub simulate: bool,
    pub results_file: bool,
}

/// A device found on a reader (`readers[].device`, and the body of `/api/info`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Device {
    pub kind: DeviceKind,
    pub reader: String,
    /// Token2/Molto2 serial; for OATH the applet's device id.
    pub serial: String,
    pub model: String,
    #[serde(default)]
    pub known_model: bool,
    /// The device's clock (UTC seconds), where it has one.
    #[serde(default)]
    pub token_time: Option<i64>,
    /// Molto2: 50 or 100.
    #[serde(default)]
    pub profiles: Option<u8>,
    #[serde(default)]
    pub oath_version: Option<String>,
    #[serde(default)]
    pub password_set: Option<bool>,
}

/// `GET /api/readers` → `readers[]`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Reader {
    pub name: String,
    pub card_present: bool,
    #[serde(default)]
    pub device: Option<Device>,
    #[serde(default)]
    pub error: Option<String>,
}

#[derive(Deserialize)]
struct Readers {
    readers: Vec<Reader>,
}

/// `POST /api/info`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Info {
    #[serde(flatten)]
    pub device: Device,
    pub host_time: i64,
    /// token clock − host clock, seconds.
    #[serde(default)]
    pub drift_seconds: Option<i64>,
    /// Token2: a clock sync rewrites the config and clears the seed.
    #[serde(default)]
    pub sync_clears_seed: Option<bool>,
}

/// Which reader (and optionally which kind, skipping detection) a call is for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Target {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reader: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<DeviceKind>,
    /// Molto2 customer key (32 hex digits or 16 ASCII characters; factory key when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_key: Option<String>,
    /// OATH access password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// `POST /api/burn`. The secret is wiped from this value when it is dropped.
#[derive(Clone, Default, PartialEq, Eq, Serialize)]
pub struct BurnRequest {
    #[serde(flatten)]
    pub target: Target,
    /// Base32, or hex with a `0x` prefix (unambiguous for the bridge's auto-detection).
    pub secret: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digits: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_timeout: Option<u32>,
    /// Molto2 profile slot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<u8>,
    /// Molto2 title, at most 12 bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// OATH account (required for OATH).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub touch: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub force_unknown_model: bool,
    /// For the bridge's `--results-file`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
}

impl std::fmt::Debug for BurnRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BurnRequest")
            .field("reader", &self.target.reader)
            .field("secret", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl Drop for BurnRequest {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.secret.zeroize();
        if let Some(k) = self.target.customer_key.as_mut() {
            k.zeroize();
        }
        if let Some(p) = self.target.password.as_mut() {
            p.zeroize();
        }
    }
}

/// How the bridge checked the burn.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Verification {
    /// Token2/Molto2: the token should show `expected_code` now.
    CompareWithDisplay {
        expected_code: String,
        next_code: String,
        valid_for_seconds: u32,
    },
    /// OATH: the key computed `code`; `matches` = it equals the host's.
    DeviceCalculated { code: String, matches: bool },
    /// Touch credentials.
    NotChecked { reason: String },
    #[serde(other)]
    Unknown,
}

/// `POST /api/burn` → result. Holds no secret.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct BurnResult {
    pub kind: DeviceKind,
    pub reader: String,
    pub serial: String,
    pub model: String,
    #[serde(default)]
    pub profile: Option<u8>,
    /// Molto2 title / OATH credential name.
    #[serde(default)]
    pub name: Option<String>,
    pub algorithm: String,
    pub digits: u8,
    pub period: u32,
    #[serde(default)]
    pub display_timeout: Option<u32>,
    pub burned_at: i64,
    pub verification: Verification,
    #[serde(default)]
    pub warnings: Vec<String>,
    #[serde(default)]
    pub recorded: bool,
}

/// `POST /api/sync`
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SyncRequest {
    #[serde(flatten)]
    pub target: Target,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_timeout: Option<u32>,
    /// Token2 models whose config write clears the seed need this (else `409 will_clear_seed`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub confirm_clear_seed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct SyncResult {
    pub kind: DeviceKind,
    pub serial: String,
    pub model: String,
    #[serde(default)]
    pub previous_token_time: Option<i64>,
    pub new_token_time: i64,
    pub seed_cleared: bool,
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// A Molto2 profile (`POST /api/profiles`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Profile {
    pub profile: u8,
    #[serde(default)]
    pub title: String,
    pub configured: bool,
    pub seed_present: bool,
    #[serde(default)]
    pub algorithm: Option<String>,
    #[serde(default)]
    pub digits: Option<u8>,
    #[serde(default)]
    pub period: Option<u32>,
    #[serde(default)]
    pub token_time: Option<i64>,
}

#[derive(Deserialize)]
struct Profiles {
    profiles: Vec<Profile>,
}

async fn call<T: DeserializeOwned>(
    b: &Bridge,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Result<T, ApiError> {
    let unreachable = |_| {
        ApiError::new(
            0,
            "unreachable",
            format!("no hardware bridge answered at {}", b.describe()),
        )
    };
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_mode(web_sys::RequestMode::Cors);
    init.set_credentials(web_sys::RequestCredentials::Omit);
    init.set_cache(web_sys::RequestCache::NoStore);
    init.set_referrer_policy(web_sys::ReferrerPolicy::NoReferrer);
    let headers = web_sys::Headers::new().map_err(unreachable)?;
    headers
        .append("X-Tokensmith-Pairing", &b.pairing)
        .map_err(unreachable)?;
    if let Some(body) = body {
        headers
            .append("Content-Type", "application/json")
            .map_err(unreachable)?;
        init.set_body(&JsValue::from_str(body));
    }
    init.set_headers(&headers);
    let url = format!("{}{path}", b.base);
    let request = web_sys::Request::new_with_str_and_init(&url, &init).map_err(unreachable)?;
    let resp = JsFuture::from(leptos::prelude::window().fetch_with_request(&request))
        .await
        .map_err(unreachable)?;
    let resp: web_sys::Response = resp.dyn_into().map_err(unreachable)?;
    let status = resp.status();
    let text = match resp.text() {
        Ok(p) => JsFuture::from(p).await.ok().and_then(|t| t.as_string()),
        Err(_) => None,
    }
    .unwrap_or_default();
    if resp.ok() {
        serde_json::from_str(&text).map_err(|e| {
            ApiError::new(
                status,
                "bad_response",
                format!("the bridge's answer to {path} was not understood ({e}): is the bridge the same version as this page?"),
            )
        })
    } else {
        Err(match serde_json::from_str::<ErrorBody>(&text) {
            Ok(e) => ApiError { status, ..e.error },
            Err(_) => ApiError::new(
                status,
                "http",
                format!("the bridge answered HTTP {status} to {path}"),
            ),
        })
    }
}

fn json<T: Serialize>(v: &T) -> Result<String, ApiError> {
    serde_json::to_string(v).map_err(|e| {
        ApiError::new(
            0,
            "bad_request",
            format!("could not encode the request: {e}"),
        )
    })
}

/// `GET /api/health`: also checks the pairing secret.
pub async fn health(b: &Bridge) -> Result<Health, ApiError> {
    call(b, "GET", "/api/health", None).await
}

/// `GET /api/readers`: every reader and what is on it.
pub async fn readers(b: &Bridge) -> Result<Vec<Reader>, ApiError> {
    call::<Readers>(b, "GET", "/api/readers", None)
        .await
        .map(|r| r.readers)
}

/// `POST /api/info`: the device on `reader` with its clock drift.
pub async fn info(b: &Bridge, target: &Target) -> Result<Info, ApiError> {
    call(b, "POST", "/api/info", Some(&json(target)?)).await
}

/// `POST /api/burn`: writes the seed and parameters; validated by the bridge before anything
/// is sent to the device (`bad_input` = nothing was written). Never retry on `auth_failed`.
pub async fn burn(b: &Bridge, req: &BurnRequest) -> Result<BurnResult, ApiError> {
    let mut body = json(req)?;
    let out = call(b, "POST", "/api/burn", Some(&body)).await;
    zeroize::Zeroize::zeroize(&mut body);
    out
}

/// `POST /api/sync`: sets the device clock (may clear a Token2 seed: see `confirm_clear_seed`).
pub async fn sync(b: &Bridge, req: &SyncRequest) -> Result<SyncResult, ApiError> {
    call(b, "POST", "/api/sync", Some(&json(req)?)).await
}

/// `POST /api/profiles`: every Molto2 profile (no authentication needed).
pub async fn profiles(b: &Bridge, target: &Target) -> Result<Vec<Profile>, ApiError> {
    call::<Profiles>(b, "POST", "/api/profiles", Some(&json(target)?))
        .await
        .map(|p| p.profiles)
}
