//! `cargo xtask fuzz`: runs the cargo-fuzz targets of `fuzz/` for a fixed time each and sums up
//! executions and findings. Not part of `cargo xtask test` (that replays the seed corpus only).
//!
//! libFuzzer runs in fork mode with crashes, timeouts and out-of-memory ignored, so one finding
//! does not end a long campaign: every crashing input is saved in `fuzz/artifacts/<target>/`.
//! New corpus entries go to `fuzz/corpus/<target>/`, so the committed `fuzz/seeds/` stays as is.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Instant, SystemTime};

use crate::{cmd, output_of, root, run_step, setup};

pub const USAGE: &str = "\
usage: cargo xtask fuzz [--seconds N] [--target NAME]... [--sanitizer address|none]
                       [--no-trace-compares] [--native] [-- OPTIONS]

  --seconds N     fuzz each target for N seconds (default 60)
  --target NAME   only this target (repeatable); default: every target, one after the other
  --sanitizer S   address (default; catches memory errors in dependencies' unsafe code) or none
                  (about twice the executions per second)
  --no-trace-compares
                  build without libFuzzer's comparison tracing: several times the executions
                  of targets whose time goes to arithmetic (qr), at the cost of the guidance
                  compared values give (built apart, in fuzz/target/no-trace-compares)
  --native        build for this machine's processor (-C target-cpu=native): the same code,
                  about 1.5 times the executions of qr, whose time goes to rounding and
                  dividing floats (built apart, in fuzz/target/native…)
  -- OPTIONS      options for libFuzzer, e.g. -max_len=65536 -dict=FILE, or -fork=2 to run
                  two jobs at once (the last of an option given twice counts)

Crashing inputs are saved in fuzz/artifacts/<target>/ and each run's log in fuzz/logs/<target>.log.
";

/// Inputs slower than this count as a finding (a parser that is not linear, a hang).
const TIMEOUT_SECONDS: u32 = 10;

#[derive(Debug)]
struct Options {
    seconds: u64,
    targets: Vec<String>,
    sanitizer: String,
    trace_compares: bool,
    native: bool,
    libfuzzer: Vec<String>,
}

impl Options {
    /// How the targets are built, the same for `cargo fuzz build` and every `cargo fuzz run`
    /// (a run with other flags would build them again).
    fn build_args(&self) -> Vec<String> {
        let mut args = vec!["--sanitizer".to_string(), self.sanitizer.clone()];
        if !self.trace_compares {
            args.push("--no-trace-compares".into());
        }
        // A build directory for each way of building: switching back and forth rebuilds
        // nothing.
        let dir = match (self.native, self.trace_compares) {
            (false, true) => None,
            (false, false) => Some("no-trace-compares"),
            (true, true) => Some("native"),
            (true, false) => Some("native-no-trace-compares"),
        };
        if let Some(dir) = dir {
            let dir = root().join("fuzz/target").join(dir);
            args.extend(["--target-dir".into(), dir.display().to_string()]);
        }
        args
    }

    /// `cargo +nightly fuzz SUB` built as these options say.
    fn cargo_fuzz(&self, sub: &str) -> Command {
        let mut c = cmd("cargo");
        c.args(["+nightly", "fuzz", sub]).args(self.build_args());
        if self.native {
            // cargo-fuzz adds its own flags to these.
            let mut flags = std::env::var("RUSTFLAGS").unwrap_or_default();
            flags.push_str(" -C target-cpu=native");
            c.env("RUSTFLAGS", flags.trim_start());
        }
        c
    }
}

/// The options, or None when help was asked for.
fn parse(args: &[String]) -> Result<Option<Options>, String> {
    let mut o = Options {
        seconds: 60,
        targets: Vec::new(),
        sanitizer: "address".into(),
        trace_compares: true,
        native: false,
        libfuzzer: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value\n\n{USAGE}"))
        };
        match arg.as_str() {
            "--seconds" => {
                let v = value("--seconds")?;
                o.seconds = v.parse().ok().filter(|s| *s > 0).ok_or_else(|| {
                    format!("--seconds {v}: give a whole number of seconds, at least 1")
                })?;
            }
            "--target" => o.targets.push(value("--target")?),
            "--sanitizer" => {
                o.sanitizer = value("--sanitizer")?;
                if !["address", "none"].contains(&o.sanitizer.as_str()) {
                    return Err(format!("--sanitizer {}: use address or none", o.sanitizer));
                }
            }
            "--no-trace-compares" => o.trace_compares = false,
            "--native" => o.native = true,
            "--" => o.libfuzzer.extend(it.by_ref().cloned()),
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown option '{other}'\n\n{USAGE}")),
        }
    }
    Ok(Some(o))
}

