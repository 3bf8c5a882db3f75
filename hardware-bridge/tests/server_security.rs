//! Security tests of the localhost server: Host (DNS rebinding), Origin,
//! pairing secret, body size, headers, and that secrets never come back in
//! responses or logs. Mostly in-process through `tower::ServiceExt::oneshot`
//! on the router (no sockets), plus one real-socket run of
//! `hardware-bridge --simulate serve` on 127.0.0.1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use hardware_bridge::server::{router, AppState, ServerConfig, MAX_BODY};
use hardware_bridge::simulate::SimBackend;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use zeroize::Zeroizing;

const PORT: u16 = 8733;
const PAIR: &str = "0123456789abcdef0123456789abcdef";
const SEED_B32: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

fn dist() -> std::path::PathBuf {
    // Written once: tests run in parallel and read it.
    static DIST: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    DIST.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("tokensmith-dist-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join("index.html"),
            "<!doctype html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'sha256-abc'; connect-src 'self' http://127.0.0.1:*\"></head><body></body></html>",
        )
        .unwrap();
        // The build hands the page's policy to the server as data, next to the page.
        std::fs::write(
            d.join(tokensmith_api::page::CSP_FILE),
            r#"{"index.html": "default-src 'none'; script-src 'sha256-abc'; connect-src 'self' http://127.0.0.1:*"}"#,
        )
        .unwrap();
        std::fs::write(d.join("app.wasm"), b"\0asm").unwrap();
        d
    })
    .clone()
}

fn app_with(f: impl FnOnce(&mut ServerConfig)) -> axum::Router {
    let mut cfg = ServerConfig {
        port: PORT,
        dist: dist(),
        allowed_origins: vec!["https://intranet.example".into()],
        allow_null_origin: false,
        pairing_secret: Zeroizing::new(PAIR.into()),
        simulate: true,
    };
    f(&mut cfg);
    router(Arc::new(AppState::new(
        cfg,
        Arc::new(SimBackend::new()),
        None,
    )))
}

fn app() -> axum::Router {
    app_with(|_| {})
}

fn req(method: &str, path: &str) -> axum::http::request::Builder {
    Request::builder()
        .method(method)
        .uri(path)
        .header("host", format!("127.0.0.1:{PORT}"))
}

async fn send(app: axum::Router, r: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let resp = app.oneshot(r).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, headers, body)
}

fn error_code(body: &[u8]) -> String {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    v["error"]["code"].as_str().unwrap_or("").to_string()
}

#[tokio::test]
async fn wrong_or_missing_host_is_refused() {
    for host in [
        "evil.example",
        "evil.example:8733",
        "127.0.0.1.nip.io:8733",
        "localhost.evil.example",
        "192.168.1.10:8733",
    ] {
        let r = Request::builder()
            .uri("/api/health")
            .header("host", host)
            .header("x-tokensmith-pairing", PAIR)
            .body(Body::empty())
            .unwrap();
        let (st, _, body) = send(app(), r).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{host}");
        assert_eq!(error_code(&body), "bad_host");
        // The page too.
        let r = Request::builder()
            .uri("/")
            .header("host", host)
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(app(), r).await.0, StatusCode::FORBIDDEN, "{host}");
    }
    let r = Request::builder()
        .uri("/api/health")
        .header("x-tokensmith-pairing", PAIR)
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(app(), r).await.0, StatusCode::FORBIDDEN, "no Host");
    for host in ["localhost:8733", "[::1]:8733", "127.0.0.1"] {
        let r = Request::builder()
            .uri("/api/health")
            .header("host", host)
            .header("x-tokensmith-pairing", PAIR)
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(app(), r).await.0, StatusCode::OK, "{host}");
    }
}

