//! Issue 14 findings 4 and 6, the server's limits, on real sockets against
//! `hardware-bridge --simulate serve`: a flood of idle and half-sent connections far over the
//! cap leaves `/api/health` answering and the descriptors bounded; a half-sent request is
//! closed after the header time-out; a program holding `[::1]:PORT` stops the bridge from
//! starting; and a handler that panics is answered while the server goes on.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use hardware_bridge::server::{
    router_with, AppState, ServerConfig, EVICTION_GRACE, HEADER_TIMEOUT, MAX_CONNECTIONS,
};
use hardware_bridge::simulate::SimBackend;
use tower::ServiceExt;
use zeroize::Zeroizing;

mod common;

use common::{serve, Bridge};

fn start(port: u16) -> Result<Bridge, String> {
    serve(port, &[])
}

trait Health {
    fn health(&self) -> (u16, String);
    fn open_descriptors(&self) -> usize;
}

impl Health for Bridge {
    fn health(&self) -> (u16, String) {
        self.call("GET", "/api/health", "")
    }

    fn open_descriptors(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id()))
            .map(|d| d.count())
            .unwrap_or(0)
    }
}

/// Finding 4: 20,100 idle connections once exhausted the descriptors and `/api/health` timed
/// out. Now a few hundred over the cap — idle ones and half-sent requests — leave health
/// answering at once, and the bridge holds no more than the cap.
#[test]
fn a_connection_flood_leaves_health_answering() {
    let b = start(0).unwrap();
    let over = MAX_CONNECTIONS + 300;
    let mut held = Vec::with_capacity(over);
    for i in 0..over {
        let mut s = TcpStream::connect(("127.0.0.1", b.port)).unwrap();
        if i % 2 == 0 {
            // Half a request: headers that never end.
            s.write_all(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .unwrap();
        }
        held.push(s);
    }
    let t = Instant::now();
    let (status, answer) = b.health();
    let took = t.elapsed();
    assert_eq!(status, 200, "{answer}");
    assert!(took < Duration::from_secs(5), "health took {took:?}");
    // Never more than twice the cap, even while evicted connections finish.
    let busiest = b.open_descriptors();
    assert!(
        busiest < 2 * MAX_CONNECTIONS + 64,
        "{busiest} descriptors open for {over} connections (cap {MAX_CONNECTIONS})"
    );
    // Once the evicted ones had their grace, the cap.
    std::thread::sleep(EVICTION_GRACE + Duration::from_millis(500));
    let fds = b.open_descriptors();
    assert!(
        fds < MAX_CONNECTIONS + 64,
        "{fds} descriptors open for {over} connections (cap {MAX_CONNECTIONS})"
    );
    eprintln!(
        "{over} connections held: health answered in {took:?}; the bridge had {fds} descriptors open"
    );
}

/// Finding 4: a half-sent request is closed after the header time-out.
#[test]
fn a_half_sent_request_is_closed() {
    let b = start(0).unwrap();
    let mut s = TcpStream::connect(("127.0.0.1", b.port)).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .unwrap();
    s.set_read_timeout(Some(HEADER_TIMEOUT + Duration::from_secs(10)))
        .unwrap();
    let t = Instant::now();
    let mut buf = Vec::new();
    let r = s.read_to_end(&mut buf);
    let took = t.elapsed();
    assert!(r.is_ok(), "not closed: {r:?} after {took:?}");
    assert!(
        took >= HEADER_TIMEOUT - Duration::from_secs(1)
            && took < HEADER_TIMEOUT + Duration::from_secs(5),
        "closed after {took:?}"
    );
}

/// Finding 6: another program on `[::1]:PORT` once let the bridge start on 127.0.0.1 alone, the
/// impostor answering `localhost`. Now it refuses to start, saying why.
#[test]
fn a_taken_ipv6_loopback_stops_the_start() {
    let Ok(impostor) = TcpListener::bind("[::1]:0") else {
        eprintln!("SKIPPED: no IPv6 loopback on this machine");
        return;
    };
    let port = impostor.local_addr().unwrap().port();
    if TcpListener::bind(("127.0.0.1", port)).is_err() {
        eprintln!("SKIPPED: 127.0.0.1:{port} is taken too");
        return;
    }
    let err = match start(port) {
        Ok(b) => panic!("the bridge started on {} beside an impostor", b.port),
        Err(e) => e,
    };
    assert!(
        err.contains(&format!("cannot listen on [::1]:{port}"))
            && err.contains("another program holds it")
            && err.contains("--port"),
        "{err}"
    );
    drop(impostor);
}

/// Finding 6: a handler that panics is answered `internal`, and the next request (and the
/// device lock) works: recovery is not dead code once panics unwind.
#[tokio::test]
async fn a_panicking_handler_is_answered_and_the_bridge_goes_on() {
    let cfg = ServerConfig {
        port: 8734,
        dist: std::env::temp_dir(),
        allowed_origins: vec![],
        allow_null_origin: false,
        pairing_secret: Zeroizing::new("0123456789abcdef0123456789abcdef".into()),
        simulate: true,
    };
    let state = Arc::new(AppState::new(cfg, Arc::new(SimBackend::new()), None));
    let boom = axum::Router::new().route(
        "/api/boom",
        axum::routing::get(|| async {
            if std::hint::black_box(true) {
                panic!("a bug in a handler");
            }
            "never"
        }),
    );
    let app = router_with(state, boom);
    let req = |path: &str| {
        Request::get(path)
            .header("host", "127.0.0.1:8734")
            .header("x-tokensmith-pairing", "0123456789abcdef0123456789abcdef")
            .body(Body::empty())
            .unwrap()
    };
    let r = app.clone().oneshot(req("/api/boom")).await.unwrap();
    assert_eq!(r.status().as_u16(), 500);
    let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["error"]["code"], "internal");
    assert!(!String::from_utf8_lossy(&body).contains("a bug in a handler"));
    let r = app.clone().oneshot(req("/api/readers")).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
}
