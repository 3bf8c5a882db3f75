//! The command line (clap derive). See `hardware-bridge --help`.
//!
//! Every device command becomes an [`Operation`] run by [`operation::run`], the same function
//! the server uses; [`input`] reads secrets from files or stdin, [`report`] prints answers.

mod batch;
mod convert;
mod input;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use tokensmith_api::{DeviceKind, Molto2Model};
use tokensmith_core::otp::Algorithm;

use crate::backend::Backend;
use crate::card_wait::CardWait;
use crate::device::clock::SyncParams;
use crate::device::plan::BurnParams;
use crate::error::BridgeError;
use crate::operation::{self, BurnJob, Operation, Progress, Target};
use tokensmith_core::formats::ExportFormat;

const AFTER_HELP: &str = "\
Secrets are never taken from the command line: use --secret-file F or --secret-stdin
(base32 or hex, detected automatically). The OATH password comes from --password-file
or $TOKENSMITH_OATH_PASSWORD (a new one from --new-password-file or
$TOKENSMITH_OATH_NEW_PASSWORD); a Molto2 customer key from --customer-key-file or
$TOKENSMITH_MOLTO2_KEY (factory key when neither is given; any length, 32 hex digits
or 0x… for raw bytes).

Authentication is never retried automatically: older Token2 tokens lock for good, and a
Molto2 counts down (\"7 attempts left\") to its lock.

Token2 cards and fobs: press the token's button before you put it on the reader, and
switch it off and on before comparing its code with the expected one.

A Molto2 does not say whether it is a Molto2 (profiles 0-49) or a Molto2v2 (0-99): give
--model molto2v2 to reach profiles 50-99. `list` never connects to a Molto2 (known by its
reader's name); `info` reads it.

Exit codes:
  0  success
  1  other failure (results file, server, internal error), or work left: a batch that
     ended with users not done, tokens needing attention left out of an export
  2  bad input or a refusal, nothing written: invalid parameters or usage, an occupied
     Molto2 profile or a taken OATH name (--overwrite replaces it where the device can), a
     clock sync that would clear a seed (--confirm-clear-seed)
  3  no device: no reader, no card, unknown card, card removed, card busy, PC/SC unavailable,
     or no answer from the card within --card-timeout
  4  authentication failed or device locked
  5  device rejected a command, no touch came when the key waited for one, or the check
     after a burn failed
130  cancelled with Ctrl-C while waiting for the card (a burn says what the token may hold)";

/// Burn and manage programmable TOTP hardware tokens through PC/SC
/// (Token2 single-profile, Token2 Molto2, YubiKey/Nitrokey OATH), and serve
/// the Tokensmith page on localhost.
fn kind_parser() -> impl TypedValueParser<Value = DeviceKind> {
    PossibleValuesParser::new(DeviceKind::ALL.map(DeviceKind::as_str))
        .try_map(|s| s.parse::<DeviceKind>())
}

fn model_parser() -> impl TypedValueParser<Value = Molto2Model> {
    PossibleValuesParser::new(Molto2Model::ALL.map(Molto2Model::as_str))
        .try_map(|s| s.parse::<Molto2Model>())
}

fn algorithm_parser(s: &str) -> Result<Algorithm, String> {
    s.parse()
        .map_err(|e: tokensmith_core::otp::UnknownAlgorithm| e.to_string())
}

#[derive(Parser, Debug)]
#[command(name = "hardware-bridge", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// Reader to use: full name or a unique part of it (default: the only reader holding a card).
    /// `batch` takes it several times, one loop per reader.
    #[arg(long, global = true, value_name = "NAME")]
    pub reader: Vec<String>,
    /// Device kind, skipping detection (e.g. a Molto2 on a reader not named "Molto2").
    #[arg(long, global = true, value_parser = kind_parser())]
    pub kind: Option<DeviceKind>,
    /// Which Molto2 it is (the device cannot tell): molto2 = profiles 0–49 (the default),
    /// molto2v2 = 0–99.
    #[arg(long, global = true, value_parser = model_parser())]
    pub model: Option<Molto2Model>,
    /// Print results as JSON on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    /// Use in-process emulated devices instead of PC/SC (no hardware needed).
    #[arg(long, global = true)]
    pub simulate: bool,
    /// How long a card may take to answer one command before the operation stops (a burn then
    /// says what the token may hold). Ctrl-C stops the wait at once.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub card_timeout: u64,
    /// Tests: every simulated card misbehaves at the Nth command of an operation
    /// (removed-before:N, removed-during:N, silent-during:N); with --simulate only.
    #[arg(long, global = true, hide = true, value_name = "FAULT")]
    pub simulate_fault: Option<crate::vpcd::Fault>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List readers and what is on each.
    List,
    /// Serial, model, token clock vs host clock.
    Info,
    /// Burn a seed (Token2: config, then seed; Molto2: seed, title, config into an empty
    /// profile), verify, and append to the results file.
    Burn(BurnArgs),
    /// Set the token's clock to the host's (Token2: rewrites the config; may clear the seed;
    /// Molto2: every profile, or --profile N).
    SyncTime(SyncArgs),
    /// Molto2 profiles.
    Profiles {
        #[command(subcommand)]
        command: ProfilesCommand,
    },
    /// Molto2 device: customer key, factory reset, screen lock.
    Molto2 {
        #[command(subcommand)]
        command: Molto2Command,
    },
    /// OATH credentials (YubiKey, Nitrokey 3, Solo 2).
    Oath {
        #[command(subcommand)]
        command: OathCommand,
    },
    /// Convert a results file to the Entra CSV, Graph JSON, PSKC, Duo or OATH CSV or otpauth
    /// links, optionally OpenPGP-encrypted.
    ResultsToCsv(ResultsArgs),
    /// Serve the page and the JSON API on 127.0.0.1 / ::1.
    Serve(ServeArgs),
    /// Provision a box of tokens for a list of users: place a token, it is burned with a
    /// fresh seed for the next user, verified and recorded; take it off, place the next.
    Batch(batch::BatchArgs),
    /// Create, assign and activate tokens in Microsoft Entra ID (Graph); status; remove.
    Entra(crate::entra_cli::EntraArgs),
}

/// Where the seed comes from (one of the two; required except for a config-only write).
#[derive(Args, Debug, Clone)]
#[group(id = "secret_source", required = false, multiple = false)]
pub struct SecretSource {
    /// Read the secret (base32 or hex) from this file.
    #[arg(long, value_name = "FILE", group = "secret_source")]
    pub secret_file: Option<PathBuf>,
    /// Read the secret (base32 or hex) from standard input.
    #[arg(long, group = "secret_source")]
    pub secret_stdin: bool,
}

#[derive(Args, Debug, Clone, Default)]
pub struct CredArgs {
    /// File holding the Molto2 customer key (32 hex digits or 16 ASCII characters).
    #[arg(long, value_name = "FILE")]
    pub customer_key_file: Option<PathBuf>,
    /// File holding the OATH access password.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
}

/// The code's settings, for `burn` and `batch` alike.
#[derive(Args, Debug, Clone, Default)]
pub struct CodeArgs {
    /// SHA1, SHA256 (SHA512: OATH only).
    #[arg(long, value_parser = algorithm_parser)]
    pub algorithm: Option<Algorithm>,
    /// Time step in seconds (Token2/Molto2: 30 or 60).
    #[arg(long)]
    pub period: Option<u32>,
    /// Code length (Token2: 6; Molto2: 4, 6, 8, 10; OATH: 6–8).
    #[arg(long)]
    pub digits: Option<u8>,
    /// Display timeout in seconds: 15, 30, 60, 120 (Token2/Molto2).
    #[arg(long, value_name = "SECONDS")]
    pub display_timeout: Option<u32>,
}

#[derive(Args, Debug, Clone)]
pub struct BurnArgs {
    #[command(flatten)]
    pub secret: SecretSource,
    #[command(flatten)]
    pub code: CodeArgs,
    /// Molto2 profile number.
    #[arg(long)]
    pub profile: Option<u8>,
    /// Molto2 profile title (at most 12 bytes).
    #[arg(long)]
    pub title: Option<String>,
    /// OATH account name.
    #[arg(long)]
    pub account: Option<String>,
    /// OATH issuer.
    #[arg(long)]
    pub issuer: Option<String>,
    /// OATH: require a touch for each code.
    #[arg(long)]
    pub touch: bool,
    /// OATH: store an HOTP (counter-based) credential instead of TOTP. Journaled like any
    /// burn (with its counter; results-to-csv's Entra formats leave it out, Entra takes TOTP
    /// only) and not calculated after the write (that would use a code up).
    #[arg(long)]
    pub hotp: bool,
    /// OATH HOTP: the initial counter.
    #[arg(long)]
    pub counter: Option<u32>,
    /// Replace what is there (its old seed is lost): a Molto2 profile's seed, an OATH key's
    /// account of the same name (YubiKey). Without it an occupied profile or a taken name is
    /// refused and nothing is written.
    #[arg(long)]
    pub overwrite: bool,
    /// The serial printed on the device: the burn is refused if the device on the reader
    /// reports another; required for an OATH key that reports none (e.g. a Solo 2).
    #[arg(long, value_name = "SERIAL")]
    pub serial: Option<String>,
    /// Token2: burn even if the serial prefix is not a known programmable model.
    #[arg(long)]
    pub force_unknown_model: bool,
    /// Token2, expert: write the seed only; the token keeps its configuration and clock.
    #[arg(long, conflicts_with = "config_only")]
    pub seed_only: bool,
    /// Token2, expert: write the configuration only (algorithm, period, display, clock) — on
    /// most models this CLEARS THE SEED (then --confirm-clear-seed is needed). No seed, no
    /// results file.
    #[arg(long, conflicts_with_all = [
        "secret_file", "secret_stdin", "results_file", "upn", "digits", "profile", "title",
        "account", "issuer", "touch", "hotp", "counter", "overwrite", "serial",
        "passphrase_file", "plaintext_results",
    ])]
    pub config_only: bool,
    /// With --config-only: go ahead on models where the config write clears the seed.
    #[arg(long, requires = "config_only")]
    pub confirm_clear_seed: bool,
    /// The burn journal to add to (created if new): the seed is written to it, fsynced,
    /// before anything is sent to the token, then each write, then the outcome; encrypted
    /// with a passphrase unless --plaintext-results (not with --config-only).
    #[arg(long, value_name = "FILE", required_unless_present = "config_only")]
    pub results_file: Option<PathBuf>,
    #[command(flatten)]
    pub protection: ProtectionArgs,
    /// User (UPN) to record with this token, for the Entra CSV.
    #[arg(long)]
    pub upn: Option<String>,
    #[command(flatten)]
    pub creds: CredArgs,
}

