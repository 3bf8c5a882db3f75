//! PC/SC transport through the `pcsc` crate (pcsc-lite on Linux, WinSCard on
//! Windows, CryptoTokenKit on macOS).
//!
//! [`PcscBackend`] lists readers, tells whether a card is present and whether another program
//! holds the reader, and connects the way ykman does (pcsc.md): exclusive, so no other
//! program can interleave commands between authentication and writes; on a sharing violation
//! (scdaemon, Yubico Authenticator, the Windows smart-card service holding it shared) shared,
//! inside a transaction for the whole operation. A reader that refuses both is busy.
//!
//! A connection ends leaving the card alone after a probe (listing) or when a device waits for
//! a button press, and resetting it after an operation (so no session opened by us outlives
//! it). PC/SC errors are mapped to the bridge's "no reader / no card / card removed / busy"
//! answers.

use std::ffi::{CStr, CString};

use ::pcsc::{
    Card, Context, Disposition, Protocols, Scope, ShareMode, State, MAX_BUFFER_SIZE_EXTENDED,
};

use crate::backend::{select_reader, Backend, ReaderEntry};
use crate::card_wait::{watch, CardWait};
use crate::error::{on_reader, BridgeError};
use tokensmith_proto::transport::{Transport, TransportError};

/// Map a PC/SC error met while talking to a card.
pub fn transport_error(e: ::pcsc::Error) -> TransportError {
    use ::pcsc::Error as E;
    match e {
        E::RemovedCard | E::ResetCard | E::NoSmartcard | E::UnpoweredCard => TransportError::NoCard,
        other => TransportError::Io(other.to_string()),
    }
}

/// Map a PC/SC error met while listing readers or connecting.
pub fn bridge_error(e: ::pcsc::Error, reader: &str) -> BridgeError {
    use ::pcsc::Error as E;
    match e {
        E::NoService | E::ServiceStopped | E::NoReadersAvailable if reader.is_empty() => {
            if e == E::NoReadersAvailable {
                BridgeError::NoReader
            } else {
                BridgeError::PcscUnavailable(e.to_string())
            }
        }
        E::NoService | E::ServiceStopped => BridgeError::PcscUnavailable(e.to_string()),
        E::NoReadersAvailable => BridgeError::NoReader,
        E::UnknownReader | E::ReaderUnavailable => BridgeError::ReaderNotFound {
            wanted: reader.to_string(),
            available: "(reader disappeared)".into(),
        },
        E::NoSmartcard | E::UnpoweredCard => BridgeError::NoCard(on_reader(reader)),
        E::RemovedCard | E::ResetCard => BridgeError::CardRemoved,
        E::SharingViolation => BridgeError::CardBusy(reader.to_string()),
        E::UnsupportedCard | E::UnresponsiveCard | E::CardUnsupported | E::ProtoMismatch => {
            BridgeError::UnknownCard(on_reader(reader))
        }
        other => BridgeError::Reader(other.to_string()),
    }
}

/// What a connection is for: it decides how it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Look at the card (list, detection): leave it as it was.
    Probe,
    /// Operate on it: reset it at the end (ends any session opened on it), unless
    /// [`Transport::leave_card`] was asked for.
    Operate,
}

/// A connected card. Dropping it disconnects with the disposition its purpose asks for
/// (the `pcsc` crate's own `Drop` would always reset the card).
pub struct PcscTransport {
    card: Option<Card>,
    buf: Vec<u8>,
    disposition: Disposition,
    shared: bool,
}

impl PcscTransport {
    /// Whether another program holds the reader too (the connection is shared, inside a
    /// transaction when operating).
    pub fn is_shared(&self) -> bool {
        self.shared
    }
}

impl Transport for PcscTransport {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let card = self.card.as_ref().ok_or(TransportError::NoCard)?;
        let r = card
            .transmit(apdu, &mut self.buf)
            .map_err(transport_error)?;
        if r.len() < 2 {
            // No status word: the card answered nothing. pcscd with vpcd reports a card pulled
            // during a command this way (success, 0 bytes); the command may have been carried
            // out, which the burn journal must know (PROTOCOL-NOTES.md).
            self.buf.iter_mut().for_each(|b| *b = 0);
            return Err(TransportError::NoCard);
        }
        let out = r.to_vec();
        // The reply may hold a code or other sensitive data: do not leave it around.
        self.buf.iter_mut().for_each(|b| *b = 0);
        Ok(out)
    }

    fn atr(&self) -> Option<Vec<u8>> {
        let card = self.card.as_ref()?;
        card.status2_owned().ok().map(|s| s.atr().to_vec())
    }

    fn leave_card(&mut self) {
        self.disposition = Disposition::LeaveCard;
    }
}

impl Drop for PcscTransport {
    fn drop(&mut self) {
        if let Some(card) = self.card.take() {
            // Disconnecting also ends a transaction begun on this handle. A failure leaves
            // nothing to do but let the crate's own drop try again.
            let _ = card.disconnect(self.disposition);
        }
    }
}

/// PC/SC readers through pcscd. A fresh PC/SC context is established for
/// every call, so a long-running `serve` survives pcscd restarts (and starts
/// even when pcscd is not running yet). Every connection runs on its own thread, each answer
/// waited for with [`CardWait`]'s time limit and cancel.
#[derive(Debug, Default)]
pub struct PcscBackend {
    wait: CardWait,
}

impl PcscBackend {
    /// Checks once that PC/SC answers (for an early, clear error in the CLI).
    pub fn new(wait: CardWait) -> Result<Self, BridgeError> {
        Self::context()?;
        Ok(PcscBackend { wait })
    }

