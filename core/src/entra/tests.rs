use super::*;
use crate::secret::Secret;

const HELLO_B32: &str = "JBSWY3DPEHPK3PXP";
const RFC_B32: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

fn rec(upn: &str, serial: &str, secret: &[u8]) -> TokenRecord {
    TokenRecord {
        upn: upn.into(),
        serial: serial.into(),
        secret: Secret::from_bytes(secret.to_vec()).unwrap(),
        interval: 30,
        manufacturer: "Token2".into(),
        model: "C302-i".into(),
        algorithm: Algorithm::Sha1,
        profile: None,
        display_name: None,
    }
}

/// A distinct 20-byte secret per seed.
fn key(seed: u8) -> Vec<u8> {
    (0..20)
        .map(|i| seed.wrapping_mul(31).wrapping_add(i))
        .collect()
}

fn errors(records: &[TokenRecord], format: Format) -> Vec<Issue> {
    validate_for(records, format)
        .into_iter()
        .filter(|i| i.severity == Severity::Error)
        .collect()
}

fn single_error(records: &[TokenRecord], format: Format) -> Issue {
    let errs = errors(records, format);
    assert_eq!(errs.len(), 1, "{errs:#?}");
    errs.into_iter().next().unwrap()
}

fn two_records() -> Vec<TokenRecord> {
    let mut b = rec("bob@contoso.com", "0012345", b"12345678901234567890");
    b.interval = 60;
    b.manufacturer = "Contoso, Inc.".into();
    b.model = "Hardware \"Key\"".into();
    vec![
        rec("helga@contoso.com", "1234567", b"Hello!\xde\xad\xbe\xef"),
        b,
    ]
}

#[test]
fn exact_csv_bytes() {
    let csv = write_csv(&two_records()).unwrap();
    assert_eq!(
        csv.as_str(),
        "upn,serial number,secret key,time interval,manufacturer,model\r\n\
         helga@contoso.com,1234567,JBSWY3DPEHPK3PXP,30,Token2,C302-i\r\n\
         bob@contoso.com,0012345,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,60,\"Contoso, Inc.\",\"Hardware \"\"Key\"\"\"\r\n"
    );
    assert!(csv.starts_with(CSV_HEADER));
    assert_eq!(read_csv(&csv).unwrap(), two_records());
}

#[test]
fn reads_legacy_header_bom_lf_any_order() {
    let input = "\u{feff} Model ,MANUFACTURER,timeinterval,secret key,Serial Number,UPN\n\
                 C301-i,Token2,60,jbsw y3dp ehpk 3pxp,000123,helga@contoso.com\n\
                 \n\
                 C302-i , Token2 , 30 ,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ, 0042 ,bob@contoso.com\n";
    let recs = read_csv(input).unwrap();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0].serial, "000123");
    assert_eq!(recs[0].interval, 60);
    assert_eq!(recs[0].model, "C301-i");
    assert_eq!(recs[0].secret.to_base32().as_str(), HELLO_B32);
    assert_eq!(recs[1].serial, "0042");
    assert_eq!(recs[1].upn, "bob@contoso.com");
    assert_eq!(recs[1].manufacturer, "Token2");
    assert_eq!(recs[1].secret.to_base32().as_str(), RFC_B32);
    assert!(recs
        .iter()
        .all(|r| r.algorithm == Algorithm::Sha1 && r.profile.is_none()));

    // Token2's toolset output: legacy header, CRLF.
    let t2 = "upn,serial number,secret key,timeinterval,manufacturer,model\r\n\
              a@b.com,8659632001,JBSWY3DPEHPK3PXP,30,Token2,C302-i\r\n";
    assert_eq!(read_csv(t2).unwrap()[0].serial, "8659632001");
}

