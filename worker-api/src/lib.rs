//! The page's Web Worker contract as types: the one set of messages between the page's client
//! (`app/src/worker`) and the worker (`worker/`, `tokensmith-worker`), which holds what is heavy
//! and not needed for the first code — QR decoding, import parsing (Google Authenticator
//! exports, Aegis/2FAS backups, classification), OpenPGP (`tokensmith-seal`) and PSKC's
//! password key (PBKDF2).
//!
//! - [`Request`] / [`Reply`]: one variant per job; a request is answered by the reply of the
//!   same name. A picture travels beside the message as a JavaScript object (a `Blob` or an
//!   `ImageBitmap`), never serialised.
//! - [`encode`] / [`decode`]: the wire format (postcard). Secrets (seeds, pasted text, files
//!   to encrypt) are in the bytes; both sides overwrite their copies once read.
//! - [`page`]: how the built page carries the worker (element ids, the hosted files).
//! - [`import`], [`openpgp`], [`picture`], [`pskc`]: the bodies. Accounts, migrations and scanned texts
//!   are core's own types (`OtpAuth`, `Migration`, `Scanned`), carried through serde adapters
//!   checked against them by the compiler, so there is no second definition to keep in step.
//!
//! Serde only: builds for `wasm32-unknown-unknown` and native alike, and pulls no heavy crate
//! into the page (no rqrr, prost or rPGP).
#![forbid(unsafe_code)]

mod codec;
pub mod import;
pub mod openpgp;
pub mod page;
pub mod picture;
pub mod pskc;
mod remote;

pub use codec::{decode, encode, WireError};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// What the page asks the worker to do.
#[derive(Debug, Serialize, Deserialize)]
pub enum Request {
    /// Find and read every QR code in the picture beside the message and classify each text.
    Picture(picture::Source),
    /// Classify texts (pasted, dropped or read from a QR code elsewhere), one answer each.
    Classify(Vec<Zeroizing<String>>),
    /// Read an Aegis or 2FAS backup (plain JSON).
    Backup(Zeroizing<String>),
    /// Parse and describe recipients' OpenPGP public keys, judged at `now`.
    DescribeKeys(openpgp::Keys),
    /// Encrypt to recipients' public keys (checked again: the worker keeps no state).
    Encrypt(openpgp::EncryptJob),
    /// Derive a password-protected PSKC export's key (PBKDF2).
    PskcKey(pskc::KeyJob),
    /// Derive the key a password gives for a password-protected PSKC file to import.
    PskcOpen(pskc::OpenJob),
}

/// The worker's answer, named like the request it answers.
#[derive(Debug, Serialize, Deserialize)]
pub enum Reply {
    Picture(Result<picture::Read, picture::PictureError>),
    Classify(Vec<import::Scan>),
    Backup(Result<import::Backup, import::ScanError>),
    DescribeKeys(Result<Vec<openpgp::KeyInfo>, String>),
    Encrypt(Result<openpgp::Encrypted, String>),
    PskcKey(Result<pskc::DerivedKey, String>),
    PskcOpen(Result<pskc::OpenKey, String>),
    /// The request could not be read: page and worker come from different builds.
    BadRequest(String),
}

impl Request {
    /// The reply variant's name, for the "unexpected reply" message.
    pub fn name(&self) -> &'static str {
        match self {
            Request::Picture(_) => "Picture",
            Request::Classify(_) => "Classify",
            Request::Backup(_) => "Backup",
            Request::DescribeKeys(_) => "DescribeKeys",
            Request::Encrypt(_) => "Encrypt",
            Request::PskcKey(_) => "PskcKey",
            Request::PskcOpen(_) => "PskcOpen",
        }
    }
}
