//! `hardware-bridge entra …`: the command line of the one online step. Reads the input (a
//! results file, an Entra CSV or the page's Graph JSON), then hands over to
//! [`tokensmith_graph`], which does the work; this file only parses, prints and picks the exit
//! code.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use tokensmith_core::caps;
use tokensmith_core::entra::{self, Field, Issue, IssueKind, Severity};
use tokensmith_core::formats::ExportFormat;
use tokensmith_graph::manage::{self, Removal, Row, Targets};
use tokensmith_graph::{
    Credential, DeviceCodePrompt, Endpoints, Error, Graph, HttpOptions, Input, Journal,
    PushOptions, TokenReport, Ui, PUBLIC_GRAPH_URL, PUBLIC_LOGIN_URL,
};
use zeroize::Zeroizing;

use crate::cli::Cli;
use crate::error::BridgeError;
use crate::results;

const AFTER_HELP: &str = "\
Sign-in: without --client-secret-file a person signs in with a device code (open the address
shown, type the code); with it, the app signs in by itself (client credentials). The secret is
read from the file, never from the command line. Sign-in tokens stay in memory.

The app registration needs the Graph permissions Policy.ReadWrite.AuthenticationMethod,
UserAuthenticationMethod.ReadWrite.All and User.Read.All (delegated for a person, application
for client credentials) with admin consent; a person also needs the roles Authentication Policy
Administrator and Authentication Administrator (Privileged Authentication Administrator to give
tokens to admins). See README.md, \"Upload to Entra\".

push writes a journal (default: the input file's name + .entra-journal) after every step: run
the same command again after a crash or a failure and it finishes the rest without doing
anything twice.

Exit codes:
  0  done
  1  Graph unreachable or answering nonsense, journal unwritable (run again later to resume)
  2  bad input or options (nothing was sent)
  4  sign-in failed, or Graph refused a permission
  5  some tokens failed (the report says which and why); the others are done";

/// Push tokens to Microsoft Entra ID through Microsoft Graph, show or remove them.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct EntraArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(subcommand)]
    pub command: EntraCommand,
}

#[derive(Args, Debug)]
pub struct ConnArgs {
    /// Directory (tenant) ID or domain, e.g. contoso.onmicrosoft.com.
    #[arg(long, global = true, value_name = "TENANT")]
    pub tenant: Option<String>,
    /// Application (client) ID of the app registration.
    #[arg(long, global = true, value_name = "ID")]
    pub client_id: Option<String>,
    /// Sign in as the app with the client secret in this file (automation).
    #[arg(long, global = true, value_name = "FILE")]
    pub client_secret_file: Option<PathBuf>,
    /// Microsoft Graph base address (national clouds).
    #[arg(long, global = true, value_name = "URL", default_value = PUBLIC_GRAPH_URL)]
    pub graph_url: String,
    /// Microsoft identity platform base address (national clouds).
    #[arg(long, global = true, value_name = "URL", default_value = PUBLIC_LOGIN_URL)]
    pub login_url: String,
    /// Also trust this root certificate (PEM), e.g. a TLS-inspecting proxy's.
    #[arg(long, global = true, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum EntraCommand {
    /// Create, assign and activate the tokens of a file in Entra (resumable).
    Push(PushArgs),
    /// Show what Entra has for the tokens of a file, or for some serials.
    Status(TargetArgs),
    /// Unassign the tokens of a file (or some serials) and delete them from Entra.
    Remove(RemoveArgs),
}

#[derive(Args, Debug)]
pub struct InputArgs {
    /// CSV with columns serial, upn (and optionally profile) for results rows without a UPN.
    #[arg(long, value_name = "FILE")]
    pub upn_map: Option<PathBuf>,
    /// Manufacturer to send instead of the file's.
    #[arg(long)]
    pub manufacturer: Option<String>,
    /// The journal (default: FILE.entra-journal).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// The burn journal's passphrase, when FILE is an encrypted burn journal (else asked on
    /// the terminal).
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct PushArgs {
    /// A results file (burn), an Entra CSV, or the page's Graph JSON.
    pub file: PathBuf,
    #[command(flatten)]
    pub input: InputArgs,
    /// Tokens per bulk creation request.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub batch_size: u16,
    /// Print the requests a push would send (seeds and codes masked); send nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Args, Debug)]
pub struct TargetArgs {
    /// A results file, an Entra CSV, or a Graph JSON (its serials, profiles and users).
    #[arg(required_unless_present = "serial")]
    pub file: Option<PathBuf>,
    /// A serial number (repeatable), instead of a file: every device with it.
    #[arg(long, conflicts_with = "file")]
    pub serial: Vec<String>,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Args, Debug)]
pub struct RemoveArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Really remove (without it, only show what would be removed).
    #[arg(long)]
    pub yes: bool,
    /// Print the requests a removal would send; send nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Prints progress on stderr and each finished token on stdout.
struct Printer {
    json: bool,
}

impl Ui for Printer {
    fn device_code(&self, p: &DeviceCodePrompt) {
        eprintln!(
            "To sign in, open {} and enter the code {} (valid {} minutes).\nWaiting for the sign-in…",
            p.verification_uri,
            p.user_code,
            p.expires_in / 60
        );
    }

