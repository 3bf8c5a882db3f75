//! QR codes in pictures: `import::qr::decode_luma`, and what it reads goes on to `classify`,
//! as in the page.
//!
//! rqrr 0.11.0 panics when a group of finder patterns gives a degenerate perspective: an
//! assertion in `Perspective::map` (a coordinate beyond `i32`), the `expect` "rotated
//! perspective can't fail" in its grid fitting, or the assertion `scan >= 1` when a timing
//! pattern line crosses no edge (`measure_timing_pattern`; fuzz/CAMPAIGN.md, finding 14). Its
//! bug, which the page survives by restarting its worker (`app::worker`). The fuzzer met the
//! first two every few seconds, each time ending a run, so the harness catches those panics —
//! by their place in rqrr 0.11.0's source — and goes on; any other panic still fails. The inputs that showed them (`fuzz/seeds/qr/known-rqrr-*`)
//! are checked to still make rqrr panic: the day they do not, the allowance goes.
//!
//! Input: two bytes of width (little-endian), then luma bytes row by row. At most
//! [`MAX_PIXELS`] bytes are used; the width is kept between 1 and their number, the height is
//! what fills whole rows, and a partial last row is dropped, so every input is a picture of
//! consistent size.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

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

/// The picture an input stands for: width, height and its luma bytes (see the module's
/// comment); `None` for an input shorter than its width's two bytes.
fn picture(data: &[u8]) -> Option<(usize, usize, &[u8])> {
    let (head, luma) = data.split_first_chunk::<2>()?;
    let luma = &luma[..luma.len().min(MAX_PIXELS)];
    let width = usize::from(u16::from_le_bytes(*head)).clamp(1, luma.len().max(1));
    let height = luma.len() / width;
    Some((width, height, &luma[..width * height]))
}

pub fn run(data: &[u8]) {
    let Some((width, height, luma)) = picture(data) else {
        return;
    };
    let Some(decoded) = decode_past_known_rqrr_panics(width, height, luma) else {
        return;
    };
    match decoded {
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

/// Where rqrr 0.11.0's known panics sit: `Perspective::map`'s four assertions, the
/// `expect` of `SkewedGridLocation::from_group`'s rotated perspective, and
/// `measure_timing_pattern`'s assertion.
fn is_known_rqrr_panic(file: &str, line: u32) -> bool {
    file.contains("rqrr-0.11.0")
        && ((file.ends_with("geometry.rs") && (55..=58).contains(&line))
            || (file.ends_with("grid.rs") && (line == 178 || line == 206)))
}

thread_local! {
    static RQRR_PANICKED: Cell<bool> = const { Cell::new(false) };
}

/// [`decode_luma`], or `None` when one of rqrr's known panics stopped it. The panic hook in place
/// (libFuzzer's, which aborts; the test harness's) sees every other panic as before.
pub fn decode_past_known_rqrr_panics(
    width: usize,
    height: usize,
    luma: &[u8],
) -> Option<Result<Vec<String>, ImportError>> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if info
                .location()
                .is_some_and(|l| is_known_rqrr_panic(l.file(), l.line()))
            {
                RQRR_PANICKED.set(true);
            } else {
                previous(info);
            }
        }));
    });
    RQRR_PANICKED.set(false);
    match panic::catch_unwind(AssertUnwindSafe(|| decode_luma(width, height, luma))) {
        Ok(decoded) => Some(decoded),
        Err(_) if RQRR_PANICKED.take() => None,
        Err(other) => panic::resume_unwind(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pictures that made rqrr panic still do (else the allowance above must go), and the
    /// harness gets past them.
    #[test]
    fn rqrr_still_panics_on_the_known_pictures() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../seeds/qr");
        let mut known = 0;
        for entry in std::fs::read_dir(&dir).expect("fuzz/seeds/qr") {
            let path = entry.expect("readable").path();
            if !path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("known-rqrr-")
            {
                continue;
            }
            known += 1;
            let data = std::fs::read(&path).expect("readable");
            let (width, height, luma) = picture(&data).expect("a picture");
            assert!(
                decode_past_known_rqrr_panics(width, height, luma).is_none(),
                "{}: rqrr no longer panics on it — drop the allowance in fuzz/targets/src/qr.rs \
                 and keep the picture as an ordinary seed",
                path.display()
            );
            run(&data);
        }
        assert!(known >= 3, "the known pictures are in {}", dir.display());
    }
}
