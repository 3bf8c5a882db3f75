//! Where the bridge is, from how this page was opened: served by the bridge (pairing secret
//! in the URL fragment, removed from the address bar at once), opened from disk, or from
//! another server; and what the user pasted to connect.

use leptos::prelude::*;
use zeroize::Zeroizing;

/// The bridge's default port (`hardware-bridge serve` without `--port`).
pub use super::client::DEFAULT_PORT;

/// How this page was opened: decides where the bridge is and what to tell the user.
#[derive(Clone, PartialEq, Eq)]
pub(super) enum PageOrigin {
    /// Served by the bridge, pairing secret in the fragment.
    Bridge,
    /// Opened from disk: `Origin: null`.
    File,
    /// Any other origin (intranet server, development server).
    Other(String),
}

/// The start command to show, for this page's origin and the chosen port.
pub(super) fn start_command(origin: &PageOrigin, port: u16) -> String {
    let port = if port == DEFAULT_PORT {
        String::new()
    } else {
        format!(" --port {port}")
    };
    match origin {
        PageOrigin::Bridge => format!("hardware-bridge serve{port}"),
        PageOrigin::File => format!("hardware-bridge serve{port} --allow-null-origin"),
        PageOrigin::Other(o) => format!("hardware-bridge serve{port} --allow-origin {o}"),
    }
}

/// The pairing secret from a fragment like `#pair=0f3c…`.
fn pair_from_fragment(hash: &str) -> Option<Zeroizing<String>> {
    hash.trim_start_matches('#')
        .split('&')
        .find_map(|kv| kv.strip_prefix("pair="))
        .map(|s| Zeroizing::new(s.trim().to_string()))
        .filter(|s| !s.is_empty())
}

/// What the user pasted: the code alone or the whole line/URL the bridge printed (then its port
/// is taken too).
pub(super) fn parse_pasted(text: &str) -> (Zeroizing<String>, Option<u16>) {
    let t = text.trim();
    let port = t
        .find("127.0.0.1:")
        .map(|i| &t[i + "127.0.0.1:".len()..])
        .or_else(|| t.find("localhost:").map(|i| &t[i + "localhost:".len()..]))
        .and_then(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        });
    let code = match t.find("#pair=") {
        Some(i) => pair_from_fragment(&t[i..]),
        None => None,
    };
    let code = code.as_deref().map_or(t, String::as_str);
    let code = code.split_whitespace().next().unwrap_or("").to_string();
    (Zeroizing::new(code), port)
}

pub(super) fn page_origin() -> (PageOrigin, Option<Zeroizing<String>>) {
    let loc = window().location();
    let proto = loc.protocol().unwrap_or_default();
    if proto == "file:" {
        return (PageOrigin::File, None);
    }
    let host = loc.hostname().unwrap_or_default();
    let loopback = matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]" | "::1");
    let origin = loc.origin().unwrap_or_default();
    match pair_from_fragment(&loc.hash().unwrap_or_default()) {
        Some(pair) if loopback => {
            // Keep the secret out of the address bar, history and bookmarks.
            let clean = format!(
                "{}{}",
                loc.pathname().unwrap_or_default(),
                loc.search().unwrap_or_default()
            );
            if let Ok(h) = window().history() {
                let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&clean));
            }
            (PageOrigin::Bridge, Some(pair))
        }
        // Reloaded (the fragment is gone) or typed by hand: most likely the bridge again.
        _ if loopback => (PageOrigin::Bridge, None),
        _ => (PageOrigin::Other(origin), None),
    }
}
