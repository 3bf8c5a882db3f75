use super::*;
use crate::record::tests::intent;
use crate::record::{BatchRef, BatchSlot, BatchUser, Kind, Method, Params, UserSkipped, Written};
use tokensmith_core::otp::Algorithm;

/// Records folded one after another, numbered automatically.
#[derive(Default)]
struct Run(Fold);

impl Run {
    fn push(&mut self, event: Event) -> Result<u64, String> {
        let seq = self.0.last_seq() + 1;
        self.0.apply(Record {
            seq,
            at: 1_700_000_000 + seq as i64,
            event,
        })?;
        Ok(seq)
    }

    fn intent(&mut self, i: Intent) -> TokenId {
        TokenId(self.push(Event::Intent(i)).unwrap())
    }

    fn written(&mut self, token: TokenId, write: Write) -> Result<u64, String> {
        self.push(Event::Written(Written { token, write }))
    }

    fn aborted(&mut self, token: TokenId, in_flight: Option<Write>) -> Result<u64, String> {
        self.push(Event::Aborted(Aborted {
            token,
            reason: "card removed".into(),
            in_flight,
        }))
    }

    fn verified(&mut self, token: TokenId) -> Result<u64, String> {
        self.push(Event::Verified(crate::record::Verified {
            token,
            method: Method::ComparedByAdmin,
            code: Some("287082".into()),
            drift_steps: Some(0),
        }))
    }

    fn failed(&mut self, token: TokenId) -> Result<u64, String> {
        self.push(Event::VerificationFailed(VerificationFailed {
            token,
            reason: "the token shows another code".into(),
            code_shown: Some("111111".into()),
        }))
    }

    fn state(&self, id: TokenId) -> TokenState {
        self.0.token(id).unwrap().state()
    }
}

fn molto2(writes: Vec<Write>) -> Intent {
    let mut i = intent();
    i.target.kind = Kind::Molto2;
    i.target.serial = "60400001".into();
    i.target.model = "Molto2v2".into();
    i.target.profile = Some(3);
    i.config_erases_seed = false;
    i.title = writes.contains(&Write::Title).then(|| "GitHub".into());
    i.writes = writes;
    i
}

fn oath() -> Intent {
    let mut i = intent();
    i.target.kind = Kind::Oath;
    i.target.serial = "a1b2c3d4e5f60718".into();
    i.target.model = "OATH applet 5.4.3".into();
    i.target.credential = Some("Contoso:alice@contoso.com".into());
    i.config_erases_seed = false;
    i.writes = vec![Write::Credential];
    i
}

use TokenState::*;
use Write::{Config, Credential, Seed, Title};

#[test]
fn token2_step_by_step() {
    let mut r = Run::default();
    let t = r.intent(intent());
    // Intent alone: the configuration write may be on its way.
    assert_eq!(r.state(t), MayHoldNewConfig);
    r.written(t, Config).unwrap();
    // The seed write is next: it may have been sent.
    assert_eq!(r.state(t), MayHoldNewSeed);
    r.written(t, Seed).unwrap();
    assert_eq!(r.state(t), SeedWrittenNotVerified);
    r.verified(t).unwrap();
    assert_eq!(r.state(t), Verified);
    // A later re-check that fails counts, and so does one after it.
    r.failed(t).unwrap();
    assert_eq!(r.state(t), Failed);
    r.verified(t).unwrap();
    assert_eq!(r.state(t), Verified);
}

#[test]
fn token2_aborts() {
    let cases: &[(&[Write], Option<Write>, TokenState)] = &[
        (&[], None, Untouched),
        (&[], Some(Config), MayHoldNewConfig),
        (&[Config], None, ConfigWrittenSeedNot),
        (&[Config], Some(Seed), MayHoldNewSeed),
        (&[Config, Seed], None, SeedWrittenNotVerified),
    ];
    for (written, in_flight, want) in cases {
        let mut r = Run::default();
        let t = r.intent(intent());
        for w in *written {
            r.written(t, *w).unwrap();
        }
        r.aborted(t, *in_flight).unwrap();
        assert_eq!(r.state(t), *want, "{written:?} {in_flight:?}");
        // Nothing is written after an outcome, and there is one abort.
        assert!(r
            .aborted(t, None)
            .unwrap_err()
            .contains("already has an outcome"));
        if written.len() < 2 {
            let next = [Config, Seed][written.len()];
            assert!(r
                .written(t, next)
                .unwrap_err()
                .contains("already has an outcome"));
        }
    }
}

