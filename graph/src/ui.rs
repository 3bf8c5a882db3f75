//! How the library talks to the person running it. The CLI prints; tests record.

use crate::report::TokenReport;

/// What a person must do to sign in with the device authorization grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCodePrompt {
    pub verification_uri: String,
    pub user_code: String,
    /// Seconds the code stays valid.
    pub expires_in: u64,
}

pub trait Ui {
    /// Show where to go and which code to type.
    fn device_code(&self, prompt: &DeviceCodePrompt);
    /// Progress worth telling: waits, retries, what a resume found.
    fn note(&self, message: &str);
    /// One token is finished, done or failed.
    fn token(&self, report: &TokenReport);
}
