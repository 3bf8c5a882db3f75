//! The bridge's whole request path in-process: the router of `hardware-bridge serve`
//! (guard, handlers, operations on the simulated readers) answers fuzzed requests through
//! `tower`'s `oneshot`, no socket.
//!
//! Beyond "no panic" (a handler's panic is also caught by the server as "operation
//! panicked", which counts as a failure here):
//! - no API call succeeds without a loopback `Host` and the pairing secret, nor any request
//!   without a `Host`;
//! - every API answer carries `Cache-Control: no-store`, `nosniff` and `no-referrer`, and
//!   its body is JSON: the endpoint's answer or `{"error": {"code", "message"}}`;
//! - an error message is short and repeats no secret of the request (`secret`,
//!   `customer_key`, `password`); no answer repeats the seed.
//!
//! Input: a method byte, a path byte ([`PATHS`], or a path of the input's own), a header
//! byte (Host, Origin and pairing each absent, right, wrong or the input's own;
//! `Content-Type: application/json`; a `Content-Length` of the input's own), the chosen
//! header values, then the body.

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use hardware_bridge::server::{router, AppState, ServerConfig, PAIRING_HEADER};
use hardware_bridge::simulate::SimBackend;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use zeroize::Zeroizing;

use crate::check;
use crate::input::Input;

pub const PORT: u16 = 8733;
pub const PAIRING: &str = "0123456789abcdef0123456789abcdef";

pub const METHODS: [&str; 5] = ["GET", "POST", "OPTIONS", "HEAD", "PUT"];

/// The API's routes and a few others; one past the end: a path of the input's own.
pub const PATHS: [&str; 16] = [
    "/api/health",
    "/api/readers",
    "/api/info",
    "/api/burn",
    "/api/sync",
    "/api/profiles",
    "/api/profiles/title",
    "/api/profiles/delete",
    "/api/oath/list",
    "/api/oath/put",
    "/api/oath/delete",
    "/api/oath/code",
    "/api/nothing",
    "/",
    "/index.html",
    "/api/burn?secret=JBSWY3DPEHPK3PXP",
];

/// The secret in the last path's query (never read, never repeated).
const QUERY_SECRET: &str = "JBSWY3DPEHPK3PXP";

/// The header byte: two bits each for Host, Origin, pairing (0 absent, 1 right, 2 wrong,
/// 3 the input's own), then a JSON content type and a `Content-Length` of the input's own.
pub mod headers {
    pub const HOST_RIGHT: u8 = 1;
    pub const HOST_WRONG: u8 = 2;
    pub const HOST_OWN: u8 = 3;
    pub const ORIGIN_RIGHT: u8 = 1 << 2;
    pub const ORIGIN_WRONG: u8 = 2 << 2;
    pub const ORIGIN_OWN: u8 = 3 << 2;
    pub const PAIRING_RIGHT: u8 = 1 << 4;
    pub const PAIRING_WRONG: u8 = 2 << 4;
    pub const PAIRING_OWN: u8 = 3 << 4;
    pub const JSON: u8 = 1 << 6;
    pub const LENGTH_OWN: u8 = 1 << 7;
}

/// What a header is: absent, the right value, a wrong one, or one from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Choice {
    Absent,
    Right,
    Wrong,
    Own,
}

fn choice(bits: u8) -> Choice {
    [Choice::Absent, Choice::Right, Choice::Wrong, Choice::Own][usize::from(bits & 3)]
}

/// One runtime for all runs: building one per request would cost more than the request.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime")
    })
}

fn app() -> axum::Router {
    let cfg = ServerConfig {
        port: PORT,
        dist: "/nonexistent/tokensmith-fuzz-dist".into(),
        allowed_origins: vec!["https://intranet.example".into()],
        allow_null_origin: true,
        pairing_secret: Zeroizing::new(PAIRING.into()),
        simulate: true,
    };
    router(Arc::new(AppState::new(
        cfg,
        Arc::new(SimBackend::new()),
        None,
    )))
}

/// A request as the input describes it.
struct Spec {
    method: &'static str,
    path: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

/// What the router answered: status, headers, body.
type Answer = (StatusCode, axum::http::HeaderMap, Vec<u8>);

/// Sends the request; `None` when HTTP cannot carry it (a path or header value it refuses).
fn send(spec: &Spec, body: Vec<u8>) -> Option<Answer> {
    let mut request = Request::builder()
        .method(spec.method)
        .uri(spec.path.as_str());
    for (name, value) in &spec.headers {
        request = request.header(*name, value.as_str());
    }
    let request = request.body(Body::from(body)).ok()?;
    Some(runtime().block_on(async {
        let response = app().oneshot(request).await.expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes().to_vec())
            .unwrap_or_default();
        (status, headers, bytes)
    }))
}

