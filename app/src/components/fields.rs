//! Form fields with their label, hint and error wired for screen readers.

use leptos::prelude::*;

use crate::components::island::page_locale;
use crate::components::text;
use crate::error::{AppError, Field, Problem};
use crate::i18n::*;

/// The problem the last submission had with `field`.
pub fn field_problem(error: Signal<Option<AppError>>, field: Field) -> Signal<Option<Problem>> {
    Signal::derive(move || error.with(|e| e.as_ref().and_then(|e| e.problem_for(field))))
}

#[component]
pub fn TextField(
    #[prop(into)] label: TextProp,
    name: &'static str,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] value: Option<String>,
    #[prop(optional, into)] hint: Option<TextProp>,
    #[prop(into)] problem: Signal<Option<Problem>>,
    #[prop(optional)] required: bool,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(default = 128)] maxlength: usize,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = format!("f-{name}");
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        let has_hint = hint.is_some();
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if problem.get().is_some() {
                ids.push(error_id.clone());
            }
            ids.join(" ")
        }
    };
    view! {
        <div class="field" class:has-error=move || problem.get().is_some()>
            <label for=id.clone()>
                {move || label.get()}
                {required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}
            </label>
            <input
                id=id
                name=name
                type=input_type
                value=value
                required=required
                autocomplete=autocomplete
                maxlength=maxlength
                aria-invalid=move || if problem.get().is_some() { "true" } else { "false" }
                aria-describedby=described_by
                data-testid=format!("input-{name}")
            />
            {hint.map(|h| view! { <p class="hint" id=hint_id>{move || h.get()}</p> })}
            {move || {
                problem
                    .get()
                    .map(|p| {
                        view! {
                            <p class="field-error" id=error_id.clone() data-testid=format!("error-{name}")>
                                {move || text::problem(i18n.get_locale(), p)}
                            </p>
                        }
                    })
            }}
        </div>
    }
}

/// The banner above a form after a failed submission.
#[component]
pub fn FormError(error: Signal<Option<AppError>>) -> impl IntoView {
    let locale = page_locale();
    move || {
        error.get().map(|e| {
            view! {
                <div class="notice error" role="alert" data-testid="form-error">
                    {move || text::error(locale, &e)}
                </div>
            }
        })
    }
}

/// The error to show for a form: the WASM submission's, or else the one
/// carried over from a submission made without JavaScript.
pub fn submission_error<T: 'static>(
    result: impl With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
    carried: Option<AppError>,
) -> Signal<Option<AppError>> {
    Signal::derive(move || {
        result.with(|r| match r {
            Some(Err(e)) => Some(e.clone()),
            Some(Ok(_)) => None,
            None => carried.clone(),
        })
    })
}