/// How the burn journal is protected at rest.
#[derive(Args, Debug, Clone, Default)]
pub struct ProtectionArgs {
    /// File holding the burn journal's passphrase (one line; at least 8 characters for a new
    /// journal). Without it the passphrase is asked on the terminal.
    #[arg(long, value_name = "FILE", conflicts_with = "plaintext_results")]
    pub passphrase_file: Option<PathBuf>,
    /// Keep the burn journal in plain text: the seeds are readable by anyone who can read the
    /// file. Only when you chose so (e.g. the file lives on an encrypted disk).
    #[arg(long)]
    pub plaintext_results: bool,
}

impl ProtectionArgs {
    fn choice(&self) -> crate::journal::Choice {
        crate::journal::Choice {
            passphrase_file: self.passphrase_file.clone(),
            plaintext: self.plaintext_results,
        }
    }
}

#[derive(Args, Debug, Clone)]
pub struct SyncArgs {
    /// Token2: algorithm of the seed on the token (the config is rewritten).
    #[arg(long, value_parser = algorithm_parser)]
    pub algorithm: Option<Algorithm>,
    /// Token2: period of the seed on the token.
    #[arg(long)]
    pub period: Option<u32>,
    /// Token2: display timeout to write.
    #[arg(long, value_name = "SECONDS")]
    pub display_timeout: Option<u32>,
    /// Go ahead even on models where the sync clears the seed.
    #[arg(long)]
    pub confirm_clear_seed: bool,
    /// Token2: sync even if the serial prefix is not a known model (no authentication is
    /// tried without it: a failed one can lock an old token for good).
    #[arg(long)]
    pub force_unknown_model: bool,
    /// Molto2: this profile only (default: every profile).
    #[arg(long)]
    pub profile: Option<u8>,
    #[command(flatten)]
    pub creds: CredArgs,
}

