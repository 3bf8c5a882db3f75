//! Everything that can go wrong in the bridge, and the API's [`ErrorCode`] of each (which
//! decides the HTTP status and the exit code).

use tokensmith_api::ErrorCode;
use tokensmith_core::caps;
use tokensmith_core::echo::quoted;
use tokensmith_proto::molto2::Molto2Error;
use tokensmith_proto::token2::Token2Error;
use tokensmith_proto::ykoath::YkoathError;
use tokensmith_proto::TransportError;

/// "reader \"NAME\"" for the messages that say where (`NoCard`, `UnknownCard`): the name quoted
/// then cut, since what a user typed can be any length once escaped.
pub fn on_reader(name: &str) -> String {
    format!("reader {}", quoted(name))
}

/// A failure of a bridge operation. Messages never contain a
/// secret, a password or a key.
#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    #[error("PC/SC is not available ({0}): is pcscd running?")]
    PcscUnavailable(String),
    #[error("no smart-card reader found: connect the reader or the token (and check that pcscd sees it)")]
    NoReader,
    #[error("reader {} not found; readers: {available}", quoted(.wanted))]
    ReaderNotFound { wanted: String, available: String },
    #[error("{0}")]
    AmbiguousReader(String),
    #[error("no card on {0}: put the token on the reader or plug it in (a Token2 card or fob: press its button first, then hold it on the reader)")]
    NoCard(String),
    #[error("the card on {0} is not a Token2 token, a Molto2 or an OATH key (choose the kind explicitly if you are sure)")]
    UnknownCard(String),
    #[error("the card was removed or reset during the operation: put it back and check it (info) before doing anything else (a Token2 card or fob: press its button before the tap and hold it still until the bridge is done)")]
    CardRemoved,
    #[error("{0}: another program holds this reader exclusively (e.g. scdaemon: `gpgconf --kill scdaemon`, or Yubico Authenticator): close it and try again; or a card on it stopped answering and the reader still waits for it: take the card off the reader (unplug the key) and put it back")]
    CardBusy(String),
    #[error("reader error: {0}")]
    Reader(String),
    /// The card did not answer a command in time; it may have carried it out.
    #[error("the card gave no answer within {seconds} s (it may have carried out the last command): take it off the reader (unplug the key) and put it back, then check it (info) before anything else")]
    CardTimeout { seconds: u64 },
    /// The user cancelled the operation; `sent`: while a command was waiting for its answer
    /// (the card may have carried it out).
    #[error("{}", if *.sent { "cancelled while waiting for the card's answer (it may have carried out the last command): take it off the reader (unplug the key) and put it back, then check it (info) before anything else" } else { "cancelled before the next command was sent to the card" })]
    Cancelled { sent: bool },
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
    /// The profile or name already holds a credential and overwriting was not asked for;
    /// nothing was written.
    #[error(transparent)]
    Occupied(#[from] Taken),
    #[error("verification failed: the device computed {device} but {expected} was expected; the credential on the device is wrong")]
    VerifyMismatch { device: String, expected: String },
    #[error("not supported: {0}")]
    NotSupported(String),
    /// A Molto2 clock sync: the device refused these profiles (the others were set).
    #[error("the Molto2 refused the clock of profile(s) {0} (the others were set)")]
    ProfilesNotSynced(String),
    #[error("results file: {0}")]
    Results(String),
    /// The command did what it could and work is left (a batch not complete, tokens left out
    /// of an export): the message says what and what to do next.
    #[error("{0}")]
    Incomplete(String),
    #[error(
        "a batch is running on this bridge: stop it (or let it finish) before starting another"
    )]
    BatchRunning,
    #[error("internal error: {0}")]
    Internal(String),
    /// A burn that stopped (or whose outcome could not be journaled) after its intent was
    /// journaled: the cause, and what the journal says the token holds now.
    #[error("{cause}{}", entry.as_deref().map(|e| format!(" — the journal says: {}", crate::journal::describe(e))).unwrap_or_default())]
    Journaled {
        cause: Box<BridgeError>,
        entry: Option<Box<tokensmith_api::JournalEntry>>,
    },
}

/// What is taken, said the way each device means it (both are `ErrorCode::Occupied`).
#[derive(Debug, thiserror::Error)]
pub enum Taken {
    /// A Molto2 profile already holds a seed.
    #[error("Molto2: {0}. Burn into an empty profile (profiles list shows them), delete this one first, or repeat with --overwrite (API: \"overwrite\": true) to replace its seed")]
    Molto2Profile(Molto2Error),
    /// An OATH key already has an account of this name.
    #[error("an account named \"{name}\" already exists on this {model}: nothing was written. {}", replace_advice(*.replaceable))]
    OathName {
        name: String,
        model: caps::Model,
        /// Whether this key replaces an account (a Nitrokey 3 does not).
        replaceable: bool,
    },
}

