//! `tokensmith-graph` used as a library against the fake: what the command line cannot set
//! (timeouts, retry delays).

mod common;

use std::cell::RefCell;
use std::time::Duration;

use common::*;
use fake_graph::{Config, Fault, FaultRule};
use tokensmith_core::entra::read_csv;
use tokensmith_graph::http::RetryPolicy;
use tokensmith_graph::{
    check, push, Credential, DeviceCodePrompt, Endpoints, Graph, HttpOptions, Input, Journal,
    PushOptions, TokenReport, Ui,
};
use zeroize::Zeroizing;

#[derive(Default)]
struct Recorder {
    notes: RefCell<Vec<String>>,
    tokens: RefCell<Vec<TokenReport>>,
}

impl Ui for Recorder {
    fn device_code(&self, _: &DeviceCodePrompt) {
        panic!("no device code with client credentials");
    }
    fn note(&self, m: &str) {
        self.notes.borrow_mut().push(m.to_string());
    }
    fn token(&self, r: &TokenReport) {
        self.tokens.borrow_mut().push(r.clone());
    }
}

#[test]
fn a_read_that_times_out_is_retried_and_a_lost_bulk_answer_is_checked_by_serial() {
    let fake = start(Config::default());
    // The first device lookup answers after the client's time limit; the bulk creation is
    // carried out but answered 502.
    fake.fault(FaultRule {
        method: "GET",
        path_contains: "/hardwareOathDevices",
        nth: 1,
        fault: Fault::Delay(Duration::from_secs(3)),
    });
    fake.fault(FaultRule {
        method: "PATCH",
        path_contains: "/hardwareOathDevices",
        nth: 1,
        fault: Fault::Status {
            code: 502,
            after: true,
        },
    });
    let cfg = fake.config();
    let endpoints = Endpoints::new(&cfg.tenant, &cfg.client_id, fake.url(), fake.url()).unwrap();
    let http = HttpOptions {
        ca_file: Some(fake.ca_file().to_path_buf()),
        timeout: Duration::from_secs(1),
        retry: RetryPolicy {
            first_delay: Duration::from_millis(50),
            ..RetryPolicy::default()
        },
    };
    let file = csv(
        &fake,
        "t.csv",
        &[("alice", "60300001", 1, 30), ("bob", "60300002", 2, 30)],
    );
    let input = Input {
        records: read_csv(&std::fs::read_to_string(&file).unwrap()).unwrap(),
        issues: Vec::new(),
    };
    let ui = Recorder::default();
    let mut journal = Journal::open(&fake.dir().join("j"), &endpoints).unwrap();
    let (checked, warnings) = check(&input, Some(&journal));
    assert!(warnings.is_empty());
    let secret = Zeroizing::new(cfg.client_secret.clone());
    let mut graph =
        Graph::connect(&endpoints, &http, Credential::ClientSecret(secret), &ui).unwrap();
    let report = push(
        &mut graph,
        &mut journal,
        &input,
        checked,
        &PushOptions::default(),
    );
    let notes = ui.notes.borrow().join("\n");
    assert_eq!(report.exit_code(), 0, "{report:?}\n{notes}");
    assert!(notes.contains("failed (timeout"), "{notes}");
    assert!(
        notes.contains("the answer to creating 2 token(s) was lost (502"),
        "{notes}"
    );
    assert_eq!(
        fake.count("PATCH", "/hardwareOathDevices", None),
        1,
        "{}",
        log_text(&fake)
    );
    assert_eq!(fake.devices().len(), 2);
    assert!(fake.devices().iter().all(|d| d.status == "activated"));
    assert_eq!(ui.tokens.borrow().len(), 2);
}
