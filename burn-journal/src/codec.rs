//! Bytes of one line: the header (plain JSON) and records (JSON, or the base64 of an age file
//! encrypted to the journal's own X25519 identity, which the header holds encrypted with the
//! passphrase).

use std::io::Read;
use std::str::FromStr;

use age::secrecy::{ExposeSecret, SecretString};
use age::x25519;
use data_encoding::BASE64;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::Error;
use crate::record::Record;

pub const FORMAT: &str = "tokensmith-burn-journal";
/// The format version this crate writes and the newest it reads.
pub const VERSION: u32 = 1;

/// A passphrase shorter than this is refused when a journal is created.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// How the records are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProtectionKind {
    /// Each record encrypted with age; the passphrase unlocks the journal's identity.
    AgePassphrase,
    /// Records in plain JSON: only as the user's explicit choice.
    Plaintext,
}

/// The first line of a journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub version: u32,
    /// UTC seconds.
    pub created_at: i64,
    /// 128 random bits in hex: tells journals apart.
    pub journal_id: String,
    pub protection: ProtectionKind,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderLine {
    format: String,
    version: u32,
    created_at: i64,
    journal: String,
    protection: ProtectionKind,
    /// Base64 of an age file (scrypt recipient) whose plaintext is `AGE-SECRET-KEY-1…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    identity: Option<String>,
}

/// Only what every version has, read first so a newer file gets a clear message.
#[derive(Deserialize)]
struct Sniff {
    format: String,
    version: u32,
}

/// A passphrase (wiped on drop, never printed).
pub struct Passphrase {
    secret: SecretString,
    /// scrypt's `log2(N)` for a new journal; `None`: age's calibration, about one second here.
    work_factor: Option<u8>,
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(redacted)")
    }
}

impl Passphrase {
    pub fn new(secret: SecretString) -> Self {
        Passphrase {
            secret,
            work_factor: None,
        }
    }

    /// The contents of a passphrase file (`--passphrase-file`): UTF-8, one trailing line break
    /// (`\n` or `\r\n`) removed, nothing else trimmed.
    pub fn from_file_bytes(bytes: Zeroizing<Vec<u8>>) -> Result<Self, Error> {
        let text = std::str::from_utf8(&bytes).map_err(|_| Error::PassphraseNotText)?;
        let text = text
            .strip_suffix('\n')
            .map(|t| t.strip_suffix('\r').unwrap_or(t))
            .unwrap_or(text);
        Ok(Passphrase::new(SecretString::from(text.to_owned())))
    }

    /// scrypt cost for a new journal (`N = 2^log_n`, 10–30). Tests use a low one; a real
    /// journal keeps age's default.
    pub fn with_work_factor(mut self, log_n: u8) -> Self {
        self.work_factor = Some(log_n.clamp(10, 30));
        self
    }

    pub(crate) fn check_strength(&self) -> Result<(), Error> {
        if self.secret.expose_secret().chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(Error::WeakPassphrase {
                min: MIN_PASSPHRASE_CHARS,
            });
        }
        Ok(())
    }

    fn copy(&self) -> SecretString {
        SecretString::from(self.secret.expose_secret().to_owned())
    }
}

/// Encodes records for writing.
pub(crate) enum Encoder {
    Plain,
    Age(x25519::Recipient),
}

/// Decodes records read back.
pub(crate) enum Decoder {
    Plain,
    Age(x25519::Identity),
}

fn random_hex(n: usize) -> Result<String, Error> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).map_err(|e| Error::Crypto(format!("random source: {e}")))?;
    Ok(data_encoding::HEXLOWER.encode(&b))
}

/// A new header line (without the line break) and the encoder for its records.
pub(crate) fn new_header(
    passphrase: Option<&Passphrase>,
    created_at: i64,
) -> Result<(Vec<u8>, Header, Encoder), Error> {
    let journal = random_hex(16)?;
    let (protection, identity, encoder) = match passphrase {
        None => (ProtectionKind::Plaintext, None, Encoder::Plain),
        Some(p) => {
            p.check_strength()?;
            let id = x25519::Identity::generate();
            let mut r = age::scrypt::Recipient::new(p.copy());
            if let Some(n) = p.work_factor {
                r.set_work_factor(n);
            }
            let key = id.to_string();
            let sealed = age::encrypt(&r, key.expose_secret().as_bytes())
                .map_err(|e| Error::Crypto(e.to_string()))?;
            (
                ProtectionKind::AgePassphrase,
                Some(BASE64.encode(&sealed)),
                Encoder::Age(id.to_public()),
            )
        }
    };
    let line = HeaderLine {
        format: FORMAT.into(),
        version: VERSION,
        created_at,
        journal: journal.clone(),
        protection,
        identity,
    };
    let bytes = serde_json::to_vec(&line).map_err(|e| Error::Crypto(e.to_string()))?;
    Ok((
        bytes,
        Header {
            version: VERSION,
            created_at,
            journal_id: journal,
            protection,
        },
        encoder,
    ))
}

