//! 账户导入 (administrators): platform accounts with their password hashes
//! (docs/accounts.md). The same two steps as 证书导入: upload, then the
//! file's check at /admin/accounts/import/<token> with every bad row and
//! a preview, and 导入账户 when every row is valid.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::import::{report_page, report_summary, UploadForm};
use super::StaffGate;
use crate::api::admin::{account_import_allowed, account_import_preview, CommitAccountImport};
use crate::components::gate::ErrorView;
use crate::domain::account_import::AccountPreviewRow;
use crate::i18n::*;

#[component]
pub fn AccountImportPage() -> impl IntoView {
    let i18n = use_i18n();
    let allowed = Resource::new(|| (), |_| account_import_allowed());
    view! {
        <StaffGate>
            <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match allowed.await {
                        Ok(()) => view! {
                            <section class="card" aria-labelledby="import-title">
                                <h1 id="import-title">{t!(i18n, admin.account_import_title)}</h1>
                                <p class="lead">{t!(i18n, admin.account_import_lead)}</p>
                                <UploadForm kind="accounts"/>
                            </section>
                        }
                        .into_any(),
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                    }
                })}
            </Suspense>
        </StaffGate>
    }
}

#[component]
pub fn AccountImportReportPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    let commit = ServerAction::<CommitAccountImport>::new();
    let page = report_page();
    let report =
        Resource::new(move || (token.get(), page.get(), commit.version().get()), |(t, p, _)| account_import_preview(t, p));
    view! {
        <StaffGate>
            <section class="card wide" aria-labelledby="report-title">
                <h1 id="report-title">{t!(i18n, admin.account_import_title)}</h1>
                <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                    {move || Suspend::new(async move {
                        match report.await {
                            Ok((name, report, batch)) => {
                                let rows = report.preview.clone();
                                let preview = (!rows.is_empty() && batch.is_none()).then(|| preview(rows));
                                view! {
                                    <p class="meta" data-testid="import-file-name">{name}</p>
                                    {report_summary(&report, batch, preview)}
                                    {report.can_commit().then(|| view! {
                                        <ActionForm action=commit>
                                            <input type="hidden" name="token" value=token.get_untracked()/>
                                            <button type="submit" class="button primary" data-testid="import-commit">
                                                {t!(i18n, admin.commit_accounts)}
                                            </button>
                                        </ActionForm>
                                    })}
                                }
                                .into_any()
                            }
                            Err(error) => view! { <ErrorView error/> }.into_any(),
                        }
                    })}
                </Suspense>
                <p class="aside"><a href="/admin/accounts/import">{t!(i18n, admin.another)}</a></p>
            </section>
        </StaffGate>
    }
}

fn preview(rows: Vec<AccountPreviewRow>) -> AnyView {
    let i18n = use_i18n();
    view! {
        <h2>{t!(i18n, admin.preview_accounts_title)}</h2>
        <table class="table" data-testid="import-preview">
            <thead><tr>
                <th>{t!(i18n, admin.col_line)}</th><th>{t!(i18n, register.username)}</th><th>{t!(i18n, register.real_name)}</th>
                <th>{t!(i18n, info.id_number)}</th><th>{t!(i18n, admin.col_hash_format)}</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|r| view! {
                    <tr><td>{r.line}</td><td class="mono">{r.username}</td><td>{r.real_name}</td>
                        <td class="mono">{r.id_number_masked}</td><td>{r.hash_format}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