#[tokio::test]
async fn foreign_origin_is_refused() {
    for origin in [
        "https://evil.example",
        "http://127.0.0.1:9999",
        "http://localhost",
        "null",
        "https://intranet.example.evil",
    ] {
        let r = req("GET", "/api/health")
            .header("origin", origin)
            .header("x-tokensmith-pairing", PAIR)
            .body(Body::empty())
            .unwrap();
        let (st, h, body) = send(app(), r).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{origin}");
        assert_eq!(error_code(&body), "bad_origin");
        assert!(h.get("access-control-allow-origin").is_none());
        // Preflight too.
        let r = req("OPTIONS", "/api/burn")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(app(), r).await.0, StatusCode::FORBIDDEN, "{origin}");
    }
    // Own origin: fine, no CORS headers needed.
    let r = req("GET", "/api/health")
        .header("origin", format!("http://127.0.0.1:{PORT}"))
        .header("x-tokensmith-pairing", PAIR)
        .body(Body::empty())
        .unwrap();
    let (st, h, _) = send(app(), r).await;
    assert_eq!(st, StatusCode::OK);
    assert!(h.get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn configured_origins_get_exact_cors() {
    let r = req("OPTIONS", "/api/burn")
        .header("origin", "https://intranet.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type, x-tokensmith-pairing",
        )
        .header("access-control-request-private-network", "true")
        .body(Body::empty())
        .unwrap();
    let (st, h, _) = send(app(), r).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert_eq!(h["access-control-allow-origin"], "https://intranet.example");
    assert!(h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .contains("x-tokensmith-pairing"));
    assert_eq!(h["access-control-allow-private-network"], "true");

    let r = req("GET", "/api/health")
        .header("origin", "https://intranet.example")
        .header("x-tokensmith-pairing", PAIR)
        .body(Body::empty())
        .unwrap();
    let (st, h, _) = send(app(), r).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(h["access-control-allow-origin"], "https://intranet.example");
    assert_eq!(h["vary"], "Origin");

    // file:// (Origin: null) only when enabled.
    let null_app = app_with(|c| c.allow_null_origin = true);
    let r = req("GET", "/api/health")
        .header("origin", "null")
        .header("x-tokensmith-pairing", PAIR)
        .body(Body::empty())
        .unwrap();
    let (st, h, _) = send(null_app, r).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(h["access-control-allow-origin"], "null");
}

#[tokio::test]
async fn pairing_secret_is_required() {
    let wrong = [
        None,
        Some(""),
        Some("0123456789abcdef0123456789abcdee"),
        Some("0123456789abcdef"),
        Some("0123456789abcdef0123456789abcdef0"),
    ];
    for p in wrong {
        for (m, path) in [
            ("GET", "/api/readers"),
            ("POST", "/api/burn"),
            ("GET", "/api/nope"),
        ] {
            let mut b = req(m, path).header("content-type", "application/json");
            if let Some(p) = p {
                b = b.header("x-tokensmith-pairing", p);
            }
            let body = json!({"reader": "Token2", "secret": SEED_B32}).to_string();
            let (st, h, body) = send(app(), b.body(Body::from(body)).unwrap()).await;
            assert_eq!(st, StatusCode::UNAUTHORIZED, "{p:?} {path}");
            assert_eq!(error_code(&body), "pairing_required");
            assert_eq!(h["cache-control"], "no-store");
        }
    }
    let r = req("GET", "/api/readers")
        .header("x-tokensmith-pairing", PAIR)
        .body(Body::empty())
        .unwrap();
    let (st, h, body) = send(app(), r).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(h["cache-control"], "no-store");
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["readers"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let big = "x".repeat(MAX_BODY + 1);
    let r = req("POST", "/api/burn")
        .header("x-tokensmith-pairing", PAIR)
        .header("content-type", "application/json")
        .header("content-length", big.len().to_string())
        .body(Body::from(big.clone()))
        .unwrap();
    let (st, _, body) = send(app(), r).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(&body), "body_too_large");
    // Without Content-Length (streamed): the body limit still applies.
    let stream = futures_like_stream(big);
    let r = req("POST", "/api/burn")
        .header("x-tokensmith-pairing", PAIR)
        .header("content-type", "application/json")
        .body(stream)
        .unwrap();
    let (st, _, body) = send(app(), r).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(&body), "body_too_large");
    // Refused before the pairing check: no secret needed to be told "too big",
    // and nothing of the body is processed.
    let r = req("POST", "/api/burn")
        .header("content-length", (MAX_BODY + 1).to_string())
        .body(Body::from("x".repeat(MAX_BODY + 1)))
        .unwrap();
    assert_eq!(send(app(), r).await.0, StatusCode::PAYLOAD_TOO_LARGE);
}

/// A body with no known length.
fn futures_like_stream(s: String) -> Body {
    let chunks: Vec<Result<axum::body::Bytes, std::io::Error>> = s
        .into_bytes()
        .chunks(4096)
        .map(|c| Ok(axum::body::Bytes::copy_from_slice(c)))
        .collect();
    Body::from_stream(futures_util::stream::iter(chunks))
}

#[tokio::test]
async fn page_headers_and_paths() {
    let r = req("GET", "/").body(Body::empty()).unwrap();
    let (st, h, _) = send(app(), r).await;
    assert_eq!(st, StatusCode::OK);
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.starts_with(
            "default-src 'none'; script-src 'sha256-abc'; connect-src 'self' http://127.0.0.1:*"
        ),
        "{csp}"
    );
    assert!(csp.ends_with("frame-ancestors 'none'"), "{csp}");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["x-frame-options"], "DENY");
    let r = req("GET", "/app.wasm").body(Body::empty()).unwrap();
    let (st, h, _) = send(app(), r).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(h["content-type"], "application/wasm");
    for p in [
        "/../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/a/../../etc/passwd",
        "/missing.js",
    ] {
        let r = req("GET", p).body(Body::empty()).unwrap();
        assert_eq!(send(app(), r).await.0, StatusCode::NOT_FOUND, "{p}");
    }
}

