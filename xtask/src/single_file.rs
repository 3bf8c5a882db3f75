//! Turns Trunk's output into pages that carry a strict Content-Security-Policy, and into one
//! self-contained HTML file (JS and wasm inlined) that works opened from disk.
//!
//! Pure string work, so it is unit tested here without a build.

use data_encoding::BASE64;
use sha2::{Digest, Sha256};
use tokensmith_api::page::LOOPBACK_CONNECT_SOURCES;
use tokensmith_worker_api::page::{HostedWorker, EMBEDDED_JS_ID, EMBEDDED_WASM_ID, HOSTED_ID};

/// Whether a `<script>` with these attributes runs: no type, or a JavaScript one. The worker's
/// embedded code and data are inert (`text/plain`, `application/octet-stream`, JSON): never
/// run, so they need no hash in the policy.
fn runs(script_attrs: &str) -> bool {
    match script_attrs
        .split("type=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
    {
        None => true,
        Some(t) => matches!(t, "module" | "text/javascript" | "application/javascript"),
    }
}

/// The contents of every inline `<tag …>…</tag>` element (elements with `src=` are skipped, and
/// scripts that do not run).
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
        if !attrs.contains(" src=") && !attrs.contains(" href=") && (tag != "script" || runs(attrs))
        {
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
/// own script and style files), WebAssembly compilation, its worker (the hosted page's own
/// file; the single file's from a `blob:` URL it makes itself), and network access only to the
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
    let worker = if hosted { "'self'" } else { "blob:" };
    format!(
        "default-src 'none'; script-src {own}{} 'wasm-unsafe-eval'; style-src {own}{}; \
         img-src data: blob:; worker-src {worker}; connect-src {LOOPBACK_CONNECT_SOURCES}; \
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

/// gzip at the best level, as the browser's `DecompressionStream("gzip")` reads it.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    use flate2::{write::GzEncoder, Compression};
    use std::io::Write;
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    enc.write_all(data).expect("writing to memory");
    enc.finish().expect("writing to memory")
}

/// Inserts `element` right before `</body>`.
fn before_body_end(page: &mut String, element: &str) -> Result<(), String> {
    let body_end = page.rfind("</body>").ok_or("the page has no </body>")?;
    page.insert_str(body_end, element);
    Ok(())
}

/// Names the hosted worker's files for the page (inert JSON; the page reads it on first use).
pub fn with_hosted_worker(html: &str, worker: &HostedWorker) -> Result<String, String> {
    let json = serde_json::to_string(worker).map_err(|e| e.to_string())?;
    if json.contains('<') {
        return Err(format!(
            "the worker's file names cannot go into the page: {json}"
        ));
    }
    let mut page = html.to_string();
    before_body_end(
        &mut page,
        &format!("<script type=\"application/json\" id=\"{HOSTED_ID}\">{json}</script>\n"),
    )?;
    Ok(page)
}

/// The worker carried inside the single file: its script and its gzip-compressed wasm.
pub struct EmbeddedWorker<'a> {
    pub js: &'a str,
    pub wasm_gzip: &'a [u8],
}

/// Text that can sit inside a `<script>` element without ending it or changing how the HTML
/// parser reads it.
fn check_inlinable(what: &str, text: &str) -> Result<(), String> {
    let lower = text.to_ascii_lowercase();
    for bad in ["</script", "<!--"] {
        if lower.contains(bad) {
            return Err(format!("{what} contains '{bad}' and cannot be inlined"));
        }
    }
    Ok(())
}

/// The single file's loader, after the wasm-bindgen JS (`BASE64` is replaced by the gzip-
/// compressed wasm: 60 % less to read and decode than the wasm itself, and the browser inflates
/// it while it compiles). `Uint8Array.fromBase64` is native (Chromium 140+, Firefox 133+); the
/// fallback decodes by character.
const LOADER: &str = r#"{
  // A block: the names must not clash with the glue's.
  performance.mark("tokensmith:loader");
  const base64 = "BASE64";
  const gzip = Uint8Array.fromBase64
    ? Uint8Array.fromBase64(base64)
    : Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  performance.mark("tokensmith:wasm-decoded");
  const wasm = new Blob([gzip]).stream().pipeThrough(new DecompressionStream("gzip"));
  const compiled = await WebAssembly.compileStreaming(
    new Response(wasm, { headers: { "Content-Type": "application/wasm" } }));
  performance.mark("tokensmith:wasm-compiled");
  await __wbg_init({ module_or_path: compiled });
  performance.mark("tokensmith:started");
}"#;

