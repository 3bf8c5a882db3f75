//! `batch --simulate`: readers fed from a box of fresh emulated tokens. Each token gets a new
//! serial; the simulated admin takes a token off once the loop waits for that, and places the
//! next one when the loop waits for a token (after `swap_delay`), or a test or the page swaps
//! them by hand ([`Supply::swap`], [`Supply::put_back`]). A token taken off answers no more
//! commands, even on a connection opened before; a test can have one pulled in the middle of
//! an operation ([`Supply::pull_at`]).

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokensmith_core::caps::{Family, Model};
use tokensmith_proto::emulator::{Molto2Card, Token2Card, YkoathCard};
use tokensmith_proto::token2::serial_of;

use super::Slot;
use crate::backend::{select_reader, Backend, ReaderEntry};
use crate::error::{on_reader, BridgeError};
use tokensmith_proto::transport::{Transport, TransportError};

/// One token made by the supply, kept so a test can read what it holds.
#[derive(Clone)]
pub enum SimToken {
    Token2(Arc<Mutex<Token2Card>>),
    Molto2(Arc<Mutex<Molto2Card>>),
    Oath(Arc<Mutex<YkoathCard>>),
}

impl SimToken {
    fn slot(&self) -> Arc<dyn Slot> {
        match self {
            SimToken::Token2(c) => c.clone(),
            SimToken::Molto2(c) => c.clone(),
            SimToken::Oath(c) => c.clone(),
        }
    }

    /// The seed a single-profile Token2 holds (tests).
    pub fn token2_seed(&self) -> Option<Vec<u8>> {
        match self {
            SimToken::Token2(c) => c.lock().ok()?.stored_seed().map(<[u8]>::to_vec),
            _ => None,
        }
    }
}

struct SupplyReader {
    name: String,
    state: Arc<ReaderState>,
}

/// What a reader holds, shared with the connections to its token.
#[derive(Default)]
struct ReaderState {
    /// The token on the reader, and which placing of a token it is: a connection lives as
    /// long as the placing it was opened on (a token put back is a new one).
    on: Mutex<(Option<(String, SimToken)>, u64)>,
    /// Commands sent to the tokens on this reader, since the supply was made.
    commands: AtomicUsize,
    /// The command (by that count) at which the token is pulled, if one is due.
    pull_at: Mutex<Option<usize>>,
}

impl ReaderState {
    fn on(&self) -> std::sync::MutexGuard<'_, (Option<(String, SimToken)>, u64)> {
        self.on.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn token(&self) -> Option<(String, SimToken)> {
        self.on().0.clone()
    }

    /// Takes the token off, or places `token`.
    fn set(&self, token: Option<(String, SimToken)>) {
        let mut on = self.on();
        on.0 = token;
        on.1 += 1;
    }
}

/// A connection to the token that was on a reader when it was opened.
struct OnReader {
    state: Arc<ReaderState>,
    placing: u64,
    slot: Arc<dyn Slot>,
}

impl Transport for OnReader {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let n = self.state.commands.fetch_add(1, Ordering::SeqCst) + 1;
        let mut pull = self.state.pull_at.lock().unwrap_or_else(|p| p.into_inner());
        if pull.is_some_and(|at| n >= at) {
            *pull = None;
            self.state.set(None);
        }
        drop(pull);
        let still_on = self.state.on().1 == self.placing;
        if !still_on {
            return Err(TransportError::NoCard);
        }
        self.slot.process(apdu)
    }

    fn atr(&self) -> Option<Vec<u8>> {
        self.slot.atr()
    }
}

/// Emulated readers with a supply of fresh tokens of one model.
pub struct Supply {
    model: Model,
    readers: Vec<SupplyReader>,
    next: AtomicU32,
    /// Every token made, by serial, in order.
    made: Mutex<Vec<(String, SimToken)>>,
    /// `Some`: tokens are swapped by the simulated admin after this delay.
    swap_delay: Option<Duration>,
    /// The access password of every OATH key made (tests).
    oath_password: Option<String>,
}

impl Supply {
    /// `readers` readers of `model` tokens, each starting with a fresh one on it.
    pub fn new(model: Model, readers: usize, swap_delay: Option<Duration>) -> Supply {
        Supply::with_oath_password(model, readers, swap_delay, None)
    }

    /// [`Supply::new`], with every OATH key made protected by `password`.
    pub fn with_oath_password(
        model: Model,
        readers: usize,
        swap_delay: Option<Duration>,
        password: Option<&str>,
    ) -> Supply {
        let word = if model.caps().family == Family::Molto2 {
            "Molto2 reader"
        } else {
            "batch reader"
        };
        let s = Supply {
            model,
            readers: (0..readers.max(1))
                .map(|i| SupplyReader {
                    name: format!("Simulated {word} {i} ({})", model.caps().label),
                    state: Arc::default(),
                })
                .collect(),
            next: AtomicU32::new(1),
            made: Mutex::new(Vec::new()),
            swap_delay,
            oath_password: password.map(str::to_string),
        };
        for r in &s.readers {
            s.place_fresh(r);
        }
        s
    }

