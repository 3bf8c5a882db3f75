//! Image glue: the browser decodes PNG/JPEG (`createImageBitmap`) and scales the picture down on
//! a canvas; the core finds and decodes the QR codes in the grey pixels. No image codec in wasm.

use leptos::prelude::*;
use tokensmith_core::import::qr::{decode_luma, rgba_to_luma, MAX_SIDE};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Longest side decoded. Decode time grows with the area; 2048 keeps a full-HD screenshot at
/// full size (small QR codes in it stay readable) and bounds the work for huge photos.
pub const DECODE_SIDE: u32 = 2048;
/// Longest side of a camera frame (codes fill much of a camera picture; speed matters more).
pub const CAMERA_SIDE: u32 = 960;
/// Larger files are refused before the browser decodes them (a 100 MB picture is not a
/// screenshot, and decoding it could stall the tab).
pub const MAX_FILE_BYTES: f64 = 60.0 * 1024.0 * 1024.0;

/// What came out of one picture.
pub struct Decoded {
    /// Every QR code's text (or why none could be read).
    pub texts: Result<Vec<String>, String>,
    /// (width, height) of the picture and, when scaled, the size decoded.
    pub size: (u32, u32),
    pub scaled: Option<(u32, u32)>,
    /// Time spent from the picture to the texts (browser decode, scaling, QR search).
    pub ms: f64,
}

pub fn now_ms() -> f64 {
    window().performance().map(|p| p.now()).unwrap_or(0.0)
}

/// Resolves after the browser had a chance to paint (so "Decoding…" shows before a long,
/// blocking decode) and to handle pending input.
pub async fn yield_to_browser() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let w = window();
        let cb = wasm_bindgen::closure::Closure::once_into_js(move || {
            let _ = window()
                .set_timeout_with_callback_and_timeout_and_arguments_0(resolve.unchecked_ref(), 0);
        });
        if w.request_animation_frame(cb.unchecked_ref()).is_err() {
            // No frames (hidden tab): a timeout alone still yields to the event loop.
            let _ = window()
                .set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), 0);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// The scaled size so the longer side is at most `limit`.
pub fn fit(w: u32, h: u32, limit: u32) -> (u32, u32) {
    let long = w.max(h);
    if long <= limit {
        return (w, h);
    }
    let f = limit as f64 / long as f64;
    (
        ((w as f64 * f).round() as u32).max(1),
        ((h as f64 * f).round() as u32).max(1),
    )
}

/// A 2D context meant for reading pixels back, on a fresh canvas of the given size.
pub fn canvas(
    w: u32,
    h: u32,
) -> Result<
    (
        web_sys::HtmlCanvasElement,
        web_sys::CanvasRenderingContext2d,
    ),
    String,
> {
    let c: web_sys::HtmlCanvasElement = document()
        .create_element("canvas")
        .map_err(|_| "the browser could not create a canvas".to_string())?
        .unchecked_into();
    c.set_width(w);
    c.set_height(h);
    let opts = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&opts, &"willReadFrequently".into(), &JsValue::TRUE);
    let ctx: web_sys::CanvasRenderingContext2d = c
        .get_context_with_context_options("2d", &opts)
        .ok()
        .flatten()
        .ok_or_else(|| "the browser could not create a canvas".to_string())?
        .unchecked_into();
    // A strong reduction with the default (low) smoothing aliases QR modules away.
    let _ = js_sys::Reflect::set(&ctx, &"imageSmoothingQuality".into(), &"high".into());
    Ok((c, ctx))
}

/// Reads the canvas back and decodes every QR code in it.
pub fn decode_canvas(
    ctx: &web_sys::CanvasRenderingContext2d,
    w: u32,
    h: u32,
) -> Result<Vec<String>, String> {
    let data = ctx
        .get_image_data(0.0, 0.0, w as f64, h as f64)
        .map_err(|_| "the browser could not read the picture's pixels".to_string())?;
    let rgba = data.data();
    let luma = rgba_to_luma(&rgba);
    drop(rgba);
    decode_luma(w as usize, h as usize, &luma).map_err(|e| e.to_string())
}

/// Decodes a picture file or clipboard image. The blob and pixels are dropped when done.
pub async fn decode_blob(blob: web_sys::Blob) -> Result<Decoded, String> {
    if blob.size() > MAX_FILE_BYTES {
        return Err(format!(
            "the picture is {} MB; use a screenshot or a smaller photo (up to {} MB)",
            (blob.size() / 1_048_576.0).round() as u64,
            (MAX_FILE_BYTES / 1_048_576.0) as u64
        ));
    }
    let start = now_ms();
    let promise = window()
        .create_image_bitmap_with_blob(&blob)
        .map_err(|_| not_a_picture())?;
    let bitmap: web_sys::ImageBitmap = JsFuture::from(promise)
        .await
        .map_err(|_| not_a_picture())?
        .unchecked_into();
    let (w, h) = (bitmap.width(), bitmap.height());
    let draw = |sw: u32, sh: u32| {
        canvas(sw, sh).and_then(|(_c, ctx)| {
            ctx.draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, sw as f64, sh as f64)
                .map_err(|_| "the browser could not draw the picture".to_string())?;
            decode_canvas(&ctx, sw, sh)
        })
    };
    let (mut sw, mut sh) = fit(w, h, DECODE_SIDE);
    let mut result = draw(sw, sh);
    // A small code in a big picture (a 4K screenshot) may not survive the reduction: one more
    // try at up to MAX_SIDE, paid only when the first found nothing.
    if result.is_err() && w.max(h) > DECODE_SIDE {
        yield_to_browser().await;
        (sw, sh) = fit(w, h, MAX_SIDE as u32);
        result = draw(sw, sh);
    }
    bitmap.close();
    Ok(Decoded {
        texts: result,
        size: (w, h),
        scaled: ((sw, sh) != (w, h)).then_some((sw, sh)),
        ms: now_ms() - start,
    })
}

fn not_a_picture() -> String {
    "the file is not a picture the browser can read (PNG, JPEG, GIF or WebP), or it is damaged"
        .into()
}
