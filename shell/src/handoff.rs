//! How the seed passes from the shell to the app, and the shell's view to the app's: a
//! property of `window` (both modules run in the page's one JavaScript realm) holding the
//! seed's bytes, which the app copies into a `Secret`, overwrites with zeros and deletes.
//! The property's states: absent (no shell yet), the seed's bytes (the shell showed it),
//! `false` (the app started: a shell that finishes later shows nothing and gives nothing).

use js_sys::{Reflect, Uint8Array};
use tokensmith_core::secret::Secret;
use wasm_bindgen::{JsCast, JsValue};

const SEED: &str = "__tokensmithFirstSeed";

/// The id of the shell's view (its header and code), which the app's first render replaces.
pub const VIEW_ID: &str = "tokensmith-shell";

fn key() -> JsValue {
    JsValue::from_str(SEED)
}

/// The app has started (the shell must not show or give anything).
pub fn app_started() -> bool {
    web_sys::window()
        .is_some_and(|w| Reflect::get(&w, &key()).is_ok_and(|v| v.as_bool() == Some(false)))
}

/// The shell hands the seed it shows to the app.
pub fn give(secret: &Secret) {
    if let Some(w) = web_sys::window() {
        let _ = Reflect::set(&w, &key(), &Uint8Array::from(secret.as_bytes()));
    }
}

/// The app takes the seed the shell showed, if any (its JavaScript copy is overwritten), and
/// marks itself started.
pub fn take() -> Option<Secret> {
    let w = web_sys::window()?;
    let value = Reflect::get(&w, &key()).ok();
    let _ = Reflect::set(&w, &key(), &JsValue::FALSE);
    let bytes = value?.dyn_into::<Uint8Array>().ok()?;
    // `from_bytes` owns (and wipes) the copy, also when it refuses it.
    let secret = Secret::from_bytes(bytes.to_vec());
    bytes.fill(0, 0, bytes.length());
    secret.ok()
}

/// The app's first render is in the page: the shell's view goes, in the same task, so no
/// frame shows both or neither.
pub fn retire() {
    if let Some(view) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(VIEW_ID))
    {
        view.remove();
    }
}
