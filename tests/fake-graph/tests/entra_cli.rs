//! `hardware-bridge entra` end to end: the real command line as a process, against the fake
//! Graph and identity platform over TLS on 127.0.0.1.

mod common;

use std::time::Duration;

use common::*;
use fake_graph::{Config, FakeGraph, Fault, FaultRule};

fn activated(fake: &FakeGraph) -> Vec<String> {
    let mut s: Vec<String> = fake
        .devices()
        .into_iter()
        .filter(|d| d.status == "activated")
        .map(|d| d.serial)
        .collect();
    s.sort();
    s
}

#[test]
fn device_code_sign_in_then_a_mixed_batch_skips_only_the_invalid_record() {
    let fake = start(Config {
        pending_polls: 2,
        ..Config::default()
    });
    let file = csv(
        &fake,
        "tokens.csv",
        &[
            ("alice", "60200001", 1, 30),
            ("bob", "60200002", 2, 60),
            // Invalid: 45 s is neither 30 nor 60.
            ("bob", "60200003", 3, 45),
            ("alice", "60200004", 4, 30),
        ],
    );
    let out = entra(&fake, &conn(&fake), &["push", file.to_str().unwrap()]);
    assert_eq!(out.code, Some(5), "{out:?}");
    // The person was shown where to sign in, and the flow polled until approved.
    assert!(
        out.stderr.contains(&format!(
            "open {}/devicelogin and enter the code FAKE-CODE",
            fake.url()
        )),
        "{out:?}"
    );
    let polls = fake.count("POST", "/oauth2/v2.0/token", None);
    assert_eq!(polls, 3, "two pending answers, then the token");
    assert!(
        out.stdout.contains("60200003")
            && out.stdout.contains(
                "FAILED at check: row 3: a 45 s time interval: Entra accepts 30 or 60 s only"
            ),
        "{out:?}"
    );
    assert!(
        out.stdout.contains("nothing was sent for this token"),
        "{out:?}"
    );
    for serial in ["60200001", "60200002", "60200004"] {
        let line = out.stdout.lines().find(|l| l.starts_with(serial)).unwrap();
        assert!(line.ends_with("created, assigned, activated"), "{line}");
    }
    assert!(
        out.stdout.contains("4 token(s), 3 activated now, 1 failed"),
        "{out:?}"
    );
    // Nothing about the invalid record reached Graph, not even a lookup.
    let log = log_text(&fake);
    assert!(!log.contains("60200003"), "{log}");
    assert!(!log.contains(&b32(3)), "{log}");
    assert_eq!(activated(&fake), ["60200001", "60200002", "60200004"]);
    // One bulk creation, one assignment and one activation per token.
    assert_eq!(fake.count("PATCH", "/hardwareOathDevices", Some(200)), 1);
    assert_eq!(fake.count("POST", "/activate", Some(204)), 3);
    assert_eq!(fake.count("POST", "/activate", None), 3);
    // The 60 s token was created as one.
    let bob = fake
        .devices()
        .into_iter()
        .find(|d| d.serial == "60200002")
        .unwrap();
    assert_eq!(
        (bob.interval, bob.assigned_to),
        (60, Some(user_id(&fake, "bob")))
    );
    // No secret in the output or the journal; the journal says where each token stands.
    let journal = std::fs::read_to_string(fake.dir().join("tokens.csv.entra-journal")).unwrap();
    assert_no_secrets(&fake, &out.all(), &[1, 2, 3, 4]);
    assert_no_secrets(&fake, &journal, &[1, 2, 3, 4]);
    assert_eq!(
        journal.matches("\"step\":\"activated\"").count(),
        3,
        "{journal}"
    );
}

