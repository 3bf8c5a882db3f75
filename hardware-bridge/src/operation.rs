//! One way to run an operation, for the command line and the server alike: check what can be
//! checked without the device, open the reader, detect the device, operate — a burn journaled
//! before, during and after.

use serde::Serialize;
use tokensmith_api::{
    BurnResult, DeviceKind, Done, Info, Molto2Action, OathCode, OathCredential, OathCredentials,
    Profiles, Readers, SyncResult,
};
use tokensmith_core::secret::Secret;
use tokensmith_proto::molto2::{CustomerKey, Molto2Model};

use crate::backend::Backend;
use crate::device::burn::Written;
use crate::device::clock::{self, SyncParams};
use crate::device::oath::PasswordChange;
use crate::device::plan::{most_capable, plan_burn, BurnParams};
use crate::device::{self, burn, molto2, oath, Credentials, Detected};
use crate::error::BridgeError;
use crate::journal::{self, Attempt, JournalRef};
use tokensmith_burn_journal::Journal;

/// What to do with the device on the addressed reader.
#[derive(Debug)]
pub enum Operation {
    /// Serial, model, clock drift.
    Info,
    /// Burn a seed, check it, and journal it (before, during and after) when a journal is given.
    Burn(Box<BurnJob>),
    /// Set the device's clock.
    Sync {
        params: SyncParams,
        creds: Credentials,
    },
    /// Every Molto2 profile.
    ListProfiles,
    SetProfileTitle {
        profile: u8,
        title: String,
        creds: Credentials,
    },
    /// Delete a Molto2 profile's seed (the device needs no key for it).
    DeleteProfile {
        profile: u8,
    },
    /// Molto2: change the customer key (then ▲ on the device).
    Molto2ChangeKey {
        new_key: CustomerKey,
        creds: Credentials,
    },
    /// Molto2: factory reset (then ▲), only when `confirmed`.
    Molto2FactoryReset {
        confirmed: bool,
    },
    /// Molto2: lock or unlock the screen.
    Molto2Screen {
        locked: bool,
    },
    ListOath {
        creds: Credentials,
    },
    DeleteOath {
        name: String,
        creds: Credentials,
    },
    CalculateOath {
        name: String,
        creds: Credentials,
    },
    /// New issuer/account for a credential (YubiKey 5.3.1+).
    RenameOath {
        name: String,
        issuer: Option<String>,
        account: String,
        creds: Credentials,
    },
    /// Set, change or remove the access password (YubiKey); `creds` hold the current one.
    OathPassword {
        change: PasswordChange,
        new_password: Option<tokensmith_api::SecretString>,
        creds: Credentials,
    },
}

/// A burn: the seed, its parameters, the credentials, and who it is for.
#[derive(Debug)]
pub struct BurnJob {
    pub secret: Secret,
    pub params: BurnParams,
    pub creds: Credentials,
    /// The user recorded with the token in the journal.
    pub upn: Option<String>,
}

/// How far an operation got, for a caller that shows progress (the CLI).
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// The device on the reader, before anything is done to it.
    Detected(&'a tokensmith_api::Device),
    /// A burn passed every check: writing starts now.
    Writing,
    /// The device acknowledged this write (a journal records it before the next command);
    /// an OATH credential's (`Written::Credential`) comes before it is checked.
    Written(Written),
}

/// Which reader, which kind of device to assume (skipping detection), and which Molto2
/// generation it is (the device cannot tell).
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub reader: Option<String>,
    pub kind: Option<DeviceKind>,
    pub model: Option<Molto2Model>,
}

/// What an operation answered (the API's answer types).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Outcome {
    Info(Info),
    Burned(Box<BurnResult>),
    Synced(SyncResult),
    Profiles(Profiles),
    OathCredentials(OathCredentials),
    OathCredential(OathCredential),
    OathCode(OathCode),
    Done(Done),
    Molto2Action(Molto2Action),
}

impl Operation {
    /// The kind assumed when the caller names none: commands that exist on one kind only do
    /// not depend on the reader's name (a Molto2 on a reader not named "Molto2").
    fn implied_kind(&self) -> Option<DeviceKind> {
        match self {
            Operation::ListProfiles
            | Operation::SetProfileTitle { .. }
            | Operation::DeleteProfile { .. }
            | Operation::Molto2ChangeKey { .. }
            | Operation::Molto2FactoryReset { .. }
            | Operation::Molto2Screen { .. } => Some(DeviceKind::Molto2),
            Operation::ListOath { .. }
            | Operation::DeleteOath { .. }
            | Operation::CalculateOath { .. }
            | Operation::RenameOath { .. }
            | Operation::OathPassword { .. } => Some(DeviceKind::Oath),
            _ => None,
        }
    }

