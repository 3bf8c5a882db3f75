//! What the build (`cargo xtask build`) hands the server about the page.

use std::collections::BTreeMap;

/// The file next to the page, in `dist/`, mapping each HTML file's name (relative to `dist/`,
/// `/`-separated) to the Content-Security-Policy it was built with. The server sends that
/// policy as a header, so it never re-reads it out of the HTML.
pub const CSP_FILE: &str = "csp.json";

/// The contents of [`CSP_FILE`].
pub type CspManifest = BTreeMap<String, String>;

/// Where the page may send requests: the bridge on this computer's loopback, any port. A
/// hosted page gets no `'self'`: on an intranet server that would be the server, not the bridge.
///
/// No `http://[::1]:*`: CSP source expressions have no IPv6 literals, and Chromium (156)
/// rejects the source ("contains an invalid source … It will be ignored", a console error) —
/// it would allow nothing. The page therefore always calls the bridge as `127.0.0.1`, the
/// address the bridge prints.
pub const LOOPBACK_CONNECT_SOURCES: &str = "http://127.0.0.1:* http://localhost:*";
