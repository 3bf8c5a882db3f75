//! PSKC import: plain, pre-shared-key and password-encrypted containers.

use data_encoding::{BASE64, BASE64_NOPAD};
use zeroize::Zeroizing;

use super::crypto::{Cipher, MacAlgorithm, Prf};
use super::dom::{self, Element};
use super::{Lock, Unlock, MAX_ITERATIONS, PBKDF2_URI};
use crate::echo::echo;
use crate::entra::TokenRecord;
use crate::formats::{digits_supported, FormatError, OathToken};
use crate::otp::Algorithm;
use crate::otpauth::Kind;
use crate::secret::Secret;

fn container_error(element: &str, message: impl Into<String>) -> FormatError {
    FormatError::Pskc {
        package: None,
        serial: None,
        element: element.into(),
        message: message.into(),
    }
}

fn container(input: &str) -> Result<Element, FormatError> {
    let root = dom::parse(input)?;
    if root.name != "KeyContainer" {
        return Err(container_error(
            &root.name,
            "the file's top element is not a PSKC KeyContainer: this is not a PSKC (RFC 6030) file",
        ));
    }
    match root.attr("Version").map(str::trim) {
        None | Some("1.0" | "1") => Ok(root),
        Some(v) => Err(container_error(
            "KeyContainer",
            format!(
                "PSKC version '{}' is not supported: this reads PSKC 1.0 (RFC 6030)",
                echo(v)
            ),
        )),
    }
}

/// The first encryption algorithm the file uses for a value.
fn first_cipher(e: &Element) -> Option<&str> {
    if e.name == "EncryptionMethod" {
        return e.attr("Algorithm");
    }
    e.children.iter().find_map(first_cipher)
}

fn lock_of(root: &Element) -> Lock {
    let key_len = first_cipher(root)
        .and_then(Cipher::from_uri)
        .map_or(16, Cipher::key_len);
    let encrypted = first_cipher(root).is_some();
    match root.child("EncryptionKey") {
        Some(ek) if ek.child("DerivedKey").is_some() => Lock::Password {
            key_name: ek.text_at("DerivedKey/MasterKeyName").map(str::to_string),
        },
        Some(ek) => Lock::PresharedKey {
            key_name: ek.text_at("KeyName").map(str::to_string),
            key_len,
        },
        None if encrypted => Lock::PresharedKey {
            key_name: None,
            key_len,
        },
        None => Lock::Plain,
    }
}

/// What the file needs to be read: nothing, a pre-shared key or a password.
pub fn lock(input: &str) -> Result<Lock, FormatError> {
    container(input).map(|root| lock_of(&root))
}

/// The key a password gives for a password-protected file (PBKDF2 with the file's own
/// parameters), for [`Unlock::DerivedKey`]: the slow part of reading such a file, which the page
/// runs in its worker. Whether the password is right shows only when the file is read with it.
pub fn password_key(input: &str, password: &str) -> Result<Zeroizing<Vec<u8>>, FormatError> {
    derive(&container(input)?, password)
}

fn base64(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    let compact: Zeroizing<String> =
        Zeroizing::new(text.chars().filter(|c| !c.is_ascii_whitespace()).collect());
    BASE64
        .decode(compact.as_bytes())
        .or_else(|_| BASE64_NOPAD.decode(compact.as_bytes()))
        .ok()
        .map(Zeroizing::new)
}

fn derive(root: &Element, password: &str) -> Result<Zeroizing<Vec<u8>>, FormatError> {
    const AT: &str = "EncryptionKey/DerivedKey/KeyDerivationMethod";
    let method = root
        .path(AT)
        .ok_or_else(|| container_error(AT, "missing: a derived key must say how it is derived"))?;
    let algorithm = method.attr("Algorithm").unwrap_or_default().trim();
    if !algorithm.eq_ignore_ascii_case(PBKDF2_URI) && !algorithm.ends_with("#pbkdf2") {
        return Err(container_error(
            AT,
            format!(
                "key derivation '{}' is not supported: PSKC files use PBKDF2",
                echo(algorithm)
            ),
        ));
    }
    let params = method
        .child("PBKDF2-params")
        .ok_or_else(|| container_error(AT, "PBKDF2-params are missing"))?;
    let at = |name: &str| format!("{AT}/PBKDF2-params/{name}");
    let salt = params
        .text_at("Salt/Specified")
        .and_then(base64)
        .ok_or_else(|| container_error(&at("Salt/Specified"), "missing or not base64"))?;
    let iterations: u32 = params
        .text_at("IterationCount")
        .and_then(|t| t.parse().ok())
        .filter(|n| *n >= 1)
        .ok_or_else(|| container_error(&at("IterationCount"), "missing or not a whole number"))?;
    if iterations > MAX_ITERATIONS {
        return Err(container_error(
            &at("IterationCount"),
            format!("{iterations} iterations is more than the {MAX_ITERATIONS} this reads"),
        ));
    }
    let cipher_len = first_cipher(root)
        .and_then(Cipher::from_uri)
        .map_or(16, Cipher::key_len);
    let len = match params.text_at("KeyLength") {
        None => cipher_len,
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|n| [16, 24, 32].contains(n))
            .ok_or_else(|| {
                container_error(
                    &at("KeyLength"),
                    format!("'{}' is not an AES key length (16, 24 or 32)", echo(t)),
                )
            })?,
    };
    let prf = match params.child("PRF") {
        None => Prf::HmacSha1,
        Some(p) => {
            let uri = p.attr("Algorithm").unwrap_or(p.text.trim());
            if uri.is_empty() {
                Prf::HmacSha1
            } else {
                Prf::from_uri(uri).ok_or_else(|| {
                    container_error(
                        &at("PRF"),
                        format!("'{}' is not supported: HMAC-SHA-1, -256 or -512", echo(uri)),
                    )
                })?
            }
        }
    };
    Ok(prf.derive(password.as_bytes(), &salt, iterations, len))
}

