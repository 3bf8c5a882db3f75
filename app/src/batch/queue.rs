//! The running batch: progress (done/total, tokens per minute, time left), what each reader
//! waits for, the codes to compare on Token2/Molto2 ("Matches" has the focus: Enter), pause,
//! stop, skip and retry, every row with its status and reason; at the end, the way to the
//! export and the hand-outs.

use super::BatchTool;
use crate::bridge::client;
use leptos::prelude::*;
use leptos::task::spawn_local;
use tokensmith_api::{
    endpoint, BatchAction, BatchAnswer, BatchControl, BatchRow, BatchState, RowStatus,
};
use wasm_bindgen::JsCast;

fn control(tool: BatchTool, action: BatchAction, position: Option<u32>) {
    let Some(b) = tool.connection() else { return };
    spawn_local(async move {
        let req = BatchControl {
            action,
            position,
            reader: None,
        };
        tool.answered(client::call::<endpoint::ControlBatch>(&b, &req).await);
    });
}

fn answer(tool: BatchTool, position: u32, matches: bool) {
    let Some(b) = tool.connection() else { return };
    spawn_local(async move {
        let req = BatchAnswer { position, matches };
        tool.answered(client::call::<endpoint::AnswerBatch>(&b, &req).await);
    });
}

fn focus(id: &str) {
    let id = id.to_string();
    request_animation_frame(move || {
        if let Some(el) = document()
            .get_element_by_id(&id)
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
}

/// Step 6's export menu, the one way out of the inventory, scrolled into view.
fn to_export_menu() {
    if let Some(el) = document().get_element_by_id("export-menu") {
        el.scroll_into_view();
    }
    focus("format-entra-csv");
}

/// "1:05" from seconds.
fn clock_text(s: u64) -> String {
    format!("{}:{:02}", s / 60, s % 60)
}

fn state_text(s: BatchState, ended: bool) -> &'static str {
    match (s, ended) {
        (BatchState::Running, _) => "running",
        (BatchState::Paused, _) => "paused",
        (BatchState::Stopped, false) => "stopping after the token in hand",
        (BatchState::Stopped, true) => "stopped: resume it to go on",
        (BatchState::Finished, _) => "finished",
    }
}

fn tone(s: RowStatus) -> &'static str {
    match s {
        RowStatus::Verified => "ok",
        RowStatus::Failed => "bad",
        RowStatus::Burned | RowStatus::Burning => "warn",
        RowStatus::Waiting | RowStatus::Skipped => "",
    }
}

#[component]
pub fn Queue(tool: BatchTool) -> impl IntoView {
    let status = tool.status;
    let has = move || status.with(Option::is_some);
    let get = move |f: fn(&tokensmith_api::BatchStatus) -> String| {
        status.with(|s| s.as_ref().map(f).unwrap_or_default())
    };
    // The code to compare first: the oldest token waiting for the admin.
    let comparing = Memo::new(move |_| {
        status.with(|s| {
            s.as_ref().and_then(|s| {
                s.rows
                    .iter()
                    .find(|r| {
                        r.status == RowStatus::Burned && r.expected_code.is_some() && !s.auto_accept
                    })
                    .cloned()
            })
        })
    });
    // A new comparison takes the focus: Enter = matches.
    Effect::new(move |last: Option<Option<u32>>| {
        let now = comparing.with(|c| c.as_ref().map(|r| r.position));
        if now.is_some() && now != last.flatten() {
            focus("batch-match");
        }
        now
    });
    // Enter anywhere outside a control answers "matches" too.
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() != "Enter" || ev.repeat() {
            return;
        }
        let interactive = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|e| {
                matches!(
                    e.tag_name().as_str(),
                    "INPUT" | "TEXTAREA" | "SELECT" | "BUTTON" | "A" | "SUMMARY"
                )
            });
        if interactive {
            return;
        }
        if let Some(p) = comparing.with_untracked(|c| c.as_ref().map(|r| r.position)) {
            ev.prevent_default();
            answer(tool, p, true);
        }
    });
    on_cleanup(move || keys.remove());
    let paused = move || status.with(|s| s.as_ref().is_some_and(|s| s.state == BatchState::Paused));
    let live = move || {
        status.with(|s| {
            s.as_ref()
                .is_some_and(|s| !s.ended && s.state != BatchState::Stopped)
        })
    };
    let ended = move || status.with(|s| s.as_ref().is_some_and(|s| s.ended));
    view! {
        <Show when=has>
            <div class="batch-queue" data-testid="batch-queue">
                <div class="row spread">
                    <strong data-testid="batch-state">{move || get(|s| format!("Batch {}", state_text(s.state, s.ended)))}</strong>
                    <span class="muted" data-testid="batch-journal-file">{move || get(|s| s.results_file.clone().map(|f| format!("journal: {f}")).unwrap_or_default())}</span>
                </div>
                <progress data-testid="batch-progress"
                    max=move || get(|s| s.total.max(1).to_string())
                    value=move || get(|s| s.done.to_string())></progress>
                <p class="batch-pace" data-testid="batch-pace">
                    <span data-testid="batch-done">{move || get(|s| format!("{}/{}", s.done, s.total))}</span>
                    " done · "
                    {move || get(|s| format!("{:.1} tokens/min", s.tokens_per_minute))}
                    // Time left means nothing once the batch has ended (finished or stopped).
                    {move || get(|s| match (s.ended, s.seconds_left) {
                        (true, _) => String::new(),
                        (false, Some(l)) => format!(" · about {} left", clock_text(l)),
                        (false, None) => " · time left after the first token".into(),
                    })}
                    {move || get(|s| if s.failed > 0 { format!(" · {} failed", s.failed) } else { String::new() })}
                </p>
                <ul class="batch-readers-now" data-testid="batch-reader-messages">
                    {move || status.with(|s| s.as_ref().map(|s| s.readers.iter().map(|r| view! {
                        <li><span class="muted">{r.reader.clone()} ": "</span>{r.message.clone()}</li>
                    }).collect_view()))}
                </ul>
                <Show when=move || comparing.with(Option::is_some)>
                    <Compare tool comparing />
                </Show>
                <div class="row">
                    <Show when=live>
                        <Show when=paused fallback=move || view! {
                            <button type="button" class="secondary" data-testid="batch-pause" on:click=move |_| control(tool, BatchAction::Pause, None)>"Pause"</button>
                        }>
                            <button type="button" data-testid="batch-resume-run" on:click=move |_| control(tool, BatchAction::Resume, None)>"Go on"</button>
                        </Show>
                        <button type="button" class="secondary" data-testid="batch-stop" on:click=move |_| control(tool, BatchAction::Stop, None)>"Stop after the token in hand"</button>
                    </Show>
                    <Show when=ended>
                        <button type="button" data-testid="batch-export" on:click=move |_| to_export_menu()>"Export the tokens (Entra CSV, Graph JSON…)"</button>
                        <span class="muted">"The inventory below holds every token of the batch, from the bridge's journal."</span>
                    </Show>
                </div>
                <Rows tool />
            </div>
        </Show>
    }
}

