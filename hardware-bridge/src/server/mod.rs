//! `hardware-bridge serve`: the localhost service the page talks to.
//!
//! Binds 127.0.0.1 (and ::1 when available) only. Serves the built page
//! from `--dist` (same origin: no cross-origin prompt) and a small JSON API.
//!
//! # Defences (in this order, on every request)
//! 1. `Host` must be a loopback name (`127.0.0.1`, `localhost`, `[::1]`, any
//!    port): DNS-rebinding pages are refused (`403 bad_host`).
//! 2. `Origin`, when present, must be the bridge's own origin or one given
//!    with `--allow-origin`; `null` (a `file://` page) only with
//!    `--allow-null-origin` (`403 bad_origin`). Allowed cross-origin calls get
//!    exact `Access-Control-Allow-Origin` and preflights are answered.
//! 3. `/api/*` bodies over 64 KiB are refused (`413 body_too_large`).
//! 4. `/api/*` requires the pairing secret in `X-Tokensmith-Pairing`,
//!    compared in constant time (`401 pairing_required`). The secret is
//!    printed at start-up in the URL fragment: `http://127.0.0.1:PORT/#pair=…`
//!    (a fragment never reaches a server log or a `Referer`).
//!
//! API responses carry `Cache-Control: no-store`; the page gets a
//! `Content-Security-Policy` header equal to its own `<meta>` CSP plus
//! `frame-ancestors 'none'`, `X-Content-Type-Options: nosniff`,
//! `Referrer-Policy: no-referrer`. Request bodies, secrets, passwords and
//! keys are never logged: the log line is method, path (no query), status.
//!
//! # API (JSON; errors are `{"error": {"code": "...", "message": "..."}}`)
//! Every POST body may hold `"reader"` (full name or a unique part) and
//! `"kind"` (`"token2"`, `"molto2"`, `"oath"`: skip detection).
//! - `GET  /api/health` → `{"version", "simulate", "results_file"}`
//! - `GET  /api/readers` → `{"readers": [{"name", "card_present", "device"?, "error"?}]}`
//! - `POST /api/info` → device (`kind, reader, serial, model, known_model,
//!   token_time, profiles?, oath_version?, password_set?`) + `host_time,
//!   drift_seconds?, sync_clears_seed?`
//! - `POST /api/burn` `{secret, upn?, customer_key?, password?, algorithm?,
//!   digits?, period?, display_timeout?, profile?, title?, account?, issuer?,
//!   touch?, force_unknown_model?}` → `{kind, reader, serial, model, profile?,
//!   name?, algorithm, digits, period, display_timeout?, burned_at,
//!   verification: {method: "compare_with_display", expected_code, next_code,
//!   valid_for_seconds} | {method: "device_calculated", code, matches} |
//!   {method: "not_checked", reason}, warnings: [], recorded: bool}`
//! - `POST /api/sync` `{algorithm?, period?, display_timeout?,
//!   confirm_clear_seed?, customer_key?}` → `{kind, serial, model,
//!   previous_token_time, new_token_time, seed_cleared, warnings}`;
//!   `409 will_clear_seed` when confirmation is needed.
//! - `POST /api/profiles` → `{"profiles": [{profile, title, configured,
//!   seed_present, algorithm, digits, period, token_time}]}`
//! - `POST /api/profiles/title` `{profile, title, customer_key?}` → `{"ok": true}`
//! - `POST /api/profiles/delete` `{profile, customer_key?}` → `{"ok": true}`
//! - `POST /api/oath/list` `{password?}` → `{"credentials": [{name, type,
//!   algorithm, period, issuer, account}]}`
//! - `POST /api/oath/put` = `/api/burn` on an OATH key (`account` required)
//! - `POST /api/oath/delete` `{name, password?}` → `{"ok": true}`
//! - `POST /api/oath/code` `{name, password?}` → `{name, code, valid_for_seconds}`
//!
//! Error codes: `bad_host`, `bad_origin`, `pairing_required`,
//! `body_too_large`, `bad_request`, `not_found`, and the device codes of
//! [`BridgeError::code`] (`no_reader`, `no_card`, `unknown_card`,
//! `card_removed`, `card_busy`, `reader_not_found`, `ambiguous_reader`,
//! `pcsc_unavailable`, `auth_failed`, `device_rejected`, `verify_mismatch`,
//! `will_clear_seed`, `bad_input`, `not_supported`, `results_file`).

