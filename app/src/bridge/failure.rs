//! A failed bridge call as the page acts on it: the bridge's [`ErrorCode`] (from
//! `tokensmith-api`, the one contract), or that nothing answered at all.

use super::client::{ApiError, Code};
use tokensmith_api::ErrorCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The bridge answered with this error.
    Bridge(ErrorCode),
    /// Nothing answered: a closed port, or the bridge refused this page's origin (the browser
    /// hides which).
    Unreachable,
    /// An answer without the bridge's error body, or one this page cannot read.
    Other,
}

impl Failure {
    pub(crate) fn of(e: &ApiError) -> Failure {
        match e.code {
            Code::Bridge(c) => Failure::Bridge(c),
            Code::Unreachable => Failure::Unreachable,
            Code::Incompatible | Code::BadResponse | Code::Http => Failure::Other,
        }
    }

    /// Which step failed, for "Burn failed while …".
    pub(crate) fn step(self) -> &'static str {
        use ErrorCode::*;
        match self {
            Failure::Bridge(BadInput | BadRequest | NotSupported) => {
                "checking the parameters — nothing was sent to the device"
            }
            Failure::Bridge(AuthFailed) => "authenticating to the device",
            Failure::Bridge(DeviceRejected) => "writing to the device (it refused a command)",
            Failure::Bridge(VerifyMismatch) => "verifying after writing",
            Failure::Bridge(CardRemoved) => "writing: the card was removed or reset",
            Failure::Bridge(
                NoReader | NoCard | UnknownCard | ReaderNotFound | AmbiguousReader | CardBusy
                | PcscUnavailable,
            ) => "finding the device — nothing was written",
            Failure::Bridge(ReaderError) => "talking to the reader",
            Failure::Bridge(WillClearSeed) => "waiting for confirmation — nothing was sent",
            Failure::Bridge(Occupied) => {
                "checking the target: that profile or account name is taken — nothing was written"
            }
            Failure::Bridge(TouchTimeout) => {
                "waiting for a touch: none came — touch the key when it blinks, then try again"
            }
            Failure::Bridge(CardTimeout) => {
                "waiting for the token: it stopped answering — the message says what it may hold now"
            }
            Failure::Bridge(Cancelled) => {
                "writing: you cancelled — the message says what the token may hold now"
            }
            Failure::Bridge(ResultsFile) => {
                "recording in the burn journal — the message says what the token holds now"
            }
            Failure::Bridge(PairingRequired) => "pairing with the bridge",
            Failure::Unreachable => {
                "reaching the bridge — if it stopped during a burn, check what the token shows before burning again"
            }
            _ => "the request",
        }
    }
}

impl PartialEq<ErrorCode> for Failure {
    fn eq(&self, other: &ErrorCode) -> bool {
        *self == Failure::Bridge(*other)
    }
}

/// A refusal the page finds itself before calling: nothing is sent.
pub(super) fn bad_input(message: impl Into<String>) -> ApiError {
    ApiError::bad_input(message)
}
