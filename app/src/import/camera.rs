//! The camera: getUserMedia, a preview, a frame read every 250 ms (scaled by the browser, read
//! by the worker; a frame is skipped while the previous one is still being read). The camera
//! is stopped as soon as a code is read, on Stop, when the page is hidden and when the panel
//! goes away.

use super::image::camera_frame;
use crate::worker;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;
use tokensmith_worker_api::import::Scan;
use tokensmith_worker_api::picture::{PictureError, Read};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The running camera: its stream and the frame timer.
#[derive(Clone, Copy)]
pub struct Camera {
    stream: StoredValue<Option<web_sys::MediaStream>, LocalStorage>,
    timer: StoredValue<Option<IntervalHandle>, LocalStorage>,
    /// A frame is being read.
    reading: StoredValue<bool>,
    /// Front ("user") or back ("environment") camera.
    pub facing: RwSignal<&'static str>,
    pub running: RwSignal<bool>,
    pub status: RwSignal<String>,
}

impl Camera {
    pub fn new() -> Self {
        Camera {
            stream: StoredValue::new_local(None),
            timer: StoredValue::new_local(None),
            reading: StoredValue::new(false),
            facing: RwSignal::new("environment"),
            running: RwSignal::new(false),
            status: RwSignal::new(String::new()),
        }
    }

    /// Stops every track and the frame timer. Safe to call when nothing runs.
    pub fn stop(&self, video: Option<web_sys::HtmlVideoElement>) {
        if let Some(t) = self.timer.try_update_value(Option::take).flatten() {
            t.clear();
        }
        if let Some(s) = self.stream.try_update_value(Option::take).flatten() {
            for t in s.get_tracks().iter() {
                if let Ok(t) = t.dyn_into::<web_sys::MediaStreamTrack>() {
                    t.stop();
                }
            }
        }
        if let Some(v) = video {
            v.set_src_object(None);
        }
        if self.running.try_get_untracked() == Some(true) {
            self.running.set(false);
        }
    }

    /// Starts the chosen camera and calls `on_codes` with the codes of the first frame in which
    /// a QR code is read (the camera is already stopped then).
    pub fn start(
        self,
        video_ref: NodeRef<html::Video>,
        on_codes: impl Fn(Vec<Scan>) + Clone + 'static,
    ) {
        self.stop(video_ref.get_untracked());
        let Some(devices) = window().navigator().media_devices().ok() else {
            self.status.set(
                "This browser offers no camera access here. Use a screenshot or photo instead."
                    .into(),
            );
            return;
        };
        self.status.set("Starting the camera…".into());
        self.running.set(true);
        let facing = self.facing.get_untracked();
        spawn_local(async move {
            let constraints = web_sys::MediaStreamConstraints::new();
            let video_c = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&video_c, &"facingMode".into(), &facing.into());
            constraints.set_video(&video_c);
            constraints.set_audio(&JsValue::FALSE);
            let stream = match devices.get_user_media_with_constraints(&constraints) {
                Ok(p) => JsFuture::from(p).await,
                Err(e) => Err(e),
            };
            let stream: web_sys::MediaStream = match stream {
                Ok(s) => s.unchecked_into(),
                Err(e) => {
                    self.running.set(false);
                    self.status.set(camera_error(&e));
                    return;
                }
            };
            // Stopped (or the panel left) while the permission prompt was open.
            if self.running.try_get_untracked() != Some(true) {
                stop_tracks(&stream);
                return;
            }
            let Some(video) = video_ref.get_untracked() else {
                stop_tracks(&stream);
                self.running.set(false);
                return;
            };
            video.set_src_object(Some(&stream));
            self.stream.set_value(Some(stream));
            if let Ok(p) = video.play() {
                let _ = JsFuture::from(p).await;
            }
            self.status
                .set("Point the camera at the QR code and hold it steady.".into());
            let tick = move || {
                if self.reading.try_get_value() != Some(false) {
                    return;
                }
                let Some(video) = video_ref.get_untracked() else {
                    return;
                };
                self.reading.set_value(true);
                let on_codes = on_codes.clone();
                spawn_local(async move {
                    let read = match camera_frame(&video).await {
                        Some(frame) => worker::read_camera_frame(frame).await,
                        None => Err(worker::Failure::Superseded),
                    };
                    let _ = self.reading.try_set_value(false);
                    // Stopped while the frame was being read: its codes are not wanted.
                    if self.running.try_get_untracked() != Some(true) {
                        return;
                    }
                    match frame_outcome(read) {
                        Frame::Codes(scans) => {
                            self.stop(Some(video));
                            self.status.set("QR code read; camera stopped.".into());
                            on_codes(scans);
                        }
                        Frame::Nothing => {}
                        Frame::Dropped(why) => self.status.set(why),
                        Frame::Fatal(why) => {
                            self.stop(Some(video));
                            self.status.set(why);
                        }
                    }
                });
            };
            match set_interval_with_handle(tick, Duration::from_millis(250)) {
                Ok(h) => self.timer.set_value(Some(h)),
                Err(_) => {
                    self.stop(video_ref.get_untracked());
                    self.status.set("Could not sample the camera.".into());
                }
            }
        });
    }
}