#[test]
fn device_code_polling_slows_down_when_told() {
    let fake = start(Config {
        pending_polls: 0,
        slow_down_at: Some(1),
        ..Config::default()
    });
    let file = csv(&fake, "one.csv", &[("alice", "60210001", 1, 30)]);
    let started = std::time::Instant::now();
    let out = entra(&fake, &conn(&fake), &["push", file.to_str().unwrap()]);
    assert_eq!(out.code, Some(0), "{out:?}");
    // The fake answers slow_down to any poll that comes sooner than interval + 5 s after it.
    assert_eq!(
        fake.count("POST", "/oauth2/v2.0/token", None),
        2,
        "{}",
        log_text(&fake)
    );
    assert!(started.elapsed() >= Duration::from_secs(6));
    assert!(
        out.stderr.contains("poll more slowly: every 6 s"),
        "{out:?}"
    );
}

#[test]
fn client_credentials_and_a_wrong_secret() {
    let fake = start(Config::default());
    let file = csv(&fake, "one.csv", &[("alice", "60220001", 1, 30)]);
    let ok = entra(&fake, &app(&fake), &["push", file.to_str().unwrap()]);
    assert_eq!(ok.code, Some(0), "{ok:?}");
    assert!(ok.stdout.contains("created, assigned, activated"), "{ok:?}");
    assert!(
        !ok.stderr.contains("To sign in"),
        "no device code for the app: {ok:?}"
    );
    assert_no_secrets(&fake, &ok.all(), &[1]);

    let wrong = fake.dir().join("wrong.txt");
    std::fs::write(&wrong, "not-the-secret").unwrap();
    let mut args = conn(&fake);
    args.extend(["--client-secret-file".into(), wrong.display().to_string()]);
    let graph_calls = fake.count("GET", "/beta/", None);
    let out = entra(&fake, &args, &["push", file.to_str().unwrap()]);
    assert_eq!(out.code, Some(4), "{out:?}");
    assert!(out.stderr.contains("AADSTS7000215"), "{out:?}");
    assert!(
        out.stderr.contains("client secret's Value (not its ID)"),
        "{out:?}"
    );
    assert!(
        out.stderr.contains("can be read by other users"),
        "0644 secret file: {out:?}"
    );
    assert!(!out.all().contains("not-the-secret"), "{out:?}");
    assert_eq!(
        fake.count("GET", "/beta/", None),
        graph_calls,
        "no Graph call without a token"
    );
}

#[test]
fn missing_consent_or_permission_is_reported_and_nothing_changes() {
    // A person whose sign-in lacks User.Read.All: stopped right after sign-in.
    let fake = start(Config {
        pending_polls: 0,
        delegated_granted: vec![
            fake_graph::PERM_DEVICES.into(),
            fake_graph::PERM_METHODS.into(),
        ],
        ..Config::default()
    });
    let file = csv(&fake, "one.csv", &[("alice", "60230001", 1, 30)]);
    let out = entra(&fake, &conn(&fake), &["push", file.to_str().unwrap()]);
    assert_eq!(out.code, Some(4), "{out:?}");
    assert!(
        out.stderr.contains("was not granted User.Read.All"),
        "{out:?}"
    );
    assert!(out.stderr.contains("Grant admin consent"), "{out:?}");
    assert_eq!(fake.count("GET", "/beta/", None), 0);

    // The app lacks UserAuthenticationMethod.ReadWrite.All: Graph answers 403, nothing is created.
    let fake = start(Config {
        app_roles: vec![
            fake_graph::PERM_DEVICES.into(),
            fake_graph::PERM_USERS.into(),
        ],
        ..Config::default()
    });
    let file = csv(&fake, "one.csv", &[("alice", "60230001", 1, 30)]);
    let out = entra(&fake, &app(&fake), &["push", file.to_str().unwrap()]);
    assert_eq!(out.code, Some(4), "{out:?}");
    assert!(
        out.stderr.contains("403 Authorization_RequestDenied"),
        "{out:?}"
    );
    assert!(
        out.stderr
            .contains("UserAuthenticationMethod.ReadWrite.All"),
        "{out:?}"
    );
    assert!(out.stdout.contains("FAILED at not reached"), "{out:?}");
    assert_eq!(
        fake.count("GET", "/authentication/hardwareOathMethods", Some(403)),
        1,
        "not retried"
    );
    assert_eq!(fake.count("PATCH", "", None), 0);
    assert!(fake.devices().is_empty());
}