/// The decryption key and the MAC key a container's values are checked with.
struct Keys {
    key: Option<Zeroizing<Vec<u8>>>,
    mac: Option<(MacAlgorithm, Zeroizing<Vec<u8>>)>,
}

fn wrong_key(lock: &Lock) -> FormatError {
    FormatError::WrongKey(match lock {
        Lock::Password { .. } => "the password does not open this file (its MAC key does not decrypt): check the password".into(),
        _ => "the pre-shared key does not open this file (its MAC key does not decrypt): check the key".into(),
    })
}

/// An `EncryptedValue`-shaped element: algorithm and `IV || ciphertext`.
fn sealed(e: &Element) -> Result<(Cipher, Zeroizing<Vec<u8>>), String> {
    let uri = e
        .child("EncryptionMethod")
        .and_then(|m| m.attr("Algorithm"))
        .ok_or("EncryptionMethod is missing")?;
    let cipher = Cipher::from_uri(uri).ok_or_else(|| {
        format!(
            "encryption '{}' is not supported: AES-128/192/256-CBC are",
            echo(uri)
        )
    })?;
    let data = e
        .text_at("CipherData/CipherValue")
        .and_then(base64)
        .ok_or("CipherData/CipherValue is missing or not base64")?;
    Ok((cipher, data))
}

fn keys(root: &Element, lock: &Lock, unlock: Unlock<'_>) -> Result<Keys, FormatError> {
    let key = match (lock, unlock) {
        (Lock::Plain, _) => None,
        (Lock::PresharedKey { .. }, Unlock::PresharedKey(k)) => Some(Zeroizing::new(k.to_vec())),
        (Lock::Password { .. }, Unlock::Password(p)) => Some(derive(root, p)?),
        (Lock::Password { .. }, Unlock::DerivedKey(k)) => Some(Zeroizing::new(k.to_vec())),
        (lock, _) => return Err(FormatError::Locked(lock.clone())),
    };
    let mac = match (&key, root.child("MACMethod")) {
        (Some(key), Some(method)) => {
            const AT: &str = "MACMethod";
            let uri = method.attr("Algorithm").unwrap_or_default();
            let algorithm = MacAlgorithm::from_uri(uri).ok_or_else(|| {
                container_error(
                    AT,
                    format!(
                        "MAC algorithm '{}' is not supported: HMAC-SHA-1/256/384/512 are",
                        echo(uri)
                    ),
                )
            })?;
            let mac_key_element = method.child("MACKey").ok_or_else(|| {
                container_error(AT, "MACKey is missing (a MACKeyReference to a key held elsewhere cannot be followed)")
            })?;
            let (cipher, data) =
                sealed(mac_key_element).map_err(|m| container_error("MACMethod/MACKey", m))?;
            let mac_key = cipher.decrypt(key, &data).ok_or_else(|| wrong_key(lock))?;
            Some((algorithm, mac_key))
        }
        _ => None,
    };
    Ok(Keys { key, mac })
}

/// Reads every token of a PSKC 1.0 file; `unlock` is needed when [`lock`]
/// says the file is encrypted.
pub fn read(input: &str, unlock: Unlock<'_>) -> Result<Vec<OathToken>, FormatError> {
    let root = container(input)?;
    let lock = lock_of(&root);
    let keys = keys(&root, &lock, unlock)?;
    let mut tokens = Vec::new();
    let mut packages = 0;
    for (i, package) in root.children_named("KeyPackage").enumerate() {
        packages += 1;
        let reader = Package {
            number: i + 1,
            package,
            keys: &keys,
            lock: &lock,
        };
        tokens.extend(reader.tokens()?);
    }
    if packages == 0 {
        return Err(container_error(
            "KeyContainer",
            "it holds no KeyPackage, so no token",
        ));
    }
    Ok(tokens)
}

