//! Pictures: the sizes they are decoded at, and what came out of one.

use crate::import::{Scan, ScanError};
use serde::{Deserialize, Serialize};

/// Longest side a picture file is decoded at first. Decode time grows with the area; 2048
/// keeps a full-HD screenshot at full size (small QR codes in it stay readable) and bounds the
/// work for huge photos.
pub const DECODE_SIDE: u32 = 2048;
/// Longest side of the second try, when the first found nothing in a larger picture (a small
/// code in a 4K screenshot may not survive the reduction): core's largest accepted side.
pub const RETRY_SIDE: u32 = tokensmith_core::import::qr::MAX_SIDE as u32;
/// Longest side of a camera frame (codes fill much of a camera picture; speed matters more).
pub const CAMERA_SIDE: u32 = 960;

/// What the picture beside a [`crate::Request::Picture`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    /// A `Blob` (file, clipboard, drop) the worker decodes and scales: [`DECODE_SIDE`], then
    /// [`RETRY_SIDE`] when nothing was found.
    File,
    /// An `ImageBitmap` of a camera frame, already scaled to [`CAMERA_SIDE`]: one pass.
    CameraFrame,
}

/// What came out of one picture.
#[derive(Debug, Serialize, Deserialize)]
pub struct Read {
    /// The picture's width and height.
    pub size: (u32, u32),
    /// The size decoded, when the picture was scaled down.
    pub scaled: Option<(u32, u32)>,
    /// Every QR code's classification, or why none could be read.
    pub codes: Result<Vec<Scan>, ScanError>,
    /// Milliseconds in the worker, from the picture to the classified texts.
    pub ms: f64,
}

/// Why a picture could not be looked at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PictureError {
    /// The browser cannot decode the file as an image.
    NotAPicture,
    /// A browser facility failed (canvas, pixels); the text says which.
    Browser(String),
}

impl std::fmt::Display for PictureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PictureError::NotAPicture => f.write_str(
                "the file is not a picture the browser can read (PNG, JPEG, GIF or WebP), or it is damaged",
            ),
            PictureError::Browser(what) => f.write_str(what),
        }
    }
}

/// The size to scale (`w`, `h`) to so the longer side is at most `limit`.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_the_aspect_and_small_pictures() {
        assert_eq!(fit(8000, 6000, DECODE_SIDE), (2048, 1536));
        assert_eq!(fit(1080, 1920, 960), (540, 960));
        assert_eq!(fit(1920, 1080, DECODE_SIDE), (1920, 1080));
        assert_eq!(fit(10_000, 1, 100), (100, 1));
    }
}