#[test]
fn tls_is_verified_without_the_test_ca() {
    let fake = start(Config::default());
    let file = csv(&fake, "one.csv", &[("alice", "60240001", 1, 30)]);
    let args: Vec<String> = app(&fake)
        .into_iter()
        .collect::<Vec<_>>()
        .chunks(2)
        .filter(|kv| kv[0] != "--ca-file")
        .flatten()
        .cloned()
        .collect();
    let out = entra(&fake, &args, &["push", file.to_str().unwrap()]);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(
        out.stderr.contains("UnknownIssuer") && out.stderr.contains("--ca-file PEM"),
        "{out:?}"
    );
    assert!(
        !out.stderr.contains("trying again"),
        "a certificate error is not retried: {out:?}"
    );
    assert!(
        fake.log().is_empty(),
        "no request got through: {}",
        log_text(&fake)
    );
}

#[test]
fn a_crash_mid_push_then_the_resume_does_nothing_twice() {
    let fake = start(Config::default());
    let file = csv(
        &fake,
        "tokens.csv",
        &[
            ("alice", "60250001", 1, 30),
            ("bob", "60250002", 2, 30),
            ("carol", "60250003", 3, 30),
        ],
    );
    let f = file.to_str().unwrap();
    // 1. Graph creates the devices but its answer never arrives; the process is killed.
    fake.fault(FaultRule {
        method: "PATCH",
        path_contains: "/hardwareOathDevices",
        nth: 1,
        fault: Fault::HangAfter,
    });
    let first = entra_until_hung(&fake, &app(&fake), &["push", f]);
    assert_eq!(first.code, None, "killed: {first:?}");
    assert_eq!(fake.devices().len(), 3);
    // 2. The resume finds them by serial (no second creation); now the second activation
    //    is carried out but its answer never arrives; killed again.
    fake.fault(FaultRule {
        method: "POST",
        path_contains: "/activate",
        nth: 2,
        fault: Fault::HangAfter,
    });
    let second = run_again_until_second_hang(&fake, f);
    assert_eq!(second.code, None, "killed: {second:?}");
    assert!(
        second
            .stderr
            .contains("the answer to its creation was lost last time"),
        "{second:?}"
    );
    // 3. The last run finishes: the hung activation is seen as done, the third is done now.
    let third = entra(&fake, &app(&fake), &["push", f]);
    assert_eq!(third.code, Some(0), "{third:?}");
    assert_eq!(activated(&fake), ["60250001", "60250002", "60250003"]);
    // Nothing twice: one creation request, three devices, three assignments, three activations.
    assert_eq!(
        fake.count("PATCH", "/hardwareOathDevices", None),
        1,
        "{}",
        log_text(&fake)
    );
    assert_eq!(fake.devices().len(), 3);
    assert_eq!(
        fake.count("POST", "/authentication/hardwareOathMethods", None)
            - fake.count("POST", "/activate", None),
        3
    );
    assert_eq!(
        fake.count("POST", "/activate", None),
        3,
        "{}",
        log_text(&fake)
    );
    let bob = third
        .stdout
        .lines()
        .find(|l| l.starts_with("60250002"))
        .unwrap();
    assert!(
        bob.ends_with("already existed, already assigned, already activated"),
        "{bob}"
    );
    let carol = third
        .stdout
        .lines()
        .find(|l| l.starts_with("60250003"))
        .unwrap();
    assert!(
        carol.ends_with("already existed, assigned, activated"),
        "{carol}"
    );
    let journal = std::fs::read_to_string(fake.dir().join("tokens.csv.entra-journal")).unwrap();
    assert_no_secrets(&fake, &journal, &[1, 2, 3]);
    assert_no_secrets(
        &fake,
        &format!("{}{}{}", first.all(), second.all(), third.all()),
        &[1, 2, 3],
    );
}

