//! `hardware-bridge serve`: the localhost service the page talks to.
//!
//! Binds 127.0.0.1 (and ::1 when available) only, serves the built page from `--dist` (same
//! origin: no cross-origin prompt) and the JSON API of `tokensmith-api` (`hardware-bridge/API.md`).
//!
//! - [`listen`]: both loopback addresses or none, the connection cap, the header time-out.
//! - [`guard`]: Host, Origin, body size and pairing checks before any handler, the body
//!   time-out, a handler's panic answered as `internal` (the bridge keeps running), and the
//!   one-line request log.
//! - [`api`]: the endpoints; each request becomes an [`crate::operation::Operation`].
//! - [`static_files`]: the page, with the CSP the build wrote for it.

mod api;
mod batch;
mod guard;
mod listen;
mod static_files;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::Router;
use zeroize::Zeroizing;

pub use guard::BODY_TIMEOUT;
pub use listen::{EVICTION_GRACE, HEADER_TIMEOUT, MAX_CONNECTIONS};
pub use tokensmith_api::{MAX_BODY, PAIRING_HEADER};

use crate::backend::Backend;
use crate::error::BridgeError;
use tokensmith_burn_journal::Journal;

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
    pub journal: Option<Arc<Mutex<Journal>>>,
    /// One device operation at a time.
    device: Mutex<()>,
    /// The batch running (or run last) on this bridge.
    batch: Mutex<Option<Arc<batch::BatchRun>>>,
}

impl AppState {
    pub fn new(cfg: ServerConfig, backend: Arc<dyn Backend>, journal: Option<Journal>) -> Self {
        AppState {
            cfg,
            backend,
            journal: journal.map(|j| Arc::new(Mutex::new(j))),
            device: Mutex::new(()),
            batch: Mutex::new(None),
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

/// Build the router (also used directly by tests through `tower::ServiceExt`).
pub fn router(state: Arc<AppState>) -> Router {
    router_with(state, Router::new())
}

/// [`router`] with `extra` routes behind the same guard (tests add a handler that panics).
pub fn router_with(state: Arc<AppState>, extra: Router<Arc<AppState>>) -> Router {
    api::routes()
        .merge(extra)
        .fallback(static_files::static_file)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(state.clone(), guard::guard))
        .with_state(state)
}

/// Bind 127.0.0.1:`port` and ::1 on the same port (both, or refuse to start — see
/// [`listen::bind`]) and serve until the process ends. `on_ready` gets the bound port.
pub async fn serve(
    mut cfg: ServerConfig,
    backend: Arc<dyn Backend>,
    journal: Option<Journal>,
    port: u16,
    on_ready: impl FnOnce(u16, &ServerConfig),
) -> Result<(), BridgeError> {
    let (v4, v6) = listen::bind(port).await?;
    let bound = v4
        .local_addr()
        .map_err(|e| BridgeError::Internal(e.to_string()))?
        .port();
    cfg.port = bound;
    on_ready(bound, &cfg);
    let state = Arc::new(AppState::new(cfg, backend, journal));
    let app = router(state);
    listen::serve(std::iter::once(v4).chain(v6).collect(), app)
        .await
        .map_err(|e| BridgeError::Internal(format!("server: {e}")))
}
