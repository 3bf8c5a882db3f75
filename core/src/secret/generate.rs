//! Key generation.
//!
//! Construction: draw 64 bytes `R` from the OS/browser CSPRNG (always at least
//! as many as the key length), then output the first `len` bytes of
//! `T1 || T2`, where `Ti = HMAC-SHA-512(key = R, "tokensmith secret v1" || i (u8) || SHA-512(extra))`.
//! HMAC keyed with `R` is a PRF, so the output is as unpredictable as `R`
//! whatever `extra` holds; extra entropy (mouse movements, dice) can only add
//! to it, never weaken it, which is the point of offering it to the user.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha512};
use zeroize::Zeroizing;

use super::{Secret, SecretError};

/// Shorter keys are allowed by RFC 4226 only at 128 bits; 80 bits is the
/// floor some tokens still ship with, so it is the least we offer.
pub const MIN_GENERATED_LEN: usize = 10;
/// 160 bits: RFC 4226's recommendation and what Token2 and Entra expect.
pub const DEFAULT_GENERATED_LEN: usize = 20;
/// Two HMAC-SHA-512 blocks; also the largest seed the Molto2 accepts (63) rounded up.
pub const MAX_GENERATED_LEN: usize = 64;

const RANDOM_LEN: usize = 64;
const DOMAIN: &[u8] = b"tokensmith secret v1";

pub(super) fn generate(len: usize, extra: Option<&[u8]>) -> Result<Secret, SecretError> {
    check_len(len)?;
    let mut random = Zeroizing::new([0u8; RANDOM_LEN]);
    getrandom::fill(random.as_mut()).map_err(|e| SecretError::Rng(e.to_string()))?;
    mix_entropy(random.as_ref(), extra.unwrap_or_default(), len)
}

fn check_len(len: usize) -> Result<(), SecretError> {
    if (MIN_GENERATED_LEN..=MAX_GENERATED_LEN).contains(&len) {
        Ok(())
    } else {
        Err(SecretError::BadGeneratedLength { len })
    }
}

/// The deterministic half of [`Secret::generate`], exposed so the mixing can
/// be tested with known inputs. `random` must hold at least `len` bytes.
pub fn mix_entropy(random: &[u8], extra: &[u8], len: usize) -> Result<Secret, SecretError> {
    check_len(len)?;
    if random.len() < len {
        return Err(SecretError::NotEnoughRandom {
            got: random.len(),
            needed: len,
        });
    }
    let extra_digest = Sha512::digest(extra);
    let mut out = Zeroizing::new(Vec::with_capacity(len));
    let mut block = 1u8;
    while out.len() < len {
        let mut mac =
            <Hmac<Sha512> as Mac>::new_from_slice(random).expect("HMAC accepts keys of any length");
        mac.update(DOMAIN);
        mac.update(&[block]);
        mac.update(&extra_digest);
        let mut t = Zeroizing::new([0u8; 64]);
        t.copy_from_slice(&mac.finalize().into_bytes());
        let take = (len - out.len()).min(t.len());
        out.extend_from_slice(&t[..take]);
        block += 1;
    }
    Secret::from_bytes(std::mem::take(&mut *out))
}
