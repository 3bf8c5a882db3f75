//! Requests into replies, everything but the browser's part of pictures.

use crate::openpgp;
use tokensmith_core::formats::pskc::{password_key, PasswordKey};
use tokensmith_core::import::{self, backup, qr};
use tokensmith_worker_api::import::{Found, Scan, ScanError};
use tokensmith_worker_api::pskc::{DerivedKey, KeyJob, OpenKey};
use tokensmith_worker_api::{Reply, Request};
use zeroize::Zeroizing;

/// The reply to `request`. A picture request needs its picture, which only the wasm entry has.
pub fn answer(request: Request) -> Reply {
    match request {
        Request::Classify(texts) => Reply::Classify(texts.iter().map(|t| classify(t)).collect()),
        Request::Backup(text) => Reply::Backup(
            backup::parse(&text)
                .map(Into::into)
                .map_err(|e| ScanError::from(&e)),
        ),
        Request::DescribeKeys(keys) => Reply::DescribeKeys(openpgp::describe(&keys)),
        Request::Encrypt(job) => Reply::Encrypt(openpgp::encrypt(&job)),
        Request::PskcKey(job) => Reply::PskcKey(pskc_key(&job)),
        Request::PskcOpen(job) => Reply::PskcOpen(
            password_key(&job.text, &job.password)
                .map(|key| OpenKey { key })
                .map_err(|e| e.to_string()),
        ),
        Request::Picture(_) => {
            Reply::BadRequest("a picture request came without its picture".into())
        }
    }
}

/// A password-protected PSKC export's key (`core`'s derivation and refusals).
fn pskc_key(job: &KeyJob) -> Result<DerivedKey, String> {
    let k = PasswordKey::derive(&job.password, job.iterations).map_err(|e| e.to_string())?;
    Ok(DerivedKey {
        salt: k.salt().to_vec(),
        iterations: k.iterations(),
        key: Zeroizing::new(k.key().to_vec()),
    })
}

/// What one text (scanned or pasted) holds.
pub fn classify(text: &str) -> Scan {
    import::classify(text)
        .map(Found)
        .map_err(|e| ScanError::from(&e))
}

/// Every QR code in a greyscale picture (one byte a pixel, row by row), classified.
pub fn read_codes(width: usize, height: usize, luma: &[u8]) -> Result<Vec<Scan>, ScanError> {
    let texts = qr::decode_luma(width, height, luma).map_err(|e| ScanError::from(&e))?;
    // A code's text may be an otpauth link with its seed: wiped once classified.
    Ok(texts
        .into_iter()
        .map(|t| classify(&Zeroizing::new(t)))
        .collect())
}
