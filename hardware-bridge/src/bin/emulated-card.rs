//! Run one emulated card against vsmartcard's vpcd.
//!
//! `emulated-card --kind token2|molto2|ykoath|nitrokey3|oath-generic [--serial S]
//!  [--addr 127.0.0.1:35963] [--password P] [--customer-key K] [--clock UTC] [--wait SECONDS]
//!  [--firmware A.B.C] [--pin-attempts N] [--fault removed-before:N|removed-during:N|silent-during:N]`
//!
//! Prints `ready` on stdout once connected, then serves until vpcd closes
//! the connection. `--password` sets the YKOATH access password (for
//! `molto2` it is taken as the customer key when `--customer-key` is not
//! given); `--customer-key` sets the Molto2 customer key (any length; 32 hex
//! digits or `0x…` are raw bytes); `--model v1|v2` picks Molto2 (profiles 0–49) or
//! Molto2v2 (0–99, default). `ykoath` is a YubiKey (`--firmware`, default 5.4.3; `--serial`
//! its serial number, default 12345678, `none` to hide it); `nitrokey3` a Nitrokey 3 Secrets
//! app (`--serial` number, `--pin-attempts N`: a PIN is set); `oath-generic` an OATH key of
//! unknown maker (no serial anywhere).
//!
//! `--fault` makes the card misbehave at its Nth command (`vpcd::Fault`): pulled before it
//! (`removed-before`), pulled after carrying it out but before answering (`removed-during`), or
//! carrying it out and then answering nothing more while staying in the reader
//! (`silent-during`). A pulled card exits 0 after closing the connection.
#![forbid(unsafe_code)]

use hardware_bridge::vpcd;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;
use tokensmith_proto::emulator::{
    Card, Molto2Card, Token2Card, YkoathCard, DEFAULT_YUBIKEY_SERIAL,
};
use tokensmith_proto::molto2::{CustomerKey, Molto2Model};

const USAGE: &str = "usage: emulated-card --kind token2|molto2|ykoath|nitrokey3|oath-generic \
[--serial S] [--addr 127.0.0.1:35963] [--password P] [--customer-key K] [--model v1|v2] \
[--clock UTC] [--wait SECONDS] [--firmware A.B.C] [--pin-attempts N] \
[--fault removed-before:N|removed-during:N|silent-during:N]";

struct Args {
    kind: String,
    serial: Option<String>,
    addr: String,
    password: Option<String>,
    customer_key: Option<String>,
    model: Molto2Model,
    clock: Option<u32>,
    wait: u64,
    firmware: [u8; 3],
    pin_attempts: Option<u8>,
    fault: Option<vpcd::Fault>,
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
        firmware: [5, 4, 3],
        pin_attempts: None,
        fault: None,
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
            "--firmware" => {
                let v = value()?;
                let parts: Vec<u8> = v
                    .split('.')
                    .map(str::parse)
                    .collect::<Result<_, _>>()
                    .map_err(|e| format!("--firmware {v}: {e}"))?;
                a.firmware = parts
                    .try_into()
                    .map_err(|_| format!("--firmware {v}: use A.B.C"))?;
            }
            "--pin-attempts" => {
                a.pin_attempts = Some(
                    value()?
                        .parse()
                        .map_err(|e| format!("--pin-attempts: {e}"))?,
                )
            }
            "--fault" => a.fault = Some(value()?.parse()?),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if a.kind.is_empty() {
        return Err(USAGE.into());
    }
    Ok(a)
}

fn number(s: &str) -> Result<u32, String> {
    s.parse()
        .map_err(|_| format!("--serial {s}: an OATH key's serial is a number"))
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
        "ykoath" => {
            let serial = match a.serial.as_deref() {
                None => Some(DEFAULT_YUBIKEY_SERIAL),
                Some("none") => None,
                Some(s) => Some(number(s)?),
            };
            let mut c = YkoathCard::yubikey(a.firmware, serial);
            c.set_password(a.password.as_deref());
            Box::new(c)
        }
        "nitrokey3" => {
            let serial = number(a.serial.as_deref().unwrap_or("1"))?;
            Box::new(YkoathCard::nitrokey3(serial, a.pin_attempts))
        }
        "oath-generic" => {
            let mut c = YkoathCard::generic();
            c.set_password(a.password.as_deref());
            Box::new(c)
        }
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
        args.fault,
        || {
            let mut out = std::io::stdout();
            let _ = writeln!(out, "ready");
            let _ = out.flush();
        },
    );
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("emulated-card: vpcd at {}: {e}", args.addr);
            ExitCode::FAILURE
        }
    }
}
