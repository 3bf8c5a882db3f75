//! The command line (clap derive). See `hardware-bridge --help`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use serde::Serialize;
use tokensmith_core::secret::{Encoding, Secret};
use zeroize::Zeroizing;

use crate::devices::{
    self, Backend, BridgeError, BurnOutcome, BurnParams, Credentials, DeviceKind, SyncParams,
    Verification,
};
use crate::molto2::CustomerKey;
use crate::results::{self, EntraFormat, ResultRecord, ResultsFile};

const AFTER_HELP: &str = "\
Secrets are never taken from the command line: use --secret-file F or --secret-stdin
(base32 or hex, detected automatically). The OATH password comes from --password-file
or $TOKENSMITH_OATH_PASSWORD; a Molto2 customer key from --customer-key-file or
$TOKENSMITH_MOLTO2_KEY (factory key when neither is given).

Authentication is never retried automatically: older Token2 tokens lock for good.

Exit codes:
  0  success
  1  other failure (results file, server, internal error)
  2  bad input: invalid parameters or usage (nothing was sent to a device)
  3  no device: no reader, no card, unknown card, card removed, card busy, PC/SC unavailable
  4  authentication failed or device locked
  5  device rejected a command, or the check after a burn failed";

/// Burn and manage programmable TOTP hardware tokens through PC/SC
/// (Token2 single-profile, Token2 Molto2, YubiKey/Nitrokey OATH), and serve
/// the Tokensmith page on localhost.
#[derive(Parser, Debug)]
#[command(name = "hardware-bridge", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// Reader to use: full name or a unique part of it (default: the only reader holding a card).
    #[arg(long, global = true, value_name = "NAME")]
    pub reader: Option<String>,
    /// Device kind, skipping detection (e.g. a Molto2 on a reader not named "Molto2").
    #[arg(long, global = true, value_enum)]
    pub kind: Option<DeviceKind>,
    /// Print results as JSON on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    /// Use in-process emulated devices instead of PC/SC (no hardware needed).
    #[arg(long, global = true)]
    pub simulate: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List readers and what is on each.
    List,
    /// Serial, model, token clock vs host clock.
    Info,
    /// Burn a seed (config first, then seed), verify, and append to the results file.
    Burn(BurnArgs),
    /// Set the token's clock to the host's (Token2: rewrites the config; may clear the seed).
    SyncTime(SyncArgs),
    /// Molto2 profiles.
    Profiles {
        #[command(subcommand)]
        command: ProfilesCommand,
    },
    /// OATH credentials (YubiKey, Nitrokey 3, Solo 2).
    Oath {
        #[command(subcommand)]
        command: OathCommand,
    },
    /// Convert a results file to the Entra CSV (or Graph JSON).
    ResultsToCsv(ResultsArgs),
    /// Serve the page and the JSON API on 127.0.0.1 / ::1.
    Serve(ServeArgs),
}

#[derive(Args, Debug, Clone)]
#[group(id = "secret_source", required = true, multiple = false)]
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

#[derive(Args, Debug, Clone)]
pub struct BurnArgs {
    #[command(flatten)]
    pub secret: SecretSource,
    /// SHA1, SHA256 (SHA512: OATH only).
    #[arg(long)]
    pub algorithm: Option<String>,
    /// Time step in seconds (Token2/Molto2: 30 or 60).
    #[arg(long)]
    pub period: Option<u32>,
    /// Code length (Token2: 6; Molto2: 4, 6, 8, 10; OATH: 6–8).
    #[arg(long)]
    pub digits: Option<u8>,
    /// Display timeout in seconds: 15, 30, 60, 120 (Token2/Molto2).
    #[arg(long, value_name = "SECONDS")]
    pub display_timeout: Option<u32>,
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
    /// Token2: burn even if the serial prefix is not a known programmable model.
    #[arg(long)]
    pub force_unknown_model: bool,
    /// Results file (CSV) to append to: opened before anything is sent.
    #[arg(long, value_name = "FILE")]
    pub results_file: PathBuf,
    /// User (UPN) to record with this token, for the Entra CSV.
    #[arg(long)]
    pub upn: Option<String>,
    #[command(flatten)]
    pub creds: CredArgs,
}

