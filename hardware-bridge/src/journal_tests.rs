//! The burn path with a journal: intent before the first APDU that writes, each write after
//! its acknowledgement, the outcome — and a pulled card or a journal that cannot be written
//! ending in a truthful answer.

use std::sync::{Arc, Mutex};

use tokensmith_api::{BurnResult, ErrorCode, TokenHolds};
use tokensmith_burn_journal::{read_file, Journal, Protection, TokenState, Write};
use tokensmith_core::caps::Model;
use tokensmith_core::secret::Secret;
use tokensmith_proto::emulator::{EmulatedTransport, Token2Card};
use tokensmith_proto::token2;
use tokensmith_proto::transport::{Transport, TransportError};

use crate::backend::{Backend, ReaderEntry};
use crate::device::plan::BurnParams;
use crate::device::Credentials;
use crate::error::BridgeError;
use crate::operation::{self, BurnJob, Operation, Target};

/// A Token2 on a reader; the card is pulled when the APDU with `pull_at` INS is sent.
struct Card {
    t: Arc<Mutex<EmulatedTransport<Token2Card>>>,
    pull_at: Option<u8>,
}

struct Pulling {
    t: Arc<Mutex<EmulatedTransport<Token2Card>>>,
    pull_at: Option<u8>,
}

impl Transport for Pulling {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        if apdu.get(1) == self.pull_at.as_ref() {
            return Err(TransportError::NoCard);
        }
        self.t.lock().unwrap().transmit(apdu)
    }
    fn atr(&self) -> Option<Vec<u8>> {
        self.t.lock().unwrap().atr()
    }
}

impl Backend for Card {
    fn readers(&self) -> Result<Vec<ReaderEntry>, BridgeError> {
        Ok(vec![ReaderEntry {
            name: "ACS ACR122U 00 00".into(),
            card_present: true,
            busy: false,
        }])
    }
    fn open(&self, _: Option<&str>) -> Result<(String, Box<dyn Transport + Send>), BridgeError> {
        Ok(("ACS ACR122U 00 00".into(), self.probe("")?))
    }
    fn probe(&self, _: &str) -> Result<Box<dyn Transport + Send>, BridgeError> {
        Ok(Box::new(Pulling {
            t: self.t.clone(),
            pull_at: self.pull_at,
        }))
    }
}

impl Card {
    fn stored_seed(&self) -> Option<Vec<u8>> {
        self.t
            .lock()
            .unwrap()
            .card()
            .stored_seed()
            .map(<[u8]>::to_vec)
    }
}

fn card(pull_at: Option<u8>) -> Card {
    Card {
        t: Arc::new(Mutex::new(EmulatedTransport::new(Token2Card::of_model(
            Model::C301,
        )))),
        pull_at,
    }
}

fn seed() -> Secret {
    Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap()
}

fn burn_op() -> Operation {
    Operation::Burn(Box::new(BurnJob {
        secret: seed(),
        params: BurnParams::default(),
        creds: Credentials::default(),
        upn: Some("alice@contoso.com".into()),
    }))
}

fn journal(name: &str) -> Journal {
    let dir = std::env::temp_dir().join(format!("tokensmith-wal-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Journal::create(&dir.join("burns.journal"), &Protection::Plaintext).unwrap()
}

#[test]
fn a_burn_is_journaled_before_during_and_after() {
    let c = card(None);
    let mut j = journal("whole");
    let out = BurnResult::try_from(
        operation::run(&c, &Target::default(), burn_op(), Some(&mut j)).unwrap(),
    )
    .unwrap();
    assert!(out.recorded);
    let e = out.journal.unwrap();
    assert_eq!(e.holds, TokenHolds::SeedWrittenNotVerified);
    assert_eq!(e.serial, out.serial);
    let t = j.fold().tokens().next().unwrap();
    assert_eq!(t.written, [Write::Config, Write::Seed]);
    assert!(
        t.intent.config_erases_seed,
        "a C301's config write erases its seed"
    );
    assert_eq!(t.intent.upn.as_deref(), Some("alice@contoso.com"));
    assert_eq!(c.stored_seed().as_deref(), Some(seed().as_bytes()));
}

/// The card pulled after the configuration was acknowledged, as the seed goes out: the
/// journal says the token may hold the new seed (its old one erased by the configuration),
/// the error says so with the code to compare.
#[test]
fn a_card_pulled_between_config_and_seed() {
    let c = card(Some(token2::INS_WRITE_SEED));
    let mut j = journal("pulled");
    let e = operation::run(&c, &Target::default(), burn_op(), Some(&mut j)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::CardRemoved);
    let entry = e.journal_entry().expect("the journal's word in the error");
    assert_eq!(entry.holds, TokenHolds::MayHoldNewSeed);
    assert!(entry.expected_code.is_some());
    assert!(!entry.may_hold_earlier_seed);
    let text = e.to_string();
    assert!(text.contains("may hold the new seed"), "{text}");
    eprintln!("pulled between config and seed: {text}");
    let back = read_file(j.path(), None).unwrap();
    let t = back.fold.tokens().next().unwrap();
    assert_eq!(t.state(), TokenState::MayHoldNewSeed);
    assert_eq!(t.written, [Write::Config]);
    assert_eq!(c.stored_seed(), None, "no seed went in");
}

/// A refusal before any write (wrong serial given) journals nothing that needs a look and
/// answers the plain refusal.
#[test]
fn a_refusal_before_writing_is_plain() {
    let c = card(None);
    let mut j = journal("refused");
    let op = Operation::Burn(Box::new(BurnJob {
        secret: seed(),
        params: BurnParams {
            serial: Some("8659632999999".into()),
            ..Default::default()
        },
        creds: Credentials::default(),
        upn: None,
    }));
    let e = operation::run(&c, &Target::default(), op, Some(&mut j)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::BadInput);
    assert!(e.journal_entry().is_none());
    assert_eq!(
        j.fold().tokens().count(),
        0,
        "nothing journaled for a refused burn"
    );
}
