//! 证书下载: the holder's certificates.

use leptos::prelude::*;

use crate::api::certificates::my_certificates;
use crate::components::{
    gate::ErrorView,
    island::{mark_hydrated, page_locale, provide_locale, Anchor},
    poll::poll_list,
    text,
};
use crate::domain::certificate::{CertificateStatus, CertificateSummary, EndorsementState};
use crate::i18n::*;

#[component]
pub fn CertificatesPage() -> impl IntoView {
    let locale = page_locale();
    let certificates = Resource::new(|| (), |_| my_certificates());
    view! {
        <section class="card wide" aria-labelledby="certificates-title">
            <h1 id="certificates-title">{td!(locale, certificates.title)}</h1>
            <p class="lead">{td!(locale, certificates.lead)}</p>
            <Suspense fallback=move || view! { <p>{td!(locale, loading)}</p> }>
                {move || Suspend::new(async move {
                    match certificates.await {
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                        Ok(list) => view! { <CertificateList locale=locale list/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The list, rendered on the server; in the browser it refreshes itself
/// while a copy is generating.
#[island]
fn CertificateList(locale: Locale, list: Vec<CertificateSummary>) -> impl IntoView {
    provide_locale(locale);
    let list = RwSignal::new(list);
    let anchor = Anchor::new();
    mark_hydrated(anchor);
    // No refresh on demand here: only the poll refreshes the list.
    let _ = poll_list(
        anchor,
        move || list.with(|l| l.iter().any(|c| c.endorsement == EndorsementState::Generating)),
        my_certificates,
        move |fresh| list.set(fresh),
    );
    view! {
        <div node_ref=anchor>
            {move || {
                let rows = list.get();
                if rows.is_empty() {
                    view! { <p class="notice" data-testid="no-certificates">{td!(locale, certificates.empty)}</p> }.into_any()
                } else {
                    view! { <CertificateTable list=rows/> }.into_any()
                }
            }}
        </div>
    }
}

#[component]
fn CertificateTable(list: Vec<CertificateSummary>) -> impl IntoView {
    let locale = page_locale();
    view! {
        <table class="table responsive" data-testid="certificate-table">
            <thead>
                <tr>
                    <th scope="col">{td!(locale, certificates.qualification)}</th>
                    <th scope="col">{td!(locale, certificates.certificate_number)}</th>
                    <th scope="col">{td!(locale, certificates.issued_on)}</th>
                    <th scope="col">{td!(locale, certificates.seal)}</th>
                    <th scope="col">{td!(locale, certificates.status)}</th>
                    <th scope="col">{td!(locale, certificates.endorsement)}</th>
                    <th scope="col">{td!(locale, certificates.actions)}</th>
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
    let locale = page_locale();
    let revoked = c.status == CertificateStatus::Revoked;
    let qualification = c.qualification.clone();
    let endorsement = c.endorsement.clone();
    view! {
        <tr data-testid="certificate-row" data-certificate-number=c.certificate_number.clone()>
            <td data-label=move || td_string!(locale, certificates.qualification)>
                <span class="qualification">{move || text::bilingual(locale, &qualification)}</span>
                {c.specialty.clone().map(|s| view! { <span class="specialty">{s}</span> })}
            </td>
            <td data-label=move || td_string!(locale, certificates.certificate_number) class="mono">{c.certificate_number.clone()}</td>
            <td data-label=move || td_string!(locale, certificates.issued_on)>{c.issued_on.to_string()}</td>
            <td data-label=move || td_string!(locale, certificates.seal) class="seal-name">{c.seal_name.clone()}</td>
            <td data-label=move || td_string!(locale, certificates.status)>
                <span class="badge" class:valid=!revoked class:revoked=revoked data-testid="certificate-status">
                    {move || text::status(locale, c.status)}
                </span>
            </td>
            <td data-label=move || td_string!(locale, certificates.endorsement) data-testid="endorsement-state">
                {move || text::endorsement(locale, &endorsement)}
            </td>
            <td data-label=move || td_string!(locale, certificates.actions)>
                <div class="row-actions">
                // Plain links: the islands router takes them (no document load), and without JavaScript they load the page.
                <a href=format!("/certificates/{}", c.id) class="button small" data-testid="certificate-info">
                    {td!(locale, certificates.info)}
                </a>
                {if revoked {
                    view! {
                        <span class="muted small" data-testid="revoked-note">{td!(locale, certificates.revoked_no_download)}</span>
                    }.into_any()
                } else {
                    view! {
                        <a href=format!("/certificates/{}/download", c.id) class="button small primary" data-testid="certificate-download">
                            {td!(locale, certificates.download)}
                        </a>
                    }.into_any()
                }}
                </div>
            </td>
        </tr>
    }
}
