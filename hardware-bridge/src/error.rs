//! Everything that can go wrong in the bridge, and the API's [`ErrorCode`] of each (which
//! decides the HTTP status and the exit code).

use tokensmith_api::ErrorCode;
use tokensmith_core::caps;
use tokensmith_proto::molto2::Molto2Error;
use tokensmith_proto::token2::Token2Error;
use tokensmith_proto::ykoath::YkoathError;
use tokensmith_proto::TransportError;

/// A failure of a bridge operation. Messages never contain a
/// secret, a password or a key.
#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    #[error("PC/SC is not available ({0}): is pcscd running?")]
    PcscUnavailable(String),
    #[error("no smart-card reader found: connect the reader or the token (and check that pcscd sees it)")]
    NoReader,
    #[error("reader {wanted:?} not found; readers: {available}")]
    ReaderNotFound { wanted: String, available: String },
    #[error("{0}")]
    AmbiguousReader(String),
    #[error("no card on {0}: put the token on the reader or plug it in")]
    NoCard(String),
    #[error("the card on {0} is not a Token2 token, a Molto2 or an OATH key (choose the kind explicitly if you are sure)")]
    UnknownCard(String),
    #[error("the card was removed or reset during the operation: put it back and check it (info) before doing anything else")]
    CardRemoved,
    #[error("the card is in use by another program: close it and try again")]
    CardBusy,
    #[error("reader error: {0}")]
    Reader(String),
    #[error("Token2: {0}")]
    Token2(Token2Error),
    #[error("Molto2: {0}")]
    Molto2(Molto2Error),
    #[error("OATH: {0}")]
    Oath(YkoathError),
    #[error("invalid input: {0}")]
    BadInput(String),
    /// What the device's model cannot take, by core's capability table.
    #[error("{}", refusal_text(.refusals))]
    Refused {
        model: caps::Model,
        refusals: Vec<caps::Refusal>,
    },
    #[error("setting the clock of this {model} rewrites its configuration, which CLEARS ITS SEED (the token shows dashes until a seed is burned again); confirm explicitly to go ahead")]
    WillClearSeed { model: String },
    /// The name (or slot) holds a credential and overwriting was not asked for.
    #[error("{0}")]
    Occupied(String),
    #[error("verification failed: the device computed {device} but {expected} was expected; the credential on the device is wrong")]
    VerifyMismatch { device: String, expected: String },
    #[error("not supported: {0}")]
    NotSupported(String),
    #[error("results file: {0}")]
    Results(String),
    #[error("internal error: {0}")]
    Internal(String),
}

fn refusal_text(refusals: &[caps::Refusal]) -> String {
    let all: Vec<String> = refusals.iter().map(ToString::to_string).collect();
    format!("invalid input: {}", all.join(" — "))
}

fn transport_is_removed(e: &TransportError) -> bool {
    matches!(e, TransportError::NoCard)
}

impl From<Token2Error> for BridgeError {
    fn from(e: Token2Error) -> Self {
        match e {
            Token2Error::Transport(t) => t.into(),
            e => BridgeError::Token2(e),
        }
    }
}

impl From<Molto2Error> for BridgeError {
    fn from(e: Molto2Error) -> Self {
        match e {
            Molto2Error::Transport(t) => t.into(),
            e => BridgeError::Molto2(e),
        }
    }
}

impl From<YkoathError> for BridgeError {
    fn from(e: YkoathError) -> Self {
        match e {
            YkoathError::Transport(t) => t.into(),
            e => BridgeError::Oath(e),
        }
    }
}

impl From<TransportError> for BridgeError {
    fn from(e: TransportError) -> Self {
        if transport_is_removed(&e) {
            BridgeError::CardRemoved
        } else {
            BridgeError::Reader(e.to_string())
        }
    }
}

impl BridgeError {
    /// The stable code of the API and the CLI (it decides the HTTP status and the exit code).
    pub fn code(&self) -> ErrorCode {
        use BridgeError::*;
        match self {
            PcscUnavailable(_) => ErrorCode::PcscUnavailable,
            NoReader => ErrorCode::NoReader,
            ReaderNotFound { .. } => ErrorCode::ReaderNotFound,
            AmbiguousReader(_) => ErrorCode::AmbiguousReader,
            NoCard(_) => ErrorCode::NoCard,
            UnknownCard(_) => ErrorCode::UnknownCard,
            CardRemoved => ErrorCode::CardRemoved,
            CardBusy => ErrorCode::CardBusy,
            Reader(_) => ErrorCode::ReaderError,
            WillClearSeed { .. } => ErrorCode::WillClearSeed,
            Occupied(_) => ErrorCode::Occupied,
            VerifyMismatch { .. } => ErrorCode::VerifyMismatch,
            NotSupported(_) => ErrorCode::NotSupported,
            Results(_) => ErrorCode::ResultsFile,
            Internal(_) => ErrorCode::Internal,
            BadInput(_) | Refused { .. } => ErrorCode::BadInput,
            Token2(e) => match e {
                Token2Error::AuthFailed => ErrorCode::AuthFailed,
                Token2Error::InvalidSeed(_)
                | Token2Error::InvalidConfig(_)
                | Token2Error::UnknownModel(_) => ErrorCode::BadInput,
                _ => ErrorCode::DeviceRejected,
            },
            Molto2(e) => match e {
                Molto2Error::AuthFailed { .. }
                | Molto2Error::SecurityFailure
                | Molto2Error::NotAuthenticated => ErrorCode::AuthFailed,
                Molto2Error::InvalidProfile { .. }
                | Molto2Error::InvalidSeed(_)
                | Molto2Error::InvalidTitle(_)
                | Molto2Error::InvalidConfig(_)
                | Molto2Error::InvalidCustomerKey(_) => ErrorCode::BadInput,
                _ => ErrorCode::DeviceRejected,
            },
            Oath(e) => match e {
                YkoathError::WrongPassword
                | YkoathError::PasswordRequired
                | YkoathError::AuthRequired
                | YkoathError::DeviceResponseMismatch => ErrorCode::AuthFailed,
                YkoathError::InvalidName(_)
                | YkoathError::InvalidDigits(_)
                | YkoathError::InvalidSecret(_)
                | YkoathError::CounterOnTotp => ErrorCode::BadInput,
                YkoathError::AppletNotFound => ErrorCode::UnknownCard,
                YkoathError::TouchTimeout => ErrorCode::TouchTimeout,
                YkoathError::AlreadyExists => ErrorCode::Occupied,
                YkoathError::NoAccessPassword => ErrorCode::NotSupported,
                _ => ErrorCode::DeviceRejected,
            },
        }
    }
}