    /// A backend that does not check PC/SC now (for `serve`).
    pub fn lazy(wait: CardWait) -> Self {
        PcscBackend { wait }
    }

    fn context() -> Result<Context, BridgeError> {
        Context::establish(Scope::User).map_err(|e| bridge_error(e, ""))
    }

    fn reader_names(&self) -> Result<Vec<String>, BridgeError> {
        match Self::context()?.list_readers_owned() {
            Ok(v) => Ok(v
                .into_iter()
                .map(|c| c.to_string_lossy().into_owned())
                .collect()),
            Err(::pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
            Err(e) => Err(bridge_error(e, "")),
        }
    }

    /// Exclusive, else shared on a sharing violation (then, to operate, inside a transaction
    /// held until the disconnect); a reader refusing both is busy.
    pub fn connect(&self, name: &str, purpose: Purpose) -> Result<PcscTransport, BridgeError> {
        let c =
            CString::new(name).map_err(|_| BridgeError::BadInput("reader name with NUL".into()))?;
        let ctx = Self::context()?;
        let (mut card, shared) = match ctx.connect(&c, ShareMode::Exclusive, Protocols::ANY) {
            Ok(card) => (card, false),
            Err(::pcsc::Error::SharingViolation) => {
                let card = ctx
                    .connect(&c, ShareMode::Shared, Protocols::ANY)
                    .map_err(|e| bridge_error(e, name))?;
                (card, true)
            }
            Err(e) => return Err(bridge_error(e, name)),
        };
        if shared && purpose == Purpose::Operate {
            // The transaction keeps other programs' commands out from authentication to the
            // last write; it ends with the disconnect (forgetting the guard is safe: it only
            // skips its own SCardEndTransaction).
            let began = card.transaction().map(std::mem::forget);
            if let Err(e) = began {
                let _ = card.disconnect(Disposition::LeaveCard);
                return Err(bridge_error(e, name));
            }
        }
        Ok(PcscTransport {
            card: Some(card),
            buf: vec![0; MAX_BUFFER_SIZE_EXTENDED],
            disposition: match purpose {
                Purpose::Probe => Disposition::LeaveCard,
                Purpose::Operate => Disposition::ResetCard,
            },
            shared,
        })
    }

    /// Present and busy, from the reader's state (no connection is made).
    fn reader_state(&self, name: &str) -> (bool, bool) {
        let Ok(c) = CString::new(name) else {
            return (false, false);
        };
        let mut states = [::pcsc::ReaderState::new(
            c.as_c_str() as &CStr,
            State::UNAWARE,
        )];
        let Ok(ctx) = Self::context() else {
            return (false, false);
        };
        match ctx.get_status_change(std::time::Duration::from_millis(0), &mut states) {
            Ok(()) => {
                let s = states[0].event_state();
                (s.contains(State::PRESENT), s.contains(State::EXCLUSIVE))
            }
            Err(_) => (false, false),
        }
    }
}

impl Backend for PcscBackend {
    fn readers(&self) -> Result<Vec<ReaderEntry>, BridgeError> {
        Ok(self
            .reader_names()?
            .into_iter()
            .map(|n| {
                let (card_present, busy) = self.reader_state(&n);
                ReaderEntry {
                    card_present,
                    busy,
                    name: n,
                }
            })
            .collect())
    }

    fn open(
        &self,
        reader: Option<&str>,
    ) -> Result<(String, Box<dyn Transport + Send>), BridgeError> {
        // Card presence comes from the reader's status: no card is connected to (and reset)
        // except the one chosen.
        let name = select_reader(&self.readers()?, reader)?;
        let t = self.connect(&name, Purpose::Operate)?;
        Ok((name, Box::new(watch(t, &self.wait, || {}))))
    }

    fn probe(&self, reader: &str) -> Result<Box<dyn Transport + Send>, BridgeError> {
        let t = self.connect(reader, Purpose::Probe)?;
        Ok(Box::new(watch(t, &self.wait, || {})))
    }

    fn cancel(&self) -> bool {
        self.wait.cancel.request()
    }

    fn apart(&self) -> Option<std::sync::Arc<dyn Backend>> {
        Some(std::sync::Arc::new(PcscBackend::lazy(CardWait::new(
            self.wait.timeout,
        ))))
    }

    /// Blocks in `SCardGetStatusChange` (pcsc.md): no card is connected to while waiting.
    fn wait_presence(
        &self,
        reader: &str,
        present: bool,
        timeout: std::time::Duration,
    ) -> Result<bool, BridgeError> {
        let c = CString::new(reader)
            .map_err(|_| BridgeError::BadInput("reader name with NUL".into()))?;
        let ctx = Self::context()?;
        let mut states = [::pcsc::ReaderState::new(c.as_c_str(), State::UNAWARE)];
        ctx.get_status_change(std::time::Duration::ZERO, &mut states)
            .map_err(|e| bridge_error(e, reader))?;
        let end = std::time::Instant::now() + timeout;
        loop {
            let now = states[0].event_state().contains(State::PRESENT);
            let left = end.saturating_duration_since(std::time::Instant::now());
            if now != present || left.is_zero() {
                return Ok(now);
            }
            states[0].sync_current_state();
            match ctx.get_status_change(left, &mut states) {
                Ok(()) => {}
                Err(::pcsc::Error::Timeout) => return Ok(now),
                Err(e) => return Err(bridge_error(e, reader)),
            }
        }
    }
}