/// What one camera frame means for the camera.
enum Frame {
    /// QR codes were read: stop and hand them over.
    Codes(Vec<Scan>),
    /// No code in this frame (or a frame skipped): keep looking.
    Nothing,
    /// The decoder stopped on this frame or ran out of time (it is started again for the
    /// next): keep looking, and say so — a user who sees nothing happen holds the code longer
    /// in the same way.
    Dropped(String),
    /// No frame will be read (no decoder, a browser facility failing): stop the camera and say
    /// why, instead of a preview that looks like it is scanning.
    Fatal(String),
}

fn frame_outcome(read: Result<Result<Read, PictureError>, worker::Failure>) -> Frame {
    use worker::Failure;
    const HOLD: &str = "still looking: hold the code flat and steady, close enough to fill most \
                        of the picture, or use a screenshot or photo of it instead";
    match read {
        Ok(Ok(Read {
            codes: Ok(scans), ..
        })) => Frame::Codes(scans),
        Ok(Ok(Read { codes: Err(_), .. })) | Err(Failure::Superseded) => Frame::Nothing,
        Ok(Err(e)) => Frame::Fatal(format!(
            "Camera stopped: its picture could not be read ({e}). Use a screenshot or photo of \
             the code instead."
        )),
        Err(Failure::Crashed) => Frame::Dropped(format!(
            "The QR decoder stopped on a camera frame (it is started again); {HOLD}."
        )),
        Err(Failure::TooSlow(limit)) => Frame::Dropped(format!(
            "A camera frame took over {} s to read and was dropped; {HOLD}.",
            limit.as_secs()
        )),
        Err(f @ (Failure::Unavailable(_) | Failure::Protocol(_))) => {
            Frame::Fatal(format!("Camera stopped: {f}."))
        }
    }
}

fn stop_tracks(s: &web_sys::MediaStream) {
    for t in s.get_tracks().iter() {
        if let Ok(t) = t.dyn_into::<web_sys::MediaStreamTrack>() {
            t.stop();
        }
    }
}

fn camera_error(e: &JsValue) -> String {
    let name = e
        .dyn_ref::<web_sys::DomException>()
        .map(|d| d.name())
        .unwrap_or_default();
    match name.as_str() {
        "NotAllowedError" | "SecurityError" => {
            "Camera access was refused. Allow the camera for this page in the browser's site \
             settings, or use a screenshot instead."
                .into()
        }
        "NotFoundError" | "OverconstrainedError" => {
            "No camera was found. Use a screenshot or photo of the QR code instead.".into()
        }
        "NotReadableError" | "AbortError" => {
            "The camera is busy (another app may be using it). Close it and try again.".into()
        }
        _ => "The camera could not be started. Use a screenshot or photo instead.".into(),
    }
}