/// The current token's code, and the admin's answer.
#[component]
fn Compare(tool: BatchTool, comparing: Memo<Option<BatchRow>>) -> impl IntoView {
    let row =
        move |f: fn(&BatchRow) -> String| comparing.with(|c| c.as_ref().map(f).unwrap_or_default());
    let position = move || comparing.with(|c| c.as_ref().map(|r| r.position));
    view! {
        <div class="batch-compare" data-testid="batch-compare" role="group" aria-labelledby="batch-compare-h">
            <p id="batch-compare-h">
                {move || row(|r| format!("Token {} for {}", r.serial.clone().unwrap_or_default(), r.display_name.clone().unwrap_or_else(|| r.upn.clone())))}
                " — switch it off and on, then compare. It should show:"
            </p>
            <p class="code" data-testid="batch-expected-code" aria-live="polite">{move || row(|r| r.expected_code.clone().unwrap_or_default())}</p>
            <div class="row">
                <button type="button" id="batch-match" data-testid="batch-match" data-autofocus=""
                    on:click=move |_| if let Some(p) = position() { answer(tool, p, true) }>"Matches (Enter)"</button>
                <button type="button" class="secondary" data-testid="batch-mismatch"
                    on:click=move |_| if let Some(p) = position() { answer(tool, p, false) }>"Shows another code"</button>
            </div>
        </div>
    }
}

/// Every user of the batch with where their token stands.
#[component]
fn Rows(tool: BatchTool) -> impl IntoView {
    let rows = move || {
        tool.status
            .with(|s| s.as_ref().map(|s| s.rows.clone()).unwrap_or_default())
    };
    view! {
        <div class="table-wrap">
            <table class="batch-rows" data-testid="batch-rows">
                <thead><tr><th>"#"</th><th>"User"</th><th>"Token"</th><th>"Status"</th><th>""</th></tr></thead>
                <tbody>
                    <For each=rows key=|r| (r.position, r.status.as_str(), r.serial.clone(), r.reason.clone()) let:r>
                        <BatchRowView tool r />
                    </For>
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn BatchRowView(tool: BatchTool, r: BatchRow) -> impl IntoView {
    let p = r.position;
    let user = match &r.display_name {
        Some(d) => format!("{d} ({})", r.upn),
        None => r.upn.clone(),
    };
    let token = match (&r.serial, r.profile) {
        (Some(s), Some(pr)) => format!("{s} · profile {pr}"),
        (Some(s), None) => s.clone(),
        _ => String::new(),
    };
    let how = r
        .reason
        .clone()
        .or_else(|| r.verified_by.as_ref().map(|v| v.replace('_', " ")))
        .unwrap_or_default();
    let skip = matches!(r.status, RowStatus::Waiting | RowStatus::Failed);
    let retry = matches!(r.status, RowStatus::Failed | RowStatus::Skipped);
    view! {
        <tr data-testid=format!("batch-row-{p}") data-status=r.status.as_str()>
            <td>{p + 1}</td>
            <td>{user}</td>
            <td class="mono">{token}</td>
            <td><span class=tone(r.status)>{r.status.as_str()}</span>{" "}<span class="muted">{how}</span></td>
            <td>
                {skip.then(|| view! { <button type="button" class="secondary small" data-testid=format!("batch-skip-{p}") on:click=move |_| control(tool, BatchAction::Skip, Some(p))>"Skip"</button> })}
                {retry.then(|| view! { <button type="button" class="secondary small" data-testid=format!("batch-retry-{p}") on:click=move |_| control(tool, BatchAction::Retry, Some(p))>"Retry"</button> })}
            </td>
        </tr>
    }
}
