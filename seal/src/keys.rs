//! Reading recipients' public keys and deciding, at a given time, whether a
//! message can be encrypted to them.
//!
//! Only self-signatures that verify are believed (third-party certifications
//! are ignored). A revocation signature is honoured without verification:
//! refusing a key wrongly costs the admin one question to the recipient,
//! encrypting seeds to a key its owner has given up could cost the fleet.

use std::fmt;
use std::io::Cursor;

use pgp::composed::{ArmorOptions, PublicOrSecret, SignedPublicKey, SignedPublicSubKey};
use pgp::crypto::public_key::PublicKeyAlgorithm;
use pgp::packet::{Signature, SignatureType};
use pgp::types::{EcdhPublicParams, EcdsaPublicParams, KeyDetails, PublicParams, Tag};
use rsa::traits::PublicKeyParts;

use crate::date::ymd;
use crate::SealError;

/// Whether a message can be encrypted to a key now, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStatus {
    Usable,
    Expired {
        on: u64,
    },
    Revoked {
        reason: Option<String>,
    },
    /// It has encryption subkeys, but none is valid now.
    EncryptionSubkeyUnusable {
        why: String,
    },
    /// Sign-only (or certify-only): nothing can be encrypted to it.
    NoEncryptionKey,
    /// No user ID or direct signature verifies: the key is not what it claims.
    NoValidSelfSignature,
}

/// What the admin confirms before encrypting to a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// Upper-case hex, 40 characters for v4 keys.
    pub fingerprint: String,
    pub user_ids: Vec<String>,
    /// E.g. "RSA 3072", "EdDSA (Ed25519)".
    pub algorithm: String,
    /// The algorithm of the key(s) messages are encrypted to, e.g. "ECDH (Curve25519)".
    pub encryption_algorithm: Option<String>,
    /// Unix seconds.
    pub created: u64,
    /// Unix seconds; `None` when the key does not expire.
    pub expires: Option<u64>,
    pub status: KeyStatus,
}

impl KeyInfo {
    /// "0123 4567 89AB …", the grouping GnuPG prints.
    pub fn fingerprint_grouped(&self) -> String {
        let chars: Vec<char> = self.fingerprint.chars().collect();
        chars
            .chunks(4)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// How messages name the key: fingerprint tail and first user ID.
    pub fn label(&self) -> String {
        let tail = &self.fingerprint[self.fingerprint.len().saturating_sub(16)..];
        match self.user_ids.first() {
            Some(uid) => format!("key {tail} ({uid})"),
            None => format!("key {tail}"),
        }
    }
}

impl fmt::Display for KeyStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyStatus::Usable => f.write_str("usable"),
            KeyStatus::Expired { on } => write!(
                f,
                "it expired on {}: ask the recipient for a renewed or new public key",
                ymd(*on)
            ),
            KeyStatus::Revoked { reason } => write!(
                f,
                "its owner has revoked it{}: ask the recipient for their current public key",
                reason
                    .as_deref()
                    .filter(|r| !r.is_empty())
                    .map(|r| format!(" (\"{r}\")"))
                    .unwrap_or_default()
            ),
            KeyStatus::EncryptionSubkeyUnusable { why } => write!(
                f,
                "{why}: ask the recipient for a key with a valid encryption subkey"
            ),
            KeyStatus::NoEncryptionKey => f.write_str(
                "it can only sign, it has no encryption subkey: ask the recipient to add one (gpg --quick-add-key FINGERPRINT cv25519 encr) and send the public key again",
            ),
            KeyStatus::NoValidSelfSignature => f.write_str(
                "none of its self-signatures verifies, so it is damaged or forged: ask the recipient for the key again",
            ),
        }
    }
}

/// A parsed public key with its description at the time it was read.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub(crate) key: SignedPublicKey,
    /// Indices into `key.public_subkeys` that messages are encrypted to;
    /// empty when the primary key itself encrypts.
    pub(crate) subkeys: Vec<usize>,
    info: KeyInfo,
}

impl Recipient {
    pub fn info(&self) -> &KeyInfo {
        &self.info
    }

    /// The key alone, ASCII-armoured: what a caller keeps to encrypt to this
    /// recipient again (a public key, nothing secret), whichever file or
    /// paste it came in with others.
    pub fn armored(&self) -> Result<String, SealError> {
        self.key
            .to_armored_string(ArmorOptions::default())
            .map_err(|e| SealError::NotAKey(e.to_string()))
    }

