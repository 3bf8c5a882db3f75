//! Run one emulated card against vsmartcard's vpcd.
//!
//! `emulated-card --kind token2|molto2|ykoath [--serial S] [--addr 127.0.0.1:35963]
//!  [--password P] [--customer-key K] [--clock UTC] [--wait SECONDS]`
//!
//! Prints `ready` on stdout once connected, then serves until vpcd closes
//! the connection. `--password` sets the YKOATH access password;
//! `--customer-key` the Molto2 customer key (32 hex digits or 16 ASCII).
#![forbid(unsafe_code)]

use hardware_bridge::emulator::{Card, Molto2Card, Token2Card, YkoathCard};
use hardware_bridge::molto2::{CustomerKey, Molto2Model};
use hardware_bridge::vpcd;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "usage: emulated-card --kind token2|molto2|ykoath [--serial S] \
[--addr 127.0.0.1:35963] [--password P] [--customer-key K] [--clock UTC] [--wait SECONDS]";

struct Args {
    kind: String,
    serial: Option<String>,
    addr: String,
    password: Option<String>,
    customer_key: Option<String>,
    clock: Option<u32>,
    wait: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        kind: String::new(),
        serial: None,
        addr: vpcd::DEFAULT_ADDR.to_string(),
        password: None,
        customer_key: None,
        clock: None,
        wait: 10,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--help" || flag == "-h" {
            return Err(USAGE.into());
        }
        let mut value = || {
            it.next()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--kind" => a.kind = value()?,
            "--serial" => a.serial = Some(value()?),
            "--addr" => a.addr = value()?,
            "--password" => a.password = Some(value()?),
            "--customer-key" => a.customer_key = Some(value()?),
            "--clock" => a.clock = Some(value()?.parse().map_err(|e| format!("--clock: {e}"))?),
            "--wait" => a.wait = value()?.parse().map_err(|e| format!("--wait: {e}"))?,
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if a.kind.is_empty() {
        return Err(USAGE.into());
    }
    Ok(a)
}

fn build_card(a: &Args) -> Result<Box<dyn Card>, String> {
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as u32)
            .unwrap_or(0)
    };
    Ok(match a.kind.as_str() {
        "token2" => {
            let mut c = match &a.serial {
                Some(s) => Token2Card::new(s),
                None => Token2Card::default(),
            };
            c.set_clock(a.clock.unwrap_or_else(now));
            Box::new(c)
        }
        "molto2" => {
            let mut c = Molto2Card::new(
                Molto2Model::V2,
                a.serial.as_deref().unwrap_or("MOLTO2V2000001"),
            );
            if let Some(k) = &a.customer_key {
                c.set_customer_key(&CustomerKey::parse(k).map_err(|e| e.to_string())?);
            }
            c.set_clock(a.clock.unwrap_or_else(now));
            Box::new(c)
        }
        "ykoath" => Box::new(match &a.password {
            Some(p) => YkoathCard::with_password(p),
            None => YkoathCard::new(),
        }),
        other => return Err(format!("unknown --kind {other}\n{USAGE}")),
    })
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let mut card = match build_card(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let result = vpcd::run(
        &args.addr,
        Duration::from_secs(args.wait),
        &mut card,
        || {
            let mut out = std::io::stdout();
            let _ = writeln!(out, "ready");
            let _ = out.flush();
        },
    );
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("emulated-card: vpcd at {}: {e}", args.addr);
            ExitCode::FAILURE
        }
    }
}