use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;
use tokensmith_core::secret::{Encoding, Secret};
use zeroize::Zeroizing;

use crate::devices::{
    self, Backend, BridgeError, BurnParams, Credentials, DeviceKind, ErrorClass, SyncParams,
};
use crate::molto2::CustomerKey;
use crate::results::{ResultRecord, ResultsFile};

/// Header carrying the pairing secret.
pub const PAIRING_HEADER: &str = "x-tokensmith-pairing";
/// Largest accepted API request body.
pub const MAX_BODY: usize = 64 * 1024;

const DEFAULT_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'";

/// Server settings.
#[derive(Clone)]
pub struct ServerConfig {
    /// The port actually bound (for the same-origin check).
    pub port: u16,
    pub dist: PathBuf,
    /// Extra origins allowed to call the API (exact, e.g. `https://intranet.example`).
    pub allowed_origins: Vec<String>,
    /// Allow `Origin: null` (the single file opened from disk).
    pub allow_null_origin: bool,
    pub pairing_secret: Zeroizing<String>,
    pub simulate: bool,
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("port", &self.port)
            .field("dist", &self.dist)
            .field("allowed_origins", &self.allowed_origins)
            .field("allow_null_origin", &self.allow_null_origin)
            .field("pairing_secret", &"<redacted>")
            .finish()
    }
}

/// Shared state of the server.
pub struct AppState {
    pub cfg: ServerConfig,
    pub backend: Arc<dyn Backend>,
    pub results: Option<Mutex<ResultsFile>>,
    /// One device operation at a time.
    device: Mutex<()>,
}

impl AppState {
    pub fn new(cfg: ServerConfig, backend: Arc<dyn Backend>, results: Option<ResultsFile>) -> Self {
        AppState {
            cfg,
            backend,
            results: results.map(Mutex::new),
            device: Mutex::new(()),
        }
    }
}

/// A fresh random pairing secret (128 bits, hex).
pub fn new_pairing_secret() -> Result<Zeroizing<String>, BridgeError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| BridgeError::Internal(format!("random: {e}")))?;
    Ok(Zeroizing::new(
        b.iter().map(|x| format!("{x:02x}")).collect(),
    ))
}

fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    let mut r = (
        status,
        Json(json!({"error": {"code": code, "message": message}})),
    )
        .into_response();
    api_headers(r.headers_mut());
    r
}