    /// Refuses a key that is not [`KeyStatus::Usable`], naming it.
    pub fn check(&self) -> Result<(), SealError> {
        match &self.info.status {
            KeyStatus::Usable => Ok(()),
            other => Err(SealError::Refused {
                key: self.info.label(),
                reason: other.to_string(),
            }),
        }
    }
}

/// Parses every public key in `input` (ASCII-armoured — several blocks may
/// be pasted together — or binary) and evaluates each at `now` (Unix seconds).
pub fn read_keys(input: &[u8], now: u64) -> Result<Vec<Recipient>, SealError> {
    let blocks = armour_blocks(input);
    let mut out = Vec::new();
    for block in &blocks {
        let (keys, _) = PublicOrSecret::from_reader_many(Cursor::new(block))
            .map_err(|e| SealError::NotAKey(describe(&e.to_string())))?;
        for key in keys {
            match key.map_err(|e| SealError::NotAKey(describe(&e.to_string())))? {
                PublicOrSecret::Public(k) => out.push(evaluate(k, now)),
                PublicOrSecret::Secret(k) => {
                    let public = evaluate(k.to_public_key(), now);
                    return Err(SealError::SecretKey(public.info.label()));
                }
            }
        }
    }
    if out.is_empty() {
        return Err(SealError::NotAKey(
            "the text holds no key; paste the block from -----BEGIN PGP PUBLIC KEY BLOCK----- to -----END PGP PUBLIC KEY BLOCK-----, or open the .asc/.gpg file".into(),
        ));
    }
    Ok(out)
}

fn describe(error: &str) -> String {
    format!("{error}; expected an ASCII-armoured (.asc) or binary (.gpg) OpenPGP public key")
}

/// Splits pasted text holding several armour blocks; binary input is one block.
fn armour_blocks(input: &[u8]) -> Vec<Vec<u8>> {
    const BEGIN: &str = "-----BEGIN PGP ";
    let Ok(text) = std::str::from_utf8(input) else {
        return vec![input.to_vec()];
    };
    let starts: Vec<usize> = text.match_indices(BEGIN).map(|(i, _)| i).collect();
    if starts.len() < 2 {
        return vec![input.to_vec()];
    }
    starts
        .iter()
        .enumerate()
        .map(|(n, &s)| {
            let end = starts.get(n + 1).copied().unwrap_or(text.len());
            input[s..end].to_vec()
        })
        .collect()
}

fn newest<'a>(sigs: impl Iterator<Item = &'a Signature>) -> Option<&'a Signature> {
    sigs.max_by_key(|s| s.created().map_or(0, |t| t.as_secs()))
}

/// When a key created at `created` expires under `sig`, if it does.
fn expiry(created: u64, sig: &Signature) -> Option<u64> {
    sig.key_expiration_time()
        .map(|d| u64::from(d.as_secs()))
        .filter(|&d| d > 0)
        .map(|d| created + d)
}

fn algorithm(alg: PublicKeyAlgorithm, params: &PublicParams) -> String {
    match params {
        PublicParams::RSA(p) => format!("RSA {}", p.key.size() * 8),
        PublicParams::EdDSALegacy(_) => "EdDSA (Ed25519)".into(),
        PublicParams::Ed25519(_) => "Ed25519".into(),
        PublicParams::X25519(_) => "X25519".into(),
        PublicParams::ECDH(EcdhPublicParams::Curve25519Legacy { .. }) => "ECDH (Curve25519)".into(),
        PublicParams::ECDH(EcdhPublicParams::P256 { .. }) => "ECDH (NIST P-256)".into(),
        PublicParams::ECDH(EcdhPublicParams::P384 { .. }) => "ECDH (NIST P-384)".into(),
        PublicParams::ECDH(EcdhPublicParams::P521 { .. }) => "ECDH (NIST P-521)".into(),
        PublicParams::ECDSA(EcdsaPublicParams::P256 { .. }) => "ECDSA (NIST P-256)".into(),
        PublicParams::ECDSA(EcdsaPublicParams::P384 { .. }) => "ECDSA (NIST P-384)".into(),
        PublicParams::ECDSA(EcdsaPublicParams::P521 { .. }) => "ECDSA (NIST P-521)".into(),
        _ => format!("{alg:?}"),
    }
}

