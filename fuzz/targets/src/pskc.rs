//! PSKC files (RFC 6030) read into the inventory: `formats::pskc::lock` and `read`, plain,
//! with a pre-shared key or with a password (also as the page reads it: the password's key
//! derived apart, `password_key`, then `Unlock::DerivedKey`, which must read the same). What
//! reads has codes tokens show (4–10 digits), a seed, a time step of at least one second; written again (plain, and encrypted
//! with a pre-shared key) it reads the same; errors are short and never repeat a plain seed.
//!
//! Input: the first byte picks what the harness opens the file with (nothing, the
//! pre-shared key [`KEY`], the password [`PASSWORD`]), the rest is the file. The password is
//! only tried when every `IterationCount` is at most [`MAX_FUZZ_ITERATIONS`], written plainly
//! (PBKDF2's own cost is not what is fuzzed; 10 million iterations are seconds).

use tokensmith_core::formats::pskc::{self, Lock, PresharedKey, Protection, Unlock};
use tokensmith_core::formats::{FormatError, OathToken};
use tokensmith_core::otp::{MAX_DIGITS, MIN_DIGITS};
use tokensmith_core::Kind;

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::check;

/// The pre-shared key the harness opens files with (AES-128; longer keys are its prefix
/// repeated).
pub const KEY: [u8; 32] = *b"fuzz-pskc-key-16fuzz-pskc-key-32";
/// RFC 6030 Figure 7's password, so its file (1000 iterations) seeds the password path.
pub const PASSWORD: &str = "qwerty";
pub const MAX_FUZZ_ITERATIONS: u32 = 1000;

/// How the harness opens the file (the first byte of an input).
pub const NONE: u8 = 0;
pub const WITH_KEY: u8 = 1;
pub const WITH_PASSWORD: u8 = 2;

pub fn run(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Some(text) = check::text(rest) else {
        return;
    };
    let lock = match pskc::lock(text) {
        Ok(lock) => lock,
        Err(e) => return check_error(text, &e, Unlock::None),
    };
    let unlock = match (pick % 3, &lock) {
        (WITH_KEY, Lock::PresharedKey { key_len, .. }) if [16, 24, 32].contains(key_len) => {
            Unlock::PresharedKey(&KEY[..*key_len])
        }
        (WITH_KEY, _) => Unlock::PresharedKey(&KEY[..16]),
        (WITH_PASSWORD, _) if cheap_iterations(text) => Unlock::Password(PASSWORD),
        _ => Unlock::None,
    };
    let read = pskc::read(text, unlock);
    if let (Unlock::Password(password), Lock::Password { .. }) = (unlock, &lock) {
        // The page's way for a file its lock says is password-protected: the key derived
        // apart (in its worker), then the file read with it.
        let apart = pskc::password_key(text, password)
            .and_then(|key| pskc::read(text, Unlock::DerivedKey(&key)));
        assert_eq!(
            apart.as_ref().map_err(ToString::to_string),
            read.as_ref().map_err(ToString::to_string),
            "the key derived apart reads differently"
        );
    }
    match read {
        Ok(tokens) => check_tokens(&tokens),
        Err(e) => check_error(text, &e, unlock),
    }
}

/// Every `IterationCount` is written as plain digits, at most [`MAX_FUZZ_ITERATIONS`]; no
/// construct that could hide digits from this scan (CDATA, comments, entities).
fn cheap_iterations(text: &str) -> bool {
    if text.contains("<!") || text.contains("<?") || text.contains('&') {
        return false;
    }
    text.match_indices("IterationCount").all(|(i, _)| {
        let after = &text[i..];
        let Some(gt) = after.find('>') else {
            return true;
        };
        let value = &after[gt + 1..];
        let value = value[..value.find('<').unwrap_or(value.len())].trim();
        value.is_empty()
            || (value.len() <= 4
                && value.bytes().all(|b| b.is_ascii_digit())
                && value.parse::<u32>().is_ok_and(|n| n <= MAX_FUZZ_ITERATIONS))
    })
}

fn check_tokens(tokens: &[OathToken]) {
    for t in tokens {
        assert!(
            (MIN_DIGITS..=MAX_DIGITS).contains(&t.digits),
            "{} digits",
            t.digits
        );
        assert!(!t.record.secret.is_empty());
        if t.kind == Kind::Totp {
            assert!(t.record.interval >= 1);
        }
    }
    let Ok(plain) = pskc::write(tokens, Protection::Plain) else {
        return;
    };
    let again = pskc::read(&plain, Unlock::None).expect("a written PSKC file reads back");
    assert!(
        again == tokens,
        "written plainly, the file reads differently"
    );
    let key = PresharedKey::from_hex(&data_encoding::HEXLOWER.encode(&KEY[..16])).expect("hex");
    let sealed = pskc::write(
        tokens,
        Protection::PresharedKey {
            key: &key,
            key_name: "fuzz",
        },
    )
    .expect("what is written plainly is written encrypted");
    let again = pskc::read(&sealed, Unlock::PresharedKey(&KEY[..16])).expect("reads back");
    assert!(again == tokens, "encrypted, the file reads differently");
}