#[tokio::test]
async fn secrets_never_come_back() {
    // A burn on the simulated Token2: the answer holds codes, never the seed.
    let body = json!({"reader": "Token2", "secret": SEED_B32, "upn": "a@example.com"}).to_string();
    let r = req("POST", "/api/burn")
        .header("x-tokensmith-pairing", PAIR)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    let (st, h, body) = send(app(), r).await;
    let text = String::from_utf8(body).unwrap();
    assert_eq!(st, StatusCode::OK, "{text}");
    assert_eq!(h["cache-control"], "no-store");
    assert!(!text.contains(SEED_B32), "{text}");
    assert!(!text.to_lowercase().contains("3132333435363738"), "{text}");
    // A secret in a wrongly typed field is not echoed in the error.
    let body = format!(
        "{{\"reader\": \"Token2\", \"secret\": \"{SEED_B32}\", \"digits\": \"{SEED_B32}\"}}"
    );
    let r = req("POST", "/api/burn")
        .header("x-tokensmith-pairing", PAIR)
        .body(Body::from(body))
        .unwrap();
    let (st, _, body) = send(app(), r).await;
    let text = String::from_utf8(body).unwrap();
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(!text.contains(SEED_B32), "{text}");
    assert!(!text.contains("GEZDGNBV"), "{text}");
    // A bad secret: the message points at the problem, not at the secret.
    let r = req("POST", "/api/burn")
        .header("x-tokensmith-pairing", PAIR)
        .body(Body::from(
            json!({"reader": "Token2", "secret": "GEZDGNBVGY3TQOJ!"}).to_string(),
        ))
        .unwrap();
    let (st, _, body) = send(app(), r).await;
    let text = String::from_utf8(body).unwrap();
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(!text.contains("GEZDGNBVGY3TQOJ"), "{text}");
}

