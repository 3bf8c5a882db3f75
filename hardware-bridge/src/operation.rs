//! One way to run an operation, for the command line and the server alike: check what can be
//! checked without the device, open the reader, detect the device, operate, record.

use serde::Serialize;
use tokensmith_api::{
    BurnResult, DeviceKind, Done, Info, OathCode, OathCredential, OathCredentials, Profiles,
    Readers, SyncResult,
};
use tokensmith_core::secret::Secret;

use crate::backend::Backend;
use crate::device::clock::{self, SyncParams};
use crate::device::oath::PasswordChange;
use crate::device::plan::{most_capable, plan_burn, BurnParams};
use crate::device::{self, burn, molto2, oath, Credentials, Detected};
use crate::error::BridgeError;
use crate::results::{ResultRecord, ResultsFile};

/// What to do with the device on the addressed reader.
#[derive(Debug)]
pub enum Operation {
    /// Serial, model, clock drift.
    Info,
    /// Burn a seed, check it, and record it when a results file is given.
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
    DeleteProfile {
        profile: u8,
        creds: Credentials,
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
    /// The user recorded with the token in the results file.
    pub upn: Option<String>,
}

/// How far an operation got, for a caller that shows progress (the CLI).
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// The device on the reader, before anything is done to it.
    Detected(&'a tokensmith_api::Device),
    /// A burn passed every check: writing starts now.
    Writing,
    /// The device acknowledged the write of an OATH credential (it holds the seed now);
    /// checking it follows.
    Stored,
}

/// Which reader, and which kind of device to assume (skipping detection).
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub reader: Option<String>,
    pub kind: Option<DeviceKind>,
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
}

impl Operation {
    /// The kind assumed when the caller names none: commands that exist on one kind only do
    /// not depend on the reader's name (a Molto2 on a reader not named "Molto2").
    fn implied_kind(&self) -> Option<DeviceKind> {
        match self {
            Operation::ListProfiles
            | Operation::SetProfileTitle { .. }
            | Operation::DeleteProfile { .. } => Some(DeviceKind::Molto2),
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
        results: Option<&mut ResultsFile>,
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
                let (serial, note) = burn::recorded_serial(d, job.params.serial.as_deref(), &plan)?;
                progress(Progress::Writing);
                let stored = || progress(Progress::Stored);
                let mut out = burn::burn_with(t, d, &plan, &job.secret, &job.creds, now, &stored)?;
                out.serial = serial;
                out.warnings.extend(note);
                match results {
                    Some(rf) if plan.recorded() => {
                        rf.append(&ResultRecord::from_outcome(&out, &job.secret, job.upn))?;
                        out.recorded = true;
                    }
                    Some(_) => out.warnings.push(
                        "not recorded in the results file: Entra takes TOTP tokens only".into(),
                    ),
                    None => {}
                }
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
            Operation::DeleteProfile { profile, creds } => {
                molto2::profile_delete(t, d, &creds, profile)?;
                Outcome::Done(Done::OK)
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
/// reaches a device for invalid input).
pub fn precheck(target: &Target, op: &Operation) -> Result<(), BridgeError> {
    if let (Operation::Burn(job), Some(k)) = (op, target.kind.or_else(|| op.implied_kind())) {
        plan_burn(most_capable(k), None, &job.params, &job.secret)?;
    }
    Ok(())
}

/// Runs `op` on the device `target` addresses: [`precheck`], then the reader is opened
/// (exclusively), the device detected, and the operation done. A burn is appended to
/// `results` (fsynced) when given.
pub fn run(
    backend: &dyn Backend,
    target: &Target,
    op: Operation,
    results: Option<&mut ResultsFile>,
) -> Result<Outcome, BridgeError> {
    run_with(backend, target, op, results, &|_| {})
}

/// [`run`], telling `progress` how far it got (the CLI prints it).
pub fn run_with(
    backend: &dyn Backend,
    target: &Target,
    op: Operation,
    results: Option<&mut ResultsFile>,
    progress: &dyn Fn(Progress),
) -> Result<Outcome, BridgeError> {
    precheck(target, &op)?;
    let kind = target.kind.or_else(|| op.implied_kind());
    let (mut t, d) = device::open_detect(backend, target.reader.as_deref(), kind)?;
    progress(Progress::Detected(&d.device));
    op.operate(&mut *t, &d, results, device::now(), progress)
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
    Done => Done);

impl TryFrom<Outcome> for BurnResult {
    type Error = BridgeError;
    fn try_from(o: Outcome) -> Result<Self, BridgeError> {
        match o {
            Outcome::Burned(v) => Ok(*v),
            other => Err(unexpected(other, "Burned")),
        }
    }
}
