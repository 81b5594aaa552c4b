//! The download page of one certificate: its record, then its endorsed
//! copies (加注件). Applying for one arrives with the endorsement service.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::{certificate::CertificateRecord, text};
use crate::domain::certificate::EndorsementState;
use crate::i18n::*;
use crate::pages::certificate_info::with_certificate;

#[component]
pub fn DownloadPage() -> impl IntoView {
    let i18n = use_i18n();
    with_certificate(move |detail| {
        let state = detail.summary.endorsement.clone();
        let explanation = match state {
            EndorsementState::NotRequired => view! { <p>{t!(i18n, download.not_required)}</p> }.into_any(),
            EndorsementState::None => view! { <p>{t!(i18n, download.none_yet)}</p> }.into_any(),
        };
        view! {
            <section class="card" aria-labelledby="download-title">
                <h1 id="download-title">{t!(i18n, download.title)}</h1>
                <h2>{t!(i18n, info.title)}</h2>
                <CertificateRecord detail/>
                <h2>{t!(i18n, download.endorsements)}</h2>
                <p class="meta" data-testid="endorsement-state">
                    {t!(i18n, certificates.endorsement)}": "{move || text::endorsement(i18n.get_locale(), &state)}
                </p>
                {explanation}
                <p class="aside"><A href="/certificates">{t!(i18n, info.back)}</A></p>
            </section>
        }
    })
}
