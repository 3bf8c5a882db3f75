use std::sync::Arc;
use std::time::{Duration, Instant};

use tokensmith_api::{BatchState, RowStatus};
use tokensmith_core::batch::read_users;
use tokensmith_core::caps::Model;

use super::run::{reader_loop, TAKE_OFF};
use super::*;
use std::sync::Mutex;

use tokensmith_burn_journal::{Journal, Protection};

use crate::results::{load, ResultRecord};
use crate::simulate::supply::{SimToken, Supply};

fn spec(model: Model) -> Spec {
    Spec {
        model,
        params: BurnParams::default(),
        creds: Credentials::default(),
        auto_accept: true,
        overwrite: false,
        seed_bytes: 20,
    }
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("tokensmith-batch-{}-{name}", std::process::id()));
    let _ = std::fs::remove_file(&d);
    d
}

/// A plain-text journal for the test (the encryption is the journal crate's, tested there).
fn journal(path: &std::path::Path) -> Mutex<Journal> {
    Mutex::new(Journal::create(path, &Protection::Plaintext).unwrap())
}

fn rows(path: &std::path::Path) -> Vec<ResultRecord> {
    load(path, None, crate::device::now()).unwrap().rows
}

/// A batch of `list` with nothing recorded before.
fn fresh_batch(model: Model, list: &str) -> Batch {
    Batch::new(spec(model), users(list), &Recorded::default(), false).unwrap()
}

fn users(text: &str) -> Vec<BatchUser> {
    read_users(text).users
}

fn until(what: &str, f: impl Fn() -> bool) {
    let end = Instant::now() + Duration::from_secs(10);
    while !f() {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Every token gets its own seed, exactly the one recorded, users in list order.
#[test]
fn simulated_supply_burns_users_in_order() {
    let path = tmp("order");
    let supply = Supply::new(Model::C302, 1, Some(Duration::from_millis(5)));
    let reader = supply.names()[0].clone();
    let batch = fresh_batch(Model::C302, "a@contoso.com\nb@contoso.com\nc@contoso.com\n");
    reader_loop(&batch, &supply, &reader, &journal(&path)).unwrap();
    let s = batch.status();
    assert_eq!(s.state, BatchState::Finished);
    assert_eq!((s.done, s.failed), (3, 0));
    let rows = rows(&path);
    let made = supply.tokens();
    let upns: Vec<_> = rows.iter().map(|r| r.upn.clone().unwrap()).collect();
    assert_eq!(upns, ["a@contoso.com", "b@contoso.com", "c@contoso.com"]);
    for (i, r) in rows.iter().enumerate() {
        // Token i+1 of the box went to user i, holding exactly the recorded seed.
        assert_eq!(r.serial, made[i].0);
        assert_eq!(
            made[i].1.token2_seed().as_deref(),
            Some(r.secret.as_bytes())
        );
    }
    // --auto-accept is journaled as the verification: nothing is left unverified.
    assert!(load(&path, None, crate::device::now())
        .unwrap()
        .unverified
        .is_empty());
    assert_ne!(rows[0].secret, rows[1].secret);
    assert_ne!(rows[1].secret, rows[2].secret);
}

/// A token put back on the reader is refused; the next fresh one gets the next user.
#[test]
fn a_token_put_back_is_refused() {
    let path = tmp("back");
    let supply = Arc::new(Supply::new(Model::C302, 1, None));
    let reader = supply.names()[0].clone();
    let batch = Arc::new(fresh_batch(Model::C302, "a@contoso.com\nb@contoso.com\n"));
    let l = {
        let (b, s, r, j) = (
            batch.clone(),
            supply.clone(),
            reader.clone(),
            journal(&path),
        );
        std::thread::spawn(move || reader_loop(&b, s.as_ref(), &r, &j))
    };
    until("the first token", || batch.status().done == 1);
    let first = supply.tokens()[0].0.clone();
    let message = || batch.status().readers[0].message.clone();
    until("take it off", || message().contains(TAKE_OFF));
    supply.remove(&reader).unwrap();
    until("place the next", || message() == run::PLACE);
    supply.put_back(&reader, &first).unwrap();
    until("refusal", || message().contains("already burned"));
    assert_eq!(batch.status().done, 1);
    supply.remove(&reader).unwrap();
    until("place the next", || message() == run::PLACE);
    supply.swap(&reader).unwrap();
    l.join().unwrap().unwrap();
    let rows = rows(&path);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].upn.as_deref(), Some("b@contoso.com"));
    assert_ne!(rows[1].serial, first);
}