fn api_headers(h: &mut HeaderMap) {
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

fn bridge_error_response(e: &BridgeError) -> Response {
    let status = match e.class() {
        ErrorClass::BadInput => match e {
            BridgeError::WillClearSeed { .. } => StatusCode::CONFLICT,
            _ => StatusCode::BAD_REQUEST,
        },
        ErrorClass::NoDevice => StatusCode::CONFLICT,
        ErrorClass::Auth => StatusCode::FORBIDDEN,
        ErrorClass::DeviceRejected => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorClass::Other => StatusCode::INTERNAL_SERVER_ERROR,
    };
    error_response(status, e.code(), &e.to_string())
}

/// Host part of a `Host` header value (without port); `None` if malformed.
fn host_name(v: &str) -> Option<&str> {
    if let Some(rest) = v.strip_prefix('[') {
        let end = rest.find(']')?;
        let after = &rest[end + 1..];
        if !(after.is_empty() || after.starts_with(':')) {
            return None;
        }
        return Some(&v[..end + 2]);
    }
    Some(v.split(':').next().unwrap_or(v))
}

fn is_loopback_host(v: &str) -> bool {
    matches!(
        host_name(v).map(|h| h.to_ascii_lowercase()).as_deref(),
        Some("127.0.0.1" | "localhost" | "[::1]")
    )
}

/// Is this origin the bridge itself (loopback name on the bound port)?
fn is_own_origin(origin: &str, port: u16) -> bool {
    let Some(rest) = origin.strip_prefix("http://") else {
        return false;
    };
    [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ]
    .iter()
    .any(|o| rest.eq_ignore_ascii_case(o))
}

enum OriginVerdict {
    /// No Origin, or our own: no CORS headers needed.
    SameOrigin,
    /// An allowed foreign origin: answer with CORS headers for it.
    Cors(HeaderValue),
    Refused,
}

fn check_origin(cfg: &ServerConfig, headers: &HeaderMap) -> OriginVerdict {
    let Some(o) = headers.get(header::ORIGIN) else {
        return OriginVerdict::SameOrigin;
    };
    let Ok(s) = o.to_str() else {
        return OriginVerdict::Refused;
    };
    if is_own_origin(s, cfg.port) {
        return OriginVerdict::SameOrigin;
    }
    if (s == "null" && cfg.allow_null_origin) || cfg.allowed_origins.iter().any(|a| a == s) {
        return OriginVerdict::Cors(o.clone());
    }
    OriginVerdict::Refused
}

fn cors_headers(h: &mut HeaderMap, origin: &HeaderValue) {
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type, x-tokensmith-pairing"),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    h.append(header::VARY, HeaderValue::from_static("Origin"));
}

fn pairing_ok(cfg: &ServerConfig, headers: &HeaderMap) -> bool {
    match headers.get(PAIRING_HEADER) {
        Some(v) => bool::from(v.as_bytes().ct_eq(cfg.pairing_secret.as_bytes())),
        None => false,
    }
}

async fn guard(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let resp = guard_inner(&st, req, next).await;
    // Never the query, the body or any header: they may hold secrets.
    eprintln!("{method} {path} -> {}", resp.status().as_u16());
    resp
}

async fn guard_inner(st: &AppState, req: Request, next: Next) -> Response {
    let headers = req.headers();
    let host_ok = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(is_loopback_host);
    if !host_ok {
        return error_response(
            StatusCode::FORBIDDEN,
            "bad_host",
            "the Host header is not a loopback name (127.0.0.1, localhost, [::1])",
        );
    }
    let cors =
        match check_origin(&st.cfg, headers) {
            OriginVerdict::Refused => return error_response(
                StatusCode::FORBIDDEN,
                "bad_origin",
                "this Origin may not call the bridge (see --allow-origin / --allow-null-origin)",
            ),
            OriginVerdict::SameOrigin => None,
            OriginVerdict::Cors(o) => Some(o),
        };
    let is_api = req.uri().path().starts_with("/api/");
    if req.method() == Method::OPTIONS {
        let mut r = StatusCode::NO_CONTENT.into_response();
        if let Some(o) = &cors {
            cors_headers(r.headers_mut(), o);
            if headers.contains_key("access-control-request-private-network") {
                r.headers_mut().insert(
                    "access-control-allow-private-network",
                    HeaderValue::from_static("true"),
                );
            }
        }
        api_headers(r.headers_mut());
        return r;
    }
    if is_api {
        let too_big = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|n| n > MAX_BODY as u64);
        if too_big {
            let mut r = error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "request body over 64 KiB",
            );
            if let Some(o) = &cors {
                cors_headers(r.headers_mut(), o);
            }
            return r;
        }
        if !pairing_ok(&st.cfg, headers) {
            let mut r = error_response(
                StatusCode::UNAUTHORIZED,
                "pairing_required",
                "missing or wrong pairing secret: open the URL the bridge printed (…/#pair=…)",
            );
            if let Some(o) = &cors {
                cors_headers(r.headers_mut(), o);
            }
            return r;
        }
    }
    let mut r = next.run(req).await;
    if is_api {
        api_headers(r.headers_mut());
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            r = error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "request body over 64 KiB",
            );
        }
    }
    if let Some(o) = &cors {
        cors_headers(r.headers_mut(), o);
    }
    r
}

/// Build the router (also used directly by tests through `tower::ServiceExt`).
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/readers", get(readers))
        .route("/api/info", post(info))
        .route("/api/burn", post(burn))
        .route("/api/sync", post(sync))
        .route("/api/profiles", post(profiles))
        .route("/api/profiles/title", post(profile_title))
        .route("/api/profiles/delete", post(profile_delete))
        .route("/api/oath/list", post(oath_list))
        .route("/api/oath/put", post(oath_put))
        .route("/api/oath/delete", post(oath_delete))
        .route("/api/oath/code", post(oath_code))
        .route("/api/{*rest}", get(api_not_found).post(api_not_found))
        .fallback(static_file)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

async fn api_not_found() -> Response {
    error_response(StatusCode::NOT_FOUND, "not_found", "no such API endpoint")
}

/// Parse a JSON body without echoing any of its content in errors (a
/// misplaced secret must not come back in a message or a log).
fn parse_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, Box<Response>> {
    serde_json::from_slice(body).map_err(|e| {
        let s = e.to_string();
        let detail = if s.starts_with("unknown field") || s.starts_with("missing field") {
            s.split(" at line").next().unwrap_or("").to_string()
        } else {
            format!("{:?} error", e.classify())
        };
        Box::new(error_response(
            StatusCode::BAD_REQUEST,
            "bad_request",
            &format!(
                "invalid JSON request (line {}, column {}): {detail}",
                e.line(),
                e.column()
            ),
        ))
    })
}

