//! What a holder page shows when its data cannot be loaded: the login or
//! terms page (an HTTP redirect during server rendering), "not found", or
//! a localised message.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::components::text;
use crate::error::AppError;
use crate::i18n::*;
use crate::pages::not_found::NotFound;

#[component]
pub fn ErrorView(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    match error {
        AppError::Unauthenticated => view! { <Redirect path="/login"/> }.into_any(),
        AppError::TermsNotAccepted => view! { <Redirect path="/terms"/> }.into_any(),
        AppError::NotFound => view! { <NotFound/> }.into_any(),
        other => view! {
            <div class="notice error" role="alert" data-testid="page-error">
                {move || text::error(i18n.get_locale(), &other)}
            </div>
        }
        .into_any(),
    }
}
