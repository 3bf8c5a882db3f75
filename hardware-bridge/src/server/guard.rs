//! The checks every request passes before any handler runs, in this order: `Host` is a
//! loopback name (DNS rebinding), `Origin` is the bridge's own or an allowed one, API bodies
//! are at most [`MAX_BODY`], and API calls carry the pairing secret (constant-time compare).
//! Also the one log line per request: method, path without query, status — never a body,
//! a query or a header, since those may hold secrets.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use subtle::ConstantTimeEq;
use tokensmith_api::{ErrorBody, ErrorCode, MAX_BODY, PAIRING_HEADER};

use super::{AppState, ServerConfig};

/// An API error answer with the API's headers.
pub fn error_response(code: ErrorCode, message: &str) -> Response {
    body_response(ErrorBody::new(code, message))
}

/// An error answer with this body, its status from the body's code.
pub fn body_response(body: ErrorBody) -> Response {
    let status = StatusCode::from_u16(body.error.code.http_status())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut r = (status, Json(body)).into_response();
    api_headers(r.headers_mut());
    r
}

/// What every answer carries: no content sniffing, no `Referer` anywhere.
pub fn security_headers(h: &mut HeaderMap) {
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

/// API answers are never cached.
pub fn api_headers(h: &mut HeaderMap) {
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    security_headers(h);
}

/// Host part of a `Host` header value (without port); `None` if malformed — including a
/// port that is not a port number (`127.0.0.1:abc`, `localhost@evil.com`, `localhost:80@x`).
fn host_name(v: &str) -> Option<&str> {
    let (host, port) = if let Some(rest) = v.strip_prefix('[') {
        let end = rest.find(']')?;
        (&v[..end + 2], &rest[end + 1..])
    } else {
        match v.find(':') {
            Some(i) => (&v[..i], &v[i..]),
            None => (v, ""),
        }
    };
    let port_ok = match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(p) => {
            !p.is_empty()
                && p.len() <= 5
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u16>().is_ok()
        }
    };
    port_ok.then_some(host)
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
        HeaderValue::from_str(&format!("content-type, {PAIRING_HEADER}"))
            .expect("static header value"),
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

/// An API request's body must arrive within this.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(20);

fn body_too_large() -> Response {
    error_response(ErrorCode::BodyTooLarge, "request body over 64 KiB")
}

pub async fn guard(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    // A handler that panics answers `internal` and the bridge goes on (the bridge is built
    // with unwinding panics: see the workspace's `bridge` profile).
    let resp = AssertUnwindSafe(guard_inner(&st, req, next))
        .catch_unwind()
        .await
        .unwrap_or_else(|_| {
            error_response(
                ErrorCode::Internal,
                "the bridge hit an internal error in this request (it keeps running): try again",
            )
        });
    // Never the query, the body or any header: they may hold secrets.
    // A closed stderr (a launcher that detached it) must not fail the request: eprintln! would
    // panic.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "{method} {path} -> {}",
        resp.status().as_u16()
    );
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
            ErrorCode::BadHost,
            "the Host header is not a loopback name (127.0.0.1, localhost, [::1])",
        );
    }
    let cors =
        match check_origin(&st.cfg, headers) {
            OriginVerdict::Refused => return error_response(
                ErrorCode::BadOrigin,
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
        let refusal = if too_big {
            Some(body_too_large())
        } else if !pairing_ok(&st.cfg, headers) {
            Some(error_response(
                ErrorCode::PairingRequired,
                "missing or wrong pairing secret: open the URL the bridge printed (…/#pair=…)",
            ))
        } else {
            None
        };
        if let Some(mut r) = refusal {
            if let Some(o) = &cors {
                cors_headers(r.headers_mut(), o);
            }
            return r;
        }
    }
    let req = if is_api {
        match read_body(req).await {
            Ok(r) => r,
            Err(mut r) => {
                if let Some(o) = &cors {
                    cors_headers(r.headers_mut(), o);
                }
                return *r;
            }
        }
    } else {
        req
    };
    let mut r = next.run(req).await;
    if is_api {
        api_headers(r.headers_mut());
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            // Over the limit while streaming (no or a false Content-Length).
            r = body_too_large();
        }
    }
    if let Some(o) = &cors {
        cors_headers(r.headers_mut(), o);
    }
    r
}

/// The whole body, read within [`BODY_TIMEOUT`] and at most [`MAX_BODY`] bytes: a request
/// whose body trickles in or never ends holds nothing for long.
async fn read_body(req: Request) -> Result<Request, Box<Response>> {
    let (parts, body) = req.into_parts();
    match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_BODY)).await {
        Ok(Ok(bytes)) => Ok(Request::from_parts(parts, axum::body::Body::from(bytes))),
        Ok(Err(_)) => Err(Box::new(body_too_large())),
        Err(_) => Err(Box::new(error_response(
            ErrorCode::BadRequest,
            "the request body did not arrive in time",
        ))),
    }
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
            // Issue 14 finding 6: a malformed port is refused, not ignored.
            "127.0.0.1:abc",
            "localhost@evil.com",
            "localhost:80@evil.com",
            "127.0.0.1:",
            "127.0.0.1:99999",
            "[::1]:8x",
            "127.0.0.1:80:80",
        ] {
            assert!(!is_loopback_host(bad), "{bad}");
        }
        assert!(is_own_origin("http://127.0.0.1:7", 7));
        assert!(is_own_origin("http://[::1]:7", 7));
        assert!(!is_own_origin("http://127.0.0.1:8", 7));
        assert!(!is_own_origin("https://127.0.0.1:7", 7));
    }
}