    fn operate(
        self,
        t: &mut dyn tokensmith_proto::transport::Transport,
        d: &Detected,
        journal: Option<JournalRef>,
        now: i64,
        progress: &dyn Fn(Progress),
    ) -> Result<Outcome, BridgeError> {
        Ok(match self {
            Operation::Info => Outcome::Info(device::info(d, now)),
            Operation::Burn(job) => {
                // A Token2 of unknown model is checked as any Token2 (and refused by the
                // burn unless forced).
                let model = d.model.unwrap_or_else(|| most_capable(d.kind()));
                let plan = plan_burn(model, d.firmware, &job.params, &job.secret)?;
                let (serial, note) = burn::recorded_serial(d, job.params.serial.as_deref())?;
                let mut tell = |w| progress(Progress::Written(w));
                let mut out = match journal {
                    Some(j) => {
                        let intent =
                            journal::intent(d, &plan, &serial, &job.secret, job.upn.as_deref());
                        // Fsynced before anything is sent: a crash from here on leaves a
                        // journal that knows the seed.
                        let mut attempt = Attempt::begin(j, intent)?;
                        progress(Progress::Writing);
                        let result =
                            burn::burn(t, d, &plan, &job.secret, &job.creds, now, &mut |w| {
                                attempt.written(w);
                                tell(w)
                            })
                            .map(|mut out| {
                                out.serial = serial.clone();
                                out
                            });
                        attempt.finish(result, now)?
                    }
                    None => {
                        progress(Progress::Writing);
                        let mut out =
                            burn::burn(t, d, &plan, &job.secret, &job.creds, now, &mut tell)?;
                        out.serial = serial;
                        out
                    }
                };
                out.warnings.extend(note);
                Outcome::Burned(Box::new(out))
            }
            Operation::Sync { params, creds } => {
                Outcome::Synced(clock::sync_time(t, d, &params, &creds, now)?)
            }
            Operation::ListProfiles => Outcome::Profiles(Profiles {
                profiles: molto2::profiles_list(t, d)?,
            }),
            Operation::SetProfileTitle {
                profile,
                title,
                creds,
            } => {
                molto2::profile_title(t, d, &creds, profile, &title)?;
                Outcome::Done(Done::OK)
            }
            Operation::DeleteProfile { profile } => {
                molto2::profile_delete(t, d, profile)?;
                Outcome::Done(Done::OK)
            }
            Operation::Molto2ChangeKey { new_key, creds } => {
                Outcome::Molto2Action(molto2::change_key(t, d, &creds, &new_key)?)
            }
            Operation::Molto2FactoryReset { confirmed } => {
                Outcome::Molto2Action(molto2::factory_reset(t, d, confirmed)?)
            }
            Operation::Molto2Screen { locked } => {
                Outcome::Molto2Action(molto2::screen(t, d, locked)?)
            }
            Operation::ListOath { creds } => {
                Outcome::OathCredentials(oath::oath_list(t, d, &creds)?)
            }
            Operation::DeleteOath { name, creds } => {
                oath::oath_delete(t, d, &creds, &name)?;
                Outcome::Done(Done::OK)
            }
            Operation::CalculateOath { name, creds } => {
                Outcome::OathCode(oath::oath_code(t, d, &creds, &name, now)?)
            }
            Operation::RenameOath {
                name,
                issuer,
                account,
                creds,
            } => Outcome::OathCredential(oath::oath_rename(
                t,
                d,
                &creds,
                &name,
                issuer.as_deref(),
                &account,
            )?),
            Operation::OathPassword {
                change,
                new_password,
                creds,
            } => {
                oath::oath_password(t, d, &creds, change, new_password.as_ref())?;
                Outcome::Done(Done::OK)
            }
        })
    }
}

/// What can be checked before any reader is opened: a burn against the named kind (nothing
/// reaches a device for invalid input), a factory reset without its confirmation.
pub fn precheck(target: &Target, op: &Operation) -> Result<(), BridgeError> {
    let kind = target.kind.or_else(|| op.implied_kind());
    if let Operation::Burn(job) = op {
        check_upn(job.upn.as_deref())?;
    }
    if let (Operation::Burn(job), Some(k)) = (op, kind) {
        // A Molto2 of the named generation, else the most capable of the kind.
        let model = match (k, target.model) {
            (DeviceKind::Molto2, Some(m)) => m.caps_model(),
            _ => most_capable(k),
        };
        plan_burn(model, None, &job.params, &job.secret)?;
    }
    if let Operation::Molto2FactoryReset { confirmed: false } = op {
        // Refused before the reader is opened; the message says how to confirm.
        return molto2::factory_reset_refusal();
    }
    if target.model.is_some() && kind.is_some_and(|k| k != DeviceKind::Molto2) {
        return Err(BridgeError::BadInput(
            "a Molto2 model was given for another kind of device (leave out the model)".into(),
        ));
    }
    Ok(())
}

/// A UPN is at most [`MAX_UPN`] characters without control characters. The message says where
/// and how long, never the value (a 60 KB paste came back whole once).
fn check_upn(upn: Option<&str>) -> Result<(), BridgeError> {
    let Some(upn) = upn else { return Ok(()) };
    let n = upn.chars().count();
    if n > MAX_UPN {
        return Err(BridgeError::BadInput(format!(
            "upn: {n} characters, at most {MAX_UPN}: give the user's sign-in name (user@domain)"
        )));
    }
    if let Some(i) = upn.chars().position(char::is_control) {
        return Err(BridgeError::BadInput(format!(
            "upn: a control character at character {}: give the user's sign-in name (user@domain)",
            i + 1
        )));
    }
    Ok(())
}

