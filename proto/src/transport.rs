//! The transport abstraction: something that carries one APDU to a card and
//! brings back the full reply (data and status word).

/// Failure of the transport itself (not a status word from the card).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No card is present or it was removed.
    #[error("no card present")]
    NoCard,
    /// The reader or link failed.
    #[error("transport I/O error: {0}")]
    Io(String),
    /// Anything else the transport wants to report.
    #[error("transport error: {0}")]
    Other(String),
    /// The card gave no answer within the time allowed (it may have carried out the command).
    #[error("the card gave no answer within {seconds} s")]
    NoAnswer { seconds: u64 },
    /// The user cancelled: while waiting for the answer to a command that was sent (`sent`: it
    /// may have been carried out), or before the next one was sent.
    #[error("cancelled")]
    Cancelled { sent: bool },
}

/// Carries raw APDUs to a card. Implementations: PC/SC (elsewhere),
/// [`crate::emulator::EmulatedTransport`] (in-process).
pub trait Transport {
    /// Send one command APDU and return the whole reply including SW1 SW2.
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError>;

    /// The card's answer-to-reset, when the transport knows it (it names some devices, e.g.
    /// "YubiKey" in the historical bytes).
    fn atr(&self) -> Option<Vec<u8>> {
        None
    }

    /// End the connection without resetting the card: a device that waits for a button
    /// press (a Molto2 after `90 60`) must not be reset before the user pressed it. Transports
    /// that never reset (in-process ones) have nothing to do.
    fn leave_card(&mut self) {}
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(apdu)
    }
    fn atr(&self) -> Option<Vec<u8>> {
        (**self).atr()
    }
    fn leave_card(&mut self) {
        (**self).leave_card()
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(apdu)
    }
    fn atr(&self) -> Option<Vec<u8>> {
        (**self).atr()
    }
    fn leave_card(&mut self) {
        (**self).leave_card()
    }
}
