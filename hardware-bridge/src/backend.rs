//! Where transports come from: a [`Backend`] lists readers and connects to one, PC/SC
//! ([`crate::pcsc`]) or emulated ([`crate::simulate`]); both choose the reader with the one
//! policy of [`select_reader`]. A reader another program holds exclusively is busy: it is
//! passed over by a search, never the end of it.

use std::time::{Duration, Instant};

use tokensmith_proto::Transport;

use crate::error::BridgeError;

/// Hands out a transport to a chosen (or the only) card.
pub trait Backend: Send + Sync {
    /// Readers with whether a card is present and whether another program holds them.
    fn readers(&self) -> Result<Vec<ReaderEntry>, BridgeError>;
    /// Connect to the card on `reader` (exact name, or a unique
    /// case-insensitive substring), or on the only free reader holding a card, to operate on
    /// it. Returns the full reader name and the transport.
    fn open(
        &self,
        reader: Option<&str>,
    ) -> Result<(String, Box<dyn Transport + Send>), BridgeError>;
    /// Connect to the card on the reader of this exact name only to look at it (listing): the
    /// connection ends leaving the card as it was (no reset).
    fn probe(&self, reader: &str) -> Result<Box<dyn Transport + Send>, BridgeError>;
    /// Waits until a card is put on or taken off `reader` (its presence is no longer
    /// `present`) or `timeout` passes; answers whether a card is on it now. PC/SC blocks in
    /// `SCardGetStatusChange`; this default, for backends without events, looks every 50 ms.
    fn wait_presence(
        &self,
        reader: &str,
        present: bool,
        timeout: Duration,
    ) -> Result<bool, BridgeError> {
        let end = Instant::now() + timeout;
        loop {
            let now = self
                .readers()?
                .into_iter()
                .find(|r| r.name == reader)
                .is_some_and(|r| r.card_present);
            if now != present || Instant::now() >= end {
                return Ok(now);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Cancel the operation waiting on a card (see [`crate::card_wait`]): `true` when one was
    /// connected to a card. In-process test backends answer at once: nothing to cancel.
    fn cancel(&self) -> bool {
        false
    }

    /// The same readers with a cancel of their own, for a batch run by the server: the
    /// page's cancel of its single operation (`POST /api/cancel`) must not stop another
    /// reader's burn in the batch, which has its own controls (and its card time limit).
    /// `None`: a backend without a cancel.
    fn apart(&self) -> Option<std::sync::Arc<dyn Backend>> {
        None
    }
}

/// One reader as the backend sees it.
#[derive(Debug, Clone)]
pub struct ReaderEntry {
    pub name: String,
    pub card_present: bool,
    /// Another program holds it exclusively.
    pub busy: bool,
}

/// A reader whose name says it is a Molto2 (the product word, case-insensitive: Token2's FIDO
/// keys also have "TOKEN2" readers). Such a reader is never connected to just to see what it
/// is: repeated connects wedged a Molto2's CCID slot (pcsc.md).
pub fn is_molto2_reader(name: &str) -> bool {
    name.to_lowercase().contains("molto")
}

/// Pick a reader name: exact match, else a unique case-insensitive
/// substring.
pub fn match_reader(names: &[String], wanted: &str) -> Result<String, BridgeError> {
    if let Some(n) = names.iter().find(|n| n.as_str() == wanted) {
        return Ok(n.clone());
    }
    let w = wanted.to_lowercase();
    let hits: Vec<&String> = names
        .iter()
        .filter(|n| n.to_lowercase().contains(&w))
        .collect();
    match hits.len() {
        1 => Ok(hits[0].clone()),
        0 => Err(BridgeError::ReaderNotFound {
            wanted: wanted.to_string(),
            available: if names.is_empty() {
                "none".into()
            } else {
                names.join(", ")
            },
        }),
        _ => Err(BridgeError::AmbiguousReader(format!(
            "{} matches several readers ({}): give the full name",
            tokensmith_core::echo::quoted(wanted),
            hits.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The one reader-selection policy of every backend: the reader named (exact name, else a
/// unique case-insensitive part of one), else the only free reader holding a card — a reader
/// another program holds is passed over (and named if nothing else is found). Several cards
/// and no name is refused: guessing could write to the wrong token.
pub fn select_reader(readers: &[ReaderEntry], wanted: Option<&str>) -> Result<String, BridgeError> {
    let names: Vec<String> = readers.iter().map(|r| r.name.clone()).collect();
    if names.is_empty() {
        return Err(BridgeError::NoReader);
    }
    if let Some(w) = wanted {
        return match_reader(&names, w);
    }
    let with_card: Vec<&str> = readers
        .iter()
        .filter(|r| r.card_present && !r.busy)
        .map(|r| r.name.as_str())
        .collect();
    let busy: Vec<&str> = readers
        .iter()
        .filter(|r| r.busy)
        .map(|r| r.name.as_str())
        .collect();
    match with_card.as_slice() {
        [one] => Ok(one.to_string()),
        [] if !busy.is_empty() => Err(BridgeError::CardBusy(busy.join(", "))),
        [] => Err(BridgeError::NoCard(format!(
            "any reader ({})",
            names.join(", ")
        ))),
        several => Err(BridgeError::AmbiguousReader(format!(
            "cards on several readers ({}): choose one (--reader, or \"reader\" in the API)",
            several.join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokensmith_api::ErrorCode;

    #[test]
    fn reader_selection_policy() {
        let r = |name: &str, card_present| ReaderEntry {
            name: name.into(),
            card_present,
            busy: false,
        };
        assert!(matches!(
            select_reader(&[], None),
            Err(BridgeError::NoReader)
        ));
        let one = [r("ACS ACR122U 00 00", false), r("Virtual PCD 00 00", true)];
        // The only reader holding a card is used without naming it.
        assert_eq!(select_reader(&one, None).unwrap(), "Virtual PCD 00 00");
        // A named reader is used even without a card (the connect then says "no card").
        assert_eq!(
            select_reader(&one, Some("acr")).unwrap(),
            "ACS ACR122U 00 00"
        );
        let none = [r("ACS ACR122U 00 00", false)];
        let e = select_reader(&none, None).unwrap_err();
        assert!(matches!(e, BridgeError::NoCard(_)), "{e}");
        // Several cards: refused, naming them, rather than guessing.
        let two = [
            r("Reader A", true),
            r("Reader B", true),
            r("Reader C", false),
        ];
        let e = select_reader(&two, None).unwrap_err();
        assert_eq!(e.code(), ErrorCode::AmbiguousReader);
        assert!(e.to_string().contains("Reader A, Reader B"), "{e}");
        assert_eq!(select_reader(&two, Some("Reader B")).unwrap(), "Reader B");
    }

    /// Issue 9: a reader another program holds never ends a search over all readers.
    #[test]
    fn busy_readers_are_passed_over() {
        let r = |name: &str, card_present, busy| ReaderEntry {
            name: name.into(),
            card_present,
            busy,
        };
        let readers = [
            r("Yubico YubiKey 00 00", true, true),
            r("ACS ACR122U 00 00", true, false),
        ];
        assert_eq!(select_reader(&readers, None).unwrap(), "ACS ACR122U 00 00");
        // Only a busy one holds a card: said so, by name.
        let e = select_reader(&readers[..1], None).unwrap_err();
        assert_eq!(e.code(), ErrorCode::CardBusy);
        assert!(e.to_string().contains("Yubico YubiKey 00 00"), "{e}");
        // Named, it is still tried (the connect falls back to shared access).
        assert_eq!(
            select_reader(&readers, Some("yubikey")).unwrap(),
            "Yubico YubiKey 00 00"
        );
        assert!(is_molto2_reader("TOKEN2 Molto2 [CCID Interface] 00 00"));
        assert!(is_molto2_reader("token2 MOLTO2V2 00 00"));
        assert!(!is_molto2_reader("TOKEN2 FIDO2 Security Key 00 00"));
    }

    #[test]
    fn reader_matching() {
        let names = vec![
            "Virtual PCD 00 00".to_string(),
            "Virtual PCD 00 01".to_string(),
        ];
        assert_eq!(match_reader(&names, "Virtual PCD 00 01").unwrap(), names[1]);
        assert_eq!(match_reader(&names, "00 00").unwrap(), names[0]);
        assert!(matches!(
            match_reader(&names, "virtual"),
            Err(BridgeError::AmbiguousReader(_))
        ));
        assert!(matches!(
            match_reader(&names, "ACR"),
            Err(BridgeError::ReaderNotFound { .. })
        ));
    }
}
