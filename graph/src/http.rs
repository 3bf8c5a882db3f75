//! The HTTP client (ureq over rustls, certificates always verified) and the retry policy:
//! `429` waits for `Retry-After`; for requests that are safe to repeat, `5xx` and network
//! failures are retried with capped exponential backoff. Requests that change something are
//! never repeated blindly: their caller checks what happened first.
//!
//! Nothing here logs a body, a header or a token.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
use zeroize::Zeroizing;

use crate::error::Error;
use crate::ui::Ui;

/// Bodies larger than this are not Graph answers to anything this tool asks.
const MAX_BODY: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Extra trusted root certificates (PEM), added to the built-in Mozilla roots.
    pub ca_file: Option<PathBuf>,
    /// Whole-request limit (connect, send, wait, read).
    pub timeout: Duration,
    pub retry: RetryPolicy,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            ca_file: None,
            timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Tries of a repeatable request that meets `5xx` or a network failure.
    pub attempts: u32,
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// Throttled (`429`) answers waited out per request before giving up.
    pub throttled_attempts: u32,
    /// A longer `Retry-After` stops the run (resume later) instead of hanging for it.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            throttled_attempts: 10,
            max_retry_after: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// `first_delay · 2^(n-1)`, capped, plus up to a quarter more so that parallel clients
    /// that failed together do not come back together.
    pub fn backoff(&self, n: u32) -> Duration {
        let base = self
            .first_delay
            .saturating_mul(1u32 << n.saturating_sub(1).min(16))
            .min(self.max_delay);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        base + base.mul_f64(f64::from(nanos % 1000) / 4000.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Body<'a> {
    Json(&'a [u8]),
    /// Already `application/x-www-form-urlencoded` (see [`form`]).
    Form(&'a [u8]),
}

pub struct Request<'a> {
    pub method: Method,
    pub url: &'a str,
    pub bearer: Option<&'a str>,
    pub body: Option<Body<'a>>,
}

/// Any HTTP answer. The body may hold tokens: it is wiped when dropped.
pub struct Response {
    pub status: u16,
    pub body: Zeroizing<Vec<u8>>,
    pub retry_after: Option<Duration>,
}

/// No HTTP answer: the request may or may not have reached the server.
#[derive(Debug, Clone)]
pub struct TransportFailure(pub String);

impl TransportFailure {
    /// An untrusted certificate does not become trusted by asking again.
    pub fn is_permanent(&self) -> bool {
        self.0.contains("certificate")
    }
}

pub struct Http {
    agent: ureq::Agent,
    pub policy: RetryPolicy,
}

impl Http {
    pub fn new(opts: &HttpOptions) -> Result<Http, Error> {
        let mut tls = TlsConfig::builder();
        if let Some(path) = &opts.ca_file {
            tls = tls.root_certs(roots_with(path)?);
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // Graph does not redirect these calls; following one would be a surprise.
            .max_redirects(0)
            .user_agent(format!(
                "tokensmith/{} (hardware-bridge entra)",
                env!("CARGO_PKG_VERSION")
            ))
            .timeout_global(Some(opts.timeout))
            .timeout_connect(Some(opts.timeout.min(Duration::from_secs(15))))
            .tls_config(tls.build())
            .build();
        Ok(Http {
            agent: ureq::Agent::new_with_config(config),
            policy: opts.retry,
        })
    }

    /// One request, with the retries described in the module documentation. A `429` or `5xx`
    /// that outlasts them comes back as the response; a network failure as `Err`.
    pub fn send(
        &self,
        req: &Request<'_>,
        idempotent: bool,
        ui: &dyn Ui,
    ) -> Result<Response, TransportFailure> {
        let mut failures = 0;
        let mut throttled = 0;
        loop {
            let wait = match self.send_once(req) {
                Ok(resp) if resp.status == 429 => {
                    throttled += 1;
                    let wait = resp
                        .retry_after
                        .unwrap_or_else(|| self.policy.backoff(throttled));
                    if throttled > self.policy.throttled_attempts
                        || wait > self.policy.max_retry_after
                    {
                        return Ok(resp);
                    }
                    ui.note(&format!(
                        "Graph is throttling (429): waiting {} s as it asks, then trying again",
                        wait.as_secs_f64().ceil()
                    ));
                    wait
                }
                Ok(resp) if resp.status >= 500 && idempotent => {
                    failures += 1;
                    if failures >= self.policy.attempts {
                        return Ok(resp);
                    }
                    let wait = resp
                        .retry_after
                        .unwrap_or_else(|| self.policy.backoff(failures));
                    ui.note(&format!(
                        "{} {} answered {}: trying again in {:.0} s",
                        req.method.as_str(),
                        path_of(req.url),
                        resp.status,
                        wait.as_secs_f64().ceil()
                    ));
                    wait
                }
                Ok(resp) => return Ok(resp),
                Err(e) if idempotent && !e.is_permanent() => {
                    failures += 1;
                    if failures >= self.policy.attempts {
                        return Err(e);
                    }
                    let wait = self.policy.backoff(failures);
                    ui.note(&format!(
                        "{} {} failed ({}): trying again in {:.0} s",
                        req.method.as_str(),
                        path_of(req.url),
                        e.0,
                        wait.as_secs_f64().ceil()
                    ));
                    wait
                }
                Err(e) => return Err(e),
            };
            std::thread::sleep(wait);
        }
    }

    fn send_once(&self, req: &Request<'_>) -> Result<Response, TransportFailure> {
        let mut builder = ureq::http::Request::builder()
            .method(req.method.as_str())
            .uri(req.url)
            .header("Accept", "application/json");
        if let Some(token) = req.bearer {
            let value = Zeroizing::new(format!("Bearer {token}"));
            builder = builder.header("Authorization", value.as_str());
        }
        let result = match req.body {
            None => builder.body(()).map(|r| self.agent.run(r)),
            Some(body) => {
                let (content_type, bytes) = match body {
                    Body::Json(b) => ("application/json", b),
                    Body::Form(b) => ("application/x-www-form-urlencoded", b),
                };
                builder
                    .header("Content-Type", content_type)
                    .body(bytes)
                    .map(|r| self.agent.run(r))
            }
        };
        let mut resp = result
            .map_err(|e| TransportFailure(format!("bad request: {e}")))?
            .map_err(|e| TransportFailure(describe(&e)))?;
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map_err(|e| TransportFailure(describe(&e)))?;
        Ok(Response {
            status,
            body: Zeroizing::new(body),
            retry_after,
        })
    }
}

/// The Mozilla roots plus every certificate in the PEM file.
fn roots_with(path: &std::path::Path) -> Result<RootCerts, Error> {
    let bad = |detail: String| Error::BadInput(format!("--ca-file {}: {detail}", path.display()));
    let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let mut extra = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        if let PemItem::Certificate(c) = item.map_err(|e| bad(format!("not valid PEM ({e})")))? {
            extra.push(c.to_owned());
        }
    }
    if extra.is_empty() {
        return Err(bad(
            "holds no certificate: give the CA's root certificate as PEM \
             (-----BEGIN CERTIFICATE-----)"
                .into(),
        ));
    }
    Ok(webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|der| Certificate::from_der(der.as_ref()).to_owned())
        .chain(extra)
        .collect::<Vec<_>>()
        .into())
}

fn describe(e: &ureq::Error) -> String {
    let text = e.to_string();
    if text.to_ascii_lowercase().contains("certificate") {
        format!(
            "{text} — the server's TLS certificate is not trusted; if a TLS-inspecting proxy or a \
             private CA is in the way, pass its root certificate with --ca-file PEM"
        )
    } else {
        text
    }
}

/// The path part of a URL, for messages (no query: it may hold a UPN filter, harmless but long).
pub fn path_of(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    path.split('?').next().unwrap_or(path)
}

/// What `application/x-www-form-urlencoded` and URL path segments leave as is.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment or query value.
pub fn encode(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

/// A form body. It may hold a client secret or a refresh token, hence the wiping buffer.
pub fn form(pairs: &[(&str, &str)]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(
        pairs.iter().map(|(k, v)| k.len() + 3 * v.len() + 2).sum(),
    ));
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        out.extend(utf8_percent_encode(k, UNRESERVED).flat_map(str::bytes));
        out.push(b'=');
        out.extend(utf8_percent_encode(v, UNRESERVED).flat_map(str::bytes));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = RetryPolicy::default();
        let b1 = p.backoff(1);
        assert!(b1 >= Duration::from_secs(1) && b1 <= Duration::from_millis(1250));
        let b3 = p.backoff(3);
        assert!(b3 >= Duration::from_secs(4) && b3 <= Duration::from_secs(5));
        let b9 = p.backoff(9);
        assert!(b9 >= Duration::from_secs(30) && b9 <= Duration::from_millis(37_500));
    }

    #[test]
    fn form_and_paths() {
        assert_eq!(
            form(&[
                ("scope", "https://graph.microsoft.com/.default"),
                ("a", "b c&d")
            ])
            .as_slice(),
            b"scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&a=b%20c%26d"
        );
        assert_eq!(encode("o'neil+x@contoso.com"), "o%27neil%2Bx%40contoso.com");
        assert_eq!(
            path_of("https://h:1/beta/users/x?$filter=a"),
            "/beta/users/x"
        );
    }
}
