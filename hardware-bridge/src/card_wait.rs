//! How long the bridge waits for a card's answer, and the user's cancel.
//!
//! A token that hangs (a fob half out of the field, a wedged reader) never answers: vpcd and
//! most drivers block in the reader until the card is pulled, and pcsc-lite's `SCardCancel`
//! only ends `SCardGetStatusChange`, not a `SCardTransmit` in progress (PROTOCOL-NOTES.md). So
//! every transport runs on a thread of its own ([`watch`]) and the operation waits for each
//! answer with a time limit and a cancel: when either comes first, the operation ends with
//! [`TransportError::NoAnswer`] or [`TransportError::Cancelled`] (the burn journal then says
//! what the token may hold), and the connection is abandoned to its thread, which disconnects
//! whenever the reader lets go.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokensmith_proto::transport::{Transport, TransportError};

/// How long a card may take to answer one command by default: a YubiKey waiting for a touch
/// answers within 15 s, every other device here within a second.
pub const DEFAULT_CARD_TIMEOUT: Duration = Duration::from_secs(30);

/// How often a wait looks at the cancel.
const POLL: Duration = Duration::from_millis(50);

/// The user's cancel of the operation waiting on a card (Ctrl-C in the CLI, `POST /api/cancel`
/// in the server). It only reaches an operation that is connected to a card: a cancel while
/// nothing waits is not kept for the next one.
#[derive(Debug, Default)]
pub struct Cancel {
    state: Mutex<CancelState>,
}

#[derive(Debug, Default)]
struct CancelState {
    /// Connections open to a card (an operation may hold a probe and its own).
    open: u32,
    requested: bool,
}

impl Cancel {
    fn with<R>(&self, f: impl FnOnce(&mut CancelState) -> R) -> R {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn opened(&self) {
        self.with(|s| s.open += 1);
    }

    fn closed(&self) {
        self.with(|s| {
            s.open = s.open.saturating_sub(1);
            if s.open == 0 {
                s.requested = false;
            }
        });
    }

    /// Cancel the operation connected to a card, if there is one: `true` when there was.
    pub fn request(&self) -> bool {
        self.with(|s| {
            if s.open > 0 {
                s.requested = true;
            }
            s.open > 0
        })
    }

    fn requested(&self) -> bool {
        self.with(|s| s.requested)
    }
}

/// The time limit per answer and the cancel, shared by a backend's transports.
#[derive(Debug, Clone)]
pub struct CardWait {
    pub timeout: Duration,
    pub cancel: Arc<Cancel>,
}

impl Default for CardWait {
    fn default() -> Self {
        CardWait::new(DEFAULT_CARD_TIMEOUT)
    }
}

impl CardWait {
    pub fn new(timeout: Duration) -> Self {
        CardWait {
            timeout,
            cancel: Arc::default(),
        }
    }
}

enum Request {
    Transmit(Vec<u8>, Sender<Result<Vec<u8>, TransportError>>),
    LeaveCard,
}

/// A transport on its own thread, each answer waited for with [`CardWait`].
pub struct Watched {
    requests: Option<Sender<Request>>,
    /// Told when the thread has closed the connection.
    closed: Receiver<()>,
    atr: Option<Vec<u8>>,
    wait: CardWait,
    /// A command went unanswered: the thread may be blocked in the reader for good.
    abandoned: bool,
}

/// Run `inner` on a thread of its own; `on_release` runs there once its connection is closed
/// (after an abandoned command: when the reader finally let go).
pub fn watch<T: Transport + Send + 'static>(
    mut inner: T,
    wait: &CardWait,
    on_release: impl FnOnce() + Send + 'static,
) -> Watched {
    let atr = inner.atr();
    let (requests, rx) = mpsc::channel::<Request>();
    let (closed_tx, closed) = mpsc::channel();
    wait.cancel.opened();
    std::thread::spawn(move || {
        for r in rx {
            match r {
                Request::Transmit(apdu, reply) => {
                    let _ = reply.send(inner.transmit(&apdu));
                }
                Request::LeaveCard => inner.leave_card(),
            }
        }
        // Disconnects (PC/SC) with the disposition asked for.
        drop(inner);
        on_release();
        let _ = closed_tx.send(());
    });
    Watched {
        requests: Some(requests),
        closed,
        atr,
        wait: wait.clone(),
        abandoned: false,
    }
}

impl Watched {
    fn abandon(&mut self, e: TransportError) -> Result<Vec<u8>, TransportError> {
        self.abandoned = true;
        // Later commands would queue behind the one the card never answered.
        self.requests = None;
        Err(e)
    }
}