#[test]
fn checking_settles_an_interrupted_seed_write() {
    let mut r = Run::default();
    let t = r.intent(intent());
    r.written(t, Config).unwrap();
    r.aborted(t, Some(Seed)).unwrap();
    assert_eq!(r.state(t), MayHoldNewSeed);
    r.verified(t).unwrap();
    assert_eq!(r.state(t), Verified);

    // A crash (no outcome) while the seed was being written, then a check on resume.
    let t = r.intent(intent());
    r.written(t, Config).unwrap();
    r.failed(t).unwrap();
    assert_eq!(r.state(t), Failed);
}

#[test]
fn what_cannot_be_checked() {
    for (written, in_flight) in [
        (&[][..], None),
        (&[][..], Some(Config)),
        (&[Config][..], None),
    ] {
        let mut r = Run::default();
        let t = r.intent(intent());
        for w in written {
            r.written(t, *w).unwrap();
        }
        r.aborted(t, in_flight).unwrap();
        let e = r.verified(t).unwrap_err();
        assert!(
            e.starts_with(&format!("token {t} cannot be checked")),
            "{e}"
        );
        assert!(r.failed(t).is_err());
    }
    // Intent alone (config maybe in flight) cannot be checked either.
    let mut r = Run::default();
    let t = r.intent(intent());
    assert!(r.verified(t).is_err());
}

#[test]
fn writes_follow_the_plan() {
    let mut r = Run::default();
    let t = r.intent(intent());
    assert!(r
        .written(t, Seed)
        .unwrap_err()
        .contains("not the next one planned"));
    assert!(r
        .aborted(t, Some(Seed))
        .unwrap_err()
        .contains("cannot be in flight"));
    r.written(t, Config).unwrap();
    assert!(r.written(t, Config).is_err());
    r.written(t, Seed).unwrap();
    assert!(
        r.aborted(t, Some(Seed)).is_err(),
        "nothing left to be in flight"
    );
    assert!(r
        .written(TokenId(99), Seed)
        .unwrap_err()
        .contains("no intent record"));
}

#[test]
fn molto2_seed_title_config() {
    // The public tools' order: seed, title, config.
    let mut r = Run::default();
    let t = r.intent(molto2(vec![Seed, Title, Config]));
    assert_eq!(r.state(t), MayHoldNewSeed);
    r.written(t, Seed).unwrap();
    assert_eq!(r.state(t), SeedWrittenNotVerified);
    r.aborted(t, Some(Title)).unwrap();
    assert_eq!(r.state(t), SeedWrittenNotVerified);
    assert!(!r.0.token(t).unwrap().may_keep_earlier_seed());

    // Config first (the bridge's order today): an interrupted configuration keeps the old seed.
    let t = r.intent(molto2(vec![Config, Seed]));
    assert_eq!(r.state(t), MayHoldNewConfig);
    r.written(t, Config).unwrap();
    r.aborted(t, None).unwrap();
    assert_eq!(r.state(t), ConfigWrittenSeedNot);
    assert!(r.0.token(t).unwrap().may_keep_earlier_seed());
}

#[test]
fn oath_credential() {
    let mut r = Run::default();
    let t = r.intent(oath());
    assert_eq!(r.state(t), MayHoldNewSeed);
    r.written(t, Credential).unwrap();
    assert_eq!(r.state(t), SeedWrittenNotVerified);
    r.push(Event::Verified(crate::record::Verified {
        token: t,
        method: Method::DeviceCalculated,
        code: Some("94287082".into()),
        drift_steps: None,
    }))
    .unwrap();
    assert_eq!(r.state(t), Verified);

    let t = r.intent(oath());
    r.aborted(t, None).unwrap();
    assert_eq!(r.state(t), Untouched);
    let t = r.intent(oath());
    r.aborted(t, Some(Credential)).unwrap();
    assert_eq!(r.state(t), MayHoldNewSeed);
    assert!(r.0.token(t).unwrap().may_keep_earlier_seed());
}

