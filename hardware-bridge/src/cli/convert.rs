//! `results-to-csv`: a results file (and an optional UPN map) to the Entra CSV or Graph JSON.

use std::path::Path;

use zeroize::Zeroizing;

use super::ResultsArgs;
use crate::error::BridgeError;
use crate::results;

pub fn results_to_csv(a: &ResultsArgs) -> Result<(), BridgeError> {
    let text = Zeroizing::new(
        std::fs::read_to_string(&a.results_file)
            .map_err(|e| BridgeError::BadInput(format!("{}: {e}", a.results_file.display())))?,
    );
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
