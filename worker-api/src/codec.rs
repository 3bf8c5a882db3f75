//! The wire format: postcard, written into a buffer of exactly the right size (a growing
//! buffer would leave unwiped copies of the secrets in it behind), wiped when dropped.

use serde::de::DeserializeOwned;
use serde::Serialize;
use zeroize::Zeroizing;

/// A message that does not decode: page and worker from different builds, or a bug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError(pub String);

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the worker message could not be read ({})", self.0)
    }
}

impl std::error::Error for WireError {}

/// The message's bytes.
pub fn encode<T: Serialize>(message: &T) -> Result<Zeroizing<Vec<u8>>, WireError> {
    let len =
        postcard::experimental::serialized_size(message).map_err(|e| WireError(e.to_string()))?;
    let mut buf = Zeroizing::new(vec![0u8; len]);
    let used = postcard::to_slice(message, &mut buf)
        .map_err(|e| WireError(e.to_string()))?
        .len();
    buf.truncate(used);
    Ok(buf)
}

/// Reads a message; the caller wipes `bytes` afterwards (they may hold secrets).
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, WireError> {
    postcard::from_bytes(bytes).map_err(|e| WireError(e.to_string()))
}
