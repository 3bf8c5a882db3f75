//! The encrypted burn journal read back (`tokensmith-burn-journal`'s `parse` with the journal's
//! passphrase): the harness encrypts each line after the first (a line starting with `!` is
//! kept as it is: damage) to a journal identity sealed with scrypt's cheapest work factor.
//!
//! Beyond "no panic": what reads passes `burn_journal`'s checks, errors are short, and with no
//! damaged line the journal reads exactly as the same journal in plain text.
//!
//! Input: lines; the first stands for the header (which the harness writes), at most
//! [`MAX_LINES`] more are used: every line costs an age encryption and a decryption (X25519),
//! and what a line's decryption can meet is the same in a short journal as in a long one (the
//! plain reader behind it is `burn_journal`'s, fuzzed there at full speed).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use age::secrecy::ExposeSecret;
use age::x25519;
use data_encoding::BASE64;
use tokensmith_burn_journal::{parse, parse_bytes, Passphrase, SecretString, Source};

use crate::burn_journal::{check_contents, header_line, summary};
use crate::check;

/// Lines encrypted per input, after the one standing for the header.
pub const MAX_LINES: usize = 4;

const PASSPHRASE: &str = "fuzz journal passphrase";

/// Lines encrypted before, kept until there are this many: mutations keep most lines of the
/// input they start from, and any age ciphertext of a line is as good as another.
const CACHED_LINES: usize = 50_000;

/// A line encrypted to the journal's identity, base64, as the journal stores it.
fn encrypted_line(recipient: &x25519::Recipient, line: &[u8]) -> Vec<u8> {
    thread_local! {
        static DONE: RefCell<HashMap<Vec<u8>, Vec<u8>>> = RefCell::new(HashMap::new());
    }
    DONE.with_borrow_mut(|done| {
        if let Some(c) = done.get(line) {
            return c.clone();
        }
        if done.len() >= CACHED_LINES {
            done.clear();
        }
        let c = age::encrypt(recipient, line).expect("age encrypts");
        let c = BASE64.encode(&c).into_bytes();
        done.insert(line.to_vec(), c.clone());
        c
    })
}

/// A journal identity and its header line, sealed with scrypt's cheapest work factor: made
/// once per process.
fn sealed_header() -> &'static (x25519::Identity, Vec<u8>) {
    static HEADER: OnceLock<(x25519::Identity, Vec<u8>)> = OnceLock::new();
    HEADER.get_or_init(|| {
        let id = x25519::Identity::generate();
        let mut r = age::scrypt::Recipient::new(SecretString::from(PASSPHRASE.to_owned()));
        r.set_work_factor(1);
        let sealed =
            age::encrypt(&r, id.to_string().expose_secret().as_bytes()).expect("age encrypts");
        let line = header_line(
            1_767_225_600,
            "age-passphrase",
            Some(&BASE64.encode(&sealed)),
        );
        (id, line)
    })
}

pub fn run(data: &[u8]) {
    let lines = data;
    let (id, header) = sealed_header();
    let recipient = id.to_public();
    let mut sealed = header.clone();
    let mut plain = header_line(1_767_225_600, "plaintext", None);
    let mut damaged = false;
    // The first line stands for the header, which the harness writes; after the last line
    // break there is no line.
    let lines = lines.strip_suffix(b"\n").unwrap_or(lines);
    for line in lines.split(|&b| b == b'\n').skip(1).take(MAX_LINES) {
        if line.is_empty() {
            // Damage either way, and the same damage.
            sealed.extend_from_slice(line);
        } else if let Some(raw) = line.strip_prefix(b"!") {
            damaged = true;
            sealed.extend_from_slice(raw);
        } else {
            sealed.extend_from_slice(&encrypted_line(&recipient, line));
        }
        sealed.push(b'\n');
        plain.extend_from_slice(line);
        plain.push(b'\n');
    }
    let passphrase = Passphrase::new(SecretString::from(PASSPHRASE.to_owned()));
    let read = parse(&sealed, Some(&passphrase));
    match &read {
        Ok(c) => {
            assert!(matches!(c.source, Source::Journal(_)));
            check_contents(&sealed, c);
        }
        Err(e) => check::short_message("burn_journal", &e.to_string()),
    }
    if damaged {
        return;
    }
    let read = read.map(|c| summary(&c)).map_err(|e| e.to_string());
    let in_plain = parse_bytes(&plain)
        .map(|c| summary(&c))
        .map_err(|e| e.to_string());
    assert_eq!(read, in_plain, "encrypted, the journal reads differently");
}
