//! Status words: what a card's `SW1 SW2` means in each protocol, and [`SwError`], the one
//! error every protocol uses for a status word it gives no special meaning.

use std::fmt;

/// A status word with generic ISO 7816-4 descriptions. Protocol modules map
/// status words to their own typed errors with protocol-specific meanings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(pub u16);

impl StatusWord {
    pub fn sw1(self) -> u8 {
        (self.0 >> 8) as u8
    }
    pub fn sw2(self) -> u8 {
        self.0 as u8
    }

    /// Generic ISO 7816-4 meaning.
    pub fn description(self) -> &'static str {
        match self.0 {
            0x9000 => "success",
            0x9060 => "accepted, confirm on the device",
            0x6700 => "wrong length",
            0x6982 => "security status not satisfied",
            0x6983 => "authentication method blocked / security failure",
            0x6984 => "referenced data invalidated / not found",
            0x6985 => "conditions of use not satisfied",
            0x6A80 => "incorrect data",
            0x6A81 => "function not supported",
            0x6A82 => "file or application not found",
            0x6A83 => "record not found",
            0x6A84 => "not enough memory",
            0x6A86 => "incorrect P1 P2",
            0x6A88 => "referenced data not found",
            0x6D00 => "instruction not supported",
            0x6E00 => "class not supported",
            0x6FFB => "unexpected Le",
            sw if sw >> 8 == 0x61 => "more data available",
            sw if sw >> 8 == 0x63 => "verification failed (counter in SW2)",
            _ => "unknown status",
        }
    }
}

/// Which protocol a status word came from (meanings differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// Token2 single-profile NFC tokens.
    Token2,
    /// Token2 Molto2 / Molto2v2.
    Molto2,
    /// The YKOATH applet.
    Ykoath,
}

impl StatusWord {
    /// The meaning documented for this protocol, falling back to the
    /// generic ISO 7816-4 description.
    pub fn meaning(self, protocol: Protocol) -> String {
        use Protocol::*;
        let s = match (protocol, self.0) {
            (Token2, 0x6983) => "authentication failed or token locked (final: never retry); on an 84 command: bad MAC or no session",
            (Token2, 0x6700) => "wrong length (byte 5 is always read as Lc)",
            (Token2, 0x6A80) => "bad data (no pending challenge, bad seed length or padding, bad config TLV)",
            (Token2, 0x6D00) => "unknown instruction (or get-challenge with P1 other than 08)",
            (Token2, 0x6E00) => "unknown class",
            (Molto2, 0x6983) => "security failure: bad MAC, not authenticated, or device locked",
            (Molto2, 0x6A83) => "profile is empty",
            (Molto2, 0x6FFB) => "command must not carry an Le byte",
            (Molto2, 0x9060) => "accepted: press the up button on the device to confirm",
            // ISO 7816-4 retry counter: only the low nibble counts (63 C7 = 7 left).
            (Molto2, sw) if sw & 0xFFF0 == 0x63C0 => {
                return format!("wrong customer key: {} attempt(s) left before the device locks", sw & 0x0F)
            }
            (Molto2, sw) if sw >> 8 == 0x63 => "wrong customer key",
            (Ykoath, 0x6A84) => "no space left for credentials",
            (Ykoath, 0x6982) => "authentication required (or wrong password on VALIDATE)",
            (Ykoath, 0x6A80) => "wrong syntax (or wrong password on VALIDATE)",
            (Ykoath, 0x6984) => "no such credential",
            (Ykoath, 0x6A82) => "applet or credential not found",
            (Ykoath, 0x6983) => "already exists (a Nitrokey 3 never overwrites)",
            (Ykoath, sw) if sw >> 8 == 0x61 => {
                return format!("more data: send 00 A5 00 00 ({} bytes waiting)", sw & 0xFF)
            }
            _ => self.description(),
        };
        s.to_string()
    }
}

/// The card refused a command with this status word. Names the command, so a message says
/// which step failed ("write seed: 6A 80 (bad data …)").
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{command}: the card answered {:02X} {:02X} ({})", sw.sw1(), sw.sw2(), sw.meaning(*protocol))]
pub struct SwError {
    pub protocol: Protocol,
    pub command: &'static str,
    pub sw: StatusWord,
}

impl SwError {
    /// The raw status word.
    pub fn sw(&self) -> u16 {
        self.sw.0
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02X} {:02X} ({})",
            self.sw1(),
            self.sw2(),
            self.description()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_meanings() {
        assert!(StatusWord(0x6983)
            .meaning(Protocol::Token2)
            .contains("never retry"));
        assert_eq!(
            StatusWord(0x63C7).meaning(Protocol::Molto2),
            "wrong customer key: 7 attempt(s) left before the device locks"
        );
        assert_eq!(
            StatusWord(0x6302).meaning(Protocol::Molto2),
            "wrong customer key"
        );
        assert_eq!(
            StatusWord(0x6A84).meaning(Protocol::Ykoath),
            "no space left for credentials"
        );
        assert_eq!(
            StatusWord(0x6A84).meaning(Protocol::Token2),
            "not enough memory"
        );
        assert_eq!(StatusWord(0x9000).to_string(), "90 00 (success)");
    }

    #[test]
    fn errors_name_the_command() {
        let e = SwError {
            protocol: Protocol::Token2,
            command: "write seed",
            sw: StatusWord(0x6A80),
        };
        assert!(
            e.to_string()
                .starts_with("write seed: the card answered 6A 80 (bad data"),
            "{e}"
        );
        assert_eq!(e.sw(), 0x6A80);
    }
}