/// What one target's run gave.
struct Outcome {
    target: String,
    executions: u64,
    corpus: u64,
    crashes: u64,
    timeouts: u64,
    ooms: u64,
    /// Files libFuzzer saved in this run.
    artifacts: Vec<PathBuf>,
}

impl Outcome {
    fn findings(&self) -> u64 {
        self.crashes + self.timeouts + self.ooms
    }
}

pub fn run(args: &[String]) -> Result<(), String> {
    let Some(options) = parse(args)? else {
        print!("{USAGE}");
        return Ok(());
    };
    setup::ensure_fuzzing()?;
    let all: Vec<String> = output_of(cmd("cargo").args(["+nightly", "fuzz", "list"]))
        .ok_or("`cargo fuzz list` failed: is fuzz/Cargo.toml intact?")?
        .lines()
        .map(str::to_string)
        .collect();
    for t in &options.targets {
        if !all.contains(t) {
            return Err(format!(
                "no fuzz target '{t}': the targets are {}",
                all.join(", ")
            ));
        }
    }
    let targets = if options.targets.is_empty() {
        all
    } else {
        options.targets.clone()
    };
    // Not committed: the workspace's lock, so the code fuzzed is built from the versions shipped
    // (cargo adds libFuzzer's own few packages and drops what the fuzz crate does not use).
    fs::copy(root().join("Cargo.lock"), root().join("fuzz/Cargo.lock"))
        .map_err(|e| format!("cannot copy Cargo.lock into fuzz/: {e}"))?;
    run_step(
        "cargo +nightly fuzz build (all targets)",
        &mut options.cargo_fuzz("build"),
    )?;
    let mut outcomes = Vec::new();
    for target in &targets {
        outcomes.push(fuzz_one(target, &options)?);
    }
    report(&outcomes, &options)
}