#[derive(Subcommand, Debug)]
pub enum ProfilesCommand {
    /// List profiles (all with --all, else the used ones).
    List {
        #[arg(long)]
        all: bool,
    },
    /// Set a profile's title.
    Title {
        #[arg(long)]
        profile: u8,
        #[arg(long)]
        title: String,
        #[command(flatten)]
        creds: CredArgs,
    },
    /// Delete a profile's seed (its title stays). Needs no customer key: the device asks
    /// for none.
    Delete {
        #[arg(long)]
        profile: u8,
    },
}

#[derive(Subcommand, Debug)]
pub enum Molto2Command {
    /// Change the customer key; then press ▲ on the device to confirm.
    ChangeKey {
        #[command(flatten)]
        new_key: NewKeySource,
        #[command(flatten)]
        creds: CredArgs,
    },
    /// Delete every profile and restore the factory customer key; then press ▲ on the device.
    FactoryReset {
        /// Yes, wipe every profile.
        #[arg(long)]
        yes: bool,
    },
    /// Lock the device's screen (firmware 2.1 and later).
    LockScreen,
    /// Unlock the device's screen (firmware 2.1 and later).
    UnlockScreen,
}

/// Where the new customer key comes from (never the command line).
#[derive(Args, Debug, Clone)]
#[group(id = "new_key_source", required = true, multiple = false)]
pub struct NewKeySource {
    /// Read the new customer key from this file (any length; 32 hex digits or 0x… = raw bytes).
    #[arg(long, value_name = "FILE", group = "new_key_source")]
    pub new_key_file: Option<PathBuf>,
    /// Read the new customer key from standard input.
    #[arg(long, group = "new_key_source")]
    pub new_key_stdin: bool,
}

