//! A small typed client for the hardware bridge's JSON API over the browser's `fetch`. Every
//! request and answer is a type of `tokensmith-api`, the contract the bridge's server answers
//! through, re-exported here. Every call sends the pairing secret in the pairing header; the
//! secret lives only in a [`Bridge`] value in memory (never storage, cookies or a URL).
//!
//! Other panels (e.g. the import panel burning accounts into consecutive Molto2 profiles) call
//! these functions with the connected [`Bridge`] from `super::BridgeState::connection`.

pub use tokensmith_api::endpoint::{self, Endpoint};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

pub use tokensmith_api::{
    BurnRequest, BurnResult, ChangeKeyRequest, Confirmation, Device, DeviceKind, ErrorCode,
    FactoryResetRequest, Health, Info, Molto2Action, Molto2Model, OathCredential, OathCredentials,
    OathListRequest, OathNameRequest, OathPasswordRequest, OathRenameRequest, OathType, Profile,
    ProfileDeleteRequest, ProfileTitleRequest, Reader, ScreenRequest, SecretString, SyncRequest,
    SyncResult, Target, Verification, API_VERSION, DEFAULT_PORT,
};

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

/// What went wrong on a call: the bridge's own error code, or why there is none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// The bridge answered with this error.
    Bridge(ErrorCode),
    /// Nothing answered (closed port, or the bridge refused this page's origin: the browser
    /// hides the difference).
    Unreachable,
    /// The bridge speaks another version of the API.
    Incompatible,
    /// An answer this page cannot read.
    BadResponse,
    /// An HTTP error without the bridge's JSON error body.
    Http,
}

impl Code {
    /// The code as the bridge spells it (`data-code` in the page).
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Bridge(c) => c.as_str(),
            Code::Unreachable => "unreachable",
            Code::Incompatible => "incompatible",
            Code::BadResponse => "bad_response",
            Code::Http => "http",
        }
    }
}

impl PartialEq<ErrorCode> for Code {
    fn eq(&self, other: &ErrorCode) -> bool {
        *self == Code::Bridge(*other)
    }
}

/// A failed call: the HTTP status (0 when nothing answered), the code and the bridge's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: Code,
    pub message: String,
    /// `auth_failed` from a device that counts (a Molto2): the attempts left before it locks.
    pub attempts_left: Option<u8>,
}

impl ApiError {
    pub fn new(status: u16, code: Code, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            attempts_left: None,
        }
    }

    /// An error the page finds itself before calling (nothing is sent).
    pub fn bad_input(message: impl Into<String>) -> Self {
        ApiError::new(0, Code::Bridge(ErrorCode::BadInput), message)
    }
}

/// One typed call: the request and answer types are the endpoint's (`tokensmith_api`).
pub async fn call<E: Endpoint>(b: &Bridge, req: &E::Request) -> Result<E::Response, ApiError> {
    let path = E::PATH;
    let unreachable = |_| {
        ApiError::new(
            0,
            Code::Unreachable,
            format!("no hardware bridge answered at {}", b.describe()),
        )
    };
    let init = web_sys::RequestInit::new();
    init.set_method(E::METHOD.as_str());
    init.set_mode(web_sys::RequestMode::Cors);
    init.set_credentials(web_sys::RequestCredentials::Omit);
    init.set_cache(web_sys::RequestCache::NoStore);
    init.set_referrer_policy(web_sys::ReferrerPolicy::NoReferrer);
    let headers = web_sys::Headers::new().map_err(unreachable)?;
    headers
        .append(tokensmith_api::PAIRING_HEADER, &b.pairing)
        .map_err(unreachable)?;
    // The body may hold a secret: the text is wiped when this call ends (the copy JavaScript
    // makes cannot be).
    let mut body = zeroize::Zeroizing::new(String::new());
    if E::METHOD == endpoint::Method::Post {
        *body = serde_json::to_string(req).map_err(|e| {
            ApiError::new(
                0,
                Code::BadResponse,
                format!("could not encode the request: {e}"),
            )
        })?;
        headers
            .append("Content-Type", "application/json")
            .map_err(unreachable)?;
        init.set_body(&JsValue::from_str(&body));
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
                Code::BadResponse,
                format!("the bridge's answer to {path} was not understood ({e}): is the bridge the same version as this page?"),
            )
        })
    } else {
        Err(
            match serde_json::from_str::<tokensmith_api::ErrorBody>(&text) {
                Ok(e) => ApiError {
                    attempts_left: e.error.attempts_left,
                    ..ApiError::new(status, Code::Bridge(e.error.code), e.error.message)
                },
                Err(_) => ApiError::new(
                    status,
                    Code::Http,
                    format!("the bridge answered HTTP {status} to {path}"),
                ),
            },
        )
    }
}

/// `GET /api/health`: also checks the pairing secret, and that the bridge speaks this page's
/// version of the API.
pub async fn health(b: &Bridge) -> Result<Health, ApiError> {
    let h = call::<endpoint::GetHealth>(b, &tokensmith_api::NoBody).await?;
    if h.api != API_VERSION {
        return Err(ApiError::new(
            200,
            Code::Incompatible,
            format!(
                "the bridge {} speaks API version {}, this page version {API_VERSION}: use the page the bridge serves (open the URL it printed), or a bridge and page of the same release",
                h.version, h.api
            ),
        ));
    }
    Ok(h)
}

/// `GET /api/readers`: every reader and what is on it.
pub async fn readers(b: &Bridge) -> Result<Vec<Reader>, ApiError> {
    call::<endpoint::ListReaders>(b, &tokensmith_api::NoBody)
        .await
        .map(|r| r.readers)
}

/// `POST /api/info`: the device on one reader (how the page reads a Molto2, which the
/// reader list does not connect to).
pub async fn info(b: &Bridge, req: &Target) -> Result<Info, ApiError> {
    call::<endpoint::GetInfo>(b, req).await
}

/// `POST /api/burn`: writes the seed and parameters; validated by the bridge before anything
/// is sent to the device (`bad_input` = nothing was written). Never retry on `auth_failed`.
pub async fn burn(b: &Bridge, req: &BurnRequest) -> Result<BurnResult, ApiError> {
    call::<endpoint::Burn>(b, req).await
}

/// `POST /api/cancel`: stops the operation waiting on a card; its own answer (a burn's
/// `cancelled` error) then says what the journal says the token may hold. `false`: nothing was
/// waiting.
pub async fn cancel(b: &Bridge) -> Result<bool, ApiError> {
    call::<endpoint::Cancel>(b, &endpoint::NoBody)
        .await
        .map(|c| c.cancelled)
}

/// `POST /api/sync`: sets the device clock (may clear a Token2 seed: see `confirm_clear_seed`).
pub async fn sync(b: &Bridge, req: &SyncRequest) -> Result<SyncResult, ApiError> {
    call::<endpoint::Sync>(b, req).await
}

/// `POST /api/profiles`: every profile of the Molto2 on `reader`, read as `model` (public
/// data: occupancy, titles, settings; no authentication).
pub async fn profiles(
    b: &Bridge,
    reader: &str,
    model: Molto2Model,
) -> Result<Vec<Profile>, ApiError> {
    let req = Target {
        reader: Some(reader.to_string()),
        kind: Some(DeviceKind::Molto2),
        model: Some(model),
    };
    call::<endpoint::ListProfiles>(b, &req)
        .await
        .map(|p| p.profiles)
}
