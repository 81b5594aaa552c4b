//! 常见问题: the questions holders ask most, ending with the service's
//! contact details (configuration, not code).

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::endorsements::support_contact;
use crate::i18n::*;

#[component]
pub fn HelpPage() -> impl IntoView {
    let i18n = use_i18n();
    let contact = Resource::new(|| (), |_| support_contact());
    view! {
        <section class="card" aria-labelledby="help-title">
            <h1 id="help-title">{t!(i18n, help.title)}</h1>
            <dl class="faq" data-testid="faq">
                <dt id="generating">{t!(i18n, help.q_generating)}</dt><dd>{t!(i18n, help.a_generating)}</dd>
                <dt id="expired">{t!(i18n, help.q_expired)}</dt><dd>{t!(i18n, help.a_expired)}</dd>
                <dt id="quota">{t!(i18n, help.q_quota)}</dt><dd>{t!(i18n, help.a_quota)}</dd>
                <dt id="legacy">{t!(i18n, help.q_legacy)}</dt><dd>{t!(i18n, help.a_legacy)}</dd>
                <dt id="verify">{t!(i18n, help.q_verify)}</dt><dd>{t!(i18n, help.a_verify)}</dd>
                <dt id="checks">{t!(i18n, help.q_checks)}</dt><dd>{t!(i18n, help.a_checks)}</dd>
                <dt id="cancel">{t!(i18n, help.q_cancel)}</dt><dd>{t!(i18n, help.a_cancel)}</dd>
            </dl>
            <Suspense>
                {move || Suspend::new(async move {
                    contact.await.ok().map(|(phone, hours)| view! {
                        <p class="contact" data-testid="support-contact">
                            {t!(i18n, help.contact)}": "<a href=format!("tel:{phone}")>{phone.clone()}</a>
                            <br/>{t!(i18n, help.hours)}": "{hours}
                        </p>
                    })
                })}
            </Suspense>
            <p class="aside"><A href="/certificates">{t!(i18n, info.back)}</A></p>
        </section>
    }
}
