//! What `js/boot.js` calls: one encoded request (and its picture) in, one encoded reply out.

use crate::{answer, picture};
use js_sys::Uint8Array;
use tokensmith_worker_api::{decode, encode, Reply, Request};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use zeroize::Zeroizing;

/// Answers one request. The message's bytes are overwritten once read (they may hold seeds or a
/// file to encrypt), and so is the reply's Rust copy once handed over.
#[wasm_bindgen]
pub async fn handle(message: Uint8Array, picture: JsValue) -> Uint8Array {
    let bytes = Zeroizing::new(message.to_vec());
    message.fill(0, 0, message.length());
    let request = decode::<Request>(&bytes);
    drop(bytes);
    let reply = match request {
        Err(e) => Reply::BadRequest(e.to_string()),
        Ok(Request::Picture(source)) => Reply::Picture(picture::read(source, picture).await),
        Ok(other) => answer(other),
    };
    let out = encode(&reply)
        .or_else(|e| encode(&Reply::BadRequest(e.to_string())))
        .unwrap_or_default();
    Uint8Array::from(&out[..])
}
