//! Where the worker comes from, and starting it: from the single file's inert embedded script
//! (a `blob:` URL; the wasm is handed over gzip-compressed in base64), or from the hosted
//! `dist/` files the page names (see `tokensmith_worker_api::page`). A restart hands over the
//! module compiled the first time instead.

use super::client::{on_error, on_message};
use js_sys::{Array, Object, Reflect};
use tokensmith_worker_api::page::{HostedWorker, EMBEDDED_JS_ID, EMBEDDED_WASM_ID, HOSTED_ID};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, BlobPropertyBag, Event, MessageEvent, Url, Worker};

/// A started worker. Dropping it stops it.
pub struct Running {
    worker: Worker,
    ready: bool,
    /// The single file's `blob:` URL, revoked with the worker.
    blob_url: Option<String>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

impl Running {
    pub fn is_ready(&self) -> bool {
        self.ready
    }

    pub fn ready(&mut self) {
        self.ready = true;
    }

    pub fn post(&self, message: &JsValue, transfer: &Array) -> Result<(), String> {
        self.worker
            .post_message_with_transfer(message, transfer)
            .map_err(|e| describe(&e))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // No handler may run once its closure is gone.
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
        if let Some(url) = &self.blob_url {
            let _ = Url::revoke_object_url(url);
        }
    }
}

fn describe(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

fn text_of(id: &str) -> Option<String> {
    leptos::prelude::document()
        .get_element_by_id(id)
        .and_then(|e| e.text_content())
}

/// Starts a worker and asks it to compile (or, with `module`, just instantiate) its wasm.
pub fn start(module: Option<JsValue>) -> Result<Running, String> {
    let init = Object::new();
    let (worker, blob_url) = if let Some(js) = text_of(EMBEDDED_JS_ID) {
        let opts = BlobPropertyBag::new();
        opts.set_type("text/javascript");
        let blob = Blob::new_with_str_sequence_and_options(&Array::of1(&js.into()), &opts)
            .map_err(|e| describe(&e))?;
        let url = Url::create_object_url_with_blob(&blob).map_err(|e| describe(&e))?;
        let worker = Worker::new(&url).map_err(|e| {
            let _ = Url::revoke_object_url(&url);
            describe(&e)
        })?;
        if module.is_none() {
            let wasm = text_of(EMBEDDED_WASM_ID).ok_or("the page carries no worker wasm")?;
            let _ = Reflect::set(&init, &"base64".into(), &wasm.into());
            let _ = Reflect::set(&init, &"gzip".into(), &JsValue::TRUE);
        }
        (worker, Some(url))
    } else if let Some(json) = text_of(HOSTED_ID) {
        let files: HostedWorker = serde_json::from_str(&json).map_err(|e| e.to_string())?;
        let base = leptos::prelude::document()
            .base_uri()
            .ok()
            .flatten()
            .ok_or("the page has no address")?;
        let url = |file: &str| {
            Url::new_with_base(file, &base)
                .map(|u| u.href())
                .map_err(|e| describe(&e))
        };
        let worker = Worker::new(&url(&files.js)?).map_err(|e| describe(&e))?;
        if module.is_none() {
            let _ = Reflect::set(&init, &"url".into(), &url(&files.wasm)?.into());
        }
        (worker, None)
    } else {
        return Err(
            "this page was built without its worker: build it with `cargo xtask build`".into(),
        );
    };
    if let Some(m) = module {
        let _ = Reflect::set(&init, &"module".into(), &m);
    }
    let on_msg = Closure::<dyn FnMut(MessageEvent)>::new(|e: MessageEvent| on_message(e.data()));
    // An `ErrorEvent` for an error that escaped the worker; a plain `Event` when its script
    // could not be loaded.
    let on_err = Closure::<dyn FnMut(Event)>::new(|e: Event| {
        e.prevent_default();
        let why = Reflect::get(&e, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "the worker's script could not be loaded".into());
        on_error(why);
    });
    worker.set_onmessage(Some(on_msg.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_err.as_ref().unchecked_ref()));
    let running = Running {
        worker,
        ready: false,
        blob_url,
        _on_message: on_msg,
        _on_error: on_err,
    };
    let msg = Object::new();
    let _ = Reflect::set(&msg, &"init".into(), &init);
    running.post(&msg, &Array::new())?;
    Ok(running)
}