/// A resumed batch starts after the users already recorded; without --resume it is refused.
#[test]
fn resume_skips_recorded_users() {
    let path = tmp("resume");
    let supply = Supply::new(Model::C302, 1, Some(Duration::from_millis(5)));
    let reader = supply.names()[0].clone();
    let list = "a@contoso.com\nb@contoso.com\n";
    let j = journal(&path);
    let first = fresh_batch(Model::C302, "a@contoso.com\n");
    reader_loop(&first, &supply, &reader, &j).unwrap();
    let recorded = Recorded::of(&j.lock().unwrap());
    let e = Batch::new(spec(Model::C302), users(list), &recorded, false)
        .err()
        .unwrap();
    assert!(e.to_string().contains("--resume"), "{e}");
    let again = Batch::new(spec(Model::C302), users(list), &recorded, true).unwrap();
    assert_eq!(again.status().rows[0].status, RowStatus::Verified);
    reader_loop(&again, &supply, &reader, &j).unwrap();
    let rows = rows(&path);
    let upns: Vec<_> = rows.iter().map(|r| r.upn.clone().unwrap()).collect();
    assert_eq!(upns, ["a@contoso.com", "b@contoso.com"]);
}

/// A Molto2 batch fills consecutive free profiles with the users in order.
#[test]
fn molto2_fills_profiles_in_order() {
    let path = tmp("molto2");
    let supply = Supply::new(Model::Molto2v2, 1, Some(Duration::from_millis(5)));
    let reader = supply.names()[0].clone();
    let batch = fresh_batch(
        Model::Molto2v2,
        "upn,name\na@contoso.com,Ann\nb@contoso.com,Bo\nc@contoso.com,Cy\n",
    );
    reader_loop(&batch, &supply, &reader, &journal(&path)).unwrap();
    let rows = rows(&path);
    let got: Vec<_> = rows
        .iter()
        .map(|r| (r.upn.clone().unwrap(), r.profile))
        .collect();
    assert_eq!(
        got,
        [
            ("a@contoso.com".to_string(), Some(0)),
            ("b@contoso.com".to_string(), Some(1)),
            ("c@contoso.com".to_string(), Some(2))
        ]
    );
    // One Molto2 took all three.
    assert_eq!(supply.tokens().len(), 1);
    let SimToken::Molto2(card) = &supply.tokens()[0].1 else {
        panic!("not a Molto2")
    };
    let card = card.lock().unwrap();
    for r in &rows {
        assert_eq!(
            card.stored_seed(r.profile.unwrap()),
            Some(r.secret.as_bytes())
        );
    }
}

