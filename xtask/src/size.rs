//! `cargo xtask size`: where the bytes of the three wasm modules go (the first-paint shell, the
//! app, the worker), per crate and per function.
//!
//! Builds the page, then runs each module's cargo output through wasm-bindgen and wasm-opt
//! exactly as the build does but keeping the function names (`-g`), and asks twiggy (installed
//! on first use) for every item's size. Items are charged to the first crate named in them that
//! is not `core`/`alloc`/`std` (so `Vec<pgp::Packet>::push` counts for pgp), data segments to
//! "(data: strings, tables)". `cargo xtask size FILE.wasm…` reports wasm files that already
//! have names (e.g. an older build's, to compare).

use crate::{build, cmd, output_of, root, run_step, setup, shell, worker};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const TWIGGY_VERSION: &str = "0.8.0";
const STD: [&str; 3] = ["core", "alloc", "std"];

pub fn run(args: &[String]) -> Result<(), String> {
    setup::cargo_tool("twiggy", TWIGGY_VERSION, &["--locked"])?;
    let files: Vec<(String, PathBuf)> = if args.is_empty() {
        setup::ensure(setup::Need::Build)?;
        build::build()?;
        let out = root().join("target/size");
        vec![
            (
                "shell (first paint)".into(),
                named(&shell::cargo_wasm(), "no-modules", &out, "shell")?,
            ),
            (
                "page (the app)".into(),
                named(
                    &root().join("target/wasm32-unknown-unknown/release/tokensmith-app.wasm"),
                    "web",
                    &out,
                    "page",
                )?,
            ),
            (
                "worker".into(),
                named(&worker::cargo_wasm(), "no-modules", &out, "worker")?,
            ),
        ]
    } else {
        args.iter().map(|a| (a.clone(), PathBuf::from(a))).collect()
    };
    for (what, file) in files {
        report(&what, &file)?;
    }
    Ok(())
}

/// The module as shipped, but with its name section.
fn named(cargo_wasm: &Path, target: &str, out: &Path, name: &str) -> Result<PathBuf, String> {
    run_step(
        &format!("wasm-bindgen --target {target} ({name}, names kept)"),
        cmd("wasm-bindgen")
            .args([
                "--target",
                target,
                "--no-typescript",
                "--out-name",
                name,
                "--out-dir",
            ])
            .arg(out)
            .arg(cargo_wasm),
    )?;
    let opt = out.join(format!("{name}_named.wasm"));
    run_step(
        &format!("wasm-opt {} -g ({name})", worker::WASM_OPT.join(" ")),
        cmd("wasm-opt")
            .args(worker::WASM_OPT)
            .arg("-g")
            .arg(out.join(format!("{name}_bg.wasm")))
            .arg("-o")
            .arg(&opt),
    )?;
    Ok(opt)
}

/// The crate an item's bytes are charged to.
pub fn crate_of(item: &str) -> String {
    if item.starts_with("data segment") || item.starts_with("data[") {
        return "(data: strings, tables)".into();
    }
    let crates = crates_in(item);
    crates
        .iter()
        .find(|c| !STD.contains(c))
        .or(crates.first())
        .map_or_else(|| "(other: runtime, glue)".into(), |c| c.to_string())
}

/// Every path's first segment in an item's name (`pgp` in `<pgp::X as core::Y>::f`, not in
/// `tokensmith_worker_api::openpgp::Keys`).
fn crates_in(item: &str) -> Vec<&str> {
    let mut crates = Vec::new();
    let bytes = item.as_bytes();
    let mut start = None;
    for (i, &b) in bytes.iter().enumerate() {
        let ident = b.is_ascii_alphanumeric() || b == b'_';
        match (start, ident) {
            (None, true) => {
                let boundary = i == 0 || b"<(&*, [".contains(&bytes[i - 1]);
                if boundary && !b.is_ascii_digit() {
                    start = Some(i);
                } else {
                    start = Some(usize::MAX);
                }
            }
            (Some(s), false) => {
                // A crate is an identifier right before `::` (or its `[hash]::`).
                let rest = &item[i..];
                let rest = match rest.strip_prefix('[') {
                    Some(r) => r.split_once(']').map_or("", |(_, r)| r),
                    None => rest,
                };
                if s != usize::MAX && rest.starts_with("::") {
                    crates.push(&item[s..i]);
                }
                start = None;
            }
            _ => {}
        }
    }
    crates
}