#[test]
fn read_errors_name_line_and_column() {
    let input = "upn,serial number,secret key,time interval,manufacturer,model\n\
                 a@b.com,1,JBSWY3DPEHPK3PXP,30,T,M\n\
                 \n\
                 c@d.com,2,JBSW1Y3D,30,T,M\n";
    let e = read_csv(input).unwrap_err();
    assert!(
        matches!(
            e,
            EntraError::Cell {
                line: 4,
                column: "secret key",
                ..
            }
        ),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(
        msg.starts_with("line 4, column 'secret key': invalid character '1' at position 5"),
        "{msg}"
    );

    let e = read_csv("upn,serial number,secret key,time interval,manufacturer,model\nx@y.com,1,JBSWY3DPEHPK3PXP,thirty,T,M\n")
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 2, column 'time interval': 'thirty' is not a number of seconds: use 30 or 60"
    );

    let e = read_csv("upn,serial number,secret key,time interval,manufacturer\nx@y.com,1,JBSWY3DPEHPK3PXP,30,T\n")
        .unwrap_err();
    assert_eq!(e, EntraError::MissingColumn("model"));
    assert!(e.to_string().contains("no 'model' column"));

    let e = read_csv("upn,serial number,secret key,time interval,manufacturer,model\nx@y.com,1,JBSWY3DPEHPK3PXP\n")
        .unwrap_err();
    assert!(
        matches!(
            e,
            EntraError::Cell {
                line: 2,
                column: "time interval",
                ..
            }
        ),
        "{e:?}"
    );

    assert_eq!(read_csv("").unwrap_err(), EntraError::EmptyFile);
    assert_eq!(read_csv("\u{feff}").unwrap_err(), EntraError::EmptyFile);
    assert_eq!(read_csv(CSV_HEADER).unwrap(), vec![]);
}

/// Found by the fuzz target's message-length invariant: the cell was repeated in full, and a
/// shifted row can put the secret there.
#[test]
fn a_long_interval_cell_is_described_not_repeated() {
    let cell = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ".repeat(20);
    let e = read_csv(&format!(
        "{CSV_HEADER}\nx@y.com,1,JBSWY3DPEHPK3PXP,{cell},T,M\n"
    ))
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 2, column 'time interval': the value (640 characters) is not a number of seconds: \
         use 30 or 60"
    );
    let e = read_csv(&format!(
        "{CSV_HEADER}\nx@y.com,1,JBSWY3DPEHPK3PXP,30 seconds,T,M\n"
    ))
    .unwrap_err();
    assert!(
        e.to_string().contains("'30 seconds' is not a number"),
        "{e}"
    );
}

/// Found by fuzzing: the Graph reader repeated a whole interval value, and validation whole
/// serials and UPNs (a 60 KB UPN made a 60 KB finding).
#[test]
fn graph_reader_and_validation_repeat_at_most_40_characters() {
    let long = "x".repeat(60_000);
    let json = format!(
        r#"[{{"serialNumber":"1","secretKey":"JBSWY3DPEHPK3PXP","timeIntervalInSeconds":"{long}"}}]"#
    );
    let err = read_graph_json(&json).unwrap_err().to_string();
    assert!(err.chars().count() < 200, "{err:.200}");
    let upn = format!("{long}@contoso.com");
    let records = [rec(&upn, &long, &key(1)), rec(&upn, &long, &key(1))];
    for format in [Format::Csv, Format::Graph] {
        for issue in validate_for(&records, format) {
            assert!(
                issue.message.chars().count() < 300,
                "{:.200}",
                issue.message
            );
        }
    }
    let many: Vec<TokenRecord> = (0..6).map(|i| rec(&upn, &i.to_string(), &key(i))).collect();
    let issues = validate_for(&many, Format::Graph);
    assert!(issues.iter().any(|i| i.kind == IssueKind::TooManyForUser));
    assert!(issues.iter().all(|i| i.message.chars().count() < 300));
}

#[test]
fn valid_records_have_no_issues() {
    assert_eq!(
        validate(&two_records())
            .iter()
            .filter(|i| i.severity == Severity::Error)
            .count(),
        0
    );
    let warnings = validate(&two_records());
    // The 10-byte key is below RFC 4226's minimum: a warning, not an error.
    assert_eq!(warnings.len(), 1);
    assert_eq!(
        (warnings[0].row, warnings[0].field, warnings[0].severity),
        (0, Field::Secret, Severity::Warning)
    );
}