/// Entra's limit on a user principal name.
pub const MAX_UPN: usize = 256;

/// Runs `op` on the device `target` addresses: [`precheck`], then the reader is opened
/// (exclusively), the device detected, and the operation done. With `journal`, a burn's intent
/// is journaled (fsynced) before anything is sent to the token, each acknowledged write after
/// it, then the outcome; a burn whose intent cannot be journaled is not started, and a failed
/// burn's error carries what the journal says the token holds
/// ([`BridgeError::journal_entry`]).
pub fn run(
    backend: &dyn Backend,
    target: &Target,
    op: Operation,
    journal: Option<&mut Journal>,
) -> Result<Outcome, BridgeError> {
    run_with(backend, target, op, journal, &|_| {})
}

/// [`run`], telling `progress` how far it got (the CLI prints it).
pub fn run_with(
    backend: &dyn Backend,
    target: &Target,
    op: Operation,
    journal: Option<&mut Journal>,
    progress: &dyn Fn(Progress),
) -> Result<Outcome, BridgeError> {
    precheck(target, &op)?;
    let kind = target.kind.or_else(|| op.implied_kind());
    let mut card = Opened::open_as(backend, target, kind)?;
    progress(Progress::Detected(&card.detected.device));
    card.operate(op, journal.map(JournalRef::from), progress)
}

/// A card opened (exclusively) and detected, for several operations on the one connection:
/// the batch reads a token, decides, then burns it without connecting and detecting again
/// (a PC/SC disconnect resets the card, which costs as much as a few commands), and holds
/// it until the token is taken off. The serial read at detection is the token's for as long
/// as this lives: a card swapped in between fails with "card removed". Dropped, it
/// disconnects (resetting the card unless [`Opened::leave_card`] was asked for).
pub struct Opened {
    t: Box<dyn tokensmith_proto::transport::Transport + Send>,
    pub detected: Detected,
}

impl Opened {
    /// Open the reader `target` addresses and detect the device (of `target.kind` when named).
    pub fn open(backend: &dyn Backend, target: &Target) -> Result<Opened, BridgeError> {
        Self::open_as(backend, target, target.kind)
    }

    fn open_as(
        backend: &dyn Backend,
        target: &Target,
        kind: Option<DeviceKind>,
    ) -> Result<Opened, BridgeError> {
        let (t, detected) =
            device::open_detect_as(backend, target.reader.as_deref(), kind, target.model)?;
        Ok(Opened { t, detected })
    }

    /// [`run`] on this card: [`precheck`] against `target`, then the operation; a burn with a
    /// `journal` goes through [`Attempt`] (a shared journal is locked per record only).
    pub fn run(
        &mut self,
        target: &Target,
        op: Operation,
        journal: Option<JournalRef>,
    ) -> Result<Outcome, BridgeError> {
        precheck(target, &op)?;
        self.operate(op, journal, &|_| {})
    }

    /// End the connection, when dropped, without resetting the card (it is gone already, or
    /// waits for a button press).
    pub fn leave_card(&mut self) {
        self.t.leave_card();
    }

    fn operate(
        &mut self,
        op: Operation,
        journal: Option<JournalRef>,
        progress: &dyn Fn(Progress),
    ) -> Result<Outcome, BridgeError> {
        op.operate(
            &mut *self.t,
            &self.detected,
            journal,
            device::now(),
            progress,
        )
    }
}

/// Every reader and what is on it.
pub fn list(backend: &dyn Backend) -> Result<Readers, BridgeError> {
    Ok(Readers {
        readers: device::list(backend)?,
    })
}

fn unexpected(o: Outcome, wanted: &str) -> BridgeError {
    BridgeError::Internal(format!(
        "operation answered {o:?} where {wanted} was expected"
    ))
}

macro_rules! outcome_into {
    ($($variant:ident => $ty:ty),*) => {$(
        impl TryFrom<Outcome> for $ty {
            type Error = BridgeError;
            fn try_from(o: Outcome) -> Result<Self, BridgeError> {
                match o {
                    Outcome::$variant(v) => Ok(v),
                    other => Err(unexpected(other, stringify!($variant))),
                }
            }
        }
    )*};
}

outcome_into!(Info => Info, Synced => SyncResult, Profiles => Profiles,
    OathCredentials => OathCredentials, OathCredential => OathCredential, OathCode => OathCode,
    Done => Done, Molto2Action => Molto2Action);

impl TryFrom<Outcome> for BurnResult {
    type Error = BridgeError;
    fn try_from(o: Outcome) -> Result<Self, BridgeError> {
        match o {
            Outcome::Burned(v) => Ok(*v),
            other => Err(unexpected(other, "Burned")),
        }
    }
}