#[derive(Args, Debug, Clone)]
pub struct SyncArgs {
    /// Token2: algorithm of the seed on the token (the config is rewritten).
    #[arg(long)]
    pub algorithm: Option<String>,
    /// Token2: period of the seed on the token.
    #[arg(long)]
    pub period: Option<u32>,
    /// Token2: display timeout to write.
    #[arg(long, value_name = "SECONDS")]
    pub display_timeout: Option<u32>,
    /// Go ahead even on models where the sync clears the seed.
    #[arg(long)]
    pub confirm_clear_seed: bool,
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
    /// Delete a profile's seed.
    Delete {
        #[arg(long)]
        profile: u8,
        #[command(flatten)]
        creds: CredArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum OathCommand {
    /// List credentials.
    List {
        #[command(flatten)]
        creds: CredArgs,
    },
    /// Store a TOTP credential (same options as burn; --account required) and verify it.
    Put(BurnArgs),
    /// Delete a credential by its full name.
    Delete {
        #[arg(long)]
        name: String,
        #[command(flatten)]
        creds: CredArgs,
    },
    /// Calculate the current code of a credential.
    Code {
        #[arg(long)]
        name: String,
        #[command(flatten)]
        creds: CredArgs,
    },
}

#[derive(Args, Debug)]
pub struct ResultsArgs {
    /// The results file written by burn.
    pub results_file: PathBuf,
    /// CSV with columns serial, upn (and optionally profile) for rows without a UPN.
    #[arg(long, value_name = "FILE")]
    pub upn_map: Option<PathBuf>,
    /// Output file (default: stdout). Holds secrets: created with mode 0600.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "csv")]
    pub format: EntraFormat,
    /// Manufacturer to write instead of the recorded one.
    #[arg(long)]
    pub manufacturer: Option<String>,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 and ::1 (0: any free port).
    #[arg(long, default_value_t = 8733)]
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
    /// Append every burn made through the API to this results file.
    #[arg(long, value_name = "FILE")]
    pub results_file: Option<PathBuf>,
    /// Open the page in the default browser.
    #[arg(long)]
    pub open: bool,
}

fn read_trimmed(path: &Path) -> Result<Zeroizing<String>, BridgeError> {
    let s = Zeroizing::new(
        std::fs::read_to_string(path)
            .map_err(|e| BridgeError::BadInput(format!("{}: {e}", path.display())))?,
    );
    Ok(Zeroizing::new(s.trim().to_string()))
}

fn read_secret(src: &SecretSource) -> Result<Secret, BridgeError> {
    let text = match &src.secret_file {
        Some(p) => read_trimmed(p)?,
        None => {
            let mut s = Zeroizing::new(String::new());
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| BridgeError::BadInput(format!("stdin: {e}")))?;
            Zeroizing::new(s.trim().to_string())
        }
    };
    let parsed = Secret::parse(&text, Encoding::Auto)
        .map_err(|e| BridgeError::BadInput(format!("secret: {e}")))?;
    if parsed.ambiguous {
        eprintln!(
            "note: the secret was read as {} (it is also valid in the other encoding)",
            parsed.encoding.as_str()
        );
    }
    Ok(parsed.secret)
}

fn read_creds(c: &CredArgs) -> Result<Credentials, BridgeError> {
    let key_text = match &c.customer_key_file {
        Some(p) => Some(read_trimmed(p)?),
        None => std::env::var("TOKENSMITH_MOLTO2_KEY")
            .ok()
            .map(Zeroizing::new),
    };
    let customer_key = key_text.map(|k| CustomerKey::parse(&k)).transpose()?;
    let oath_password = match &c.password_file {
        Some(p) => Some(read_trimmed(p)?),
        None => std::env::var("TOKENSMITH_OATH_PASSWORD")
            .ok()
            .map(Zeroizing::new),
    };
    Ok(Credentials {
        customer_key,
        oath_password,
    })
}

fn backend(cli: &Cli) -> Result<Arc<dyn Backend>, BridgeError> {
    if cli.simulate {
        Ok(Arc::new(crate::simulate::SimBackend::new()))
    } else if matches!(cli.command, Command::Serve(_)) {
        // The server starts even before pcscd does; each request reports.
        Ok(Arc::new(crate::pcsc::PcscBackend::lazy()))
    } else {
        Ok(Arc::new(crate::pcsc::PcscBackend::new()?))
    }
}

fn print_json<T: Serialize>(v: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).unwrap_or_else(|_| "{}".into())
    );
}

fn group3(code: &str) -> String {
    if code.len() == 6 || code.len() == 8 {
        let (a, b) = code.split_at(code.len() / 2);
        format!("{a} {b}")
    } else {
        code.to_string()
    }
}

fn describe(d: &devices::Detected) -> String {
    format!(
        "{} {} serial {}",
        match d.kind {
            DeviceKind::Token2 => "Token2",
            DeviceKind::Molto2 => "Token2",
            DeviceKind::Oath => "OATH key,",
        },
        d.model,
        d.serial
    )
}

/// Entry point of the `hardware-bridge` binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if json {
                print_json(
                    &serde_json::json!({"error": {"code": e.code(), "message": e.to_string()}}),
                );
            }
            eprintln!("error: {e}");
            ExitCode::from(e.class().exit_code() as u8)
        }
    }
}

