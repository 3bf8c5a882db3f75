//! The browser's part of a picture, inside the worker: `createImageBitmap` decodes the file
//! (PNG, JPEG, GIF, WebP — no image codec in the wasm), an `OffscreenCanvas` scales it down
//! and hands over its pixels, core finds the QR codes in their luma.

use crate::answer::read_codes;
use js_sys::{Object, Reflect};
use tokensmith_core::import::qr::rgba_to_luma;
use tokensmith_worker_api::import::{Scan, ScanError};
use tokensmith_worker_api::picture::{fit, PictureError, Read, Source, DECODE_SIDE, RETRY_SIDE};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{ImageBitmap, OffscreenCanvas, OffscreenCanvasRenderingContext2d, WorkerGlobalScope};

fn scope() -> WorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn now_ms() -> f64 {
    scope().performance().map(|p| p.now()).unwrap_or(0.0)
}

fn browser(what: &str) -> PictureError {
    PictureError::Browser(format!("the browser could not {what}"))
}

/// Decodes the picture (a `Blob` for [`Source::File`], an `ImageBitmap` for a camera frame)
/// and reads every QR code in it.
pub async fn read(source: Source, picture: JsValue) -> Result<Read, PictureError> {
    let start = now_ms();
    let bitmap: ImageBitmap = match source {
        Source::File => {
            let blob: web_sys::Blob = picture.dyn_into().map_err(|_| PictureError::NotAPicture)?;
            let promise = scope()
                .create_image_bitmap_with_blob(&blob)
                .map_err(|_| PictureError::NotAPicture)?;
            JsFuture::from(promise)
                .await
                .map_err(|_| PictureError::NotAPicture)?
                .unchecked_into()
        }
        Source::CameraFrame => picture
            .dyn_into()
            .map_err(|_| browser("take the camera frame"))?,
    };
    let (w, h) = (bitmap.width(), bitmap.height());
    let first = match source {
        Source::File => DECODE_SIDE,
        Source::CameraFrame => w.max(h),
    };
    let (mut sw, mut sh) = fit(w, h, first);
    let mut codes = scan(&bitmap, sw, sh);
    // A small code in a big picture may not survive the reduction: one more try, larger,
    // paid only when the first found nothing.
    if matches!(codes, Ok(Err(_))) && source == Source::File && w.max(h) > DECODE_SIDE {
        (sw, sh) = fit(w, h, RETRY_SIDE);
        codes = scan(&bitmap, sw, sh);
    }
    bitmap.close();
    Ok(Read {
        size: (w, h),
        scaled: ((sw, sh) != (w, h)).then_some((sw, sh)),
        codes: codes?,
        ms: now_ms() - start,
    })
}

/// Draws the picture at `w`×`h` and reads the codes; the outer error is the browser's.
fn scan(
    bitmap: &ImageBitmap,
    w: u32,
    h: u32,
) -> Result<Result<Vec<Scan>, ScanError>, PictureError> {
    let canvas = OffscreenCanvas::new(w, h).map_err(|_| browser("create a canvas"))?;
    let opts = Object::new();
    let _ = Reflect::set(&opts, &"willReadFrequently".into(), &JsValue::TRUE);
    let ctx: OffscreenCanvasRenderingContext2d = canvas
        .get_context_with_context_options("2d", &opts)
        .ok()
        .flatten()
        .ok_or_else(|| browser("create a canvas"))?
        .unchecked_into();
    // A strong reduction with the default (low) smoothing aliases QR modules away.
    let _ = Reflect::set(&ctx, &"imageSmoothingQuality".into(), &"high".into());
    ctx.draw_image_with_image_bitmap_and_dw_and_dh(bitmap, 0.0, 0.0, w as f64, h as f64)
        .map_err(|_| browser("draw the picture"))?;
    let data = ctx
        .get_image_data(0.0, 0.0, w as f64, h as f64)
        .map_err(|_| browser("read the picture's pixels"))?;
    let rgba = data.data();
    let luma = rgba_to_luma(&rgba);
    drop(rgba);
    Ok(read_codes(w as usize, h as usize, &luma))
}