pub fn run(data: &[u8]) {
    let mut input = Input::new(data);
    let method = input.pick(&METHODS);
    let path_pick = usize::from(input.byte().unwrap_or(0)) % (PATHS.len() + 1);
    let flags = input.byte().unwrap_or(0);
    let own =
        |input: &mut Input| String::from_utf8_lossy(input.chunk().unwrap_or_default()).into_owned();
    let path = match PATHS.get(path_pick) {
        Some(p) => p.to_string(),
        None => own(&mut input),
    };
    let (host, origin, pairing) = (choice(flags), choice(flags >> 2), choice(flags >> 4));
    let mut headers = Vec::new();
    let right_host = format!("127.0.0.1:{PORT}");
    let right_origin = format!("http://localhost:{PORT}");
    for (name, c, right, wrong) in [
        ("host", host, right_host.as_str(), "evil.example:8733"),
        (
            "origin",
            origin,
            right_origin.as_str(),
            "https://evil.example",
        ),
        (
            PAIRING_HEADER,
            pairing,
            PAIRING,
            "0123456789abcdef0123456789abcdeg",
        ),
    ] {
        match c {
            Choice::Absent => {}
            Choice::Right => headers.push((name, right.to_string())),
            Choice::Wrong => headers.push((name, wrong.to_string())),
            Choice::Own => headers.push((name, own(&mut input))),
        }
    }
    if flags & headers::JSON != 0 {
        headers.push(("content-type", "application/json".into()));
    }
    if flags & headers::LENGTH_OWN != 0 {
        headers.push(("content-length", own(&mut input)));
    }
    let spec = Spec {
        method,
        path,
        headers,
        body: input.rest().to_vec(),
    };
    let Some((status, response_headers, answer)) = send(&spec, spec.body.clone()) else {
        return;
    };
    let path = spec.path.as_str();
    let api = path.starts_with("/api/");
    if matches!(host, Choice::Absent | Choice::Wrong) {
        assert!(
            !status.is_success(),
            "answered {status} without a loopback Host"
        );
    }
    if api && method != "OPTIONS" && matches!(pairing, Choice::Absent | Choice::Wrong) {
        assert!(
            !status.is_success(),
            "{path} answered {status} without pairing"
        );
    }
    if api {
        for (name, value) in [
            (header::CACHE_CONTROL, "no-store"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ] {
            assert_eq!(
                response_headers.get(&name).and_then(|v| v.to_str().ok()),
                Some(value),
                "{path} {status}: {name}"
            );
        }
    }
    let json = api && !matches!(method, "OPTIONS" | "HEAD");
    check_answer(path, status, &answer, json);
    check_no_echo(&spec, &answer);
    if !String::from_utf8_lossy(&spec.body).contains(QUERY_SECRET) {
        assert!(
            !String::from_utf8_lossy(&answer).contains(QUERY_SECRET),
            "a secret in the query came back"
        );
    }
}

fn check_answer(path: &str, status: StatusCode, answer: &[u8], json: bool) {
    let text = String::from_utf8_lossy(answer);
    if !json || status == StatusCode::METHOD_NOT_ALLOWED {
        return;
    }
    let value: Value = serde_json::from_slice(answer)
        .unwrap_or_else(|e| panic!("{path} {status}: the answer is not JSON ({e}): {text}"));
    if status.is_success() {
        assert!(
            value.get("error").is_none(),
            "{path}: an error with {status}"
        );
        return;
    }
    let message = value["error"]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("{path} {status}: no error message: {text}"));
    assert!(value["error"]["code"].is_string(), "{path}: no error code");
    assert_ne!(
        message, "internal error: operation panicked",
        "a handler panicked"
    );
    check::short_message("server", message);
}

/// The secret fields of a JSON body.
const SECRET_FIELDS: [&str; 3] = ["secret", "customer_key", "password"];

/// The answer repeats no secret of the request: with the secrets rotated, the request is
/// sent again when the answer holds a run of a secret's characters.
fn check_no_echo(spec: &Spec, answer: &[u8]) {
    let Ok(mut json) = serde_json::from_slice::<Value>(&spec.body) else {
        return;
    };
    let mut material = Vec::new();
    check::rotate_json(&mut json, &SECRET_FIELDS, &mut material);
    let said = vec![String::from_utf8_lossy(answer).into_owned()];
    check::assert_no_echo("server", &material, &said, || {
        let body = serde_json::to_vec(&json).ok()?;
        let (_, _, again) = send(spec, body)?;
        Some(vec![String::from_utf8_lossy(&again).into_owned()])
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(path: &str, pairing: Option<&str>, body: &str) -> Spec {
        let mut headers = vec![("host", format!("127.0.0.1:{PORT}"))];
        if let Some(p) = pairing {
            headers.push((PAIRING_HEADER, p.to_string()));
        }
        Spec {
            method: "POST",
            path: path.into(),
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_paired_burn_reaches_the_simulated_token_and_an_unpaired_one_does_not() {
        let body = r#"{"reader":"Token2","secret":"JBSWY3DPEHPK3PXP"}"#;
        let paired = spec("/api/burn", Some(PAIRING), body);
        let (status, _, answer) = send(&paired, paired.body.clone()).expect("a request");
        assert_eq!(
            status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&answer)
        );
        let unpaired = spec("/api/burn", None, body);
        let (status, _, _) = send(&unpaired, unpaired.body.clone()).expect("a request");
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}
