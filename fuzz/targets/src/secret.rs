//! Secrets typed or pasted: `Secret::parse` in each encoding.
//!
//! Input: the first byte picks the encoding (auto, base32, hex), the rest is the text.

use tokensmith_core::{Encoding, Parsed, Secret, MAX_SECRET_LEN};

use crate::check;

const ENCODINGS: [Encoding; 3] = [Encoding::Auto, Encoding::Base32, Encoding::Hex];

pub fn run(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Some(input) = check::text(rest) else {
        return;
    };
    let encoding = ENCODINGS[usize::from(pick) % ENCODINGS.len()];
    match Secret::parse(input, encoding) {
        Ok(parsed) => check_parsed(input, encoding, &parsed),
        Err(e) => {
            let message = e.to_string();
            check::short_message("secret", &message);
            if let Some(position) = e.position() {
                assert!(
                    (1..=input.chars().count()).contains(&position),
                    "position {position} is outside the input: {e}"
                );
            }
            let rotated = check::rotate(input);
            check::assert_no_echo(
                "secret",
                &[(input.to_string(), rotated.clone())],
                &[message],
                || {
                    Secret::parse(&rotated, encoding)
                        .err()
                        .map(|e| vec![e.to_string()])
                },
            );
        }
    }
}

fn check_parsed(input: &str, asked: Encoding, parsed: &Parsed) {
    let secret = &parsed.secret;
    assert!((1..=MAX_SECRET_LEN).contains(&secret.len()));
    assert_ne!(
        parsed.encoding,
        Encoding::Auto,
        "the encoding used is named"
    );
    if asked != Encoding::Auto {
        assert_eq!(parsed.encoding, asked);
    }
    let explicit = Secret::parse(input, parsed.encoding).expect("the reading chosen reads alone");
    assert_eq!(&explicit.secret, secret);
    let other = match parsed.encoding {
        Encoding::Hex => Encoding::Base32,
        _ => Encoding::Hex,
    };
    // Ambiguous means the other encoding reads the input too, so the user may switch.
    if parsed.ambiguous {
        assert!(
            Secret::parse(input, other).is_ok(),
            "ambiguous, yet {other:?} fails"
        );
    }
    if asked != Encoding::Auto {
        assert_eq!(parsed.ambiguous, Secret::parse(input, other).is_ok());
    }
    for (rendering, encoding) in [
        (secret.to_base32(), Encoding::Base32),
        (secret.to_base32_grouped(), Encoding::Base32),
        (secret.to_hex(), Encoding::Hex),
        (
            zeroize::Zeroizing::new(format!("0x{}", *secret.to_hex())),
            Encoding::Auto,
        ),
    ] {
        let again = Secret::parse(&rendering, encoding).expect("a rendering reads back");
        assert_eq!(
            &again.secret, secret,
            "{encoding:?} rendering reads back differently"
        );
    }
}