/// Short, and with every `PlainValue` rotated the message does not follow it.
fn check_error(text: &str, e: &FormatError, unlock: Unlock) {
    let message = e.to_string();
    check::short_message("pskc", &message);
    let (rotated, material) = rotate_plain_values(text);
    check::assert_no_echo("pskc", &material, &[message], || {
        pskc::read(&rotated, unlock)
            .err()
            .map(|e| vec![e.to_string()])
    });
}

/// The text of every `Secret`'s `PlainValue` rotated, and each (before, after): the text
/// the XML reader itself reads there (a text or a CDATA section of a `PlainValue` element
/// whose parent is a `Secret`, any namespace prefix), up to where the file stops being XML.
/// Rotating those keeps the file's structure, so the rerun fails where the first run did.
///
/// Before (third campaign) the harness looked for "PlainValue>" by hand, which took a
/// "PlainValue" inside an attribute's value for the element and rotated markup with it: the
/// rotated file then failed elsewhere and the check blamed the parser (`fuzz/unfixed/pskc`).
fn rotate_plain_values(text: &str) -> (String, Vec<(String, String)>) {
    let mut out = String::with_capacity(text.len());
    let mut material = Vec::new();
    let mut done = 0;
    for range in plain_value_texts(text) {
        out.push_str(&text[done..range.start]);
        let value = &text[range.clone()];
        let rotated = check::rotate(value);
        out.push_str(&rotated);
        if value.chars().any(|c| c.is_ascii_alphanumeric()) {
            material.push((value.to_string(), rotated));
        }
        done = range.end;
    }
    out.push_str(&text[done..]);
    (out, material)
}

/// Where the texts of `Secret`/`PlainValue` elements lie in `text` (a time step's or a
/// counter's `PlainValue` has another parent, and is no secret).
fn plain_value_texts(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut reader = Reader::from_str(text);
    let mut open: Vec<Vec<u8>> = Vec::new();
    let mut texts = Vec::new();
    loop {
        let start = reader.buffer_position() as usize;
        let event = reader.read_event();
        let end = reader.buffer_position() as usize;
        let in_value = open.len() >= 2
            && open[open.len() - 1] == b"PlainValue"
            && open[open.len() - 2] == b"Secret";
        match event {
            Ok(Event::Start(e)) => open.push(e.local_name().as_ref().to_vec()),
            Ok(Event::End(_)) => {
                open.pop();
            }
            Ok(Event::Text(_)) if in_value => texts.push(start..end),
            // Inside `<![CDATA[` … `]]>`.
            Ok(Event::CData(_)) if in_value => texts.push(start + 9..end - 3),
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    texts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_cheap_plain_iteration_counts_are_opened_with_the_password() {
        let file = |n: &str| format!("<a><IterationCount>{n}</IterationCount></a>");
        assert!(cheap_iterations(&file("1000")));
        assert!(cheap_iterations(&file(" 7 ")));
        assert!(!cheap_iterations(&file("1001")));
        assert!(!cheap_iterations(&file("10000000")));
        assert!(!cheap_iterations(&file("<![CDATA[99]]>")));
        assert!(!cheap_iterations(&file("9<!---->9")));
        assert!(!cheap_iterations(&file("&#57;")));
    }

    #[test]
    fn plain_values_are_rotated() {
        let file = "<x:Secret>\n <x:PlainValue>AB+2</x:PlainValue></x:Secret><P>AB</P>";
        let (text, material) = rotate_plain_values(file);
        assert_eq!(text, file.replace("AB+2", "BC+2"));
        assert_eq!(material.len(), 1);
        // Not a time step's, not after a closing tag, not as text.
        let file = "<Secret><PlainValue>AB</PlainValue>AB60</Secret><T><PlainValue>AB</PlainValue></T><S>Secret>x:PlainValue>AB</S>";
        let (text, material) = rotate_plain_values(file);
        assert_eq!(text, file.replacen("AB", "BB", 1));
        assert_eq!(material.len(), 1);
        // Not inside an attribute's value; a CDATA section's inside only; a text read
        // before the file stops being XML, nothing after.
        let file = r#"<a v="<Secret><PlainValue>AB</PlainValue>"><Secret><PlainValue><![CDATA[AB2]]></PlainValue></Secret><Secret><PlainValue>AB</Plain><Secret><PlainValue>AB</PlainValue></Secret></a>"#;
        let (text, material) = rotate_plain_values(file);
        let want = r#"<a v="<Secret><PlainValue>AB</PlainValue>"><Secret><PlainValue><![CDATA[BC2]]></PlainValue></Secret><Secret><PlainValue>BB</Plain><Secret><PlainValue>AB</PlainValue></Secret></a>"#;
        assert_eq!(text, want);
        assert_eq!(material.len(), 2);
    }
}
