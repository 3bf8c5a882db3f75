//! `otpauth://` links: `OtpAuth::parse`, and the URI it renders reads back to the same account.
//!
//! Input: the link as text.

use std::mem::discriminant;
use std::ops::Range;

use tokensmith_core::{Kind, OtpAuth, OtpAuthError};

use crate::check;

pub fn run(data: &[u8]) {
    if let Some(uri) = check::text(data) {
        check_uri(uri);
    }
}

/// The invariants for one link (also used by `classify`, which hands links to the same parser).
pub fn check_uri(uri: &str) {
    match OtpAuth::parse(uri) {
        Ok(account) => {
            account
                .params
                .validate()
                .expect("parsed parameters are valid");
            let rendered = account.to_uri();
            let again = OtpAuth::parse(&rendered).expect("a rendered link parses");
            assert_same_account(&account, &again, true);
        }
        Err(e) => {
            let message = e.to_string();
            check::short_message("otpauth", &message);
            let (rotated, material) = rotate_secrets(uri);
            // Rotating can change what is wrong (the last base32 character's leftover bits
            // may become zero): only a refusal for the same reason is comparable.
            let same_reason = |again: &OtpAuthError| discriminant(again) == discriminant(&e);
            check::assert_no_echo("otpauth", &material, &[message], || {
                OtpAuth::parse(&rotated)
                    .err()
                    .filter(same_reason)
                    .map(|e| vec![e.to_string()])
            });
        }
    }
}

/// What programs a token must survive a round trip exactly; labels are trimmed by the parser,
/// so accounts that did not come from a link (`exact_labels` false) compare trimmed.
pub fn assert_same_account(before: &OtpAuth, after: &OtpAuth, exact_labels: bool) {
    assert!(before.secret == after.secret, "the secret changed");
    assert_eq!(before.kind, after.kind);
    assert_eq!(before.params.algorithm, after.params.algorithm);
    assert_eq!(before.params.digits, after.params.digits);
    // HOTP has no time step, so its link carries none.
    if before.kind == Kind::Totp {
        assert_eq!(before.params.period, after.params.period);
    }
    let label = |a: &OtpAuth| {
        let issuer = a.issuer.clone().filter(|i| !i.trim().is_empty());
        if exact_labels {
            (issuer, a.account.clone())
        } else {
            (
                issuer.map(|i| i.trim().to_string()),
                a.account.trim().to_string(),
            )
        }
    };
    assert_eq!(label(before), label(after));
}

/// The byte ranges of the raw `secret=` values (without their percent escapes' digits).
fn secret_ranges(uri: &str) -> Vec<Range<usize>> {
    let end = uri.find('#').unwrap_or(uri.len());
    let Some(query) = uri[..end].find('?').map(|q| q + 1) else {
        return Vec::new();
    };
    let mut ranges = Vec::new();
    let mut start = query;
    for part in uri[query..end].split('&') {
        if let Some((key, _)) = part.split_once('=') {
            if key.eq_ignore_ascii_case("secret") {
                ranges.push(start + key.len() + 1..start + part.len());
            }
        }
        start += part.len() + 1;
    }
    ranges
}

/// The link with its secrets rotated (percent escapes kept), and each secret with its rotation.
pub fn rotate_secrets(uri: &str) -> (String, Vec<(String, String)>) {
    let mut out = String::with_capacity(uri.len());
    let mut material = Vec::new();
    let mut at = 0;
    for range in secret_ranges(uri) {
        out.push_str(&uri[at..range.start]);
        let value = &uri[range.clone()];
        let mut changed = String::with_capacity(value.len());
        let mut escape = 0u8;
        for c in value.chars() {
            if c == '%' {
                escape = 3;
            }
            changed.push(if escape > 0 { c } else { check::rotate_char(c) });
            escape = escape.saturating_sub(1);
        }
        out.push_str(&changed);
        material.push((value.to_string(), changed));
        at = range.end;
    }
    out.push_str(&uri[at..]);
    (out, material)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_found_and_rotated_with_escapes_kept() {
        let (rotated, material) =
            rotate_secrets("otpauth://totp/a?Secret=ab%3Dcd&x=1&secret=ZZ#secret=AA");
        assert_eq!(
            rotated,
            "otpauth://totp/a?Secret=bc%3Dde&x=1&secret=GG#secret=AA"
        );
        assert_eq!(material.len(), 2);
        assert_eq!(rotate_secrets("otpauth://totp/a").1.len(), 0);
    }
}
