//! Device detection and operations over any [`Transport`]: info, burn,
//! clock sync, Molto2 profiles, OATH credentials.
//!
//! Every operation validates its input against the device kind (and, where
//! it can be read, the model) *before* sending anything that changes the
//! device. Authentication is never retried: a failure is returned as is.
//!
//! The same functions back the command line, the HTTP API and `--simulate`;
//! a [`Backend`] hands out transports (PC/SC readers or in-process
//! emulators).

use tokensmith_api::{
    BurnResult, Device, ErrorCode, Info, OathCode, OathCredential, Profile, Reader, SyncResult,
    Verification,
};
use tokensmith_core::otp::{self, Algorithm, OtpParams};
use tokensmith_core::secret::Secret;
use zeroize::Zeroizing;

use crate::molto2::{self, CustomerKey, Molto2Config, Molto2Error, Molto2Model, Molto2Session};
use crate::token2::{self, Token2Config, Token2Error, Token2Session};
use crate::transport::{Transport, TransportError};
use crate::ykoath::{self, CredentialData, OathAlgorithm, OathType, YkoathError, YkoathSession};

pub use tokensmith_api::DeviceKind;

/// What was found on a reader: the API's [`Device`].
pub type Detected = Device;

/// Everything that can go wrong in the bridge. Messages never contain a
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
    #[error("setting the clock of this {model} rewrites its configuration, which CLEARS ITS SEED (the token shows dashes until a seed is burned again); confirm explicitly to go ahead")]
    WillClearSeed { model: String },
    #[error("verification failed: the device computed {device} but {expected} was expected; the credential on the device is wrong")]
    VerifyMismatch { device: String, expected: String },
    #[error("not supported: {0}")]
    NotSupported(String),
    #[error("results file: {0}")]
    Results(String),
    #[error("internal error: {0}")]
    Internal(String),
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
            VerifyMismatch { .. } => ErrorCode::VerifyMismatch,
            NotSupported(_) => ErrorCode::NotSupported,
            Results(_) => ErrorCode::ResultsFile,
            Internal(_) => ErrorCode::Internal,
            BadInput(_) => ErrorCode::BadInput,
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
                | YkoathError::InvalidSecret(_) => ErrorCode::BadInput,
                YkoathError::AppletNotFound => ErrorCode::UnknownCard,
                _ => ErrorCode::DeviceRejected,
            },
        }
    }
}

/// Hands out a transport to a chosen (or the only) card.
pub trait Backend: Send + Sync {
    /// Readers with whether a card is present.
    fn readers(&self) -> Result<Vec<ReaderEntry>, BridgeError>;
    /// Connect to the card on `reader` (exact name, or a unique
    /// case-insensitive substring), or on the only reader holding a card.
    /// Returns the full reader name and the transport.
    fn open(
        &self,
        reader: Option<&str>,
    ) -> Result<(String, Box<dyn Transport + Send>), BridgeError>;
}

/// One reader as the backend sees it.
#[derive(Debug, Clone)]
pub struct ReaderEntry {
    pub name: String,
    pub card_present: bool,
}

