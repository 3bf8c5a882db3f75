//! The tools beside the job, one click away and out of its path: import, the virtual token
//! with its skew table, the drift finder. Each opens below the job and takes the focus.

use crate::drift::DriftPanel;
use crate::import::ImportPanel;
use crate::inventory::Inventory;
use crate::params::{ParamsState, RecordForm};
use crate::seed::SecretState;
use crate::token::TokenPanel;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tool {
    Import,
    Token,
    Drift,
}

impl Tool {
    const ALL: [Tool; 3] = [Tool::Import, Tool::Token, Tool::Drift];

    fn id(self) -> &'static str {
        match self {
            Tool::Import => "import",
            Tool::Token => "token",
            Tool::Drift => "drift",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Tool::Import => "Import a secret",
            Tool::Token => "Virtual token & skew table",
            Tool::Drift => "Drift finder",
        }
    }
}

#[component]
pub fn Tools(
    state: SecretState,
    params: ParamsState,
    form: RecordForm,
    inv: Inventory,
    now: ReadSignal<i64>,
) -> impl IntoView {
    let open = RwSignal::new(Vec::<Tool>::new());
    let is_open = move |t: Tool| open.with(|o| o.contains(&t));
    let toggle = move |t: Tool| {
        let opening = !is_open(t);
        open.update(|o| {
            if opening {
                o.push(t);
            } else {
                o.retain(|x| *x != t);
            }
        });
        if opening {
            let id = format!("tool-panel-{}", t.id());
            request_animation_frame(move || {
                if let Some(el) = document()
                    .get_element_by_id(&id)
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    el.scroll_into_view();
                    let _ = el.focus();
                }
            });
        }
    };
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
        <div id="tool-panel-import" class="tool wide" tabindex="-1" hidden=move || !is_open(Tool::Import)>
            <ImportPanel state params form inv />
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
