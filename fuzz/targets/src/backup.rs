//! Aegis and 2FAS backup files: `import::backup::parse`.
//!
//! Input: the file's text (JSON).

use serde_json::Value;
use tokensmith_core::import::backup::{parse, Backup};
use tokensmith_core::import::ImportError;
use tokensmith_core::OtpAuth;

use crate::check;
use crate::otpauth::assert_same_account;

pub fn run(data: &[u8]) {
    let Some(text) = check::text(data) else {
        return;
    };
    let result = parse(text);
    let messages = messages(&result);
    for message in &messages {
        check::short_message("backup", message);
    }
    let Ok(json) = serde_json::from_str::<Value>(text.trim_start_matches('\u{feff}')) else {
        assert!(
            result.is_err(),
            "text that is not JSON was read as a backup"
        );
        return;
    };
    if let Ok(backup) = &result {
        check_entries(backup, &json);
    }
    let mut changed = json.clone();
    let mut material = Vec::new();
    check::rotate_json(&mut changed, &["secret"], &mut material);
    check::assert_no_echo("backup", &material, &messages, || {
        Some(self::messages(&parse(&changed.to_string())))
    });
}

fn messages(result: &Result<Backup, ImportError>) -> Vec<String> {
    match result {
        Ok(b) => b.skipped.clone(),
        Err(e) => vec![e.to_string()],
    }
}

/// Every entry of the file is either an account or skipped with a reason, and every account
/// renders as a link that reads back to it.
fn check_entries(backup: &Backup, json: &Value) {
    let entries = match backup.app {
        "Aegis" => &json["db"]["entries"],
        "2FAS" => &json["services"],
        other => panic!("unknown app {other}"),
    };
    let count = entries.as_array().map_or(0, Vec::len);
    assert_eq!(backup.accounts.len() + backup.skipped.len(), count);
    for account in &backup.accounts {
        account.params.validate().expect("valid parameters");
        let again = OtpAuth::parse(&account.to_uri()).expect("renders as a link");
        assert_same_account(account, &again, false);
    }
}
