//! QR codes in pictures: `import::qr::decode_luma`, and what it reads goes on to `classify`,
//! as in the page.
//!
//! Input: two bytes of width (little-endian), then luma bytes row by row. At most
//! [`MAX_PIXELS`] bytes are used; the width is kept between 1 and their number, the height is
//! what fills whole rows, and a partial last row is dropped, so every input is a picture of
//! consistent size.

use tokensmith_core::import::qr::decode_luma;
use tokensmith_core::import::ImportError;

use crate::check;

/// 48×48: room for an otpauth link's QR code at one pixel a module. Decoding time grows faster
/// than the area (about 1 ms natively at this size for noise), and small pictures reach the same
/// code paths, so larger ones would only cost executions.
pub const MAX_PIXELS: usize = 48 * 48;

/// The input format of this target (also how the seed pictures are written).
pub fn encode(width: u16, luma: &[u8]) -> Vec<u8> {
    let mut data = width.to_le_bytes().to_vec();
    data.extend_from_slice(luma);
    data
}

pub fn run(data: &[u8]) {
    let Some((head, luma)) = data.split_first_chunk::<2>() else {
        return;
    };
    let luma = &luma[..luma.len().min(MAX_PIXELS)];
    let width = usize::from(u16::from_le_bytes(*head)).clamp(1, luma.len().max(1));
    let height = luma.len() / width;
    let luma = &luma[..width * height];
    match decode_luma(width, height, luma) {
        Ok(texts) => {
            assert!(!texts.is_empty(), "success with no text");
            for (i, text) in texts.iter().enumerate() {
                assert!(!texts[..i].contains(text), "{text:?} reported twice");
                crate::classify::check_text(text);
            }
        }
        Err(ImportError::NoQrCode) => {}
        Err(ImportError::Image(message)) => {
            check::short_message("qr", &message);
            assert!(
                height == 0 || message.contains("QR code"),
                "a picture of a valid size refused: {message}"
            );
        }
        Err(other) => panic!("unexpected error kind: {other:?}"),
    }
}
