//! Finds and decodes every QR code in a greyscale image.
//!
//! The browser decodes PNG/JPEG and scales the picture down with a canvas, so the wasm carries
//! no image codecs; this module only sees luma bytes, one per pixel, row by row.

use super::ImportError;

/// Larger images are refused: the caller must scale down first (decode time grows with area).
pub const MAX_SIDE: usize = 4096;

/// Converts canvas `ImageData` (RGBA, 4 bytes a pixel) to luma (ITU-R BT.601 weights).
pub fn rgba_to_luma(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .map(|p| ((299 * p[0] as u32 + 587 * p[1] as u32 + 114 * p[2] as u32) / 1000) as u8)
        .collect()
}

/// Every QR code's text, in the order found. Errors say whether nothing looked like a QR code
/// or a code was seen but could not be read.
pub fn decode_luma(width: usize, height: usize, luma: &[u8]) -> Result<Vec<String>, ImportError> {
    if width == 0 || height == 0 || width.checked_mul(height) != Some(luma.len()) {
        return Err(ImportError::Image(format!(
            "the image data does not match its size ({width}×{height}, {} bytes)",
            luma.len()
        )));
    }
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(ImportError::Image(format!(
            "the image is {width}×{height}; scale it to at most {MAX_SIDE} pixels a side"
        )));
    }
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| luma[y * width + x]);
    let grids = img.detect_grids();
    if grids.is_empty() {
        return Err(ImportError::NoQrCode);
    }
    let texts: Vec<String> = grids.iter().filter_map(|g| g.decode().ok().map(|(_, s)| s)).collect();
    if texts.is_empty() {
        return Err(ImportError::Image(
            "a QR code was found but could not be read: use a sharper, uncropped picture".into(),
        ));
    }
    Ok(texts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use qrcode::QrCode;

    /// Renders `text` as a QR code with `scale` pixels a module, placed at (`ox`, `oy`) on a
    /// white `w`×`h` canvas sprinkled with grey noise.
    fn picture(text: &str, scale: usize, ox: usize, oy: usize, w: usize, h: usize) -> Vec<u8> {
        let code = QrCode::new(text.as_bytes()).unwrap();
        let n = code.width();
        let colors = code.to_colors();
        let mut img: Vec<u8> = (0..w * h).map(|i| if (i * 7919) % 13 == 0 { 200 } else { 255 }).collect();
        for y in 0..n * scale {
            for x in 0..n * scale {
                if colors[(y / scale) * n + x / scale] == qrcode::Color::Dark {
                    img[(oy + y) * w + ox + x] = 0;
                }
            }
        }
        img
    }

    #[test]
    fn decodes_an_otpauth_code_among_noise() {
        let uri = "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example";
        let img = picture(uri, 4, 300, 150, 800, 600);
        assert_eq!(decode_luma(800, 600, &img).unwrap(), vec![uri.to_string()]);
    }

    #[test]
    fn finds_two_codes_in_one_image() {
        let (w, h) = (900, 400);
        let mut img = picture("first", 5, 40, 40, w, h);
        let second = picture("second", 5, 500, 40, w, h);
        for (a, b) in img.iter_mut().zip(second) {
            *a = (*a).min(b);
        }
        let mut got = decode_luma(w, h, &img).unwrap();
        got.sort();
        assert_eq!(got, vec!["first", "second"]);
    }

    #[test]
    fn errors() {
        let blank = vec![255u8; 100 * 100];
        assert!(matches!(decode_luma(100, 100, &blank), Err(ImportError::NoQrCode)));
        assert!(decode_luma(100, 99, &blank).unwrap_err().to_string().contains("does not match"));
        let huge = vec![0u8; 5000];
        assert!(decode_luma(5000, 1, &huge).unwrap_err().to_string().contains("at most 4096"));
    }

    #[test]
    fn luma_weights() {
        assert_eq!(rgba_to_luma(&[255, 255, 255, 255, 0, 0, 0, 255, 255, 0, 0, 255]), vec![255, 0, 76]);
    }
}
