//! PSKC export (see the module documentation for the layout).

use data_encoding::BASE64;
use quick_xml::escape::escape;
use zeroize::Zeroizing;

use super::crypto::{self, Cipher, MacAlgorithm};
use super::{
    issues, PasswordKey, Protection, HOTP_URI, MIN_ITERATIONS, NS_PSKC, PBKDF2_URI, TOTP_URI,
};
use crate::formats::{refuse_errors, FormatError, OathToken};
use crate::otp::Algorithm;
use crate::otpauth::Kind;

const CIPHER: Cipher = Cipher::Aes128;
const MAC: MacAlgorithm = MacAlgorithm::HmacSha256;
pub(super) const SALT_LEN: usize = 16;
pub(super) const KEY_LEN: usize = CIPHER.key_len();

pub(super) fn too_few(iterations: u32) -> FormatError {
    FormatError::Write(format!(
        "{iterations} PBKDF2 iterations would make the password cheap to guess; use at least {MIN_ITERATIONS}"
    ))
}

pub(super) fn check_password(password: &str, iterations: u32) -> Result<(), FormatError> {
    if password.is_empty() {
        return Err(FormatError::Write("the password is empty".into()));
    }
    if iterations < MIN_ITERATIONS {
        return Err(too_few(iterations));
    }
    Ok(())
}

/// §6.2's key: PBKDF2 with HMAC-SHA-1, what privacyIDEA assumes.
pub(super) fn derive(password: &str, salt: &[u8], iterations: u32) -> Zeroizing<Vec<u8>> {
    crypto::Prf::HmacSha1.derive(password.as_bytes(), salt, iterations, KEY_LEN)
}

/// The encryption key and MAC key of one export, with the XML that
/// declares them.
struct Sealer {
    key: Zeroizing<Vec<u8>>,
    mac_key: Zeroizing<Vec<u8>>,
}

impl Sealer {
    /// `<EncryptedValue>…</EncryptedValue><ValueMAC>…</ValueMAC>` for `plain`.
    fn value(&self, out: &mut String, indent: &str, plain: &[u8]) -> Result<(), FormatError> {
        let sealed = CIPHER
            .encrypt(&self.key, plain)
            .map_err(FormatError::Write)?;
        let mac = MAC.tag(&self.mac_key, &sealed);
        out.push_str(&format!(
            "{indent}<pskc:EncryptedValue>\n{indent}  <xenc:EncryptionMethod Algorithm=\"{}\"/>\n{indent}  <xenc:CipherData>\n{indent}    <xenc:CipherValue>{}</xenc:CipherValue>\n{indent}  </xenc:CipherData>\n{indent}</pskc:EncryptedValue>\n{indent}<pskc:ValueMAC>{}</pskc:ValueMAC>\n",
            CIPHER.uri(),
            BASE64.encode(&sealed),
            BASE64.encode(&mac),
        ));
        Ok(())
    }
}

fn text(s: &str) -> String {
    escape(s.trim()).into_owned()
}

fn suite(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::Sha1 => "SHA1",
        Algorithm::Sha256 => "SHA256",
        Algorithm::Sha512 => "SHA512",
    }
}

/// The key `Id`: the serial, plus the profile slot on multi-profile tokens.
pub(super) fn key_id(t: &OathToken) -> String {
    match t.record.profile {
        Some(p) => format!("{}#{p}", t.record.serial.trim()),
        None => t.record.serial.trim().to_string(),
    }
}

/// The header: namespaces, and the key declarations when encrypted.
fn header(out: &mut String, protection: Protection<'_>) -> Result<Option<Sealer>, FormatError> {
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let (key, name, derivation) = match protection {
        Protection::Plain => {
            out.push_str(&format!(
                "<pskc:KeyContainer xmlns:pskc=\"{NS_PSKC}\" Version=\"1.0\">\n"
            ));
            return Ok(None);
        }
        Protection::PresharedKey { key, key_name } => {
            (Zeroizing::new(key.as_bytes().to_vec()), key_name, None)
        }
        Protection::Password {
            password,
            key_name,
            iterations,
        } => {
            let k = PasswordKey::derive(password, iterations)?;
            (k.key.clone(), key_name, Some((k.salt, iterations)))
        }
        Protection::DerivedPassword { key, key_name } => (
            key.key.clone(),
            key_name,
            Some((key.salt.clone(), key.iterations)),
        ),
    };
    out.push_str(&format!(
        "<pskc:KeyContainer xmlns:pskc=\"{NS_PSKC}\" xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\" xmlns:xenc11=\"http://www.w3.org/2009/xmlenc11#\" xmlns:pkcs5=\"http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#\" Version=\"1.0\">\n  <pskc:EncryptionKey>\n"
    ));
    match derivation {
        None => out.push_str(&format!("    <ds:KeyName>{}</ds:KeyName>\n", text(name))),
        Some((salt, iterations)) => out.push_str(&format!(
            "    <xenc11:DerivedKey>\n      <xenc11:KeyDerivationMethod Algorithm=\"{PBKDF2_URI}\">\n        <pkcs5:PBKDF2-params>\n          <Salt>\n            <Specified>{}</Specified>\n          </Salt>\n          <IterationCount>{iterations}</IterationCount>\n          <KeyLength>{}</KeyLength>\n        </pkcs5:PBKDF2-params>\n      </xenc11:KeyDerivationMethod>\n      <xenc11:MasterKeyName>{}</xenc11:MasterKeyName>\n    </xenc11:DerivedKey>\n",
            BASE64.encode(&salt),
            CIPHER.key_len(),
            text(name)
        )),
    }
    out.push_str("  </pskc:EncryptionKey>\n");
    let mac_key = crypto::random(MAC.key_len()).map_err(FormatError::Write)?;
    let sealed_mac_key = CIPHER.encrypt(&key, &mac_key).map_err(FormatError::Write)?;
    out.push_str(&format!(
        "  <pskc:MACMethod Algorithm=\"{}\">\n    <pskc:MACKey>\n      <xenc:EncryptionMethod Algorithm=\"{}\"/>\n      <xenc:CipherData>\n        <xenc:CipherValue>{}</xenc:CipherValue>\n      </xenc:CipherData>\n    </pskc:MACKey>\n  </pskc:MACMethod>\n",
        MAC.uri(),
        CIPHER.uri(),
        BASE64.encode(&sealed_mac_key)
    ));
    Ok(Some(Sealer { key, mac_key }))
}