fn is_certification(sig: &Signature) -> bool {
    matches!(
        sig.typ(),
        Some(
            SignatureType::CertGeneric
                | SignatureType::CertPersona
                | SignatureType::CertCasual
                | SignatureType::CertPositive
        )
    )
}

/// A subkey's verdict at `now`: usable, or why not (for the message).
fn subkey_state(
    key: &SignedPublicKey,
    sub: &SignedPublicSubKey,
    now: u64,
) -> Option<Result<(), String>> {
    let valid: Vec<&Signature> = sub
        .signatures
        .iter()
        .filter(|s| s.typ() == Some(SignatureType::SubkeyBinding))
        .filter(|s| s.verify_subkey_binding(&key.primary_key, &sub.key).is_ok())
        .collect();
    let binding = newest(valid.into_iter())?;
    let flags = binding.key_flags();
    if !(flags.encrypt_comms() || flags.encrypt_storage()) {
        return None;
    }
    let fpr = format!("{:X}", sub.key.fingerprint());
    let label = format!(
        "its encryption subkey {}",
        &fpr[fpr.len().saturating_sub(16)..]
    );
    if sub
        .signatures
        .iter()
        .any(|s| s.typ() == Some(SignatureType::SubkeyRevocation))
    {
        return Some(Err(format!("{label} has been revoked")));
    }
    let created = u64::from(sub.key.created_at().as_secs());
    if created > now {
        return Some(Err(format!(
            "{label} is dated in the future ({})",
            ymd(created)
        )));
    }
    match expiry(created, binding) {
        Some(at) if at <= now => Some(Err(format!("{label} expired on {}", ymd(at)))),
        _ => Some(Ok(())),
    }
}

fn evaluate(key: SignedPublicKey, now: u64) -> Recipient {
    let primary = &key.primary_key;
    let created = u64::from(primary.created_at().as_secs());
    let mut user_ids = Vec::new();
    let mut self_sigs: Vec<&Signature> = Vec::new();
    for user in &key.details.users {
        let valid: Vec<&Signature> = user
            .signatures
            .iter()
            .filter(|s| is_certification(s))
            .filter(|s| {
                s.verify_certification(primary, Tag::UserId, &user.id)
                    .is_ok()
            })
            .collect();
        if !valid.is_empty() {
            user_ids.push(String::from_utf8_lossy(user.id.id()).into_owned());
            self_sigs.extend(valid);
        }
    }
    self_sigs.extend(
        key.details
            .direct_signatures
            .iter()
            .filter(|s| s.verify_key(primary).is_ok()),
    );
    let newest_self = newest(self_sigs.iter().copied());
    let expires = newest_self.and_then(|s| expiry(created, s));

    let mut subkeys = Vec::new();
    let mut subkey_problem = None;
    for (i, sub) in key.public_subkeys.iter().enumerate() {
        match subkey_state(&key, sub, now) {
            Some(Ok(())) => subkeys.push(i),
            Some(Err(why)) => subkey_problem = subkey_problem.or(Some(why)),
            None => {}
        }
    }
    let primary_encrypts = newest_self.is_some_and(|s| {
        let f = s.key_flags();
        f.encrypt_comms() || f.encrypt_storage()
    });
    let encryption_algorithm = match subkeys.first() {
        Some(&i) => {
            let sub = &key.public_subkeys[i].key;
            Some(algorithm(sub.algorithm(), sub.public_params()))
        }
        None if primary_encrypts => Some(algorithm(primary.algorithm(), primary.public_params())),
        None => None,
    };

    let status = if !key.details.revocation_signatures.is_empty() {
        KeyStatus::Revoked {
            reason: key.details.revocation_signatures[0]
                .revocation_reason_string()
                .map(|r| String::from_utf8_lossy(r).into_owned()),
        }
    } else if newest_self.is_none() {
        KeyStatus::NoValidSelfSignature
    } else if let Some(at) = expires.filter(|&at| at <= now) {
        KeyStatus::Expired { on: at }
    } else if !subkeys.is_empty() || primary_encrypts {
        KeyStatus::Usable
    } else if let Some(why) = subkey_problem {
        KeyStatus::EncryptionSubkeyUnusable { why }
    } else {
        KeyStatus::NoEncryptionKey
    };
    let info = KeyInfo {
        fingerprint: format!("{:X}", primary.fingerprint()),
        user_ids,
        algorithm: algorithm(primary.algorithm(), primary.public_params()),
        encryption_algorithm,
        created,
        expires,
        status,
    };
    Recipient { key, subkeys, info }
}
