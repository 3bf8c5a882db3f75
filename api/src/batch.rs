//! Batch provisioning: the bridge runs the loop (one per reader), the page and the terminal
//! observe it ([`BatchStatus`]) and steer it ([`BatchControl`], [`BatchAnswer`]).

use serde::{Deserialize, Serialize};

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
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
pub struct BatchAnswer {
    pub position: u32,
    pub matches: bool,
}
