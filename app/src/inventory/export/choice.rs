//! The format list: every `ExportFormat` with its name, file and purpose (core's words, the
//! one place that says what each is for), one chosen; the list is validated for it.

use super::super::Inventory;
use leptos::prelude::*;
use tokensmith_core::formats::ExportFormat;

/// The file a format is saved as (before `.asc`/`.gpg`).
pub fn file_name(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::EntraCsv => "entra-oath-tokens.csv",
        ExportFormat::GraphJson => "entra-oath-tokens.json",
        ExportFormat::Pskc => "oath-tokens-pskc.xml",
        ExportFormat::DuoCsv => "duo-hardware-tokens.csv",
        ExportFormat::OathCsv => "oath-tokens.csv",
        ExportFormat::OtpauthList => "otpauth-links.txt",
    }
}

#[component]
pub fn FormatList(inv: Inventory) -> impl IntoView {
    view! {
        <fieldset class="formats" data-testid="export-formats">
            <legend>"File format"</legend>
            {ExportFormat::ALL
                .into_iter()
                .map(|f| {
                    let id = format!("format-{}", f.id());
                    view! {
                        <div class="format-choice">
                            <input
                                type="radio"
                                name="export-format"
                                id=id.clone()
                                data-testid=id.clone()
                                value=f.id()
                                prop:checked=move || inv.format.get() == f
                                on:change=move |_| inv.format.set(f)
                            />
                            <label for=id>
                                <span class="format-name">{f.name()}</span>
                                <span class="muted small">
                                    {format!(" · {}", file_name(f))}
                                    {(!f.importable()).then_some(" · export only")}
                                </span>
                                <span class="purpose">{f.purpose()}</span>
                            </label>
                        </div>
                    }
                })
                .collect_view()}
        </fieldset>
    }
}