/// An HOTP credential is journaled like a TOTP one, with its counter: it is exported (as
/// HOTP), and what the admin compares is the code of that counter, whatever the time.
#[test]
fn hotp_credential_is_recorded_with_its_counter() {
    let mut r = Run::default();
    let mut i = oath();
    i.params.hotp_counter = Some(9);
    // Through the line format, as the journal writes and reads it.
    let line = serde_json::to_string(&Event::Intent(i)).unwrap();
    assert!(line.contains(r#""hotp_counter":9"#), "{line}");
    let Event::Intent(i) = serde_json::from_str::<Event>(&line).unwrap() else {
        panic!("{line}")
    };
    let t = r.intent(i);
    r.written(t, Credential).unwrap();
    assert_eq!(r.state(t), SeedWrittenNotVerified);
    let restore = r.0.restore();
    let exported: Vec<_> = restore.exportable().collect();
    assert_eq!(exported.len(), 1);
    let e = exported[0].attempt;
    assert_eq!(
        e.intent.params.otp_kind(),
        tokensmith_core::otpauth::Kind::Hotp { counter: 9 }
    );
    // RFC 4226 appendix D, counter 9 (the seed is the RFC's "12345678901234567890").
    assert_eq!(e.expected_code(0).unwrap(), "520489");
    assert_eq!(e.expected_code(1_700_000_000).unwrap(), "520489");
    // A TOTP intent keeps saying TOTP (and old lines without the field read as TOTP).
    assert_eq!(
        oath().params.otp_kind(),
        tokensmith_core::otpauth::Kind::Totp
    );
}

#[test]
fn every_state_is_exported_listed_or_untouched() {
    for s in TokenState::ALL {
        let n = [s.holds_new_seed(), s.needs_attention(), s == Untouched]
            .iter()
            .filter(|b| **b)
            .count();
        assert_eq!(n, 1, "{s:?}");
        assert!(!s.describe().is_empty() && !s.advice().is_empty());
    }
}

#[test]
fn numbering_has_no_gap() {
    let mut f = Fold::default();
    let e = f
        .apply(Record {
            seq: 2,
            at: 0,
            event: Event::Intent(intent()),
        })
        .unwrap_err();
    assert_eq!(
        e,
        "record number 2 where 1 was expected (a line is missing or out of order)"
    );
}

fn batch(users: &[&str]) -> BatchStart {
    BatchStart {
        batch: BatchId("b1".into()),
        source: Some("users.txt".into()),
        kind: Some(Kind::Token2),
        model: None,
        params: Params {
            algorithm: Algorithm::Sha1,
            digits: 6,
            period: 30,
            display_timeout: None,
            hotp_counter: None,
        },
        users: users
            .iter()
            .map(|u| BatchUser {
                upn: (*u).into(),
                display_name: None,
                serial: None,
                profile: None,
                model: None,
            })
            .collect(),
    }
}

fn for_user(position: u32, upn: &str, serial: &str) -> Intent {
    let mut i = intent();
    i.upn = Some(upn.into());
    i.target.serial = serial.into();
    i.batch = Some(BatchSlot {
        batch: BatchId("b1".into()),
        position,
    });
    i
}

#[test]
fn batches() {
    let mut r = Run::default();
    let b1 = BatchId("b1".into());
    assert!(r
        .push(Event::Intent(for_user(0, "a@x.com", "1")))
        .unwrap_err()
        .contains("was not started"));
    r.push(Event::BatchStarted(batch(&[
        "a@x.com", "b@x.com", "c@x.com",
    ])))
    .unwrap();
    assert!(r
        .push(Event::BatchStarted(batch(&["a@x.com"])))
        .unwrap_err()
        .contains("already started"));
    assert!(r
        .push(Event::Intent(for_user(3, "a@x.com", "1")))
        .unwrap_err()
        .contains("past the batch's 3 users"));
    assert!(r
        .push(Event::Intent(for_user(1, "a@x.com", "1")))
        .unwrap_err()
        .contains("not the one of batch user 2"));
    let t = r.intent(for_user(0, "a@x.com", "1"));
    r.written(t, Config).unwrap();
    r.written(t, Seed).unwrap();
    r.verified(t).unwrap();
    r.push(Event::UserSkipped(UserSkipped {
        batch: b1.clone(),
        position: 1,
        reason: "already has 5 tokens".into(),
    }))
    .unwrap();
    r.push(Event::BatchEnded(BatchEnded {
        batch: b1.clone(),
        stopped: Some("Ctrl-C".into()),
    }))
    .unwrap();
    assert!(r
        .push(Event::Intent(for_user(2, "c@x.com", "3")))
        .unwrap_err()
        .contains("has ended"));
    assert!(r
        .push(Event::BatchEnded(BatchEnded {
            batch: b1.clone(),
            stopped: None
        }))
        .is_err());
    r.push(Event::BatchResumed(BatchRef { batch: b1.clone() }))
        .unwrap();
    // A skipped user can still be given a token later: the latest word counts.
    let t2 = r.intent(for_user(1, "b@x.com", "2"));
    let b = r.0.batch(&b1).unwrap();
    assert!(b.open);
    let p = r.0.positions(b);
    assert!(matches!(p[0], Position::Attempted(e) if e.id == t && e.state() == Verified));
    assert!(matches!(p[1], Position::Attempted(e) if e.id == t2));
    assert!(matches!(p[2], Position::Pending));
    r.push(Event::UserSkipped(UserSkipped {
        batch: b1.clone(),
        position: 2,
        reason: "no token left".into(),
    }))
    .unwrap();
    let b = r.0.batch(&b1).unwrap();
    assert!(matches!(
        r.0.positions(b)[2],
        Position::Skipped("no token left")
    ));
    assert_eq!(r.0.batches().count(), 1);
}

#[test]
fn restore_picks_the_deciding_attempt() {
    let mut r = Run::default();
    // Token A: verified, then a re-burn refused before anything was sent.
    let a1 = r.intent(intent());
    r.written(a1, Config).unwrap();
    r.written(a1, Seed).unwrap();
    r.verified(a1).unwrap();
    let a2 = r.intent(intent());
    r.aborted(a2, None).unwrap();
    // Token B (OATH): verified, then a re-burn whose PUT got no answer.
    let b1 = r.intent(oath());
    r.written(b1, Credential).unwrap();
    r.verified(b1).unwrap();
    let b2 = r.intent(oath());
    r.aborted(b2, Some(Credential)).unwrap();
    // Token C (Token2, config erases the seed): verified, then a re-burn cut during the seed.
    let mut c = intent();
    c.target.serial = "8659600000003".into();
    let c1 = r.intent(c.clone());
    r.written(c1, Config).unwrap();
    r.written(c1, Seed).unwrap();
    r.verified(c1).unwrap();
    let c2 = r.intent(c.clone());
    r.written(c2, Config).unwrap();
    // Token D: only an untouched attempt.
    let mut d = intent();
    d.target.serial = "8659600000004".into();
    let d1 = r.intent(d);
    r.aborted(d1, None).unwrap();
    // Token E: a Molto2 profile written, not verified; another profile of the same serial failed.
    let e1 = r.intent(molto2(vec![Seed, Title, Config]));
    for w in [Seed, Title, Config] {
        r.written(e1, w).unwrap();
    }
    let mut other = molto2(vec![Seed]);
    other.target.profile = Some(4);
    let e2 = r.intent(other);
    r.written(e2, Seed).unwrap();
    r.failed(e2).unwrap();

    let restore = r.0.restore();
    let got: Vec<(TokenId, TokenState, Option<TokenId>)> = restore
        .tokens
        .iter()
        .map(|t| (t.attempt.id, t.state, t.earlier.map(|e| e.id)))
        .collect();
    assert_eq!(
        got,
        vec![
            (a1, Verified, None),
            (b2, MayHoldNewSeed, Some(b1)),
            (c2, MayHoldNewSeed, None),
            (d1, Untouched, None),
            (e1, SeedWrittenNotVerified, None),
            (e2, Failed, None),
        ]
    );
    let ids = |it: &mut dyn Iterator<Item = &crate::restore::Restored<'_>>| {
        it.map(|t| t.attempt.id).collect::<Vec<_>>()
    };
    assert_eq!(ids(&mut restore.exportable()), vec![a1, e1]);
    assert_eq!(ids(&mut restore.attention()), vec![b2, c2, e2]);
    assert_eq!(ids(&mut restore.untouched()), vec![d1]);
    let rec = restore.tokens[4].token_record();
    assert_eq!(rec.serial, "60400001");
    assert_eq!(rec.profile, Some(3));
    assert_eq!(rec.display_name.as_deref(), Some("GitHub"));
    assert_eq!(rec.manufacturer, "Token2");
    assert_eq!(rec.upn, "alice@contoso.com");
    assert_eq!(rec.secret.as_bytes(), b"12345678901234567890");
    assert_eq!(r.0.latest_for_slot(&restore.tokens[0].slot).unwrap().id, a1);
    // RFC 6238's SHA-1 vector at T = 59 (6 digits of 94287082).
    assert_eq!(
        restore.tokens[0].attempt.expected_code(59).unwrap(),
        "287082"
    );
}
