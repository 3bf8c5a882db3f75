//! The otpauth URI as a QR code (SVG made in the page, nothing fetched), and its text behind the
//! reveal toggle: the hand-off to another device (its burner app or an authenticator app).

use crate::browser;
use crate::params::{ParamsState, RecordForm};
use crate::seed::SecretState;
use leptos::prelude::*;
use leptos::task::spawn_local;
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use tokensmith_core::otpauth::OtpAuth;
use zeroize::Zeroizing;

/// The otpauth URI for the current secret and parameters. The account falls back to the UPN
/// typed in the token record, then to the serial, then to "token".
pub fn uri(state: SecretState, params: ParamsState, form: RecordForm) -> Option<Zeroizing<String>> {
    let issuer = params.issuer.get();
    let issuer = issuer.trim();
    let account = [params.account.get(), form.upn.get(), form.serial.get()]
        .into_iter()
        .map(|s| s.trim().to_string())
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| "token".to_string());
    let p = params.otp.get();
    let kind = params.kind();
    state.secret.with(|s| {
        s.as_ref().map(|s| {
            OtpAuth {
                kind,
                issuer: (!issuer.is_empty()).then(|| issuer.to_string()),
                account,
                secret: s.clone(),
                params: p,
            }
            .to_uri()
        })
    })
}

/// The QR code encodes the secret: wiped when dropped like the URI.
fn qr_svg(text: &str) -> Result<Zeroizing<String>, String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| format!("Cannot make a QR code: {e}"))?;
    Ok(Zeroizing::new(
        code.render::<svg::Color>()
            .min_dimensions(264, 264)
            .quiet_zone(true)
            .dark_color(svg::Color("#000"))
            .light_color(svg::Color("#fff"))
            .build(),
    ))
}

/// The QR code and the URI, drawn only while `shown` (the job recorded the token first) and
/// a valid seed is in use: an invalid seed text leaves an empty box, no URI and no copy.
#[component]
pub fn QrView(
    state: SecretState,
    params: ParamsState,
    form: RecordForm,
    shown: Signal<bool>,
) -> impl IntoView {
    let uri = Memo::new(move |_| {
        if shown.get() {
            uri(state, params, form)
        } else {
            None
        }
    });
    let svg = Memo::new(move |_| {
        uri.with(|u| match u {
            Some(u) => qr_svg(u).unwrap_or_else(|e| Zeroizing::new(format!("<p>{e}</p>"))),
            None => Zeroizing::default(),
        })
    });
    let revealed = state.revealed;
    let status = RwSignal::new(String::new());
    let copy = move |_| {
        if let Some(u) = uri.get_untracked() {
            spawn_local(async move { status.set(browser::copy_text(&u, "otpauth URI").await) });
        }
    };
    view! {
        <div class="qr" id="qr" tabindex="-1" data-testid="qr" role="img" aria-label="QR code of the otpauth URI" inner_html=move || svg.with(|s| s.to_string())></div>
        <label for="otpauth-uri">"otpauth URI"</label>
        <output id="otpauth-uri" class="secret mono" data-testid="otpauth-uri">
            {move || {
                match (uri.with(Option::is_some), revealed.get()) {
                    (false, _) => String::new(),
                    (true, true) => uri.with(|u| u.as_deref().map(String::to_string).unwrap_or_default()),
                    (true, false) => "Hidden: press “Reveal seed” in step 3 to show it.".to_string(),
                }
            }}
        </output>
        <div class="row">
            <button
                type="button"
                class="secondary"
                data-testid="copy-uri"
                disabled=move || uri.with(Option::is_none)
                on:click=copy
            >
                "Copy URI"
            </button>
            <span class="muted" role="status">{move || status.get()}</span>
        </div>
    }
}
