//! The portal's first page: what this staff member manages, in numbers.

use leptos::prelude::*;

use super::StaffGate;
use crate::api::admin::portal_overview;
use crate::components::gate::ErrorView;
use crate::i18n::*;

#[component]
pub fn OverviewPage() -> impl IntoView {
    let i18n = use_i18n();
    let overview = Resource::new(|| (), |_| portal_overview());
    view! {
        <StaffGate>
            <section class="card" aria-labelledby="overview-title">
                <h1 id="overview-title">{t!(i18n, admin.overview_title)}</h1>
                <Suspense>
                    {move || Suspend::new(async move {
                        match overview.await {
                            Ok((_, [certificates, revoked, holders, copies])) => view! {
                                <dl class="record" data-testid="portal-counts">
                                    <dt>{t!(i18n, admin.certificates)}</dt><dd data-testid="count-certificates">{certificates}</dd>
                                    <dt>{t!(i18n, admin.revoked)}</dt><dd>{revoked}</dd>
                                    <dt>{t!(i18n, admin.holders)}</dt><dd>{holders}</dd>
                                    <dt>{t!(i18n, admin.copies)}</dt><dd>{copies}</dd>
                                </dl>
                            }
                            .into_any(),
                            Err(error) => view! { <ErrorView error/> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </StaffGate>
    }
}