#[derive(Deserialize, Default)]
struct TargetReq {
    reader: Option<String>,
    kind: Option<DeviceKind>,
    customer_key: Option<String>,
    password: Option<String>,
}

impl TargetReq {
    fn creds(&mut self) -> Result<Credentials, BridgeError> {
        let customer_key = match self.customer_key.take() {
            Some(k) => {
                let k = Zeroizing::new(k);
                Some(CustomerKey::parse(&k)?)
            }
            None => None,
        };
        Ok(Credentials {
            customer_key,
            oath_password: self.password.take().map(Zeroizing::new),
        })
    }

    /// Takes the credentials out of the request and connects to the addressed device; `kind`
    /// is the kind to assume when the request names none.
    fn open(&mut self, st: &AppState, kind: Option<DeviceKind>) -> Result<Target, BridgeError> {
        let creds = self.creds()?;
        let (t, d) = devices::open_detect(
            st.backend.as_ref(),
            self.reader.as_deref(),
            self.kind.or(kind),
        )?;
        Ok((t, d, creds))
    }
}

type Target = (
    Box<dyn crate::transport::Transport + Send>,
    devices::Detected,
    Credentials,
);

fn required<T: Clone>(value: &Option<T>, what: &str) -> Result<T, BridgeError> {
    value
        .clone()
        .ok_or_else(|| BridgeError::BadInput(format!("{what} missing")))
}

/// Parses the JSON body, then runs `f` with it as a device operation.
async fn with_request<T, F, R>(st: Arc<AppState>, body: &Bytes, f: F) -> Response
where
    T: serde::de::DeserializeOwned + Send + 'static,
    F: FnOnce(&AppState, T) -> Result<R, BridgeError> + Send + 'static,
    R: serde::Serialize + Send + 'static,
{
    match parse_body::<T>(body) {
        Ok(req) => with_device(st, move |st| f(st, req)).await,
        Err(r) => *r,
    }
}

/// Run a blocking device operation on the blocking pool, one at a time.
async fn with_device<F, R>(st: Arc<AppState>, f: F) -> Response
where
    F: FnOnce(&AppState) -> Result<R, BridgeError> + Send + 'static,
    R: serde::Serialize + Send + 'static,
{
    let res = tokio::task::spawn_blocking(move || {
        let _one = st
            .device
            .lock()
            .map_err(|_| BridgeError::Internal("device lock poisoned".into()))?;
        f(&st)
    })
    .await;
    match res {
        Ok(Ok(v)) => Json(v).into_response(),
        Ok(Err(e)) => bridge_error_response(&e),
        Err(_) => bridge_error_response(&BridgeError::Internal("operation panicked".into())),
    }
}

async fn health(State(st): State<Arc<AppState>>) -> Response {
    Json(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "simulate": st.cfg.simulate,
        "results_file": st.results.is_some(),
    }))
    .into_response()
}

async fn readers(State(st): State<Arc<AppState>>) -> Response {
    with_device(st, |st| {
        devices::list(st.backend.as_ref()).map(|r| json!({ "readers": r }))
    })
    .await
}

async fn info(State(st): State<Arc<AppState>>, body: Bytes) -> Response {
    with_request(st, &body, |st, t: TargetReq| {
        let (_tr, d) = devices::open_detect(st.backend.as_ref(), t.reader.as_deref(), t.kind)?;
        Ok(devices::info(&d, devices::now()))
    })
    .await
}

#[derive(Deserialize)]
struct BurnReq {
    #[serde(flatten)]
    target: TargetReq,
    secret: String,
    upn: Option<String>,
    #[serde(flatten)]
    params: BurnParams,
}

