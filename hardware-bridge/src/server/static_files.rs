//! The built page, served from `--dist`. An HTML file gets the Content-Security-Policy the
//! build wrote for it in `dist/csp.json` ([`tokensmith_api::page::CSP_FILE`]), as a header
//! with `frame-ancestors 'none'` added (a `<meta>` policy cannot carry that directive).

use std::path::{Component, Path};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use tokensmith_api::page::{CspManifest, CSP_FILE, LOOPBACK_CONNECT_SOURCES};

use super::AppState;

/// For an HTML file the build gave no policy (a page not built by `cargo xtask build`): no
/// inline code, no network except the loopback bridge.
fn default_csp() -> String {
    format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src {LOOPBACK_CONNECT_SOURCES}; base-uri 'none'; \
         form-action 'none'"
    )
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

/// The policy for the HTML file `rel` (relative to `dist`): the build's, else the default.
/// Read on every request, so a rebuild while serving takes effect at once.
pub async fn page_csp(dist: &Path, rel: &str) -> String {
    let manifest = tokio::fs::read(dist.join(CSP_FILE))
        .await
        .ok()
        .and_then(|b| serde_json::from_slice::<CspManifest>(&b).ok());
    let csp = manifest
        .and_then(|mut m| m.remove(rel))
        .unwrap_or_else(default_csp);
    format!(
        "{}; frame-ancestors 'none'",
        csp.trim().trim_end_matches(';')
    )
}

pub async fn static_file(State(st): State<Arc<AppState>>, req: Request) -> Response {
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
            // The directory stays out of the answer: it names the user's disk layout.
            "not found (build the page with `cargo xtask build`, or start serve with --dist DIR)",
        )
            .into_response();
    };
    let ct = content_type(&path);
    let mut r = Response::new(Body::from(bytes));
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    super::guard::security_headers(h);
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if ct.starts_with("text/html") {
        if let Ok(v) = HeaderValue::from_str(&page_csp(&st.cfg.dist, rel).await) {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn policy_comes_from_the_build_manifest() {
        let dir = std::env::temp_dir().join(format!("tokensmith-csp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let _ = std::fs::remove_file(dir.join(CSP_FILE));
        let fallback = page_csp(&dir, "index.html").await;
        assert!(fallback.contains(&format!("connect-src {LOOPBACK_CONNECT_SOURCES};")));
        assert!(!fallback.contains("'self' http"), "{fallback}");
        assert!(fallback.ends_with("; frame-ancestors 'none'"));
        std::fs::write(
            dir.join(CSP_FILE),
            r#"{"index.html": "default-src 'none'; script-src 'sha256-x';"}"#,
        )
        .unwrap();
        assert_eq!(
            page_csp(&dir, "index.html").await,
            "default-src 'none'; script-src 'sha256-x'; frame-ancestors 'none'"
        );
        assert!(page_csp(&dir, "other.html")
            .await
            .starts_with("default-src 'none'; script-src 'self'"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
