//! 证书信息: the full record of one certificate, ID number masked.

use leptos::prelude::*;

use crate::components::text;
use crate::domain::certificate::{CertificateDetail, CertificateStatus};
use crate::i18n::*;

#[component]
pub fn CertificateRecord(detail: CertificateDetail) -> impl IntoView {
    let i18n = use_i18n();
    let s = detail.summary.clone();
    let revoked = s.status == CertificateStatus::Revoked;
    let qualification = s.qualification.clone();
    let none = move || t_string!(i18n, info.none).to_string();
    view! {
        <dl class="record" data-testid="certificate-record">
            <dt>{t!(i18n, info.holder_name)}</dt><dd data-testid="record-holder-name">{detail.holder_name.clone()}</dd>
            <dt>{t!(i18n, info.id_type)}</dt><dd>{move || text::id_type(i18n.get_locale(), detail.id_type)}</dd>
            <dt>{t!(i18n, info.id_number)}</dt><dd class="mono" data-testid="record-id-number">{detail.id_number_masked.clone()}</dd>
            <dt>{t!(i18n, info.qualification)}</dt><dd>{move || text::bilingual(i18n.get_locale(), &qualification)}</dd>
            <dt>{t!(i18n, info.specialty)}</dt><dd>{s.specialty.clone().unwrap_or_else(none)}</dd>
            <dt>{t!(i18n, info.certificate_number)}</dt><dd class="mono" data-testid="record-certificate-number">{s.certificate_number.clone()}</dd>
            <dt>{t!(i18n, info.management_number)}</dt><dd class="mono" data-testid="record-management-number">{detail.management_number.clone()}</dd>
            <dt>{t!(i18n, info.issued_on)}</dt><dd>{s.issued_on.to_string()}</dd>
            <dt>{t!(i18n, info.authority)}</dt><dd>{detail.issuing_authority.clone()}</dd>
            <dt>{t!(i18n, info.seal)}</dt><dd>{s.seal_name.clone()}</dd>
            <dt>{t!(i18n, info.status)}</dt>
            <dd>
                <span class="badge" class:valid=!revoked class:revoked=revoked data-testid="certificate-status">
                    {move || text::status(i18n.get_locale(), s.status)}
                </span>
            </dd>
            {detail.revoked_on.map(|d| view! {
                <dt>{t!(i18n, info.revoked_on)}</dt><dd data-testid="record-revoked-on">{d.to_string()}</dd>
            })}
        </dl>
    }
}