/// Pick a reader name: exact match, else a unique case-insensitive
/// substring.
pub fn match_reader(names: &[String], wanted: &str) -> Result<String, BridgeError> {
    if let Some(n) = names.iter().find(|n| n.as_str() == wanted) {
        return Ok(n.clone());
    }
    let w = wanted.to_lowercase();
    let hits: Vec<&String> = names
        .iter()
        .filter(|n| n.to_lowercase().contains(&w))
        .collect();
    match hits.len() {
        1 => Ok(hits[0].clone()),
        0 => Err(BridgeError::ReaderNotFound {
            wanted: wanted.to_string(),
            available: if names.is_empty() {
                "none".into()
            } else {
                names.join(", ")
            },
        }),
        _ => Err(BridgeError::AmbiguousReader(format!(
            "{wanted:?} matches several readers ({}): give the full name",
            hits.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The one reader-selection policy of every backend: the reader named (exact name, else a
/// unique case-insensitive part of one), else the only reader holding a card. Several cards
/// and no name is refused: guessing could write to the wrong token.
pub fn select_reader(readers: &[ReaderEntry], wanted: Option<&str>) -> Result<String, BridgeError> {
    let names: Vec<String> = readers.iter().map(|r| r.name.clone()).collect();
    if names.is_empty() {
        return Err(BridgeError::NoReader);
    }
    if let Some(w) = wanted {
        return match_reader(&names, w);
    }
    let with_card: Vec<&str> = readers
        .iter()
        .filter(|r| r.card_present)
        .map(|r| r.name.as_str())
        .collect();
    match with_card.as_slice() {
        [one] => Ok(one.to_string()),
        [] => Err(BridgeError::NoCard(format!(
            "any reader ({})",
            names.join(", ")
        ))),
        several => Err(BridgeError::AmbiguousReader(format!(
            "cards on several readers ({}): choose one (--reader, or \"reader\" in the API)",
            several.join(", ")
        ))),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Detect the device: a reader whose name contains `Molto2` holds a Molto2;
/// otherwise a Token2 get-info answer means a single-profile Token2 (model by
/// serial prefix); otherwise a successful SELECT of the OATH applet means an
/// OATH key. `forced` skips the guessing (but still reads the device).
pub fn detect(
    t: &mut dyn Transport,
    reader: &str,
    forced: Option<DeviceKind>,
) -> Result<Detected, BridgeError> {
    let guess = forced.or_else(|| reader.contains("Molto2").then_some(DeviceKind::Molto2));
    match guess {
        Some(DeviceKind::Token2) => detect_token2(t, reader),
        Some(DeviceKind::Molto2) => detect_molto2(t, reader),
        Some(DeviceKind::Oath) => detect_oath(t, reader),
        None => match detect_token2(t, reader) {
            Ok(d) => Ok(d),
            Err(BridgeError::CardRemoved) => Err(BridgeError::CardRemoved),
            Err(BridgeError::Reader(e)) => Err(BridgeError::Reader(e)),
            Err(_) => match detect_oath(t, reader) {
                Ok(d) => Ok(d),
                Err(BridgeError::CardRemoved) => Err(BridgeError::CardRemoved),
                Err(BridgeError::Reader(e)) => Err(BridgeError::Reader(e)),
                Err(_) => Err(BridgeError::UnknownCard(reader.to_string())),
            },
        },
    }
}

fn detect_token2(t: &mut dyn Transport, reader: &str) -> Result<Detected, BridgeError> {
    let info = Token2Session::new(&mut *t).info()?;
    let model = info.model();
    Ok(Detected {
        kind: DeviceKind::Token2,
        reader: reader.to_string(),
        model: model.map_or_else(
            || "unknown Token2 model".to_string(),
            |m| m.name().to_string(),
        ),
        known_model: model.is_some(),
        serial: info.serial,
        token_time: Some(i64::from(info.utc)),
        profiles: None,
        oath_version: None,
        password_set: None,
    })
}

fn molto2_model(t: &mut dyn Transport) -> Result<Molto2Model, BridgeError> {
    // Profile 99 exists only on the Molto2v2; reading public data needs no
    // authentication.
    let mut s = Molto2Session::new(&mut *t, &CustomerKey::default(), Molto2Model::V2);
    match s.profile(Molto2Model::V2.max_profile()) {
        Ok(_) => Ok(Molto2Model::V2),
        Err(Molto2Error::IncorrectP1P2) => Ok(Molto2Model::V1),
        Err(e) => Err(e.into()),
    }
}

fn detect_molto2(t: &mut dyn Transport, reader: &str) -> Result<Detected, BridgeError> {
    let info = Molto2Session::new(&mut *t, &CustomerKey::default(), Molto2Model::V2).info()?;
    let model = molto2_model(t)?;
    Ok(Detected {
        kind: DeviceKind::Molto2,
        reader: reader.to_string(),
        serial: info.serial,
        model: match model {
            Molto2Model::V1 => "Molto2".into(),
            Molto2Model::V2 => "Molto2v2".into(),
        },
        known_model: true,
        token_time: Some(i64::from(info.utc)),
        profiles: Some(model.profile_count()),
        oath_version: None,
        password_set: None,
    })
}

fn detect_oath(t: &mut dyn Transport, reader: &str) -> Result<Detected, BridgeError> {
    let sel = YkoathSession::new(&mut *t).select()?;
    Ok(Detected {
        kind: DeviceKind::Oath,
        reader: reader.to_string(),
        serial: hex(&sel.salt),
        model: format!("OATH applet {}", sel.version_string()),
        known_model: true,
        token_time: None,
        profiles: None,
        oath_version: Some(sel.version_string()),
        password_set: Some(sel.password_set()),
    })
}

/// Credentials for authenticated devices. Never logged.
#[derive(Default, Clone)]
pub struct Credentials {
    /// Molto2 customer key (factory default when `None`).
    pub customer_key: Option<CustomerKey>,
    /// OATH access password.
    pub oath_password: Option<tokensmith_api::SecretString>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(<redacted>)")
    }
}

impl Credentials {
    fn customer_key(&self) -> CustomerKey {
        self.customer_key.clone().unwrap_or_default()
    }
    fn password(&self) -> Option<&str> {
        self.oath_password.as_ref().map(|p| p.as_str())
    }
}

pub fn info(d: &Detected, host_time: i64) -> Info {
    Info {
        drift_seconds: d.token_time.map(|t| t - host_time),
        sync_clears_seed: (d.kind == DeviceKind::Token2)
            .then(|| token2::config_write_clears_seed(&d.serial)),
        device: d.clone(),
        host_time,
    }
}

/// Burn parameters as given by the user (CLI flags or API JSON). `None`
/// means "the default for this kind of device".
#[derive(Debug, Clone, Default)]
pub struct BurnParams {
    pub algorithm: Option<Algorithm>,
    pub digits: Option<u8>,
    pub period: Option<u32>,
    /// Seconds: 15, 30, 60, 120 (Token2 and Molto2 only).
    pub display_timeout: Option<u32>,
    /// Molto2 profile (0–49 / 0–99).
    pub profile: Option<u8>,
    /// Molto2 title (at most 12 bytes).
    pub title: Option<String>,
    /// OATH account name (required for OATH).
    pub account: Option<String>,
    /// OATH issuer.
    pub issuer: Option<String>,
    /// OATH: require touch.
    pub touch: bool,
    /// Token2: burn even if the serial prefix is not a known model.
    pub force_unknown_model: bool,
}

impl From<&tokensmith_api::BurnRequest> for BurnParams {
    fn from(r: &tokensmith_api::BurnRequest) -> Self {
        BurnParams {
            algorithm: r.algorithm,
            digits: r.digits,
            period: r.period,
            display_timeout: r.display_timeout,
            profile: r.profile,
            title: r.title.clone(),
            account: r.account.clone(),
            issuer: r.issuer.clone(),
            touch: r.touch,
            force_unknown_model: r.force_unknown_model,
        }
    }
}

/// A burn validated against the device kind: nothing invalid reaches a device.
#[derive(Debug, Clone)]
pub enum BurnPlan {
    Token2 {
        algorithm: token2::Algorithm,
        step: token2::TimeStep,
        display: token2::DisplayTimeout,
        force_unknown_model: bool,
    },
    Molto2 {
        profile: u8,
        algorithm: String,
        digits: u8,
        period: u32,
        display: u32,
        title: Option<String>,
    },
    Oath {
        name: String,
        algorithm: OathAlgorithm,
        digits: u8,
        period: u32,
        touch: bool,
    },
}

impl BurnPlan {
    pub fn params(&self) -> OtpParams {
        match self {
            BurnPlan::Token2 {
                algorithm, step, ..
            } => OtpParams {
                algorithm: match algorithm {
                    token2::Algorithm::Sha1 => Algorithm::Sha1,
                    token2::Algorithm::Sha256 => Algorithm::Sha256,
                },
                digits: 6,
                period: step.seconds(),
            },
            BurnPlan::Molto2 {
                algorithm,
                digits,
                period,
                ..
            } => OtpParams {
                algorithm: algorithm.parse().unwrap_or_default(),
                digits: *digits,
                period: *period,
            },
            BurnPlan::Oath {
                algorithm,
                digits,
                period,
                ..
            } => OtpParams {
                algorithm: match algorithm {
                    OathAlgorithm::Sha1 => Algorithm::Sha1,
                    OathAlgorithm::Sha256 => Algorithm::Sha256,
                    OathAlgorithm::Sha512 => Algorithm::Sha512,
                },
                digits: *digits,
                period: *period,
            },
        }
    }
}

/// Validate a burn for a device kind (and the Molto2 profile count when
/// known). Sends nothing.
pub fn plan_burn(
    kind: DeviceKind,
    p: &BurnParams,
    secret: &Secret,
    molto2_profiles: Option<u8>,
) -> Result<BurnPlan, BridgeError> {
    let bad = |m: String| Err(BridgeError::BadInput(m));
    let alg = p.algorithm.unwrap_or_default();
    let period = p.period.unwrap_or(30);
    match kind {
        DeviceKind::Token2 | DeviceKind::Molto2 => {
            if secret.len() > token2::MAX_SEED_LEN {
                return bad(format!(
                    "the secret is {} bytes; Token2 devices take at most {} bytes",
                    secret.len(),
                    token2::MAX_SEED_LEN
                ));
            }
            if alg == Algorithm::Sha512 {
                return bad("Token2 devices support SHA1 and SHA256 only (no SHA512)".into());
            }
            if !matches!(period, 30 | 60) {
                return bad(format!(
                    "period {period} s: Token2 devices support 30 or 60"
                ));
            }
            let display = p.display_timeout.unwrap_or(30);
            if !matches!(display, 15 | 30 | 60 | 120) {
                return bad(format!(
                    "display timeout {display} s: allowed 15, 30, 60, 120"
                ));
            }
            if p.account.is_some() || p.issuer.is_some() || p.touch {
                return bad("account/issuer/touch apply to OATH keys only".into());
            }
            if kind == DeviceKind::Token2 {
                if let Some(d) = p.digits.filter(|&d| d != 6) {
                    return bad(format!(
                        "{d} digits: single-profile Token2 tokens always show 6 digits"
                    ));
                }
                if p.profile.is_some() || p.title.is_some() {
                    return bad("profile/title apply to the Molto2 only".into());
                }
                Ok(BurnPlan::Token2 {
                    algorithm: if alg == Algorithm::Sha256 {
                        token2::Algorithm::Sha256
                    } else {
                        token2::Algorithm::Sha1
                    },
                    step: token2::TimeStep::from_seconds(period).expect("checked"),
                    display: token2::DisplayTimeout::from_seconds(display).expect("checked"),
                    force_unknown_model: p.force_unknown_model,
                })
            } else {
                let digits = p.digits.unwrap_or(6);
                if !matches!(digits, 4 | 6 | 8 | 10) {
                    return bad(format!("{digits} digits: the Molto2 shows 4, 6, 8 or 10"));
                }
                let profile = p.profile.ok_or_else(|| {
                    BridgeError::BadInput("the Molto2 needs a profile number".into())
                })?;
                let count = molto2_profiles.unwrap_or(100);
                if profile >= count {
                    return bad(format!(
                        "profile {profile}: this Molto2 has profiles 0–{}",
                        count - 1
                    ));
                }
                if let Some(t) = &p.title {
                    if t.len() > molto2::MAX_TITLE_LEN {
                        return bad(format!(
                            "title of {} bytes: at most {}",
                            t.len(),
                            molto2::MAX_TITLE_LEN
                        ));
                    }
                }
                Ok(BurnPlan::Molto2 {
                    profile,
                    algorithm: alg.as_str().to_string(),
                    digits,
                    period,
                    display,
                    title: p.title.clone(),
                })
            }
        }
        DeviceKind::Oath => {
            let digits = p.digits.unwrap_or(6);
            if !(6..=8).contains(&digits) {
                return bad(format!("{digits} digits: OATH keys take 6, 7 or 8"));
            }
            if period == 0 {
                return bad("period 0".into());
            }
            if p.display_timeout.is_some() || p.profile.is_some() || p.title.is_some() {
                return bad(
                    "display timeout/profile/title do not apply to OATH keys (no display)".into(),
                );
            }
            let account = p
                .account
                .as_deref()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| BridgeError::BadInput("OATH needs an account name".into()))?;
            let name =
                ykoath::credential_name(OathType::Totp, period, p.issuer.as_deref(), account)?;
            Ok(BurnPlan::Oath {
                name,
                algorithm: match alg {
                    Algorithm::Sha1 => OathAlgorithm::Sha1,
                    Algorithm::Sha256 => OathAlgorithm::Sha256,
                    Algorithm::Sha512 => OathAlgorithm::Sha512,
                },
                digits,
                period,
                touch: p.touch,
            })
        }
    }
}

fn expected_codes(
    secret: &Secret,
    params: &OtpParams,
    now: i64,
) -> Result<Verification, BridgeError> {
    let code = |t| {
        otp::totp(secret.as_bytes(), params, t).map_err(|e| BridgeError::BadInput(e.to_string()))
    };
    let remaining = otp::seconds_remaining(now, params.period);
    Ok(Verification::CompareWithDisplay {
        expected_code: code(now)?,
        next_code: code(now + i64::from(remaining))?,
        valid_for_seconds: remaining,
    })
}

fn utc_u32(now: i64) -> Result<u32, BridgeError> {
    u32::try_from(now)
        .map_err(|_| BridgeError::BadInput(format!("host clock {now} outside the token's range")))
}

/// Burn a validated plan onto the detected device. `now` is the host clock
/// (UTC seconds), written to Token2/Molto2 clocks and used for codes.
pub fn burn(
    t: &mut dyn Transport,
    d: &Detected,
    plan: &BurnPlan,
    secret: &Secret,
    creds: &Credentials,
    now: i64,
) -> Result<BurnResult, BridgeError> {
    let params = plan.params();
    let mut warnings = Vec::new();
    let mut out = BurnResult {
        kind: d.kind,
        reader: d.reader.clone(),
        serial: d.serial.clone(),
        model: d.model.clone(),
        profile: None,
        name: None,
        algorithm: params.algorithm,
        digits: params.digits,
        period: params.period,
        display_timeout: None,
        burned_at: now,
        verification: Verification::NotChecked {
            reason: "not verified".into(),
        },
        warnings: Vec::new(),
        recorded: false,
    };
    match (plan, d.kind) {
        (
            BurnPlan::Token2 {
                algorithm,
                step,
                display,
                force_unknown_model,
            },
            DeviceKind::Token2,
        ) => {
            let config = Token2Config {
                display: *display,
                utc: utc_u32(now)?,
                algorithm: *algorithm,
                step: *step,
            };
            if !d.known_model && !*force_unknown_model {
                return Err(Token2Error::UnknownModel(d.serial.clone()).into());
            }
            if !d.known_model {
                warnings.push("unknown model burned because it was forced".into());
            }
            // The serial was read on this same exclusive connection: a card
            // swapped since would have failed with "card removed".
            let mut s = Token2Session::new(&mut *t);
            s.burn(secret.as_bytes(), &config)?;
            // The clock written with the config is read back as a sanity check.
            let after = s.info()?;
            if (i64::from(after.utc) - now).abs() > 5 {
                warnings.push(format!(
                    "the token's clock reads {} after the burn, {} s from the host clock",
                    after.utc,
                    i64::from(after.utc) - now
                ));
            }
            out.display_timeout = Some(display.seconds());
            out.verification = expected_codes(secret, &params, now)?;
        }
        (
            BurnPlan::Molto2 {
                profile,
                algorithm,
                digits,
                period,
                display,
                title,
            },
            DeviceKind::Molto2,
        ) => {
            let model = if d.profiles == Some(50) {
                Molto2Model::V1
            } else {
                Molto2Model::V2
            };
            let config =
                Molto2Config::from_values(*display, now, algorithm, u32::from(*digits), *period)?;
            let mut s = Molto2Session::new(&mut *t, &creds.customer_key(), model);
            s.burn_profile(*profile, secret.as_bytes(), &config, title.as_deref())?;
            // Read the public data back: config and "seed present".
            let p = s.profile(*profile)?;
            let want_alg = if algorithm == "SHA256" { 2 } else { 1 };
            if !p.seed_present
                || p.algorithm != want_alg
                || p.digits != *digits
                || u32::from(p.step) != *period
            {
                return Err(BridgeError::Molto2(Molto2Error::MalformedReply(format!(
                    "profile {profile} reads back algorithm {} / {} digits / {} s / seed present {} after the burn",
                    p.algorithm, p.digits, p.step, p.seed_present
                ))));
            }
            out.profile = Some(*profile);
            out.display_timeout = Some(*display);
            out.name = title.clone();
            out.verification = expected_codes(secret, &params, now)?;
        }
        (
            BurnPlan::Oath {
                name,
                algorithm,
                digits,
                period: _,
                touch,
            },
            DeviceKind::Oath,
        ) => {
            let mut s = YkoathSession::new(&mut *t);
            s.open(creds.password())?;
            let cred = CredentialData {
                name: name.clone(),
                oath_type: OathType::Totp,
                algorithm: *algorithm,
                digits: *digits,
                secret: Zeroizing::new(secret.as_bytes().to_vec()),
                touch: *touch,
                counter: None,
            };
            s.put(&cred)?;
            out.name = Some(name.clone());
            let now_u = u64::try_from(now)
                .map_err(|_| BridgeError::BadInput("clock before 1970".into()))?;
            if *touch {
                out.verification = Verification::NotChecked {
                    reason: "touch required: calculate a code (oath code) to check".into(),
                };
            } else {
                let code = s.calculate_totp(name, now_u)?.to_string();
                let expected = otp::totp(secret.as_bytes(), &params, now)
                    .map_err(|e| BridgeError::BadInput(e.to_string()))?;
                if code != expected {
                    return Err(BridgeError::VerifyMismatch {
                        device: code,
                        expected,
                    });
                }
                out.verification = Verification::DeviceCalculated {
                    code,
                    matches: true,
                };
            }
        }
        _ => {
            return Err(BridgeError::BadInput(format!(
                "the plan does not match the device ({})",
                d.kind.as_str()
            )))
        }
    }
    out.warnings = warnings;
    Ok(out)
}

/// Clock sync parameters. Token2 single-profile tokens have no time-only
/// command: the whole config is rewritten, so the algorithm, period and
/// display timeout must be given (they must match the seed on the token).
#[derive(Debug, Clone, Default)]
pub struct SyncParams {
    pub algorithm: Option<Algorithm>,
    pub period: Option<u32>,
    pub display_timeout: Option<u32>,
    /// Required on models where a config write clears the seed.
    pub confirm_clear_seed: bool,
}

impl From<&tokensmith_api::SyncRequest> for SyncParams {
    fn from(r: &tokensmith_api::SyncRequest) -> Self {
        SyncParams {
            algorithm: r.algorithm,
            period: r.period,
            display_timeout: r.display_timeout,
            confirm_clear_seed: r.confirm_clear_seed,
        }
    }
}

pub fn sync_time(
    t: &mut dyn Transport,
    d: &Detected,
    p: &SyncParams,
    creds: &Credentials,
    now: i64,
) -> Result<SyncResult, BridgeError> {
    let utc = utc_u32(now)?;
    let mut out = SyncResult {
        kind: d.kind,
        serial: d.serial.clone(),
        model: d.model.clone(),
        previous_token_time: d.token_time,
        new_token_time: i64::from(utc),
        seed_cleared: false,
        warnings: Vec::new(),
    };
    match d.kind {
        DeviceKind::Token2 => {
            let config = Token2Config::from_values(
                p.display_timeout.unwrap_or(30),
                now,
                p.algorithm.unwrap_or_default().as_str(),
                p.period.unwrap_or(30),
            )?;
            let clears = token2::config_write_clears_seed(&d.serial);
            if clears && !p.confirm_clear_seed {
                return Err(BridgeError::WillClearSeed {
                    model: d.model.clone(),
                });
            }
            let mut s = Token2Session::new(&mut *t);
            s.authenticate()?;
            s.write_config(&config)?;
            out.seed_cleared = clears;
            out.warnings.push(format!(
                "the configuration was rewritten: {:?}, {} s period, {} s display; it must match the seed's parameters",
                config.algorithm,
                config.step.seconds(),
                config.display.seconds()
            ));
            if clears {
                out.warnings
                    .push("the seed was cleared: burn the token again".into());
            }
        }
        DeviceKind::Molto2 => {
            if p.algorithm.is_some() || p.period.is_some() || p.display_timeout.is_some() {
                return Err(BridgeError::BadInput(
                    "a Molto2 clock sync changes only the clock: leave out algorithm/period/display".into(),
                ));
            }
            let model = if d.profiles == Some(50) {
                Molto2Model::V1
            } else {
                Molto2Model::V2
            };
            Molto2Session::new(&mut *t, &creds.customer_key(), model).sync_all(utc)?;
        }
        DeviceKind::Oath => {
            return Err(BridgeError::NotSupported(
                "OATH keys have no clock: the host sends the time with every code".into(),
            ))
        }
    }
    Ok(out)
}

fn molto2_session<'a>(
    t: &'a mut dyn Transport,
    d: &Detected,
    creds: &Credentials,
) -> Result<Molto2Session<&'a mut dyn Transport>, BridgeError> {
    if d.kind != DeviceKind::Molto2 {
        return Err(BridgeError::NotSupported(format!(
            "profiles exist on the Molto2 only, this is a {}",
            d.kind.as_str()
        )));
    }
    let model = if d.profiles == Some(50) {
        Molto2Model::V1
    } else {
        Molto2Model::V2
    };
    Ok(Molto2Session::new(t, &creds.customer_key(), model))
}

pub fn profiles_list(t: &mut dyn Transport, d: &Detected) -> Result<Vec<Profile>, BridgeError> {
    let mut s = molto2_session(t, d, &Credentials::default())?;
    Ok(s.list_profiles()?
        .into_iter()
        .map(|(n, p)| Profile {
            profile: n,
            title: p.title(),
            configured: p.configured(),
            seed_present: p.seed_present,
            algorithm: match p.algorithm {
                1 => Some(Algorithm::Sha1),
                2 => Some(Algorithm::Sha256),
                _ => None,
            },
            digits: (p.digits != 0).then_some(p.digits),
            period: (p.step != 0).then_some(u32::from(p.step)),
            token_time: i64::from(p.rtc),
        })
        .collect())
}

fn check_profile(d: &Detected, profile: u8) -> Result<(), BridgeError> {
    let count = d.profiles.unwrap_or(100);
    if profile >= count {
        return Err(BridgeError::BadInput(format!(
            "profile {profile}: this Molto2 has profiles 0–{}",
            count - 1
        )));
    }
    Ok(())
}

pub fn profile_title(
    t: &mut dyn Transport,
    d: &Detected,
    creds: &Credentials,
    profile: u8,
    title: &str,
) -> Result<(), BridgeError> {
    check_profile(d, profile)?;
    if title.len() > molto2::MAX_TITLE_LEN {
        return Err(BridgeError::BadInput(format!(
            "title of {} bytes: at most {}",
            title.len(),
            molto2::MAX_TITLE_LEN
        )));
    }
    let mut s = molto2_session(t, d, creds)?;
    s.authenticate()?;
    s.write_title(profile, title)?;
    Ok(())
}

pub fn profile_delete(
    t: &mut dyn Transport,
    d: &Detected,
    creds: &Credentials,
    profile: u8,
) -> Result<(), BridgeError> {
    check_profile(d, profile)?;
    molto2_session(t, d, creds)?.delete(profile)?;
    Ok(())
}

fn oath_session<'a>(
    t: &'a mut dyn Transport,
    d: &Detected,
    creds: &Credentials,
) -> Result<YkoathSession<&'a mut dyn Transport>, BridgeError> {
    if d.kind != DeviceKind::Oath {
        return Err(BridgeError::NotSupported(format!(
            "this is a {}, not an OATH key",
            d.kind.as_str()
        )));
    }
    let mut s = YkoathSession::new(t);
    s.open(creds.password())?;
    Ok(s)
}

pub fn oath_list(
    t: &mut dyn Transport,
    d: &Detected,
    creds: &Credentials,
) -> Result<Vec<OathCredential>, BridgeError> {
    let mut s = oath_session(t, d, creds)?;
    Ok(s.list()?
        .into_iter()
        .map(|e| {
            let (period, issuer, account) = ykoath::parse_credential_name(e.oath_type, &e.name);
            OathCredential {
                oath_type: match e.oath_type {
                    OathType::Hotp => tokensmith_api::OathType::Hotp,
                    OathType::Totp => tokensmith_api::OathType::Totp,
                },
                algorithm: e.algorithm.hash(),
                period,
                issuer,
                account,
                name: e.name,
            }
        })
        .collect())
}

pub fn oath_delete(
    t: &mut dyn Transport,
    d: &Detected,
    creds: &Credentials,
    name: &str,
) -> Result<(), BridgeError> {
    if name.is_empty() || name.len() > ykoath::MAX_NAME_LEN {
        return Err(BridgeError::BadInput(format!(
            "credential name of {} bytes (1–{})",
            name.len(),
            ykoath::MAX_NAME_LEN
        )));
    }
    oath_session(t, d, creds)?.delete(name)?;
    Ok(())
}

pub fn oath_code(
    t: &mut dyn Transport,
    d: &Detected,
    creds: &Credentials,
    name: &str,
    now: i64,
) -> Result<OathCode, BridgeError> {
    let mut s = oath_session(t, d, creds)?;
    let entry = s
        .list()?
        .into_iter()
        .find(|e| e.name == name)
        .ok_or(BridgeError::Oath(YkoathError::NoSuchCredential))?;
    let now_u =
        u64::try_from(now).map_err(|_| BridgeError::BadInput("clock before 1970".into()))?;
    let (code, valid) = match entry.oath_type {
        OathType::Totp => {
            let (period, _, _) = ykoath::parse_credential_name(OathType::Totp, name);
            (
                s.calculate_totp(name, now_u)?,
                Some(otp::seconds_remaining(now, period)),
            )
        }
        OathType::Hotp => (s.calculate(name, None)?, None),
    };
    Ok(OathCode {
        name: name.to_string(),
        code: code.to_string(),
        valid_for_seconds: valid,
    })
}

/// Host clock, UTC seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Open the target card and detect it.
pub fn open_detect(
    backend: &dyn Backend,
    reader: Option<&str>,
    kind: Option<DeviceKind>,
) -> Result<(Box<dyn Transport + Send>, Detected), BridgeError> {
    let (name, mut t) = backend.open(reader)?;
    let d = detect(&mut *t, &name, kind)?;
    Ok((t, d))
}

/// Readers with what is on them (detection errors are reported per reader).
pub fn list(backend: &dyn Backend) -> Result<Vec<Reader>, BridgeError> {
    let readers = backend.readers()?;
    let mut out = Vec::new();
    for r in readers {
        let mut rep = Reader {
            name: r.name.clone(),
            card_present: r.card_present,
            device: None,
            error: None,
        };
        if r.card_present {
            match backend
                .open(Some(&r.name))
                .and_then(|(n, mut t)| detect(&mut *t, &n, None))
            {
                Ok(d) => rep.device = Some(d),
                Err(e) => rep.error = Some(e.to_string()),
            }
        }
        out.push(rep);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> Secret {
        Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap()
    }

    #[test]
    fn token2_validation() {
        let s = secret();
        let mut p = BurnParams::default();
        assert!(matches!(
            plan_burn(DeviceKind::Token2, &p, &s, None),
            Ok(BurnPlan::Token2 { .. })
        ));
        p.digits = Some(8);
        assert!(plan_burn(DeviceKind::Token2, &p, &s, None).is_err());
        p.digits = None;
        p.algorithm = Some(Algorithm::Sha512);
        assert!(plan_burn(DeviceKind::Token2, &p, &s, None).is_err());
        p.algorithm = Some(Algorithm::Sha256);
        p.period = Some(45);
        assert!(plan_burn(DeviceKind::Token2, &p, &s, None).is_err());
        p.period = Some(60);
        p.display_timeout = Some(45);
        assert!(plan_burn(DeviceKind::Token2, &p, &s, None).is_err());
        p.display_timeout = Some(120);
        let plan = plan_burn(DeviceKind::Token2, &p, &s, None).unwrap();
        assert_eq!(plan.params().period, 60);
        assert_eq!(plan.params().algorithm, Algorithm::Sha256);
        p.profile = Some(1);
        assert!(plan_burn(DeviceKind::Token2, &p, &s, None).is_err());
        let long = Secret::from_bytes(vec![1; 64]).unwrap();
        assert!(plan_burn(DeviceKind::Token2, &BurnParams::default(), &long, None).is_err());
    }

    #[test]
    fn molto2_and_oath_validation() {
        let s = secret();
        let mut p = BurnParams {
            profile: Some(49),
            digits: Some(8),
            title: Some("GitHub".into()),
            ..Default::default()
        };
        assert!(plan_burn(DeviceKind::Molto2, &p, &s, Some(50)).is_ok());
        p.profile = Some(50);
        assert!(plan_burn(DeviceKind::Molto2, &p, &s, Some(50)).is_err());
        assert!(plan_burn(DeviceKind::Molto2, &p, &s, Some(100)).is_ok());
        p.digits = Some(7);
        assert!(plan_burn(DeviceKind::Molto2, &p, &s, None).is_err());
        p.digits = Some(6);
        p.title = Some("thirteen byte".into());
        assert!(plan_burn(DeviceKind::Molto2, &p, &s, None).is_err());
        p.title = None;
        p.profile = None;
        assert!(plan_burn(DeviceKind::Molto2, &p, &s, None).is_err());

        let mut o = BurnParams {
            account: Some("alice".into()),
            issuer: Some("Example".into()),
            algorithm: Some(Algorithm::Sha512),
            digits: Some(8),
            period: Some(60),
            ..Default::default()
        };
        match plan_burn(DeviceKind::Oath, &o, &s, None).unwrap() {
            BurnPlan::Oath { name, .. } => assert_eq!(name, "60/Example:alice"),
            _ => panic!(),
        }
        o.display_timeout = Some(30);
        assert!(plan_burn(DeviceKind::Oath, &o, &s, None).is_err());
        o.display_timeout = None;
        o.digits = Some(9);
        assert!(plan_burn(DeviceKind::Oath, &o, &s, None).is_err());
        o.digits = Some(6);
        o.account = None;
        assert!(plan_burn(DeviceKind::Oath, &o, &s, None).is_err());
    }

    #[test]
    fn classes_and_exit_codes() {
        assert_eq!(BridgeError::NoReader.code().exit_code(), 3);
        assert_eq!(
            BridgeError::from(Token2Error::AuthFailed)
                .code()
                .exit_code(),
            4
        );
        assert_eq!(
            BridgeError::from(Token2Error::AuthFailed).code(),
            ErrorCode::AuthFailed
        );
        assert_eq!(
            BridgeError::from(Molto2Error::AuthFailed { attempts_left: 2 }).code(),
            ErrorCode::AuthFailed
        );
        assert_eq!(
            BridgeError::from(Token2Error::Transport(TransportError::NoCard)).code(),
            ErrorCode::CardRemoved
        );
        assert_eq!(BridgeError::BadInput("x".into()).code().exit_code(), 2);
        assert_eq!(
            BridgeError::from(Token2Error::BadData).code().exit_code(),
            5
        );
    }

    use crate::emulator::{Card, EmulatedTransport, Token2Card, YkoathCard};

    fn t2(model: token2::Model) -> (EmulatedTransport<Token2Card>, Detected) {
        let mut t = EmulatedTransport::new(Token2Card::of_model(model));
        let d = detect(&mut t, "test reader", None).unwrap();
        assert_eq!(d.kind, DeviceKind::Token2);
        (t, d)
    }

    #[test]
    fn token2_auth_failure_is_not_retried() {
        let (mut t, d) = t2(token2::Model::C302I);
        t.card_mut()
            .set_device_key(crate::crypto::Sm4Key::new([7; 16]));
        let s = secret();
        let plan = plan_burn(d.kind, &BurnParams::default(), &s, None).unwrap();
        let e = burn(
            &mut t,
            &d,
            &plan,
            &s,
            &Credentials::default(),
            1_700_000_000,
        )
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::AuthFailed, "{e}");
        assert_eq!(e.code().exit_code(), 4);
        assert_eq!(t.count_ins(token2::INS_AUTHENTICATE), 1);
        assert_eq!(t.count_ins(token2::INS_WRITE_CONFIG), 0);
        assert_eq!(t.card().stored_seed(), None);
    }

    #[test]
    fn card_removed_mid_way() {
        let (mut t, d) = t2(token2::Model::C302I);
        t.remove_card();
        let s = secret();
        let plan = plan_burn(d.kind, &BurnParams::default(), &s, None).unwrap();
        let e = burn(
            &mut t,
            &d,
            &plan,
            &s,
            &Credentials::default(),
            1_700_000_000,
        )
        .unwrap_err();
        assert!(matches!(e, BridgeError::CardRemoved), "{e}");
        assert_eq!(e.code(), ErrorCode::CardRemoved);
        assert_eq!(e.code().exit_code(), 3);
    }

    #[test]
    fn sync_warns_before_clearing_the_seed() {
        let (mut t, d) = t2(token2::Model::OtpcP2I);
        t.card_mut().set_seed(Some(b"keep me"));
        t.clear_log();
        let e = sync_time(
            &mut t,
            &d,
            &SyncParams::default(),
            &Credentials::default(),
            1_700_000_000,
        )
        .unwrap_err();
        assert!(matches!(e, BridgeError::WillClearSeed { .. }), "{e}");
        assert!(t.log().is_empty(), "nothing may be sent");
        let p = SyncParams {
            confirm_clear_seed: true,
            ..Default::default()
        };
        let out = sync_time(&mut t, &d, &p, &Credentials::default(), 1_700_000_000).unwrap();
        assert!(out.seed_cleared);
        assert_eq!(t.card().clock(), 1_700_000_000);
        // A model that keeps its seed needs no confirmation.
        let (mut t, d) = t2(token2::Model::MiniOtp2I);
        t.card_mut().set_seed(Some(b"keep me"));
        let out = sync_time(
            &mut t,
            &d,
            &SyncParams::default(),
            &Credentials::default(),
            1_700_000_000,
        )
        .unwrap();
        assert!(!out.seed_cleared);
        assert_eq!(t.card().stored_seed(), Some(&b"keep me"[..]));
    }

    #[test]
    fn unknown_token2_model_needs_force() {
        let mut t = EmulatedTransport::new(Token2Card::new("1234567000001"));
        let d = detect(&mut t, "r", None).unwrap();
        assert!(!d.known_model);
        let s = secret();
        let mut p = BurnParams::default();
        let plan = plan_burn(d.kind, &p, &s, None).unwrap();
        let e = burn(
            &mut t,
            &d,
            &plan,
            &s,
            &Credentials::default(),
            1_700_000_000,
        )
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::BadInput, "{e}");
        assert_eq!(t.count_ins(token2::INS_AUTHENTICATE), 0);
        p.force_unknown_model = true;
        let plan = plan_burn(d.kind, &p, &s, None).unwrap();
        let out = burn(
            &mut t,
            &d,
            &plan,
            &s,
            &Credentials::default(),
            1_700_000_000,
        )
        .unwrap();
        assert!(!out.warnings.is_empty());
        assert_eq!(t.card().stored_seed(), Some(s.as_bytes()));
    }

    /// An OATH key whose CALCULATE answers are wrong.
    struct Liar(YkoathCard);
    impl Card for Liar {
        fn atr(&self) -> Vec<u8> {
            self.0.atr()
        }
        fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
            let mut r = self.0.process(apdu);
            if apdu.get(1) == Some(&ykoath::INS_CALCULATE) && r.len() > 3 {
                let i = r.len() - 3;
                r[i] ^= 0x55;
            }
            r
        }
    }

    #[test]
    fn oath_verification_mismatch_is_an_error() {
        let mut t = EmulatedTransport::new(Liar(YkoathCard::new()));
        let d = detect(&mut t, "r", None).unwrap();
        assert_eq!(d.kind, DeviceKind::Oath);
        let s = secret();
        let p = BurnParams {
            account: Some("a".into()),
            ..Default::default()
        };
        let plan = plan_burn(d.kind, &p, &s, None).unwrap();
        let e = burn(
            &mut t,
            &d,
            &plan,
            &s,
            &Credentials::default(),
            1_700_000_000,
        )
        .unwrap_err();
        assert!(matches!(e, BridgeError::VerifyMismatch { .. }), "{e}");
        assert_eq!(e.code().exit_code(), 5);
    }

    #[test]
    fn unknown_card() {
        struct Stranger;
        impl Card for Stranger {
            fn atr(&self) -> Vec<u8> {
                vec![0x3B, 0]
            }
            fn process(&mut self, _: &[u8]) -> Vec<u8> {
                vec![0x6E, 0x00]
            }
        }
        let mut t = EmulatedTransport::new(Stranger);
        let e = detect(&mut t, "r", None).unwrap_err();
        assert_eq!(e.code(), ErrorCode::UnknownCard);
        assert_eq!(e.code().exit_code(), 3);
    }

    #[test]
    fn reader_selection_policy() {
        let r = |name: &str, card_present| ReaderEntry {
            name: name.into(),
            card_present,
        };
        assert!(matches!(
            select_reader(&[], None),
            Err(BridgeError::NoReader)
        ));
        let one = [r("ACS ACR122U 00 00", false), r("Virtual PCD 00 00", true)];
        // The only reader holding a card is used without naming it.
        assert_eq!(select_reader(&one, None).unwrap(), "Virtual PCD 00 00");
        // A named reader is used even without a card (the connect then says "no card").
        assert_eq!(
            select_reader(&one, Some("acr")).unwrap(),
            "ACS ACR122U 00 00"
        );
        let none = [r("ACS ACR122U 00 00", false)];
        let e = select_reader(&none, None).unwrap_err();
        assert!(matches!(e, BridgeError::NoCard(_)), "{e}");
        // Several cards: refused, naming them, rather than guessing.
        let two = [
            r("Reader A", true),
            r("Reader B", true),
            r("Reader C", false),
        ];
        let e = select_reader(&two, None).unwrap_err();
        assert_eq!(e.code(), ErrorCode::AmbiguousReader);
        assert!(e.to_string().contains("Reader A, Reader B"), "{e}");
        assert_eq!(select_reader(&two, Some("Reader B")).unwrap(), "Reader B");
    }

    #[test]
    fn reader_matching() {
        let names = vec![
            "Virtual PCD 00 00".to_string(),
            "Virtual PCD 00 01".to_string(),
        ];
        assert_eq!(match_reader(&names, "Virtual PCD 00 01").unwrap(), names[1]);
        assert_eq!(match_reader(&names, "00 00").unwrap(), names[0]);
        assert!(matches!(
            match_reader(&names, "virtual"),
            Err(BridgeError::AmbiguousReader(_))
        ));
        assert!(matches!(
            match_reader(&names, "ACR"),
            Err(BridgeError::ReaderNotFound { .. })
        ));
    }
}
