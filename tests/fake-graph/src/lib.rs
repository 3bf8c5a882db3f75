//! A fake of Microsoft Graph's hardware OATH endpoints (beta) and of the Microsoft identity
//! platform's device-code and token endpoints, for tests. It serves TLS on 127.0.0.1 with a
//! certificate from a CA made at start (rcgen), so the client under test verifies TLS exactly
//! as it would against Microsoft, given `--ca-file`.
//!
//! It behaves as the Graph documentation describes, and is strict where Graph is unknown:
//! - activation codes are checked by TOTP from the secret it received at creation, within one
//!   time step either way (Entra accepts more drift; a tighter fake catches timing mistakes);
//! - lists are paged with `@odata.nextLink` (`page_size`, small by default);
//! - every call needs a bearer token holding the permission it needs, else `403`;
//! - each user may hold at most 5 OATH methods (hardware + software), as Entra enforces;
//! - a device must be unassigned before it is deleted;
//! - the bulk creation answers in Graph's documented shape (methods with nested devices, in
//!   order, no `@contentId`), and refuses a whole batch when one item is invalid;
//! - `429` with `Retry-After` now and then (`throttle_every`), and injected faults
//!   (statuses before or after doing the work, hangs, delays) for the retry and crash tests.
//!
//! Every request is logged (method, path, query, status, body) for tests to assert on.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};
use tokensmith_core::otp::{totp, Algorithm, OtpParams};

pub const PERM_DEVICES: &str = "Policy.ReadWrite.AuthenticationMethod";
pub const PERM_METHODS: &str = "UserAuthenticationMethod.ReadWrite.All";
pub const PERM_USERS: &str = "User.Read.All";
pub const ALL_PERMS: [&str; 3] = [PERM_DEVICES, PERM_METHODS, PERM_USERS];
/// Entra's limit of OATH methods per user.
pub const MAX_METHODS: usize = 5;

#[derive(Debug, Clone)]
pub struct Config {
    pub tenant: String,
    pub client_id: String,
    pub client_secret: String,
    /// The app registration allows public client flows (device code).
    pub public_client: bool,
    /// What a person's sign-in is granted (admin consent given for these).
    pub delegated_granted: Vec<String>,
    /// Application permissions the app has (client credentials).
    pub app_roles: Vec<String>,
    /// Polls answered `authorization_pending` before the person "approves".
    pub pending_polls: u32,
    /// Answer this poll (1-based) with `slow_down`.
    pub slow_down_at: Option<u32>,
    /// Polling interval the device code answer asks for, in seconds.
    pub interval: u64,
    pub page_size: usize,
    /// Every Nth Graph request is answered `429` with `Retry-After: 1` (not carried out).
    pub throttle_every: Option<u32>,
    pub token_lifetime: u64,
    /// Serials Graph refuses to create (as it would a value it dislikes).
    pub refuse_serials: Vec<String>,
    /// Base of the `@odata.nextLink`s it sends (default: its own URL) — to test that a client
    /// does not follow a link to another host with its token.
    pub next_link_base: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            tenant: "contoso.onmicrosoft.com".into(),
            client_id: "11111111-2222-3333-4444-555555555555".into(),
            client_secret: "fake-secret~value".into(),
            public_client: true,
            delegated_granted: ALL_PERMS.iter().map(|s| s.to_string()).collect(),
            app_roles: ALL_PERMS.iter().map(|s| s.to_string()).collect(),
            pending_polls: 2,
            slow_down_at: None,
            interval: 1,
            page_size: 2,
            throttle_every: None,
            token_lifetime: 3600,
            refuse_serials: Vec::new(),
            next_link_base: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct FakeUser {
    pub id: String,
    pub upn: String,
    pub display_name: String,
}

#[derive(Debug, Clone)]
pub struct FakeDevice {
    pub id: String,
    pub serial: String,
    pub manufacturer: String,
    pub model: String,
    pub secret: Vec<u8>,
    pub interval: u32,
    pub hash: String,
    pub display_name: Option<String>,
    pub status: String,
    pub assigned_to: Option<String>,
}

#[derive(Debug, Clone)]
pub struct FakeMethod {
    pub id: String,
    pub user_id: String,
    /// `None`: a software OATH method (authenticator app).
    pub device_id: Option<String>,
}

/// What to do to the `nth` request matching `method` and `path_contains`.
#[derive(Debug, Clone)]
pub struct FaultRule {
    pub method: &'static str,
    pub path_contains: &'static str,
    pub nth: u32,
    pub fault: Fault,
}

#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// Answer this status instead; `after` = the work is done first (the answer is a lie).
    Status { code: u16, after: bool },
    /// Do the work, then never answer (the client sees a hang, then is killed or times out).
    HangAfter,
    /// Wait this long before doing anything.
    Delay(Duration),
}

