//! PC/SC transport through the `pcsc` crate (pcsc-lite on Linux, WinSCard on
//! Windows, CryptoTokenKit on macOS).
//!
//! [`PcscBackend`] lists readers, tells whether a card is present, and
//! connects in exclusive mode so no other program can interleave commands
//! between authentication and writes. PC/SC errors are mapped to the
//! bridge's "no reader / no card / card removed / busy" answers.

use std::ffi::{CStr, CString};

use ::pcsc::{Context, Protocols, Scope, ShareMode, MAX_BUFFER_SIZE_EXTENDED};

use crate::backend::{select_reader, Backend, ReaderEntry};
use crate::error::BridgeError;
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
        E::NoSmartcard | E::UnpoweredCard => BridgeError::NoCard(format!("reader {reader:?}")),
        E::RemovedCard | E::ResetCard => BridgeError::CardRemoved,
        E::SharingViolation => BridgeError::CardBusy,
        E::UnsupportedCard | E::UnresponsiveCard | E::CardUnsupported | E::ProtoMismatch => {
            BridgeError::UnknownCard(format!("reader {reader:?}"))
        }
        other => BridgeError::Reader(other.to_string()),
    }
}

/// A connected card.
pub struct PcscTransport {
    card: ::pcsc::Card,
    buf: Vec<u8>,
}

impl Transport for PcscTransport {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let r = self
            .card
            .transmit(apdu, &mut self.buf)
            .map_err(transport_error)?;
        let out = r.to_vec();
        // The reply may hold a code or other sensitive data: do not leave it around.
        self.buf.iter_mut().for_each(|b| *b = 0);
        Ok(out)
    }

    fn atr(&self) -> Option<Vec<u8>> {
        self.card.status2_owned().ok().map(|s| s.atr().to_vec())
    }
}

/// PC/SC readers through pcscd. A fresh PC/SC context is established for
/// every call, so a long-running `serve` survives pcscd restarts (and starts
/// even when pcscd is not running yet).
#[derive(Debug, Default)]
pub struct PcscBackend;

impl PcscBackend {
    /// Checks once that PC/SC answers (for an early, clear error in the CLI).
    pub fn new() -> Result<Self, BridgeError> {
        Self::context()?;
        Ok(PcscBackend)
    }

    /// A backend that does not check PC/SC now (for `serve`).
    pub fn lazy() -> Self {
        PcscBackend
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

    fn connect(&self, name: &str) -> Result<PcscTransport, BridgeError> {
        let c =
            CString::new(name).map_err(|_| BridgeError::BadInput("reader name with NUL".into()))?;
        let card = Self::context()?
            .connect(&c, ShareMode::Exclusive, Protocols::ANY)
            .map_err(|e| bridge_error(e, name))?;
        Ok(PcscTransport {
            card,
            buf: vec![0; MAX_BUFFER_SIZE_EXTENDED],
        })
    }

    fn card_present(&self, name: &str) -> bool {
        let Ok(c) = CString::new(name) else {
            return false;
        };
        let mut states = [::pcsc::ReaderState::new(
            c.as_c_str() as &CStr,
            ::pcsc::State::UNAWARE,
        )];
        let Ok(ctx) = Self::context() else {
            return false;
        };
        match ctx.get_status_change(std::time::Duration::from_millis(0), &mut states) {
            Ok(()) => states[0].event_state().contains(::pcsc::State::PRESENT),
            Err(_) => false,
        }
    }
}

impl Backend for PcscBackend {
    fn readers(&self) -> Result<Vec<ReaderEntry>, BridgeError> {
        Ok(self
            .reader_names()?
            .into_iter()
            .map(|n| ReaderEntry {
                card_present: self.card_present(&n),
                name: n,
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
        let t = self.connect(&name)?;
        Ok((name, Box::new(t)))
    }
}
