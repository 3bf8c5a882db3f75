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

/// `s` in quotes, control characters and quotes escaped (Rust's `{:?}`), then cut like
/// [`echo`]: escaping may make a short text long (a DEL is six characters), so the cut comes
/// after it.
pub fn quoted(s: &str) -> String {
    echo(&format!("{s:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_escaped_then_cut() {
        assert_eq!(quoted("ACS ACR122U"), "\"ACS ACR122U\"");
        let messy = format!("T{}", "\\\u{7f}".repeat(100));
        let q = quoted(&messy);
        assert_eq!(q.chars().count(), ECHO_CHARS + 1, "{q}");
        assert!(q.starts_with("\"T\\\\") && q.ends_with('…'), "{q}");
    }

    #[test]
    fn cuts_long_text_at_a_character_boundary() {
        assert_eq!(echo("SHA-3"), "SHA-3");
        let exact = "é".repeat(ECHO_CHARS);
        assert_eq!(echo(&exact), exact);
        assert_eq!(echo(&format!("{exact}x")), format!("{exact}…"));
    }
}