fn replace_advice(replaceable: bool) -> &'static str {
    if replaceable {
        "To replace it (its old seed is lost for good) burn again with --overwrite (API: \"overwrite\": true)"
    } else {
        "This key cannot replace an account: delete the account first (oath delete), then burn again"
    }
}

fn refusal_text(refusals: &[caps::Refusal]) -> String {
    let all: Vec<String> = refusals.iter().map(ToString::to_string).collect();
    format!("invalid input: {}", all.join(" — "))
}

/// A secret that does not parse, said without any of its characters: the position and the
/// alphabet (core's message may quote the offending character, a hint for the typist in the
/// page; the bridge's answers and output do not).
pub fn secret_refused(e: &tokensmith_core::secret::ParseError) -> BridgeError {
    use tokensmith_core::secret::{Encoding, ParseError};
    BridgeError::BadInput(match e {
        ParseError::InvalidChar {
            position, encoding, ..
        } => {
            let alphabet = match encoding {
                Encoding::Hex => "hex: the digits 0–9 and the letters a–f",
                _ => "base32: the letters A–Z and the digits 2–7",
            };
            format!("secret: an invalid character at position {position} ({alphabet})")
        }
        other => format!("secret: {other}"),
    })
}

fn transport_is_removed(e: &TransportError) -> bool {
    matches!(e, TransportError::NoCard)
}

impl From<Token2Error> for BridgeError {
    fn from(e: Token2Error) -> Self {
        match e {
            Token2Error::Transport(t) => t.into(),
            Token2Error::UnknownModel(serial) => BridgeError::BadInput(format!(
                "serial {serial:?} is not a known programmable Token2 model: nothing was sent \
                 (a failed authentication can lock an old token for good); if you are sure it is \
                 one, repeat with --force-unknown-model (API: \"force_unknown_model\": true)"
            )),
            e => BridgeError::Token2(e),
        }
    }
}

impl From<Molto2Error> for BridgeError {
    fn from(e: Molto2Error) -> Self {
        match e {
            Molto2Error::Transport(t) => t.into(),
            e @ Molto2Error::ProfileOccupied { .. } => Taken::Molto2Profile(e).into(),
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
        match e {
            e if transport_is_removed(&e) => BridgeError::CardRemoved,
            TransportError::NoAnswer { seconds } => BridgeError::CardTimeout { seconds },
            TransportError::Cancelled { sent } => BridgeError::Cancelled { sent },
            e => BridgeError::Reader(e.to_string()),
        }
    }
}

impl BridgeError {
    /// What the journal says about the token a failed burn was writing to.
    pub fn journal_entry(&self) -> Option<&tokensmith_api::JournalEntry> {
        match self {
            BridgeError::Journaled { entry, .. } => entry.as_deref(),
            _ => None,
        }
    }

    /// The error itself, without what the journal adds.
    pub fn cause(&self) -> &BridgeError {
        match self {
            BridgeError::Journaled { cause, .. } => cause.cause(),
            other => other,
        }
    }

    /// The attempts a device has left before it locks, when it said (a Molto2's `63 Cx`).
    pub fn attempts_left(&self) -> Option<u8> {
        match self {
            BridgeError::Molto2(Molto2Error::AuthFailed { attempts_left }) => *attempts_left,
            BridgeError::Journaled { cause, .. } => cause.attempts_left(),
            _ => None,
        }
    }

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
            CardBusy(_) => ErrorCode::CardBusy,
            Reader(_) => ErrorCode::ReaderError,
            CardTimeout { .. } => ErrorCode::CardTimeout,
            Cancelled { .. } => ErrorCode::Cancelled,
            WillClearSeed { .. } => ErrorCode::WillClearSeed,
            Occupied(_) => ErrorCode::Occupied,
            VerifyMismatch { .. } => ErrorCode::VerifyMismatch,
            NotSupported(_) => ErrorCode::NotSupported,
            ProfilesNotSynced(_) => ErrorCode::DeviceRejected,
            Results(_) => ErrorCode::ResultsFile,
            Incomplete(_) => ErrorCode::Incomplete,
            Internal(_) => ErrorCode::Internal,
            BatchRunning => ErrorCode::BatchRunning,
            Journaled { cause, .. } => cause.code(),
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