#[derive(Debug, Clone)]
pub struct Logged {
    pub method: String,
    pub path: String,
    pub query: String,
    pub status: u16,
    pub body: String,
}

struct DeviceCode {
    scopes: Vec<String>,
    polls: u32,
    last_poll: Option<Instant>,
    interval: u64,
}

struct Grant {
    perms: Vec<String>,
    expires: Instant,
}

#[derive(Default)]
struct State {
    users: Vec<FakeUser>,
    devices: Vec<FakeDevice>,
    methods: Vec<FakeMethod>,
    codes: HashMap<String, DeviceCode>,
    access: HashMap<String, Grant>,
    refresh: HashMap<String, Vec<String>>,
    log: Vec<Logged>,
    faults: Vec<FaultRule>,
    seen: HashMap<(String, String), u32>,
    graph_requests: u32,
    counter: u64,
}

struct Shared {
    cfg: Mutex<Config>,
    state: Mutex<State>,
    url: String,
    hung: AtomicBool,
}

/// A running fake. Dropping it stops the server.
pub struct FakeGraph {
    shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Runtime>,
    ca_file: PathBuf,
    dir: PathBuf,
}

impl Drop for FakeGraph {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl State {
    fn next_id(&mut self, prefix: u32) -> String {
        self.counter += 1;
        format!("{prefix:08x}-0000-4000-8000-{:012x}", self.counter)
    }

    fn user(&self, id_or_upn: &str) -> Option<&FakeUser> {
        self.users
            .iter()
            .find(|u| u.id == id_or_upn || u.upn.eq_ignore_ascii_case(id_or_upn))
    }

    fn device_json(&self, d: &FakeDevice) -> Value {
        json!({
            "@odata.type": "#microsoft.graph.hardwareOathTokenAuthenticationMethodDevice",
            "id": d.id,
            "displayName": d.display_name,
            "serialNumber": d.serial,
            "manufacturer": d.manufacturer,
            "model": d.model,
            "secretKey": null,
            "timeIntervalInSeconds": d.interval,
            "status": d.status,
            "hashFunction": d.hash,
            "lastUsedDateTime": null,
            "assignedTo": d.assigned_to.as_ref().and_then(|id| self.user(id)).map(|u| json!({
                "id": u.id, "displayName": u.display_name
            })),
        })
    }

    fn user_method_count(&self, user_id: &str) -> usize {
        self.methods.iter().filter(|m| m.user_id == user_id).count()
    }
}

impl FakeGraph {
    pub fn start(cfg: Config) -> FakeGraph {
        let dir = std::env::temp_dir().join(format!(
            "fake-graph-{}-{}",
            std::process::id(),
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let (server_config, ca_pem) = tls_config();
        let ca_file = dir.join("test-ca.pem");
        std::fs::write(&ca_file, ca_pem).expect("CA file");
        let listener =
            std::net::TcpListener::bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0))
                .expect("bind 127.0.0.1");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let url = format!("https://127.0.0.1:{port}");
        let shared = Arc::new(Shared {
            cfg: Mutex::new(cfg),
            state: Mutex::new(State::default()),
            url,
            hung: AtomicBool::new(false),
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let rustls = axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(server_config));
        runtime.spawn(async move {
            let server =
                axum_server::tls_rustls::from_tcp_rustls(listener, rustls).expect("server");
            let _ = server.serve(app.into_make_service()).await;
        });
        FakeGraph {
            shared,
            runtime: Some(runtime),
            ca_file,
            dir,
        }
    }

    /// `https://127.0.0.1:PORT`: both the Graph and the login base URL.
    pub fn url(&self) -> &str {
        &self.shared.url
    }

    /// The test CA's certificate (PEM), for `--ca-file`.
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// A scratch directory removed with the fake.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn config(&self) -> Config {
        self.shared.cfg.lock().unwrap().clone()
    }