    fn fresh(&self) -> (String, SimToken) {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        let now = u32::try_from(crate::device::now()).unwrap_or(0);
        let token = match self.model.caps().family {
            Family::Molto2 => {
                let serial = format!("MOLTO2SIM{n:04}");
                let proto = if self.model == Model::Molto2 {
                    tokensmith_proto::molto2::Molto2Model::V1
                } else {
                    tokensmith_proto::molto2::Molto2Model::V2
                };
                let mut c = Molto2Card::new(proto, &serial);
                c.set_clock(now);
                (serial, SimToken::Molto2(Arc::new(Mutex::new(c))))
            }
            Family::Oath => {
                let serial = 30_000_000 + n;
                let mut c = YkoathCard::yubikey([5, 4, 3], Some(serial));
                c.set_password(self.oath_password.as_deref());
                (serial.to_string(), SimToken::Oath(Arc::new(Mutex::new(c))))
            }
            Family::Token2 | Family::App => {
                let serial = serial_of(self.model, &format!("{:06}", 900_000 + n));
                let mut c = Token2Card::new(&serial);
                c.set_clock(now);
                (serial, SimToken::Token2(Arc::new(Mutex::new(c))))
            }
        };
        self.made
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(token.clone());
        token
    }

    fn place_fresh(&self, r: &SupplyReader) {
        let t = self.fresh();
        r.state.set(Some(t));
    }

    fn reader(&self, name: &str) -> Result<&SupplyReader, BridgeError> {
        self.readers
            .iter()
            .find(|r| r.name == name)
            .ok_or_else(|| BridgeError::ReaderNotFound {
                wanted: name.to_string(),
                available: self.names().join(", "),
            })
    }

    pub fn names(&self) -> Vec<String> {
        self.readers.iter().map(|r| r.name.clone()).collect()
    }

    /// Takes the token off `reader` (if any).
    pub fn remove(&self, reader: &str) -> Result<(), BridgeError> {
        self.reader(reader)?.state.set(None);
        Ok(())
    }

    /// Commands sent so far to the tokens on `reader`.
    pub fn commands(&self, reader: &str) -> Result<usize, BridgeError> {
        Ok(self.reader(reader)?.state.commands.load(Ordering::SeqCst))
    }

    /// Takes the token off `reader` as the `at`-th command (counted as [`Supply::commands`]
    /// counts) reaches it: that command and every later one get "no card", as a card pulled
    /// in the middle of an operation.
    pub fn pull_at(&self, reader: &str, at: usize) -> Result<(), BridgeError> {
        *self
            .reader(reader)?
            .state
            .pull_at
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(at);
        Ok(())
    }

    /// Takes the token off `reader` and places a fresh one.
    pub fn swap(&self, reader: &str) -> Result<(), BridgeError> {
        let r = self.reader(reader)?;
        self.place_fresh(r);
        Ok(())
    }

    /// Places an earlier token (by serial) on `reader` again.
    pub fn put_back(&self, reader: &str, serial: &str) -> Result<(), BridgeError> {
        let r = self.reader(reader)?;
        let t = self
            .made
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|(s, _)| s == serial)
            .cloned()
            .ok_or_else(|| BridgeError::BadInput(format!("no simulated token {serial}")))?;
        r.state.set(Some(t));
        Ok(())
    }

    fn connect(&self, reader: &str) -> Result<OnReader, BridgeError> {
        let state = self.reader(reader)?.state.clone();
        let (token, placing) = state.on().clone();
        let (_, t) = token.ok_or_else(|| BridgeError::NoCard(on_reader(reader)))?;
        Ok(OnReader {
            state,
            placing,
            slot: t.slot(),
        })
    }

    /// Every token made so far, in order.
    pub fn tokens(&self) -> Vec<(String, SimToken)> {
        self.made.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn on(&self, reader: &str) -> Result<Option<(String, SimToken)>, BridgeError> {
        Ok(self.reader(reader)?.state.token())
    }
}

impl Backend for Supply {
    fn readers(&self) -> Result<Vec<ReaderEntry>, BridgeError> {
        self.readers
            .iter()
            .map(|r| {
                Ok(ReaderEntry {
                    name: r.name.clone(),
                    card_present: self.on(&r.name)?.is_some(),
                    busy: false,
                })
            })
            .collect()
    }

    fn open(
        &self,
        reader: Option<&str>,
    ) -> Result<(String, Box<dyn Transport + Send>), BridgeError> {
        let name = select_reader(&self.readers()?, reader)?;
        let transport = self.connect(&name)?;
        transport.slot.reset();
        Ok((name, Box::new(transport)))
    }

    fn probe(&self, reader: &str) -> Result<Box<dyn Transport + Send>, BridgeError> {
        Ok(Box::new(self.connect(reader)?))
    }

    /// With a swap delay, the simulated admin acts when the loop waits: takes the token off
    /// when it waits for that, places a fresh one when it waits for a token.
    fn wait_presence(
        &self,
        reader: &str,
        present: bool,
        timeout: Duration,
    ) -> Result<bool, BridgeError> {
        let now = self.on(reader)?.is_some();
        if now != present {
            return Ok(now);
        }
        let Some(delay) = self.swap_delay else {
            let end = std::time::Instant::now() + timeout;
            while std::time::Instant::now() < end {
                std::thread::sleep(Duration::from_millis(20));
                if self.on(reader)?.is_some() != present {
                    return Ok(!present);
                }
            }
            return Ok(present);
        };
        std::thread::sleep(delay);
        if present {
            self.remove(reader)?;
        } else {
            self.swap(reader)?;
        }
        Ok(!present)
    }
}