#[test]
fn real_socket_simulated_serve_logs_no_secret() {
    let d = dist();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hardware-bridge"))
        .args(["--simulate", "serve", "--port", "0", "--dist"])
        .arg(&d)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("Tokensmith bridge: open ")
        .unwrap()
        .to_string();
    let rest = url.strip_prefix("http://127.0.0.1:").expect("loopback URL");
    let (port, frag) = rest.split_once("/#pair=").unwrap();
    let port: u16 = port.parse().unwrap();
    assert_eq!(frag.len(), 32);
    let http = |raw: String| -> String {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.write_all(raw.as_bytes()).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    };
    let body = json!({"reader": "Token2", "secret": SEED_B32}).to_string();
    let ok = http(format!(
        "POST /api/burn?secret={SEED_B32} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nX-Tokensmith-Pairing: {frag}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ));
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    let evil = http(format!(
        "GET /api/readers HTTP/1.1\r\nHost: evil.example:{port}\r\nConnection: close\r\nX-Tokensmith-Pairing: {frag}\r\n\r\n"
    ));
    assert!(evil.starts_with("HTTP/1.1 403"), "{evil}");
    let page = http(format!(
        "GET / HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n"
    ));
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    // Also on ::1 when the machine has IPv6 loopback.
    if let Ok(mut s) = TcpStream::connect(("::1", port)) {
        s.write_all(format!("GET /api/health HTTP/1.1\r\nHost: [::1]:{port}\r\nConnection: close\r\nX-Tokensmith-Pairing: {frag}\r\n\r\n").as_bytes()).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    }
    let _ = child.kill();
    let _ = child.wait();
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(log.contains("POST /api/burn -> 200"), "{log}");
    assert!(!log.contains(SEED_B32), "secret in the log: {log}");
    assert!(!log.contains(frag), "pairing secret in the log: {log}");
}

/// Issue 14 point 3: a misspelled field is refused (400 `bad_request`, naming the field), never
/// ignored — `{"algoritm": "SHA256", "Period": 60}` used to burn SHA-1/30 and answer 200.
#[tokio::test]
async fn misspelled_fields_are_refused_and_nothing_is_burned() {
    let backend = Arc::new(SimBackend::new());
    let cfg = ServerConfig {
        port: PORT,
        dist: dist(),
        allowed_origins: vec![],
        allow_null_origin: false,
        pairing_secret: Zeroizing::new(PAIR.into()),
        simulate: true,
    };
    let app = router(Arc::new(AppState::new(cfg, backend.clone(), None)));
    for (body, field) in [
        (
            json!({"reader": "Token2", "secret": SEED_B32, "algoritm": "SHA256"}),
            "algoritm",
        ),
        (
            json!({"reader": "Token2", "secret": SEED_B32, "Period": 60}),
            "Period",
        ),
        (
            json!({"reader": "Token2", "kind": "token2", "passwrd": "x"}),
            "passwrd",
        ),
    ] {
        let path = if field == "passwrd" {
            "/api/info"
        } else {
            "/api/burn"
        };
        let r = req("POST", path)
            .header("x-tokensmith-pairing", PAIR)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let (st, _, resp) = send(app.clone(), r).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{field}");
        assert_eq!(error_code(&resp), "bad_request");
        let v: Value = serde_json::from_slice(&resp).unwrap();
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.contains(&format!("unknown field `{field}`")), "{msg}");
        assert!(!msg.contains(SEED_B32), "{msg}");
    }
    // Found by fuzzing: the name of an unknown field came back whole, however long, and a
    // seed sent as a name with it. Only a name that looks like a misspelt field is repeated.
    for name in [
        SEED_B32.to_string(),
        "x".repeat(5000),
        "a`, expected Q".into(),
        // A short name, then a backtick: what follows looked like serde's list of our names.
        format!("typo{}`{}", "a".repeat(8), "a".repeat(400)),
    ] {
        let mut body = json!({"reader": "Token2", "secret": "A"});
        body[name.as_str()] = json!(1);
        let r = req("POST", "/api/burn")
            .header("x-tokensmith-pairing", PAIR)
            .body(Body::from(body.to_string()))
            .unwrap();
        let (st, _, resp) = send(app.clone(), r).await;
        assert_eq!(st, StatusCode::BAD_REQUEST);
        let v: Value = serde_json::from_slice(&resp).unwrap();
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.contains("unknown field") && msg.len() < 200, "{msg}");
        assert!(!msg.contains(&name[..8]), "{msg}");
    }
    // Nothing reached the simulated Token2: it still has no seed (its display shows dashes).
    let r = req("POST", "/api/info")
        .header("x-tokensmith-pairing", PAIR)
        .body(Body::from(json!({"reader": "Token2"}).to_string()))
        .unwrap();
    assert_eq!(send(app.clone(), r).await.0, StatusCode::OK);
    assert!(!backend.token2_has_seed());
    // A wrong value is refused without echoing it.
    let r = req("POST", "/api/burn")
        .header("x-tokensmith-pairing", PAIR)
        .body(Body::from(
            json!({"reader": "Token2", "secret": SEED_B32, "digits": SEED_B32}).to_string(),
        ))
        .unwrap();
    let (st, _, resp) = send(app, r).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let msg = String::from_utf8_lossy(&resp);
    assert!(
        msg.contains("expected u8") && !msg.contains(SEED_B32),
        "{msg}"
    );
}

/// Issue 14 finding 6: errors name the field and the place, never echo long input or any of a
/// secret: a 60 KB UPN, the one mistyped character of a seed, the dist directory on a 404.
#[tokio::test]
async fn errors_echo_no_long_input_no_secret_no_path() {
    let burn = |body: Value| {
        req("POST", "/api/burn")
            .header("x-tokensmith-pairing", PAIR)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let long_upn = format!("{}@contoso.com", "a".repeat(60 * 1024));
    let (st, _, body) = send(
        app(),
        burn(json!({"reader": "Token2", "secret": SEED_B32, "upn": long_upn})),
    )
    .await;
    let text = String::from_utf8(body).unwrap();
    assert_eq!(st, StatusCode::BAD_REQUEST, "{text}");
    assert_eq!(error_code(text.as_bytes()), "bad_input");
    assert!(
        text.contains("upn: 61452 characters, at most 256"),
        "{text}"
    );
    assert!(text.len() < 400, "{} bytes answered", text.len());
    // A seed with one mistyped character ('8' is not base32): the position, not the character.
    let (st, _, body) = send(
        app(),
        burn(json!({"reader": "Token2", "secret": "JBSWY3DPEHPK3PX8"})),
    )
    .await;
    let text = String::from_utf8(body).unwrap();
    assert_eq!(st, StatusCode::BAD_REQUEST, "{text}");
    assert!(text.contains("position 16"), "{text}");
    assert!(!text.contains("'8'") && !text.contains("JBSWY"), "{text}");
    // A 404 of the page does not name the directory it is served from.
    let (st, _, body) = send(
        app(),
        req("GET", "/missing.js").body(Body::empty()).unwrap(),
    )
    .await;
    let text = String::from_utf8(body).unwrap();
    assert_eq!(st, StatusCode::NOT_FOUND);
    let d = dist();
    assert!(!text.contains(d.to_str().unwrap()), "{text}");
    assert!(!text.contains("/tmp"), "{text}");
}
