//! The page's side of the Web Worker (`worker/`): typed async calls into what is heavy and not
//! needed for the first code — reading QR codes in pictures, classifying texts, backups, and
//! OpenPGP. Each call sends one `tokensmith-worker-api` request and returns its reply's value.
//!
//! The worker is started and its wasm compiled on first use (or on [`warm_up`], a hint), runs
//! one job at a time, and is started again after it died (rqrr 0.11 panics on some pictures).
//! A new picture supersedes one still being decoded: the old job ends with
//! [`Failure::Superseded`] and its worker is stopped; so does a picture or camera frame that
//! outruns its time limit ([`Failure::TooSlow`]: rqrr 0.11 can search some for minutes). `client` holds that lifecycle, `start`
//! where the worker comes from (embedded in the single file, or the hosted files).

mod client;
mod start;

use client::{call, Lane};
use tokensmith_worker_api::import::{Backup, Scan, ScanError};
use tokensmith_worker_api::openpgp::{EncryptJob, Encrypted, KeyInfo, Keys};
use tokensmith_worker_api::picture::{PictureError, Read, Source};
use tokensmith_worker_api::pskc::{DerivedKey, KeyJob, OpenJob, OpenKey};
use tokensmith_worker_api::{Reply, Request};
use wasm_bindgen::JsValue;
use zeroize::Zeroizing;

/// Why a call got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The worker stopped while doing this job (the input crashed the decoder). It is started
    /// again for the next one.
    Crashed,
    /// A newer picture replaced this one.
    Superseded,
    /// The job ran past its lane's time limit (`client::Lane::time_limit`); its worker was
    /// stopped, and the next job gets a new one.
    TooSlow(std::time::Duration),
    /// The worker could not be started; the text says why.
    Unavailable(String),
    /// The answer did not fit the question: page and worker come from different builds.
    Protocol(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Crashed => f.write_str("the decoder stopped on this input"),
            Failure::Superseded => f.write_str("a newer picture replaced this one"),
            Failure::TooSlow(limit) => write!(
                f,
                "the decoder was stopped after {} s on this input",
                limit.as_secs()
            ),
            Failure::Unavailable(why) => write!(
                f,
                "the page's decoder could not be started ({why}); reload the page, or use another browser"
            ),
            Failure::Protocol(why) => write!(
                f,
                "the page's decoder gave an unexpected answer ({why}); reload the page"
            ),
        }
    }
}

/// Sends `request` and returns the value of the reply named `$reply`.
macro_rules! ask {
    ($request:expr, $picture:expr, $lane:expr, $reply:path) => {{
        let request = $request;
        let name = request.name();
        match call(request, $picture, $lane).await? {
            $reply(value) => Ok(value),
            Reply::BadRequest(why) => Err(Failure::Protocol(why)),
            _ => Err(Failure::Protocol(format!("no {name} reply"))),
        }
    }};
}

/// Starts the worker and compiles its wasm ahead of the first job (e.g. when the pointer
/// enters the import panel), so the first picture does not wait for it.
pub fn warm_up() {
    client::warm_up();
}

/// Every QR code in a picture file (or pasted/dropped image), classified. Supersedes a
/// picture still being read.
pub async fn read_picture(blob: web_sys::Blob) -> Result<Result<Read, PictureError>, Failure> {
    ask!(
        Request::Picture(Source::File),
        Some(blob.into()),
        Lane::Picture,
        Reply::Picture
    )
}

/// Every QR code in a camera frame (already scaled to `picture::CAMERA_SIDE`).
pub async fn read_camera_frame(
    frame: web_sys::ImageBitmap,
) -> Result<Result<Read, PictureError>, Failure> {
    let frame: JsValue = frame.into();
    ask!(
        Request::Picture(Source::CameraFrame),
        Some(frame),
        Lane::Camera,
        Reply::Picture
    )
}

/// What each text holds (pasted, dropped).
pub async fn classify(texts: Vec<Zeroizing<String>>) -> Result<Vec<Scan>, Failure> {
    ask!(Request::Classify(texts), None, Lane::Other, Reply::Classify)
}

/// An Aegis or 2FAS backup's accounts.
pub async fn read_backup(text: Zeroizing<String>) -> Result<Result<Backup, ScanError>, Failure> {
    ask!(Request::Backup(text), None, Lane::Other, Reply::Backup)
}

/// Recipients' public keys described for the admin to confirm (the OpenPGP export, issue 13,
/// calls this; `tests/e2e/worker.test.mjs` checks the worker's side with GnuPG).
pub async fn describe_keys(keys: Keys) -> Result<Result<Vec<KeyInfo>, String>, Failure> {
    ask!(
        Request::DescribeKeys(keys),
        None,
        Lane::Other,
        Reply::DescribeKeys
    )
}

/// A password-protected PSKC export's key (PBKDF2, too slow for the main thread).
pub async fn pskc_key(job: KeyJob) -> Result<Result<DerivedKey, String>, Failure> {
    ask!(Request::PskcKey(job), None, Lane::Other, Reply::PskcKey)
}

/// The key a password gives for a password-protected PSKC file to import.
pub async fn pskc_open(job: OpenJob) -> Result<Result<OpenKey, String>, Failure> {
    ask!(Request::PskcOpen(job), None, Lane::Other, Reply::PskcOpen)
}

/// A file encrypted to every recipient (see [`describe_keys`]).
pub async fn encrypt(job: EncryptJob) -> Result<Result<Encrypted, String>, Failure> {
    ask!(Request::Encrypt(job), None, Lane::Other, Reply::Encrypt)
}
