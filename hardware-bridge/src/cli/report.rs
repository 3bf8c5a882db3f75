//! How the command line shows answers: the API's JSON with `--json`, else lines for people.

use std::path::Path;

use serde::Serialize;
use tokensmith_api::{
    BurnResult, Device, DeviceKind, Info, OathType, Reader, SyncResult, Verification,
};

use super::{Cli, Command, PasswordCommand, ProfilesCommand};
use crate::device::burn::Written;
use crate::device::clock::profile_ranges;
use crate::error::BridgeError;
use crate::operation::Outcome;

/// A write the device acknowledged, as the progress line says it.
pub fn written(w: Written) -> &'static str {
    match w {
        Written::Config => "configuration written",
        Written::Seed => "seed written",
        Written::Title => "title written",
        Written::OldSeedDeleted => "old seed deleted, as asked",
        Written::Credential => "stored on the key",
    }
}

pub fn print_json<T: Serialize>(v: &T) {
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

pub fn describe(d: &Device) -> String {
    let serial = if d.serial.is_empty() {
        "(reports no serial)"
    } else {
        &d.serial
    };
    format!(
        "{} {} serial {serial}",
        match d.kind {
            DeviceKind::Token2 | DeviceKind::Molto2 => "Token2",
            DeviceKind::Oath => "OATH key,",
        },
        d.model,
    )
}

pub fn readers(list: &[Reader], json: bool) -> Result<(), BridgeError> {
    if json {
        print_json(&list);
        return Ok(());
    }
    if list.is_empty() {
        return Err(BridgeError::NoReader);
    }
    for r in list {
        match (&r.device, &r.error, r.kind) {
            (Some(d), _, _) => println!("{}: {}", r.name, describe(d)),
            (None, _, Some(DeviceKind::Molto2)) => println!(
                "{}: Token2 Molto2 (known by the reader's name; not read while listing — \
                 `--reader \"{}\" info` reads it)",
                r.name, r.name
            ),
            (None, Some(e), _) if r.busy => println!("{}: BUSY — {e}", r.name),
            (None, Some(e), _) => println!("{}: {e}", r.name),
            (None, None, _) if !r.card_present => println!("{}: no card", r.name),
            (None, None, _) => println!("{}: card present", r.name),
        }
    }
    Ok(())
}

fn info(rep: &Info) {
    let d = &rep.device;
    println!("reader:  {}", d.reader);
    println!("device:  {}", describe(d));
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
    match d.profiles {
        Some(50) => println!(
            "profiles: 0–49, as a Molto2 (the device does not say which it is: a Molto2v2 has \
             0–99, add --model molto2v2)"
        ),
        Some(p) => println!("profiles: 0–{}", p.saturating_sub(1)),
        None => {}
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
    if let Some(n) = d.pin_attempts {
        println!("PIN set ({n} attempts left)");
    }
}

fn burned(o: &BurnResult, results: Option<&Path>) {
    let step = match o.oath_type {
        Some(OathType::Hotp) => "HOTP".to_string(),
        _ => format!("{} s", o.period),
    };
    println!(
        "burned {} {} serial {}{}{}: {}, {} digits, {step}{}",
        o.kind.as_str(),
        o.model,
        o.serial,
        o.profile.map_or(String::new(), |p| format!(" profile {p}")),
        o.name
            .as_ref()
            .map_or(String::new(), |n| format!(" as {n}")),
        o.algorithm,
        o.digits,
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
    for a in &o.advice {
        println!("advice: {a}");
    }
    match results {
        Some(p) if o.recorded => println!("recorded in {}", p.display()),
        _ => {}
    }
}

fn synced(out: &SyncResult) {
    println!(
        "clock set to {} (was {})",
        out.new_token_time,
        out.previous_token_time
            .map_or("unknown".into(), |t| t.to_string())
    );
    if !out.profiles.is_empty() {
        let ok: Vec<u8> = out
            .profiles
            .iter()
            .filter(|p| p.ok)
            .map(|p| p.profile)
            .collect();
        println!("profiles set: {}", profile_ranges(&ok));
        for p in out.profiles.iter().filter(|p| !p.ok) {
            println!(
                "profile {}: NOT set — {}",
                p.profile,
                p.error.as_deref().unwrap_or("refused")
            );
        }
    }
    for w in &out.warnings {
        println!("warning: {w}");
    }
    for a in &out.advice {
        println!("advice: {a}");
    }
}

/// Prints what a device command answered. With `--json`, lists print as arrays.
pub fn outcome(cli: &Cli, out: Outcome, results: Option<&Path>) -> Result<(), BridgeError> {
    if cli.json {
        match &out {
            Outcome::Profiles(p) => print_json(&p.profiles),
            Outcome::OathCredentials(c) => print_json(&c.credentials),
            Outcome::Done(_) => {}
            other => print_json(other),
        }
    }
    match out {
        Outcome::Info(rep) if !cli.json => info(&rep),
        Outcome::Burned(o) if !cli.json => burned(&o, results),
        Outcome::Synced(out) => {
            if !cli.json {
                synced(&out);
            }
            // Some profiles refused: the exit code says so too.
            let failed: Vec<u8> = out
                .profiles
                .iter()
                .filter(|p| !p.ok)
                .map(|p| p.profile)
                .collect();
            if !failed.is_empty() {
                return Err(BridgeError::ProfilesNotSynced(profile_ranges(&failed)));
            }
        }
        Outcome::Profiles(list) if !cli.json => {
            let all = matches!(
                cli.command,
                Command::Profiles {
                    command: ProfilesCommand::List { all: true }
                }
            );
            let shown: Vec<_> = list
                .profiles
                .iter()
                .filter(|p| all || p.seed_present || !p.title.is_empty())
                .collect();
            if shown.is_empty() {
                println!(
                    "no profile holds a seed or a title (profiles 0–{}); --all lists every one",
                    list.profiles.len().saturating_sub(1)
                );
            }
            for p in shown {
                println!(
                    "{:>3}  {:<12}  {}  {}",
                    p.profile,
                    p.title,
                    if p.seed_present { "in use" } else { "empty " },
                    p.algorithm.map_or(String::new(), |a| format!(
                        "{a} {} digits {} s",
                        p.digits.unwrap_or(0),
                        p.period.unwrap_or(0)
                    ))
                );
            }
        }
        Outcome::OathCredentials(list) if !cli.json => {
            if list.credentials.is_empty() {
                println!("no OATH accounts");
            }
            for e in list.credentials {
                println!("{}  ({}, {})", e.name, e.oath_type.as_str(), e.algorithm);
            }
            if list.other_entries > 0 {
                println!(
                    "and {} entr{} of other kinds (not OATH codes: e.g. a Nitrokey 3's password safe), not shown",
                    list.other_entries,
                    if list.other_entries == 1 { "y" } else { "ies" }
                );
            }
        }
        Outcome::OathCode(code) if !cli.json => println!("{}", code.code),
        Outcome::OathCredential(c) if !cli.json => {
            if let Command::Oath {
                command: super::OathCommand::Rename { name, .. },
            } = &cli.command
            {
                println!("renamed {name} to {}", c.name);
            }
        }
        Outcome::Molto2Action(a) if !cli.json => println!("{}", a.message),
        Outcome::Done(_) => println!("{}", done_message(&cli.command)),
        _ => {}
    }
    Ok(())
}

fn done_message(c: &Command) -> String {
    use super::OathCommand;
    match c {
        Command::Profiles {
            command: ProfilesCommand::Title { profile, .. },
        } => format!("profile {profile}: title set"),
        Command::Profiles {
            command: ProfilesCommand::Delete { profile, .. },
        } => format!("profile {profile}: no seed left in it (its title stays)"),
        Command::Oath {
            command: OathCommand::Delete { name, .. },
        } => format!("deleted {name}"),
        Command::Oath {
            command: OathCommand::Password { command },
        } => match command {
            PasswordCommand::Set { .. } => "access password set (checked: the key asks for it)",
            PasswordCommand::Change { .. } => {
                "access password changed (checked: the key asks for the new one)"
            }
            PasswordCommand::Remove { .. } => "access password removed",
        }
        .into(),
        _ => "done".into(),
    }
}