fn report(what: &str, file: &Path) -> Result<(), String> {
    let csv = output_of(
        cmd("twiggy")
            .args(["top", "-n", "1000000", "-f", "csv"])
            .arg(file),
    )
    .ok_or_else(|| format!("twiggy could not read {}", file.display()))?;
    let mut by_crate: BTreeMap<String, u64> = BTreeMap::new();
    let mut items: Vec<(u64, String)> = Vec::new();
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    for row in rows.records() {
        let row = row.map_err(|e| format!("twiggy's table: {e}"))?;
        let (Some(name), Some(size)) = (row.get(0), row.get(1).and_then(|s| s.parse::<u64>().ok()))
        else {
            continue;
        };
        // The names themselves are not shipped.
        if name.contains("\"function names\" subsection") || name.contains("custom section") {
            continue;
        }
        *by_crate.entry(crate_of(name)).or_default() += size;
        items.push((size, name.to_string()));
    }
    let total: u64 = by_crate.values().sum();
    let mut crates: Vec<(String, u64)> = by_crate.into_iter().collect();
    crates.sort_by_key(|c| std::cmp::Reverse(c.1));
    println!(
        "\n{what}: {} bytes without names ({})",
        total,
        file.display()
    );
    println!("  {:<34} {:>9} {:>6}", "crate", "bytes", "%");
    let pct = |n: u64| 100.0 * n as f64 / total.max(1) as f64;
    let mut rest = 0;
    for (c, n) in &crates {
        if pct(*n) >= 0.4 {
            println!("  {c:<34} {n:>9} {:>5.1}%", pct(*n));
        } else {
            rest += n;
        }
    }
    println!(
        "  {:<34} {rest:>9} {:>5.1}%",
        "(crates under 0.4% each)",
        pct(rest)
    );
    for krate in worker::WORKER_ONLY {
        let (n, bytes) = items
            .iter()
            .filter(|(_, name)| crates_in(name).contains(&krate))
            .fold((0, 0), |(n, b), (s, _)| (n + 1, b + s));
        println!("  items naming {krate}: {n} ({bytes} bytes)");
    }
    items.sort_by_key(|i| std::cmp::Reverse(i.0));
    println!("  largest items:");
    for (n, name) in items.iter().take(15) {
        let short: String = name.chars().take(110).collect();
        println!("  {n:>9}  {short}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::crate_of;

    #[test]
    fn items_are_charged_to_the_crate_that_caused_them() {
        assert_eq!(crate_of("rqrr::decode::decode::_decode::hc3dd"), "rqrr");
        assert_eq!(
            crate_of("<core::marker::PhantomData<T> as serde_core::de::DeserializeSeed>::deserialize::hb8"),
            "serde_core"
        );
        assert_eq!(
            crate_of("<f64 as core[c5930c85a12de822]::fmt::Display>::fmt"),
            "core"
        );
        assert_eq!(
            crate_of("alloc::vec::Vec<T,A>::push::<pgp::packet::Packet>::h1"),
            "pgp"
        );
        assert_eq!(
            crate_of("data segment \".rodata.125\""),
            "(data: strings, tables)"
        );
        assert_eq!(crate_of("memcpy"), "(other: runtime, glue)");
        assert!(
            !super::crates_in("tokensmith_worker_api::openpgp::Keys::serialize").contains(&"pgp")
        );
        assert_eq!(
            crate_of("tokensmith_app::import::ingest::<impl tokensmith_app::import::state::ImportState>::ingest::hf"),
            "tokensmith_app"
        );
    }
}
