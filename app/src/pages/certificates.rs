//! 证书下载: the holder's certificates.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::certificates::my_certificates;
use crate::components::{gate::ErrorView, poll::poll_while, text};
use crate::domain::certificate::{CertificateStatus, CertificateSummary, EndorsementState};
use crate::i18n::*;

#[component]
pub fn CertificatesPage() -> impl IntoView {
    let i18n = use_i18n();
    let tick = RwSignal::new(0u32);
    let certificates = Resource::new(move || tick.get(), |_| my_certificates());
    // While a copy is generating, the list refreshes itself until it is ready.
    poll_while(
        move || {
            certificates
                .get()
                .and_then(Result::ok)
                .is_some_and(|list| list.iter().any(|c| c.endorsement == EndorsementState::Generating))
        },
        tick,
    );
    view! {
        <section class="card wide" aria-labelledby="certificates-title">
            <h1 id="certificates-title">{t!(i18n, certificates.title)}</h1>
            <p class="lead">{t!(i18n, certificates.lead)}</p>
            <Transition fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match certificates.await {
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <p class="notice" data-testid="no-certificates">{t!(i18n, certificates.empty)}</p>
                        }.into_any(),
                        Ok(list) => view! { <CertificateTable list/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn CertificateTable(list: Vec<CertificateSummary>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <table class="table responsive" data-testid="certificate-table">
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, certificates.qualification)}</th>
                    <th scope="col">{t!(i18n, certificates.certificate_number)}</th>
                    <th scope="col">{t!(i18n, certificates.issued_on)}</th>
                    <th scope="col">{t!(i18n, certificates.seal)}</th>
                    <th scope="col">{t!(i18n, certificates.status)}</th>
                    <th scope="col">{t!(i18n, certificates.endorsement)}</th>
                    <th scope="col">{t!(i18n, certificates.actions)}</th>
                </tr>
            </thead>
            <tbody>
                {list.into_iter().map(|c| view! { <CertificateRow c/> }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn CertificateRow(c: CertificateSummary) -> impl IntoView {
    let i18n = use_i18n();
    let revoked = c.status == CertificateStatus::Revoked;
    let qualification = c.qualification.clone();
    let endorsement = c.endorsement.clone();
    view! {
        <tr data-testid="certificate-row" data-certificate-number=c.certificate_number.clone()>
            <td data-label=move || t_string!(i18n, certificates.qualification)>
                <span class="qualification">{move || text::bilingual(i18n.get_locale(), &qualification)}</span>
                {c.specialty.clone().map(|s| view! { <span class="specialty">{s}</span> })}
            </td>
            <td data-label=move || t_string!(i18n, certificates.certificate_number) class="mono">{c.certificate_number.clone()}</td>
            <td data-label=move || t_string!(i18n, certificates.issued_on)>{c.issued_on.to_string()}</td>
            <td data-label=move || t_string!(i18n, certificates.seal) class="seal-name">{c.seal_name.clone()}</td>
            <td data-label=move || t_string!(i18n, certificates.status)>
                <span class="badge" class:valid=!revoked class:revoked=revoked data-testid="certificate-status">
                    {move || text::status(i18n.get_locale(), c.status)}
                </span>
            </td>
            <td data-label=move || t_string!(i18n, certificates.endorsement) data-testid="endorsement-state">
                {move || text::endorsement(i18n.get_locale(), &endorsement)}
            </td>
            <td data-label=move || t_string!(i18n, certificates.actions)>
                <div class="row-actions">
                <A href=format!("/certificates/{}", c.id) attr:class="button small" attr:data-testid="certificate-info">
                    {t!(i18n, certificates.info)}
                </A>
                {if revoked {
                    view! {
                        <span class="muted small" data-testid="revoked-note">{t!(i18n, certificates.revoked_no_download)}</span>
                    }.into_any()
                } else {
                    view! {
                        <A href=format!("/certificates/{}/download", c.id) attr:class="button small primary" attr:data-testid="certificate-download">
                            {t!(i18n, certificates.download)}
                        </A>
                    }.into_any()
                }}
                </div>
            </td>
        </tr>
    }
}