#[test]
fn upn_rules() {
    for (upn, needle) in [
        ("bob at contoso.com", "contains a space"),
        ("bob", "has no '@'"),
        ("a@b@contoso.com", "more than one '@'"),
        ("@contoso.com", "nothing before the '@'"),
        ("bob@localhost", "no valid domain"),
        ("bob@contoso..com", "no valid domain"),
        ("bob@contoso.com.", "no valid domain"),
        ("bob_fabrikam.com#EXT#@contoso.onmicrosoft.com", "guest"),
        ("bob_fabrikam.com#ext#@contoso.onmicrosoft.com", "guest"),
        ("zoë_fabrikam.com#Ext#@contoso.onmicrosoft.com", "guest"),
        ("", "UPN is empty"),
    ] {
        let errs = errors(&[rec(upn, "1", &key(1))], Format::Csv);
        let e = errs.iter().find(|e| e.message.contains(needle)).expect(upn);
        assert_eq!((e.row, e.field), (0, Field::Upn), "{upn}");
        // '@' first is also a formula lead; nothing else may fire.
        assert_eq!(
            errs.len(),
            if upn.starts_with('@') { 2 } else { 1 },
            "{errs:?}"
        );
        assert!(e.message.starts_with("row 1: "), "{}", e.message);
        assert!(e.message.contains(needle), "{upn}: {}", e.message);
        if !upn.is_empty() {
            // Names the value, cut to what messages repeat of input.
            let shown = crate::echo::echo(upn);
            assert!(e.message.contains(&shown), "names the value: {}", e.message);
        }
    }
    // Graph uploads may leave a token unassigned.
    assert!(errors(&[rec("", "1", &key(1))], Format::Graph).is_empty());
}

#[test]
fn field_rules() {
    let mut r = rec("a@b.com", " ", &key(1));
    let e = single_error(&[r.clone()], Format::Csv);
    assert_eq!(e.field, Field::Serial);

    r.serial = "1".into();
    r.interval = 45;
    let e = single_error(&[r.clone()], Format::Csv);
    assert_eq!(e.field, Field::Interval);
    assert!(e.message.contains("45") && e.message.contains("30 or 60"));

    r.interval = 60;
    r.manufacturer = "".into();
    assert_eq!(
        single_error(&[r.clone()], Format::Csv).field,
        Field::Manufacturer
    );
    r.manufacturer = "Token2".into();
    r.model = "  ".into();
    assert_eq!(single_error(&[r.clone()], Format::Csv).field, Field::Model);
    r.model = "Molto2".into();
    r.profile = Some(100);
    assert_eq!(
        single_error(&[r.clone()], Format::Csv).field,
        Field::Profile
    );
    r.profile = Some(99);
    assert!(errors(&[r], Format::Csv).is_empty());
}

#[test]
fn secret_length_limit() {
    let ok = rec("a@b.com", "1", &[7; 80]); // exactly 128 base32 chars
    assert!(validate(&[ok]).is_empty());
    let long = rec("a@b.com", "1", &[7; 81]);
    let e = single_error(&[long], Format::Csv);
    assert_eq!(e.field, Field::Secret);
    assert!(e.message.contains("130 base32 characters") && e.message.contains("at most 128"));
}

#[test]
fn algorithm_rules() {
    let mut r = rec("a@b.com", "1", &key(1));
    r.algorithm = Algorithm::Sha256;
    let e = single_error(&[r.clone()], Format::Csv);
    assert_eq!(e.field, Field::Algorithm);
    assert!(e.message.contains("Graph"));
    assert!(errors(&[r.clone()], Format::Graph).is_empty());
    r.algorithm = Algorithm::Sha512;
    assert_eq!(
        single_error(&[r.clone()], Format::Csv).field,
        Field::Algorithm
    );
    assert_eq!(single_error(&[r], Format::Graph).field, Field::Algorithm);
}

#[test]
fn duplicate_serial_and_secret() {
    let recs = [
        rec("a@b.com", "123", &key(1)),
        rec("a@b.com", "123", &key(1)),
    ];
    let errs = errors(&recs, Format::Csv);
    let dup = errs
        .iter()
        .find(|i| i.field == Field::Secret)
        .expect("secret duplicate");
    assert_eq!(dup.row, 1);
    assert_eq!(
        dup.message,
        "row 2: serial '123' with the same secret is already in row 1: remove the duplicate"
    );
}

#[test]
fn reused_secret_on_another_serial_is_a_warning() {
    let recs = [rec("a@b.com", "1", &key(1)), rec("c@d.com", "2", &key(1))];
    assert!(errors(&recs, Format::Csv).is_empty());
    let issues = validate(&recs);
    assert_eq!(issues.len(), 1);
    assert_eq!(
        (issues[0].row, issues[0].field, issues[0].severity),
        (1, Field::Secret, Severity::Warning)
    );
    assert_eq!(
        issues[0].message,
        "row 2: the secret is the same as in row 1 (serial '1'): every token should have its own secret"
    );
}