#[derive(Subcommand, Debug)]
pub enum OathCommand {
    /// List credentials.
    List {
        #[command(flatten)]
        creds: CredArgs,
    },
    /// Store a TOTP (or, with --hotp, HOTP) credential (same options as burn; --account
    /// required) and verify it; a taken name is refused unless --overwrite.
    Put(BurnArgs),
    /// Delete a credential by its full name.
    Delete {
        #[arg(long)]
        name: String,
        #[command(flatten)]
        creds: CredArgs,
    },
    /// Calculate the current code of a credential (an HOTP one moves its counter on).
    Code {
        #[arg(long)]
        name: String,
        #[command(flatten)]
        creds: CredArgs,
    },
    /// Give a credential a new issuer and account (YubiKey 5.3.1 or later); it keeps its key,
    /// counter and period.
    Rename {
        /// The credential's current full name (as `oath list` shows it).
        #[arg(long)]
        name: String,
        /// The new account name.
        #[arg(long)]
        account: String,
        /// The new issuer (none when left out).
        #[arg(long)]
        issuer: Option<String>,
        #[command(flatten)]
        creds: CredArgs,
    },
    /// The access password (YubiKey only: a Nitrokey 3 has a PIN instead, set with Nitrokey's
    /// tools).
    Password {
        #[command(subcommand)]
        command: PasswordCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum PasswordCommand {
    /// Set an access password on a key that has none.
    Set {
        #[command(flatten)]
        new: NewPasswordArgs,
        #[command(flatten)]
        creds: CredArgs,
    },
    /// Replace the access password (the current one from --password-file).
    Change {
        #[command(flatten)]
        new: NewPasswordArgs,
        #[command(flatten)]
        creds: CredArgs,
    },
    /// Remove the access password (the current one from --password-file).
    Remove {
        #[command(flatten)]
        creds: CredArgs,
    },
}

#[derive(Args, Debug, Clone, Default)]
pub struct NewPasswordArgs {
    /// File holding the new OATH access password (else $TOKENSMITH_OATH_NEW_PASSWORD).
    #[arg(long, value_name = "FILE")]
    pub new_password_file: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ResultsArgs {
    /// The burn journal written by burn, batch or serve (or an old results CSV).
    pub results_file: PathBuf,
    /// File holding the journal's passphrase (else asked on the terminal).
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// CSV with columns serial, upn (and optionally profile) for rows without a UPN.
    #[arg(long, value_name = "FILE")]
    pub upn_map: Option<PathBuf>,
    /// Output file (default: stdout). Holds secrets unless encrypted: created with mode 0600.
    /// With --encrypt-to, a name ending in .gpg gets a binary message, any other ASCII armour.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// What to write.
    #[arg(long, default_value = "entra-csv", value_parser = convert::format_parser())]
    pub format: ExportFormat,
    /// Manufacturer to write instead of the recorded one.
    #[arg(long)]
    pub manufacturer: Option<String>,
    /// Encrypt the output with OpenPGP to this public key (ASCII-armoured or binary; a file may
    /// hold several keys). Repeat for more recipients: each can decrypt alone.
    #[arg(long, value_name = "KEYFILE")]
    pub encrypt_to: Vec<PathBuf>,
    /// PSKC only: encrypt the seeds with this pre-shared AES-128 key (32 hex digits in the file),
    /// RFC 6030 section 6.1.
    #[arg(long, value_name = "FILE", conflicts_with = "pskc_password_file")]
    pub pskc_key_file: Option<PathBuf>,
    /// PSKC only: encrypt the seeds with a key derived from the password in this file (PBKDF2),
    /// RFC 6030 section 6.2.
    #[arg(long, value_name = "FILE")]
    pub pskc_password_file: Option<PathBuf>,
    /// PSKC only: the key name written in the file, which tells the importer which key to use.
    #[arg(long, value_name = "NAME", default_value = "Tokensmith")]
    pub pskc_key_name: String,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 and ::1 (0: any free port).
    #[arg(long, default_value_t = tokensmith_api::DEFAULT_PORT)]
    pub port: u16,
    /// Directory of the built page.
    #[arg(long, default_value = "dist")]
    pub dist: PathBuf,
    /// Also allow API calls from this origin (repeatable), e.g. https://intranet.example.
    #[arg(long, value_name = "ORIGIN")]
    pub allow_origin: Vec<String>,
    /// Allow API calls from `Origin: null` (the single file opened from disk).
    #[arg(long)]
    pub allow_null_origin: bool,
    /// The burn journal every burn made through the API is written to (opened at start:
    /// the passphrase is asked then, or read from --passphrase-file).
    #[arg(long, value_name = "FILE")]
    pub results_file: Option<PathBuf>,
    #[command(flatten)]
    pub protection: ProtectionArgs,
    /// Open the page in the default browser.
    #[arg(long)]
    pub open: bool,
}

fn backend(cli: &Cli, wait: &CardWait) -> Result<Arc<dyn Backend>, BridgeError> {
    let wait = wait.clone();
    if cli.simulate_fault.is_some() && !cli.simulate {
        return Err(BridgeError::BadInput(
            "--simulate-fault makes emulated cards misbehave: it needs --simulate".into(),
        ));
    }
    if cli.simulate {
        Ok(Arc::new(crate::simulate::SimBackend::with(
            wait,
            cli.simulate_fault,
        )))
    } else if matches!(cli.command, Command::Serve(_)) {
        // The server starts even before pcscd does; each request reports.
        Ok(Arc::new(crate::pcsc::PcscBackend::lazy(wait)))
    } else {
        Ok(Arc::new(crate::pcsc::PcscBackend::new(wait)?))
    }
}

/// Ctrl-C while a device command is connected to a card cancels it (the command then reports
/// what the card may have done, a burn what the journal says); otherwise, or pressed again,
/// it ends the program as usual.
fn cancel_on_ctrl_c(wait: &CardWait) {
    let cancel = wait.cancel.clone();
    let pressed = std::sync::atomic::AtomicBool::new(false);
    let _ = ctrlc::set_handler(move || {
        if pressed.swap(true, std::sync::atomic::Ordering::SeqCst) || !cancel.request() {
            std::process::exit(130);
        }
        eprintln!("cancelling… (Ctrl-C again to quit at once)");
    });
}

/// Entry point of the `hardware-bridge` binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if json {
                report::print_json(
                    &tokensmith_api::ErrorBody::new(e.code(), e.to_string())
                        .with_attempts_left(e.attempts_left())
                        .with_journal(e.journal_entry().cloned()),
                );
            }
            eprintln!("error: {e}");
            ExitCode::from(e.code().exit_code())
        }
    }
}