/// The first-paint shell's start, after its wasm-bindgen glue (`BASE64`: its wasm, about
/// 110 KiB). Compiled and run synchronously (1–2 ms; browsers allow it on the main thread for
/// modules this small): its view is in the page before the parser reads the megabytes after
/// it. Started asynchronously it waited for the parser to yield, ~70 ms later in the single
/// file.
const SHELL_LOADER: &str = r#"{
  performance.mark("tokensmith:shell");
  const base64 = "BASE64";
  wasm_bindgen.initSync({ module: Uint8Array.fromBase64
    ? Uint8Array.fromBase64(base64)
    : Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)) });
}"#;

/// The first-paint shell, as both pages carry it: one classic inline script (runs when the
/// parser reaches it, unlike a module, which waits for the whole document) right after
/// `<body>`, before every large element.
pub struct ShellScript<'a> {
    pub js: &'a str,
    pub wasm: &'a [u8],
}

/// Puts the shell's script first in `<body>`.
pub fn with_shell(html: &str, shell: &ShellScript) -> Result<String, String> {
    check_inlinable("the shell's JS", shell.js)?;
    let body = html.find("<body>").ok_or("the page has no <body>")? + "<body>".len();
    Ok(format!(
        "{}\n<script>\n{}\n{}\n</script>{}",
        &html[..body],
        shell.js,
        SHELL_LOADER.replace("BASE64", &BASE64.encode(shell.wasm)),
        &html[body..]
    ))
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
/// JS module, the optimised wasm (gzip-compressed, see [`gzip`]), and the worker.
///
/// ES-module imports and `fetch` both fail on `file://`, so the JS is inlined as a module
/// script and the wasm travels as base64, inflated, compiled and handed to the init function
/// directly. The loader marks its steps (`performance.mark("tokensmith:…")`) for the profile.
/// The worker is embedded inert, for the page to start on first use.
pub fn single_file(
    index_html: &str,
    js: &str,
    wasm_gzip: &[u8],
    worker: &EmbeddedWorker,
    shell: &ShellScript,
) -> Result<(String, String), String> {
    check_inlinable("the generated JS", js)?;
    check_inlinable("the worker's JS", worker.js)?;
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
    page = with_shell(&page, shell)?;
    let loader = format!(
        "<script type=\"module\">\n{js}\n{LOADER}\n</script>\n",
        LOADER = LOADER.replace("BASE64", &BASE64.encode(wasm_gzip))
    );
    before_body_end(&mut page, &loader)?;
    let embedded = format!(
        "<script type=\"text/plain\" id=\"{EMBEDDED_JS_ID}\">{}</script>\n\
         <script type=\"application/octet-stream\" id=\"{EMBEDDED_WASM_ID}\">{}</script>\n",
        worker.js,
        BASE64.encode(worker.wasm_gzip)
    );
    before_body_end(&mut page, &embedded)?;
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

    const SHELL: ShellScript = ShellScript {
        js: "let wasm_bindgen = (function(exports) {})({});",
        wasm: &[0, 97, 115, 109],
    };

    const WORKER: EmbeddedWorker = EmbeddedWorker {
        js: "let wasm_bindgen = (function(exports) {})({});\nself.onmessage = () => {};",
        wasm_gzip: &[0x1f, 0x8b, 8],
    };

    #[test]
    fn single_file_inlines_js_and_wasm_and_drops_remote_loading() {
        let (page, csp) = single_file(TRUNK, JS, &[0, 97, 115, 109], &WORKER, &SHELL).unwrap();
        assert!(csp.contains("connect-src http://127.0.0.1:* http://localhost:*;"));
        assert!(!csp.contains("[::1]"), "{csp}");
        assert!(!page.contains("app-1.js") && !page.contains("app-1_bg.wasm"));
        assert!(!page.contains("modulepreload") && !page.contains("rel=\"preload\""));
        assert!(page.contains("const base64 = \"AGFzbQ==\""));
        assert!(page.contains("await __wbg_init({ module_or_path: compiled })"));
        let scripts = inline_blocks(&page, "script");
        assert_eq!(
            scripts.len(),
            2,
            "the shell and the app; the worker's scripts are inert: no hash"
        );
        for script in &scripts {
            assert!(csp.contains(&hash_source(script)), "{csp}");
        }
        // The shell runs first: its script opens the body, before the app's wasm and the
        // worker's.
        assert!(
            scripts[0].starts_with(&format!("\n{}\n", SHELL.js)),
            "{}",
            scripts[0]
        );
        assert!(scripts[0].contains("const base64 = \"AGFzbQ==\""));
        let shell_at = page.find("wasm_bindgen.initSync({ module").unwrap();
        assert!(page.find("<body>").unwrap() < shell_at);
        assert!(shell_at < page.find("__wbg_init({ module_or_path").unwrap());
        assert!(shell_at < page.find(EMBEDDED_WASM_ID).unwrap());
        assert!(
            !page.contains("'self'"),
            "a file:// page has no origin to allow"
        );
        assert!(page.contains("<p>x</p>"));
        // The worker: its script as inert text, its wasm as base64 of the gzip bytes, started
        // from a blob: URL — and nothing else may start one.
        assert!(page.contains(&format!(
            "<script type=\"text/plain\" id=\"{EMBEDDED_JS_ID}\">{}</script>",
            WORKER.js
        )));
        assert!(page.contains(&format!(
            "<script type=\"application/octet-stream\" id=\"{EMBEDDED_WASM_ID}\">H4sI</script>"
        )));
        assert!(csp.contains("; worker-src blob:;"), "{csp}");
        assert!(csp.contains("default-src 'none';"), "{csp}");
    }

    #[test]
    fn hosted_page_starts_with_the_shell_allowed_by_hash() {
        let page = with_shell(TRUNK, &SHELL).unwrap();
        let (page, csp) = with_policy(&page, true).unwrap();
        let scripts = inline_blocks(&page, "script");
        assert_eq!(scripts.len(), 2, "the shell, then Trunk's loader");
        assert!(scripts[0].contains(SHELL.js) && scripts[0].contains("AGFzbQ=="));
        assert!(scripts[1].contains("import init from './app-1.js'"));
        assert!(csp.contains(&hash_source(scripts[0])), "{csp}");
        assert!(page.contains("<body>\n<script>\n"));
        let bad = ShellScript {
            js: "x = '</script>'",
            wasm: &[],
        };
        assert!(with_shell(TRUNK, &bad)
            .unwrap_err()
            .contains("the shell's JS"));
    }

    #[test]
    fn hosted_page_names_its_worker_files_and_allows_only_its_own() {
        let worker = HostedWorker {
            js: "tokensmith-worker-0123.js".into(),
            wasm: "tokensmith-worker-0123_bg.wasm".into(),
        };
        let page = with_hosted_worker(TRUNK, &worker).unwrap();
        let (page, csp) = with_policy(&page, true).unwrap();
        assert!(page.contains(&format!(
            "<script type=\"application/json\" id=\"{HOSTED_ID}\">{{\"js\":\"tokensmith-worker-0123.js\",\"wasm\":\"tokensmith-worker-0123_bg.wasm\"}}</script>"
        )));
        assert!(csp.contains("; worker-src 'self';"), "{csp}");
        assert_eq!(
            inline_blocks(&page, "script").len(),
            1,
            "JSON is not hashed"
        );
    }

    #[test]
    fn single_file_refuses_what_it_cannot_inline() {
        let err = single_file(
            TRUNK,
            "import x from './snippets/a.js';\nasync function __wbg_init(m) {}",
            &[],
            &WORKER,
            &SHELL,
        );
        assert!(err.unwrap_err().contains("imports other files"));
        let err = single_file(
            TRUNK,
            "const s = '</script>';async function __wbg_init(m) {}",
            &[],
            &WORKER,
            &SHELL,
        );
        assert!(err.unwrap_err().contains("</script"));
        let err = single_file(TRUNK, "function init() {}", &[], &WORKER, &SHELL);
        assert!(err.unwrap_err().contains("__wbg_init"));
        let worker = EmbeddedWorker {
            js: "const s = '</SCRIPT>';",
            wasm_gzip: &[],
        };
        let err = single_file(TRUNK, JS, &[], &worker, &SHELL).unwrap_err();
        assert!(
            err.contains("the worker's JS") && err.contains("</script"),
            "{err}"
        );
        let worker = EmbeddedWorker {
            js: "x = a <!-- b;",
            wasm_gzip: &[],
        };
        assert!(single_file(TRUNK, JS, &[], &worker, &SHELL)
            .unwrap_err()
            .contains("<!--"));
    }

    #[test]
    fn only_scripts_that_run_are_hashed() {
        assert!(runs(""));
        assert!(runs(" type=\"module\""));
        assert!(runs(" type=\"text/javascript\" id=\"a\""));
        assert!(!runs(" type=\"text/plain\" id=\"x\""));
        assert!(!runs(" type=\"application/octet-stream\""));
        assert!(!runs(" type=\"application/json\""));
    }

    #[test]
    fn policy_is_added_once() {
        let (page, _) = with_policy(TRUNK, true).unwrap();
        assert!(with_policy(&page, true).is_err());
    }
}