/// Whether a first line is one of ours (any version).
pub(crate) fn is_journal_header(line: &[u8]) -> bool {
    serde_json::from_slice::<Sniff>(line).is_ok_and(|s| s.format == FORMAT)
}

/// Read the header line; unlock the identity when the journal is encrypted and a passphrase
/// is given (`None` for a plain journal, or an encrypted one read without passphrase, which
/// then fails at the first record).
pub(crate) fn read_header(
    line: &[u8],
    passphrase: Option<&Passphrase>,
) -> Result<(Header, Option<Decoder>), Error> {
    let sniff: Sniff = serde_json::from_slice(line).map_err(|_| Error::NotAJournal)?;
    if sniff.format != FORMAT {
        return Err(Error::NotAJournal);
    }
    if sniff.version > VERSION {
        return Err(Error::NewerVersion {
            found: sniff.version,
            supported: VERSION,
        });
    }
    let h: HeaderLine = serde_json::from_slice(line).map_err(|e| Error::Corrupt {
        line: 1,
        what: format!("header: {}", crate::error::json_problem(&e)),
    })?;
    let bad = |what: &str| Error::Corrupt {
        line: 1,
        what: format!("header: {what}"),
    };
    if h.version == 0 {
        return Err(bad("version 0"));
    }
    if h.journal.len() != 32 || !h.journal.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad("journal id is not 32 hex digits"));
    }
    let header = Header {
        version: h.version,
        created_at: h.created_at,
        journal_id: h.journal,
        protection: h.protection,
    };
    let decoder = match (h.protection, h.identity, passphrase) {
        (ProtectionKind::Plaintext, None, _) => Some(Decoder::Plain),
        (ProtectionKind::Plaintext, Some(_), _) => {
            return Err(bad("a plain-text journal with an identity"))
        }
        (ProtectionKind::AgePassphrase, None, _) => {
            return Err(bad("an encrypted journal without its identity"))
        }
        (ProtectionKind::AgePassphrase, Some(_), None) => None,
        (ProtectionKind::AgePassphrase, Some(sealed), Some(p)) => {
            let sealed = BASE64
                .decode(sealed.as_bytes())
                .map_err(|_| bad("identity is not base64"))?;
            let key = unseal(p, &sealed).map_err(|e| match e {
                age::DecryptError::DecryptionFailed
                | age::DecryptError::NoMatchingKeys
                | age::DecryptError::KeyDecryptionFailed => Error::WrongPassphrase,
                age::DecryptError::ExcessiveWork { required, .. } => {
                    bad(&format!("identity asks for scrypt work factor {required}"))
                }
                _ => bad("identity cannot be decrypted (damaged)"),
            })?;
            let key = std::str::from_utf8(&key).map_err(|_| bad("identity is not text"))?;
            let identity =
                x25519::Identity::from_str(key).map_err(|_| bad("identity is not an age key"))?;
            Some(Decoder::Age(identity))
        }
    };
    Ok((header, decoder))
}

impl Encoder {
    /// One record as line bytes, without the line break.
    pub(crate) fn encode(&self, record: &Record) -> Result<Zeroizing<Vec<u8>>, Error> {
        // Room enough that serializing never reallocates and leaves an unwiped copy.
        let mut json = Zeroizing::new(Vec::with_capacity(json_capacity(record)));
        serde_json::to_writer(&mut *json, record).map_err(|e| Error::Crypto(e.to_string()))?;
        match self {
            Encoder::Plain => Ok(json),
            Encoder::Age(r) => {
                let sealed = age::encrypt(r, &json).map_err(|e| Error::Crypto(e.to_string()))?;
                Ok(Zeroizing::new(BASE64.encode(&sealed).into_bytes()))
            }
        }
    }
}

fn json_capacity(record: &Record) -> usize {
    match &record.event {
        // Only intents hold a seed; a batch's user list may be long and holds none.
        crate::record::Event::Intent(_) => 8192,
        _ => 512,
    }
}

impl Decoder {
    /// One line (without the line break) back to a record. The message says what is wrong
    /// without quoting the line.
    pub(crate) fn decode(&self, line: &[u8]) -> Result<Record, String> {
        let json = match self {
            Decoder::Plain => return parse_record(line),
            Decoder::Age(id) => {
                let sealed = BASE64
                    .decode(line)
                    .map_err(|_| "not base64 (damaged)".to_string())?;
                decrypt_line(id, &sealed).map_err(|_| {
                    "cannot be decrypted (damaged, or copied from another journal)".to_string()
                })?
            }
        };
        parse_record(&json)
    }
}