fn burn_op(a: &BurnArgs) -> Result<Operation, BridgeError> {
    if a.config_only {
        // A config-only write is the Token2 clock sync with the burn's parameters.
        return Ok(Operation::Sync {
            params: SyncParams {
                algorithm: a.code.algorithm,
                period: a.code.period,
                display_timeout: a.code.display_timeout,
                confirm_clear_seed: a.confirm_clear_seed,
                force_unknown_model: a.force_unknown_model,
                profile: None,
            },
            creds: input::read_creds(&a.creds)?,
        });
    }
    let params = BurnParams {
        algorithm: a.code.algorithm,
        digits: a.code.digits,
        period: a.code.period,
        display_timeout: a.code.display_timeout,
        profile: a.profile,
        title: a.title.clone(),
        account: a.account.clone(),
        issuer: a.issuer.clone(),
        touch: a.touch,
        force_unknown_model: a.force_unknown_model,
        oath_type: a.hotp.then_some(tokensmith_api::OathType::Hotp),
        counter: a.counter,
        overwrite: a.overwrite,
        serial: a.serial.clone(),
        seed_only: a.seed_only,
    };
    Ok(Operation::Burn(Box::new(BurnJob {
        secret: input::read_secret(&a.secret)?,
        params,
        creds: input::read_creds(&a.creds)?,
        upn: a.upn.clone(),
    })))
}

