//! Token2 secure messaging primitives: SM4-ECB, the ISO/IEC 9797-1 algorithm 1 MAC
//! (SM4-CBC, zero IV), seed and title padding. Shared by the single-profile tokens and the
//! Molto2 (see [`crate::secure`] for the session built on them).

use cipher::generic_array::GenericArray;
use cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use sha1::{Digest, Sha1};
use sm4::Sm4;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// SM4 block size in bytes.
pub const BLOCK: usize = 16;

/// Errors of the padding/crypto helpers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("data length {0} is not a multiple of 16")]
    NotBlockAligned(usize),
    #[error("padding marker 80 not found")]
    BadPadding,
}

/// A 128-bit SM4 key. Zeroized on drop; `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Sm4Key([u8; 16]);

impl std::fmt::Debug for Sm4Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sm4Key(<redacted>)")
    }
}

impl Sm4Key {
    pub const fn new(bytes: [u8; 16]) -> Self {
        Sm4Key(bytes)
    }

    /// First 16 bytes of SHA-1(secret) (Molto2 customer-key derivation).
    pub fn from_sha1_of(secret: &[u8]) -> Self {
        let digest = Sha1::digest(secret);
        let mut k = [0u8; 16];
        k.copy_from_slice(&digest[..16]);
        Sm4Key(k)
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    fn cipher(&self) -> Sm4 {
        Sm4::new(GenericArray::from_slice(&self.0))
    }

    /// SM4-ECB encryption of block-aligned data.
    pub fn ecb_encrypt(&self, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if data.len() % BLOCK != 0 {
            return Err(CryptoError::NotBlockAligned(data.len()));
        }
        let c = self.cipher();
        let mut out = data.to_vec();
        for chunk in out.chunks_mut(BLOCK) {
            c.encrypt_block(GenericArray::from_mut_slice(chunk));
        }
        Ok(out)
    }

    /// SM4-ECB decryption of block-aligned data. The result may hold secrets:
    /// it comes back in a [`Zeroizing`] buffer.
    pub fn ecb_decrypt(&self, data: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if data.len() % BLOCK != 0 {
            return Err(CryptoError::NotBlockAligned(data.len()));
        }
        let c = self.cipher();
        let mut out = Zeroizing::new(data.to_vec());
        for chunk in out.chunks_mut(BLOCK) {
            c.decrypt_block(GenericArray::from_mut_slice(chunk));
        }
        Ok(out)
    }

    /// The authenticate cryptogram: SM4-ECB(challenge || 8 zero bytes).
    pub fn auth_cryptogram(&self, challenge: &[u8; 8]) -> [u8; 16] {
        let mut block = [0u8; 16];
        block[..8].copy_from_slice(challenge);
        let c = self.cipher();
        c.encrypt_block(GenericArray::from_mut_slice(&mut block));
        block
    }

    /// ISO/IEC 9797-1 MAC algorithm 1 over arbitrary input (SM4-CBC, zero IV;
    /// pad `80 00…` only when the input is not a multiple of 16). Returns the
    /// first 4 bytes of the last block.
    pub fn mac_raw(&self, input: &[u8]) -> [u8; 4] {
        let mut data = Zeroizing::new(input.to_vec());
        if data.len() % BLOCK != 0 || data.is_empty() {
            // Empty input never happens (the header is always there).
            data.push(0x80);
            while data.len() % BLOCK != 0 {
                data.push(0);
            }
        }
        let c = self.cipher();
        let mut state = [0u8; 16];
        for chunk in data.chunks(BLOCK) {
            for (s, b) in state.iter_mut().zip(chunk) {
                *s ^= b;
            }
            c.encrypt_block(GenericArray::from_mut_slice(&mut state));
        }
        let mut mac = [0u8; 4];
        mac.copy_from_slice(&state[..4]);
        state.zeroize();
        mac
    }

    /// The Token2 command MAC: input is `80 INS P1 P2 Lc'` || body where the
    /// class byte is always `80` and `Lc'` is the body length without MAC.
    pub fn command_mac(&self, ins: u8, p1: u8, p2: u8, body: &[u8]) -> [u8; 4] {
        let mut input = Zeroizing::new(Vec::with_capacity(5 + body.len()));
        input.extend_from_slice(&[0x80, ins, p1, p2, body.len() as u8]);
        input.extend_from_slice(body);
        self.mac_raw(&input)
    }

    /// Build the full secured APDU `84 INS P1 P2 Lc body MAC` with
    /// `Lc = body.len() + 4`. Body must be at most 251 bytes.
    pub fn secure_apdu(&self, ins: u8, p1: u8, p2: u8, body: &[u8]) -> Vec<u8> {
        assert!(body.len() <= 251, "secured body too long");
        let mac = self.command_mac(ins, p1, p2, body);
        let mut out = Vec::with_capacity(9 + body.len());
        out.extend_from_slice(&[0x84, ins, p1, p2, (body.len() + 4) as u8]);
        out.extend_from_slice(body);
        out.extend_from_slice(&mac);
        out
    }

    /// `84 INS P1 P2 Lc` || SM4-ECB(plaintext) || MAC: how seeds, titles and keys travel.
    /// `plaintext` must be block aligned (padded by the caller); the ciphertext under a
    /// public family key is as sensitive as the plaintext, so it is wiped after use.
    pub fn encrypted_apdu(&self, ins: u8, p1: u8, p2: u8, plaintext: &[u8]) -> Zeroizing<Vec<u8>> {
        let ct = Zeroizing::new(
            self.ecb_encrypt(plaintext)
                .expect("callers pad the plaintext to whole blocks"),
        );
        Zeroizing::new(self.secure_apdu(ins, p1, p2, &ct))
    }

    /// Card side: check the MAC of a secured command's data (body || MAC).
    /// Returns the body when the MAC matches.
    pub fn verify_secured<'a>(&self, ins: u8, p1: u8, p2: u8, data: &'a [u8]) -> Option<&'a [u8]> {
        if data.len() < 4 {
            return None;
        }
        let (body, mac) = data.split_at(data.len() - 4);
        let expected = self.command_mac(ins, p1, p2, body);
        // Not secret-dependent timing-critical in an emulator, but be tidy.
        let diff = expected.iter().zip(mac).fold(0u8, |a, (x, y)| a | (x ^ y));
        (diff == 0).then_some(body)
    }
}