/// Write-ahead in the batch, whose readers share one journal: when a write command reaches a
/// token, the intent and every write acknowledged before it are already in the file (an append
/// returns after its fdatasync), and the journal is not locked (it is locked per record, not
/// for the whole burn, so other readers' burns go on meanwhile). A token is connected to once.
#[test]
fn writes_reach_a_token_only_after_its_intent_is_in_the_file() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokensmith_burn_journal::{read_file, Write};
    use tokensmith_proto::token2::{INS_WRITE_CONFIG, INS_WRITE_SEED};
    use tokensmith_proto::transport::{Transport, TransportError};

    use crate::backend::{Backend, ReaderEntry};

    struct Watch {
        journal: Mutex<Journal>,
        path: std::path::PathBuf,
        opens: AtomicUsize,
        writes_checked: AtomicUsize,
        wrong: Mutex<Vec<String>>,
    }

    impl Watch {
        fn before_write(&self, write: Write) {
            self.writes_checked.fetch_add(1, Ordering::SeqCst);
            let wrong = |what: String| self.wrong.lock().unwrap().push(what);
            // Held by this burn across its commands (as it once was), this would fail.
            let Ok(_held) = self.journal.try_lock() else {
                return wrong(format!("{write:?}: the journal is locked during the burn"));
            };
            let back = read_file(&self.path, None).unwrap();
            let open: Vec<_> = back.fold.tokens().filter(|t| t.outcome.is_none()).collect();
            match open.as_slice() {
                [t] if t.next_write() == Some(write) => {}
                [t] => wrong(format!(
                    "{write:?} sent, the file says the next write is {:?}",
                    t.next_write()
                )),
                _ => wrong(format!(
                    "{write:?} sent with {} open intents in the file",
                    open.len()
                )),
            }
        }
    }

    struct Checking<'w> {
        inner: Box<dyn Transport + Send>,
        watch: &'w Watch,
    }

    impl Transport for Checking<'_> {
        fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
            match apdu.get(1) {
                Some(&INS_WRITE_CONFIG) => self.watch.before_write(Write::Config),
                Some(&INS_WRITE_SEED) => self.watch.before_write(Write::Seed),
                _ => {}
            }
            self.inner.transmit(apdu)
        }
        fn atr(&self) -> Option<Vec<u8>> {
            self.inner.atr()
        }
    }

    struct Watched<'w> {
        supply: Supply,
        watch: &'w Watch,
    }

    // The loop asks its backend for transports that outlive no call here: a leaked `Watch`
    // gives them the 'static they need.
    impl Backend for Watched<'static> {
        fn readers(&self) -> Result<Vec<ReaderEntry>, BridgeError> {
            self.supply.readers()
        }
        fn open(
            &self,
            reader: Option<&str>,
        ) -> Result<(String, Box<dyn Transport + Send>), BridgeError> {
            self.watch.opens.fetch_add(1, Ordering::SeqCst);
            let (name, inner) = self.supply.open(reader)?;
            let watch = self.watch;
            Ok((name, Box::new(Checking { inner, watch })))
        }
        fn probe(&self, reader: &str) -> Result<Box<dyn Transport + Send>, BridgeError> {
            self.supply.probe(reader)
        }
        fn wait_presence(
            &self,
            reader: &str,
            present: bool,
            timeout: Duration,
        ) -> Result<bool, BridgeError> {
            self.supply.wait_presence(reader, present, timeout)
        }
    }

    let path = tmp("write-ahead");
    let watch: &'static Watch = Box::leak(Box::new(Watch {
        journal: journal(&path),
        path: path.clone(),
        opens: AtomicUsize::new(0),
        writes_checked: AtomicUsize::new(0),
        wrong: Mutex::new(Vec::new()),
    }));
    let backend = Watched {
        supply: Supply::new(Model::C302, 1, Some(Duration::from_millis(5))),
        watch,
    };
    let reader = backend.supply.names()[0].clone();
    let batch = fresh_batch(Model::C302, "a@contoso.com\nb@contoso.com\nc@contoso.com\n");
    reader_loop(&batch, &backend, &reader, &watch.journal).unwrap();
    assert_eq!((batch.status().done, batch.status().failed), (3, 0));
    assert_eq!(*watch.wrong.lock().unwrap(), Vec::<String>::new());
    // A C302 takes its configuration, then its seed.
    assert_eq!(watch.writes_checked.load(Ordering::SeqCst), 6);
    assert_eq!(
        watch.opens.load(Ordering::SeqCst),
        3,
        "one connection per token"
    );
    assert_eq!(rows(&path).len(), 3);
}

/// A change made between a watcher's look and its wait wakes it at once (the CLI's printer
/// used to sleep through it until its 200 ms timeout: a row printed late).
#[test]
fn a_change_between_look_and_wait_is_not_missed() {
    let batch = fresh_batch(Model::C302, "a@contoso.com\n");
    let seen = batch.changes();
    batch.control(BatchAction::Pause, None).unwrap();
    let t0 = Instant::now();
    batch.wait_change(seen, Duration::from_secs(5));
    assert!(t0.elapsed() < Duration::from_secs(1), "{:?}", t0.elapsed());
    // Nothing new since: the wait lasts its timeout.
    let seen = batch.changes();
    let t0 = Instant::now();
    batch.wait_change(seen, Duration::from_millis(300));
    assert!(
        t0.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t0.elapsed()
    );
}