fn do_burn(
    st: &AppState,
    mut req: BurnReq,
    force_kind: Option<DeviceKind>,
) -> Result<Value, BridgeError> {
    let text = Zeroizing::new(std::mem::take(&mut req.secret));
    let secret = Secret::parse(&text, Encoding::Auto)
        .map_err(|e| BridgeError::BadInput(format!("secret: {e}")))?
        .secret;
    let creds = req.target.creds()?;
    let kind = force_kind.or(req.target.kind);
    // Validate against the kind first when it is known: nothing is sent for invalid input.
    if let Some(k) = kind {
        devices::plan_burn(k, &req.params, &secret, None)?;
    }
    let (mut t, d) = devices::open_detect(st.backend.as_ref(), req.target.reader.as_deref(), kind)?;
    if force_kind.is_some_and(|k| k != d.kind) {
        return Err(BridgeError::BadInput(format!(
            "this is a {}, not an OATH key",
            d.kind.as_str()
        )));
    }
    let plan = devices::plan_burn(d.kind, &req.params, &secret, d.profiles)?;
    let outcome = devices::burn(&mut *t, &d, &plan, &secret, &creds, devices::now())?;
    let mut recorded = false;
    if let Some(rf) = &st.results {
        let rec = ResultRecord::from_outcome(&outcome, &secret, req.upn.clone());
        rf.lock()
            .map_err(|_| BridgeError::Internal("results lock poisoned".into()))?
            .append(&rec)?;
        recorded = true;
    }
    let mut v = serde_json::to_value(&outcome).map_err(|e| BridgeError::Internal(e.to_string()))?;
    v["recorded"] = json!(recorded);
    Ok(v)
}

async fn burn(State(st): State<Arc<AppState>>, body: Bytes) -> Response {
    with_request(st, &body, |st, req| do_burn(st, req, None)).await
}

async fn oath_put(State(st): State<Arc<AppState>>, body: Bytes) -> Response {
    with_request(st, &body, |st, req| {
        do_burn(st, req, Some(DeviceKind::Oath))
    })
    .await
}

#[derive(Deserialize)]
struct SyncReq {
    #[serde(flatten)]
    target: TargetReq,
    #[serde(flatten)]
    params: SyncParams,
}

async fn sync(State(st): State<Arc<AppState>>, body: Bytes) -> Response {
    with_request(st, &body, |st, mut req: SyncReq| {
        let (mut t, d, creds) = req.target.open(st, None)?;
        devices::sync_time(&mut *t, &d, &req.params, &creds, devices::now())
    })
    .await
}

async fn profiles(State(st): State<Arc<AppState>>, body: Bytes) -> Response {
    with_request(st, &body, |st, t: TargetReq| {
        let (mut tr, d) = devices::open_detect(st.backend.as_ref(), t.reader.as_deref(), t.kind)?;
        devices::profiles_list(&mut *tr, &d).map(|p| json!({ "profiles": p }))
    })
    .await
}

#[derive(Deserialize)]
struct ProfileReq {
    #[serde(flatten)]
    target: TargetReq,
    profile: u8,
    title: Option<String>,
}

async fn profile_title(State(st): State<Arc<AppState>>, body: Bytes) -> Response {
    with_request(st, &body, |st, mut req: ProfileReq| {
        let title = required(&req.title, "title")?;
        let (mut t, d, creds) = req.target.open(st, None)?;
        devices::profile_title(&mut *t, &d, &creds, req.profile, &title)?;
        Ok(json!({"ok": true}))
    })
    .await
}

async fn profile_delete(State(st): State<Arc<AppState>>, body: Bytes) -> Response {
    with_request(st, &body, |st, mut req: ProfileReq| {
        let (mut t, d, creds) = req.target.open(st, None)?;
        devices::profile_delete(&mut *t, &d, &creds, req.profile)?;
        Ok(json!({"ok": true}))
    })
    .await
}

#[derive(Deserialize)]
struct OathReq {
    #[serde(flatten)]
    target: TargetReq,
    name: Option<String>,
}

async fn oath_list(State(st): State<Arc<AppState>>, body: Bytes) -> Response {
    with_request(st, &body, |st, mut req: OathReq| {
        let (mut t, d, creds) = req.target.open(st, Some(DeviceKind::Oath))?;
        devices::oath_list(&mut *t, &d, &creds).map(|c| json!({ "credentials": c }))
    })
    .await
}

async fn oath_delete(State(st): State<Arc<AppState>>, body: Bytes) -> Response {
    with_request(st, &body, |st, mut req: OathReq| {
        let name = required(&req.name, "name")?;
        let (mut t, d, creds) = req.target.open(st, Some(DeviceKind::Oath))?;
        devices::oath_delete(&mut *t, &d, &creds, &name)?;
        Ok(json!({"ok": true}))
    })
    .await
}

