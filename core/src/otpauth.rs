//! `otpauth://` key URIs (the QR-code format of Google's Key Uri Format).
//!
//! Building follows RFC 3986 strictly (everything but unreserved characters
//! is percent-encoded, spaces are `%20`) so any reader decodes it. Parsing is
//! lenient where real-world generators differ and strict about values that
//! would program a token wrongly. In query values a `+` is read as a space,
//! because form-encoding generators (Python's urlencode, URLSearchParams)
//! write spaces that way, and no generator emits a literal `+` unencoded in an
//! issuer on purpose; in the label (the path) `+` stays a literal plus, as
//! Google Authenticator reads it. Errors never repeat the secret.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use zeroize::Zeroizing;

use crate::echo::echo;
use crate::otp::{Algorithm, OtpParams, MAX_DIGITS, MIN_DIGITS};
use crate::secret::{Encoding, ParseError, Secret};

/// RFC 3986 unreserved characters stay; everything else is encoded.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Totp,
    Hotp { counter: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtpAuth {
    pub kind: Kind,
    pub issuer: Option<String>,
    pub account: String,
    pub secret: Secret,
    pub params: OtpParams,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OtpAuthError {
    #[error("this is not a URI: an otpauth URI starts with otpauth://")]
    NotAUri,
    #[error("this is a Google Authenticator export, not a single account (otpauth-migration://): export one account as a QR code or enter its secret")]
    GoogleExport,
    #[error("the URI scheme is '{0}', not otpauth: expected a link starting with otpauth://")]
    WrongScheme(String),
    #[error("the URI has no '//' after otpauth: expected otpauth://totp/…")]
    MissingSlashes,
    #[error("the OTP type is '{0}': it must be totp or hotp")]
    BadType(String),
    #[error("the URI has no secret= parameter")]
    MissingSecret,
    #[error("the secret in the URI is not valid base32: {0}")]
    BadSecret(ParseError),
    #[error("the algorithm '{0}' is not supported: use SHA1, SHA256 or SHA512")]
    BadAlgorithm(String),
    #[error("digits='{0}' is not valid: codes have {MIN_DIGITS} to {MAX_DIGITS} digits")]
    BadDigits(String),
    #[error(
        "period='{0}' is not valid: the time step must be a whole number of seconds, at least 1"
    )]
    BadPeriod(String),
    #[error("an hotp URI needs a counter= parameter")]
    MissingCounter,
    #[error("counter='{0}' is not a valid counter: it must be a whole number from 0")]
    BadCounter(String),
    #[error("the {0} contains invalid percent-encoding (a '%' must be followed by two hex digits giving UTF-8)")]
    BadEncoding(&'static str),
}

fn encode(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

fn decode(s: &str, what: &'static str) -> Result<String, OtpAuthError> {
    if !valid_escapes(s) {
        return Err(OtpAuthError::BadEncoding(what));
    }
    percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| OtpAuthError::BadEncoding(what))
}

/// percent-encoding passes a stray '%' through; a hand-edited URI with one is
/// more likely broken than meant, so it is refused.
fn valid_escapes(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if i + 2 >= b.len() || !(b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit()) {
                return false;
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    true
}

impl OtpAuth {
    /// A TOTP entry with default parameters.
    pub fn totp(issuer: Option<String>, account: String, secret: Secret) -> OtpAuth {
        OtpAuth {
            kind: Kind::Totp,
            issuer,
            account,
            secret,
            params: OtpParams::default(),
        }
    }

    /// Always writes algorithm, digits and period explicitly: some apps
    /// ignore defaults they disagree with, explicit values leave no doubt.
    pub fn to_uri(&self) -> Zeroizing<String> {
        let kind = match self.kind {
            Kind::Totp => "totp",
            Kind::Hotp { .. } => "hotp",
        };
        let issuer = self.issuer.as_deref().map(encode);
        let account = encode(&self.account);
        let secret = self.secret.to_base32();
        // Sized up front so the buffer holding the secret never reallocates
        // (a reallocation would leave an unwiped copy behind).
        let capacity =
            96 + 2 * issuer.as_ref().map_or(0, String::len) + account.len() + secret.len();
        let mut uri = Zeroizing::new(String::with_capacity(capacity));
        uri.push_str("otpauth://");
        uri.push_str(kind);
        uri.push('/');
        if let Some(issuer) = &issuer {
            uri.push_str(issuer);
            uri.push(':');
        }
        uri.push_str(&account);
        uri.push_str("?secret=");
        uri.push_str(&secret);
        if let Some(issuer) = &issuer {
            uri.push_str("&issuer=");
            uri.push_str(issuer);
        }
        uri.push_str("&algorithm=");
        uri.push_str(self.params.algorithm.as_str());
        uri.push_str(&format!("&digits={}", self.params.digits));
        match self.kind {
            Kind::Totp => uri.push_str(&format!("&period={}", self.params.period)),
            Kind::Hotp { counter } => uri.push_str(&format!("&counter={counter}")),
        }
        uri
    }

    pub fn parse(uri: &str) -> Result<OtpAuth, OtpAuthError> {
        let uri = uri.trim();
        let (scheme, rest) = uri.split_once(':').ok_or(OtpAuthError::NotAUri)?;
        check_scheme(scheme)?;
        let rest = rest
            .strip_prefix("//")
            .ok_or(OtpAuthError::MissingSlashes)?;
        let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (kind_str, label) = path.split_once('/').unwrap_or((path, ""));
        let is_hotp = match kind_str.to_ascii_lowercase().as_str() {
            "totp" => false,
            "hotp" => true,
            _ => return Err(OtpAuthError::BadType(echo(kind_str))),
        };

        let q = Query::parse(query)?;
        let secret_text = q.get("secret").ok_or(OtpAuthError::MissingSecret)?;
        let secret = Secret::parse(&secret_text, Encoding::Base32)
            .map_err(OtpAuthError::BadSecret)?
            .secret;
        let mut params = OtpParams::default();
        if let Some(a) = q.get("algorithm") {
            params.algorithm = a
                .parse::<Algorithm>()
                .map_err(|_| OtpAuthError::BadAlgorithm(echo(&a)))?;
        }
        if let Some(d) = q.get("digits") {
            params.digits = d
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|d| (MIN_DIGITS..=MAX_DIGITS).contains(d))
                .ok_or_else(|| OtpAuthError::BadDigits(echo(&d)))?;
        }
        if let Some(p) = q.get("period") {
            params.period = p
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|p| *p >= 1)
                .ok_or_else(|| OtpAuthError::BadPeriod(echo(&p)))?;
        }
        let kind = if is_hotp {
            let c = q.get("counter").ok_or(OtpAuthError::MissingCounter)?;
            let counter = c
                .trim()
                .parse::<u64>()
                .map_err(|_| OtpAuthError::BadCounter(echo(&c)))?;
            Kind::Hotp { counter }
        } else {
            Kind::Totp
        };

        let issuer_param = q.get("issuer");
        let (label_issuer, account) =
            split_label(label, issuer_param.as_deref().map(String::as_str))?;
        let issuer = issuer_param
            .map(|i| i.trim().to_string())
            .or(label_issuer)
            .filter(|i| !i.is_empty());
        Ok(OtpAuth {
            kind,
            issuer,
            account,
            secret,
            params,
        })
    }
}

