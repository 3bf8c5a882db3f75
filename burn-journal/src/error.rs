//! Errors. None quotes a seed, a passphrase or a line's content: they name the file, the line
//! and the field.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: cannot {action}: {source}", path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        source: std::io::Error,
    },
    #[error("{} is a symbolic link: a journal is never opened through one (give the real path)", path.display())]
    Symlink { path: PathBuf },
    #[error("{} is not a regular file", path.display())]
    NotAFile { path: PathBuf },
    #[error("{} is open in another Tokensmith process (a burn or a batch still running?): let it finish or stop it first", path.display())]
    Locked { path: PathBuf },
    #[error("{} already exists: choose a new file, or open this one to add to it", path.display())]
    Exists { path: PathBuf },
    #[error("not a Tokensmith burn journal: its first line is not a journal header")]
    NotAJournal,
    #[error("this is an old-style results CSV (plain text): it can be read, but new records go into a journal — convert it into one, or choose a new file")]
    LegacyResultsFile,
    #[error("the journal is empty: it was being created when it stopped, and holds no record")]
    Empty,
    #[error("the journal is format version {found}; this Tokensmith reads versions up to {supported}: use a newer Tokensmith")]
    NewerVersion { found: u32, supported: u32 },
    #[error("the journal is encrypted: give its passphrase (--passphrase-file)")]
    PassphraseRequired,
    #[error("wrong passphrase for this journal (nothing was changed)")]
    WrongPassphrase,
    #[error("the journal is in plain text, as chosen when it was created: continue it only in plain-text mode again, or start a new, encrypted file")]
    PlaintextJournal,
    #[error("the passphrase is shorter than {min} characters: choose a longer one")]
    WeakPassphrase { min: usize },
    #[error("the passphrase file is not UTF-8 text")]
    PassphraseNotText,
    #[error("line {line}: {what}")]
    Corrupt { line: usize, what: String },
    #[error("record refused (nothing was written): {0}")]
    Refused(String),
    #[error("{}", append_failed(path, source, *undone))]
    AppendFailed {
        path: PathBuf,
        source: std::io::Error,
        /// The partial record was cut off again: the file is as before the attempt.
        undone: bool,
    },
    #[error("{}: an earlier write failed and could not be undone, so nothing more is written to it; readers ignore its incomplete last line. Stop burning, make room or fix the disk, then open it again", path.display())]
    Poisoned { path: PathBuf },
    #[error("encryption failed: {0}")]
    Crypto(String),
}

fn append_failed(path: &Path, source: &std::io::Error, undone: bool) -> String {
    let state = if undone {
        "the incomplete record was removed and the journal is intact"
    } else {
        "the incomplete record could not be removed (readers ignore an incomplete last line)"
    };
    format!(
        "cannot write to the journal {}: {source}; {state}. Stop burning: nothing more may be \
         written to a token until the journal can be written (free space, or another place)",
        path.display()
    )
}

impl Error {
    /// A write to the journal failed: the caller must not send anything more to a token.
    pub fn is_append_failure(&self) -> bool {
        matches!(self, Error::AppendFailed { .. } | Error::Poisoned { .. })
    }

    pub(crate) fn io(path: &Path, action: &'static str) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.to_path_buf();
        move |source| Error::Io {
            path,
            action,
            source,
        }
    }
}

/// What is wrong with a JSON record, without the values serde_json would quote.
pub(crate) fn json_problem(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    // serde_json appends " at line L column C"; keep the column, the line is always 1.
    let column = e.column();
    let head = msg.split(" at line ").next().unwrap_or("");
    // A missing field's name is ours; an unknown field's or variant's comes from the file, so
    // it is repeated only when it looks like one of ours (short snake_case), never like a seed.
    let quoted = |prefix: &str| {
        let name: String = head
            .strip_prefix(prefix)?
            .chars()
            .take_while(|c| *c != '`')
            .collect();
        let ours = name.len() <= 24 && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        Some(if ours {
            format!("{prefix}{name}`")
        } else {
            prefix.trim_end_matches(" `").to_string()
        })
    };
    let known = [
        "missing field `",
        "unknown field `",
        "unknown variant `",
        "duplicate field `",
    ]
    .iter()
    .find_map(|p| quoted(p));
    let what = match known {
        Some(w) => w,
        None if head.starts_with("seed") || head.starts_with("algorithm is not") => {
            head.to_string()
        }
        None => match e.classify() {
            serde_json::error::Category::Syntax => "not valid JSON".into(),
            serde_json::error::Category::Eof => "JSON cut short".into(),
            _ => "a field has a value of the wrong type or range".into(),
        },
    };
    format!("{what} (column {column})")
}