/// A Molto2 that refuses the batch's customer key costs one attempt, not one per user: the
/// batch stops at once (the box shares the key), the users it had claimed wait again, and the
/// reader says why and what to do. It used to go on to the next profile with the same key,
/// each refusal one attempt nearer the device's lock-out (8 users would have locked it).
#[test]
fn a_refused_customer_key_stops_the_batch_after_one_attempt() {
    use tokensmith_proto::molto2::CustomerKey;
    let path = tmp("molto2-key");
    let supply = Supply::new(Model::Molto2v2, 1, Some(Duration::from_millis(5)));
    let reader = supply.names()[0].clone();
    let list: String = (0..10).map(|i| format!("user{i}@contoso.com\n")).collect();
    let mut spec = spec(Model::Molto2v2);
    spec.creds.customer_key = Some(CustomerKey::parse("not the factory key").unwrap());
    let batch = Batch::new(spec, users(&list), &Recorded::default(), false).unwrap();
    reader_loop(&batch, &supply, &reader, &journal(&path)).unwrap();
    let s = batch.status();
    assert_eq!(s.state, BatchState::Stopped);
    let statuses: Vec<_> = s.rows.iter().map(|r| r.status).collect();
    assert_eq!(statuses[0], RowStatus::Failed);
    assert!(
        statuses[1..].iter().all(|&st| st == RowStatus::Waiting),
        "{statuses:?}"
    );
    let reason = s.rows[0].reason.as_deref().unwrap();
    assert!(
        reason.contains("wrong customer key: 7 attempts left")
            && reason.contains("the batch is stopped")
            && reason.contains("Resume"),
        "{reason}"
    );
    assert_eq!(supply.tokens().len(), 1, "no other Molto2 was tried");
    let SimToken::Molto2(card) = &supply.tokens()[0].1 else {
        panic!("not a Molto2")
    };
    let card = card.lock().unwrap();
    assert_eq!(card.attempts_left(), 7, "one attempt spent of 8");
    assert!(!card.is_locked());
}

/// The commands a Molto2v2 batch of `n` users sends to the token on its one reader.
fn molto2_commands(n: usize) -> usize {
    let supply = Supply::new(Model::Molto2v2, 1, Some(Duration::from_millis(5)));
    let reader = supply.names()[0].clone();
    let list: String = (0..n).map(|i| format!("user{i}@contoso.com\n")).collect();
    let batch = fresh_batch(Model::Molto2v2, &list);
    reader_loop(&batch, &supply, &reader, &journal(&tmp("molto2-count"))).unwrap();
    assert_eq!(supply.tokens().len(), 1);
    supply.commands(&reader).unwrap()
}

/// A Molto2 pulled in the middle of a profile's burn: that row fails and says the profile
/// may hold a seed, and the users after it wait for the next token, which takes them. They
/// used to fail one by one ("no card") against the empty reader, to be burned another day.
#[test]
fn a_molto2_pulled_mid_fill_leaves_the_users_after_it_waiting() {
    let (one, two) = (molto2_commands(1), molto2_commands(2));
    let per_profile = two - one;
    let listing = one - per_profile;
    assert!(
        per_profile > 4 && listing > 0,
        "{listing} + {per_profile} a profile"
    );
    let path = tmp("molto2-pulled");
    let supply = Supply::new(Model::Molto2v2, 1, Some(Duration::from_millis(5)));
    let reader = supply.names()[0].clone();
    // In the middle of the third profile's commands.
    supply
        .pull_at(&reader, listing + 2 * per_profile + per_profile / 2)
        .unwrap();
    let list: String = (0..6).map(|i| format!("user{i}@contoso.com\n")).collect();
    let batch = fresh_batch(Model::Molto2v2, &list);
    reader_loop(&batch, &supply, &reader, &journal(&path)).unwrap();
    let s = batch.status();
    let got: Vec<_> = s
        .rows
        .iter()
        .map(|r| (r.status, r.serial.clone(), r.profile))
        .collect();
    let (first, second) = ("MOLTO2SIM0001".to_string(), "MOLTO2SIM0002".to_string());
    assert_eq!(
        got,
        [
            (RowStatus::Verified, Some(first.clone()), Some(0)),
            (RowStatus::Verified, Some(first.clone()), Some(1)),
            (RowStatus::Failed, Some(first.clone()), Some(2)),
            (RowStatus::Verified, Some(second.clone()), Some(0)),
            (RowStatus::Verified, Some(second.clone()), Some(1)),
            (RowStatus::Verified, Some(second.clone()), Some(2)),
        ]
    );
    let reason = s.rows[2].reason.as_deref().unwrap();
    assert!(reason.contains("may hold"), "{reason}");
    assert_eq!(supply.tokens().len(), 2, "the next Molto2 took the rest");
    // Every verified row's seed is in its profile; the journal has the pulled one's intent.
    let recorded = rows(&path);
    assert_eq!(recorded.len(), 5);
    for (serial, card) in supply.tokens() {
        let SimToken::Molto2(card) = card else {
            panic!("not a Molto2")
        };
        let card = card.lock().unwrap();
        for r in recorded.iter().filter(|r| r.serial == serial) {
            assert_eq!(
                card.stored_seed(r.profile.unwrap()),
                Some(r.secret.as_bytes())
            );
        }
    }
}