#[test]
fn findings_carry_a_kind_and_a_shared_secret_can_be_raised_to_an_error() {
    let recs = [rec("a@b.com", "1", &key(1)), rec("c@d.com", "2", &key(1))];
    let issue = validate(&recs).remove(0);
    assert_eq!(
        issue.kind,
        IssueKind::SharedSecret {
            first: 0,
            serial: "1".into()
        }
    );
    let raised = issue.clone().as_error();
    assert_eq!(
        (
            raised.row,
            raised.field,
            raised.severity,
            raised.kind.clone()
        ),
        (1, Field::Secret, Severity::Error, issue.kind)
    );
    assert_eq!(
        raised.message,
        "row 2: the same secret is already used by row 1 (serial '1'): every token needs its own seed"
    );
    // Other findings keep their message.
    let dup = [rec("a@b.com", "1", &key(1)), rec("a@b.com", "1", &key(1))];
    let errs = errors(&dup, Format::Csv);
    let e = errs
        .iter()
        .find(|i| i.field == Field::Secret)
        .expect("a duplicate");
    assert_eq!(e.kind, IssueKind::DuplicateToken { first: 0 });
    assert_eq!(e.clone().as_error(), *e);
    assert!(errs
        .iter()
        .any(|i| i.kind == IssueKind::SerialRepeated { first: 0 }));
    let mut r = rec("a@b.com", "1", &key(1));
    r.interval = 45;
    assert!(matches!(
        single_error(&[r], Format::Csv).kind,
        IssueKind::Refused(crate::caps::Refusal::EntraPeriod { period: 45 })
    ));
}

#[test]
fn serial_sharing_rules() {
    // Two users, no profiles: one token cannot belong to both.
    let recs = [
        rec("a@b.com", "123", &key(1)),
        rec("c@d.com", "123", &key(2)),
    ];
    let e = single_error(&recs, Format::Csv);
    assert_eq!((e.row, e.field), (1, Field::Serial));
    assert!(
        e.message.contains("already assigned to 'a@b.com' in row 1"),
        "{}",
        e.message
    );

    // Same user twice without profiles.
    let recs = [
        rec("a@b.com", "123", &key(1)),
        rec("a@b.com", "123", &key(2)),
    ];
    assert_eq!(single_error(&recs, Format::Csv).field, Field::Serial);

    // Multi-profile token: distinct slots, different users, fine.
    let mut a = rec("a@b.com", "123", &key(1));
    let mut b = rec("c@d.com", "123", &key(2));
    a.profile = Some(0);
    b.profile = Some(1);
    assert!(errors(&[a.clone(), b.clone()], Format::Csv).is_empty());

    // Same slot twice.
    b.profile = Some(0);
    let e = single_error(&[a.clone(), b.clone()], Format::Csv);
    assert_eq!((e.row, e.field), (1, Field::Profile));
    assert!(e.message.contains("profile 0 is already used in row 1"));

    // A profiled row next to an unprofiled one.
    b.profile = None;
    assert_eq!(single_error(&[a, b], Format::Csv).field, Field::Serial);
}

#[test]
fn at_most_five_tokens_per_user() {
    let recs: Vec<_> = (0..7u8)
        .map(|i| rec("Many@Contoso.com", &format!("S{i}"), &key(i)))
        .collect();
    let mut recs = recs;
    recs[6].upn = "many@contoso.com".into(); // case-insensitive
    let errs = errors(&recs, Format::Csv);
    assert_eq!(
        errs.iter().map(|i| (i.row, i.field)).collect::<Vec<_>>(),
        vec![(5, Field::Upn), (6, Field::Upn)]
    );
    assert!(errs[0].message.contains("at most 5"), "{}", errs[0].message);
    assert!(errors(&recs[..5], Format::Csv).is_empty());
}

