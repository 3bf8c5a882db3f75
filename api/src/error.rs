//! Errors: `{"error": {"code": "no_card", "message": "…"}}` with a non-2xx status.

use serde::{Deserialize, Serialize};

/// Every error code the bridge answers (API) or exits with (CLI). The code decides the HTTP
/// status and the exit code: both are here and nowhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    // Refused before any handler runs (the request guard).
    /// `Host` is not a loopback name (DNS rebinding).
    BadHost,
    /// `Origin` is neither the bridge's own nor an allowed one.
    BadOrigin,
    /// Missing or wrong pairing secret.
    PairingRequired,
    /// API body over [`crate::MAX_BODY`].
    BodyTooLarge,
    /// Malformed JSON, a wrong type, a missing or an unknown field. Nothing was sent.
    BadRequest,
    /// No such API endpoint.
    NotFound,
    // The request was understood but cannot be done as asked. Nothing was sent.
    /// Invalid parameters for this device: nothing was sent to it.
    BadInput,
    /// Several readers match, or several hold a card: name one.
    AmbiguousReader,
    /// The device kind cannot do this (e.g. a clock sync on an OATH key).
    NotSupported,
    /// Token2 clock sync would clear the seed: confirm with `confirm_clear_seed`.
    WillClearSeed,
    /// The target is taken (a Molto2 profile holding a seed, an OATH key's account of that
    /// name): nothing was written; ask again with `overwrite` where the device can replace it.
    Occupied,
    // Finding the device.
    NoReader,
    NoCard,
    UnknownCard,
    CardRemoved,
    CardBusy,
    ReaderNotFound,
    ReaderError,
    PcscUnavailable,
    /// Wrong key or password, or the device is locked. Never retried.
    AuthFailed,
    /// The device refused a command (status word).
    DeviceRejected,
    /// The key waited for a touch and none came: touch it when it blinks and try again.
    TouchTimeout,
    /// The card did not answer a command in time (it may have carried it out); a burn's
    /// `journal` says what the token may hold.
    CardTimeout,
    /// The user cancelled the operation (`POST /api/cancel`, Ctrl-C); a burn's `journal` says
    /// what the token may hold.
    Cancelled,
    /// The OATH key's code after the burn differs from the host's.
    VerifyMismatch,
    /// The burn journal (`--results-file`) could not be opened or written: no burn is started
    /// while it cannot be; `journal` in the error says what a token holds if one was stopped.
    ResultsFile,
    /// A batch is running on the bridge: stop it (or let it finish) before starting another.
    BatchRunning,
    /// No batch runs on the bridge (it was restarted: resume it from its journal).
    NoBatch,
    /// The command line only (`--json`), never an API answer: the command did what it could
    /// and work is left — a batch that ended with users not done (resume it), an export that
    /// left out tokens needing attention. The message says which and what to do.
    Incomplete,
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 30] = [
        ErrorCode::BadHost,
        ErrorCode::BadOrigin,
        ErrorCode::PairingRequired,
        ErrorCode::BodyTooLarge,
        ErrorCode::BadRequest,
        ErrorCode::NotFound,
        ErrorCode::BadInput,
        ErrorCode::AmbiguousReader,
        ErrorCode::NotSupported,
        ErrorCode::WillClearSeed,
        ErrorCode::Occupied,
        ErrorCode::NoReader,
        ErrorCode::NoCard,
        ErrorCode::UnknownCard,
        ErrorCode::CardRemoved,
        ErrorCode::CardBusy,
        ErrorCode::ReaderNotFound,
        ErrorCode::ReaderError,
        ErrorCode::PcscUnavailable,
        ErrorCode::AuthFailed,
        ErrorCode::DeviceRejected,
        ErrorCode::TouchTimeout,
        ErrorCode::CardTimeout,
        ErrorCode::Cancelled,
        ErrorCode::VerifyMismatch,
        ErrorCode::ResultsFile,
        ErrorCode::BatchRunning,
        ErrorCode::NoBatch,
        ErrorCode::Incomplete,
        ErrorCode::Internal,
    ];

    /// The code as it appears in the JSON.
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            BadHost => "bad_host",
            BadOrigin => "bad_origin",
            PairingRequired => "pairing_required",
            BodyTooLarge => "body_too_large",
            BadRequest => "bad_request",
            NotFound => "not_found",
            BadInput => "bad_input",
            AmbiguousReader => "ambiguous_reader",
            NotSupported => "not_supported",
            WillClearSeed => "will_clear_seed",
            Occupied => "occupied",
            NoReader => "no_reader",
            NoCard => "no_card",
            UnknownCard => "unknown_card",
            CardRemoved => "card_removed",
            CardBusy => "card_busy",
            ReaderNotFound => "reader_not_found",
            ReaderError => "reader_error",
            PcscUnavailable => "pcsc_unavailable",
            AuthFailed => "auth_failed",
            DeviceRejected => "device_rejected",
            TouchTimeout => "touch_timeout",
            CardTimeout => "card_timeout",
            Cancelled => "cancelled",
            VerifyMismatch => "verify_mismatch",
            ResultsFile => "results_file",
            BatchRunning => "batch_running",
            NoBatch => "no_batch",
            Incomplete => "incomplete",
            Internal => "internal",
        }
    }

    /// The HTTP status the API answers with.
    pub fn http_status(self) -> u16 {
        use ErrorCode::*;
        match self {
            BadRequest | BadInput | AmbiguousReader | NotSupported => 400,
            PairingRequired => 401,
            BadHost | BadOrigin | AuthFailed => 403,
            NotFound => 404,
            NoReader | NoCard | UnknownCard | CardRemoved | CardBusy | ReaderNotFound
            | ReaderError | PcscUnavailable | WillClearSeed | Occupied | TouchTimeout
            | CardTimeout | Cancelled | BatchRunning | NoBatch => 409,
            BodyTooLarge => 413,
            DeviceRejected | VerifyMismatch => 422,
            ResultsFile | Incomplete | Internal => 500,
        }
    }

    /// The command line's exit code (listed in `hardware-bridge --help`): 2 bad input
    /// (nothing was sent), 3 no device (or no answer from it), 4 authentication failed, 5 the
    /// device refused or the check after a burn failed, 130 cancelled (Ctrl-C), 1 anything
    /// else.
    pub fn exit_code(self) -> u8 {
        use ErrorCode::*;
        match self {
            BadRequest | BadInput | AmbiguousReader | NotSupported | WillClearSeed | Occupied
            | BatchRunning | NoBatch => 2,
            NoReader | NoCard | UnknownCard | CardRemoved | CardBusy | ReaderNotFound
            | ReaderError | PcscUnavailable | CardTimeout => 3,
            // The shell's code for a command ended by Ctrl-C.
            Cancelled => 130,
            AuthFailed => 4,
            DeviceRejected | VerifyMismatch | TouchTimeout => 5,
            BadHost | BadOrigin | PairingRequired | BodyTooLarge | NotFound | ResultsFile
            | Incomplete | Internal => 1,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// What went wrong and what to do; never holds a secret.
    pub message: String,
    /// `auth_failed` from a device that counts: the attempts left before it locks (a Molto2's
    /// `63 Cx`). The message says it too, as the warning it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u8>,
    /// A burn that stopped after its seed was journaled: what the journal says the token
    /// holds now, and what to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal: Option<Box<crate::burn::JournalEntry>>,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorBody {
            error: ErrorDetail {
                code,
                message: message.into(),
                attempts_left: None,
                journal: None,
            },
        }
    }

    /// With the attempts a device has left before it locks.
    pub fn with_attempts_left(mut self, left: Option<u8>) -> Self {
        self.error.attempts_left = left;
        self
    }

    /// With what the burn journal says about the token.
    pub fn with_journal(mut self, entry: Option<crate::burn::JournalEntry>) -> Self {
        self.error.journal = entry.map(Box::new);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_as_their_strings() {
        for c in ErrorCode::ALL {
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), c);
            assert_eq!(c.to_string(), c.as_str());
        }
    }

    #[test]
    fn statuses_and_exit_codes_as_documented() {
        use ErrorCode::*;
        assert_eq!(BadInput.http_status(), 400);
        assert_eq!(WillClearSeed.http_status(), 409);
        assert_eq!(WillClearSeed.exit_code(), 2);
        assert_eq!(AuthFailed.http_status(), 403);
        assert_eq!(AuthFailed.exit_code(), 4);
        assert_eq!(CardRemoved.exit_code(), 3);
        assert_eq!(VerifyMismatch.http_status(), 422);
        assert_eq!(VerifyMismatch.exit_code(), 5);
        assert_eq!(ResultsFile.http_status(), 500);
        assert_eq!(ResultsFile.exit_code(), 1);
        assert_eq!((Occupied.http_status(), Occupied.exit_code()), (409, 2));
        assert_eq!(
            (TouchTimeout.http_status(), TouchTimeout.exit_code()),
            (409, 5)
        );
    }

    #[test]
    fn error_body_shape() {
        let b = ErrorBody::new(ErrorCode::NoCard, "put the token on the reader");
        assert_eq!(
            serde_json::to_value(&b).unwrap(),
            serde_json::json!({"error": {"code": "no_card", "message": "put the token on the reader"}})
        );
        let b =
            ErrorBody::new(ErrorCode::AuthFailed, "7 attempts left").with_attempts_left(Some(7));
        assert_eq!(
            serde_json::to_value(&b).unwrap(),
            serde_json::json!({"error": {"code": "auth_failed", "message": "7 attempts left", "attempts_left": 7}})
        );
    }
}
