//! Run one emulated card against vsmartcard's vpcd.
//!
//! `emulated-card --kind token2|molto2|ykoath [--serial S] [--addr 127.0.0.1:35963]
//!  [--password P] [--customer-key K] [--clock UTC] [--wait SECONDS]`
//!
//! Prints `ready` on stdout once connected, then serves until vpcd closes
//! the connection. `--password` sets the YKOATH access password (for
//! `molto2` it is taken as the customer key when `--customer-key` is not
//! given); `--customer-key` sets the Molto2 customer key (any length; 32 hex
//! digits or `0x…` are raw bytes); `--model v1|v2` picks Molto2 (profiles 0–49) or
//! Molto2v2 (0–99, default).
#![forbid(unsafe_code)]

use hardware_bridge::vpcd;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;
use tokensmith_proto::emulator::{Card, Molto2Card, Token2Card, YkoathCard};
use tokensmith_proto::molto2::{CustomerKey, Molto2Model};

const USAGE: &str = "usage: emulated-card --kind token2|molto2|ykoath [--serial S] \
[--addr 127.0.0.1:35963] [--password P] [--customer-key K] [--model v1|v2] [--clock UTC] \
[--wait SECONDS]";

struct Args {
    kind: String,
    serial: Option<String>,
    addr: String,
    password: Option<String>,
    customer_key: Option<String>,
    model: Molto2Model,
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
        model: Molto2Model::V2,
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
            "--model" => {
                a.model = match value()?.to_ascii_lowercase().as_str() {
                    "v1" | "molto2" => Molto2Model::V1,
                    "v2" | "molto2v2" => Molto2Model::V2,
                    other => return Err(format!("--model {other}: use v1 or v2")),
                }
            }
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
            let mut c = Molto2Card::new(a.model, a.serial.as_deref().unwrap_or("MOLTO2V2000001"));
            if let Some(k) = a.customer_key.as_ref().or(a.password.as_ref()) {
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