fn check_scheme(scheme: &str) -> Result<(), OtpAuthError> {
    let looks_like_scheme = !scheme.is_empty()
        && scheme.len() <= 32
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !looks_like_scheme {
        return Err(OtpAuthError::NotAUri);
    }
    match scheme.to_ascii_lowercase().as_str() {
        "otpauth" => Ok(()),
        "otpauth-migration" => Err(OtpAuthError::GoogleExport),
        other => Err(OtpAuthError::WrongScheme(other.to_string())),
    }
}

/// Splits "Issuer:account" at the first literal ':' (an issuer containing ':'
/// arrives as %3A). An encoded %3A separator, which Google's format also
/// allows, is honoured only when the text before it equals the issuer
/// parameter, so an account name that itself contains ':' survives.
fn split_label(
    label: &str,
    issuer_param: Option<&str>,
) -> Result<(Option<String>, String), OtpAuthError> {
    if let Some((issuer, account)) = label.split_once(':') {
        let issuer = decode(issuer, "label")?.trim().to_string();
        let account = decode(account, "label")?.trim().to_string();
        return Ok((Some(issuer), account));
    }
    let whole = decode(label, "label")?;
    if let Some(param) = issuer_param.map(str::trim).filter(|p| !p.is_empty()) {
        if let Some(account) = whole
            .strip_prefix(param)
            .and_then(|rest| rest.strip_prefix(':'))
        {
            return Ok((Some(param.to_string()), account.trim().to_string()));
        }
    }
    Ok((None, whole.trim().to_string()))
}

/// Decoded query parameters; the first occurrence of a name wins. Values
/// pass through `Zeroizing` because one of them is the secret.
struct Query {
    pairs: Vec<(String, Zeroizing<String>)>,
}

impl Query {
    fn parse(query: &str) -> Result<Query, OtpAuthError> {
        let mut pairs = Vec::new();
        for part in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let key = decode(&plus_to_space(k), "query")?.to_ascii_lowercase();
            let value = Zeroizing::new(decode(&plus_to_space(v), "query")?);
            pairs.push((key, value));
        }
        Ok(Query { pairs })
    }

    fn get(&self, name: &str) -> Option<Zeroizing<String>> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

fn plus_to_space(s: &str) -> Zeroizing<String> {
    Zeroizing::new(s.replace('+', " "))
}

#[cfg(test)]
mod tests;
