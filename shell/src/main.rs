//! The first-paint shell: a small module the page compiles before the app. It shows the
//! page's header with its "Code now" chip (`code_now`): the current code of the seed the page
//! starts with (`first::decide`: the kept job's row, or a fresh seed), hands that seed to the
//! app (`handoff`), and keeps the chip current until the app's first render replaces its view
//! with the same header and chip. It does nothing once the app
//! has started (a shell that lost the race shows no second seed).
#![forbid(unsafe_code)]

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use tokensmith_core::otp::OtpParams;
use tokensmith_core::secret::Secret;
use tokensmith_shell::code_now::{self, CodeNow};
use tokensmith_shell::first::{self, First};
use tokensmith_shell::{handoff, words};
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
        if show(&doc, first).is_err() {
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

/// The header's chip, as the app draws it (`app::code_now`): same classes, same words.
fn chip(doc: &Document) -> Result<(Element, Element, Element), JsValue> {
    let chip = el(doc, "div", "code-now", "")?;
    chip.set_attribute("data-testid", "code-now")?;
    chip.set_attribute("title", code_now::TITLE)?;
    let label = el(doc, "span", "code-now-label", "")?;
    label.set_attribute("data-testid", "code-now-label")?;
    let code = el(doc, "span", "code-now-code", "")?;
    code.set_attribute("data-testid", "code-now-code")?;
    chip.append_child(&label)?;
    chip.append_child(&code)?;
    Ok((chip, label, code))
}

fn draw(label: &Element, code: &Element, now: &CodeNow) {
    label.set_text_content(Some(&now.label()));
    code.set_text_content(Some(now.code()));
    code.set_class_name(if now.is_code() {
        "code-now-code"
    } else {
        "code-now-code word"
    });
}

fn show(doc: &Document, first: First) -> Result<(), JsValue> {
    let body = doc.body().ok_or("no body")?;
    let view = el(doc, "div", "", "")?;
    view.set_id(handoff::VIEW_ID);
    view.set_attribute("aria-busy", "true")?;
    let header = el(doc, "header", "", "")?;
    let brand = el(doc, "div", "brand", "")?;
    let (title, tagline) = (
        el(doc, "h1", "", "Tokensmith")?,
        el(doc, "p", "", words::TAGLINE)?,
    );
    brand.append_child(&title)?;
    brand.append_child(&tagline)?;
    let (chip, label, code) = chip(doc)?;
    header.append_child(&brand)?;
    header.append_child(&chip)?;
    // The app's progress line takes this height: an empty one keeps the note where step 1 goes.
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
    let loading = el(doc, "p", "muted", "Loading the rest of the page…")?;
    main.append_child(&loading)?;
    view.append_child(&header)?;
    view.append_child(&progress)?;
    view.append_child(&main)?;
    let First {
        secret, otp, hotp, ..
    } = first;
    draw(&label, &code, &CodeNow::at(Some(&secret), otp, hotp, now()));
    body.prepend_with_node_1(&view)?;
    handoff::give(&secret);
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark("tokensmith:shell-shown");
    }
    tick(view, label, code, secret, otp, hotp)
}

/// Keeps the chip current while the view is in the page; then stops and drops (wipes) the
/// shell's copy of the seed.
fn tick(
    view: Element,
    label: Element,
    code: Element,
    secret: Secret,
    otp: OtpParams,
    hotp: bool,
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
            draw(&label, &code, &CodeNow::at(Some(s), otp, hotp, now()));
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