async fn oath_code(State(st): State<Arc<AppState>>, body: Bytes) -> Response {
    with_request(st, &body, |st, mut req: OathReq| {
        let name = required(&req.name, "name")?;
        let (mut t, d, creds) = req.target.open(st, Some(DeviceKind::Oath))?;
        devices::oath_code(&mut *t, &d, &creds, &name, devices::now())
    })
    .await
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The CSP of the page's `<meta http-equiv="Content-Security-Policy">`.
pub fn meta_csp(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let at = lower.find("http-equiv=\"content-security-policy\"")?;
    let tag_start = lower[..at].rfind('<')?;
    let tag_end = at + lower[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let c = tag.to_ascii_lowercase().find("content=\"")? + "content=\"".len();
    let end = c + tag[c..].find('"')?;
    Some(
        tag[c..end]
            .replace("&#39;", "'")
            .replace("&quot;", "\"")
            .replace("&amp;", "&"),
    )
}

async fn static_file(State(st): State<Arc<AppState>>, req: Request) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, "method not allowed").into_response();
    }
    let rel = req.uri().path().trim_start_matches('/');
    let rel = if rel.is_empty() { "index.html" } else { rel };
    let rel_path = Path::new(rel);
    if !rel_path
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
    {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    let path = st.cfg.dist.join(rel_path);
    let Ok(bytes) = tokio::fs::read(&path).await else {
        return (
            StatusCode::NOT_FOUND,
            format!(
                "not found (the page is served from {}; build it with `cargo xtask build`)",
                st.cfg.dist.display()
            ),
        )
            .into_response();
    };
    let ct = content_type(&path);
    let mut r = Response::new(Body::from(bytes.clone()));
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if ct.starts_with("text/html") {
        let html = String::from_utf8_lossy(&bytes);
        let csp = meta_csp(&html).unwrap_or_else(|| DEFAULT_CSP.to_string());
        let csp = format!(
            "{}; frame-ancestors 'none'",
            csp.trim().trim_end_matches(';')
        );
        if let Ok(v) = HeaderValue::from_str(&csp) {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    r
}

/// Bind 127.0.0.1:`port` (and ::1 on the same port when possible) and serve
/// until the process ends. `on_ready` gets the bound port.
pub async fn serve(
    mut cfg: ServerConfig,
    backend: Arc<dyn Backend>,
    results: Option<ResultsFile>,
    port: u16,
    on_ready: impl FnOnce(u16, &ServerConfig),
) -> Result<(), BridgeError> {
    let v4 = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .map_err(|e| BridgeError::Internal(format!("cannot bind 127.0.0.1:{port}: {e}")))?;
    let bound = v4
        .local_addr()
        .map_err(|e| BridgeError::Internal(e.to_string()))?
        .port();
    let v6 = match tokio::net::TcpListener::bind(SocketAddr::from((
        std::net::Ipv6Addr::LOCALHOST,
        bound,
    )))
    .await
    {
        Ok(l) => Some(l),
        Err(e) => {
            eprintln!("note: not listening on [::1]:{bound} ({e}); 127.0.0.1 only");
            None
        }
    };
    cfg.port = bound;
    on_ready(bound, &cfg);
    let state = Arc::new(AppState::new(cfg, backend, results));
    let app = router(state);
    let a = axum::serve(v4, app.clone());
    let res = match v6 {
        Some(l6) => {
            let b = axum::serve(l6, app);
            tokio::select! {
                r = a => r,
                r = b => r,
            }
        }
        None => a.await,
    };
    res.map_err(|e| BridgeError::Internal(format!("server: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        for ok in [
            "127.0.0.1:8080",
            "localhost",
            "LOCALHOST:1",
            "[::1]:99",
            "[::1]",
        ] {
            assert!(is_loopback_host(ok), "{ok}");
        }
        for bad in [
            "evil.example:8080",
            "127.0.0.1.evil.example",
            "[::1]x",
            "localhost.evil",
            "",
            "0.0.0.0:80",
        ] {
            assert!(!is_loopback_host(bad), "{bad}");
        }
        assert!(is_own_origin("http://127.0.0.1:7", 7));
        assert!(is_own_origin("http://[::1]:7", 7));
        assert!(!is_own_origin("http://127.0.0.1:8", 7));
        assert!(!is_own_origin("https://127.0.0.1:7", 7));
    }

    #[test]
    fn csp_from_meta() {
        let html = r#"<html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-x'"></head></html>"#;
        assert_eq!(
            meta_csp(html).unwrap(),
            "default-src 'none'; script-src 'sha256-x'"
        );
        assert_eq!(meta_csp("<html></html>"), None);
    }
}
