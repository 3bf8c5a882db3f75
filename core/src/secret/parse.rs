//! Lenient, position-aware parsing of secrets typed or pasted by people.
//!
//! People copy keys out of PDFs, e-mails and vendor portals, so separators and
//! case must not matter; but a wrong character must never be guessed away,
//! because a silently "fixed" key programs a token that never matches.
//! Positions are 1-based and counted in characters of the original input, so
//! the UI can point at the exact spot.

use data_encoding::{DecodeKind, BASE32_NOPAD, HEXLOWER_PERMISSIVE};
use zeroize::Zeroizing;

use super::{Secret, SecretError};

/// How to read a secret string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// Decide from the content: `0x` prefix, `:` separators or any of the
    /// digits 0, 1, 8, 9 (which base32 lacks) mean hex; anything else is base32.
    #[default]
    Auto,
    Base32,
    Hex,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Auto => "auto",
            Encoding::Base32 => "base32",
            Encoding::Hex => "hex",
        }
    }
}

/// A parsed secret plus what the parser decided, so the UI can show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub secret: Secret,
    /// The encoding actually used (never `Auto`).
    pub encoding: Encoding,
    /// The input is also valid in the other encoding, with a different
    /// meaning: the UI should let the user switch.
    pub ambiguous: bool,
}

/// Why a string is not a usable secret. Never contains the secret itself:
/// at most the one offending character, which by definition is not key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the secret is empty: paste or type the key")]
    Empty,
    #[error("{}", invalid_char_message(*position, *ch, *encoding))]
    InvalidChar {
        position: usize,
        ch: char,
        encoding: Encoding,
    },
    #[error(
        "the '=' at position {position} is misplaced: base32 padding may only appear at the end"
    )]
    MisplacedPadding { position: usize },
    #[error(
        "the secret has {found} '=' padding characters but {chars} base32 characters need {expected}: \
         remove the '=' signs or copy the secret again"
    )]
    BadPadding {
        found: usize,
        expected: usize,
        chars: usize,
    },
    #[error(
        "the base32 secret has {chars} characters, a length no whole number of bytes gives: \
         the secret looks truncated (or has extra characters); copy it again"
    )]
    Base32Length { chars: usize },
    #[error(
        "the last base32 character carries leftover bits that are not zero: \
         the secret looks truncated or mistyped; copy it again"
    )]
    Base32TrailingBits { chars: usize },
    #[error(
        "the hex secret has an odd number of digits ({digits}): every byte needs two, \
         so the secret looks truncated; copy it again"
    )]
    OddHexLength { digits: usize },
    #[error("this is an otpauth:// link, not a bare secret: import it as a link (or copy only the secret= value)")]
    LooksLikeUri,
    #[error("{0}")]
    Secret(#[from] SecretError),
}

impl ParseError {
    /// 1-based character position of the problem, where there is one.
    pub fn position(&self) -> Option<usize> {
        match self {
            ParseError::InvalidChar { position, .. }
            | ParseError::MisplacedPadding { position } => Some(*position),
            _ => None,
        }
    }
}

fn printable(ch: char) -> String {
    match ch {
        '\t' => "a tab".into(),
        c if c.is_control() => format!("control character U+{:04X}", c as u32),
        c => format!("'{c}'"),
    }
}

fn invalid_char_message(position: usize, ch: char, encoding: Encoding) -> String {
    let what = printable(ch);
    match encoding {
        Encoding::Hex => {
            let base = format!(
                "invalid character {what} at position {position}: hex secrets use only the digits 0–9 \
                 and the letters a–f (spaces, colons and a leading 0x are ignored)"
            );
            if ch.is_ascii_alphabetic() {
                format!("{base}; if the secret is base32, choose base32")
            } else {
                base
            }
        }
        _ => {
            let base = format!(
                "invalid character {what} at position {position}: base32 secrets use only the letters \
                 A–Z and digits 2–7"
            );
            let hint = match ch {
                '0' => " (did you mean 'O'? If the secret is hex, choose hex)",
                '1' => " (did you mean 'I' or 'L'? If the secret is hex, choose hex)",
                '8' => " (did you mean 'B'? If the secret is hex, choose hex)",
                '9' => " (base32 has no 9: if the secret is hex, choose hex)",
                _ => "; spaces and hyphens are ignored",
            };
            format!("{base}{hint}")
        }
    }
}

fn is_ignorable_base32(c: char) -> bool {
    c.is_whitespace() || c == '-'
}

fn is_ignorable_hex(c: char) -> bool {
    c.is_whitespace() || c == ':'
}

pub(super) fn parse(input: &str, enc: Encoding) -> Result<Parsed, ParseError> {
    if looks_like_uri(input) {
        return Err(ParseError::LooksLikeUri);
    }
    let (secret, encoding) = match enc {
        Encoding::Base32 => (parse_base32(input)?, Encoding::Base32),
        Encoding::Hex => (parse_hex(input)?, Encoding::Hex),
        Encoding::Auto => return parse_auto(input),
    };
    let ambiguous = match encoding {
        Encoding::Hex => parse_base32(input).is_ok(),
        _ => parse_hex(input).is_ok(),
    };
    Ok(Parsed {
        secret,
        encoding,
        ambiguous,
    })
}

