//! The tools beside the job, one click away and out of its path: import, the device on the
//! chosen reader (opened from step 1's reader list too), the virtual token with its skew
//! table, the drift finder. Each opens below the job and takes the focus.

use crate::batch::{BatchPanel, BatchTool};
use crate::device::{DeviceTool, Manage};
use crate::drift::DriftPanel;
use crate::import::ImportPanel;
use crate::inventory::Inventory;
use crate::params::{ParamsState, RecordForm};
use crate::seed::SecretState;
use crate::token::TokenPanel;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Batch,
    Import,
    Device,
    Token,
    Drift,
}

impl Tool {
    const ALL: [Tool; 5] = [
        Tool::Batch,
        Tool::Import,
        Tool::Device,
        Tool::Token,
        Tool::Drift,
    ];

    fn id(self) -> &'static str {
        match self {
            Tool::Batch => "batch",
            Tool::Import => "import",
            Tool::Device => "device",
            Tool::Token => "token",
            Tool::Drift => "drift",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Tool::Batch => "Batch: a box of tokens",
            Tool::Import => "Import a secret",
            Tool::Device => "Device",
            Tool::Token => "Virtual token & skew table",
            Tool::Drift => "Drift finder",
        }
    }
}

/// Which tools are open; shared through context so other parts can open one (step 1's
/// "Manage this device").
#[derive(Clone, Copy)]
pub struct ToolsState {
    open: RwSignal<Vec<Tool>>,
}

impl ToolsState {
    pub fn new() -> Self {
        ToolsState {
            open: RwSignal::new(Vec::new()),
        }
    }

    fn is_open(self, t: Tool) -> bool {
        self.open.with(|o| o.contains(&t))
    }

    fn toggle(self, t: Tool) {
        if self.is_open(t) {
            self.open.update(|o| o.retain(|x| *x != t));
        } else {
            self.show(t);
        }
    }

    /// Opens tool `t` (if closed), scrolls to it and gives the focus to the control in it that
    /// waits for the user (`data-autofocus`: the batch's "Matches"), else to the panel.
    pub fn show(self, t: Tool) {
        if !self.is_open(t) {
            self.open.update(|o| o.push(t));
        }
        let id = format!("tool-panel-{}", t.id());
        request_animation_frame(move || {
            let html = |e: web_sys::Element| e.dyn_into::<web_sys::HtmlElement>().ok();
            if let Some(el) = document().get_element_by_id(&id).and_then(html) {
                el.scroll_into_view();
                let waiting = el.query_selector("[data-autofocus]").ok().flatten();
                let _ = waiting.and_then(html).unwrap_or(el).focus();
            }
        });
    }
}

#[component]
pub fn Tools(
    tools: ToolsState,
    state: SecretState,
    params: ParamsState,
    form: RecordForm,
    inv: Inventory,
    now: ReadSignal<i64>,
    manage: Manage,
    batch: BatchTool,
) -> impl IntoView {
    let is_open = move |t: Tool| tools.is_open(t);
    let toggle = move |t: Tool| tools.toggle(t);
    view! {
        <nav class="tools" aria-label="Tools">
            <span class="muted">"Tools:"</span>
            {Tool::ALL
                .into_iter()
                .map(|t| {
                    view! {
                        <button
                            type="button"
                            class="secondary small"
                            data-testid=format!("tool-{}", t.id())
                            aria-expanded=move || is_open(t).to_string()
                            aria-controls=format!("tool-panel-{}", t.id())
                            on:click=move |_| toggle(t)
                        >
                            {t.label()}
                        </button>
                    }
                })
                .collect_view()}
        </nav>
        <div id="tool-panel-batch" class="tool wide" tabindex="-1" hidden=move || !is_open(Tool::Batch)>
            <BatchPanel tool=batch />
        </div>
        <div id="tool-panel-import" class="tool wide" tabindex="-1" hidden=move || !is_open(Tool::Import)>
            <ImportPanel state params form inv />
        </div>
        <div id="tool-panel-device" class="tool wide" tabindex="-1" hidden=move || !is_open(Tool::Device)>
            // Built only while open: its views read the device on the reader (a card
            // access the admin did not ask for while the tool is closed).
            <Show when=move || is_open(Tool::Device)>
                <DeviceTool m=manage />
            </Show>
        </div>
        <div class="tool-row">
            <div id="tool-panel-token" class="tool" tabindex="-1" hidden=move || !is_open(Tool::Token)>
                <TokenPanel state params now />
            </div>
            <div id="tool-panel-drift" class="tool" tabindex="-1" hidden=move || !is_open(Tool::Drift)>
                <DriftPanel state params />
            </div>
        </div>
    }
}
