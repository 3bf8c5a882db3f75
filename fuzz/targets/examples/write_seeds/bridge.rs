//! Seeds of the bridge's targets: API request bodies, whole HTTP requests, results files,
//! UPN maps and burn journals.

use serde_json::json;
use tokensmith_burn_journal::{
    parse_bytes, Aborted, BatchEnded, BatchId, BatchRef, BatchSlot, BatchStart, BatchUser, Event,
    Intent, Kind, Method, Params, Record, Target, TokenId, UserSkipped, VerificationFailed,
    Verified, Write, Written,
};
use tokensmith_core::otp::Algorithm;
use tokensmith_core::secret::Secret;
use tokensmith_fuzz_targets::api_requests;
use tokensmith_fuzz_targets::burn_journal_sealed::MAX_LINES;
use tokensmith_fuzz_targets::input::Builder;
use tokensmith_fuzz_targets::server::{headers, METHODS, PATHS};

use crate::Seeds;

pub fn api_requests() -> Seeds {
    [
        ("target-empty", "Target", "{}"),
        ("target-reader-kind", "Target", r#"{"reader":"ACR","kind":"molto2"}"#),
        ("target-reader-number", "Target", r#"{"reader":1}"#),
        ("burn-full", "BurnRequest", r#"{"reader":"ACR","kind":"token2","secret":"JBSWY3DPEHPK3PXP","algorithm":"sha-256","digits":8,"period":60,"display_timeout":60,"profile":3,"title":"GitHub","account":"alice","issuer":"Example","touch":true,"force_unknown_model":true,"upn":"a@contoso.com","customer_key":"TOKEN2MOLTO1-KEY","password":"hunter22"}"#),
        ("burn-minimal", "BurnRequest", r#"{"secret":"JBSWY3DPEHPK3PXP"}"#),
        ("burn-misspelled", "BurnRequest", r#"{"secret":"A","algoritm":"SHA256"}"#),
        ("burn-capitalized", "BurnRequest", r#"{"secret":"A","Period":60}"#),
        ("burn-duplicate", "BurnRequest", r#"{"secret":"A","secret":"B"}"#),
        ("burn-md5", "BurnRequest", r#"{"secret":"A","algorithm":"MD5"}"#),
        ("burn-no-secret", "BurnRequest", r#"{"digits":6}"#),
        ("burn-nulls", "BurnRequest", r#"{"secret":"A","digits":null,"algorithm":null,"touch":false}"#),
        ("sync", "SyncRequest", r#"{"confirm_clear_seed":true,"period":60,"algorithm":"SHA1","display_timeout":30}"#),
        ("title", "ProfileTitleRequest", r#"{"profile":3,"title":"Bank","customer_key":"00112233445566778899aabbccddeeff"}"#),
        ("delete-profile", "ProfileDeleteRequest", r#"{"profile":99}"#),
        ("oath-list", "OathListRequest", r#"{"password":"x"}"#),
        ("oath-name", "OathNameRequest", r#"{"name":"Example:alice","kind":"oath"}"#),
        ("oath-name-bad-kind", "OathNameRequest", r#"{"name":"x","kind":"fido"}"#),
        ("batch-start-full", "BatchStart", r#"{"users":"upn,serial\na@contoso.com,60300001\n","format":"csv","token_model":"c302-i","algorithm":"SHA1","digits":6,"period":30,"display_timeout":60,"readers":["ACR 0"],"simulate_readers":2,"overwrite":false,"auto_accept":true,"resume":false,"results_file":"/tmp/j","passphrase":"correct horse battery","plaintext_results":false,"customer_key":"k","password":"p"}"#),
        ("batch-start-minimal", "BatchStart", r#"{"users":"a@contoso.com","token_model":"molto2v2"}"#),
        ("batch-start-misspelled", "BatchStart", r#"{"users":"a@contoso.com","token_model":"c302-i","auto_acept":true}"#),
        ("batch-control-skip", "BatchControl", r#"{"action":"skip","position":3}"#),
        ("batch-control-swap", "BatchControl", r#"{"action":"swap_token","reader":"Simulated reader 1"}"#),
        ("batch-answer", "BatchAnswer", r#"{"position":1,"matches":true}"#),
    ]
    .into_iter()
    .map(|(name, request, body)| (name, api_requests::encode(request, body)))
    .collect()
}

fn pick<T: PartialEq>(list: &[T], item: T) -> u8 {
    list.iter().position(|x| *x == item).expect("listed") as u8
}

/// A request: method, path, header flags, the header values of the input's own, the body.
fn request(method: &str, path: &str, flags: u8, own: &[&str], body: &str) -> Vec<u8> {
    let path_byte = PATHS
        .iter()
        .position(|p| *p == path)
        .map_or(PATHS.len() as u8, |i| i as u8);
    let mut b = Builder::new()
        .byte(pick(&METHODS, method))
        .byte(path_byte)
        .byte(flags);
    if !PATHS.contains(&path) {
        b = b.chunk(path.as_bytes());
    }
    for value in own {
        b = b.chunk(value.as_bytes());
    }
    b.rest(body.as_bytes()).build()
}

pub fn server() -> Seeds {
    use headers::*;
    let ok = HOST_RIGHT | PAIRING_RIGHT | JSON;
    let burn = r#"{"reader":"Token2","secret":"JBSWY3DPEHPK3PXP","upn":"a@contoso.com"}"#;
    vec![
        ("health", request("GET", "/api/health", ok, &[], "")),
        ("readers", request("GET", "/api/readers", ok, &[], "")),
        (
            "info",
            request("POST", "/api/info", ok, &[], r#"{"reader":"Token2"}"#),
        ),
        ("burn-token2", request("POST", "/api/burn", ok, &[], burn)),
        (
            "burn-molto2",
            request(
                "POST",
                "/api/burn",
                ok,
                &[],
                r#"{"reader":"Molto2","secret":"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ","profile":4,"title":"Bank","digits":8}"#,
            ),
        ),
        (
            "burn-bad-secret",
            request(
                "POST",
                "/api/burn",
                ok,
                &[],
                r#"{"reader":"Token2","secret":"JBSWY3DPEHPK3PX1JBSWY3DP"}"#,
            ),
        ),
        (
            "burn-misspelled",
            request(
                "POST",
                "/api/burn",
                ok,
                &[],
                r#"{"secret":"JBSWY3DPEHPK3PXP","algoritm":"SHA256"}"#,
            ),
        ),
        (
            "burn-secret-as-number",
            request("POST", "/api/burn", ok, &[], r#"{"secret":1234567890123}"#),
        ),
        (
            "sync",
            request(
                "POST",
                "/api/sync",
                ok,
                &[],
                r#"{"reader":"Token2","confirm_clear_seed":true}"#,
            ),
        ),
        (
            "profiles",
            request("POST", "/api/profiles", ok, &[], r#"{"reader":"Molto2"}"#),
        ),
        (
            "title",
            request(
                "POST",
                "/api/profiles/title",
                ok,
                &[],
                r#"{"reader":"Molto2","profile":1,"title":"T","customer_key":"TOKEN2MOLTO1-KEY"}"#,
            ),
        ),
        (
            "delete-profile",
            request(
                "POST",
                "/api/profiles/delete",
                ok,
                &[],
                r#"{"reader":"Molto2","profile":0}"#,
            ),
        ),
        (
            "oath-put",
            request(
                "POST",
                "/api/oath/put",
                ok,
                &[],
                r#"{"reader":"OATH","secret":"JBSWY3DPEHPK3PXP","account":"alice","issuer":"Example"}"#,
            ),
        ),
        (
            "oath-list",
            request("POST", "/api/oath/list", ok, &[], r#"{"reader":"OATH"}"#),
        ),
        (
            "oath-code",
            request(
                "POST",
                "/api/oath/code",
                ok,
                &[],
                r#"{"reader":"OATH","name":"Example:alice"}"#,
            ),
        ),
        (
            "oath-delete",
            request(
                "POST",
                "/api/oath/delete",
                ok,
                &[],
                r#"{"reader":"OATH","name":"Example:alice"}"#,
            ),
        ),
        (
            "no-pairing",
            request("POST", "/api/burn", HOST_RIGHT | JSON, &[], burn),
        ),
        (
            "wrong-pairing",
            request("POST", "/api/burn", HOST_RIGHT | PAIRING_WRONG, &[], burn),
        ),
        (
            "wrong-host",
            request("GET", "/api/health", HOST_WRONG | PAIRING_RIGHT, &[], ""),
        ),
        (
            "no-host",
            request("GET", "/api/health", PAIRING_RIGHT, &[], ""),
        ),
        (
            "ipv6-host-foreign-origin",
            request(
                "POST",
                "/api/burn",
                HOST_OWN | ORIGIN_WRONG | PAIRING_RIGHT,
                &["[::1]:8733"],
                burn,
            ),
        ),
        (
            "preflight-allowed-origin",
            request(
                "OPTIONS",
                "/api/burn",
                HOST_RIGHT | ORIGIN_OWN,
                &["https://intranet.example"],
                "",
            ),
        ),
        (
            "null-origin",
            request("POST", "/api/info", ok | ORIGIN_OWN, &["null"], "{}"),
        ),
        (
            "huge-content-length",
            request("POST", "/api/burn", ok | LENGTH_OWN, &["999999"], burn),
        ),
        ("own-path", request("GET", "/api//health?x", ok, &[], "")),
        (
            "unknown-api",
            request("POST", "/api/nothing", ok, &[], "{}"),
        ),
        (
            "page",
            request("GET", "/", HOST_RIGHT | ORIGIN_RIGHT, &[], ""),
        ),
        ("head", request("HEAD", "/api/health", ok, &[], "")),
        ("put", request("PUT", "/api/burn", ok, &[], burn)),
        (
            "query-secret",
            request("POST", "/api/burn?secret=JBSWY3DPEHPK3PXP", ok, &[], "{}"),
        ),
        (
            "not-json",
            request("POST", "/api/burn", ok, &[], "{\"secret\": "),
        ),
    ]
}

const RESULTS_HEADER: &str = tokensmith_burn_journal::LEGACY_RESULTS_HEADER;
const ROW_TOKEN2: &str = "1767225600,token2,8659632000001,C302-i,,,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,SHA1,6,30,30,alice@contoso.com,Token2";
const ROW_MOLTO2: &str =
    "1767225601,molto2,MOLTO2SEED01,Molto2v2,4,Bank,JBSWY3DPEHPK3PXP,SHA256,8,60,30,,Token2";
const ROW_OATH: &str = "1767225602,oath,5a5a5a5a5a5a5a5a,OATH applet 5.4.3,,Example:alice,JBSWY3DPEHPK3PXP,SHA1,6,30,,bob@contoso.com,OATH";
const ROW_REBURN: &str = "1767225700,token2,8659632000001,C302-i,,,MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U,SHA1,6,30,30,,Token2";

fn results_file(rows: &[&str]) -> String {
    let mut text = format!("{RESULTS_HEADER}\r\n");
    for r in rows {
        text.push_str(r);
        text.push_str("\r\n");
    }
    text
}

/// The good row with one cell replaced.
fn damaged(column: usize, value: &str) -> String {
    let mut cells: Vec<&str> = ROW_TOKEN2.split(',').collect();
    cells[column] = value;
    results_file(&[ROW_MOLTO2, &cells.join(",")])
}

pub fn results() -> Seeds {
    vec![
        (
            "three-kinds-reburn",
            results_file(&[ROW_TOKEN2, ROW_MOLTO2, ROW_OATH, ROW_REBURN]),
        ),
        ("header-only", results_file(&[])),
        ("journal-three-tokens", three_tokens()),
        ("journal-batch", batch()),
        ("algorithm-damaged", damaged(7, "SHA2X6")),
        ("digits-99", damaged(8, "99")),
        ("period-0", damaged(9, "0")),
        ("serial-nul", damaged(2, "86596\u{0}32")),
        ("kind-unknown", damaged(1, "fido")),
        ("secret-not-base32", damaged(6, "not base32!")),
        (
            "torn-row",
            format!("{}1767225600,token2,86", results_file(&[ROW_OATH])),
        ),
        (
            "other-header",
            "burned_at,kind,serial\n1,token2,2\n".to_string(),
        ),
        (
            "quoted-lf",
            results_file(&[&ROW_MOLTO2.replace("Bank", "\"Ba\nnk\"")]),
        ),
    ]
    .into_iter()
    .map(|(name, text)| (name, text.into_bytes()))
    .collect()
}

pub fn upn_map() -> Seeds {
    [
        ("serial-upn", "serial,upn\n8659632000001,alice@contoso.com\n"),
        (
            "any-order-profiles",
            "UPN , Profile , Serial\nbob@contoso.com, 4 ,MOLTO2SEED01\ncarol@contoso.com,,MOLTO2SEED01\n",
        ),
        ("missing-upn-column", "serial\n8659632000001\n"),
        ("bad-profile", "serial,upn,profile\n1,a@b.c,300\n"),
        ("ragged", "serial,upn\n1,a@b.c,extra\n"),
        ("empty", ""),
    ]
    .into_iter()
    .map(|(name, text)| (name, text.as_bytes().to_vec()))
    .collect()
}

fn seed(n: u8) -> Secret {
    Secret::from_bytes(vec![0xA0 ^ n; 20]).expect("a seed")
}

fn intent(kind: Kind, serial: &str, n: u8) -> Intent {
    let (writes, title, credential, profile) = match kind {
        Kind::Token2 => (vec![Write::Config, Write::Seed], None, None, None),
        Kind::Molto2 => (
            vec![Write::Config, Write::Seed, Write::Title],
            Some("Bank".to_string()),
            None,
            Some(4),
        ),
        Kind::Oath => (
            vec![Write::Credential],
            None,
            Some("Example:alice".to_string()),
            None,
        ),
    };
    Intent {
        target: Target {
            kind,
            reader: Some("Simulated reader 0".into()),
            serial: serial.into(),
            model: "C302-i".into(),
            manufacturer: None,
            profile,
            credential,
        },
        seed: seed(n),
        params: Params {
            algorithm: Algorithm::Sha1,
            digits: 6,
            period: 30,
            display_timeout: Some(30),
            hotp_counter: None,
        },
        writes,
        config_erases_seed: kind == Kind::Token2,
        title,
        touch: false,
        upn: Some(format!("user{n}@contoso.com")),
        display_name: None,
        batch: None,
    }
}

const JOURNAL_HEADER: &str = r#"{"format":"tokensmith-burn-journal","version":1,"created_at":1767225600,"journal":"0123456789abcdef0123456789abcdef","protection":"plaintext"}"#;

fn journal(events: Vec<Event>) -> String {
    let mut text = format!("{JOURNAL_HEADER}\n");
    for (i, event) in events.into_iter().enumerate() {
        let record = Record {
            seq: i as u64 + 1,
            at: 1_767_225_600 + i as i64,
            event,
        };
        text.push_str(&serde_json::to_string(&record).expect("serializes"));
        text.push('\n');
    }
    text
}

fn written(token: u64, write: Write) -> Event {
    Event::Written(Written {
        token: TokenId(token),
        write,
    })
}

fn three_tokens() -> String {
    journal(vec![
        Event::Intent(intent(Kind::Token2, "8659632000001", 1)),
        written(1, Write::Config),
        written(1, Write::Seed),
        Event::Verified(Verified {
            token: TokenId(1),
            method: Method::ComparedByAdmin,
            code: Some("287082".into()),
            drift_steps: Some(0),
        }),
        Event::Intent(intent(Kind::Molto2, "MOLTO2SEED01", 2)),
        written(5, Write::Config),
        Event::Aborted(Aborted {
            token: TokenId(5),
            reason: "the card was removed".into(),
            in_flight: Some(Write::Seed),
        }),
        Event::Intent(intent(Kind::Oath, "5a5a5a5a5a5a5a5a", 3)),
        written(8, Write::Credential),
        Event::VerificationFailed(VerificationFailed {
            token: TokenId(8),
            reason: "the device computed another code".into(),
            code_shown: Some("000000".into()),
        }),
        Event::Intent(intent(Kind::Token2, "8659632000002", 4)),
    ])
}

fn batch() -> String {
    let id = BatchId("00112233aabbccdd".into());
    let mut first = intent(Kind::Token2, "8659632000010", 5);
    first.upn = Some("a@contoso.com".into());
    first.batch = Some(BatchSlot {
        batch: id.clone(),
        position: 0,
    });
    journal(vec![
        Event::BatchStarted(BatchStart {
            batch: id.clone(),
            source: Some("users.csv".into()),
            kind: Some(Kind::Token2),
            model: Some("C302-i".into()),
            params: first.params,
            users: ["a@contoso.com", "b@contoso.com", "c@contoso.com"]
                .map(|upn| BatchUser {
                    upn: upn.into(),
                    display_name: None,
                    serial: None,
                    profile: None,
                    model: None,
                })
                .to_vec(),
        }),
        Event::Intent(first),
        written(2, Write::Config),
        written(2, Write::Seed),
        Event::UserSkipped(UserSkipped {
            batch: id.clone(),
            position: 1,
            reason: "no token at hand".into(),
        }),
        Event::BatchEnded(BatchEnded {
            batch: id.clone(),
            stopped: Some("Ctrl-C".into()),
        }),
        Event::BatchResumed(BatchRef { batch: id }),
    ])
}

pub fn burn_journal() -> Seeds {
    let three = three_tokens();
    let batch = batch();
    for good in [&three, &batch] {
        parse_bytes(good.as_bytes()).expect("the seed journals read");
    }
    let lines: Vec<&str> = three.lines().collect();
    let newer = json!({"format": "tokensmith-burn-journal", "version": 2}).to_string() + "\n";
    vec![
        ("three-tokens", three.clone().into_bytes()),
        ("batch", batch.into_bytes()),
        (
            "torn-tail",
            format!("{}{{\"seq\":12,\"at\"", three).into_bytes(),
        ),
        (
            "seq-gap",
            format!("{}\n{}\n", lines[..2].join("\n"), lines[3]).into_bytes(),
        ),
        (
            "empty-line",
            format!("{}\n\n{}\n", lines[0], lines[1]).into_bytes(),
        ),
        ("newer-version", newer.into_bytes()),
        (
            "encrypted-header-no-passphrase",
            format!(
                "{}\nYWdlLWVuY3J5cHRpb24=\n",
                JOURNAL_HEADER.replace("\"plaintext\"", "\"age-passphrase\",\"identity\":\"eA==\"")
            )
            .into_bytes(),
        ),
        (
            "legacy-results",
            results_file(&[ROW_TOKEN2, ROW_MOLTO2, ROW_OATH, ROW_REBURN]).into_bytes(),
        ),
        ("not-a-journal", b"hello\n".to_vec()),
    ]
}

/// Plain lines the `burn_journal_sealed` target encrypts (the first stands for the header).
pub fn burn_journal_sealed() -> Seeds {
    let three = three_tokens();
    let lines: Vec<&str> = three.lines().collect();
    let first = |n: usize| lines[..n.min(lines.len())].join("\n") + "\n";
    vec![
        ("first-token", first(1 + MAX_LINES).into_bytes()),
        (
            "damaged-line",
            format!("{}\n!bm90IGFnZQ==\n", lines[..3].join("\n")).into_bytes(),
        ),
        ("header-only", first(1).into_bytes()),
        (
            "empty-line",
            format!("{}\n\n{}\n", lines[0], lines[1]).into_bytes(),
        ),
    ]
}