pub fn run(cli: Cli) -> Result<(), BridgeError> {
    match &cli.command {
        Command::List => {
            let b = backend(&cli)?;
            let list = devices::list(b.as_ref())?;
            if cli.json {
                print_json(&list);
            } else if list.is_empty() {
                return Err(BridgeError::NoReader);
            } else {
                for r in &list {
                    match (&r.device, &r.error, r.card_present) {
                        (Some(d), _, _) => println!("{}: {}", r.name, describe(d)),
                        (None, Some(e), _) => println!("{}: {e}", r.name),
                        (None, None, false) => println!("{}: no card", r.name),
                        (None, None, true) => println!("{}: card present", r.name),
                    }
                }
            }
        }
        Command::Info => {
            let b = backend(&cli)?;
            let (_t, d) = devices::open_detect(b.as_ref(), cli.reader.as_deref(), cli.kind)?;
            let rep = devices::info(&d, devices::now());
            if cli.json {
                print_json(&rep);
            } else {
                println!("reader:  {}", d.reader);
                println!("device:  {}", describe(&d));
                if !d.known_model {
                    println!("warning: serial prefix not a known programmable model (burning needs --force-unknown-model)");
                }
                if let Some(t) = d.token_time {
                    println!(
                        "clock:   token {t}, host {}, drift {:+} s",
                        rep.host_time,
                        rep.drift_seconds.unwrap_or(0)
                    );
                }
                if rep.sync_clears_seed == Some(true) {
                    println!("note:    on this model a clock sync (config write) clears the seed");
                }
                if let Some(p) = d.profiles {
                    println!("profiles: {p}");
                }
                if let Some(v) = &d.oath_version {
                    println!(
                        "OATH applet {v}, password {}",
                        if d.password_set == Some(true) {
                            "set"
                        } else {
                            "not set"
                        }
                    );
                }
            }
        }
        Command::Burn(a) => burn_cmd(&cli, a, None)?,
        Command::Oath {
            command: OathCommand::Put(a),
        } => burn_cmd(&cli, a, Some(DeviceKind::Oath))?,
        Command::SyncTime(a) => {
            let creds = read_creds(&a.creds)?;
            let b = backend(&cli)?;
            let (mut t, d) = devices::open_detect(b.as_ref(), cli.reader.as_deref(), cli.kind)?;
            eprintln!("device: {}", describe(&d));
            let p = SyncParams {
                algorithm: a.algorithm.clone(),
                period: a.period,
                display_timeout: a.display_timeout,
                confirm_clear_seed: a.confirm_clear_seed,
            };
            let out = devices::sync_time(&mut *t, &d, &p, &creds, devices::now())?;
            if cli.json {
                print_json(&out);
            } else {
                println!(
                    "clock set to {} (was {})",
                    out.new_token_time,
                    out.previous_token_time
                        .map_or("unknown".into(), |t| t.to_string())
                );
                for w in &out.warnings {
                    println!("warning: {w}");
                }
            }
        }
        Command::Profiles { command } => {
            let b = backend(&cli)?;
            let kind = Some(cli.kind.unwrap_or(DeviceKind::Molto2));
            let (mut t, d) = devices::open_detect(b.as_ref(), cli.reader.as_deref(), kind)?;
            match command {
                ProfilesCommand::List { all } => {
                    let list = devices::profiles_list(&mut *t, &d)?;
                    if cli.json {
                        print_json(&list);
                    } else {
                        for p in list
                            .iter()
                            .filter(|p| *all || p.seed_present || !p.title.is_empty())
                        {
                            println!(
                                "{:>3}  {:<12}  {}  {}",
                                p.profile,
                                p.title,
                                if p.seed_present { "seed" } else { "empty" },
                                p.algorithm.as_deref().map_or(String::new(), |a| format!(
                                    "{a} {} digits {} s",
                                    p.digits, p.period
                                ))
                            );
                        }
                    }
                }
                ProfilesCommand::Title {
                    profile,
                    title,
                    creds,
                } => {
                    let c = read_creds(creds)?;
                    devices::profile_title(&mut *t, &d, &c, *profile, title)?;
                    println!("profile {profile}: title set");
                }
                ProfilesCommand::Delete { profile, creds } => {
                    let c = read_creds(creds)?;
                    devices::profile_delete(&mut *t, &d, &c, *profile)?;
                    println!("profile {profile}: seed deleted");
                }
            }
        }
        Command::Oath { command } => {
            let b = backend(&cli)?;
            let kind = Some(cli.kind.unwrap_or(DeviceKind::Oath));
            let (mut t, d) = devices::open_detect(b.as_ref(), cli.reader.as_deref(), kind)?;
            match command {
                OathCommand::List { creds } => {
                    let c = read_creds(creds)?;
                    let list = devices::oath_list(&mut *t, &d, &c)?;
                    if cli.json {
                        print_json(&list);
                    } else {
                        for e in list {
                            println!("{}  ({}, {})", e.name, e.oath_type, e.algorithm);
                        }
                    }
                }
                OathCommand::Delete { name, creds } => {
                    let c = read_creds(creds)?;
                    devices::oath_delete(&mut *t, &d, &c, name)?;
                    println!("deleted {name}");
                }
                OathCommand::Code { name, creds } => {
                    let c = read_creds(creds)?;
                    let code = devices::oath_code(&mut *t, &d, &c, name, devices::now())?;
                    if cli.json {
                        print_json(&code);
                    } else {
                        println!("{}", code.code);
                    }
                }
                OathCommand::Put(_) => unreachable!("handled above"),
            }
        }
        Command::ResultsToCsv(a) => {
            let text = Zeroizing::new(std::fs::read_to_string(&a.results_file).map_err(|e| {
                BridgeError::BadInput(format!("{}: {e}", a.results_file.display()))
            })?);
            let recs = results::read_results(&text)?;
            let map = match &a.upn_map {
                Some(p) => results::read_upn_map(
                    &std::fs::read_to_string(p)
                        .map_err(|e| BridgeError::BadInput(format!("{}: {e}", p.display())))?,
                )?,
                None => Default::default(),
            };
            let out = results::to_entra(&recs, &map, a.format, a.manufacturer.as_deref())?;
            match &a.out {
                Some(p) => {
                    write_private(p, out.as_bytes())?;
                    eprintln!(
                        "wrote {} ({} token rows)",
                        p.display(),
                        out.lines().count().saturating_sub(1)
                    );
                }
                None => print!("{}", out.as_str()),
            }
        }
        Command::Serve(a) => serve_cmd(&cli, a)?,
    }
    Ok(())
}

