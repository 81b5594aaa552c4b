//! 审计日志 (administrators): filter by time, actor, subject (a certificate
//! number also finds its endorsements' events) and kind; paginated; the same
//! filter exports CSV. The filter is a plain GET form, so the address is
//! the query and works without JavaScript.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::StaffGate;
use crate::api::admin::audit_log;
use crate::components::fields::TextField;
use crate::components::gate::ErrorView;
use crate::domain::staff::{AuditFilter, AuditKind};
use crate::i18n::*;

#[component]
pub fn AuditPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        let q = query.read();
        let get = |k: &str| q.get(k).unwrap_or_default();
        AuditFilter {
            from: get("from"),
            to: get("to"),
            actor: get("actor"),
            subject: get("subject"),
            kind: get("kind"),
        }
    });
    let page = Memo::new(move |_| query.read().get("page").and_then(|p| p.parse::<i64>().ok()).unwrap_or(1));
    let entries = Resource::new(move || (filter.get(), page.get()), |(f, p)| audit_log(f, p));
    let link = move |page: i64| {
        let f = filter.get();
        let enc =
            |s: &str| {
                s.bytes()
                    .map(|b| {
                        if b.is_ascii_alphanumeric() || b == b'-' {
                            (b as char).to_string()
                        } else {
                            format!("%{b:02X}")
                        }
                    })
                    .collect::<String>()
            };
        format!(
            "from={}&to={}&actor={}&subject={}&kind={}&page={page}",
            enc(&f.from),
            enc(&f.to),
            enc(&f.actor),
            enc(&f.subject),
            enc(&f.kind)
        )
    };
    let kind_label = move |k: AuditKind| {
        let l = i18n.get_locale();
        match k {
            AuditKind::Issue => td_string!(l, admin.kinds.issue),
            AuditKind::Endorse => td_string!(l, admin.kinds.endorse),
            AuditKind::Download => td_string!(l, admin.kinds.download),
            AuditKind::Verify => td_string!(l, admin.kinds.verify),
            AuditKind::Revoke => td_string!(l, admin.kinds.revoke),
            AuditKind::Login => td_string!(l, admin.kinds.login),
            AuditKind::Account => td_string!(l, admin.kinds.account),
        }
    };
    view! {
        <StaffGate>
            <section class="card wide" aria-labelledby="audit-title">
                <h1 id="audit-title">{t!(i18n, admin.audit_title)}</h1>
                <form method="get" action="/admin/audit" class="filters" data-testid="audit-filter">
                    <TextField label=move || t_string!(i18n, admin.from) name="from" input_type="date" value=filter.get_untracked().from problem=Signal::stored(None)/>
                    <TextField label=move || t_string!(i18n, admin.to) name="to" input_type="date" value=filter.get_untracked().to problem=Signal::stored(None)/>
                    <TextField label=move || t_string!(i18n, admin.actor) name="actor" value=filter.get_untracked().actor problem=Signal::stored(None) maxlength=64/>
                    <TextField label=move || t_string!(i18n, admin.subject) name="subject" value=filter.get_untracked().subject problem=Signal::stored(None) maxlength=64/>
                    <div class="field">
                        <label for="f-kind">{t!(i18n, admin.kind)}</label>
                        <select id="f-kind" name="kind" data-testid="input-kind">
                            <option value="">{t!(i18n, admin.all_kinds)}</option>
                            {AuditKind::ALL.into_iter().map(|k| view! {
                                <option value=k.code() selected=move || filter.get().kind == k.code()>{move || kind_label(k)}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <button type="submit" class="button primary" data-testid="audit-filter-submit">{t!(i18n, admin.filter)}</button>
                    <a class="button" rel="external" href=move || format!("/admin/audit.csv?{}", link(1)) data-testid="audit-export">{t!(i18n, admin.export)}</a>
                </form>
                <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                    {move || Suspend::new(async move {
                        match entries.await {
                            Err(error) => view! { <ErrorView error/> }.into_any(),
                            Ok(p) => {
                                let (page, pages, total) = (p.page, p.pages, p.total);
                                view! {
                                    <p class="meta" data-testid="audit-count">{move || td_string!(i18n.get_locale(), admin.page, page = page.to_string(), pages = pages.to_string(), total = total.to_string()).to_string()}</p>
                                    <table class="table" data-testid="audit-table">
                                        <thead><tr>
                                            <th>{t!(i18n, admin.at)}</th><th>{t!(i18n, admin.event)}</th><th>{t!(i18n, admin.actor)}</th>
                                            <th>{t!(i18n, admin.subject)}</th><th>{t!(i18n, admin.client_addr)}</th><th>{t!(i18n, admin.detail)}</th>
                                        </tr></thead>
                                        <tbody>
                                            {p.rows.into_iter().map(|r| {
                                                let event = r.event.clone();
                                                view! {
                                                <tr data-testid="audit-row" data-event=event>
                                                    <td>{r.at.seconds()}</td><td class="mono">{r.event}</td><td>{r.actor}</td>
                                                    <td class="mono">{r.subject}</td><td class="mono">{r.client_addr}</td><td class="small">{r.detail}</td>
                                                </tr>
                                            }}).collect_view()}
                                        </tbody>
                                    </table>
                                    <p class="pager">
                                        {(page > 1).then(|| view! { <a href=format!("/admin/audit?{}", link(page - 1)) data-testid="audit-prev">{t!(i18n, admin.prev)}</a> })}
                                        " "
                                        {(page < pages).then(|| view! { <a href=format!("/admin/audit?{}", link(page + 1)) data-testid="audit-next">{t!(i18n, admin.next)}</a> })}
                                    </p>
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