fn password_op(c: &PasswordCommand) -> Result<Operation, BridgeError> {
    use crate::device::oath::PasswordChange;
    let (change, new, creds) = match c {
        PasswordCommand::Set { new, creds } => (PasswordChange::Set, Some(new), creds),
        PasswordCommand::Change { new, creds } => (PasswordChange::Change, Some(new), creds),
        PasswordCommand::Remove { creds } => (PasswordChange::Remove, None, creds),
    };
    Ok(Operation::OathPassword {
        change,
        new_password: new.map(input::read_new_password).transpose()?,
        creds: input::read_creds(creds)?,
    })
}

/// The one reader a device command addresses (`--reader` once).
fn one_reader(cli: &Cli) -> Result<Option<String>, BridgeError> {
    match cli.reader.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one.clone())),
        _ => Err(BridgeError::BadInput(
            "--reader given several times: only `batch` runs on several readers".into(),
        )),
    }
}

/// The operation a device command asks for, and the results file a burn appends to.
fn device_operation(cli: &Cli) -> Result<(Target, Operation, Option<&BurnArgs>), BridgeError> {
    let mut target = Target {
        reader: one_reader(cli)?,
        kind: cli.kind,
        model: cli.model.map(crate::device::molto2_model),
    };
    let (op, burn) = match &cli.command {
        Command::Info => (Operation::Info, None),
        Command::Burn(a) if a.config_only => (burn_op(a)?, None),
        Command::Burn(a) => (burn_op(a)?, Some(a)),
        Command::Oath {
            command: OathCommand::Put(a),
        } => {
            target.kind = Some(DeviceKind::Oath);
            (burn_op(a)?, Some(a))
        }
        Command::SyncTime(a) => (
            Operation::Sync {
                params: SyncParams {
                    algorithm: a.algorithm,
                    period: a.period,
                    display_timeout: a.display_timeout,
                    confirm_clear_seed: a.confirm_clear_seed,
                    force_unknown_model: a.force_unknown_model,
                    profile: a.profile,
                },
                creds: input::read_creds(&a.creds)?,
            },
            None,
        ),
        Command::Molto2 { command } => (
            match command {
                Molto2Command::ChangeKey { new_key, creds } => Operation::Molto2ChangeKey {
                    new_key: input::read_new_key(new_key)?,
                    creds: input::read_creds(creds)?,
                },
                Molto2Command::FactoryReset { yes } => {
                    Operation::Molto2FactoryReset { confirmed: *yes }
                }
                Molto2Command::LockScreen => Operation::Molto2Screen { locked: true },
                Molto2Command::UnlockScreen => Operation::Molto2Screen { locked: false },
            },
            None,
        ),
        Command::Profiles { command } => (
            match command {
                ProfilesCommand::List { .. } => Operation::ListProfiles,
                ProfilesCommand::Title {
                    profile,
                    title,
                    creds,
                } => Operation::SetProfileTitle {
                    profile: *profile,
                    title: title.clone(),
                    creds: input::read_creds(creds)?,
                },
                ProfilesCommand::Delete { profile } => {
                    Operation::DeleteProfile { profile: *profile }
                }
            },
            None,
        ),
        Command::Oath { command } => (
            match command {
                OathCommand::List { creds } => Operation::ListOath {
                    creds: input::read_creds(creds)?,
                },
                OathCommand::Delete { name, creds } => Operation::DeleteOath {
                    name: name.clone(),
                    creds: input::read_creds(creds)?,
                },
                OathCommand::Code { name, creds } => Operation::CalculateOath {
                    name: name.clone(),
                    creds: input::read_creds(creds)?,
                },
                OathCommand::Rename {
                    name,
                    account,
                    issuer,
                    creds,
                } => Operation::RenameOath {
                    name: name.clone(),
                    issuer: issuer.clone(),
                    account: account.clone(),
                    creds: input::read_creds(creds)?,
                },
                OathCommand::Password { command } => password_op(command)?,
                OathCommand::Put(_) => unreachable!("matched above"),
            },
            None,
        ),
        Command::List
        | Command::ResultsToCsv(_)
        | Command::Serve(_)
        | Command::Entra(_)
        | Command::Batch(_) => {
            unreachable!("not a device operation")
        }
    };
    Ok((target, op, burn))
}

