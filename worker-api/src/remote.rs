//! Serde for core's types, without a second definition: `#[serde(remote = …)]` mirrors that the
//! compiler checks field by field against core's (a field added there fails to build here).
//! Secrets travel as bytes and land straight in core's wiping [`Secret`].

use serde::de::{Error as _, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tokensmith_core::import::migration::Migration;
use tokensmith_core::import::Scanned;
use tokensmith_core::otp::{Algorithm, OtpParams};
use tokensmith_core::otpauth::{Kind, OtpAuth};
use tokensmith_core::secret::{Encoding, Secret};
use zeroize::Zeroizing;

#[derive(Serialize, Deserialize)]
#[serde(remote = "Algorithm")]
enum AlgorithmDef {
    Sha1,
    Sha256,
    Sha512,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "OtpParams")]
struct OtpParamsDef {
    #[serde(with = "AlgorithmDef")]
    algorithm: Algorithm,
    digits: u8,
    period: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "Kind")]
enum KindDef {
    Totp,
    Hotp { counter: u64 },
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "Encoding")]
enum EncodingDef {
    Auto,
    Base32,
    Hex,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "OtpAuth")]
pub(crate) struct OtpAuthDef {
    #[serde(with = "KindDef")]
    kind: Kind,
    issuer: Option<String>,
    account: String,
    #[serde(with = "secret")]
    secret: Secret,
    #[serde(with = "OtpParamsDef")]
    params: OtpParams,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "Migration")]
struct MigrationDef {
    #[serde(with = "accounts")]
    accounts: Vec<OtpAuth>,
    skipped: Vec<String>,
    batch_index: u32,
    batch_size: u32,
    batch_id: i32,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "Scanned")]
pub(crate) enum ScannedDef {
    Account(#[serde(with = "OtpAuthDef")] OtpAuth),
    Migration(#[serde(with = "MigrationDef")] Migration),
    Secret {
        #[serde(with = "secret")]
        secret: Secret,
        #[serde(with = "EncodingDef")]
        encoding: Encoding,
        ambiguous: bool,
    },
}

/// Bytes into a wiping buffer, whichever way the format hands them over.
struct WipedBytes;

impl<'de> Visitor<'de> for WipedBytes {
    type Value = Zeroizing<Vec<u8>>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("bytes")
    }

    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        Ok(Zeroizing::new(v.to_vec()))
    }

    fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> {
        Ok(Zeroizing::new(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Zeroizing::new(Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096)));
        while let Some(b) = seq.next_element::<u8>()? {
            out.push(b);
        }
        Ok(out)
    }
}

/// `Vec<u8>` and `Zeroizing<Vec<u8>>` as one byte string (not a list of numbers).
pub(crate) mod bytes {
    use super::*;

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: From<Vec<u8>>>(d: D) -> Result<T, D::Error> {
        let mut v = d.deserialize_byte_buf(WipedBytes)?;
        Ok(T::from(std::mem::take(&mut *v)))
    }

    pub mod wiped {
        use super::*;

        pub fn serialize<S: Serializer>(v: &Zeroizing<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(v)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Zeroizing<Vec<u8>>, D::Error> {
            d.deserialize_byte_buf(WipedBytes)
        }
    }
}

pub(crate) mod secret {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Secret, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v.as_bytes())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        let mut v = d.deserialize_byte_buf(WipedBytes)?;
        // Moves the allocation into the Secret: no unwiped copy is left behind.
        Secret::from_bytes(std::mem::take(&mut *v)).map_err(D::Error::custom)
    }
}

/// A list of core accounts.
pub(crate) mod accounts {
    use super::*;

    struct Ser<'a>(&'a OtpAuth);

    impl Serialize for Ser<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            OtpAuthDef::serialize(self.0, s)
        }
    }

    #[derive(Deserialize)]
    struct De(#[serde(with = "OtpAuthDef")] OtpAuth);

    pub fn serialize<S: Serializer>(v: &[OtpAuth], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(Ser))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<OtpAuth>, D::Error> {
        Ok(Vec::<De>::deserialize(d)?
            .into_iter()
            .map(|a| a.0)
            .collect())
    }
}
