//! The first-paint shell: a small module the page compiles before the app. It shows the
//! page's header and the current code of the seed the page starts with (`first::decide`:
//! the kept job's row, or a fresh seed), hands that seed to the app (`handoff`), and keeps the
//! code current until the app's first render replaces its view. It does nothing once the app
//! has started (a shell that lost the race shows no second seed).
#![forbid(unsafe_code)]

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use tokensmith_core::otp::{hotp, seconds_remaining, time_step, OtpParams};
use tokensmith_core::secret::Secret;
use tokensmith_shell::{first, handoff, words};
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element};

fn main() {
    if handoff::app_started() {
        return;
    }
    let Some(first) = first::decide() else {
        // No CSPRNG: the app says so in its seed step.
        return;
    };
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        if show(&doc, first.secret, first.otp).is_err() {
            // The app shows everything anyway; a half-built view must not stay.
            handoff::retire();
        }
    }
}

fn el(doc: &Document, tag: &str, class: &str, text: &str) -> Result<Element, JsValue> {
    let e = doc.create_element(tag)?;
    if !class.is_empty() {
        e.set_class_name(class);
    }
    if !text.is_empty() {
        e.set_text_content(Some(text));
    }
    Ok(e)
}

fn now() -> i64 {
    (js_sys::Date::now() / 1000.0).floor() as i64
}

fn code(secret: &Secret, otp: OtpParams, t: i64) -> String {
    time_step(t, otp.period)
        .and_then(|step| hotp(secret.as_bytes(), step, otp.algorithm, otp.digits))
        .unwrap_or_default()
}

fn show(doc: &Document, secret: Secret, otp: OtpParams) -> Result<(), JsValue> {
    let body = doc.body().ok_or("no body")?;
    let view = el(doc, "div", "", "")?;
    view.set_id(handoff::VIEW_ID);
    view.set_attribute("aria-busy", "true")?;
    let header = el(doc, "header", "", "")?;
    let (title, tagline) = (
        el(doc, "h1", "", "Tokensmith")?,
        el(doc, "p", "", words::TAGLINE)?,
    );
    header.append_child(&title)?;
    header.append_child(&tagline)?;
    // The app's progress line takes this height: an empty one keeps the card where step 1 goes.
    let progress = el(doc, "nav", "progress shell-progress", "")?;
    progress.set_attribute("aria-hidden", "true")?;
    let (list, item, no) = (
        el(doc, "ol", "", "")?,
        el(doc, "li", "", "")?,
        el(doc, "span", "step-no", "1")?,
    );
    item.append_child(&no)?;
    list.append_child(&item)?;
    progress.append_child(&list)?;
    let main = el(doc, "main", "", "")?;
    let section = el(doc, "section", "shell", "")?;
    section.set_attribute("aria-labelledby", "shell-h")?;
    let h2 = el(doc, "h2", "", "Current code")?;
    h2.set_id("shell-h");
    let params = el(doc, "div", "muted", &words::summary(&otp))?;
    let shown = el(doc, "div", "code", &code(&secret, otp, now()))?;
    shown.set_attribute("data-testid", "shell-code")?;
    shown.set_attribute("aria-label", "Current code")?;
    let left = el(
        doc,
        "div",
        "muted",
        &format!("{} s left", seconds_remaining(now(), otp.period)),
    )?;
    let label = el(doc, "label", "", "Seed (masked)")?;
    label.set_attribute("for", "shell-seed")?;
    let seed = el(doc, "input", "secret", "")?;
    seed.set_id("shell-seed");
    seed.set_attribute("type", "password")?;
    seed.set_attribute("readonly", "")?;
    seed.set_attribute("autocomplete", "off")?;
    seed.set_attribute("value", &secret.to_base32_grouped())?;
    let note = el(doc, "p", "muted", "Loading the rest of the page…")?;
    for child in [&h2, &params, &shown, &left, &label, &seed, &note] {
        section.append_child(child)?;
    }
    main.append_child(&section)?;
    view.append_child(&header)?;
    view.append_child(&progress)?;
    view.append_child(&main)?;
    body.prepend_with_node_1(&view)?;
    handoff::give(&secret);
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark("tokensmith:shell-shown");
    }
    tick(view, shown, left, secret, otp)
}

/// Keeps the code and countdown current while the view is in the page; then stops and drops
/// (wipes) the shell's copy of the seed.
fn tick(
    view: Element,
    shown: Element,
    left: Element,
    secret: Secret,
    otp: OtpParams,
) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let secret = RefCell::new(Some(secret));
    let id = Rc::new(Cell::new(0));
    let timer = id.clone();
    let on_tick = Closure::<dyn FnMut()>::new(move || {
        if !view.is_connected() {
            secret.borrow_mut().take();
            if let Some(w) = web_sys::window() {
                w.clear_interval_with_handle(timer.get());
            }
            return;
        }
        if let Some(s) = secret.borrow().as_ref() {
            let t = now();
            shown.set_text_content(Some(&code(s, otp, t)));
            left.set_text_content(Some(&format!(
                "{} s left",
                seconds_remaining(t, otp.period)
            )));
        }
    });
    id.set(
        window.set_interval_with_callback_and_timeout_and_arguments_0(
            on_tick.as_ref().unchecked_ref(),
            250,
        )?,
    );
    // The timer owns the closure until the page goes.
    on_tick.forget();
    Ok(())
}