fn key_package(
    out: &mut String,
    t: &OathToken,
    sealer: Option<&Sealer>,
) -> Result<(), FormatError> {
    let r = &t.record;
    out.push_str("  <pskc:KeyPackage>\n    <pskc:DeviceInfo>\n");
    for (tag, value) in [
        ("Manufacturer", r.manufacturer.as_str()),
        ("SerialNo", r.serial.as_str()),
        ("Model", r.model.as_str()),
    ] {
        if !value.trim().is_empty() {
            out.push_str(&format!("      <pskc:{tag}>{}</pskc:{tag}>\n", text(value)));
        }
    }
    out.push_str("    </pskc:DeviceInfo>\n");
    let algorithm = if t.is_totp() { TOTP_URI } else { HOTP_URI };
    out.push_str(&format!(
        "    <pskc:Key Id=\"{}\" Algorithm=\"{algorithm}\">\n      <pskc:AlgorithmParameters>\n        <pskc:Suite>{}</pskc:Suite>\n        <pskc:ResponseFormat Length=\"{}\" Encoding=\"DECIMAL\"/>\n      </pskc:AlgorithmParameters>\n",
        escape(key_id(t)),
        suite(r.algorithm),
        t.digits
    ));
    if let Some(name) = r.display_name.as_deref().filter(|n| !n.trim().is_empty()) {
        out.push_str(&format!(
            "      <pskc:FriendlyName>{}</pskc:FriendlyName>\n",
            text(name)
        ));
    }
    out.push_str("      <pskc:Data>\n        <pskc:Secret>\n");
    match sealer {
        Some(s) => s.value(out, "          ", r.secret.as_bytes())?,
        None => {
            let b64 = Zeroizing::new(BASE64.encode(r.secret.as_bytes()));
            out.push_str("          <pskc:PlainValue>");
            out.push_str(&b64);
            out.push_str("</pskc:PlainValue>\n");
        }
    }
    out.push_str("        </pskc:Secret>\n");
    let (tag, value) = match t.kind {
        Kind::Totp => ("TimeInterval", u64::from(r.interval)),
        Kind::Hotp { counter } => ("Counter", counter),
    };
    out.push_str(&format!(
        "        <pskc:{tag}>\n          <pskc:PlainValue>{value}</pskc:PlainValue>\n        </pskc:{tag}>\n      </pskc:Data>\n"
    ));
    if !r.upn.trim().is_empty() {
        out.push_str(&format!(
            "      <pskc:UserId>{}</pskc:UserId>\n",
            text(&r.upn)
        ));
    }
    out.push_str("    </pskc:Key>\n  </pskc:KeyPackage>\n");
    Ok(())
}

/// Writes a PSKC 1.0 container; refuses tokens [`super::issues`] finds wrong.
pub fn write(
    tokens: &[OathToken],
    protection: Protection<'_>,
) -> Result<Zeroizing<String>, FormatError> {
    refuse_errors(issues(tokens))?;
    if tokens.is_empty() {
        return Err(FormatError::Empty("there are no tokens to export"));
    }
    // Sized so the buffer holding plain secrets never reallocates (which
    // would leave unwiped copies): fixed markup is < 1.5 KiB a token, and
    // escaping at most sextuples a character.
    let capacity = 4096
        + tokens
            .iter()
            .map(|t| {
                let r = &t.record;
                1536 + 2 * r.secret.len()
                    + 6 * (2 * r.serial.len()
                        + r.upn.len()
                        + r.manufacturer.len()
                        + r.model.len()
                        + r.display_name.as_ref().map_or(0, String::len))
            })
            .sum::<usize>();
    let mut out = Zeroizing::new(String::with_capacity(capacity));
    let sealer = header(&mut out, protection)?;
    for t in tokens {
        key_package(&mut out, t, sealer.as_ref())?;
    }
    out.push_str("</pskc:KeyContainer>\n");
    Ok(out)
}
