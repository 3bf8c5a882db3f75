//! The frame of the job: the progress line, the skip link to the current step, one labelled
//! box per step (done / now / next), and the questions a step asks.

use super::{burn, finish, seed_step, target, user, verify, Job, Step};
use leptos::prelude::*;

fn title(step: Step, job: Job) -> &'static str {
    match step {
        Step::Token => "Token",
        Step::User => "User",
        Step::Seed => "Seed",
        Step::Burn => match job.mode.get() {
            super::Mode::Bridge => "Burn",
            _ => "Hand off",
        },
        Step::Verify => "Verify",
        Step::Finish => "Record & export",
    }
}

fn phase(job: Job, step: Step) -> &'static str {
    let now = job.current();
    if step == now {
        "now"
    } else if step < now {
        "done"
    } else {
        "next"
    }
}

/// "Skip to the current step": focuses its heading (keyboard users land on what to do next).
#[component]
pub fn SkipLink(job: Job) -> impl IntoView {
    view! {
        <a
            class="skip-link"
            data-testid="skip-link"
            href=move || format!("#{}", job.current().id())
            on:click=move |ev| {
                ev.prevent_default();
                let id = job.current().id();
                if let Some(el) = document().get_element_by_id(&format!("{id}-h")) {
                    use wasm_bindgen::JsCast;
                    if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                        el.scroll_into_view();
                        let _ = el.focus();
                    }
                }
            }
        >
            "Skip to the current step"
        </a>
    }
}

/// The six steps in a line, the current one marked.
#[component]
pub fn Progress(job: Job) -> impl IntoView {
    view! {
        <nav class="progress" aria-label="Steps for this token">
            <ol>
                {Step::ALL
                    .into_iter()
                    .map(|s| {
                        view! {
                            <li
                                class=move || phase(job, s)
                                data-step=s.id()
                                aria-current=move || (job.current() == s).then_some("step")
                            >
                                <span class="step-no">{s.number()}</span>
                                <span class="label">{move || title(s, job)}</span>
                                <span class="sr-only">
                                    {move || match phase(job, s) {
                                        "done" => " (done)",
                                        "now" => " (current step)",
                                        _ => "",
                                    }}
                                </span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </nav>
    }
}

/// One step's box: numbered heading (focusable, for the skip link), its phase, its body.
#[component]
pub fn StepBox(job: Job, step: Step, children: Children) -> impl IntoView {
    let h = format!("{}-h", step.id());
    view! {
        <section
            id=step.id()
            class=move || format!("step {}", phase(job, step))
            aria-labelledby=h.clone()
            data-phase=move || phase(job, step)
        >
            <h2 id=h.clone() tabindex="-1">
                <span class="step-no" aria-hidden="true">{step.number()}</span>
                <span class="sr-only">{format!("Step {}: ", step.number())}</span>
                {move || title(step, job)}
                <span class="now-badge" hidden=move || job.current() != step>"Now"</span>
            </h2>
            {children()}
        </section>
    }
}

/// The open question, in the box of the step that asked it.
#[component]
pub fn AskView(job: Job, step: Step) -> impl IntoView {
    let q = move || job.question.get().filter(|q| q.step == step);
    view! {
        <Show when=move || q().is_some()>
            <div class="ask" role="alertdialog" aria-labelledby=format!("ask-{}", step.id()) data-testid="ask">
                <p id=format!("ask-{}", step.id()) data-testid="ask-text">{move || q().map(|q| q.text)}</p>
                <div class="row">
                    <button type="button" class="danger" data-testid="ask-yes" on:click=move |_| job.answer(true)>
                        {move || q().map(|q| q.yes)}
                    </button>
                    <button type="button" class="secondary" data-testid="ask-no" on:click=move |_| job.answer(false)>
                        "Cancel"
                    </button>
                </div>
            </div>
        </Show>
    }
}

/// The job: step 1 (the token) across the top, then 2–3 (for whom, which seed) beside 4–6
/// (burn, verify, record).
#[component]
pub fn Spine(job: Job) -> impl IntoView {
    view! {
        <StepBox job step=Step::Token>
            <target::TargetStep job />
        </StepBox>
        <div class="job">
            <div class="job-col">
                <StepBox job step=Step::User>
                    <user::UserStep job />
                </StepBox>
                <StepBox job step=Step::Seed>
                    <seed_step::SeedStep job />
                </StepBox>
            </div>
            <div class="job-col">
                <StepBox job step=Step::Burn>
                    <burn::BurnStep job />
                </StepBox>
                <StepBox job step=Step::Verify>
                    <verify::VerifyStep job />
                </StepBox>
                <StepBox job step=Step::Finish>
                    <finish::FinishStep job />
                </StepBox>
            </div>
        </div>
    }
}
