//! Pictures, the page's part: a file's size is checked here, then the file goes to the worker,
//! which decodes, scales and reads it off the main thread (`worker/src/picture.rs`); a camera
//! frame is scaled by the browser (`createImageBitmap` with a resize) and handed over.

use crate::worker::{self, Failure};
use tokensmith_worker_api::picture::{fit, Read, CAMERA_SIDE};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Larger files are refused before anything decodes them (a 100 MB picture is not a
/// screenshot, and decoding it could exhaust the worker's memory).
pub const MAX_FILE_BYTES: f64 = 60.0 * 1024.0 * 1024.0;

/// Why a picture gave nothing to show; `None` for a picture a newer one replaced.
pub fn failure_message(f: &Failure) -> Option<String> {
    match f {
        Failure::Superseded => None,
        Failure::Crashed => Some(
            "this picture could not be read (the QR decoder stopped on it): crop the picture \
             around the code, or take a screenshot of the code alone, and try again"
                .into(),
        ),
        Failure::TooSlow(limit) => Some(format!(
            "reading this picture took over {} s, so it was stopped (the QR decoder can get lost \
             in some pictures): crop the picture around the code, or take a screenshot of the \
             code alone, and try again",
            limit.as_secs()
        )),
        other => Some(other.to_string()),
    }
}

/// Reads every QR code in a picture file or clipboard image. `Ok(None)`: a newer picture
/// replaced this one.
pub async fn read_file(blob: web_sys::Blob) -> Result<Option<Read>, String> {
    if blob.size() > MAX_FILE_BYTES {
        return Err(format!(
            "the picture is {} MB; use a screenshot or a smaller photo (up to {} MB)",
            (blob.size() / 1_048_576.0).round() as u64,
            (MAX_FILE_BYTES / 1_048_576.0) as u64
        ));
    }
    match worker::read_picture(blob).await {
        Ok(read) => read.map(Some).map_err(|e| e.to_string()),
        Err(f) => failure_message(&f).map_or(Ok(None), Err),
    }
}

/// The video's current frame, scaled by the browser to at most [`CAMERA_SIDE`] a side.
pub async fn camera_frame(video: &web_sys::HtmlVideoElement) -> Option<web_sys::ImageBitmap> {
    let (w, h) = (video.video_width(), video.video_height());
    if w == 0 || h == 0 {
        return None;
    }
    let (sw, sh) = fit(w, h, CAMERA_SIDE);
    let opts = web_sys::ImageBitmapOptions::new();
    opts.set_resize_width(sw);
    opts.set_resize_height(sh);
    // A strong reduction with low-quality resampling aliases QR modules away.
    opts.set_resize_quality(web_sys::ResizeQuality::High);
    let promise = leptos::prelude::window()
        .create_image_bitmap_with_html_video_element_and_image_bitmap_options(video, &opts)
        .ok()?;
    Some(JsFuture::from(promise).await.ok()?.unchecked_into())
}