/// OATH keys refusing the batch's password: the batch stops at the first (one password is
/// given for the box, so every key would refuse it), nothing is written to the key, and with
/// the right password `--resume` burns that same key. It used to go on, each key placed only
/// to fail.
#[test]
fn a_refused_oath_password_stops_the_batch_and_the_key_can_be_burned_after() {
    use tokensmith_api::SecretString;
    let path = tmp("oath-password");
    let supply = Supply::with_oath_password(
        Model::YubiKey,
        1,
        Some(Duration::from_millis(5)),
        Some("right one"),
    );
    let reader = supply.names()[0].clone();
    let list = "a@contoso.com\nb@contoso.com\nc@contoso.com\n";
    let mut wrong = spec(Model::YubiKey);
    wrong.creds.oath_password = Some(SecretString::from("wrong one"));
    let batch = Batch::new(wrong, users(list), &Recorded::default(), false).unwrap();
    let j = journal(&path);
    reader_loop(&batch, &supply, &reader, &j).unwrap();
    let s = batch.status();
    assert_eq!(s.state, BatchState::Stopped);
    let statuses: Vec<_> = s.rows.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [RowStatus::Failed, RowStatus::Waiting, RowStatus::Waiting]
    );
    let reason = s.rows[0].reason.as_deref().unwrap();
    assert!(
        reason.contains("wrong password") && reason.contains("the batch is stopped"),
        "{reason}"
    );
    assert_eq!(supply.tokens().len(), 1, "no other key was placed");
    let (serial, SimToken::Oath(key)) = supply.tokens()[0].clone() else {
        panic!("not an OATH key")
    };
    assert!(key.lock().unwrap().credentials().is_empty());
    // The same key again, with the right password, resuming from the journal.
    supply.put_back(&reader, &serial).unwrap();
    let recorded = Recorded::of(&j.lock().unwrap());
    assert!(
        !recorded.uncertain.contains(&serial),
        "the refused key is not taken for one that may hold a seed"
    );
    let mut right = spec(Model::YubiKey);
    right.creds.oath_password = Some(SecretString::from("right one"));
    let batch = Batch::new(right, users(list), &recorded, true).unwrap();
    reader_loop(&batch, &supply, &reader, &j).unwrap();
    let s = batch.status();
    assert!(
        s.rows.iter().all(|r| r.status == RowStatus::Verified),
        "{:?}",
        s.rows
    );
    assert_eq!(s.rows[0].serial.as_deref(), Some(serial.as_str()));
    assert_eq!(key.lock().unwrap().credentials().len(), 1);
}

/// A key asking for a password when the batch gives none fails its own row only: the next
/// keys may have none (one password is given for a box, none is not a wrong one).
#[test]
fn a_key_asking_for_a_password_fails_only_its_row() {
    let supply = Supply::with_oath_password(
        Model::YubiKey,
        1,
        Some(Duration::from_millis(5)),
        Some("set on every key"),
    );
    let reader = supply.names()[0].clone();
    let batch = fresh_batch(Model::YubiKey, "a@contoso.com\nb@contoso.com\n");
    reader_loop(&batch, &supply, &reader, &journal(&tmp("oath-none-given"))).unwrap();
    let s = batch.status();
    assert_eq!(s.state, BatchState::Finished);
    assert!(
        s.rows.iter().all(|r| r.status == RowStatus::Failed),
        "{:?}",
        s.rows
    );
    let reason = s.rows[0].reason.as_deref().unwrap();
    assert!(
        reason.contains("password") && !reason.contains("the batch is stopped"),
        "{reason}"
    );
    assert_eq!(supply.tokens().len(), 2, "the second key was tried too");
}
