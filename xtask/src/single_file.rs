//! Turns Trunk's output into pages that carry a strict Content-Security-Policy, and into one
//! self-contained HTML file (JS and wasm inlined) that works opened from disk.
//!
//! Pure string work, so it is unit tested here without a build.

use data_encoding::BASE64;
use sha2::{Digest, Sha256};
use tokensmith_api::page::LOOPBACK_CONNECT_SOURCES;

/// The contents of every inline `<tag …>…</tag>` element (elements with `src=` are skipped).
pub fn inline_blocks<'a>(html: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start..];
        let Some(gt) = after.find('>') else { break };
        let attrs = &after[open.len()..gt];
        let body = &after[gt + 1..];
        let Some(end) = body.find(&close) else { break };
        if !attrs.contains(" src=") && !attrs.contains(" href=") {
            out.push(&body[..end]);
        }
        rest = &body[end + close.len()..];
    }
    out
}

fn hash_source(content: &str) -> String {
    format!(
        "'sha256-{}'",
        BASE64.encode(&Sha256::digest(content.as_bytes()))
    )
}

/// A policy that allows exactly the page's own inline code (by hash; the hosted build also its
/// own script and style files), WebAssembly compilation, and network access only to the
/// bridge on loopback — never `'self'`, which for a page on an intranet server is that server.
pub fn policy(html: &str, hosted: bool) -> String {
    let hashes = |tag| {
        inline_blocks(html, tag)
            .into_iter()
            .map(hash_source)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let own = if hosted { "'self' " } else { "" };
    format!(
        "default-src 'none'; script-src {own}{} 'wasm-unsafe-eval'; style-src {own}{}; \
         img-src data: blob:; connect-src {LOOPBACK_CONNECT_SOURCES}; \
         base-uri 'none'; form-action 'none'",
        hashes("script"),
        hashes("style"),
    )
}

/// Inserts the policy as the first element of `<head>`, so it governs everything after it.
/// Returns the page and the policy (which the build also hands to the server as data).
pub fn with_policy(html: &str, hosted: bool) -> Result<(String, String), String> {
    if html.contains("http-equiv=\"Content-Security-Policy\"") {
        return Err("the page already has a Content-Security-Policy meta tag".into());
    }
    let csp = policy(html, hosted);
    let head = html.find("<head>").ok_or("the page has no <head>")? + "<head>".len();
    let page = format!(
        "{}\n<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">{}",
        &html[..head],
        &html[head..]
    );
    Ok((page, csp))
}

/// Removes every element that starts with `start` and ends at the first `end` after it.
fn remove_all(html: &str, start: &str, end: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find(start) {
        out.push_str(&rest[..i]);
        match rest[i..].find(end) {
            Some(j) => rest = &rest[i + j + end.len()..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Builds the offline single file from Trunk's `index.html` (without CSP), the wasm-bindgen
/// JS module and the optimised wasm.
///
/// ES-module imports and `fetch` both fail on `file://`, so the JS is inlined as a module
/// script and the wasm travels as base64, decoded and handed to the init function directly.
pub fn single_file(index_html: &str, js: &str, wasm: &[u8]) -> Result<(String, String), String> {
    if js.contains("</script") {
        return Err("the generated JS contains '</script' and cannot be inlined".into());
    }
    if js.lines().any(|l| l.trim_start().starts_with("import ")) {
        return Err(
            "the generated JS imports other files (wasm-bindgen snippets?); \
                    the single file cannot load them from disk"
                .into(),
        );
    }
    if !js.contains("async function __wbg_init(") {
        return Err(
            "the generated JS has no `__wbg_init` function: wasm-bindgen changed its \
                    output; update xtask/src/single_file.rs"
                .into(),
        );
    }
    let mut page = remove_all(index_html, "<link rel=\"modulepreload\"", ">");
    page = remove_all(&page, "<link rel=\"preload\"", ">");
    page = remove_all(&page, "<script type=\"module\"", "</script>");
    if page.contains("<script") {
        return Err("Trunk's page has a script the single file does not expect".into());
    }
    let loader = format!(
        "<script type=\"module\">\n{js}\nconst wasmBytes = Uint8Array.from(atob(\"{}\"), (c) => c.charCodeAt(0));\nawait __wbg_init({{ module_or_path: wasmBytes }});\n</script>\n",
        BASE64.encode(wasm)
    );
    let body_end = page.rfind("</body>").ok_or("the page has no </body>")?;
    page.insert_str(body_end, &loader);
    with_policy(&page, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRUNK: &str = "<!doctype html><html><head>\n<link rel=\"modulepreload\" href=\"./app-1.js\" crossorigin=\"anonymous\" integrity=\"sha384-x\">\
<link rel=\"preload\" href=\"./app-1_bg.wasm\" crossorigin=\"anonymous\" integrity=\"sha384-y\" as=\"fetch\" type=\"application/wasm\">\
<style>p{color:red}</style></head><body><p>x</p>\n<script type=\"module\">\nimport init from './app-1.js';\nconst wasm = await init({ module_or_path: './app-1_bg.wasm' });\n</script></body></html>";

    const JS: &str =
        "let wasm;\nasync function __wbg_init(module_or_path) { }\nexport default __wbg_init;\n";

    #[test]
    fn hosted_policy_hashes_each_inline_block() {
        let (page, csp) = with_policy(TRUNK, true).unwrap();
        assert!(page.contains(&format!("content=\"{csp}\"")));
        let script = "\nimport init from './app-1.js';\nconst wasm = await init({ module_or_path: './app-1_bg.wasm' });\n";
        assert!(page.contains(&hash_source(script)));
        assert!(page.contains(&hash_source("p{color:red}")));
        // Loopback only: on an intranet server, 'self' would be that server, not the bridge.
        assert!(page.contains("connect-src http://127.0.0.1:* http://localhost:*; base-uri"));
        assert!(!csp.contains("connect-src 'self'"), "{csp}");
        // No IPv6 literal: Chromium rejects `http://[::1]:*` as an invalid source (console
        // error) and ignores it (tests/e2e/single-file.test.mjs checks the console).
        assert!(!csp.contains("[::1]"), "{csp}");
        assert!(page.contains("default-src 'none'"));
        let meta = page.find("Content-Security-Policy").unwrap();
        assert!(meta < page.find("<link").unwrap() && meta < page.find("<style").unwrap());
    }

    #[test]
    fn known_sha256_source() {
        // printf 'alert(1)' | openssl dgst -sha256 -binary | base64
        assert_eq!(
            hash_source("alert(1)"),
            "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
        );
    }

    #[test]
    fn single_file_inlines_js_and_wasm_and_drops_remote_loading() {
        let (page, csp) = single_file(TRUNK, JS, &[0, 97, 115, 109]).unwrap();
        assert!(csp.contains("connect-src http://127.0.0.1:* http://localhost:*;"));
        assert!(!csp.contains("[::1]"), "{csp}");
        assert!(!page.contains("app-1.js") && !page.contains("app-1_bg.wasm"));
        assert!(!page.contains("modulepreload") && !page.contains("rel=\"preload\""));
        assert!(page.contains("atob(\"AGFzbQ==\")"));
        assert!(page.contains("await __wbg_init({ module_or_path: wasmBytes })"));
        let scripts = inline_blocks(&page, "script");
        assert_eq!(scripts.len(), 1);
        assert!(page.contains(&hash_source(scripts[0])));
        assert!(
            !page.contains("'self'"),
            "a file:// page has no origin to allow"
        );
        assert!(page.contains("<p>x</p>"));
    }

    #[test]
    fn single_file_refuses_what_it_cannot_inline() {
        let err = single_file(
            TRUNK,
            "import x from './snippets/a.js';\nasync function __wbg_init(m) {}",
            &[],
        );
        assert!(err.unwrap_err().contains("imports other files"));
        let err = single_file(
            TRUNK,
            "const s = '</script>';async function __wbg_init(m) {}",
            &[],
        );
        assert!(err.unwrap_err().contains("</script"));
        let err = single_file(TRUNK, "function init() {}", &[]);
        assert!(err.unwrap_err().contains("__wbg_init"));
    }

    #[test]
    fn policy_is_added_once() {
        let (page, _) = with_policy(TRUNK, true).unwrap();
        assert!(with_policy(&page, true).is_err());
    }
}
