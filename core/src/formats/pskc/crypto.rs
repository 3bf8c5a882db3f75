//! The algorithms RFC 6030 §6 names, by their XML identifiers, over
//! RustCrypto: AES-CBC with PKCS#7 padding and the IV prepended to the
//! ciphertext (XML Encryption's layout), HMAC for the per-value MAC, and
//! PBKDF2 for password-derived keys.

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

const BLOCK: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// AES in CBC mode, by key size.
pub(crate) enum Cipher {
    Aes128,
    Aes192,
    Aes256,
}

impl Cipher {
    pub(crate) fn from_uri(uri: &str) -> Option<Cipher> {
        match uri.trim().rsplit('#').next()? {
            "aes128-cbc" => Some(Cipher::Aes128),
            "aes192-cbc" => Some(Cipher::Aes192),
            "aes256-cbc" => Some(Cipher::Aes256),
            _ => None,
        }
    }

    pub(crate) fn uri(self) -> &'static str {
        match self {
            Cipher::Aes128 => "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
            Cipher::Aes192 => "http://www.w3.org/2001/04/xmlenc#aes192-cbc",
            Cipher::Aes256 => "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
        }
    }

    pub(crate) const fn key_len(self) -> usize {
        match self {
            Cipher::Aes128 => 16,
            Cipher::Aes192 => 24,
            Cipher::Aes256 => 32,
        }
    }

    /// IV (random) followed by the padded ciphertext.
    pub(crate) fn encrypt(self, key: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, String> {
        let iv = random(BLOCK)?;
        let mut out = vec![0u8; BLOCK + (plaintext.len() / BLOCK + 1) * BLOCK];
        out[..BLOCK].copy_from_slice(&iv);
        out[BLOCK..BLOCK + plaintext.len()].copy_from_slice(plaintext);
        let body = &mut out[BLOCK..];
        let written = match self {
            Cipher::Aes128 => seal::<aes::Aes128>(key, &iv, body, plaintext.len()),
            Cipher::Aes192 => seal::<aes::Aes192>(key, &iv, body, plaintext.len()),
            Cipher::Aes256 => seal::<aes::Aes256>(key, &iv, body, plaintext.len()),
        }?;
        out.truncate(BLOCK + written);
        Ok(out)
    }

    /// `None` when the key does not fit or the padding is wrong (a wrong key).
    pub(crate) fn decrypt(self, key: &[u8], data: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        if data.len() < 2 * BLOCK || data.len() % BLOCK != 0 {
            return None;
        }
        let (iv, body) = data.split_at(BLOCK);
        let mut buf = Zeroizing::new(body.to_vec());
        let len = match self {
            Cipher::Aes128 => open::<aes::Aes128>(key, iv, &mut buf),
            Cipher::Aes192 => open::<aes::Aes192>(key, iv, &mut buf),
            Cipher::Aes256 => open::<aes::Aes256>(key, iv, &mut buf),
        }?;
        buf.truncate(len);
        Some(buf)
    }
}

fn seal<C>(key: &[u8], iv: &[u8], buf: &mut [u8], len: usize) -> Result<usize, String>
where
    cbc::Encryptor<C>: KeyIvInit + BlockEncryptMut,
    C: aes::cipher::BlockCipher + aes::cipher::BlockEncryptMut,
{
    let enc = cbc::Encryptor::<C>::new_from_slices(key, iv).map_err(|e| e.to_string())?;
    enc.encrypt_padded_mut::<Pkcs7>(buf, len)
        .map(|c| c.len())
        .map_err(|e| e.to_string())
}

