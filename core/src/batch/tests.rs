use super::*;
use crate::otp::Algorithm;

fn upns(l: &UserList) -> Vec<&str> {
    l.users.iter().map(|u| u.upn.as_str()).collect()
}

fn kinds(l: &UserList) -> Vec<(usize, IssueKind)> {
    l.issues.iter().map(|i| (i.line, i.kind.clone())).collect()
}

#[test]
fn plain_list_of_upns() {
    let l = read_users("\u{feff}alice@contoso.com\r\n\n# the night shift\nbob@contoso.com\n");
    assert_eq!(l.format, ListFormat::UpnList);
    assert_eq!(upns(&l), ["alice@contoso.com", "bob@contoso.com"]);
    assert_eq!(l.users[1].line, 4);
    assert!(l.issues.is_empty(), "{:?}", l.issues);
}

#[test]
fn plain_list_findings_name_their_line() {
    let l = read_users("alice@contoso.com\nbob\nALICE@contoso.com\ncarol@contoso.com\n");
    assert_eq!(
        kinds(&l),
        [
            (2, IssueKind::Upn),
            (3, IssueKind::Duplicate { first_line: 1 })
        ]
    );
    assert!(l.has_errors());
    assert_eq!(
        l.issues[0].to_string(),
        "line 2: error: UPN 'bob' has no '@': use name@domain.tld"
    );
    assert!(
        l.issues[1].message.contains("already on line 1"),
        "{}",
        l.issues[1]
    );
}

#[test]
fn csv_with_optional_columns() {
    let text = "UPN,Display name,Serial,Profile,Model\n\
                alice@contoso.com,Alice Liddell,GALT11420104,,c302-i\n\
                bob@contoso.com,\"Bob, Jr.\",,7,\n";
    let l = read_users(text);
    assert_eq!(l.format, ListFormat::Csv);
    assert!(l.issues.is_empty(), "{:?}", l.issues);
    assert_eq!(
        l.users[0],
        BatchUser {
            upn: "alice@contoso.com".into(),
            display_name: Some("Alice Liddell".into()),
            serial: Some("GALT11420104".into()),
            profile: None,
            model: Some(Model::C302),
            line: 2,
        }
    );
    assert_eq!(l.users[1].display_name.as_deref(), Some("Bob, Jr."));
    assert_eq!(l.users[1].profile, Some(7));
    // Semicolons (a spreadsheet in a comma-decimal locale) and a bare "upn" header.
    let l = read_users("upn;name\nalice@contoso.com;Alice\n");
    assert_eq!(upns(&l), ["alice@contoso.com"]);
    let l = read_users("upn\nalice@contoso.com\n");
    assert_eq!(
        (l.format, upns(&l)),
        (ListFormat::Csv, vec!["alice@contoso.com"])
    );
}

#[test]
fn csv_errors_say_what_and_where() {
    let l = read_users("name,mail address\nAlice,alice@contoso.com\n");
    assert_eq!(kinds(&l), [(1, IssueKind::Format)]);
    assert!(
        l.issues[0].message.contains("no UPN column"),
        "{}",
        l.issues[0]
    );
    let l = read_users("upn,profile,model\na@contoso.com,seven,\nb@contoso.com,,C999\n");
    assert_eq!(kinds(&l), [(2, IssueKind::Profile), (3, IssueKind::Model)]);
    assert!(
        l.issues[1].message.contains("unknown model 'C999'"),
        "{}",
        l.issues[1]
    );
    let l = read_users("\n\n# nothing\n");
    assert_eq!(kinds(&l), [(0, IssueKind::Empty)]);
}

#[test]
fn entra_users_export() {
    // Columns as Entra's "Download users" writes them (users-bulk-download).
    let text = "version:v1.0\n\
        userPrincipalName,displayName,surname,mail,givenName,objectId,userType,jobTitle,department,accountEnabled\n\
        alice@contoso.com,Alice Liddell,Liddell,alice@contoso.com,Alice,1,Member,,IT,True\n\
        bob_fabrikam.com#EXT#@contoso.onmicrosoft.com,Bob,,,,2,Guest,,,True\n\
        carol@contoso.com,Carol,,,,3,Member,,,False\n";
    let l = read_users(text);
    assert_eq!(l.format, ListFormat::EntraExport);
    assert_eq!(l.users.len(), 3);
    assert_eq!(l.users[0].display_name.as_deref(), Some("Alice Liddell"));
    let k = kinds(&l);
    assert!(k.contains(&(4, IssueKind::Account)), "{k:?}");
    assert!(k.contains(&(4, IssueKind::Upn)), "{k:?}");
    let disabled = l.issues.iter().find(|i| i.line == 5).unwrap();
    assert_eq!(disabled.severity, Severity::Warning);
}

