//! The recipients' public keys this browser remembers, only while the admin asks it to: public
//! keys are not secret, but remembering is still the admin's choice (and can be undone).

use crate::browser;
use tokensmith_worker_api::openpgp::KeyInfo;

const KEY: &str = "export.recipients";

/// Keys as the worker described them (with each key's own armour) when they were confirmed.
pub fn load() -> Vec<KeyInfo> {
    browser::pref_get(KEY)
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

pub fn remembered() -> bool {
    browser::pref_get(KEY).is_some()
}

pub fn save(keys: &[KeyInfo]) {
    if let Ok(json) = serde_json::to_string(keys) {
        browser::pref_set(KEY, &json);
    }
}

pub fn forget() {
    browser::pref_remove(KEY);
}

/// "2027-01-31": the day a Unix time falls on (UTC), as the worker's messages write it.
pub fn day(unix: u64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix as f64 * 1000.0));
    String::from(date.to_iso_string())
        .chars()
        .take(10)
        .collect()
}

/// Now, in Unix seconds (keys are judged at this time).
pub fn now() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}