fn write_private(p: &Path, data: &[u8]) -> Result<(), BridgeError> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o
        .open(p)
        .map_err(|e| BridgeError::Results(format!("{}: {e}", p.display())))?;
    f.write_all(data)
        .and_then(|_| f.sync_all())
        .map_err(|e| BridgeError::Results(format!("{}: {e}", p.display())))
}

fn burn_cmd(cli: &Cli, a: &BurnArgs, force: Option<DeviceKind>) -> Result<(), BridgeError> {
    let secret = read_secret(&a.secret)?;
    let creds = read_creds(&a.creds)?;
    let params = BurnParams {
        algorithm: a.algorithm.clone(),
        digits: a.digits,
        period: a.period,
        display_timeout: a.display_timeout,
        profile: a.profile,
        title: a.title.clone(),
        account: a.account.clone(),
        issuer: a.issuer.clone(),
        touch: a.touch,
        force_unknown_model: a.force_unknown_model,
    };
    let kind = force.or(cli.kind);
    if let Some(k) = kind {
        devices::plan_burn(k, &params, &secret, None)?;
    }
    // The results file is opened before anything is sent to a device.
    let mut rf = ResultsFile::open(&a.results_file)?;
    let b = backend(cli)?;
    let (mut t, d) = devices::open_detect(b.as_ref(), cli.reader.as_deref(), kind)?;
    eprintln!("device: {} on {}", describe(&d), d.reader);
    let plan = devices::plan_burn(d.kind, &params, &secret, d.profiles)?;
    eprintln!("burning…");
    let out = devices::burn(&mut *t, &d, &plan, &secret, &creds, devices::now())?;
    rf.append(&ResultRecord::from_outcome(&out, &secret, a.upn.clone()))?;
    if cli.json {
        print_json(&out);
    } else {
        print_outcome(&out, rf.path());
    }
    Ok(())
}

fn print_outcome(o: &BurnOutcome, results: &Path) {
    println!(
        "burned {} {} serial {}{}: {}, {} digits, {} s{}",
        o.kind.as_str(),
        o.model,
        o.serial,
        o.profile.map_or(String::new(), |p| format!(" profile {p}")),
        o.algorithm,
        o.digits,
        o.period,
        o.display_timeout
            .map_or(String::new(), |d| format!(", display {d} s"))
    );
    match &o.verification {
        Verification::CompareWithDisplay {
            expected_code,
            next_code,
            valid_for_seconds,
        } => println!(
            "check: the token must now show {} ({} s more, then {})",
            group3(expected_code),
            valid_for_seconds,
            group3(next_code)
        ),
        Verification::DeviceCalculated { code, .. } => {
            println!("verified: the device computed {code}, as expected")
        }
        Verification::NotChecked { reason } => println!("not verified: {reason}"),
    }
    for w in &o.warnings {
        println!("warning: {w}");
    }
    println!("recorded in {}", results.display());
}

fn serve_cmd(cli: &Cli, a: &ServeArgs) -> Result<(), BridgeError> {
    let results = a
        .results_file
        .as_deref()
        .map(ResultsFile::open)
        .transpose()?;
    let b = backend(cli)?;
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
        results,
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
