//! Batch provisioning: the bridge runs the loop (one per reader), the page and the terminal
//! observe it ([`BatchStatus`]) and steer it ([`BatchControl`], [`BatchAnswer`]).

use serde::{Deserialize, Serialize};
use tokensmith_core::otp::Algorithm;

use crate::SecretString;

/// Where one user's token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    /// Not started: waits for a token.
    Waiting,
    /// A token on a reader is being written for this user.
    Burning,
    /// Written and recorded; its code waits to be compared with the token's display.
    Burned,
    /// Written, recorded and the code checked (computed by the key, compared, or accepted).
    Verified,
    /// Not done: `reason` says why (retry puts it back in the queue).
    Failed,
    /// Left out by the admin.
    Skipped,
}

impl RowStatus {
    /// Settled: no loop will touch the row again unless retried.
    pub fn is_final(self) -> bool {
        matches!(self, RowStatus::Verified | RowStatus::Skipped)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::Waiting => "waiting",
            RowStatus::Burning => "burning",
            RowStatus::Burned => "burned",
            RowStatus::Verified => "verified",
            RowStatus::Failed => "failed",
            RowStatus::Skipped => "skipped",
        }
    }
}

/// One user of the batch, in list order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRow {
    /// 0-based place in the list.
    pub position: u32,
    pub upn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    pub status: RowStatus,
    /// The token's serial, once one is assigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// Molto2 profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reader: Option<String>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `burned`: the code the token should show now (not a secret: it changes every period).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_code: Option<String>,
    /// How the code was checked: `device_calculated`, `compared_by_admin`, `auto_accepted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_by: Option<String>,
}

/// The whole loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchState {
    Running,
    Paused,
    /// Stopped by the admin (or Ctrl-C): the rest waits for `--resume`.
    Stopped,
    /// Every row settled or failed.
    Finished,
}

/// What a reader's loop is doing, for the admin ("place the next token", "take it off").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReaderLoop {
    pub reader: String,
    pub message: String,
}

/// `GET /api/batch`: progress and every row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchStatus {
    pub state: BatchState,
    pub total: u32,
    /// Verified or skipped.
    pub done: u32,
    pub failed: u32,
    pub tokens_per_minute: f64,
    /// At the current pace; `None` before the first token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds_left: Option<u64>,
    pub auto_accept: bool,
    pub rows: Vec<BatchRow>,
    pub readers: Vec<ReaderLoop>,
    /// The simulated token supply can be swapped by hand (`--simulate`).
    #[serde(default)]
    pub simulated: bool,
    /// The model every token of the batch is (core's name, e.g. `c302-i`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_model: Option<String>,
    /// The burn journal the batch writes (for resuming and `results-to-csv`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results_file: Option<String>,
    /// Every reader loop has ended (stopped, finished, or failed): a new batch may start. Read
    /// with the rows: a status that says so has the final rows.
    #[serde(default)]
    pub ended: bool,
}

/// `POST /api/batch/control`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchAction {
    Pause,
    Resume,
    Stop,
    /// Leave a waiting or failed row out.
    Skip,
    /// Put a failed row back in the queue.
    Retry,
    /// Simulation only: take the token off `reader` and place a fresh one.
    SwapToken,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, remote = "Self")]
pub struct BatchControl {
    pub action: BatchAction,
    /// The row, for skip and retry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    /// The reader, for swap_token (default: every reader).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reader: Option<String>,
}

/// `POST /api/batch/answer`: does the token show the expected code?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, remote = "Self")]
pub struct BatchAnswer {
    pub position: u32,
    pub matches: bool,
}

object_only!(BatchControl);
object_only!(BatchAnswer);
object_only!(BatchStart);

/// Which kind of user list a text is (core's `batch::ListFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserListFormat {
    /// One UPN a line.
    UpnList,
    /// A CSV with a UPN column (display name, serial, profile, model optional).
    Csv,
    /// Entra's users export (Users → All users → Download users).
    EntraExport,
}

impl From<tokensmith_core::batch::ListFormat> for UserListFormat {
    fn from(f: tokensmith_core::batch::ListFormat) -> Self {
        use tokensmith_core::batch::ListFormat;
        match f {
            ListFormat::UpnList => UserListFormat::UpnList,
            ListFormat::Csv => UserListFormat::Csv,
            ListFormat::EntraExport => UserListFormat::EntraExport,
        }
    }
}

/// `POST /api/batch/start`: the user list and the parameters, chosen once and checked (the
/// list with core's `batch::read_users`, the parameters with `core::caps` against the model
/// and Entra's limits) before any reader is touched. The same as `hardware-bridge batch`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, remote = "Self")]
pub struct BatchStart {
    /// The list's text: one UPN a line, a CSV, or an Entra users export.
    pub users: String,
    /// What the page read the text as; refused when the bridge reads it otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<UserListFormat>,
    /// A model of core's table (`c302-i`, `otpc-p2`, `molto2v2`, `yubikey`, …).
    pub token_model: String,
    #[serde(
        default,
        with = "crate::algorithm::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub algorithm: Option<Algorithm>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digits: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_timeout: Option<u32>,
    /// The readers the batch uses, each with its own loop (full names or unique parts);
    /// empty: the only reader there is. `--simulate`: ignored (see `simulate_readers`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub readers: Vec<String>,
    /// `--simulate` only: how many readers the simulated box of tokens feeds (1–8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulate_readers: Option<u8>,
    /// Burn tokens already in the journal or burned in this batch (their seeds are lost).
    #[serde(default)]
    pub overwrite: bool,
    /// Token2/Molto2: accept each code without the admin comparing it (trusted runs).
    #[serde(default)]
    pub auto_accept: bool,
    /// Go on with a batch that stopped: users with a token in the journal are done.
    #[serde(default)]
    pub resume: bool,
    /// The burn journal (a path on the bridge's computer); default: `serve --results-file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results_file: Option<String>,
    /// The journal's passphrase (with `results_file`, unless `plaintext_results`). Never
    /// echoed or logged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passphrase: Option<SecretString>,
    /// Keep the seeds in the journal in plain text, as the admin's explicit choice.
    #[serde(default)]
    pub plaintext_results: bool,
    /// Molto2: the customer key (factory key when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_key: Option<SecretString>,
    /// OATH keys: the access password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<SecretString>,
}

/// `GET /api/batch`: the batch this bridge runs or ran last, `null` when none since it
/// started (the page then offers to start one, or to resume one from its journal).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentBatch {
    pub batch: Option<BatchStatus>,
}

/// One token the batch's journal holds, with its seed: what the page's inventory and the
/// exports are made of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchResultRow {
    /// The batch row (user) it belongs to.
    pub position: u32,
    pub upn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    pub serial: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<u8>,
    /// The model's name (`C302-i`, `Molto2v2`, `YubiKey 5`).
    pub model: String,
    pub manufacturer: String,
    /// Base32.
    pub secret: SecretString,
    #[serde(with = "crate::algorithm")]
    pub algorithm: Algorithm,
    pub digits: u8,
    pub period: u32,
    pub burned_at: i64,
    /// Its code was checked (computed by the key, compared or accepted).
    pub verified: bool,
}

/// `GET /api/batch/results`: every token of this batch's users the journal holds whose new
/// seed is certainly in it; `attention` names the tokens an interrupted burn left uncertain
/// (`results-to-csv` lists them too), never exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchResults {
    pub rows: Vec<BatchResultRow>,
    #[serde(default)]
    pub attention: Vec<String>,
}
