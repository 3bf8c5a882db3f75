//! Google Authenticator exports: `import::migration::decode_data`, checked against prost's own
//! reading of the same payload.
//!
//! Input: the first byte picks the form. 0–3: the rest is the protobuf payload, encoded with
//! one of the four base64 alphabets the parser accepts; otherwise the rest is the `data=`
//! text as it arrives (so the base64 layer is fuzzed too).

use data_encoding::{
    Encoding, BASE32_NOPAD, BASE64, BASE64URL, BASE64URL_NOPAD, BASE64_NOPAD, HEXLOWER,
};
use prost::Message;
use tokensmith_core::import::migration::{decode_data, Migration, MigrationPayload};
use tokensmith_core::import::ImportError;

use crate::check;
use crate::otpauth::assert_same_account;

const ALPHABETS: [&Encoding; 4] = [&BASE64, &BASE64_NOPAD, &BASE64URL, &BASE64URL_NOPAD];

pub fn run(data: &[u8]) {
    let Some((&form, rest)) = data.split_first() else {
        return;
    };
    match ALPHABETS.get(usize::from(form)) {
        Some(alphabet) => check_payload(rest, alphabet),
        None => {
            if let Some(text) = check::text(rest) {
                check_result(&decode_data(text), None);
            }
        }
    }
}

fn check_payload(payload: &[u8], alphabet: &Encoding) {
    let result = decode_data(&alphabet.encode(payload));
    let expected = MigrationPayload::decode(payload);
    match (&result, &expected) {
        (Err(e), Ok(p)) if !p.otp_parameters.is_empty() => {
            panic!("a payload prost reads, with accounts, is refused: {e}")
        }
        (Ok(_), Err(e)) => panic!("a payload prost refuses ({e}) is accepted"),
        (Ok(m), Ok(p)) => check_accounts(m, p),
        _ => {}
    }
    check_result(&result, expected.ok().as_ref());
}

/// Accounts and skipped entries together are the payload's entries, in order, with its secrets.
fn check_accounts(m: &Migration, payload: &MigrationPayload) {
    assert_eq!(
        m.accounts.len() + m.skipped.len(),
        payload.otp_parameters.len()
    );
    let mut accounts = m.accounts.iter();
    let mut skipped = m.skipped.iter().peekable();
    for (i, p) in payload.otp_parameters.iter().enumerate() {
        let tag = format!("account {} (", i + 1);
        if skipped.peek().is_some_and(|s| s.starts_with(&tag)) {
            skipped.next();
            continue;
        }
        let a = accounts
            .next()
            .expect("an account for every entry not skipped");
        assert_eq!(a.secret.as_bytes(), p.secret.as_slice(), "entry {}", i + 1);
        assert_eq!(a.issuer.as_deref().unwrap_or(""), p.issuer);
        let again = tokensmith_core::OtpAuth::parse(&a.to_uri()).expect("renders as a link");
        assert_same_account(a, &again, false);
    }
    assert!(skipped.next().is_none(), "skipped entries out of order");
    assert!(m.batch_size >= 1 && i64::from(m.batch_index) == i64::from(payload.batch_index.max(0)));
}

fn check_result(result: &Result<Migration, ImportError>, payload: Option<&MigrationPayload>) {
    let messages = match result {
        Ok(m) => m.skipped.clone(),
        Err(e) => vec![e.to_string()],
    };
    for message in &messages {
        check::short_message("migration", message);
    }
    // Secrets are bytes here: their base32 and hex spellings must not show up in a message.
    let Some(payload) = payload else { return };
    let spellings = |p: &MigrationPayload| -> Vec<String> {
        p.otp_parameters
            .iter()
            .flat_map(|o| [BASE32_NOPAD.encode(&o.secret), HEXLOWER.encode(&o.secret)])
            .collect()
    };
    let mut changed = payload.clone();
    for o in &mut changed.otp_parameters {
        o.secret.iter_mut().for_each(|b| *b = b.wrapping_add(1));
    }
    let material: Vec<(String, String)> = spellings(payload)
        .into_iter()
        .zip(spellings(&changed))
        .collect();
    check::assert_no_echo("migration", &material, &messages, || {
        let again = decode_data(&BASE64.encode(&changed.encode_to_vec()));
        Some(match again {
            Ok(m) => m.skipped,
            Err(e) => vec![e.to_string()],
        })
    });
}
