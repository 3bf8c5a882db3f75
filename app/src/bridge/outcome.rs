//! What the last burn or sync did, in `bridge-result`: the code the token should show (or the
//! key's own verification), the failing step and what to do, the new clock.

use super::burn::BurnTarget;
use super::client::{ApiError, BurnResult, SyncResult, Verification};
use super::failure::Failure;
use super::readers::drift_text;
use super::{manufacturer_of, Panel};
use leptos::prelude::*;
use tokensmith_api::ErrorCode;

/// The outcome of the last burn or sync, shown in `bridge-result`.
#[derive(Clone)]
pub(super) enum Outcome {
    Burned(Box<BurnResult>, f64),
    Failed {
        what: &'static str,
        err: ApiError,
    },
    Synced(SyncResult),
    /// The sync would clear a Token2 seed: ask first.
    ConfirmSync(String),
    /// The burn's profile or account name is taken (nothing was written): overwrite only if
    /// the user says so, and only that target.
    ConfirmOverwrite(String, BurnTarget),
}

/// "123 456" for reading aloud and comparing.
fn group(code: &str) -> String {
    let n = code.len();
    let cut = if n % 3 == 0 && n > 4 {
        3
    } else {
        n.div_ceil(2)
    };
    code.as_bytes()
        .chunks(cut)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// "123 456" for reading aloud and comparing.
pub fn grouped(code: &str) -> String {
    group(code)
}

#[component]
fn VerificationView(verification: Verification) -> impl IntoView {
    match verification {
        Verification::CompareWithDisplay { expected_code, next_code, valid_for_seconds } => view! {
            <p class="muted">
                "The bridge's own check: at the burn the token should show "
                <span class="mono" data-testid="bridge-expected" data-code=expected_code.clone()>
                    {group(&expected_code)}
                </span>
                {format!(
                    " (for {valid_for_seconds} s, then {}). Step 5 shows the code to compare now.",
                    group(&next_code).replace(' ', "\u{a0}"),
                )}
            </p>
        }
        .into_any(),
        Verification::DeviceCalculated { code, matches: true } => view! {
            <p class="ok verified" data-testid="bridge-verified">
                {format!("Verified: the key computed the same code ({}).", group(&code))}
            </p>
        }
        .into_any(),
        Verification::DeviceCalculated { code, matches: false } => view! {
            <p class="error">
                {format!("The key computed {code}, not the expected code: the credential is wrong.")}
            </p>
        }
        .into_any(),
        Verification::NotChecked { reason } => view! { <p class="warn">{format!("Not checked: {reason}")}</p> }.into_any(),
    }
}

#[component]
fn BurnedView(r: BurnResult, ms: f64) -> impl IntoView {
    let maker = manufacturer_of(r.kind, &r.model).unwrap_or("");
    let what = match r.profile {
        Some(p) => format!(
            "Burned {maker} {}, serial {}, profile {p}{}.",
            r.model,
            r.serial,
            r.name
                .as_ref()
                .map(|n| format!(" (“{n}”)"))
                .unwrap_or_default()
        ),
        None => format!("Burned {maker} {}, serial {}.", r.model, r.serial),
    };
    let next = format!(
        "Recorded in the inventory at once: burned, not verified yet.{} ({:.1} s)",
        if r.recorded {
            " The bridge also recorded it in its results file."
        } else {
            ""
        },
        ms / 1000.0
    );
    view! {
        <div class="burn-ok" data-ms=format!("{ms:.0}") data-burned-at=r.burned_at.to_string()>
            <p class="ok"><strong>{what}</strong></p>
            <VerificationView verification=r.verification />
            <ul class="notes">{r.warnings.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}</ul>
            <p class="muted">{next}</p>
        </div>
    }
}

/// A failed call: what failed, at which step (`Failure::step`), the bridge's message, and after
/// a failed authentication the attempts left and the warning never to retry blindly.
#[component]
pub(crate) fn FailedView(what: &'static str, err: ApiError) -> impl IntoView {
    let failure = Failure::of(&err);
    let auth = failure == ErrorCode::AuthFailed;
    let left = err.attempts_left.map(|n| {
        let plural = if n == 1 { "attempt" } else { "attempts" };
        view! {
            <p class="attempts-left" data-testid="attempts-left" data-left=n.to_string()>
                {format!("{n} {plural} left before the device locks.")}
            </p>
        }
    });
    view! {
        <div class="burn-failed" role="alert" data-code=err.code.as_str()>
            <p class="error">
                <strong>{format!("{what} failed while {}: ", failure.step())}</strong>
                {err.message}
            </p>
            {left}
            {auth.then(|| view! {
                <p class="danger">
                    "Do NOT retry blindly: older Token2 tokens lock for good after a few failed authentications. "
                    "Check the customer key (Molto2) or the password (OATH key) first."
                </p>
            })}
        </div>
    }
}

#[component]
fn SyncedView(r: SyncResult) -> impl IntoView {
    view! {
        <div class="burn-ok">
            <p class="ok">
                {format!(
                    "Clock set on {} {}: it was {}; now it matches this computer.",
                    r.model,
                    r.serial,
                    drift_text(r.previous_token_time, r.new_token_time)
                )}
            </p>
            {r.seed_cleared.then(|| view! {
                <p class="danger">"The seed was cleared: the token shows dashes until you burn a seed again."</p>
            })}
            <ul class="notes">{r.warnings.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}</ul>
        </div>
    }
}

/// The sync would clear a Token2 seed: the user decides.
#[component]
fn ConfirmSyncView(panel: Panel, msg: String) -> impl IntoView {
    view! {
        <div class="burn-failed" role="alert">
            <p class="danger">{format!("Careful: {msg}.")}</p>
            <div class="row">
                <button type="button" class="danger" data-testid="bridge-sync-confirm" on:click=move |_| panel.sync(true)>
                    "Clear the seed and set the clock"
                </button>
                <button type="button" class="secondary" data-testid="bridge-sync-cancel" on:click=move |_| panel.outcome.set(None)>
                    "Cancel"
                </button>
            </div>
        </div>
    }
}

/// The target is taken: the bridge's refusal (naming the profile or account), then the user
/// decides.
#[component]
fn ConfirmOverwriteView(panel: Panel, msg: String, target: BurnTarget) -> impl IntoView {
    let label = target.overwrite_label();
    view! {
        <div class="burn-failed" role="alert" data-code="occupied">
            <p class="error"><strong>"Burn refused: "</strong>{msg}</p>
            <div class="row">
                <button type="button" class="danger" data-testid="bridge-overwrite" on:click=move |_| panel.overwrite(target.clone())>
                    {label}
                </button>
                <button type="button" class="secondary" data-testid="bridge-overwrite-cancel" on:click=move |_| panel.outcome.set(None)>
                    "Cancel"
                </button>
            </div>
        </div>
    }
}

impl Outcome {
    /// Whether it belongs with the reader (clock, listing) rather than with the burn.
    fn about_reader(&self) -> bool {
        match self {
            Outcome::Burned(..) => false,
            Outcome::Failed { what, .. } => *what != "Burn",
            Outcome::Synced(_) | Outcome::ConfirmSync(_) => true,
            Outcome::ConfirmOverwrite(..) => false,
        }
    }
}

/// The last outcome, where it belongs: `reader` (step 1: clock, listing) or the burn (step 4).
#[component]
pub(super) fn OutcomeView(panel: Panel, reader: bool) -> impl IntoView {
    move || {
        panel
            .outcome
            .get()
            .filter(|o| o.about_reader() == reader)
            .map(|o| match o {
                Outcome::Burned(r, ms) => view! { <BurnedView r=*r ms /> }.into_any(),
                Outcome::Failed { what, err } => view! { <FailedView what err /> }.into_any(),
                Outcome::Synced(r) => view! { <SyncedView r /> }.into_any(),
                Outcome::ConfirmSync(msg) => view! { <ConfirmSyncView panel msg /> }.into_any(),
                Outcome::ConfirmOverwrite(msg, target) => {
                    view! { <ConfirmOverwriteView panel msg target /> }.into_any()
                }
            })
    }
}
