//! A secret carried in a request: seed text, Molto2 customer key, OATH password.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// Text that must not outlive its use: wiped from memory when dropped, shown as `<redacted>`
/// by `Debug`, and (de)serialized as a plain JSON string.
///
/// What this cannot wipe: copies made outside it (the HTTP body buffer, a JavaScript string
/// in the page, serde's scratch buffer for a string with escapes).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    pub fn new(text: String) -> Self {
        SecretString(Zeroizing::new(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for SecretString {
    fn from(text: String) -> Self {
        Self::new(text)
    }
}

impl From<&str> for SecretString {
    fn from(text: &str) -> Self {
        Self::new(text.to_string())
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted_and_transparent() {
        let s = SecretString::from("JBSWY3DPEHPK3PXP");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"JBSWY3DPEHPK3PXP\"");
        let back: SecretString = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(back.as_str(), "abc");
    }
}