#[test]
fn formula_cells_are_rejected_not_altered() {
    let cases: [(Field, &str); 6] = [
        (Field::Manufacturer, "=HYPERLINK(\"http://x\")"),
        (Field::Model, "+1"),
        (Field::Serial, "-5"),
        (Field::DisplayName, "@SUM(A1)"),
        (Field::Manufacturer, "\tToken2"),
        (Field::Model, "\rX"),
    ];
    for (field, value) in cases {
        let mut r = rec("a@b.com", "1", &key(1));
        match field {
            Field::Manufacturer => r.manufacturer = value.into(),
            Field::Model => r.model = value.into(),
            Field::Serial => r.serial = value.into(),
            _ => r.display_name = Some(value.into()),
        }
        let e = single_error(&[r.clone()], Format::Graph);
        assert_eq!(e.field, field, "{value:?}");
        assert!(
            e.message
                .contains("would run as a formula in Excel; remove it"),
            "{}",
            e.message
        );
        let before = r.clone();
        assert!(matches!(
            graph_bulk_json(&[r.clone()]),
            Err(EntraError::Invalid(_))
        ));
        assert!(matches!(
            write_csv(&[r.clone()]),
            Err(EntraError::Invalid(_))
        ));
        assert_eq!(r, before);
    }
    let mut r = rec("a@b.com", "1", &key(1));
    r.manufacturer = "=cmd".into();
    assert_eq!(
        single_error(&[r], Format::Csv).message,
        "row 1: manufacturer starts with '=' and would run as a formula in Excel; remove it"
    );
    // UPNs starting with '@' get both the formula and the shape error.
    let errs = errors(&[rec("@x.com", "1", &key(1))], Format::Csv);
    assert_eq!(errs.len(), 2);
}

#[test]
fn messages_never_contain_secrets() {
    let mut recs = vec![
        rec("a@b.com", "123", &key(1)),
        rec("a@b.com", "123", &key(1)),
        rec("bad upn", "", &[9; 81]),
    ];
    recs[2].interval = 1;
    let issues = validate(&recs);
    assert!(issues.len() >= 4);
    for i in &issues {
        let s = recs[i.row].secret.to_base32();
        assert!(!i.message.contains(&s[..16]), "{}", i.message);
    }
    let e = write_csv(&recs).unwrap_err().to_string();
    assert!(e.contains("problem(s)") && !e.contains(&recs[0].secret.to_base32()[..16]));
}