    pub fn set_config(&self, f: impl FnOnce(&mut Config)) {
        f(&mut self.shared.cfg.lock().unwrap());
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.shared.state.lock().unwrap())
    }

    pub fn add_user(&self, upn: &str, display_name: &str) -> String {
        self.with(|s| {
            let id = s.next_id(0x0a);
            s.users.push(FakeUser {
                id: id.clone(),
                upn: upn.into(),
                display_name: display_name.into(),
            });
            id
        })
    }

    pub fn user_id(&self, upn: &str) -> Option<String> {
        self.with(|s| s.user(upn).map(|u| u.id.clone()))
    }

    /// Authenticator apps registered as software OATH tokens.
    pub fn add_software_methods(&self, user_id: &str, n: usize) {
        self.with(|s| {
            for _ in 0..n {
                let id = s.next_id(0x0c);
                s.methods.push(FakeMethod {
                    id,
                    user_id: user_id.into(),
                    device_id: None,
                });
            }
        })
    }

    /// A device already in the inventory (an earlier upload), optionally assigned (and
    /// activated) to a user. Returns its ID.
    pub fn add_device(
        &self,
        serial: &str,
        secret: &[u8],
        interval: u32,
        assigned_to: Option<&str>,
        activated: bool,
    ) -> String {
        self.with(|s| {
            let id = s.next_id(0x0d);
            let status = match (assigned_to, activated) {
                (None, _) => "available",
                (Some(_), false) => "assigned",
                (Some(_), true) => "activated",
            };
            s.devices.push(FakeDevice {
                id: id.clone(),
                serial: serial.into(),
                manufacturer: "Token2".into(),
                model: "C302-i".into(),
                secret: secret.to_vec(),
                interval,
                hash: "hmacsha1".into(),
                display_name: None,
                status: status.into(),
                assigned_to: assigned_to.map(str::to_string),
            });
            if let Some(user) = assigned_to {
                let mid = s.next_id(0x0e);
                s.methods.push(FakeMethod {
                    id: mid,
                    user_id: user.into(),
                    device_id: Some(id.clone()),
                });
            }
            id
        })
    }

    pub fn fault(&self, rule: FaultRule) {
        self.with(|s| s.faults.push(rule));
    }

    pub fn log(&self) -> Vec<Logged> {
        self.with(|s| s.log.clone())
    }

    /// Logged requests with this method whose path contains `path_contains` and that were
    /// answered `status` (any status when `None`).
    pub fn count(&self, method: &str, path_contains: &str, status: Option<u16>) -> usize {
        self.log()
            .iter()
            .filter(|l| {
                l.method == method
                    && l.path.contains(path_contains)
                    && status.is_none_or(|s| s == l.status)
            })
            .count()
    }

    pub fn devices(&self) -> Vec<FakeDevice> {
        self.with(|s| s.devices.clone())
    }

    pub fn methods(&self) -> Vec<FakeMethod> {
        self.with(|s| s.methods.clone())
    }

    /// A `HangAfter` fault has been reached (the work is done, the answer never comes).
    pub fn hung(&self) -> bool {
        self.shared.hung.load(Ordering::SeqCst)
    }

    /// Waits up to `limit` for [`Self::hung`].
    pub fn wait_hung(&self, limit: Duration) -> bool {
        let until = Instant::now() + limit;
        while Instant::now() < until {
            if self.hung() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

fn tls_config() -> (rustls::ServerConfig, String) {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
        KeyUsagePurpose, SanType,
    };
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "Tokensmith fake Graph test CA");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key).expect("CA cert");
    let leaf_key = KeyPair::generate().expect("leaf key");
    let mut leaf = CertificateParams::new(vec!["localhost".to_string()]).expect("leaf params");
    leaf.subject_alt_names
        .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    leaf.distinguished_name
        .push(DnType::CommonName, "fake graph on 127.0.0.1");
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_cert = leaf
        .signed_by(&leaf_key, &ca_cert, &ca_key)
        .expect("leaf cert");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf_cert.der().clone(), ca_cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
        )
        .expect("server cert");
    (config, ca_cert.pem())
}

fn graph_error(status: u16, code: &str, message: &str) -> (u16, Value) {
    (status, json!({"error": {"code": code, "message": message}}))
}

