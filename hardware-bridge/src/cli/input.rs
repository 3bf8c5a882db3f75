//! What the command line reads from files, stdin and the environment: secrets (never from
//! the command line itself) and credentials.

use std::io::Read;
use std::path::Path;

use tokensmith_api::SecretString;
use tokensmith_core::secret::{Encoding, Secret};
use zeroize::Zeroizing;

use super::{CredArgs, NewKeySource, NewPasswordArgs, SecretSource};
use crate::device::Credentials;
use crate::error::BridgeError;
use tokensmith_proto::molto2::CustomerKey;

fn read_trimmed(path: &Path) -> Result<Zeroizing<String>, BridgeError> {
    let s = Zeroizing::new(
        std::fs::read_to_string(path)
            .map_err(|e| BridgeError::BadInput(format!("{}: {e}", path.display())))?,
    );
    Ok(Zeroizing::new(s.trim().to_string()))
}

fn read_stdin() -> Result<Zeroizing<String>, BridgeError> {
    let mut s = Zeroizing::new(String::new());
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| BridgeError::BadInput(format!("stdin: {e}")))?;
    Ok(Zeroizing::new(s.trim().to_string()))
}

pub fn read_secret(src: &SecretSource) -> Result<Secret, BridgeError> {
    let text =
        match (&src.secret_file, src.secret_stdin) {
            (Some(p), _) => read_trimmed(p)?,
            (None, true) => read_stdin()?,
            (None, false) => return Err(BridgeError::BadInput(
                "no seed given: use --secret-file FILE or --secret-stdin (never the command line)"
                    .into(),
            )),
        };
    let parsed =
        Secret::parse(&text, Encoding::Auto).map_err(|e| crate::error::secret_refused(&e))?;
    if parsed.ambiguous {
        eprintln!(
            "note: the secret was read as {} (it is also valid in the other encoding)",
            parsed.encoding.as_str()
        );
    }
    Ok(parsed.secret)
}

/// A credential from its file, else from the environment variable.
fn file_or_env(file: Option<&Path>, var: &str) -> Result<Option<SecretString>, BridgeError> {
    Ok(match file {
        Some(p) => Some(SecretString::new(read_trimmed(p)?.to_string())),
        None => std::env::var(var).ok().map(SecretString::new),
    })
}

/// The new Molto2 customer key, from its file or stdin.
pub fn read_new_key(src: &NewKeySource) -> Result<CustomerKey, BridgeError> {
    let text = match &src.new_key_file {
        Some(p) => read_trimmed(p)?,
        None => read_stdin()?,
    };
    Ok(CustomerKey::parse(&text)?)
}

pub fn read_creds(c: &CredArgs) -> Result<Credentials, BridgeError> {
    let key = file_or_env(c.customer_key_file.as_deref(), "TOKENSMITH_MOLTO2_KEY")?;
    Ok(Credentials {
        customer_key: key.map(|k| CustomerKey::parse(k.as_str())).transpose()?,
        oath_password: file_or_env(c.password_file.as_deref(), "TOKENSMITH_OATH_PASSWORD")?,
    })
}

/// The new OATH access password: its file, else `$TOKENSMITH_OATH_NEW_PASSWORD`.
pub fn read_new_password(a: &NewPasswordArgs) -> Result<SecretString, BridgeError> {
    file_or_env(
        a.new_password_file.as_deref(),
        "TOKENSMITH_OATH_NEW_PASSWORD",
    )?
    .filter(|p| !p.as_str().is_empty())
    .ok_or_else(|| {
        BridgeError::BadInput(
            "no new password: give --new-password-file FILE or set $TOKENSMITH_OATH_NEW_PASSWORD"
                .into(),
        )
    })
}
