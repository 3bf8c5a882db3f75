//! Tokensmith's pure logic: secrets, HOTP/TOTP, otpauth URIs, Entra ID token
//! lists, the other exchange formats (PSKC, Duo, OATH CSV), clock-drift diagnosis and what each
//! token model can hold (`caps`).
//!
//! No I/O lives here (the only outside call is the CSPRNG), so the same code
//! runs natively in the hardware bridge and as WebAssembly in the offline page,
//! and everything is testable with fixed inputs.
#![forbid(unsafe_code)]

pub mod batch;
pub mod caps;
pub mod drift;
pub mod echo;
pub mod entra;
pub mod formats;
pub mod import;
pub mod otp;
pub mod otpauth;
pub mod secret;

pub use drift::{find_drift, Alternative, DriftError, DriftMatch, DriftReport, Verdict};
pub use entra::{
    graph_bulk_json, read_csv, validate, validate_for, write_csv, EntraError, Field, Format, Issue,
    IssueKind, Severity, TokenRecord,
};
pub use formats::{ExportFormat, FormatError, OathToken};
pub use otp::{
    hotp, seconds_remaining, step_start, time_step, totp, Algorithm, OtpError, OtpParams,
    UnknownAlgorithm,
};
pub use otpauth::{Kind, OtpAuth, OtpAuthError};
pub use secret::{
    mix_entropy, Encoding, ParseError, Parsed, Secret, SecretError, DEFAULT_GENERATED_LEN,
    MAX_GENERATED_LEN, MAX_SECRET_LEN, MIN_GENERATED_LEN,
};