struct Package<'a> {
    number: usize,
    package: &'a Element,
    keys: &'a Keys,
    lock: &'a Lock,
}

impl Package<'_> {
    fn error(
        &self,
        serial: Option<&str>,
        element: &str,
        message: impl Into<String>,
    ) -> FormatError {
        FormatError::Pskc {
            package: Some(self.number),
            serial: serial.map(str::to_string),
            element: element.into(),
            message: message.into(),
        }
    }

    fn tokens(&self) -> Result<Vec<OathToken>, FormatError> {
        let keys: Vec<&Element> = self.package.children_named("Key").collect();
        if keys.is_empty() {
            return Err(self.error(None, "Key", "missing: the KeyPackage holds no key"));
        }
        keys.into_iter().map(|k| self.token(k)).collect()
    }

    /// A `Data` child's value: plain, or decrypted after its MAC is checked.
    fn value(
        &self,
        serial: &str,
        data: &Element,
        name: &str,
    ) -> Result<Option<Value>, FormatError> {
        let Some(e) = data.child(name) else {
            return Ok(None);
        };
        let at = format!("Key/Data/{name}");
        if let Some(plain) = e.text_at("PlainValue") {
            return Ok(Some(Value::Plain(Zeroizing::new(plain.to_string()))));
        }
        let Some(encrypted) = e.child("EncryptedValue") else {
            return Err(self.error(
                Some(serial),
                &at,
                "has neither PlainValue nor EncryptedValue",
            ));
        };
        let (cipher, data) = sealed(encrypted).map_err(|m| self.error(Some(serial), &at, m))?;
        let Some(key) = &self.keys.key else {
            return Err(FormatError::Locked(match self.lock {
                Lock::Plain => Lock::PresharedKey {
                    key_name: None,
                    key_len: cipher.key_len(),
                },
                other => other.clone(),
            }));
        };
        if let Some((algorithm, mac_key)) = &self.keys.mac {
            let tag = e.text_at("ValueMAC").and_then(base64).ok_or_else(|| {
                self.error(
                    Some(serial),
                    &format!("{at}/ValueMAC"),
                    "missing: the file has a MAC key, so every encrypted value needs its MAC",
                )
            })?;
            if !algorithm.verify(mac_key, &data, &tag) {
                // The MAC key itself came out of the user's key or password: a wrong one passes
                // the MAC key's CBC padding about once in 256 tries and then fails here, so this
                // cannot tell a wrong key from an altered file, and says both (asking again).
                return Err(FormatError::WrongKey(
                    self.error(
                        Some(serial),
                        &format!("{at}/ValueMAC"),
                        match self.lock {
                            Lock::Password { .. } => "the MAC does not match: the password is wrong, or the file was altered or damaged",
                            _ => "the MAC does not match: the key is wrong, or the file was altered or damaged",
                        },
                    )
                    .to_string(),
                ));
            }
        }
        let plain = cipher
            .decrypt(key, &data)
            .ok_or_else(|| wrong_key(self.lock))?;
        Ok(Some(Value::Bytes(plain)))
    }

    fn number(&self, serial: &str, data: &Element, name: &str) -> Result<Option<u64>, FormatError> {
        let at = format!("Key/Data/{name}");
        Ok(match self.value(serial, data, name)? {
            None => None,
            Some(Value::Plain(text)) => Some(text.trim().parse::<u64>().map_err(|_| {
                self.error(
                    Some(serial),
                    &at,
                    format!("'{}' is not a whole number", echo(text.trim())),
                )
            })?),
            Some(Value::Bytes(bytes)) => {
                // python-pskc encrypts numbers as decimal text; other producers as big-endian bytes.
                let text = std::str::from_utf8(&bytes)
                    .ok()
                    .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()));
                match text {
                    Some(t) => t.parse().ok(),
                    None if bytes.len() <= 8 => {
                        Some(bytes.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b)))
                    }
                    None => None,
                }
                .map(Some)
                .ok_or_else(|| {
                    self.error(Some(serial), &at, "the decrypted value is not a number")
                })?
            }
        })
    }

    fn token(&self, key: &Element) -> Result<OathToken, FormatError> {
        let info = self.package.child("DeviceInfo");
        let info_text = |name: &str| {
            info.and_then(|i| i.text_at(name))
                .unwrap_or_default()
                .to_string()
        };
        let key_id = key
            .attr("Id")
            .or_else(|| key.attr("KeyId"))
            .unwrap_or_default()
            .trim();
        let serial = match info.and_then(|i| i.text_at("SerialNo")) {
            Some(s) => s.to_string(),
            None if !key_id.is_empty() => key_id.to_string(),
            None => {
                return Err(self.error(
                    None,
                    "DeviceInfo/SerialNo",
                    "missing, and the Key has no Id either: the token has no serial",
                ))
            }
        };
        let profile = key_id
            .strip_prefix(serial.as_str())
            .and_then(|rest| rest.strip_prefix('#'))
            .and_then(|p| p.parse::<u8>().ok());
        let s = Some(serial.as_str());

        let uri = key
            .attr("Algorithm")
            .or_else(|| key.attr("KeyAlgorithm"))
            .unwrap_or_default()
            .trim();
        let totp = match uri.to_ascii_lowercase().as_str() {
            u if u.ends_with(":totp") || u.ends_with("#totp") => true,
            u if u.ends_with(":hotp") || u.ends_with("#hotp") => false,
            "" => return Err(self.error(s, "Key", "has no Algorithm: it must say HOTP or TOTP")),
            _ => {
                return Err(self.error(
                    s,
                    "Key",
                    format!(
                    "algorithm '{}' is not HOTP or TOTP: only OATH HOTP/TOTP tokens are imported",
                    echo(uri)
                ),
                ))
            }
        };

        let params = key.child("AlgorithmParameters");
        let suite = params.and_then(|p| p.text_at("Suite")).or_else(|| {
            params
                .and_then(|p| p.child("Suite"))
                .and_then(|s| s.attr("hashalgo"))
        });
        let algorithm = match suite {
            None => Algorithm::Sha1,
            Some(text) => {
                let name = text
                    .to_ascii_lowercase()
                    .replace("hmac-", "")
                    .replace('-', "");
                match name.as_str() {
                    "sha1" => Algorithm::Sha1,
                    "sha256" => Algorithm::Sha256,
                    "sha512" => Algorithm::Sha512,
                    _ => {
                        return Err(self.error(
                            s,
                            "Key/AlgorithmParameters/Suite",
                            format!(
                                "'{}' is not a hash OATH tokens use (SHA1, SHA256, SHA512)",
                                echo(text)
                            ),
                        ))
                    }
                }
            }
        };
        let format = params.and_then(|p| p.child("ResponseFormat"));
        if let Some(encoding) = format.and_then(|f| f.attr("Encoding").or_else(|| f.attr("Format")))
        {
            if !encoding.trim().eq_ignore_ascii_case("DECIMAL") {
                return Err(self.error(
                    s,
                    "Key/AlgorithmParameters/ResponseFormat",
                    format!(
                        "codes in {} cannot be imported: OATH tokens show DECIMAL codes",
                        echo(encoding)
                    ),
                ));
            }
        }
        let digits = match format.and_then(|f| f.attr("Length")) {
            None => 6,
            Some(l) => l
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|d| digits_supported(*d))
                .ok_or_else(|| {
                    self.error(
                        s,
                        "Key/AlgorithmParameters/ResponseFormat",
                        format!(
                            "Length '{}' is not a code length tokens use (4–10)",
                            echo(l)
                        ),
                    )
                })?,
        };

        let data = key
            .child("Data")
            .ok_or_else(|| self.error(s, "Key/Data", "missing: the key has no secret"))?;
        let secret_bytes = match self.value(&serial, data, "Secret")? {
            None => return Err(self.error(s, "Key/Data/Secret", "missing: the key has no secret")),
            Some(Value::Plain(text)) => base64(&text)
                .ok_or_else(|| self.error(s, "Key/Data/Secret/PlainValue", "not base64"))?,
            Some(Value::Bytes(bytes)) => bytes,
        };
        let secret = Secret::from_bytes(secret_bytes.to_vec())
            .map_err(|e| self.error(s, "Key/Data/Secret", e.to_string()))?;
        let (interval, kind) = if totp {
            let step = self.number(&serial, data, "TimeInterval")?.unwrap_or(30);
            let step = u32::try_from(step)
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| {
                    self.error(
                        s,
                        "Key/Data/TimeInterval",
                        format!("{step} s is not a time step"),
                    )
                })?;
            (step, Kind::Totp)
        } else {
            let counter = self.number(&serial, data, "Counter")?.unwrap_or(0);
            (30, Kind::Hotp { counter })
        };
        let upn = key
            .text_at("UserId")
            .or_else(|| info.and_then(|i| i.text_at("UserId")))
            .unwrap_or_default()
            .to_string();
        Ok(OathToken {
            record: TokenRecord {
                upn,
                serial,
                secret,
                interval,
                manufacturer: info_text("Manufacturer"),
                model: info_text("Model"),
                algorithm,
                profile,
                display_name: key.text_at("FriendlyName").map(str::to_string),
            },
            digits,
            kind,
        })
    }
}

enum Value {
    Plain(Zeroizing<String>),
    Bytes(Zeroizing<Vec<u8>>),
}