/// A pasted QR-code link would otherwise get a confusing "invalid character" error.
fn looks_like_uri(input: &str) -> bool {
    let start = input.trim_start();
    start
        .get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("otpauth:"))
        || start
            .get(..18)
            .is_some_and(|p| p.eq_ignore_ascii_case("otpauth-migration:"))
}

/// Base32 is the default because that is what every authenticator and Entra
/// uses; hex is chosen only on evidence. When base32 fails but the text is
/// clean hex (e.g. "abcdef", an impossible base32 length) hex is the only
/// reading that works, so it is taken without flagging ambiguity.
fn parse_auto(input: &str) -> Result<Parsed, ParseError> {
    let trimmed = input.trim_start();
    let explicit_hex =
        trimmed.starts_with("0x") || trimmed.starts_with("0X") || input.contains(':');
    let mut significant = input.chars().filter(|c| !c.is_whitespace()).peekable();
    if significant.peek().is_none() {
        return Err(ParseError::Empty);
    }
    let mut all_hex = true;
    let mut has_non_base32_digit = false;
    for c in significant {
        all_hex &= c.is_ascii_hexdigit();
        has_non_base32_digit |= matches!(c, '0' | '1' | '8' | '9');
    }
    if explicit_hex || (all_hex && has_non_base32_digit) {
        return Ok(Parsed {
            secret: parse_hex(input)?,
            encoding: Encoding::Hex,
            ambiguous: false,
        });
    }
    match parse_base32(input) {
        Ok(secret) => Ok(Parsed {
            secret,
            encoding: Encoding::Base32,
            ambiguous: all_hex && parse_hex(input).is_ok(),
        }),
        Err(e) => match (all_hex, parse_hex(input)) {
            (true, Ok(secret)) => Ok(Parsed {
                secret,
                encoding: Encoding::Hex,
                ambiguous: false,
            }),
            _ => Err(e),
        },
    }
}

fn parse_base32(input: &str) -> Result<Secret, ParseError> {
    let mut data = Zeroizing::new(String::with_capacity(input.len()));
    let mut padding = 0usize;
    let mut first_pad = 0usize;
    for (i, c) in input.chars().enumerate() {
        if is_ignorable_base32(c) {
            continue;
        }
        if c == '=' {
            if padding == 0 {
                first_pad = i + 1;
            }
            padding += 1;
            continue;
        }
        if padding > 0 {
            return Err(ParseError::MisplacedPadding {
                position: first_pad,
            });
        }
        let u = c.to_ascii_uppercase();
        if u.is_ascii_uppercase() || ('2'..='7').contains(&u) {
            data.push(u);
        } else {
            return Err(ParseError::InvalidChar {
                position: i + 1,
                ch: c,
                encoding: Encoding::Base32,
            });
        }
    }
    let chars = data.len();
    if chars == 0 {
        return Err(ParseError::Empty);
    }
    let expected = match chars % 8 {
        0 => 0,
        2 => 6,
        4 => 4,
        5 => 3,
        7 => 1,
        _ => return Err(ParseError::Base32Length { chars }),
    };
    if padding != 0 && padding != expected {
        return Err(ParseError::BadPadding {
            found: padding,
            expected,
            chars,
        });
    }
    let bytes = BASE32_NOPAD
        .decode(data.as_bytes())
        .map_err(|e| match e.kind {
            DecodeKind::Trailing => ParseError::Base32TrailingBits { chars },
            _ => ParseError::Base32Length { chars },
        })?;
    Ok(Secret::from_bytes(bytes)?)
}

fn parse_hex(input: &str) -> Result<Secret, ParseError> {
    let mut digits = Zeroizing::new(String::with_capacity(input.len()));
    let mut seen_first = false;
    let mut iter = input.chars().enumerate().peekable();
    while let Some((i, c)) = iter.next() {
        if is_ignorable_hex(c) {
            continue;
        }
        if !seen_first {
            seen_first = true;
            if c == '0' && matches!(iter.peek(), Some((_, 'x' | 'X'))) {
                iter.next();
                continue;
            }
        }
        if c.is_ascii_hexdigit() {
            digits.push(c.to_ascii_lowercase());
        } else {
            return Err(ParseError::InvalidChar {
                position: i + 1,
                ch: c,
                encoding: Encoding::Hex,
            });
        }
    }
    if digits.is_empty() {
        return Err(ParseError::Empty);
    }
    if digits.len() % 2 != 0 {
        return Err(ParseError::OddHexLength {
            digits: digits.len(),
        });
    }
    let bytes =
        HEXLOWER_PERMISSIVE
            .decode(digits.as_bytes())
            .map_err(|_| ParseError::OddHexLength {
                digits: digits.len(),
            })?;
    Ok(Secret::from_bytes(bytes)?)
}