/// The longest seed of the Token2 family (single-profile and Molto2): with its `80` marker it
/// must fit the 64-byte encrypted block.
pub const MAX_SEED_LEN: usize = 63;

/// A seed both protocols can write: 1 to [`MAX_SEED_LEN`] bytes. `empty` says what an empty
/// seed would do on the device (it is refused either way).
pub fn check_seed(seed: &[u8], empty: &str) -> Result<(), String> {
    if seed.is_empty() {
        return Err(format!("empty seed refused ({empty})"));
    }
    if seed.len() > MAX_SEED_LEN {
        return Err(format!("{} bytes; at most {MAX_SEED_LEN}", seed.len()));
    }
    Ok(())
}

/// Seed padding: **always** append `80`, then `00`s up to a multiple of 16.
/// A 16-byte seed therefore becomes 32 bytes.
pub fn pad_seed(seed: &[u8]) -> Zeroizing<Vec<u8>> {
    pad_marker(seed)
}

/// Molto2 title padding: title (≤ 12 bytes, checked by the caller) || `80`
/// || `00`… to 16 bytes.
pub fn pad_title(title: &[u8]) -> Zeroizing<Vec<u8>> {
    pad_marker(title)
}

fn pad_marker(data: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(data.len() + BLOCK));
    out.extend_from_slice(data);
    out.push(0x80);
    while out.len() % BLOCK != 0 {
        out.push(0);
    }
    out
}

