//! 证书信息 page, and the loading of "the certificate of this address"
//! that it shares with the download page.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_params_map};

use crate::api::certificates::certificate_info;
use crate::components::{certificate::CertificateRecord, gate::ErrorView};
use crate::domain::certificate::CertificateDetail;
use crate::error::AppError;
use crate::i18n::*;

/// The address's `:id`; a malformed one is `None`.
pub fn certificate_id_param() -> Memo<Option<i64>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("id").and_then(|id| id.parse::<i64>().ok()))
}

/// Loads the certificate named by the address's `:id` and renders it with
/// `render`; a malformed id is simply "not found", and every error goes to
/// `ErrorView` (login, terms, not found).
pub fn with_certificate<V, F>(render: F) -> impl IntoView
where
    F: Fn(CertificateDetail) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let i18n = use_i18n();
    let id = certificate_id_param();
    let certificate = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => certificate_info(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
            {move || {
                let render = render.clone();
                Suspend::new(async move {
                    match certificate.await {
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                        Ok(detail) => render(detail).into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
pub fn CertificateInfoPage() -> impl IntoView {
    let i18n = use_i18n();
    with_certificate(move |detail| {
        view! {
            <section class="card" aria-labelledby="info-title">
                <h1 id="info-title">{t!(i18n, info.title)}</h1>
                <CertificateRecord detail/>
                <p class="aside"><A href="/certificates" attr:data-testid="back-to-list">{t!(i18n, info.back)}</A></p>
            </section>
        }
    })
}
