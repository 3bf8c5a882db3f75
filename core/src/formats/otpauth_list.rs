//! A list of `otpauth://` links, one per line (LF), for moving seeds into
//! authenticator apps and password managers that import such lists
//! (Aegis, 2FAS, Bitwarden, KeePassXC, andOTP and others read one link per
//! line, and any of them takes a link pasted alone).
//!
//! Each link is built by [`crate::otpauth`] (Google's Key Uri Format, RFC 3986
//! encoding, algorithm/digits/period written explicitly). The label is
//! `issuer:account` with the display name (else the manufacturer) as issuer
//! and the user's UPN (else the serial) as account, so an app lists each
//! token under the person and the device it belongs to.
//!
//! Source: Google Authenticator wiki, "Key Uri Format"
//! (github.com/google/google-authenticator/wiki/Key-Uri-Format).
//! Export only: the page's import panel reads such links already.

use zeroize::Zeroizing;

use super::check::Checks;
use super::{refuse_errors, FormatError, OathToken};
use crate::entra::{Field, Issue};
use crate::otp::OtpParams;
use crate::otpauth::OtpAuth;

fn link(t: &OathToken) -> OtpAuth {
    let r = &t.record;
    let issuer = r
        .display_name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .or(Some(r.manufacturer.trim()).filter(|s| !s.is_empty()))
        .map(str::to_string);
    let account = if r.upn.trim().is_empty() {
        r.serial.trim()
    } else {
        r.upn.trim()
    };
    OtpAuth {
        kind: t.kind,
        issuer,
        account: account.to_string(),
        secret: r.secret.clone(),
        params: OtpParams {
            algorithm: r.algorithm,
            digits: t.digits,
            period: r.interval,
        },
    }
}

pub(super) fn issues(tokens: &[OathToken]) -> Vec<Issue> {
    let mut checks = Checks::default();
    checks.basics(tokens, false);
    for (row, t) in tokens.iter().enumerate() {
        if t.record.upn.trim().is_empty() && t.record.serial.trim().is_empty() {
            checks.error(
                row,
                Field::Upn,
                "the link needs an account name: give the token a UPN or a serial".into(),
            );
        }
    }
    checks.into_issues()
}

pub fn write(tokens: &[OathToken]) -> Result<Zeroizing<String>, FormatError> {
    refuse_errors(issues(tokens))?;
    let links: Vec<Zeroizing<String>> = tokens.iter().map(|t| link(t).to_uri()).collect();
    let mut out = Zeroizing::new(String::with_capacity(
        links.iter().map(|l| l.len() + 1).sum(),
    ));
    for l in &links {
        out.push_str(l);
        out.push('\n');
    }
    Ok(out)
}
