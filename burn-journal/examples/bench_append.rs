//! Benchmark (not a test): the cost of one journal append — encode, encrypt, write, fsync —
//! encrypted and in plain text side by side, in the same directory, in the same run.
//!
//! `cargo run --release -p tokensmith-burn-journal --example bench_append [DIR] [N]`
//! (DIR: where the journals go, default the system's temporary directory; N: appends per
//! kind, default 1000). Prints the median, 90th percentile and the encrypted/plain ratio.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokensmith_burn_journal::{Journal, Method, Passphrase, Protection, SecretString, Write};

#[path = "../tests/common/mod.rs"]
mod common;

/// Times `n` appends in the burn's own pattern: intent, config, seed, verified.
fn run(j: &mut Journal, n: usize, first: usize) -> Vec<Duration> {
    let mut times = Vec::with_capacity(n);
    let mut token = None;
    for i in 0..n {
        let start = Instant::now();
        match i % 4 {
            0 => {
                let mut intent = common::token2(&format!("86596{:08}", first + i), 0);
                intent.seed = tokensmith_core::secret::Secret::generate(20, None).expect("seed");
                token = Some(j.intent(intent).expect("intent"));
            }
            1 => j.written(token.unwrap(), Write::Config).expect("config"),
            2 => j.written(token.unwrap(), Write::Seed).expect("seed"),
            _ => j
                .verified(
                    token.unwrap(),
                    Method::ComparedByAdmin,
                    Some("287082".into()),
                    Some(0),
                )
                .expect("verified"),
        }
        times.push(start.elapsed());
    }
    times.sort();
    times
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("tokensmith-bench-{}", std::process::id()));
    let n: usize = args.next().map_or(1000, |a| a.parse().expect("N"));
    std::fs::create_dir_all(&dir).expect("bench directory");

    let pass = Passphrase::new(SecretString::from(
        "bench passphrase, not secret".to_owned(),
    ));
    let start = Instant::now();
    let mut enc = Journal::create(&dir.join("enc.journal"), &Protection::Passphrase(pass))
        .expect("encrypted journal");
    let create = start.elapsed();
    let mut plain =
        Journal::create(&dir.join("plain.journal"), &Protection::Plaintext).expect("plain journal");

    // Interleaved in rounds so both see the same disk and machine noise.
    let (mut te, mut tp) = (Vec::new(), Vec::new());
    for round in 0..10 {
        te.extend(run(&mut enc, n / 10, round * n / 10));
        tp.extend(run(&mut plain, n / 10, round * n / 10));
    }
    te.sort();
    tp.sort();
    let q = |t: &[Duration], p: f64| t[((t.len() as f64 - 1.0) * p) as usize];
    let size = |p: &str| std::fs::metadata(dir.join(p)).map_or(0, |m| m.len());
    println!(
        "{n} appends each, in {} (each one write + fdatasync)",
        dir.display()
    );
    println!(
        "encrypted: median {:.3} ms, p90 {:.3} ms; file {} bytes",
        ms(q(&te, 0.5)),
        ms(q(&te, 0.9)),
        size("enc.journal")
    );
    println!(
        "plain:     median {:.3} ms, p90 {:.3} ms; file {} bytes",
        ms(q(&tp, 0.5)),
        ms(q(&tp, 0.9)),
        size("plain.journal")
    );
    println!(
        "encrypted / plain (median): {:.2}",
        q(&te, 0.5).as_secs_f64() / q(&tp, 0.5).as_secs_f64()
    );
    println!(
        "creating the encrypted journal (scrypt at age's calibration): {:.0} ms",
        ms(create)
    );
    drop((enc, plain));
    let pass = Passphrase::new(SecretString::from(
        "bench passphrase, not secret".to_owned(),
    ));
    let start = Instant::now();
    let c = tokensmith_burn_journal::read_file(&dir.join("enc.journal"), Some(&pass))
        .expect("read back");
    let read = start.elapsed();
    let start = Instant::now();
    let restore = c.fold.restore();
    println!(
        "reading it back: {} records in {:.0} ms (scrypt included), restore {:.2} ms for {} tokens",
        c.records.len(),
        ms(read),
        ms(start.elapsed()),
        restore.tokens.len()
    );
    std::fs::remove_dir_all(&dir).expect("clean up");
}
