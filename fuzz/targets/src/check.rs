//! Invariants shared by the targets: messages stay short, and never repeat secret material.

use std::collections::HashSet;

use serde_json::Value;

/// Longest error message a parser may produce, in characters. The longest fixed texts (a
/// hint plus a position) are about 250; anything longer is echoed input.
pub const MAX_MESSAGE_CHARS: usize = 400;

/// A run of this many letters and digits of a secret (40 bits of base32) in a message is a leak.
pub const ECHO_WINDOW: usize = 8;

/// Panics unless `message` fits in [`MAX_MESSAGE_CHARS`].
pub fn short_message(target: &str, message: &str) {
    let chars = message.chars().count();
    assert!(
        chars <= MAX_MESSAGE_CHARS,
        "{target}: a message of {chars} characters (at most {MAX_MESSAGE_CHARS}): it echoes input: \
         {:?}…",
        message.chars().take(120).collect::<String>()
    );
}

/// Moves a character to another of the same class: base32 letters stay base32 letters, hex
/// digits stay hex digits, 2–7 stay 2–7, and '0', 'x', 'X' stay put (the "0x" prefix). A
/// parser therefore reads a rotated secret the same way (valid or not, same encoding, same
/// length), but any text it copies from the input comes out changed.
pub fn rotate_char(c: char) -> char {
    const CYCLES: [&str; 5] = [
        "abcdef",
        "ghijklmnopqrstuvwyz",
        "ABCDEF",
        "GHIJKLMNOPQRSTUVWYZ",
        "234567",
    ];
    const DIGITS_NOT_BASE32: &str = "189";
    for cycle in CYCLES.iter().chain([&DIGITS_NOT_BASE32]) {
        if let Some(i) = cycle.find(c) {
            let next = (i + 1) % cycle.len();
            return char::from(cycle.as_bytes()[next]);
        }
    }
    c
}

/// Every character [`rotate_char`]ed but the last letter or digit: whether base32's last
/// character carries leftover bits depends on it, so the rotated secret stays valid or
/// invalid for the same reason.
pub fn rotate(s: &str) -> String {
    let last = s.rfind(|c: char| c.is_ascii_alphanumeric());
    s.char_indices()
        .map(|(i, c)| if Some(i) == last { c } else { rotate_char(c) })
        .collect()
}

/// Letters and digits only, upper case: a secret reads the same with or without separators.
fn normalized(s: &str) -> Vec<u8> {
    s.bytes()
        .filter(u8::is_ascii_alphanumeric)
        .map(|b| b.to_ascii_uppercase())
        .collect()
}

fn count(haystacks: &[Vec<u8>], needle: &[u8]) -> usize {
    haystacks
        .iter()
        .map(|h| h.windows(needle.len()).filter(|w| *w == needle).count())
        .sum()
}

/// Panics if `messages` repeat secret material from the input.
///
/// `material` pairs each secret text of the input with what it became in a changed input
/// (same length, e.g. [`rotate`]d). A run of [`ECHO_WINDOW`] letters and digits of a secret
/// that appears in the messages may be fixed text that happens to match ("POSITION"), so the
/// parser is run again on the changed input (`rerun`, only then): if the changed run now shows
/// up more often than before, the message follows the input, which is the leak. `rerun` may
/// return `None` when the changed input is no longer comparable (read as another kind of text).
pub fn assert_no_echo(
    target: &str,
    material: &[(String, String)],
    messages: &[String],
    rerun: impl FnOnce() -> Option<Vec<String>>,
) {
    let said: Vec<Vec<u8>> = messages.iter().map(|m| normalized(m)).collect();
    let mut windows = HashSet::new();
    for m in &said {
        windows.extend(m.windows(ECHO_WINDOW));
    }
    let mut suspects = Vec::new();
    for (secret, changed) in material {
        let (secret, changed) = (normalized(secret), normalized(changed));
        assert_eq!(
            secret.len(),
            changed.len(),
            "{target}: the changed material must align with the original"
        );
        for (w, c) in secret
            .windows(ECHO_WINDOW)
            .zip(changed.windows(ECHO_WINDOW))
        {
            if w != c && windows.contains(w) {
                suspects.push((w.to_vec(), c.to_vec()));
            }
        }
    }
    if suspects.is_empty() {
        return;
    }
    let Some(again) = rerun() else { return };
    let said_again: Vec<Vec<u8>> = again.iter().map(|m| normalized(m)).collect();
    for (w, c) in suspects {
        assert!(
            count(&said_again, &c) <= count(&said, &c),
            "{target}: a message repeats the secret's characters {:?}: {messages:?}",
            String::from_utf8_lossy(&w)
        );
    }
}

/// Rotates every string under one of `keys` anywhere in a JSON value, collecting
/// (before, after).
pub fn rotate_json(v: &mut Value, keys: &[&str], material: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                match value {
                    Value::String(s) if keys.contains(&key.as_str()) => {
                        let rotated = rotate(s);
                        material.push((std::mem::replace(s, rotated.clone()), rotated));
                    }
                    other => rotate_json(other, keys, material),
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| rotate_json(item, keys, material)),
        _ => {}
    }
}

/// `data` as text, or None: the targets fed by text files and text fields skip other bytes
/// (the page and the bridge only ever hand them valid UTF-8).
pub fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(s: &str) -> Vec<(String, String)> {
        vec![(s.to_string(), rotate(s))]
    }

    #[test]
    fn rotation_keeps_each_class() {
        assert_eq!(rotate("0xJBSWY3dp-189:af="), "0xKCTYZ4eq-891:bf=");
        assert_eq!(rotate("Zz7f9Ww"), "Gg2a1Yw");
    }

    #[test]
    fn an_echoed_secret_is_caught_even_with_other_separators() {
        let secret = "jbsw y3dp ehpk 3pxp";
        let message = |s: &str| vec![format!("bad secret {}", s.replace(' ', "-"))];
        let caught = std::panic::catch_unwind(|| {
            assert_no_echo("t", &pair(secret), &message(secret), || {
                Some(message(&rotate(secret)))
            })
        });
        assert!(caught.is_err(), "the echo must be reported");
    }

    #[test]
    fn fixed_text_that_matches_the_secret_is_not_an_echo() {
        let secret = "POSITIONPOSITION";
        let message = vec!["invalid character at position 17".to_string()];
        assert_no_echo("t", &pair(secret), &message, || Some(message.clone()));
        // A name shown in both runs is not secret material either.
        let named = vec![format!("entry 1 ({secret} {}): bad", rotate(secret))];
        assert_no_echo("t", &pair(secret), &named, || Some(named.clone()));
    }

    #[test]
    fn long_messages_are_refused() {
        short_message("t", &"x".repeat(MAX_MESSAGE_CHARS));
        let long = "x".repeat(MAX_MESSAGE_CHARS + 1);
        assert!(std::panic::catch_unwind(|| short_message("t", &long)).is_err());
    }
}
