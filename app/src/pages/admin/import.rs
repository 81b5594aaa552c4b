//! 证书导入 on the portal: upload (a plain multipart form to /admin/upload),
//! then the file's check at /admin/import/<token>: counts, the bad rows
//! with their line and reason (the first 1,000 problems, 100 a page, then
//! the rest counted by column and kind), the new rows (20 a page), and
//! 导入证书 when every row is valid.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::StaffGate;
use crate::api::admin::{import_preview, CommitImport};
use crate::components::{gate::ErrorView, text};
use crate::domain::import::{ImportReport, MAX_LISTED_PROBLEMS};
use crate::i18n::*;

#[component]
pub fn ImportPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <StaffGate>
            <section class="card" aria-labelledby="import-title">
                <h1 id="import-title">{t!(i18n, admin.import_title)}</h1>
                <p class="lead">{t!(i18n, admin.import_lead)}</p>
                <UploadForm kind="certificates"/>
            </section>
        </StaffGate>
    }
}

/// The file form of an import page (`kind`: certificates or accounts): a
/// plain multipart post to /admin/upload, which keeps the file and sends
/// the browser to its report. An upload the route refused comes back as
/// `?file=too_large|missing`.
#[component]
pub fn UploadForm(kind: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let problem = move || {
        let l = i18n.get_locale();
        query.read().get("file").map(|p| match p.as_str() {
            "too_large" => td_string!(l, admin.too_large),
            _ => td_string!(l, admin.file_missing),
        })
    };
    view! {
        {move || problem().map(|m| view! { <div class="notice error" role="alert" data-testid="import-file-error">{m}</div> })}
        <form method="post" action="/admin/upload" enctype="multipart/form-data" data-testid="import-form">
            <input type="hidden" name="kind" value=kind/>
            <div class="field">
                <label for="f-import-file">{t!(i18n, admin.file_label)}</label>
                <input id="f-import-file" type="file" name="file" accept=".csv,.json,text/csv,application/json" required data-testid="import-file"/>
            </div>
            <button type="submit" class="button primary" data-testid="import-upload">{t!(i18n, admin.upload)}</button>
        </form>
    }
}

#[component]
pub fn ImportReportPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    let commit = ServerAction::<CommitImport>::new();
    let page = report_page();
    // Checked again after a load (the rows then count as loaded before).
    let report = Resource::new(move || (token.get(), page.get(), commit.version().get()), |(t, p, _)| import_preview(t, p));
    view! {
        <StaffGate>
            <section class="card wide" aria-labelledby="report-title">
                <h1 id="report-title">{t!(i18n, admin.import_title)}</h1>
                <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                    {move || Suspend::new(async move {
                        match report.await {
                            Ok((name, report, batch)) => view! {
                                <p class="meta" data-testid="import-file-name">{name}</p>
                                <Report report=report.clone() batch/>
                                {report.can_commit().then(|| view! {
                                    <ActionForm action=commit>
                                        <input type="hidden" name="token" value=token.get_untracked()/>
                                        <button type="submit" class="button primary" data-testid="import-commit">
                                            {t!(i18n, admin.commit)}
                                        </button>
                                    </ActionForm>
                                })}
                            }
                            .into_any(),
                            Err(error) => view! { <ErrorView error/> }.into_any(),
                        }
                    })}
                </Suspense>
                <p class="aside"><a href="/admin/import">{t!(i18n, admin.another)}</a></p>
            </section>
        </StaffGate>
    }
}