fn login_error(status: u16, error: &str, description: &str) -> (u16, Value) {
    (
        status,
        json!({"error": error, "error_description": format!("{description}\r\nTrace ID: 0000\r\nTimestamp: 2025-01-01 00:00:00Z")}),
    )
}

fn form(body: &[u8]) -> HashMap<String, String> {
    url_decode_pairs(std::str::from_utf8(body).unwrap_or_default())
}

fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn url_decode_pairs(s: &str) -> HashMap<String, String> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (url_decode(k), url_decode(v))
        })
        .collect()
}

fn random_token(s: &mut State, what: &str) -> String {
    s.counter += 1;
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("fake-{what}-{}-{nanos:08x}", s.counter)
}

async fn handle(
    AxState(shared): AxState<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let query = uri.query().unwrap_or("").to_string();
    let body_text = String::from_utf8_lossy(&body).into_owned();
    let is_graph = path.starts_with("/beta/");
    let (fault, throttled) = {
        let cfg = shared.cfg.lock().unwrap().clone();
        let mut s = shared.state.lock().unwrap();
        let mut throttled = false;
        if is_graph {
            s.graph_requests += 1;
            throttled = cfg
                .throttle_every
                .is_some_and(|n| s.graph_requests % n == 0);
        }
        // A throttled request is not carried out, so it does not count for the faults.
        let mut fault = None;
        if !throttled {
            for rule in &s.faults {
                if rule.method == method.as_str() && path.contains(rule.path_contains) {
                    let n = s
                        .seen
                        .iter()
                        .filter(|((m, p), _)| m == rule.method && p.contains(rule.path_contains))
                        .map(|(_, n)| *n)
                        .sum::<u32>()
                        + 1;
                    if n == rule.nth {
                        fault = Some(rule.fault);
                    }
                }
            }
            *s.seen
                .entry((method.to_string(), path.clone()))
                .or_default() += 1;
        }
        (fault, throttled)
    };
    let log = |status: u16| {
        shared.state.lock().unwrap().log.push(Logged {
            method: method.to_string(),
            path: path.clone(),
            query: url_decode(&query),
            status,
            body: body_text.clone(),
        });
    };
    if let Some(Fault::Delay(d)) = fault {
        tokio::time::sleep(d).await;
    }
    if let Some(Fault::Status { code, after: false }) = fault {
        log(code);
        return reply(
            code,
            graph_error(code, "serviceUnavailable", "injected fault").1,
            None,
        );
    }
    if throttled {
        log(429);
        return reply(
            429,
            graph_error(
                429,
                "TooManyRequests",
                "Too many requests. Please try again later.",
            )
            .1,
            Some(1),
        );
    }
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let (status, value) = if is_graph {
        graph(&shared, &method, &path, &query, auth.as_deref(), &body)
    } else {
        login(&shared, &method, &path, &body)
    };
    match fault {
        Some(Fault::Status { code, after: true }) => {
            log(code);
            reply(
                code,
                graph_error(code, "internalServerError", "injected fault").1,
                None,
            )
        }
        Some(Fault::HangAfter) => {
            log(status);
            shared.hung.store(true, Ordering::SeqCst);
            std::future::pending::<()>().await;
            unreachable!()
        }
        _ => {
            log(status);
            reply(status, value, None)
        }
    }
}

fn reply(status: u16, value: Value, retry_after: Option<u64>) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = if status == 204 || value.is_null() {
        code.into_response()
    } else {
        (code, axum::Json(value)).into_response()
    };
    if let Some(s) = retry_after {
        resp.headers_mut()
            .insert("retry-after", s.to_string().parse().expect("header"));
    }
    resp
}

