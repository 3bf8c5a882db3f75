//! How the built page carries its worker: facts `cargo xtask build` writes and the page's client
//! reads, kept in one place.
//!
//! - The single file embeds the worker inert (not run at load): its JavaScript as the text of
//!   `<script type="text/plain" id=EMBEDDED_JS_ID>` and its wasm, gzip-compressed and in
//!   base64, in `<script type="application/octet-stream" id=EMBEDDED_WASM_ID>`. The page starts
//!   it from a `blob:` URL (CSP `worker-src blob:`) on first use.
//! - The hosted `dist/` holds both as files; `<script type="application/json"
//!   id=HOSTED_ID>` names them ([`HostedWorker`]), relative to the page (CSP
//!   `worker-src 'self'`).

use serde::{Deserialize, Serialize};

pub const EMBEDDED_JS_ID: &str = "tokensmith-worker-js";
pub const EMBEDDED_WASM_ID: &str = "tokensmith-worker-wasm";
pub const HOSTED_ID: &str = "tokensmith-worker";

/// The hosted worker's files, relative to the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostedWorker {
    pub js: String,
    pub wasm: String,
}
