//! 证书信息 page.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_params_map};

use crate::api::certificates::certificate_info;
use crate::components::{certificate::CertificateRecord, gate::ErrorView};
use crate::error::AppError;
use crate::i18n::*;

/// The `:id` of the address; anything but a number is simply not found.
pub fn certificate_id_param() -> Memo<Option<i64>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("id").and_then(|id| id.parse().ok()))
}

/// The certificate of the address, or `NotFound` for a malformed id.
pub fn certificate_resource() -> Resource<Result<crate::domain::certificate::CertificateDetail, AppError>> {
    let id = certificate_id_param();
    Resource::new(move || id.get(), |id| async move {
        match id {
            Some(id) => certificate_info(id).await,
            None => Err(AppError::NotFound),
        }
    })
}

#[component]
pub fn CertificateInfoPage() -> impl IntoView {
    let i18n = use_i18n();
    let certificate = certificate_resource();
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
            {move || Suspend::new(async move {
                match certificate.await {
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                    Ok(detail) => view! {
                        <section class="card" aria-labelledby="info-title">
                            <h1 id="info-title">{t!(i18n, info.title)}</h1>
                            <CertificateRecord detail/>
                            <p class="aside"><A href="/certificates" attr:data-testid="back-to-list">{t!(i18n, info.back)}</A></p>
                        </section>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