/// Remove `80 00…` padding: strip trailing zeros, then require a `80`.
pub fn unpad_marker(padded: &[u8]) -> Result<&[u8], CryptoError> {
    let end = padded
        .iter()
        .rposition(|&b| b != 0)
        .ok_or(CryptoError::BadPadding)?;
    if padded[end] != 0x80 {
        return Err(CryptoError::BadPadding);
    }
    Ok(&padded[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm4_standard_vector() {
        // GB/T 32907-2016 example 1.
        let key = Sm4Key::new(hex16("0123456789abcdeffedcba9876543210"));
        let ct = key
            .ecb_encrypt(&hex16("0123456789abcdeffedcba9876543210"))
            .unwrap();
        assert_eq!(ct, hex16("681edf34d206965e86b3e94f536e4246").to_vec());
        let pt = key.ecb_decrypt(&ct).unwrap();
        assert_eq!(pt.as_slice(), &hex16("0123456789abcdeffedcba9876543210"));
    }

    fn hex16(s: &str) -> [u8; 16] {
        let v = hex::decode(s).unwrap();
        v.try_into().unwrap()
    }

    #[test]
    fn seed_padding_always_adds_marker() {
        assert_eq!(pad_seed(&[1; 15]).len(), 16);
        assert_eq!(pad_seed(&[1; 16]).len(), 32);
        assert_eq!(pad_seed(&[1; 16])[16], 0x80);
        assert_eq!(pad_seed(&[1; 20]).len(), 32);
        assert_eq!(pad_seed(&[]).as_slice(), &{
            let mut b = [0u8; 16];
            b[0] = 0x80;
            b
        });
        assert_eq!(unpad_marker(&pad_seed(b"abc")).unwrap(), b"abc");
        assert_eq!(unpad_marker(&[0u8; 16]), Err(CryptoError::BadPadding));
        assert_eq!(unpad_marker(&[1u8; 16]), Err(CryptoError::BadPadding));
    }

    #[test]
    fn mac_padding_aligned_vs_unaligned() {
        let key = Sm4Key::new([7; 16]);
        // Aligned: 11 body bytes + 5 header = 16: no padding block.
        let body = [0x11u8; 11];
        let mut input = vec![0x80, 0xD4, 0, 0, 11];
        input.extend_from_slice(&body);
        let c = key.ecb_encrypt(&input).unwrap();
        assert_eq!(key.command_mac(0xD4, 0, 0, &body), c[..4]);
        // Padding with 80 00.. would give a different MAC.
        let mut padded = input.clone();
        padded.push(0x80);
        padded.resize(32, 0);
        assert_ne!(key.mac_raw(&padded), key.command_mac(0xD4, 0, 0, &body));

        // Unaligned: 10 body bytes + 5 = 15: one 80 byte pads to 16.
        let body = [0x22u8; 10];
        let mut input = vec![0x80, 0xD4, 0, 0, 10];
        input.extend_from_slice(&body);
        input.push(0x80);
        let c = key.ecb_encrypt(&input).unwrap();
        assert_eq!(key.command_mac(0xD4, 0, 0, &body), c[..4]);

        // Two blocks, CBC chaining: 27 bytes body + 5 = 32 aligned.
        let body = [0x33u8; 27];
        let mut input = vec![0x80, 0xC5, 1, 0, 27];
        input.extend_from_slice(&body);
        let b1 = key.ecb_encrypt(&input[..16]).unwrap();
        let mut x = [0u8; 16];
        for i in 0..16 {
            x[i] = b1[i] ^ input[16 + i];
        }
        let b2 = key.ecb_encrypt(&x).unwrap();
        assert_eq!(key.command_mac(0xC5, 1, 0, &body), b2[..4]);
    }

    #[test]
    fn mac_uses_class_80_and_lc_without_mac() {
        let key = Sm4Key::new([9; 16]);
        let apdu = key.secure_apdu(0xD4, 0, 0, &[1, 2, 3]);
        assert_eq!(&apdu[..5], &[0x84, 0xD4, 0, 0, 7]);
        let expected = key.mac_raw(&[0x80, 0xD4, 0, 0, 3, 1, 2, 3]);
        assert_eq!(&apdu[8..], &expected);
        assert_eq!(
            key.verify_secured(0xD4, 0, 0, &apdu[5..]),
            Some(&[1u8, 2, 3][..])
        );
        assert_eq!(key.verify_secured(0xD4, 0, 1, &apdu[5..]), None);
    }
}
