//! Text both modules show, written once.

use tokensmith_core::otp::OtpParams;

/// The header's line under the title.
pub const TAGLINE: &str = "Provision TOTP hardware tokens, one user at a time. Everything runs in this page, offline: no seed leaves it unless you burn, copy or export it.";

/// "SHA-1 · 6 digits · 30 s".
pub fn summary(p: &OtpParams) -> String {
    format!(
        "{} · {} digits · {} s",
        p.algorithm.human(),
        p.digits,
        p.period
    )
}