/// A record from its JSON.
pub(crate) fn parse_record(json: &[u8]) -> Result<Record, String> {
    serde_json::from_slice(json).map_err(|e| crate::error::json_problem(&e))
}

/// age decryption into a buffer sized up front, so no unwiped copy is left behind.
/// The journal identity sealed in the header, opened with the passphrase.
fn unseal(p: &Passphrase, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, age::DecryptError> {
    #[cfg(fuzzing)]
    if let Some(key) = fuzzing_memo::get(p, sealed) {
        return Ok(key);
    }
    // age caps the work a file may ask for (about 16 s here), measuring scrypt's speed first.
    let key = decrypt(&age::scrypt::Identity::new(p.copy()), sealed)?;
    #[cfg(fuzzing)]
    fuzzing_memo::put(p, sealed, &key);
    Ok(key)
}

/// Only in fuzzing builds (`cargo fuzz` sets `cfg(fuzzing)`): the last identity unsealed, so
/// the `burn_journal_sealed` target (whose harness seals one header for every input) spends its
/// time on the lines instead of age's scrypt calibration, which every `Identity::new` runs (75 %
/// of its time before). The key returned is the same either way.
#[cfg(fuzzing)]
mod fuzzing_memo {
    use super::Passphrase;
    use age::secrecy::ExposeSecret;
    use age::x25519;
    use std::cell::RefCell;
    use std::collections::HashMap;
    use zeroize::Zeroizing;

    type Entry = (Zeroizing<String>, Vec<u8>, Zeroizing<Vec<u8>>);

    thread_local! {
        static LAST: RefCell<Option<Entry>> = const { RefCell::new(None) };
    }

    pub fn get(p: &Passphrase, sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        LAST.with_borrow(|last| {
            last.as_ref()
                .filter(|(pass, s, _)| pass.as_str() == p.secret.expose_secret() && s == sealed)
                .map(|(_, _, k)| k.clone())
        })
    }

    pub fn put(p: &Passphrase, sealed: &[u8], key: &Zeroizing<Vec<u8>>) {
        let pass = Zeroizing::new(p.secret.expose_secret().to_owned());
        LAST.set(Some((pass, sealed.to_vec(), key.clone())));
    }

    /// Lines decrypted before, by identity and ciphertext: the harness reuses a line's
    /// ciphertext, so after the first time each costs a lookup instead of an X25519 agreement
    /// (most of the target's time before). Damaged ciphertexts still go through age.
    type Lines = HashMap<Vec<u8>, (Zeroizing<String>, Zeroizing<Vec<u8>>)>;

    const MAX_LINES: usize = 50_000;

    thread_local! {
        static LINES: RefCell<Lines> = RefCell::new(HashMap::new());
    }

    /// The identity's own text (cheap, where its public key would cost a scalar multiplication).
    fn identity_key(id: &x25519::Identity) -> Zeroizing<String> {
        Zeroizing::new(id.to_string().expose_secret().to_owned())
    }

    pub fn line(id: &x25519::Identity, sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let id = identity_key(id);
        LINES.with_borrow(|lines| {
            lines
                .get(sealed)
                .filter(|(i, _)| *i == id)
                .map(|(_, json)| json.clone())
        })
    }

    pub fn put_line(id: &x25519::Identity, sealed: &[u8], json: &Zeroizing<Vec<u8>>) {
        LINES.with_borrow_mut(|lines| {
            if lines.len() >= MAX_LINES {
                lines.clear();
            }
            lines.insert(sealed.to_vec(), (identity_key(id), json.clone()));
        });
    }
}

/// One journal line decrypted with the journal identity.
fn decrypt_line(
    id: &x25519::Identity,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, age::DecryptError> {
    #[cfg(fuzzing)]
    if let Some(json) = fuzzing_memo::line(id, sealed) {
        return Ok(json);
    }
    let json = decrypt(id, sealed)?;
    #[cfg(fuzzing)]
    fuzzing_memo::put_line(id, sealed, &json);
    Ok(json)
}

fn decrypt(id: &dyn age::Identity, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, age::DecryptError> {
    let d = age::Decryptor::new_buffered(sealed)?;
    let mut r = d.decrypt(std::iter::once(id))?;
    let mut out = Zeroizing::new(Vec::with_capacity(sealed.len()));
    r.read_to_end(&mut out)?;
    Ok(out)
}