#[test]
fn two_tokens_for_a_user_need_distinct_lines_and_at_most_five() {
    let text = "upn,serial\n\
        a@contoso.com,S1\na@contoso.com,S2\na@contoso.com,S3\n\
        a@contoso.com,S4\na@contoso.com,S5\na@contoso.com,S6\nb@contoso.com,S1\n";
    let l = read_users(text);
    assert_eq!(
        kinds(&l),
        [
            (
                7,
                IssueKind::TooManyTokens {
                    upn: "a@contoso.com".into(),
                    count: 6
                }
            ),
            (8, IssueKind::SerialTwice { first_line: 2 }),
        ]
    );
    // Tokens already recorded count too.
    let recorded = HashMap::from([("b@contoso.com".to_string(), 5)]);
    let users = read_users("B@contoso.com\n").users;
    let issues = check_users(&users, &recorded);
    assert!(
        matches!(issues[0].kind, IssueKind::TooManyTokens { count: 6, .. }),
        "{issues:?}"
    );
}

#[test]
fn params_are_checked_against_model_and_entra() {
    let p = BatchParams {
        model: Model::C302,
        otp: OtpParams::default(),
        display_timeout: None,
    };
    assert_eq!(check_params(&p, Format::Csv), Ok(()));
    let sha256 = BatchParams {
        otp: OtpParams {
            algorithm: Algorithm::Sha256,
            ..OtpParams::default()
        },
        ..p
    };
    // Graph takes SHA-256, the CSV does not.
    assert_eq!(check_params(&sha256, Format::Graph), Ok(()));
    let r = check_params(&sha256, Format::Csv).unwrap_err();
    assert_eq!(
        r,
        [Refusal::EntraAlgorithm {
            algorithm: Algorithm::Sha256
        }]
    );
    let eight = BatchParams {
        otp: OtpParams {
            digits: 8,
            ..OtpParams::default()
        },
        ..p
    };
    let r = check_params(&eight, Format::Graph).unwrap_err();
    assert!(r.contains(&Refusal::EntraDigits { digits: 8 }), "{r:?}");
}

#[test]
fn users_checked_against_the_batch_model() {
    let l = read_users(
        "upn,profile,model\na@contoso.com,3,molto2v2\nb@contoso.com,120,\nc@contoso.com,,c302-i\n",
    );
    let p = BatchParams {
        model: Model::Molto2v2,
        otp: OtpParams::default(),
        display_timeout: None,
    };
    let issues = check_against(&l.users, &p);
    let at: Vec<(usize, IssueKind)> = issues.iter().map(|i| (i.line, i.kind.clone())).collect();
    assert_eq!(at, [(3, IssueKind::Profile), (4, IssueKind::Model)]);
    let single = BatchParams {
        model: Model::C302,
        ..p
    };
    let issues = check_against(&l.users[..1], &single);
    assert!(
        issues.iter().any(|i| i.message.contains("has no profiles")),
        "{issues:?}"
    );
}

#[test]
fn molto2_fills_consecutive_free_profiles() {
    let l = read_users("upn,profile\na@c.com,\nb@c.com,5\nc@c.com,\nd@c.com,\ne@c.com,9\n");
    let pending: Vec<usize> = (0..5).collect();
    // Profiles 0 and 2 hold seeds; 5 is b's own.
    let free = [1, 3, 4, 5, 6];
    assert_eq!(
        assign_profiles(&l.users, &pending, &free),
        [(0, 1), (1, 5), (2, 3), (3, 4)]
    );
    // e's profile 9 is not free on this token: e waits for the next one.
    assert_eq!(assign_profiles(&l.users, &[4], &free), []);
    assert_eq!(assign_profiles(&l.users, &[0, 2], &[]), []);
}
