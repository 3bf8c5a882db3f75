//! The few browser services the page uses: clipboard, file download and upload, and the
//! non-secret preferences kept in localStorage. Nothing secret is ever passed to `pref_set`.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use zeroize::Zeroizing;

/// Copies text (borrowed: a secret stays in its caller's wiped buffer); resolves to a message
/// for the status line.
pub async fn copy_text(text: &str, what: &str) -> String {
    let clipboard = window().navigator().clipboard();
    match JsFuture::from(clipboard.write_text(text)).await {
        Ok(_) => format!("{what} copied to the clipboard."),
        Err(_) => format!(
            "Could not copy the {what}: the browser refused clipboard access. Select the text and copy it by hand."
        ),
    }
}

/// Offers `text` as a file download (a Blob and a temporary link: no network, no data: URL).
pub fn download(name: &str, mime: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    download_parts(name, mime, &parts)
}

/// Offers bytes (a binary OpenPGP message) as a file download.
pub fn download_bytes(name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    download_parts(name, mime, &parts)
}

fn download_parts(name: &str, mime: &str, parts: &js_sys::Array) -> Result<(), String> {
    let fail = |what: &str, e: JsValue| format!("Could not save {name}: {what} ({e:?})");
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(parts, &opts)
        .map_err(|e| fail("no Blob", e))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| fail("no URL", e))?;
    let a: web_sys::HtmlAnchorElement = document()
        .create_element("a")
        .map_err(|e| fail("no link", e))?
        .unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.set_hidden(true);
    let body = document()
        .body()
        .ok_or_else(|| format!("Could not save {name}: no body"))?;
    body.append_child(&a).map_err(|e| fail("append", e))?;
    a.click();
    a.remove();
    // Revoke later: Chromium reads the Blob asynchronously after the click.
    set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(10),
    );
    Ok(())
}

/// The first file chosen in a file input, as bytes (a binary public key, or text of any kind).
pub async fn read_chosen_bytes(
    input: &web_sys::HtmlInputElement,
) -> Result<(String, Zeroizing<Vec<u8>>), String> {
    let file = input
        .files()
        .and_then(|f| f.get(0))
        .ok_or_else(|| "No file chosen.".to_string())?;
    let name = file.name();
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| format!("Could not read {name}."))?;
    Ok((
        name,
        Zeroizing::new(js_sys::Uint8Array::new(&buffer).to_vec()),
    ))
}

/// Reads the first file chosen in a file input as text (wiped when dropped: it may hold
/// secrets).
pub async fn read_chosen_file(
    input: web_sys::HtmlInputElement,
) -> Result<(String, Zeroizing<String>), String> {
    let file = input
        .files()
        .and_then(|f| f.get(0))
        .ok_or_else(|| "No file chosen.".to_string())?;
    let name = file.name();
    let text = JsFuture::from(file.text())
        .await
        .map_err(|_| format!("Could not read {name}."))?;
    let text = text
        .as_string()
        .map(Zeroizing::new)
        .ok_or_else(|| format!("{name} is not a text file."))?;
    Ok((name, text))
}

/// A remembered non-secret preference.
pub fn pref_get(key: &str) -> Option<String> {
    tokensmith_shell::store::get(key)
}

/// Remembers a non-secret preference (model preset, manufacturer, model, last serial, how
/// tokens are burned). Seeds go to storage only through `job::keep`, by the user's choice.
pub fn pref_set(key: &str, value: &str) {
    tokensmith_shell::store::set(key, value);
}

/// Forgets a remembered value.
pub fn pref_remove(key: &str) {
    tokensmith_shell::store::remove(key);
}

/// A phone or tablet (Android, or a touch screen with no mouse): the page cannot reach NFC
/// tokens there, so the burner app is the way to burn.
pub fn is_phone() -> bool {
    let w = window();
    let android = w
        .navigator()
        .user_agent()
        .is_ok_and(|ua| ua.contains("Android"));
    let coarse = w
        .match_media("(pointer: coarse) and (hover: none)")
        .ok()
        .flatten()
        .is_some_and(|m| m.matches());
    android || coarse
}
