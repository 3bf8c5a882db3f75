//! The import panel: accounts from a QR code (picture, clipboard, camera), a pasted link or
//! secret, a Google Authenticator export or an Aegis/2FAS backup land in a review list; from
//! there one goes to the seed panel, or the kept ones to the inventory or, through the bridge,
//! into consecutive Molto2 profiles.
//!
//! The raw picture and text are dropped once decoded; secrets are never logged, stored or put in
//! a URL. "Clear" empties the list.
//!
//! `state` holds the review list; `sources` and `ingest` fill it (`image` and `camera` do the
//! browser's part of pictures); `review` shows it; `hand_off` and `burn_box` empty it.

mod burn_box;
mod camera;
mod hand_off;
mod image;
mod ingest;
mod review;
mod sources;
mod state;

use crate::inventory::Inventory;
use crate::params::{ParamsState, RecordForm};
use crate::seed::SecretState;
use leptos::prelude::*;
use state::ImportState;

#[component]
pub fn ImportPanel(
    state: SecretState,
    params: ParamsState,
    form: RecordForm,
    inv: Inventory,
) -> impl IntoView {
    let imp = ImportState::new();
    view! {
        <section aria-labelledby="import-h" class="wide import">
            <h2 id="import-h">"Import an existing secret"</h2>
            <p class="muted">
                "Start from a service's enrolment QR code, a pasted link or secret, a Google Authenticator export or an Aegis / 2FAS backup. Everything is decoded in this page; nothing is uploaded."
            </p>
            <div class="import-grid">
                <sources::Sources imp />
                <review::Review imp state params form inv />
            </div>
        </section>
    }
}
