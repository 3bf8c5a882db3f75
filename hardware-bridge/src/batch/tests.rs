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
    let batch = Batch::new(
        spec(Model::C302),
        users("a@contoso.com\nb@contoso.com\nc@contoso.com\n"),
        &Recorded::default(),
        false,
    )
    .unwrap();
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
    let batch = Arc::new(
        Batch::new(
            spec(Model::C302),
            users("a@contoso.com\nb@contoso.com\n"),
            &Recorded::default(),
            false,
        )
        .unwrap(),
    );
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
    let first = Batch::new(
        spec(Model::C302),
        users("a@contoso.com\n"),
        &Recorded::default(),
        false,
    )
    .unwrap();
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
    let batch = Batch::new(
        spec(Model::Molto2v2),
        users("upn,name\na@contoso.com,Ann\nb@contoso.com,Bo\nc@contoso.com,Cy\n"),
        &Recorded::default(),
        false,
    )
    .unwrap();
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