fn login(shared: &Shared, method: &Method, path: &str, body: &[u8]) -> (u16, Value) {
    let cfg = shared.cfg.lock().unwrap().clone();
    let mut s = shared.state.lock().unwrap();
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let [tenant, "oauth2", "v2.0", endpoint] = parts.as_slice() else {
        return login_error(404, "not_found", "no such endpoint");
    };
    if method != Method::POST {
        return login_error(405, "invalid_request", "POST only");
    }
    if *tenant != cfg.tenant {
        return login_error(
            400,
            "invalid_request",
            &format!("AADSTS90002: Tenant '{tenant}' not found."),
        );
    }
    let f = form(body);
    let client = f.get("client_id").cloned().unwrap_or_default();
    if client != cfg.client_id {
        return login_error(
            400,
            "unauthorized_client",
            &format!("AADSTS700016: Application with identifier '{client}' was not found in the directory."),
        );
    }
    let graph = &shared.url;
    match *endpoint {
        "devicecode" => {
            if !cfg.public_client {
                return login_error(
                    400,
                    "invalid_client",
                    "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
                );
            }
            let scopes: Vec<String> = f
                .get("scope")
                .map(|s| s.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default();
            let code = random_token(&mut s, "device-code");
            s.codes.insert(
                code.clone(),
                DeviceCode {
                    scopes,
                    polls: 0,
                    last_poll: None,
                    interval: cfg.interval,
                },
            );
            (
                200,
                json!({
                    "device_code": code,
                    "user_code": "FAKE-CODE",
                    "verification_uri": format!("{graph}/devicelogin"),
                    "expires_in": 900,
                    "interval": cfg.interval,
                    "message": "To sign in, use a web browser to open the page and enter the code to authenticate."
                }),
            )
        }
        "token" => {
            let grant = f.get("grant_type").map(String::as_str).unwrap_or_default();
            let perms: Vec<String> = match grant {
                "urn:ietf:params:oauth:grant-type:device_code" => {
                    let dc = f.get("device_code").cloned().unwrap_or_default();
                    let Some(code) = s.codes.get_mut(&dc) else {
                        return login_error(
                            400,
                            "invalid_grant",
                            "AADSTS70000: unknown device code",
                        );
                    };
                    code.polls += 1;
                    let too_soon = code.last_poll.is_some_and(|t| {
                        t.elapsed() + Duration::from_millis(300)
                            < Duration::from_secs(code.interval)
                    });
                    code.last_poll = Some(Instant::now());
                    if too_soon || cfg.slow_down_at == Some(code.polls) {
                        code.interval += 5;
                        return login_error(400, "slow_down", "AADSTS70000: polling too fast");
                    }
                    if code.polls <= cfg.pending_polls + u32::from(cfg.slow_down_at.is_some()) {
                        return login_error(
                            400,
                            "authorization_pending",
                            "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                        );
                    }
                    let requested = code.scopes.clone();
                    s.codes.remove(&dc);
                    requested
                        .iter()
                        .map(|sc| sc.rsplit('/').next().unwrap_or(sc).to_string())
                        .filter(|p| {
                            cfg.delegated_granted
                                .iter()
                                .any(|g| g.eq_ignore_ascii_case(p))
                        })
                        .collect()
                }
                "client_credentials" => {
                    if f.get("client_secret") != Some(&cfg.client_secret) {
                        return login_error(
                            401,
                            "invalid_client",
                            "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
                        );
                    }
                    if f.get("scope").map(String::as_str) != Some(&format!("{graph}/.default")) {
                        return login_error(
                            400,
                            "invalid_scope",
                            "AADSTS1002012: The provided value for scope is not valid.",
                        );
                    }
                    cfg.app_roles.clone()
                }
                "refresh_token" => {
                    let rt = f.get("refresh_token").cloned().unwrap_or_default();
                    match s.refresh.get(&rt) {
                        Some(p) => p.clone(),
                        None => {
                            return login_error(
                                400,
                                "invalid_grant",
                                "AADSTS70008: The refresh token has expired.",
                            )
                        }
                    }
                }
                other => {
                    return login_error(
                        400,
                        "unsupported_grant_type",
                        &format!("AADSTS70003: {other}"),
                    )
                }
            };
            let access = random_token(&mut s, "access");
            s.access.insert(
                access.clone(),
                Grant {
                    perms: perms.clone(),
                    expires: Instant::now() + Duration::from_secs(cfg.token_lifetime),
                },
            );
            let mut reply = json!({
                "token_type": "Bearer",
                "expires_in": cfg.token_lifetime,
                "access_token": access,
            });
            if grant != "client_credentials" {
                let refresh = random_token(&mut s, "refresh");
                s.refresh.insert(refresh.clone(), perms.clone());
                let mut scope = perms.join(" ");
                scope.push_str(" openid profile offline_access");
                reply["scope"] = scope.into();
                reply["refresh_token"] = refresh.into();
            }
            (200, reply)
        }
        _ => login_error(404, "not_found", "no such endpoint"),
    }
}

fn page(shared: &Shared, items: Vec<Value>, path: &str, query: &str, size: usize) -> Value {
    // The caller holds the state lock; the config lock is only ever taken briefly on its own.
    let params = url_decode_pairs(query);
    let skip: usize = params
        .get("$skiptoken")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let end = (skip + size).min(items.len());
    let mut out = json!({ "value": items[skip.min(end)..end].to_vec() });
    if end < items.len() {
        let mut q: Vec<String> = query
            .split('&')
            .filter(|p| {
                !p.is_empty() && !p.starts_with("$skiptoken=") && !p.starts_with("%24skiptoken=")
            })
            .map(str::to_string)
            .collect();
        q.push(format!("$skiptoken={end}"));
        let base = shared
            .cfg
            .lock()
            .unwrap()
            .next_link_base
            .clone()
            .unwrap_or_else(|| shared.url.clone());
        out["@odata.nextLink"] = format!("{base}{path}?{}", q.join("&")).into();
    }
    out
}

/// `serialNumber eq 'X'` (quotes doubled inside).
fn parse_filter(filter: &str) -> Option<String> {
    let rest = filter.trim().strip_prefix("serialNumber eq '")?;
    let inner = rest.strip_suffix('\'')?;
    Some(inner.replace("''", "'"))
}

fn graph(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: &str,
    bearer: Option<&str>,
    body: &[u8],
) -> (u16, Value) {
    let cfg = shared.cfg.lock().unwrap().clone();
    let mut s = shared.state.lock().unwrap();
    let Some(grant) = bearer.and_then(|b| s.access.get(b)) else {
        return graph_error(
            401,
            "InvalidAuthenticationToken",
            "Access token is empty or invalid.",
        );
    };
    if grant.expires < Instant::now() {
        return graph_error(
            401,
            "InvalidAuthenticationToken",
            "Lifetime validation failed, the token is expired.",
        );
    }
    let perms = grant.perms.clone();
    let has = |p: &str| perms.iter().any(|g| g.eq_ignore_ascii_case(p));
    let denied = || {
        graph_error(
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )
    };
    let parts: Vec<String> = path.trim_matches('/').split('/').map(url_decode).collect();
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let json_body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let params = url_decode_pairs(query);
    match (method.as_str(), &parts[1..]) {
        (m, ["directory", "authenticationMethodDevices", "hardwareOathDevices", rest @ ..]) => {
            if !has(PERM_DEVICES) {
                return denied();
            }
            match (m, rest) {
                ("GET", []) => {
                    let serial = match params.get("$filter") {
                        Some(f) => match parse_filter(f) {
                            Some(s) => Some(s),
                            None => return graph_error(400, "BadRequest", "Invalid filter clause"),
                        },
                        None => None,
                    };
                    let items: Vec<Value> = s
                        .devices
                        .iter()
                        .filter(|d| serial.as_deref().is_none_or(|x| d.serial == x))
                        .map(|d| s.device_json(d))
                        .collect();
                    (200, page(shared, items, path, query, cfg.page_size))
                }
                ("GET", [id]) => match s.devices.iter().find(|d| d.id == *id) {
                    Some(d) => (200, s.device_json(d)),
                    None => graph_error(404, "Request_ResourceNotFound", "Resource not found."),
                },
                ("PATCH", []) => {
                    if json_body["@context"] != "#$delta" {
                        return graph_error(400, "BadRequest", "Expected @context #$delta.");
                    }
                    let items = json_body["value"].as_array().cloned().unwrap_or_default();
                    let mut parsed = Vec::new();
                    for (k, item) in items.iter().enumerate() {
                        match new_device(&mut s, &cfg, item) {
                            Ok(d) => parsed.push((d, item["assignTo"]["id"].as_str().map(str::to_string))),
                            Err(why) => {
                                return graph_error(400, "badRequest", &format!("Item {}: {why}", k + 1))
                            }
                        }
                    }
                    let mut out = Vec::new();
                    for (mut d, assign) in parsed {
                        let mut method_id = d.id.clone();
                        if let Some(u) = assign.and_then(|a| s.user(&a).map(|u| u.id.clone())) {
                            d.assigned_to = Some(u.clone());
                            d.status = "assigned".into();
                            method_id = s.next_id(0x0e);
                            s.methods.push(FakeMethod { id: method_id.clone(), user_id: u, device_id: Some(d.id.clone()) });
                        }
                        let dj = s.device_json(&d);
                        s.devices.push(d);
                        out.push(json!({"@odata.type": "#microsoft.graph.hardwareOathAuthenticationMethod", "id": method_id, "device": dj}));
                    }
                    (200, json!({ "value": out }))
                }
                ("POST", []) => match new_device(&mut s, &cfg, &json_body) {
                    Ok(d) => {
                        let dj = s.device_json(&d);
                        s.devices.push(d);
                        (201, dj)
                    }
                    Err(why) => graph_error(400, "badRequest", &why),
                },
                ("DELETE", [id]) => match s.devices.iter().position(|d| d.id == *id) {
                    Some(i) if s.devices[i].assigned_to.is_some() => graph_error(
                        400,
                        "badRequest",
                        "The hardware OATH token is assigned to a user. Unassign it before deleting it.",
                    ),
                    Some(i) => {
                        s.devices.remove(i);
                        (204, Value::Null)
                    }
                    None => graph_error(404, "Request_ResourceNotFound", "Resource not found."),
                },
                _ => graph_error(405, "Request_BadRequest", "Unsupported."),
            }
        }
        (m, ["users", user, rest @ ..]) => {
            let Some(u) = s.user(user).cloned() else {
                if !has(PERM_USERS) && rest.is_empty() {
                    return denied();
                }
                return graph_error(
                    404,
                    "Request_ResourceNotFound",
                    &format!("Resource '{user}' does not exist or one of its queried reference-property objects are not present."),
                );
            };
            match (m, rest) {
                ("GET", []) => {
                    if !has(PERM_USERS) {
                        return denied();
                    }
                    (
                        200,
                        json!({"id": u.id, "userPrincipalName": u.upn, "displayName": u.display_name}),
                    )
                }
                (_, ["authentication", ..]) if !has(PERM_METHODS) => denied(),
                ("GET", ["authentication", "hardwareOathMethods"]) => {
                    let items: Vec<Value> = s
                        .methods
                        .iter()
                        .filter(|m| m.user_id == u.id && m.device_id.is_some())
                        .map(|m| {
                            let d = s.devices.iter().find(|d| Some(&d.id) == m.device_id.as_ref());
                            json!({"@odata.type": "#microsoft.graph.hardwareOathAuthenticationMethod", "id": m.id, "device": d.map(|d| s.device_json(d))})
                        })
                        .collect();
                    (200, page(shared, items, path, query, cfg.page_size))
                }
                ("GET", ["authentication", "softwareOathMethods"]) => {
                    let items: Vec<Value> = s
                        .methods
                        .iter()
                        .filter(|m| m.user_id == u.id && m.device_id.is_none())
                        .map(|m| json!({"@odata.type": "#microsoft.graph.softwareOathAuthenticationMethod", "id": m.id, "secretKey": null}))
                        .collect();
                    (200, page(shared, items, path, query, cfg.page_size))
                }
                ("POST", ["authentication", "hardwareOathMethods"]) => {
                    let Some(did) = json_body["device"]["id"].as_str() else {
                        return graph_error(400, "badRequest", "device.id is required.");
                    };
                    let Some(i) = s.devices.iter().position(|d| d.id == did) else {
                        return graph_error(404, "Request_ResourceNotFound", "Device not found.");
                    };
                    if s.devices[i].assigned_to.is_some() {
                        return graph_error(
                            400,
                            "badRequest",
                            "The hardware OATH token is already assigned to a user.",
                        );
                    }
                    if s.user_method_count(&u.id) >= MAX_METHODS {
                        return graph_error(
                            400,
                            "badRequest",
                            "The user has reached the maximum number of OATH tokens (5).",
                        );
                    }
                    let mid = s.next_id(0x0e);
                    s.devices[i].assigned_to = Some(u.id.clone());
                    s.devices[i].status = "assigned".into();
                    s.methods.push(FakeMethod {
                        id: mid.clone(),
                        user_id: u.id.clone(),
                        device_id: Some(did.into()),
                    });
                    (
                        201,
                        json!({"@odata.type": "#microsoft.graph.hardwareOathAuthenticationMethod", "id": mid, "createdDateTime": "2025-01-01T00:00:00Z"}),
                    )
                }
                ("POST", ["authentication", "hardwareOathMethods", mid, "activate"]) => {
                    let Some(m) = s
                        .methods
                        .iter()
                        .find(|m| m.id == *mid && m.user_id == u.id)
                        .cloned()
                    else {
                        return graph_error(404, "Request_ResourceNotFound", "Method not found.");
                    };
                    let Some(i) = s
                        .devices
                        .iter()
                        .position(|d| Some(&d.id) == m.device_id.as_ref())
                    else {
                        return graph_error(404, "Request_ResourceNotFound", "Device not found.");
                    };
                    let code = json_body["verificationCode"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    if let Some(name) = json_body["displayName"].as_str() {
                        s.devices[i].display_name = Some(name.into());
                    }
                    let d = &s.devices[i];
                    if d.status == "activated" {
                        return graph_error(
                            400,
                            "badRequest",
                            "The hardware OATH token is already activated.",
                        );
                    }
                    let params = OtpParams {
                        algorithm: if d.hash == "hmacsha256" {
                            Algorithm::Sha256
                        } else {
                            Algorithm::Sha1
                        },
                        digits: 6,
                        period: d.interval,
                    };
                    let now = now_unix();
                    let period = i64::from(d.interval);
                    let ok = code.len() == 6
                        && [-period, 0, period].iter().any(|off| {
                            totp(&d.secret, &params, now + off).is_ok_and(|c| c == code)
                        });
                    if ok {
                        s.devices[i].status = "activated".into();
                        (204, Value::Null)
                    } else {
                        s.devices[i].status = "failedActivation".into();
                        graph_error(400, "badRequest", "The verification code is invalid.")
                    }
                }
                ("DELETE", ["authentication", "hardwareOathMethods", mid]) => {
                    match s
                        .methods
                        .iter()
                        .position(|m| m.id == *mid && m.user_id == u.id)
                    {
                        Some(k) => {
                            let m = s.methods.remove(k);
                            if let Some(d) = s
                                .devices
                                .iter_mut()
                                .find(|d| Some(&d.id) == m.device_id.as_ref())
                            {
                                d.assigned_to = None;
                                d.status = "available".into();
                            }
                            (204, Value::Null)
                        }
                        None => graph_error(404, "Request_ResourceNotFound", "Method not found."),
                    }
                }
                _ => graph_error(405, "Request_BadRequest", "Unsupported."),
            }
        }
        _ => graph_error(404, "Request_ResourceNotFound", "No such endpoint."),
    }
}

/// A device from a creation item, checked like Graph checks it.
fn new_device(s: &mut State, cfg: &Config, item: &Value) -> Result<FakeDevice, String> {
    let text = |k: &str| -> String {
        match &item[k] {
            Value::String(v) => v.clone(),
            Value::Number(n) => n.to_string(),
            _ => String::new(),
        }
    };
    let serial = text("serialNumber");
    if serial.is_empty() {
        return Err("serialNumber is required.".into());
    }
    if cfg.refuse_serials.contains(&serial) {
        return Err(format!(
            "Invalid value for property 'serialNumber': '{serial}'."
        ));
    }
    let secret = data_encoding::BASE32_NOPAD
        .decode(text("secretKey").to_ascii_uppercase().as_bytes())
        .map_err(|_| "Invalid value for property 'secretKey'.".to_string())?;
    let interval: u32 = text("timeIntervalInSeconds")
        .parse()
        .map_err(|_| "timeIntervalInSeconds is required.".to_string())?;
    if interval != 30 && interval != 60 {
        return Err("timeIntervalInSeconds must be 30 or 60.".into());
    }
    let hash = match text("hashFunction").as_str() {
        "" | "hmacsha1" => "hmacsha1",
        "hmacsha256" => "hmacsha256",
        _ => return Err("Invalid value for property 'hashFunction'.".into()),
    };
    for k in ["manufacturer", "model"] {
        if text(k).is_empty() {
            return Err(format!("{k} is required."));
        }
    }
    Ok(FakeDevice {
        id: s.next_id(0x0d),
        serial,
        manufacturer: text("manufacturer"),
        model: text("model"),
        secret,
        interval,
        hash: hash.into(),
        display_name: Some(text("displayName")).filter(|n| !n.is_empty()),
        status: "available".into(),
        assigned_to: None,
    })
}
