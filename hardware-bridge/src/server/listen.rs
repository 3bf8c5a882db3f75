//! Accepting connections: both loopback addresses bound together or not at all, a cap on open
//! connections, and a time limit on a request's headers.
//!
//! The cap closes the *oldest* connection to make room for a new one (gracefully: a request in
//! progress finishes first, for at most [`EVICTION_GRACE`]; at once when as many are already
//! finishing), so a flood of idle or half-sent connections can neither exhaust the process's
//! descriptors (at most twice the cap) nor lock the page out. An idle
//! or half-sent connection is closed after [`HEADER_TIMEOUT`] anyway.

use std::collections::BTreeMap;
use std::net::{Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tower::ServiceExt;

use crate::error::BridgeError;

/// Open connections at most; one more closes the oldest.
pub const MAX_CONNECTIONS: usize = 128;
/// A request's headers must arrive within this (also the idle time of a kept-alive connection).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an evicted connection may finish the request it is in.
pub const EVICTION_GRACE: Duration = Duration::from_secs(2);

/// Bind 127.0.0.1:`port` and [::1] on the same port. When ::1 is taken by another program the
/// bridge refuses to start (a program there would pass for the bridge to a page calling
/// `localhost`); only a host without IPv6 loopback runs on 127.0.0.1 alone. With port 0 a
/// few free ports are tried until both are free.
pub async fn bind(port: u16) -> Result<(TcpListener, Option<TcpListener>), BridgeError> {
    let attempts = if port == 0 { 8 } else { 1 };
    let mut last = None;
    for _ in 0..attempts {
        let v4 = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))
            .await
            .map_err(|e| {
                BridgeError::Internal(format!("cannot listen on 127.0.0.1:{port}: {e}"))
            })?;
        let bound = v4
            .local_addr()
            .map_err(|e| BridgeError::Internal(e.to_string()))?
            .port();
        match TcpListener::bind(SocketAddr::from((Ipv6Addr::LOCALHOST, bound))).await {
            Ok(v6) => return Ok((v4, Some(v6))),
            Err(e) if no_ipv6(&e) => {
                eprintln!(
                    "note: this host has no IPv6 loopback ({e}): listening on 127.0.0.1 only"
                );
                return Ok((v4, None));
            }
            Err(e) => last = Some((bound, e)),
        }
    }
    let (bound, e) = last.expect("at least one attempt");
    Err(BridgeError::Internal(format!(
        "cannot listen on [::1]:{bound} ({e}): another program holds it, and a page calling \
         localhost:{bound} could reach that program instead of the bridge. Stop it, or start \
         the bridge with another --port"
    )))
}

fn no_ipv6(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::AddrNotAvailable | std::io::ErrorKind::Unsupported
    ) || e.raw_os_error() == Some(97) // EAFNOSUPPORT: IPv6 disabled in the kernel
}

/// The open connections, oldest first, each with the signal that closes it (`true`: let its
/// request finish first).
#[derive(Default)]
struct Open {
    next: u64,
    conns: BTreeMap<u64, oneshot::Sender<bool>>,
    /// Evicted connections still finishing their request.
    finishing: usize,
}

/// Serve `app` on every listener until one fails.
pub async fn serve(listeners: Vec<TcpListener>, app: Router) -> std::io::Result<()> {
    let open = Arc::new(Mutex::new(Open::default()));
    let mut loops = tokio::task::JoinSet::new();
    for l in listeners {
        loops.spawn(accept_loop(l, app.clone(), open.clone()));
    }
    match loops.join_next().await {
        Some(Ok(r)) => r,
        Some(Err(e)) => Err(std::io::Error::other(e)),
        None => Ok(()),
    }
}

async fn accept_loop(l: TcpListener, app: Router, open: Arc<Mutex<Open>>) -> std::io::Result<()> {
    loop {
        let stream = match l.accept().await {
            Ok((s, _)) => s,
            Err(e) if is_transient(&e) => {
                // Out of descriptors or a connection reset before accept: wait, go on.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            Err(e) => return Err(e),
        };
        let (close, closed) = oneshot::channel();
        let id = {
            let mut o = open
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let id = o.next;
            o.next += 1;
            o.conns.insert(id, close);
            while o.conns.len() > MAX_CONNECTIONS {
                if let Some((_, oldest)) = o.conns.pop_first() {
                    let grace = o.finishing < MAX_CONNECTIONS;
                    if oldest.send(grace).is_ok() && grace {
                        o.finishing += 1;
                    }
                }
            }
            id
        };
        tokio::spawn(connection(stream, app.clone(), closed, open.clone(), id));
    }
}

fn is_transient(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | Interrupted | WouldBlock
    ) || matches!(e.raw_os_error(), Some(23 | 24 | 105 | 12)) // ENFILE, EMFILE, ENOBUFS, ENOMEM
}

async fn connection(
    stream: TcpStream,
    app: Router,
    closed: oneshot::Receiver<bool>,
    open: Arc<Mutex<Open>>,
    id: u64,
) {
    let service =
        TowerToHyperService::new(app.map_request(|r: Request<Incoming>| r.map(Body::new)));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let evicted = tokio::select! {
        _ = conn.as_mut() => None,
        grace = closed => Some(grace.unwrap_or(false)),
    };
    if evicted == Some(true) {
        conn.as_mut().graceful_shutdown();
        let _ = tokio::time::timeout(EVICTION_GRACE, conn).await;
    }
    let mut o = open
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match evicted {
        None => {
            o.conns.remove(&id);
        }
        Some(true) => o.finishing -= 1,
        Some(false) => {}
    }
}