impl Transport for Watched {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        if self.wait.cancel.requested() {
            return Err(TransportError::Cancelled { sent: false });
        }
        let Some(requests) = &self.requests else {
            return Err(TransportError::NoAnswer {
                seconds: self.wait.timeout.as_secs(),
            });
        };
        let (reply_tx, reply) = mpsc::channel();
        if requests
            .send(Request::Transmit(apdu.to_vec(), reply_tx))
            .is_err()
        {
            return Err(TransportError::Other("the card's thread ended".into()));
        }
        let deadline = Instant::now() + self.wait.timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match reply.recv_timeout(left.min(POLL)) {
                Ok(r) => return r,
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(TransportError::Other("the card's thread ended".into()))
                }
                Err(RecvTimeoutError::Timeout) => {
                    if self.wait.cancel.requested() {
                        return self.abandon(TransportError::Cancelled { sent: true });
                    }
                    if left.is_zero() {
                        let seconds = self.wait.timeout.as_secs();
                        return self.abandon(TransportError::NoAnswer { seconds });
                    }
                }
            }
        }
    }

    fn atr(&self) -> Option<Vec<u8>> {
        self.atr.clone()
    }

    fn leave_card(&mut self) {
        if let Some(r) = &self.requests {
            let _ = r.send(Request::LeaveCard);
        }
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        self.requests = None;
        if !self.abandoned {
            // The next connection may be exclusive: this one must be closed first. A thread
            // that answered everything closes at once.
            let _ = self.closed.recv();
        }
        self.wait.cancel.closed();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// Answers until `hang` is set, then blocks until `release`d.
    struct Hanging {
        hang: Arc<AtomicBool>,
        release: Arc<Mutex<Option<Receiver<()>>>>,
    }

    impl Transport for Hanging {
        fn transmit(&mut self, _apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
            if self.hang.load(Ordering::SeqCst) {
                if let Some(r) = self.release.lock().unwrap().take() {
                    let _ = r.recv();
                }
                return Err(TransportError::NoCard);
            }
            Ok(vec![0x90, 0x00])
        }
    }

    fn hanging(wait: &CardWait) -> (Watched, Arc<AtomicBool>, Sender<()>, Receiver<()>) {
        let hang = Arc::new(AtomicBool::new(false));
        let (release_tx, release_rx) = mpsc::channel();
        let (released_tx, released) = mpsc::channel();
        let t = Hanging {
            hang: hang.clone(),
            release: Arc::new(Mutex::new(Some(release_rx))),
        };
        let w = watch(t, wait, move || {
            let _ = released_tx.send(());
        });
        (w, hang, release_tx, released)
    }

    #[test]
    fn an_unanswered_command_times_out_and_the_connection_closes_when_the_card_lets_go() {
        let wait = CardWait::new(Duration::from_millis(200));
        let (mut w, hang, release, released) = hanging(&wait);
        assert_eq!(w.transmit(&[0]).unwrap(), [0x90, 0x00]);
        hang.store(true, Ordering::SeqCst);
        let t0 = Instant::now();
        assert_eq!(
            w.transmit(&[0]),
            Err(TransportError::NoAnswer { seconds: 0 })
        );
        assert!(t0.elapsed() >= Duration::from_millis(200));
        // Nothing more is sent to a card that did not answer.
        assert!(w.transmit(&[0]).is_err());
        drop(w);
        assert!(released.try_recv().is_err(), "closed while the card hangs");
        release.send(()).unwrap();
        released.recv_timeout(Duration::from_secs(5)).unwrap();
        // Nothing is connected any more: a cancel reaches nobody.
        assert!(!wait.cancel.request());
    }

    #[test]
    fn a_cancel_ends_the_wait_and_is_not_kept_for_the_next_operation() {
        let wait = CardWait::new(Duration::from_secs(60));
        let (mut w, hang, release, _released) = hanging(&wait);
        hang.store(true, Ordering::SeqCst);
        let cancel = wait.cancel.clone();
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            cancel.request()
        });
        let t0 = Instant::now();
        assert_eq!(
            w.transmit(&[0]),
            Err(TransportError::Cancelled { sent: true })
        );
        assert!(canceller.join().unwrap(), "an operation was waiting");
        assert!(t0.elapsed() < Duration::from_secs(5));
        drop(w);
        release.send(()).unwrap();
        let (mut next, _, _, _) = hanging(&wait);
        assert_eq!(next.transmit(&[0]).unwrap(), [0x90, 0x00]);
        // A cancel between two commands stops the next one before it is sent.
        assert!(wait.cancel.request());
        assert_eq!(
            next.transmit(&[0]),
            Err(TransportError::Cancelled { sent: false })
        );
    }
}
