//! Microsoft Entra ID hardware OATH tokens through Microsoft Graph (beta): the project's one
//! online step, behind `hardware-bridge entra`.
//!
//! It takes core's [`tokensmith_core::entra::TokenRecord`]s, checks them with core's rules,
//! and creates, assigns and activates them in Entra — the activation code computed from each
//! seed — or shows and removes what Entra has for them.
//!
//! Modules:
//! - [`config`]: tenant, app registration, Graph and sign-in base URLs (national clouds),
//!   the permissions asked for.
//! - [`http`]: the HTTP client (ureq, rustls, certificates verified, `--ca-file` roots added)
//!   and the retry policy (`429` → `Retry-After`; `5xx`/timeouts → capped backoff, only for
//!   requests safe to repeat).
//! - [`auth`]: sign-in — device authorization grant for a person, client credentials for
//!   automation; tokens in wiping memory only.
//! - [`api`]: typed Graph calls (list with `$filter` and `@odata.nextLink`, bulk `PATCH`
//!   with per-item results, users, assign, activate, unassign, delete).
//! - [`journal`]: the resumable, fsynced, secret-free record of each token's steps.
//! - [`matching`]: which Entra device is which input token (by serial, then journal ID,
//!   display name, user).
//! - [`activation`]: the current code from the seed, clear of the step boundary.
//! - [`push`]: the push itself; [`manage`]: status and remove; [`dry_run`]: what a push would
//!   send, secrets masked.
//! - [`report`]: the per-token outcome; [`ui`]: how progress reaches the person.
#![forbid(unsafe_code)]

pub mod activation;
pub mod api;
pub mod auth;
pub mod config;
pub mod dry_run;
pub mod error;
pub mod http;
pub mod journal;
pub mod manage;
pub mod matching;
pub mod push;
pub mod report;
pub mod ui;

pub use api::Graph;
pub use auth::Credential;
pub use config::{Endpoints, PERMISSIONS, PUBLIC_GRAPH_URL, PUBLIC_LOGIN_URL};
pub use error::Error;
pub use http::HttpOptions;
pub use journal::Journal;
pub use push::{check, push, Input, PushOptions};
pub use report::{Report, TokenReport};
pub use ui::{DeviceCodePrompt, Ui};
