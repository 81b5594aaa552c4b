//! 证书管理: find a certificate by number, see its record, and revoke (撤销)
//! or reinstate (恢复) it with a reason. An issuer finds only its own body's
//! certificates.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::StaffGate;
use crate::api::accounts::take_form_flash;
use crate::api::admin::{admin_certificate, ChangeRevocation, REASON_MAX, REVOCATION_FORM};
use crate::components::fields::{field_problem, submission_error, FormError, TextField};
use crate::components::gate::ErrorView;
use crate::components::verdict::CertificateFacts;
use crate::domain::certificate::CertificateStatus;
use crate::error::{AppError, Field};
use crate::i18n::*;

#[component]
pub fn ManageCertificatesPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let number = Memo::new(move |_| query.read().get("number").unwrap_or_default());
    let change = ServerAction::<ChangeRevocation>::new();
    let found = Resource::new(
        move || (number.get(), change.version().get()),
        |(n, _)| async move {
            if n.trim().is_empty() {
                Ok(None)
            } else {
                admin_certificate(n).await.map(Some)
            }
        },
    );
    let flash = Resource::new(|| (), |_| take_form_flash(REVOCATION_FORM.into()));
    view! {
        <StaffGate>
            <section class="card" aria-labelledby="manage-title">
                <h1 id="manage-title">{t!(i18n, admin.certificates_title)}</h1>
                <form method="get" action="/admin/certificates" data-testid="manage-search">
                    <TextField label=move || t_string!(i18n, admin.number) name="number" value=number.get_untracked()
                        problem=Signal::stored(None) required=true maxlength=64/>
                    <button type="submit" class="button primary" data-testid="manage-search-submit">{t!(i18n, admin.search)}</button>
                </form>
                <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                    {move || Suspend::new(async move {
                        let flash = flash.await.ok().flatten();
                        match found.await {
                            Ok(None) => ().into_any(),
                            Err(AppError::NotFound) => view! {
                                <div class="notice error" role="alert" data-testid="manage-not-found">{t!(i18n, errors.not_found)}</div>
                            }.into_any(),
                            Err(error) => view! { <ErrorView error/> }.into_any(),
                            Ok(Some(c)) => {
                                let revoked = c.record.status == CertificateStatus::Revoked;
                                let error = submission_error(change.value(), flash.as_ref().map(|f| f.error.clone()));
                                let reason_value = flash.as_ref().and_then(|f| f.value("reason")).unwrap_or_default();
                                let cert_number = c.record.certificate_number.clone();
                                view! {
                                    <CertificateFacts c=c.record.clone()/>
                                    <dl class="record">
                                        {c.revocation_reason.clone().map(|r| view! {
                                            <dt>{t!(i18n, admin.revocation_reason)}</dt><dd data-testid="manage-reason">{r}</dd>
                                        })}
                                        <dt>{t!(i18n, admin.copies_made)}</dt><dd>{c.endorsements}</dd>
                                    </dl>
                                    <FormError error/>
                                    <ActionForm action=change attr:data-testid="revocation-form">
                                        <input type="hidden" name="number" value=cert_number/>
                                        <input type="hidden" name="action" value=if revoked { "reinstate" } else { "revoke" }/>
                                        <TextField label=move || t_string!(i18n, admin.reason) name="reason" value=reason_value
                                            problem=field_problem(error, Field::Reason) required=true maxlength=REASON_MAX/>
                                        <button type="submit" class="button primary" data-testid="revocation-submit">
                                            {move || if revoked { t_string!(i18n, admin.reinstate) } else { t_string!(i18n, admin.revoke) }}
                                        </button>
                                    </ActionForm>
                                }
                                .into_any()
                            }
                        }
                    })}
                </Suspense>
            </section>
        </StaffGate>
    }
}
