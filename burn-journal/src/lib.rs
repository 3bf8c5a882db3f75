//! The write-ahead burn journal: the bridge's record of what every token holds or may hold.
//!
//! A seed is journaled — fsynced, encrypted at rest by default — **before** anything is sent
//! to a token, then each write the token acknowledges, then the outcome. Whatever stops the
//! burn (a crash, a pulled card, a full disk, `kill -9`, a power loss), reading the journal
//! gives each token exactly one [`TokenState`]:
//!
//! | state | what the token holds | exported |
//! |---|---|---|
//! | `Untouched` | what it held before: nothing was sent | no |
//! | `MayHoldNewConfig` | interrupted while a setting was written, before the seed: untouched, or the new settings (many Token2 models then show dashes) | no, listed |
//! | `ConfigWrittenSeedNot` | settings written, seed not: dashes on models whose configuration write erases the seed | no, listed |
//! | `MayHoldNewSeed` | interrupted while the seed was written: the new seed, or not | no, listed with its expected code |
//! | `SeedWrittenNotVerified` | the new seed (acknowledged), code not checked yet | yes, marked unverified |
//! | `Verified` | the new seed, code checked | yes |
//! | `Failed` | a seed whose code did not match | no, listed |
//!
//! How records lead to states: an intent alone (no later record) means the first planned write
//! may have been sent; each `written` moves past one write; `aborted` says which write (if
//! any) was in flight; `verified`/`verification_failed` settle it, and may follow an abort or
//! an interrupted seed write (the admin checked the code later).
//!
//! # File format (version 1)
//!
//! UTF-8 lines ending in `\n`, appended only. Each record is one line written with a single
//! `write(2)` on an `O_APPEND` file and fsynced; a failed write is cut off again, so the file
//! never keeps a partial line that a later record would be glued to. A reader sets aside an
//! incomplete last line (no `\n`: a power loss mid-write) and reports it; any other damaged
//! line is an error naming its line number.
//!
//! Line 1, the header, plain JSON:
//!
//! ```text
//! {"format":"tokensmith-burn-journal","version":1,"created_at":1767225600,
//!  "journal":"<32 hex digits>","protection":"age-passphrase","identity":"<base64>"}
//! ```
//!
//! (one line in the file). `protection` is `age-passphrase` (the default) or `plaintext` (only
//! as the user's explicit choice; then there is no `identity`). `identity` is the base64 of
//! an [age](https://age-encryption.org/v1) file encrypted with the admin's passphrase (age's
//! scrypt recipient) whose plaintext is a fresh X25519 identity, `AGE-SECRET-KEY-1…`, made for
//! this journal: scrypt runs once per opening, not once per record. A reader refuses a version
//! newer than it knows.
//!
//! Lines 2…: one record each. Encrypted: the base64 (standard alphabet, padded) of an age file
//! encrypted to the journal identity's recipient, whose plaintext is the record's JSON.
//! Plain text: the record's JSON itself. A record:
//!
//! ```text
//! {"seq":2,"at":1767225601,"event":{"intent":{"target":{"kind":"token2","reader":"…",
//!  "serial":"8659632000001","model":"C302-i"},"seed":"<base32>","params":{"algorithm":"SHA1",
//!  "digits":6,"period":30,"display_timeout":30},"writes":["config","seed"],
//!  "config_erases_seed":true,"upn":"alice@contoso.com","batch":{"batch":"…","position":0}}}}
//! {"seq":3,"at":1767225602,"event":{"written":{"token":2,"write":"config"}}}
//! {"seq":4,"at":1767225602,"event":{"written":{"token":2,"write":"seed"}}}
//! {"seq":5,"at":1767225609,"event":{"verified":{"token":2,"method":"compared_by_admin","code":"287082","drift_steps":0}}}
//! ```
//!
//! `seq` counts 1, 2, 3… without gaps (a missing or moved line is noticed). A token attempt
//! is named by its intent's `seq` (`"token":2`). Events: `batch_started` (batch id, user list
//! in order, parameters), `batch_resumed`, `user_skipped` (position and reason),
//! `batch_ended` (`stopped` reason when not complete), `intent`, `written`
//! (`config`/`seed`/`title`/`credential`), `verified` (`device_calculated`,
//! `compared_by_admin` or `auto_accepted`, the code, the drift in steps),
//! `verification_failed` (reason, the code shown), `aborted` (reason, the write `in_flight`).
//! Unknown fields are refused; every name-like field is checked (length, no control
//! characters), the algorithm is exactly `SHA1`/`SHA256`/`SHA512`, digits 4–10.
//!
//! Reading it by hand, with age's own tools: `head -1 J | jq -r .identity | base64 -d > id.age`,
//! `age -d -o key.txt id.age` (asks the passphrase), then for each later line
//! `echo LINE | base64 -d | age -d -i key.txt` (`tests/age_cli.rs` does this with Go's age).
//!
//! The file is created 0600 and an existing one with wider permissions is tightened to 0600
//! when opened for writing (reported in [`OpenReport::tightened_from`]; readers only report
//! it). It is never opened through a symbolic link (`O_NOFOLLOW`, `O_EXCL`), and one process
//! at a time writes to it (an exclusive `flock`).
//!
//! The old plain results CSV (`hardware-bridge/src/results.rs`) is read too ([`Source`]): each
//! row as an intent plus its writes, i.e. "seed written, not verified".

#![forbid(unsafe_code)]

// The unit tests share the integration tests' samples, which name the crate.
#[cfg(test)]
extern crate self as tokensmith_burn_journal;
#[cfg(test)]
#[path = "../tests/common/mod.rs"]
mod samples;

mod codec;
mod error;
mod fold;
mod journal;
mod legacy;
mod read;
mod record;
mod restore;
mod storage;

pub use age::secrecy::SecretString;
pub use codec::{Header, Passphrase, ProtectionKind, FORMAT, MIN_PASSPHRASE_CHARS, VERSION};
pub use error::Error;
pub use fold::{BatchEntry, Fold, Outcome, Position, Slot, TokenEntry, TokenState};
pub use journal::{Journal, OpenReport, Protection};
pub use legacy::HEADER as LEGACY_RESULTS_HEADER;
pub use read::{parse, parse_bytes, read_file, Contents, LineRecord, Source, TornTail};
pub use record::{
    Aborted, BatchEnded, BatchId, BatchRef, BatchSlot, BatchStart, BatchUser, Event, Intent, Kind,
    Method, Params, Record, Target, TokenId, UserSkipped, VerificationFailed, Verified, Write,
    Written,
};
pub use restore::{Restore, Restored};