/// The second hang of the crash test: the fake's hung flag is already set by the first, so
/// wait for the second activation to be logged instead.
fn run_again_until_second_hang(fake: &FakeGraph, file: &str) -> Out {
    let mut args = vec!["entra".to_string()];
    args.extend(app(fake));
    args.extend(["push".to_string(), file.to_string()]);
    let mut child = std::process::Command::new(CLI)
        .args(&args)
        .current_dir(fake.dir())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let until = std::time::Instant::now() + LIMIT;
    while fake.count("POST", "/activate", None) < 2 {
        assert!(
            std::time::Instant::now() < until,
            "the second activation never came"
        );
        if let Some(s) = child.try_wait().unwrap() {
            panic!("ended early with {s}: {}", log_text(fake));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    Out {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into(),
        stderr: String::from_utf8_lossy(&output.stderr).into(),
    }
}

#[test]
fn throttling_waits_for_retry_after_and_lost_answers_are_checked_not_repeated() {
    let fake = start(Config {
        throttle_every: Some(4),
        ..Config::default()
    });
    // A 503 on a read is retried; a 500 after an assignment was made is checked, not repeated;
    // an expired session is renewed once.
    fake.fault(FaultRule {
        method: "GET",
        path_contains: "/hardwareOathDevices",
        nth: 1,
        fault: Fault::Status {
            code: 503,
            after: false,
        },
    });
    fake.fault(FaultRule {
        method: "POST",
        path_contains: "/authentication/hardwareOathMethods",
        nth: 1,
        fault: Fault::Status {
            code: 500,
            after: true,
        },
    });
    fake.fault(FaultRule {
        method: "GET",
        path_contains: "/users/",
        nth: 2,
        fault: Fault::Status {
            code: 401,
            after: false,
        },
    });
    let file = csv(
        &fake,
        "tokens.csv",
        &[
            ("alice", "60260001", 1, 30),
            ("bob", "60260002", 2, 30),
            ("carol", "60260003", 3, 60),
        ],
    );
    let out = entra(&fake, &app(&fake), &["push", file.to_str().unwrap()]);
    assert_eq!(out.code, Some(0), "{out:?}\n{}", log_text(&fake));
    assert!(
        fake.count("GET", "", Some(429))
            + fake.count("POST", "", Some(429))
            + fake.count("PATCH", "", Some(429))
            >= 2,
        "{}",
        log_text(&fake)
    );
    assert!(
        out.stderr
            .contains("Graph is throttling (429): waiting 1 s as it asks"),
        "{out:?}"
    );
    assert!(out.stderr.contains("answered 503: trying again"), "{out:?}");
    assert!(
        out.stderr.contains("the answer to its assignment was lost"),
        "{out:?}"
    );
    assert_eq!(activated(&fake), ["60260001", "60260002", "60260003"]);
    // Carried out once each, whatever the answers were.
    let done = |m: &str, p: &str, ok: u16| fake.count(m, p, Some(ok)) + fake.count(m, p, Some(500));
    assert_eq!(done("PATCH", "/hardwareOathDevices", 200), 1);
    assert_eq!(fake.methods().len(), 3, "three assignments, none twice");
    assert_eq!(done("POST", "/activate", 204), 3);
    assert_eq!(
        fake.count("POST", "/oauth2/v2.0/token", None),
        2,
        "signed in, renewed once"
    );
}

#[test]
fn an_existing_device_a_full_user_and_a_wrong_code() {
    let fake = start(Config::default());
    let carol = user_id(&fake, "carol");
    fake.add_software_methods(&carol, 5);
    // An earlier upload of the same token (same seed), not yet assigned.
    fake.add_device("60270001", &seed(1), 30, None, false);
    // An earlier upload under the same serial with another seed (re-burned since).
    fake.add_device("60270004", &seed(99), 30, None, false);
    let file = csv(
        &fake,
        "tokens.csv",
        &[
            ("alice", "60270001", 1, 30),
            ("carol", "60270002", 2, 30),
            ("bob", "60270003", 3, 30),
            ("bob", "60270004", 4, 30),
        ],
    );
    let out = entra(&fake, &app(&fake), &["push", file.to_str().unwrap()]);
    assert_eq!(out.code, Some(5), "{out:?}");
    let line = |s: &str| {
        out.stdout
            .lines()
            .find(|l| l.starts_with(s))
            .unwrap()
            .to_string()
    };
    assert!(
        line("60270001").ends_with("already existed, assigned, activated"),
        "{out:?}"
    );
    assert!(
        line("60270002").contains("FAILED at user: carol@contoso.onmicrosoft.com already has 5 OATH token(s) or app(s) in Entra; Entra allows 5 per user, so this would be number 6"),
        "{out:?}"
    );
    assert!(
        line("60270003").ends_with("created, assigned, activated"),
        "{out:?}"
    );
    let wrong = line("60270004");
    assert!(wrong.contains("already existed, assigned; FAILED at activate: 400 badRequest: The verification code is invalid."), "{wrong}");
    assert!(
        wrong.contains("it may hold another seed for serial 60270004"),
        "{wrong}"
    );
    // The existing device was not created again; nothing was created or assigned for carol;
    // the wrong code was not retried.
    let log = log_text(&fake);
    let creations: String = fake
        .log()
        .iter()
        .filter(|l| l.method == "PATCH")
        .map(|l| l.body.clone())
        .collect();
    assert!(creations.contains("60270003"));
    for s in ["60270001", "60270002", "60270004"] {
        assert!(!creations.contains(s), "{s} created: {log}");
    }
    assert_eq!(
        fake.devices()
            .iter()
            .filter(|d| d.serial == "60270001")
            .count(),
        1
    );
    assert!(fake
        .methods()
        .iter()
        .filter(|m| m.user_id == carol)
        .all(|m| m.device_id.is_none()));
    assert_eq!(fake.count("POST", "/activate", None), 3, "{log}");
    assert_eq!(fake.count("POST", "/activate", Some(400)), 1);
    // Carol's five methods were counted across three pages.
    assert_eq!(
        fake.count(
            "GET",
            &format!("/users/{carol}/authentication/softwareOathMethods"),
            None
        ),
        3
    );
}

#[test]
fn status_and_remove() {
    let fake = start(Config::default());
    let file = csv(
        &fake,
        "tokens.csv",
        &[("alice", "60280001", 1, 30), ("bob", "60280002", 2, 30)],
    );
    let f = file.to_str().unwrap();
    assert_eq!(entra(&fake, &app(&fake), &["push", f]).code, Some(0));
    let status = entra(&fake, &app(&fake), &["status", f]);
    assert_eq!(status.code, Some(0), "{status:?}");
    let row = status
        .stdout
        .lines()
        .find(|l| l.starts_with("60280001"))
        .unwrap();
    assert!(
        row.contains("activated") && row.contains("Alice Example"),
        "{row}"
    );
    let json = entra(
        &fake,
        &app(&fake),
        &[
            "--json", "status", "--serial", "60280002", "--serial", "60289999",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v[0]["device"]["status"], "activated");
    assert_eq!(v[0]["device"]["assignedTo"]["displayName"], "Bob Example");
    assert_eq!(v[1]["note"], "not in Entra");

    let preview = entra(&fake, &app(&fake), &["remove", f]);
    assert_eq!(preview.code, Some(2), "{preview:?}");
    assert!(
        preview
            .stdout
            .contains("would unassign from Alice Example, would delete"),
        "{preview:?}"
    );
    assert!(
        preview.stderr.contains("run again with --yes"),
        "{preview:?}"
    );
    assert_eq!(fake.devices().len(), 2, "nothing removed without --yes");

    let removed = entra(&fake, &app(&fake), &["remove", f, "--yes"]);
    assert_eq!(removed.code, Some(0), "{removed:?}");
    assert!(
        removed
            .stdout
            .contains("unassigned from Bob Example, deleted"),
        "{removed:?}"
    );
    assert!(fake.devices().is_empty());
    assert!(fake.methods().is_empty());
    let again = entra(&fake, &app(&fake), &["status", f]);
    assert_eq!(again.stdout.matches("not in Entra").count(), 2, "{again:?}");
    assert_eq!(
        again.stdout.matches("deleted").count(),
        2,
        "journal: {again:?}"
    );
}

#[test]
fn dry_run_sends_nothing_and_masks_secrets() {
    let fake = start(Config::default());
    let file = csv(
        &fake,
        "tokens.csv",
        &[("alice", "60290001", 1, 30), ("bob", "60290002", 2, 60)],
    );
    let out = entra(
        &fake,
        &app(&fake),
        &["push", file.to_str().unwrap(), "--dry-run"],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(fake.log().is_empty(), "{}", log_text(&fake));
    assert!(out.stdout.contains("DRY RUN: nothing is sent"), "{out:?}");
    assert_eq!(
        out.stdout.matches("\"secretKey\": \"********\"").count(),
        2,
        "{out:?}"
    );
    assert!(
        out.stdout.contains("{\"verificationCode\":\"********\"}"),
        "{out:?}"
    );
    assert!(
        out.stdout.contains("\"timeIntervalInSeconds\": 60"),
        "{out:?}"
    );
    assert_no_secrets(&fake, &out.all(), &[1, 2]);
    assert!(!fake.dir().join("tokens.csv.entra-journal").exists());
}

#[test]
fn results_file_from_a_burn_and_the_pages_graph_json() {
    let fake = start(Config::default());
    let tenant = fake.config().tenant;
    let dir = fake.dir().to_path_buf();
    for (n, what) in [(1u8, "a"), (2, "b"), (3, "c")] {
        std::fs::write(dir.join(format!("seed-{what}.txt")), b32(n)).unwrap();
    }
    // The burn journal is encrypted at rest: every reader gives the same passphrase file.
    std::fs::write(dir.join("pass.txt"), "a long journal passphrase\n").unwrap();
    let alice = format!("alice@{tenant}");
    let bob = format!("bob@{tenant}");
    for (reader, extra, seed, user) in [
        ("Token2", vec![], "seed-a.txt", &alice),
        // The simulated Molto2 is a Molto2v2, which the device itself cannot tell.
        (
            "Molto2",
            vec!["--model", "molto2v2", "--profile", "1"],
            "seed-b.txt",
            &alice,
        ),
        (
            "Molto2",
            vec!["--model", "molto2v2", "--profile", "2"],
            "seed-c.txt",
            &bob,
        ),
    ] {
        let mut args = vec![
            "--simulate",
            "--reader",
            reader,
            "burn",
            "--secret-file",
            seed,
            "--results-file",
            "burns.journal",
            "--passphrase-file",
            "pass.txt",
            "--upn",
            user,
        ];
        args.extend(extra);
        let out = bridge(&fake, &args);
        assert_eq!(out.code, Some(0), "{out:?}");
    }
    let out = entra(
        &fake,
        &app(&fake),
        &["push", "burns.journal", "--passphrase-file", "pass.txt"],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stdout.contains("MOLTO2SIM0001 profile 2"), "{out:?}");
    let devices = fake.devices();
    assert_eq!(devices.len(), 3);
    let p2 = devices
        .iter()
        .find(|d| d.display_name.as_deref() == Some("Molto2v2 profile 2"))
        .unwrap();
    assert_eq!(
        (p2.serial.as_str(), p2.status.as_str()),
        ("MOLTO2SIM0001", "activated")
    );
    assert_eq!(p2.secret, seed(3));
    // Both profiles are told apart on a second run (same serial, own display names).
    let again = entra(
        &fake,
        &app(&fake),
        &["push", "burns.journal", "--passphrase-file", "pass.txt"],
    );
    assert_eq!(again.code, Some(0), "{again:?}");
    assert_eq!(
        again
            .stdout
            .matches("already existed, already assigned, already activated")
            .count(),
        3,
        "{again:?}"
    );

    // The Graph JSON the page (and results-to-csv) exports, pushed to another tenant's fake.
    // It has no profile slots, so two profiles of one serial for two users are refused before
    // anything is sent (push the results file for those); the rest goes through.
    let json = bridge(
        &fake,
        &[
            "results-to-csv",
            "burns.journal",
            "--passphrase-file",
            "pass.txt",
            "--format",
            "graph",
            "--out",
            "tokens.json",
        ],
    );
    assert_eq!(json.code, Some(0), "{json:?}");
    let other = start(Config::default());
    std::fs::copy(dir.join("tokens.json"), other.dir().join("tokens.json")).unwrap();
    let out = entra(&other, &app(&other), &["push", "tokens.json"]);
    assert_eq!(out.code, Some(5), "{out:?}");
    assert!(
        out.stdout
            .contains("FAILED at check: row 3: serial 'MOLTO2SIM0001' is already assigned to"),
        "{out:?}"
    );
    assert!(
        !log_text(&other).contains(&b32(3)),
        "nothing sent for the refused profile"
    );
    assert_eq!(activated(&other), ["8659632000001", "MOLTO2SIM0001"]);
}

#[test]
fn a_refused_batch_is_sorted_out_one_token_at_a_time() {
    let fake = start(Config {
        refuse_serials: vec!["60310002".into()],
        ..Config::default()
    });
    let file = csv(
        &fake,
        "tokens.csv",
        &[
            ("alice", "60310001", 1, 30),
            ("bob", "60310002", 2, 30),
            ("carol", "60310003", 3, 30),
        ],
    );
    let out = entra(&fake, &app(&fake), &["push", file.to_str().unwrap()]);
    assert_eq!(out.code, Some(5), "{out:?}");
    assert!(out.stderr.contains("Graph refused a batch of 3 (400 badRequest: Item 2: Invalid value for property 'serialNumber': '60310002'.): creating them one at a time"), "{out:?}");
    let refused = out
        .stdout
        .lines()
        .find(|l| l.starts_with("60310002"))
        .unwrap();
    assert!(refused.ends_with("FAILED at create: 400 badRequest: Item 1: Invalid value for property 'serialNumber': '60310002'."), "{refused}");
    assert_eq!(activated(&fake), ["60310001", "60310003"]);
    // The batch, then one request per token; each created once.
    assert_eq!(fake.count("PATCH", "/hardwareOathDevices", None), 4);
    assert_eq!(fake.devices().len(), 2);
}

#[test]
fn a_next_page_link_to_another_host_is_not_followed() {
    let fake = start(Config {
        next_link_base: Some("https://graph.example.invalid".into()),
        ..Config::default()
    });
    for n in 0..3 {
        fake.add_device("60320001", &seed(n), 30, None, false);
    }
    let out = entra(&fake, &app(&fake), &["status", "--serial", "60320001"]);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stderr.contains("the next-page link points to https://graph.example.invalid/beta/directory/authenticationMethodDevices/hardwareOathDevices instead of"), "{out:?}");
    assert!(out.stderr.contains("not following it"), "{out:?}");
    // Paged normally, all three are listed.
    let fake = start(Config::default());
    for n in 0..3 {
        fake.add_device("60320001", &seed(n), 30, None, false);
    }
    let out = entra(&fake, &app(&fake), &["status", "--serial", "60320001"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stdout.matches("available").count(), 3, "{out:?}");
    assert_eq!(
        fake.count("GET", "/hardwareOathDevices", None),
        2,
        "two pages"
    );
}
