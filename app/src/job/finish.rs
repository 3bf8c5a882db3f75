//! Step 6, record and export: the row this token got, "Next token", the export (the
//! inventory below is the record), and recording a token programmed elsewhere.

use super::steps::AskView;
use super::{Job, Step};
use crate::inventory::export::ExportMenu;
use crate::inventory::row_name;
use leptos::prelude::*;

#[component]
pub fn FinishStep(job: Job) -> impl IntoView {
    let linked = move || job.linked();
    let summary = move || {
        linked().map(|(i, r)| {
            format!(
                "This token is {}: {}.",
                row_name(i, &r.rec),
                r.status.label()
            )
        })
    };
    let verified = move || linked().is_some_and(|(_, r)| r.status.verified());
    view! {
        <Show when=move || linked().is_some()>
            <p data-testid="job-row">{summary}</p>
            <button
                type="button"
                id="next-token"
                data-testid="next-token"
                class:secondary=move || !verified()
                on:click=move |_| job.ask_next(Step::Finish)
            >
                "Next token"
            </button>
            <AskView job step=Step::Finish />
        </Show>
        <ExportMenu inv=job.inv />
        <div class="row by-hand">
            <button type="button" class="secondary small" data-testid="add-row" on:click=move |_| job.add_by_hand()>
                "Record without burning"
            </button>
            <span class="muted">"for a token programmed elsewhere: the serial, user and seed above go into the list."</span>
        </div>
    }
}