fn fuzz_one(target: &str, o: &Options) -> Result<Outcome, String> {
    let fuzz = root().join("fuzz");
    let corpus = fuzz.join("corpus").join(target);
    let artifacts = fuzz.join("artifacts").join(target);
    let logs = fuzz.join("logs");
    for dir in [&corpus, &artifacts, &logs] {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let log_path = logs.join(format!("{target}.log"));
    let mut log = fs::File::create(&log_path)
        .map_err(|e| format!("cannot write {}: {e}", log_path.display()))?;
    let before = SystemTime::now();
    println!(
        "\n==> fuzz {target} for {} s (log: {})",
        o.seconds,
        log_path.display()
    );
    let seeds = fuzz.join("seeds").join(target);
    // Fork mode starts with a crash-resistant merge that silently drops stored inputs that
    // fail, so the stored ones are first run once plainly: one that fails now is a finding.
    let replay = cargo_fuzz_run(o, target)
        .args([&corpus, &seeds])
        .args(["--", "-runs=0", &format!("-timeout={TIMEOUT_SECONDS}")])
        .output()
        .map_err(|e| format!("could not start cargo fuzz: {e}"))?;
    let _ = log.write_all(&replay.stderr);
    let stored_input_fails = !replay.status.success();
    if stored_input_fails {
        println!("    {target}: a stored input (corpus or seeds) fails");
    }
    let started = Instant::now();
    let mut child = cargo_fuzz_run(o, target)
        .args([&corpus, &seeds])
        .arg("--")
        .args([
            format!("-max_total_time={}", o.seconds),
            format!("-timeout={TIMEOUT_SECONDS}"),
            "-fork=1".into(),
            "-ignore_crashes=1".into(),
            "-ignore_timeouts=1".into(),
            "-ignore_ooms=1".into(),
        ])
        .args(&o.libfuzzer)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start cargo fuzz: {e}"))?;
    let mut last = None;
    let stderr = child.stderr.take().expect("stderr is piped");
    for line in BufReader::new(stderr).lines() {
        let line = line.map_err(|e| format!("reading libFuzzer's output: {e}"))?;
        let _ = writeln!(log, "{line}");
        if let Some(stats) = Stats::parse(&line) {
            println!(
                "    {target}: {} executions, corpus {}, crashes {}, timeouts {}, {:.0} s",
                stats.executions,
                stats.corpus,
                stats.crashes,
                stats.timeouts,
                started.elapsed().as_secs_f64()
            );
            last = Some(stats);
        }
    }
    let status = child.wait().map_err(|e| format!("cargo fuzz: {e}"))?;
    let stats = last.ok_or_else(|| {
        format!(
            "{target}: libFuzzer reported no progress ({status}); see {}",
            log_path.display()
        )
    })?;
    Ok(Outcome {
        target: target.to_string(),
        executions: stats.executions,
        corpus: stats.corpus,
        crashes: stats.crashes + u64::from(stored_input_fails),
        timeouts: stats.timeouts,
        ooms: stats.ooms,
        artifacts: new_files(&artifacts, before),
    })
}

/// `cargo +nightly fuzz run` for one target; inputs and libFuzzer options follow.
fn cargo_fuzz_run(o: &Options, target: &str) -> Command {
    let mut c = o.cargo_fuzz("run");
    c.arg(target);
    c
}

/// One progress line of libFuzzer's fork mode:
/// `#114103: cov: 1210 ft: 4170 corp: 427 exec/s: 10130 oom/timeout/crash: 0/0/0 time: 15s …`
#[derive(Debug, PartialEq, Eq)]
struct Stats {
    executions: u64,
    corpus: u64,
    ooms: u64,
    timeouts: u64,
    crashes: u64,
}

impl Stats {
    fn parse(line: &str) -> Option<Stats> {
        let (head, rest) = line.strip_prefix('#')?.split_once(": ")?;
        let executions = head.parse().ok()?;
        let mut words = rest.split_whitespace();
        let mut field = |name: &str| {
            words
                .by_ref()
                .skip_while(|w| *w != name)
                .nth(1)
                .map(str::to_string)
        };
        let corpus = field("corp:")?.parse().ok()?;
        let counts = field("oom/timeout/crash:")?;
        let mut counts = counts.split('/').map(str::parse::<u64>);
        let (Some(Ok(ooms)), Some(Ok(timeouts)), Some(Ok(crashes))) =
            (counts.next(), counts.next(), counts.next())
        else {
            return None;
        };
        Some(Stats {
            executions,
            corpus,
            ooms,
            timeouts,
            crashes,
        })
    }
}

fn new_files(dir: &Path, since: SystemTime) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            e.metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t >= since)
        })
        .map(|e| e.path())
        .collect();
    files.sort();
    files
}

fn report(outcomes: &[Outcome], options: &Options) -> Result<(), String> {
    println!("\nfuzzing, {} s a target:", options.seconds);
    println!(
        "  {:<12} {:>14} {:>10} {:>8} {:>8} {:>8}",
        "target", "executions", "corpus", "crashes", "timeouts", "ooms"
    );
    for o in outcomes {
        println!(
            "  {:<12} {:>14} {:>10} {:>8} {:>8} {:>8}",
            o.target, o.executions, o.corpus, o.crashes, o.timeouts, o.ooms
        );
    }
    let found: Vec<&Outcome> = outcomes.iter().filter(|o| o.findings() > 0).collect();
    if found.is_empty() {
        println!("\nno crashes, timeouts or out-of-memory inputs");
        return Ok(());
    }
    let mut message = String::from("the fuzzer found inputs that fail:\n");
    for o in found {
        message.push_str(&format!(
            "  {}: {} new file(s) in fuzz/artifacts/{}/\n",
            o.target,
            o.artifacts.len(),
            o.target
        ));
        for file in o.artifacts.iter().take(SHOWN_ARTIFACTS) {
            let why = replay(&o.target, file, options);
            message.push_str(&format!("    {}: {why}\n", file.display()));
        }
        message.push_str(&format!(
            "    reproduce: cargo +nightly fuzz run {} <file>; once fixed, keep the input as \
             fuzz/seeds/{}/crash-<what> so `cargo test` replays it\n",
            o.target, o.target
        ));
    }
    Err(message)
}