pub fn run(cli: Cli) -> Result<(), BridgeError> {
    match &cli.command {
        Command::List => {
            let wait = CardWait::new(std::time::Duration::from_secs(cli.card_timeout));
            let readers = operation::list(backend(&cli, &wait)?.as_ref())?.readers;
            return report::readers(&readers, cli.json);
        }
        Command::ResultsToCsv(a) => return convert::results_to_csv(a),
        Command::Serve(a) => return serve(&cli, a),
        Command::Entra(a) => return crate::entra_cli::run(&cli, a),
        Command::Batch(a) => return batch::run(&cli, a),
        _ => {}
    }
    let (target, op, burn) = device_operation(&cli)?;
    // Invalid input fails before the results file is created and before any reader is opened.
    operation::precheck(&target, &op)?;
    let mut journal = match burn {
        Some(BurnArgs {
            results_file: Some(f),
            protection,
            ..
        }) => Some(crate::journal::open(f, &protection.choice())?),
        _ => None,
    };
    let wait = CardWait::new(std::time::Duration::from_secs(cli.card_timeout));
    let b = backend(&cli, &wait)?;
    cancel_on_ctrl_c(&wait);
    let progress = |p: Progress| match p {
        Progress::Detected(d) if burn.is_some() => {
            eprintln!("device: {} on {}", report::describe(d), d.reader)
        }
        Progress::Detected(d) if matches!(cli.command, Command::SyncTime(_)) => {
            eprintln!("device: {}", report::describe(d))
        }
        Progress::Detected(_) => {}
        Progress::Writing => eprintln!("burning…"),
        Progress::Written(w) => eprintln!("  {}", report::written(w)),
    };
    let out = operation::run_with(b.as_ref(), &target, op, journal.as_mut(), &progress)?;
    report::outcome(&cli, out, journal.as_ref().map(|j| j.path()))
}

fn serve(cli: &Cli, a: &ServeArgs) -> Result<(), BridgeError> {
    let journal = a
        .results_file
        .as_deref()
        .map(|f| crate::journal::open(f, &a.protection.choice()))
        .transpose()?;
    let b = backend(
        cli,
        &CardWait::new(std::time::Duration::from_secs(cli.card_timeout)),
    )?;
    let cfg = crate::server::ServerConfig {
        port: a.port,
        dist: a.dist.clone(),
        allowed_origins: a.allow_origin.clone(),
        allow_null_origin: a.allow_null_origin,
        pairing_secret: crate::server::new_pairing_secret()?,
        simulate: cli.simulate,
    };
    let open = a.open;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| BridgeError::Internal(e.to_string()))?;
    rt.block_on(crate::server::serve(
        cfg,
        b,
        journal,
        a.port,
        |port, cfg| {
            let url = format!(
                "http://127.0.0.1:{port}/#pair={}",
                cfg.pairing_secret.as_str()
            );
            if cli.simulate {
                eprintln!("SIMULATION: emulated devices, nothing is written to real hardware");
            }
            // The URL (with the pairing secret in the fragment) goes to stdout only.
            println!("Tokensmith bridge: open {url}");
            use std::io::Write;
            let _ = std::io::stdout().flush();
            if open {
                let _ = std::process::Command::new("xdg-open").arg(&url).spawn();
            }
        },
    ))
}
