//! Property tests: whatever a record holds, writing it and reading it back gives it back
//! (plain and encrypted); and no input makes the reader panic.

mod common;

use common::*;
use proptest::prelude::*;
use tokensmith_burn_journal::{
    parse_bytes, read_file, BatchId, BatchSlot, BatchStart, BatchUser, Intent, Journal, Kind,
    Method, Params, Protection, Target, Write,
};
use tokensmith_core::otp::Algorithm;
use tokensmith_core::secret::Secret;

/// Any text a name-like field may hold: 1–`max` characters, no control characters (quotes,
/// backslashes, any script, emoji all allowed).
fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 1..=max).prop_map(|cs| {
        cs.into_iter()
            .map(|c| if c.is_control() { '\u{2603}' } else { c })
            .collect()
    })
}

fn params() -> impl Strategy<Value = Params> {
    (
        prop::sample::select(Algorithm::ALL.to_vec()),
        4u8..=10,
        1u32..=86_400,
        proptest::option::of(1u32..=3600),
        proptest::option::of(any::<u64>()),
    )
        .prop_map(
            |(algorithm, digits, period, display_timeout, hotp_counter)| Params {
                algorithm,
                digits,
                period,
                display_timeout,
                hotp_counter,
            },
        )
}

fn intent() -> impl Strategy<Value = Intent> {
    let kind = prop_oneof![Just(Kind::Token2), Just(Kind::Molto2), Just(Kind::Oath)];
    (
        kind,
        proptest::option::of(text(80)),
        text(64),
        text(64),
        proptest::option::of(text(64)),
        any::<u8>(),
        text(120),
        proptest::collection::vec(any::<u8>(), 1..=128),
        params(),
        (any::<bool>(), any::<bool>(), any::<bool>()),
        proptest::option::of(text(64)),
        (
            proptest::option::of(text(120)),
            proptest::option::of(text(120)),
        ),
    )
        .prop_flat_map(
            |(
                kind,
                reader,
                serial,
                model,
                manufacturer,
                profile,
                credential,
                seed,
                params,
                (erases, config, titled),
                title,
                (upn, display_name),
            )| {
                let writes = match kind {
                    Kind::Token2 => vec![Write::Config, Write::Seed],
                    Kind::Oath => vec![Write::Credential],
                    Kind::Molto2 => {
                        let mut w = vec![Write::Seed];
                        if config {
                            w.push(Write::Config);
                        }
                        if titled && title.is_some() {
                            w.push(Write::Title);
                        }
                        w
                    }
                };
                let title = (kind == Kind::Molto2 && writes.contains(&Write::Title))
                    .then(|| title.clone())
                    .flatten();
                let intent = Intent {
                    target: Target {
                        kind,
                        reader,
                        serial,
                        model,
                        manufacturer,
                        profile: (kind == Kind::Molto2).then_some(profile),
                        credential: (kind == Kind::Oath).then_some(credential),
                    },
                    seed: Secret::from_bytes(seed).unwrap(),
                    params: Params {
                        hotp_counter: params.hotp_counter.filter(|_| kind == Kind::Oath),
                        ..params
                    },
                    writes: writes.clone(),
                    config_erases_seed: kind == Kind::Token2 && erases,
                    title,
                    touch: kind == Kind::Oath && titled,
                    upn,
                    display_name,
                    batch: None,
                };
                (Just(intent), Just(writes).prop_shuffle())
            },
        )
        .prop_map(|(mut i, writes)| {
            i.writes = writes;
            i
        })
}

/// What happens after the intent: how many writes were acknowledged, then which outcome.
#[derive(Debug, Clone)]
enum Then {
    Nothing,
    Abort { in_flight: bool },
    Verify(Method, Option<i32>),
    Fail,
}

fn then() -> impl Strategy<Value = Then> {
    prop_oneof![
        Just(Then::Nothing),
        any::<bool>().prop_map(|in_flight| Then::Abort { in_flight }),
        (
            prop_oneof![
                Just(Method::DeviceCalculated),
                Just(Method::ComparedByAdmin),
                Just(Method::AutoAccepted)
            ],
            proptest::option::of(-100i32..100)
        )
            .prop_map(|(m, d)| Then::Verify(m, d)),
        Just(Then::Fail),
    ]
}

