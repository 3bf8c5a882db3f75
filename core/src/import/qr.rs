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
    let (found, mut texts) = scan(width, height, luma);
    // The detector thresholds locally and samples single pixels, so noise (camera grain, JPEG
    // artefacts, dithering) can flip modules; a global threshold ignores it. Mid-grey suits
    // screenshots, Otsu's suits dim photos. Only paid for when the plain pass falls short.
    for threshold in [Some(127), None] {
        if found > 0 && texts.len() >= found {
            break;
        }
        let t = threshold.unwrap_or_else(|| otsu_threshold(luma));
        for text in scan(width, height, &binarize(luma, t)).1 {
            if !texts.contains(&text) {
                texts.push(text);
            }
        }
    }
    match (found, texts.is_empty()) {
        (_, false) => Ok(texts),
        (0, true) => Err(ImportError::NoQrCode),
        _ => Err(ImportError::Image(
            "a QR code was found but could not be read: use a sharper, uncropped picture".into(),
        )),
    }
}

/// How many codes were detected, and the texts of those that decoded.
fn scan(width: usize, height: usize, luma: &[u8]) -> (usize, Vec<String>) {
    let mut img =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| luma[y * width + x]);
    let grids = img.detect_grids();
    let texts = grids
        .iter()
        .filter_map(|g| g.decode().ok().map(|(_, s)| s))
        .collect();
    (grids.len(), texts)
}

/// The threshold that best separates the histogram's two classes (Otsu). It suits
/// low-contrast photos; on a mostly white screenshot it may split the white instead.
fn otsu_threshold(luma: &[u8]) -> u8 {
    let mut hist = [0u64; 256];
    for &v in luma {
        hist[v as usize] += 1;
    }
    let total = luma.len() as f64;
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &n)| i as f64 * n as f64)
        .sum();
    let (mut best, mut threshold) = (0.0, 128u8);
    let (mut weight_bg, mut sum_bg) = (0.0, 0.0);
    for (t, &n) in hist.iter().enumerate() {
        weight_bg += n as f64;
        sum_bg += t as f64 * n as f64;
        let weight_fg = total - weight_bg;
        if weight_bg == 0.0 || weight_fg == 0.0 {
            continue;
        }
        let diff = sum_bg / weight_bg - (sum_all - sum_bg) / weight_fg;
        let between = weight_bg * weight_fg * diff * diff;
        if between > best {
            best = between;
            threshold = t as u8;
        }
    }
    threshold
}

fn binarize(luma: &[u8], threshold: u8) -> Vec<u8> {
    luma.iter()
        .map(|&v| if v <= threshold { 0 } else { 255 })
        .collect()
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
        let mut img: Vec<u8> = (0..w * h)
            .map(|i| if (i * 7919) % 13 == 0 { 200 } else { 255 })
            .collect();
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
        let (w, h) = (900, 700);
        let mut img = picture("first", 5, 40, 40, w, h);
        let second = picture("second", 5, 520, 380, w, h);
        for (a, b) in img.iter_mut().zip(second) {
            *a = (*a).min(b);
        }
        let mut got = decode_luma(w, h, &img).unwrap();
        got.sort();
        assert_eq!(got, vec!["first", "second"]);
    }

    /// Adds uniform noise of ±`amp` to every pixel (a fixed LCG, so the test is repeatable).
    fn grain(img: &mut [u8], amp: i32) {
        let mut seed = 12345u32;
        for p in img.iter_mut() {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let r = (seed >> 16) as i32 % (2 * amp + 1) - amp;
            *p = (*p as i32 + r).clamp(0, 255) as u8;
        }
    }

    #[test]
    fn reads_through_heavy_grain_that_defeats_the_first_pass() {
        let uri = "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example";
        let mut img = picture(uri, 3, 40, 40, 900, 700);
        img.iter_mut().filter(|p| **p == 200).for_each(|p| *p = 255);
        grain(&mut img, 100);
        assert!(
            scan(900, 700, &img).1.is_empty(),
            "fixture must defeat the plain pass"
        );
        assert_eq!(decode_luma(900, 700, &img).unwrap(), vec![uri.to_string()]);
    }

    #[test]
    fn otsu_threshold_splits_two_levels() {
        let img: Vec<u8> = [20u8, 30, 40, 200, 210, 220].repeat(10);
        let t = otsu_threshold(&img);
        assert!((40..200).contains(&t), "{t}");
        assert_eq!(binarize(&img, t), [0u8, 0, 0, 255, 255, 255].repeat(10));
    }

    #[test]
    fn errors() {
        let blank = vec![255u8; 100 * 100];
        assert!(matches!(
            decode_luma(100, 100, &blank),
            Err(ImportError::NoQrCode)
        ));
        assert!(decode_luma(100, 99, &blank)
            .unwrap_err()
            .to_string()
            .contains("does not match"));
        let huge = vec![0u8; 5000];
        assert!(decode_luma(5000, 1, &huge)
            .unwrap_err()
            .to_string()
            .contains("at most 4096"));
    }

    #[test]
    fn luma_weights() {
        assert_eq!(
            rgba_to_luma(&[255, 255, 255, 255, 0, 0, 0, 255, 255, 0, 0, 255]),
            vec![255, 0, 76]
        );
    }
}