    fn note(&self, message: &str) {
        eprintln!("note: {message}");
    }

    fn token(&self, report: &TokenReport) {
        if !self.json {
            println!("{report}");
        }
    }
}

/// JSON on stdout with `--json`, else the text form.
fn show<T: serde::Serialize + ?Sized>(ui: &Printer, value: &T, text: impl FnOnce(&T)) {
    if ui.json {
        println!(
            "{}",
            serde_json::to_string_pretty(value).unwrap_or_default()
        );
    } else {
        text(value);
    }
}

fn bad(message: String) -> BridgeError {
    BridgeError::BadInput(message)
}

/// Reads an input file: a results file (by its header), a Graph JSON (`{` or `[`), else an
/// Entra CSV.
fn read_input(file: &Path, a: &InputArgs) -> Result<Input, BridgeError> {
    let text = Zeroizing::new(
        std::fs::read_to_string(file).map_err(|e| bad(format!("{}: {e}", file.display())))?,
    );
    let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let at = |e: &dyn std::fmt::Display| bad(format!("{}: {e}", file.display()));
    let mut input = Input::default();
    let first = body.lines().next().map(str::trim).unwrap_or_default();
    let burn_journal = format!("{{\"format\":\"{}\"", tokensmith_burn_journal::FORMAT);
    if first == tokensmith_burn_journal::LEGACY_RESULTS_HEADER || first.starts_with(&burn_journal) {
        let passphrase = if results::needs_passphrase(file) {
            crate::journal::passphrase(a.passphrase_file.as_deref(), false)?
        } else {
            None
        };
        let loaded = results::load(file, passphrase.as_ref(), crate::device::now())?;
        for e in &loaded.attention {
            eprintln!(
                "not sent (needs attention): {}",
                crate::journal::describe(e)
            );
        }
        let mut rows = loaded.rows;
        if let Some(left) = results::left_out(&rows, ExportFormat::GraphJson) {
            eprintln!("not sent: {left}");
            rows.retain(|r| r.otp_kind == tokensmith_core::otpauth::Kind::Totp);
        }
        let map = match &a.upn_map {
            Some(p) => results::read_upn_map(
                &std::fs::read_to_string(p).map_err(|e| bad(format!("{}: {e}", p.display())))?,
            )?,
            None => Default::default(),
        };
        for (row, r) in results::latest(&rows).into_iter().enumerate() {
            if r.digits != caps::entra::DIGITS {
                let refusal = caps::Refusal::EntraDigits { digits: r.digits };
                input.issues.push(Issue {
                    row,
                    field: Field::Model,
                    severity: Severity::Error,
                    message: format!(
                        "row {}: {refusal}; burn it again with --digits {}",
                        row + 1,
                        caps::entra::DIGITS
                    ),
                    kind: IssueKind::Refused(refusal),
                });
            }
            input
                .records
                .push(results::token_record(r, &map, a.manufacturer.as_deref()));
        }
    } else {
        if a.upn_map.is_some() {
            return Err(bad(
                "--upn-map fills UPNs into a results file; this file is not one".into(),
            ));
        }
        let trimmed = body.trim_start();
        input.records = if trimmed.starts_with('{') || trimmed.starts_with('[') {
            entra::read_graph_json(body).map_err(|e| at(&e))?
        } else {
            entra::read_csv(body).map_err(|e| {
                bad(format!(
                    "{}: read as an Entra CSV (it is not a results file or a Graph JSON): {e}",
                    file.display()
                ))
            })?
        };
        if let Some(m) = &a.manufacturer {
            input
                .records
                .iter_mut()
                .for_each(|r| r.manufacturer = m.clone());
        }
    }
    if input.records.is_empty() {
        return Err(bad(format!("{} holds no tokens", file.display())));
    }
    Ok(input)
}

fn journal_path(file: Option<&Path>, a: &InputArgs) -> Option<PathBuf> {
    a.journal.clone().or_else(|| {
        file.map(|f| {
            let mut name = f.as_os_str().to_owned();
            name.push(".entra-journal");
            PathBuf::from(name)
        })
    })
}

fn endpoints(c: &ConnArgs) -> Result<Endpoints, Error> {
    let need = |v: &Option<String>, option: &str, what: &str| {
        v.clone()
            .ok_or_else(|| Error::BadInput(format!("{option} is required: {what}")))
    };
    Endpoints::new(
        &need(
            &c.tenant,
            "--tenant",
            "the directory (tenant) ID or its domain, e.g. contoso.onmicrosoft.com",
        )?,
        &need(
            &c.client_id,
            "--client-id",
            "the application (client) ID of the app registration (see README.md, \"Upload to Entra\")",
        )?,
        &c.graph_url,
        &c.login_url,
    )
}

fn credential(c: &ConnArgs) -> Result<Credential, Error> {
    let Some(path) = &c.client_secret_file else {
        return Ok(Credential::DeviceCode);
    };
    let text =
        Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
            Error::BadInput(format!("--client-secret-file {}: {e}", path.display()))
        })?);
    let secret = Zeroizing::new(text.trim().to_string());
    if secret.is_empty() {
        return Err(Error::BadInput(format!(
            "--client-secret-file {} is empty: put the client secret's Value in it",
            path.display()
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0) {
            eprintln!(
                "note: {} can be read by other users of this computer: chmod 600 it",
                path.display()
            );
        }
    }
    Ok(Credential::ClientSecret(secret))
}

fn http(c: &ConnArgs) -> HttpOptions {
    HttpOptions {
        ca_file: c.ca_file.clone(),
        ..HttpOptions::default()
    }
}

/// Runs `entra`. Exits the process with the entra exit code when it is not 0.
pub fn run(cli: &Cli, a: &EntraArgs) -> Result<(), BridgeError> {
    let printer = Printer { json: cli.json };
    let code = match dispatch(a, &printer) {
        Ok(code) => code,
        Err(Failure::Bridge(e)) => return Err(e),
        Err(Failure::Graph(e)) => {
            if cli.json {
                println!(
                    "{}",
                    serde_json::json!({"error": {"message": e.to_string(), "exit_code": e.exit_code()}})
                );
            }
            eprintln!("error: {e}");
            e.exit_code()
        }
    };
    if code != 0 {
        let _ = std::io::stdout().flush();
        let _ = std::io::stderr().flush();
        // Everything holding a secret has been dropped by now.
        std::process::exit(i32::from(code));
    }
    Ok(())
}

enum Failure {
    Bridge(BridgeError),
    Graph(Error),
}

impl From<BridgeError> for Failure {
    fn from(e: BridgeError) -> Self {
        Failure::Bridge(e)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Graph(e)
    }
}

fn dispatch(a: &EntraArgs, ui: &Printer) -> Result<u8, Failure> {
    let endpoints = endpoints(&a.conn)?;
    match &a.command {
        EntraCommand::Push(p) => push(a, p, &endpoints, ui),
        EntraCommand::Status(t) => {
            let (records, serials, journal) = targets(t, &endpoints)?;
            let target = match &records {
                Some(input) => Targets::Records(&input.records),
                None => Targets::Serials(&serials),
            };
            let mut graph = Graph::connect(&endpoints, &http(&a.conn), credential(&a.conn)?, ui)?;
            let rows = manage::status(&mut graph, target, &journal)?;
            show(ui, rows.as_slice(), print_status);
            Ok(0)
        }
        EntraCommand::Remove(r) => remove(a, r, &endpoints, ui),
    }
}

/// The records (from a file) or serials a status or removal is about, and the journal.
fn targets(
    t: &TargetArgs,
    endpoints: &Endpoints,
) -> Result<(Option<Input>, Vec<String>, Journal), Failure> {
    let records = t
        .file
        .as_deref()
        .map(|f| read_input(f, &t.input))
        .transpose()?;
    let journal = match journal_path(t.file.as_deref(), &t.input) {
        Some(p) => Journal::read_only(&p, Some(endpoints))?,
        None => Journal::in_memory(),
    };
    Ok((records, t.serial.clone(), journal))
}

fn push(a: &EntraArgs, p: &PushArgs, endpoints: &Endpoints, ui: &Printer) -> Result<u8, Failure> {
    let input = read_input(&p.file, &p.input)?;
    let journal_path = journal_path(Some(&p.file), &p.input).unwrap_or_default();
    let opts = PushOptions {
        batch_size: usize::from(p.batch_size),
    };
    if p.dry_run {
        let journal = Journal::read_only(&journal_path, Some(endpoints))?;
        let (checked, warnings) = tokensmith_graph::check(&input, Some(&journal));
        warnings.iter().for_each(|w| ui.note(w));
        checked
            .iter()
            .filter(|t| !t.ok())
            .for_each(|t| println!("{t}"));
        let text = tokensmith_graph::dry_run::dry_run(
            endpoints,
            a.conn.client_secret_file.is_some(),
            &input,
            &checked,
            &journal,
            &opts,
        )?;
        print!("{text}");
        return Ok(if checked.iter().all(TokenReport::ok) {
            0
        } else {
            2
        });
    }
    let credential = credential(&a.conn)?;
    let mut journal = Journal::open(&journal_path, endpoints)?;
    let (checked, warnings) = tokensmith_graph::check(&input, Some(&journal));
    warnings.iter().for_each(|w| ui.note(w));
    if !checked.iter().any(TokenReport::ok) {
        checked.iter().for_each(|t| ui.token(t));
        eprintln!("error: no token passes the checks: nothing was sent");
        return Ok(2);
    }
    eprintln!("journal: {}", journal.path().display());
    let mut graph = Graph::connect(endpoints, &http(&a.conn), credential, ui)?;
    let report = tokensmith_graph::push(&mut graph, &mut journal, &input, checked, &opts);
    show(ui, &report, |r| println!("{}", r.summary()));
    if let Some(why) = &report.stopped {
        eprintln!("error: {why}");
    } else if report.failed() > 0 {
        eprintln!(
            "{} token(s) failed: fix what the report says, then run the same command again — \
             finished tokens are not redone",
            report.failed()
        );
    }
    Ok(report.exit_code())
}

fn remove(
    a: &EntraArgs,
    r: &RemoveArgs,
    endpoints: &Endpoints,
    ui: &Printer,
) -> Result<u8, Failure> {
    let (records, serials, _) = targets(&r.target, endpoints)?;
    let serials: Vec<String> = match &records {
        Some(input) => {
            let mut s: Vec<String> = Vec::new();
            for t in &input.records {
                if !s.iter().any(|x| x == t.serial.trim()) {
                    s.push(t.serial.trim().to_string());
                }
            }
            s
        }
        None => serials,
    };
    if r.dry_run {
        let api = endpoints.graph_api();
        println!("DRY RUN: nothing is sent. A removal would, for each serial:");
        for s in &serials {
            println!(
                "  GET {api}/directory/authenticationMethodDevices/hardwareOathDevices?$filter={}",
                tokensmith_graph::http::encode(&format!(
                    "serialNumber eq '{}'",
                    s.replace('\'', "''")
                ))
            );
        }
        println!("  and for each device found: DELETE {api}/users/{{user}}/authentication/hardwareOathMethods/{{method}} (if assigned), then DELETE {api}/directory/authenticationMethodDevices/hardwareOathDevices/{{device}}");
        return Ok(0);
    }
    let mut journal = match journal_path(r.target.file.as_deref(), &r.target.input) {
        Some(p) => Journal::open(&p, endpoints)?,
        None => Journal::in_memory(),
    };
    let target = match &records {
        Some(input) => Targets::Records(&input.records),
        None => Targets::Serials(&serials),
    };
    let mut graph = Graph::connect(endpoints, &http(&a.conn), credential(&a.conn)?, ui)?;
    let (removals, stopped) = manage::remove(&mut graph, target, &mut journal, r.yes)?;
    show(ui, removals.as_slice(), print_removals);
    if let Some(e) = stopped {
        eprintln!("error: {e}");
        return Ok(e.exit_code());
    }
    if removals.is_empty() {
        eprintln!("Entra has no device for these serials: nothing to remove");
        return Ok(0);
    }
    if !r.yes {
        eprintln!(
            "nothing was changed: run again with --yes to remove these {} device(s)",
            removals.len()
        );
        return Ok(2);
    }
    Ok(if removals.iter().any(|x| x.failure.is_some()) {
        5
    } else {
        0
    })
}

fn assigned(row: &Row) -> String {
    row.device
        .as_ref()
        .and_then(|d| d.assigned_to.as_ref())
        .map(|a| a.display_name.clone().unwrap_or_else(|| a.id.clone()))
        .unwrap_or_else(|| "-".into())
}

fn print_status(rows: &[Row]) {
    println!(
        "{:<24} {:<18} {:<24} {:<38} JOURNAL",
        "TOKEN", "ENTRA STATUS", "ASSIGNED TO", "DEVICE ID"
    );
    for row in rows {
        let (status, id) = row
            .device
            .as_ref()
            .map_or(("-", "-"), |d| (d.status(), d.id.as_str()));
        println!(
            "{:<24} {:<18} {:<24} {:<38} {}{}",
            row.label(),
            status,
            assigned(row),
            id,
            row.journal.unwrap_or("-"),
            row.note
                .as_deref()
                .map_or(String::new(), |n| format!("  ({n})"))
        );
    }
}

fn print_removals(removals: &[Removal]) {
    for r in removals {
        let id = r.row.device.as_ref().map_or("-", |d| d.id.as_str());
        let mut line = format!("{:<24} device {id}: {}", r.row.label(), r.done.join(", "));
        if let Some(f) = &r.failure {
            line.push_str(&format!("; FAILED: {f}"));
        }
        println!("{line}");
    }
}
