//! Where accounts come from: a picture (opened, dropped or pasted anywhere on the page), pasted
//! text, a backup file, or the camera.

use super::camera::Camera;
use super::state::{file_list, ImportState};
use leptos::html;
use leptos::prelude::*;
use zeroize::Zeroizing;

/// Hands the files chosen in `input` over and clears it (the same file can be chosen again).
fn take_files(imp: ImportState, input: NodeRef<html::Input>) {
    if let Some(input) = input.get_untracked() {
        let files = file_list(input.files());
        input.set_value("");
        imp.files(files);
    }
}

#[component]
fn PictureDrop(imp: ImportState) -> impl IntoView {
    let image_ref: NodeRef<html::Input> = NodeRef::new();
    let dragging = RwSignal::new(false);
    // A picture pasted anywhere on the page (text pastes stay with the fields they go into).
    let paste = window_event_listener(leptos::ev::paste, move |ev| {
        let Some(dt) = ev.clipboard_data() else {
            return;
        };
        let files: Vec<web_sys::File> = file_list(dt.files())
            .into_iter()
            .filter(|f| f.type_().starts_with("image/"))
            .collect();
        if !files.is_empty() {
            ev.prevent_default();
            imp.files(files);
        }
    });
    on_cleanup(move || paste.remove());
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        let Some(dt) = ev.data_transfer() else {
            return;
        };
        let files = file_list(dt.files());
        if !files.is_empty() {
            imp.files(files);
        } else if let Ok(t) = dt.get_data("text/plain").map(Zeroizing::new) {
            if !t.trim().is_empty() {
                imp.run(async move {
                    imp.text(&t).await;
                });
            }
        }
    };
    view! {
        <div
            class=move || if dragging.get() { "drop over" } else { "drop" }
            data-testid="import-drop"
            role="group"
            aria-labelledby="import-image-label"
            on:dragover=move |ev| {
                ev.prevent_default();
                dragging.set(true);
            }
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop
        >
            <label id="import-image-label" for="import-image">
                "QR code picture: open, drop or paste (Ctrl+V) a screenshot or photo"
            </label>
            <input
                id="import-image"
                data-testid="import-image"
                type="file"
                accept="image/png,image/jpeg,image/gif,image/webp,image/*"
                multiple=true
                node_ref=image_ref
                on:change=move |_| take_files(imp, image_ref)
            />
        </div>
    }
}

#[component]
fn TextSource(imp: ImportState) -> impl IntoView {
    // The text may hold secrets: wiped when replaced.
    let text = RwSignal::new(Zeroizing::<String>::default());
    let go = move || {
        let sent = text.get_untracked();
        imp.run(async move {
            // Dropped once read (unless it was edited meanwhile); kept to fix a typo.
            if imp.text(&sent).await && text.with_untracked(|t| **t == *sent) {
                text.set(Zeroizing::default());
            }
        });
    };
    view! {
        <label for="import-text">"Or paste a link or secret"</label>
        <textarea
            id="import-text"
            data-testid="import-text"
            rows="3"
            autocomplete="off"
            spellcheck="false"
            autocapitalize="off"
            placeholder="otpauth://… link, or a base32 / hex secret"
            aria-describedby="import-text-help"
            prop:value=move || text.with(|t| t.to_string())
            on:input=move |ev| text.set(Zeroizing::new(event_target_value(&ev)))
            on:keydown=move |ev: web_sys::KeyboardEvent| {
                if ev.key() == "Enter" && !ev.shift_key() {
                    ev.prevent_default();
                    go();
                }
            }
        ></textarea>
        <p id="import-text-help" class="muted">"Enter imports; Shift+Enter starts a new line (one link a line)."</p>
        <div class="row">
            <button type="button" data-testid="import-text-go" on:click=move |_| go()>
                "Import text"
            </button>
        </div>
    }
}

#[component]
fn CameraSource(imp: ImportState) -> impl IntoView {
    let cam = Camera::new();
    let video_ref: NodeRef<html::Video> = NodeRef::new();
    // The camera never outlives the panel, and stops when the page is hidden.
    let vis = window_event_listener(leptos::ev::visibilitychange, move |_| {
        if document().hidden() && cam.running.get_untracked() {
            cam.stop(video_ref.get_untracked());
            cam.status
                .set("Camera stopped: the page was hidden.".into());
        }
    });
    on_cleanup(move || {
        vis.remove();
        cam.stop(None);
    });
    let start = move |_| {
        imp.messages.set(Vec::new());
        cam.start(video_ref, move |scans| {
            imp.messages.set(Vec::new());
            imp.codes(scans);
        });
    };
    let stop = move |_| {
        cam.stop(video_ref.get_untracked());
        cam.status.set("Camera stopped.".into());
    };
    view! {
        <div class="camera">
            <div class="row">
                <div class="field">
                    <label for="import-facing">"Camera"</label>
                    <select
                        id="import-facing"
                        data-testid="import-facing"
                        on:change=move |ev| {
                            cam.facing.set(if event_target_value(&ev) == "user" { "user" } else { "environment" })
                        }
                    >
                        <option value="environment" prop:selected=move || cam.facing.get() == "environment">"Back (phones)"</option>
                        <option value="user" prop:selected=move || cam.facing.get() == "user">"Front / webcam"</option>
                    </select>
                </div>
                <Show
                    when=move || cam.running.get()
                    fallback=move || view! {
                        <button type="button" class="secondary" data-testid="import-camera" on:click=start>
                            "Scan with the camera"
                        </button>
                    }
                >
                    <button type="button" class="secondary" data-testid="import-camera-stop" on:click=stop>
                        "Stop camera"
                    </button>
                </Show>
            </div>
            <video
                node_ref=video_ref
                data-testid="import-video"
                class=move || if cam.running.get() { "preview" } else { "preview off" }
                muted=true
                playsinline=true
                aria-label="Camera preview"
            ></video>
            <p class="muted" role="status" data-testid="import-camera-status">{move || cam.status.get()}</p>
        </div>
    }
}

#[component]
pub(super) fn Sources(imp: ImportState) -> impl IntoView {
    let backup_ref: NodeRef<html::Input> = NodeRef::new();
    // A hint: whoever comes near the sources may soon give a picture, so the worker starts
    // (and compiles its wasm) now rather than on the first picture. Never at page load.
    use crate::worker::warm_up;
    view! {
        <div
            class="import-sources"
            on:pointerenter=move |_| warm_up()
            on:focusin=move |_| warm_up()
            on:dragenter=move |_| warm_up()
        >
            <PictureDrop imp />
            <TextSource imp />
            <label for="import-backup">"Authenticator backup (Aegis or 2FAS, unencrypted .json)"</label>
            <input
                id="import-backup"
                data-testid="import-backup"
                type="file"
                accept=".json,application/json"
                node_ref=backup_ref
                on:change=move |_| take_files(imp, backup_ref)
            />
            <CameraSource imp />
        </div>
    }
}