fn open<C>(key: &[u8], iv: &[u8], buf: &mut [u8]) -> Option<usize>
where
    cbc::Decryptor<C>: KeyIvInit + BlockDecryptMut,
    C: aes::cipher::BlockCipher + aes::cipher::BlockDecryptMut,
{
    let dec = cbc::Decryptor::<C>::new_from_slices(key, iv).ok()?;
    dec.decrypt_padded_mut::<Pkcs7>(buf).ok().map(<[u8]>::len)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MacAlgorithm {
    HmacSha1,
    HmacSha256,
    HmacSha384,
    HmacSha512,
}

impl MacAlgorithm {
    pub(crate) fn from_uri(uri: &str) -> Option<MacAlgorithm> {
        match uri.trim().rsplit('#').next()? {
            "hmac-sha1" => Some(MacAlgorithm::HmacSha1),
            "hmac-sha256" => Some(MacAlgorithm::HmacSha256),
            "hmac-sha384" => Some(MacAlgorithm::HmacSha384),
            "hmac-sha512" => Some(MacAlgorithm::HmacSha512),
            _ => None,
        }
    }

    pub(crate) fn uri(self) -> &'static str {
        match self {
            MacAlgorithm::HmacSha1 => "http://www.w3.org/2000/09/xmldsig#hmac-sha1",
            MacAlgorithm::HmacSha256 => "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256",
            MacAlgorithm::HmacSha384 => "http://www.w3.org/2001/04/xmldsig-more#hmac-sha384",
            MacAlgorithm::HmacSha512 => "http://www.w3.org/2001/04/xmldsig-more#hmac-sha512",
        }
    }

    /// A MAC key as long as the hash output, as RFC 2104 recommends.
    pub(crate) fn key_len(self) -> usize {
        match self {
            MacAlgorithm::HmacSha1 => 20,
            MacAlgorithm::HmacSha256 => 32,
            MacAlgorithm::HmacSha384 => 48,
            MacAlgorithm::HmacSha512 => 64,
        }
    }

    pub(crate) fn tag(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
            let mut m = <M as hmac::digest::KeyInit>::new_from_slice(key)
                .expect("HMAC accepts keys of any length");
            m.update(data);
            m.finalize().into_bytes().to_vec()
        }
        match self {
            MacAlgorithm::HmacSha1 => run::<Hmac<Sha1>>(key, data),
            MacAlgorithm::HmacSha256 => run::<Hmac<Sha256>>(key, data),
            MacAlgorithm::HmacSha384 => run::<Hmac<Sha384>>(key, data),
            MacAlgorithm::HmacSha512 => run::<Hmac<Sha512>>(key, data),
        }
    }

    /// Constant-time comparison.
    pub(crate) fn verify(self, key: &[u8], data: &[u8], tag: &[u8]) -> bool {
        let expected = self.tag(key, data);
        expected.len() == tag.len()
            && expected
                .iter()
                .zip(tag)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

/// PBKDF2's pseudorandom function (PKCS #5's default is HMAC-SHA-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prf {
    HmacSha1,
    HmacSha256,
    HmacSha512,
}

impl Prf {
    pub(crate) fn from_uri(uri: &str) -> Option<Prf> {
        let name = uri.trim().rsplit('#').next()?.to_ascii_lowercase();
        match name.as_str() {
            "hmac-sha1" | "hmacwithsha1" => Some(Prf::HmacSha1),
            "hmac-sha256" | "hmacwithsha256" => Some(Prf::HmacSha256),
            "hmac-sha512" | "hmacwithsha512" => Some(Prf::HmacSha512),
            _ => None,
        }
    }

    pub(crate) fn derive(
        self,
        password: &[u8],
        salt: &[u8],
        iterations: u32,
        len: usize,
    ) -> Zeroizing<Vec<u8>> {
        let mut key = Zeroizing::new(vec![0u8; len]);
        match self {
            Prf::HmacSha1 => pbkdf2::pbkdf2_hmac::<Sha1>(password, salt, iterations, &mut key),
            Prf::HmacSha256 => pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, iterations, &mut key),
            Prf::HmacSha512 => pbkdf2::pbkdf2_hmac::<Sha512>(password, salt, iterations, &mut key),
        }
        key
    }
}

pub(crate) fn random(len: usize) -> Result<Zeroizing<Vec<u8>>, String> {
    let mut bytes = Zeroizing::new(vec![0u8; len]);
    getrandom::fill(&mut bytes)
        .map_err(|e| format!("the system random number generator failed: {e}"))?;
    Ok(bytes)
}