/// Write a journal holding a batch of one user and that user's burn, read it back, and
/// compare every record.
fn round_trip(
    protection: &Protection,
    mut i: Intent,
    written: usize,
    then: &Then,
    reason: &str,
) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("J");
    let mut j = Journal::create(&path, protection).unwrap();
    if let Some(upn) = &i.upn {
        let batch = BatchId("b-1".into());
        j.start_batch(BatchStart {
            batch: batch.clone(),
            source: Some(reason.chars().take(200).collect()),
            kind: Some(i.target.kind),
            model: Some(i.target.model.clone()),
            params: i.params,
            users: vec![BatchUser {
                upn: upn.clone(),
                display_name: i.display_name.clone(),
                serial: Some(i.target.serial.clone()),
                profile: i.target.profile,
                model: None,
            }],
        })
        .unwrap();
        i.batch = Some(BatchSlot {
            batch: batch.clone(),
            position: 0,
        });
    }
    let writes = i.writes.clone();
    let t = j.intent(i).unwrap();
    let written = written.min(writes.len());
    for w in &writes[..written] {
        j.written(t, *w).unwrap();
    }
    let seed_in = writes[..written].iter().any(|w| w.carries_seed());
    match then {
        Then::Nothing => {}
        Then::Abort { in_flight } => j
            .aborted(
                t,
                reason,
                writes.get(written).copied().filter(|_| *in_flight),
            )
            .unwrap(),
        Then::Verify(m, d) if seed_in => j.verified(t, *m, Some("0123456789".into()), *d).unwrap(),
        Then::Fail if seed_in => j.verification_failed(t, reason, None).unwrap(),
        _ => {}
    }
    let fold_before = j.fold().token(t).unwrap().state();
    drop(j);
    let pass = match protection {
        Protection::Passphrase(_) => Some(passphrase(PASSPHRASE)),
        Protection::Plaintext => None,
    };
    let c = read_file(&path, pass.as_ref()).unwrap();
    prop_assert_eq!(c.fold.token(t).unwrap().state(), fold_before);
    let again = Journal::open(&path, protection).unwrap().1;
    prop_assert_eq!(again.records, c.records.len());
    // The written bytes decode to the same JSON that was meant.
    let json: Vec<String> = c
        .records
        .iter()
        .map(|r| serde_json::to_string(&r.record).unwrap())
        .collect();
    if let Protection::Plaintext = protection {
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().skip(1).collect();
        prop_assert_eq!(lines, json.iter().map(String::as_str).collect::<Vec<_>>());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn plain_records_round_trip(
        i in intent(), written in 0usize..4, then in then(), reason in text(300)
    ) {
        round_trip(&Protection::Plaintext, i, written, &then, &reason)?;
    }
}

proptest! {
    // Each case runs scrypt twice (create, read).
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn encrypted_records_round_trip(
        i in intent(), written in 0usize..4, then in then(), reason in text(300)
    ) {
        round_trip(&encrypted(), i, written, &then, &reason)?;
    }
}

/// A plain journal's bytes, to mutate (written once: every append is fsynced).
fn sample() -> Vec<u8> {
    static SAMPLE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    SAMPLE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("J");
            let mut j = Journal::create(&path, &Protection::Plaintext).unwrap();
            let t = j.intent(token2("8659632000001", 1)).unwrap();
            j.written(t, Write::Config).unwrap();
            j.written(t, Write::Seed).unwrap();
            j.verified(t, Method::ComparedByAdmin, Some("287082".into()), Some(-1))
                .unwrap();
            drop(j);
            std::fs::read(&path).unwrap()
        })
        .clone()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn reading_never_panics(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
        cut in any::<prop::sample::Index>(),
        junk in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut b = sample();
        for (at, byte) in edits {
            let i = at.index(b.len());
            b[i] = byte;
        }
        b.truncate(cut.index(b.len() + 1));
        let _ = parse_bytes(&b);
        b.extend_from_slice(&junk);
        let _ = parse_bytes(&b);
        let _ = parse_bytes(&junk);
    }
}