/// Failing inputs whose panic message the summary shows (each one is a run of the target).
const SHOWN_ARTIFACTS: usize = 3;

/// Runs the target on one saved input and returns what it said when it failed (fork mode
/// keeps the children's output in a temporary directory it deletes).
fn replay(target: &str, file: &Path, options: &Options) -> String {
    let out = cargo_fuzz_run(options, target).arg(file).output();
    let Ok(out) = out else {
        return "could not replay it".into();
    };
    let text = String::from_utf8_lossy(&out.stderr);
    let mut lines = text.lines();
    let panic = lines
        .by_ref()
        .find(|l| l.contains("panicked at"))
        .and_then(|_| lines.next());
    let summary = || text.lines().find(|l| l.contains("ERROR: libFuzzer"));
    panic.or_else(summary).map_or_else(
        || "failed (see the log)".into(),
        |l| l.trim().chars().take(300).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fork_mode_progress() {
        let line = "#114103: cov: 1210 ft: 4170 corp: 427 exec/s: 10130 oom/timeout/crash: 1/2/3 time: 15s job: 4 dft_time: 0";
        assert_eq!(
            Stats::parse(line),
            Some(Stats {
                executions: 114_103,
                corpus: 427,
                ooms: 1,
                timeouts: 2,
                crashes: 3
            })
        );
        assert_eq!(
            Stats::parse("#2 INITED cov: 4 ft: 5 corp: 1/1b exec/s: 0 rss: 30Mb"),
            None
        );
        assert_eq!(
            Stats::parse("INFO: -fork=1: fuzzing in separate process(s)"),
            None
        );
    }

    #[test]
    fn options() {
        let args = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
        let o = parse(&args(
            "--seconds 5 --target qr --target secret -- -max_len=9",
        ))
        .unwrap()
        .expect("options, not help");
        assert_eq!((o.seconds, o.targets.len(), o.libfuzzer.len()), (5, 2, 1));
        assert_eq!(o.sanitizer, "address");
        assert!(o.trace_compares);
        assert_eq!(o.build_args(), ["--sanitizer", "address"]);
        let fast = parse(&args("--sanitizer none --no-trace-compares"))
            .unwrap()
            .unwrap();
        let built = fast.build_args();
        assert_eq!(built[..3], ["--sanitizer", "none", "--no-trace-compares"]);
        assert!(
            built[4].ends_with("fuzz/target/no-trace-compares"),
            "{built:?}"
        );
        let native = parse(&args("--native")).unwrap().unwrap();
        assert!(native.native);
        assert!(native.build_args()[3].ends_with("fuzz/target/native"));
        let rustflags = |o: &Options| {
            let c = o.cargo_fuzz("build");
            c.get_envs()
                .find(|(k, _)| *k == "RUSTFLAGS")
                .and_then(|(_, v)| v.map(|v| v.to_string_lossy().into_owned()))
        };
        assert!(rustflags(&native)
            .unwrap()
            .ends_with("-C target-cpu=native"));
        assert_eq!(rustflags(&fast), None);
        let both = parse(&args("--native --no-trace-compares"))
            .unwrap()
            .unwrap();
        assert!(both.build_args()[4].ends_with("fuzz/target/native-no-trace-compares"));
        assert!(parse(&args("--seconds 0"))
            .unwrap_err()
            .contains("at least 1"));
        assert!(parse(&args("--sanitizer memory")).is_err());
        assert!(parse(&args("--target"))
            .unwrap_err()
            .contains("needs a value"));
    }
}
