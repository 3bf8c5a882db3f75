//! The bridge's API request bodies (`tokensmith-api`) through serde_json, as both the server
//! and the page read them: a body that is read is a flat JSON object, any field it does not
//! know is refused (never ignored: issue 14's `"algoritm"`), what is read writes back to the
//! same request, and `Debug` never shows a secret.
//!
//! Input: the first byte picks the request type ([`REQUESTS`]), the rest is the body.

use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use tokensmith_api::batch::{BatchAnswer, BatchControl, BatchStart};
use tokensmith_api::{
    BurnRequest, OathListRequest, OathNameRequest, ProfileDeleteRequest, ProfileTitleRequest,
    SecretString, SyncRequest, Target,
};

/// The request types, in the order the first byte picks them.
pub const REQUESTS: [&str; 10] = [
    "Target",
    "BurnRequest",
    "SyncRequest",
    "ProfileTitleRequest",
    "ProfileDeleteRequest",
    "OathListRequest",
    "OathNameRequest",
    "BatchStart",
    "BatchControl",
    "BatchAnswer",
];

/// The input of this target for a request type and a body (for seeds).
pub fn encode(request: &str, body: &str) -> Vec<u8> {
    let pick = REQUESTS.iter().position(|r| *r == request).expect("listed") as u8;
    let mut data = vec![pick];
    data.extend_from_slice(body.as_bytes());
    data
}

pub fn run(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let other = || Some(SecretString::from("other"));
    match REQUESTS[usize::from(pick) % REQUESTS.len()] {
        "Target" => request::<Target>(body, |_| {}),
        "BurnRequest" => request::<BurnRequest>(body, |r| {
            r.secret = "other".into();
            r.customer_key = r.customer_key.as_ref().and_then(|_| other());
            r.password = r.password.as_ref().and_then(|_| other());
        }),
        "SyncRequest" => request::<SyncRequest>(body, |r| {
            r.customer_key = r.customer_key.as_ref().and_then(|_| other());
        }),
        "ProfileTitleRequest" => request::<ProfileTitleRequest>(body, |r| {
            r.customer_key = r.customer_key.as_ref().and_then(|_| other());
        }),
        "ProfileDeleteRequest" => request::<ProfileDeleteRequest>(body, |_| {}),
        "OathListRequest" => request::<OathListRequest>(body, |r| {
            r.password = r.password.as_ref().and_then(|_| other());
        }),
        "OathNameRequest" => request::<OathNameRequest>(body, |r| {
            r.password = r.password.as_ref().and_then(|_| other());
        }),
        "BatchStart" => request::<BatchStart>(body, |r| {
            r.passphrase = r.passphrase.as_ref().and_then(|_| other());
            r.customer_key = r.customer_key.as_ref().and_then(|_| other());
            r.password = r.password.as_ref().and_then(|_| other());
        }),
        "BatchControl" => request::<BatchControl>(body, |_| {}),
        _ => request::<BatchAnswer>(body, |_| {}),
    }
}

/// The checks for one request type; `replace_secrets` swaps every secret for another text.
fn request<T>(body: &[u8], replace_secrets: impl Fn(&mut T))
where
    T: Serialize + DeserializeOwned + PartialEq + Debug + Clone,
{
    let Ok(r) = serde_json::from_slice::<T>(body) else {
        return;
    };
    let value: Value = serde_json::from_slice(body).expect("a body read as a request is JSON");
    let Value::Object(mut fields) = value else {
        panic!("a request must be a JSON object, not {}", kind(&value));
    };
    // Written back, it reads as the same request.
    let written = serde_json::to_vec(&r).expect("a request serializes");
    let again: T = serde_json::from_slice(&written).expect("a written request reads back");
    assert_eq!(again, r, "the request changed on the way back");
    // One field more, however it is spelled, is refused.
    fields.insert("zz_not_a_field".into(), Value::Bool(true));
    let e = serde_json::from_value::<T>(Value::Object(fields))
        .expect_err("an unknown field was ignored");
    assert!(e.to_string().starts_with("unknown field"), "{e}");
    // Debug shows no secret: it reads the same with other secrets.
    let mut changed = r.clone();
    replace_secrets(&mut changed);
    assert_eq!(
        format!("{r:?}"),
        format!("{changed:?}"),
        "Debug shows a secret"
    );
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