/// The certificates' report: the shared part, then the new certificates.
#[component]
fn Report(report: ImportReport, batch: Option<i64>) -> impl IntoView {
    let i18n = use_i18n();
    let rows = report.preview.clone();
    let preview = (!rows.is_empty() && batch.is_none()).then(|| {
        view! {
            <h2>{t!(i18n, admin.preview_title)}</h2>
            <table class="table" data-testid="import-preview">
                <thead><tr>
                    <th>{t!(i18n, admin.col_line)}</th><th>{t!(i18n, info.certificate_number)}</th><th>{t!(i18n, info.holder_name)}</th>
                    <th>{t!(i18n, info.id_number)}</th><th>{t!(i18n, info.qualification)}</th><th>{t!(i18n, info.issued_on)}</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| view! {
                        <tr><td>{r.line}</td><td class="mono">{r.certificate_number}</td><td>{r.holder_name}</td>
                            <td class="mono">{r.id_number_masked}</td><td class="mono">{r.qualification_code}</td><td>{r.issued_on.to_string()}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    });
    report_summary(&report, batch, preview)
}

/// The report page asked for: `?page=N` from 1 in the address, from 0 to
/// the server.
pub fn report_page() -> Memo<Option<usize>> {
    let query = use_query_map();
    Memo::new(move |_| query.read().get("page").and_then(|p| p.parse::<usize>().ok()).map(|p| p.saturating_sub(1)))
}

/// What every import report shows, of certificates or of accounts: the
/// file's problem if it cannot be read; else the counts, the outcome, this
/// page's bad rows with their line and reason, the problems past those
/// listed by column and kind, then `preview` (this page's new rows) and the
/// links to the other pages (plain links: they work without JavaScript).
pub fn report_summary<P>(report: &ImportReport<P>, batch: Option<i64>, preview: Option<AnyView>) -> AnyView {
    let i18n = use_i18n();
    if let Some(problem) = report.file_problem.clone() {
        return view! {
            <div class="notice error" role="alert" data-testid="import-file-problem">
                {move || text::import_file_problem(i18n.get_locale(), &problem)}
            </div>
        }
        .into_any();
    }
    let (rows, new, loaded) = (report.rows.to_string(), report.new.to_string(), report.already_loaded.to_string());
    let counts = move || {
        td_string!(
            i18n.get_locale(),
            admin.report_rows,
            rows = rows.clone(),
            new = new.clone(),
            loaded = loaded.clone()
        )
        .to_string()
    };
    let done = batch.map(|b| view! {
        <div class="notice success" role="status" data-testid="import-loaded">{move || td_string!(i18n.get_locale(), admin.loaded, batch = b.to_string()).to_string()}</div>
    });
    let nothing_new = (batch.is_none() && report.problems == 0 && report.new == 0).then(|| {
        view! {
            <div class="notice" data-testid="import-nothing-new">{t!(i18n, admin.nothing_new)}</div>
        }
    });
    let found = report.problems.to_string();
    let errors = (!report.errors.is_empty()).then(|| {
        let rows = report.errors.clone();
        view! {
            <h2>{t!(i18n, admin.errors_title)}</h2>
            <p data-testid="import-problem-count">
                {move || td_string!(i18n.get_locale(), admin.problems_found, count = found.clone()).to_string()}
            </p>
            <table class="table" data-testid="import-errors">
                <thead><tr><th>{t!(i18n, admin.col_line)}</th><th>{t!(i18n, admin.col_column)}</th><th>{t!(i18n, admin.col_problem)}</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|e| {
                        let problem = e.problem;
                        view! {
                            <tr data-testid="import-error" data-line=e.line.to_string()>
                                <td>{e.line}</td><td class="mono">{e.column}</td>
                                <td>{move || text::row_problem(i18n.get_locale(), &problem)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
    });
    let unlisted = (!report.unlisted.is_empty()).then(|| {
        let counts = report.unlisted.clone();
        let (count, listed) = (counts.iter().map(|c| c.count).sum::<usize>().to_string(), MAX_LISTED_PROBLEMS.to_string());
        view! {
            <p data-testid="import-unlisted-title">
                {move || td_string!(i18n.get_locale(), admin.unlisted_title, count = count.clone(), listed = listed.clone()).to_string()}
            </p>
            <table class="table" data-testid="import-unlisted">
                <thead><tr><th>{t!(i18n, admin.col_column)}</th><th>{t!(i18n, admin.col_problem)}</th><th>{t!(i18n, admin.col_count)}</th></tr></thead>
                <tbody>
                    {counts.into_iter().map(|c| {
                        let problem = c.problem;
                        view! {
                            <tr data-testid="import-unlisted-row">
                                <td class="mono">{c.column}</td>
                                <td>{move || text::row_problem(i18n.get_locale(), &problem)}</td>
                                <td>{c.count}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
    });
    let (page, pages) = (report.page + 1, report.pages);
    let pager = (pages > 1).then(|| {
        let (shown, total) = (page.to_string(), pages.to_string());
        view! {
            <nav class="pager" data-testid="import-pager">
                {(page > 1).then(|| view! { <a href=format!("?page={}", page - 1) data-testid="import-prev">{t!(i18n, admin.prev)}</a> })}
                <span>{move || td_string!(i18n.get_locale(), admin.report_page, page = shown.clone(), pages = total.clone()).to_string()}</span>
                {(page < pages).then(|| view! { <a href=format!("?page={}", page + 1) data-testid="import-next">{t!(i18n, admin.next)}</a> })}
            </nav>
        }
    });
    view! {
        <p data-testid="import-counts">{counts}</p>
        {done}
        {nothing_new}
        {errors}
        {unlisted}
        {preview}
        {pager}
    }
    .into_any()
}
