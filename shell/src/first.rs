//! The seed and settings a page load starts with: the row the job was on, if the user kept it
//! in this browser (`kept`), else a fresh seed from the CSPRNG with a new job's settings for
//! the remembered target model. The shell decides it and hands the seed to the app
//! (`handoff`); an app that starts without a shell decides the same way.

use crate::{kept, store};
use tokensmith_core::caps::Model;
use tokensmith_core::otp::OtpParams;
use tokensmith_core::secret::{Secret, DEFAULT_GENERATED_LEN};

/// The target model when none is remembered.
pub const DEFAULT_PRESET: Model = Model::C301;

/// The model saved under its slug, or the default.
pub fn by_id(id: &str) -> Model {
    Model::ALL
        .into_iter()
        .find(|m| m.caps().slug == id)
        .unwrap_or(DEFAULT_PRESET)
}

/// The remembered target model (step 1's picker), or the default.
pub fn saved_model() -> Model {
    store::get("preset").map_or(DEFAULT_PRESET, |id| by_id(&id))
}

/// A new job's settings for the remembered model: the defaults, moved to what it can do.
pub fn new_job_params() -> OtpParams {
    saved_model().caps().nearest(OtpParams::default())
}

/// What the page shows first.
pub struct First {
    pub secret: Secret,
    pub otp: OtpParams,
    /// From a kept row (the job is on it), not fresh.
    pub kept: bool,
    /// The kept row is an HOTP credential (it has no code for a time).
    pub hotp: bool,
}

/// The kept job's row, else a fresh seed of the recommended length; `None` only when the
/// browser has no CSPRNG.
pub fn decide() -> Option<First> {
    if let Some((secret, otp, hotp)) = kept::linked(&kept::load()) {
        return Some(First {
            secret,
            otp,
            kept: true,
            hotp,
        });
    }
    let secret = Secret::generate(DEFAULT_GENERATED_LEN, None).ok()?;
    Some(First {
        secret,
        otp: new_job_params(),
        kept: false,
        hotp: false,
    })
}
