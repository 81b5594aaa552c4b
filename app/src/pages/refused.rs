//! 请求已拒绝: what a browser is shown when a form or call of this site
//! arrives from another site (`server::security::same_origin`): a 403 in
//! the visitor's language, in the site's frame, like every other page.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::*;

/// Where `same_origin` sends a refused request (as a GET, body dropped).
pub const CROSS_SITE_REFUSED: &str = "/refused/cross-site";

#[component]
pub fn CrossSiteRefusedPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::FORBIDDEN);
    }
    let i18n = use_i18n();
    view! {
        <section class="card narrow" role="alert" data-testid="cross-site-refused">
            <h1>{t!(i18n, refused.title)}</h1>
            <p>{t!(i18n, refused.body)}</p>
            <p><A href="/">{t!(i18n, refused.home)}</A></p>
        </section>
    }
}
