//! Minimal HOTP/TOTP (RFC 4226 / RFC 6238), used by the emulators to compute
//! the codes a device would show. Hosts should use the `core` crate.

use hmac::{Hmac, Mac};

/// HMAC hash of an OTP credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlg {
    Sha1,
    Sha256,
    Sha512,
}

/// HMAC(key, message) with the given hash.
pub fn hmac(alg: HashAlg, key: &[u8], msg: &[u8]) -> Vec<u8> {
    fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], msg: &[u8]) -> Vec<u8> {
        let mut m =
            <M as hmac::digest::KeyInit>::new_from_slice(key).expect("HMAC accepts any key length");
        m.update(msg);
        m.finalize().into_bytes().to_vec()
    }
    match alg {
        HashAlg::Sha1 => run::<Hmac<sha1::Sha1>>(key, msg),
        HashAlg::Sha256 => run::<Hmac<sha2::Sha256>>(key, msg),
        HashAlg::Sha512 => run::<Hmac<sha2::Sha512>>(key, msg),
    }
}

/// The RFC 4226 dynamic truncation: 4 bytes of the HMAC starting at the
/// offset in the low nibble of the last byte (top bit NOT masked).
pub fn truncate4(mac: &[u8]) -> [u8; 4] {
    let off = (mac[mac.len() - 1] & 0x0F) as usize;
    [mac[off], mac[off + 1], mac[off + 2], mac[off + 3]]
}

/// HOTP value for `counter` with `digits` digits (as a number):
/// (31-bit truncated value) mod 10^digits.
pub fn hotp(alg: HashAlg, key: &[u8], counter: u64, digits: u32) -> u64 {
    let t = truncate4(&hmac(alg, key, &counter.to_be_bytes()));
    u64::from(u32::from_be_bytes(t) & 0x7FFF_FFFF) % 10u64.pow(digits.min(19))
}

/// Format an OTP value left-padded with zeros.
pub fn format_code(value: u64, digits: u32) -> String {
    format!("{:0width$}", value, width = digits as usize)
}

/// TOTP code string at `unix_time` with the given step and digits.
pub fn totp(alg: HashAlg, key: &[u8], unix_time: u64, step: u64, digits: u32) -> String {
    format_code(hotp(alg, key, unix_time / step, digits), digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_vectors() {
        let k1 = b"12345678901234567890";
        assert_eq!(totp(HashAlg::Sha1, k1, 59, 30, 8), "94287082");
        assert_eq!(totp(HashAlg::Sha1, k1, 1111111109, 30, 8), "07081804");
        let k256 = b"12345678901234567890123456789012";
        assert_eq!(totp(HashAlg::Sha256, k256, 59, 30, 8), "46119246");
        let k512 = b"1234567890123456789012345678901234567890123456789012345678901234";
        assert_eq!(totp(HashAlg::Sha512, k512, 59, 30, 8), "90693936");
        // RFC 4226 HOTP vectors.
        assert_eq!(hotp(HashAlg::Sha1, k1, 0, 6), 755224);
        assert_eq!(hotp(HashAlg::Sha1, k1, 9, 6), 520489);
        // 10 digits: the full 31-bit value.
        assert_eq!(hotp(HashAlg::Sha1, k1, 0, 10), 0x4c93cf18);
    }
}
