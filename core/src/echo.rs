//! Quoting what the user gave in a message: enough to recognise it, never a whole file's worth
//! (a 60 KB cell would otherwise become a 60 KB error).

/// Characters of input a message repeats; the rest becomes "…".
pub const ECHO_CHARS: usize = 40;

/// `s` cut to [`ECHO_CHARS`] characters, ending in "…" when something was cut.
pub fn echo(s: &str) -> String {
    let mut out: String = s.chars().take(ECHO_CHARS).collect();
    if s.chars().nth(ECHO_CHARS).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_long_text_at_a_character_boundary() {
        assert_eq!(echo("SHA-3"), "SHA-3");
        let exact = "é".repeat(ECHO_CHARS);
        assert_eq!(echo(&exact), exact);
        assert_eq!(echo(&format!("{exact}x")), format!("{exact}…"));
    }
}