#[test]
fn graph_bulk_structure() {
    let mut a = rec("helga@contoso.com", "0012345", b"12345678901234567890");
    a.display_name = Some("Helga's token".into());
    let mut b = rec("", "0099", b"Hello!\xde\xad\xbe\xef");
    b.algorithm = Algorithm::Sha256;
    b.interval = 60;
    let json = graph_bulk_json(&[a, b]).unwrap();
    assert!(
        json.contains("\n  \"value\""),
        "pretty printed: {}",
        json.as_str()
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["@context"], "#$delta");
    let items = v["value"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[0],
        serde_json::json!({
            "@contentId": "1",
            "serialNumber": "0012345",
            "manufacturer": "Token2",
            "model": "C302-i",
            "secretKey": RFC_B32,
            "timeIntervalInSeconds": 30,
            "hashFunction": "hmacsha1",
            "displayName": "Helga's token",
            "assignTo": { "id": "helga@contoso.com" }
        })
    );
    assert_eq!(items[1]["@contentId"], "2");
    assert_eq!(items[1]["hashFunction"], "hmacsha256");
    assert_eq!(items[1]["timeIntervalInSeconds"], 60);
    assert_eq!(items[1]["secretKey"], HELLO_B32);
    let obj = items[1].as_object().unwrap();
    assert!(!obj.contains_key("displayName") && !obj.contains_key("assignTo"));

    let mut c = rec("x@y.com", "1", &key(3));
    c.algorithm = Algorithm::Sha512;
    match graph_bulk_json(&[c]) {
        Err(EntraError::Invalid(issues)) => assert_eq!(issues[0].field, Field::Algorithm),
        other => panic!("{other:?}"),
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod props {
    use super::*;
    use proptest::prelude::*;

    fn record() -> impl Strategy<Value = (String, String, String, Vec<u8>, bool, String, String)> {
        (
            "[a-z][a-z0-9._]{0,10}",
            "[a-z]{1,10}\\.(com|org|de)",
            "0{0,3}[0-9]{1,10}",
            proptest::collection::vec(any::<u8>(), 16..=80),
            any::<bool>(),
            "[A-Za-z0-9]([A-Za-z0-9 ,\"'.-]{0,14}[A-Za-z0-9])?",
            "[A-Za-z0-9]([A-Za-z0-9 ,\"'.\n-]{0,14}[A-Za-z0-9])?",
        )
    }

    proptest! {
        #[test]
        fn csv_round_trip(raw in proptest::collection::vec(record(), 1..8)) {
            let records: Vec<TokenRecord> = raw
                .into_iter()
                .enumerate()
                .map(|(i, (local, domain, serial, secret, sixty, manufacturer, model))| TokenRecord {
                    upn: format!("{local}{i}@{domain}"),
                    serial: format!("{i}{serial}"),
                    secret: Secret::from_bytes(secret).unwrap(),
                    interval: if sixty { 60 } else { 30 },
                    manufacturer,
                    model,
                    algorithm: Algorithm::Sha1,
                    profile: None,
                    display_name: None,
                })
                .collect();
            let csv = write_csv(&records).unwrap();
            prop_assert_eq!(read_csv(&csv).unwrap(), records);
        }
    }
}

#[test]
fn graph_json_reads_back_what_it_writes_and_token2_style_bodies() {
    let mut a = rec("alice@contoso.com", "8659632000001", &key(1));
    a.algorithm = Algorithm::Sha256;
    a.display_name = Some("Alice's card".into());
    let b = rec("", "8659632000002", &key(2));
    let json = graph_bulk_json(&[a.clone(), b.clone()]).unwrap();
    assert_eq!(read_graph_json(&json).unwrap(), vec![a, b]);
    // Token2's toolset: strings for numbers, no user, upper-case hash name.
    let token2 = format!(
        r#"[{{"serialNumber":"60234567","manufacturer":"Token2","model":"TOTPSHA1","secretKey":"{HELLO_B32}","timeIntervalInSeconds":"30","hashFunction":"hmacsha1"}}]"#
    );
    let r = read_graph_json(&token2).unwrap();
    assert_eq!(
        (r[0].interval, r[0].upn.as_str(), r[0].algorithm),
        (30, "", Algorithm::Sha1)
    );
    let bad = format!(
        r#"{{"value":[{{"serialNumber":"1","secretKey":"{HELLO_B32}","timeIntervalInSeconds":30}},{{"serialNumber":"2","secretKey":"not base32!","timeIntervalInSeconds":30}}]}}"#
    );
    let e = read_graph_json(&bad).unwrap_err();
    assert!(e.to_string().starts_with("token 2, 'secretKey': "), "{e}");
    assert!(
        !e.to_string().contains("not base32!"),
        "the secret must not be echoed: {e}"
    );
    assert!(read_graph_json("{\"@context\":\"#$delta\"}").is_err());
}

/// The seed index finds, for each row, the same earlier row a search of every earlier row
/// finds: the first with this seed and another serial (blank serials included).
#[test]
fn a_shared_seed_names_the_first_earlier_row_with_another_serial() {
    let recs: Vec<TokenRecord> = (0..300u32)
        .map(|i| {
            let x = i.wrapping_mul(2_654_435_761);
            let serial = match (x >> 7) % 150 {
                0..=9 => String::new(),
                n => format!("{n} "),
            };
            rec(&format!("u{i}@b.com"), &serial, &key((x >> 13) as u8 % 40))
        })
        .collect();
    let found: Vec<(usize, usize)> = validate(&recs)
        .into_iter()
        .filter_map(|i| match i.kind {
            IssueKind::SharedSecret { first, .. } => Some((i.row, first)),
            _ => None,
        })
        .collect();
    let expected: Vec<(usize, usize)> = recs
        .iter()
        .enumerate()
        .filter_map(|(j, r)| {
            let serial = r.serial.trim();
            let earlier_same_serial = recs[..j].iter().any(|e| e.serial.trim() == serial);
            if serial.is_empty() || earlier_same_serial {
                return None;
            }
            recs[..j]
                .iter()
                .position(|e| e.secret == r.secret && e.serial.trim() != serial)
                .map(|k| (j, k))
        })
        .collect();
    assert!(expected.len() >= 3, "the sample has shared seeds");
    assert_eq!(found, expected);
}

#[test]
fn records_checked_in_place_give_the_same_issues() {
    // Problems of every kind, and rows that depend on earlier ones.
    let mut list = vec![
        rec("a@contoso.com", "1", &key(1)),
        rec("A@contoso.com", "1", &key(1)),
        rec("b@contoso.com", "1", &key(2)),
        rec("bad upn", "2", &key(1)),
        rec("=x@contoso.com", "", &[7; 10]),
        rec("c@contoso.com", "3", &[9; 81]),
    ];
    list[2].profile = Some(120);
    for format in [Format::Csv, Format::Graph] {
        let refs: Vec<&TokenRecord> = list.iter().collect();
        let issues = validate_refs(&refs, format);
        assert!(issues.len() > 6, "{issues:#?}");
        assert_eq!(issues, validate_for(&list, format));
    }
}
