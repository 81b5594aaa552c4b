//! 证书导入 on the portal: upload (a plain multipart form to /admin/upload),
//! then the file's check at /admin/import/<token>: counts, every bad row
//! with its line and reason, a preview of the new rows, and 导入证书 when
//! every row is valid.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::StaffGate;
use crate::api::admin::{import_preview, CommitImport};
use crate::components::{gate::ErrorView, text};
use crate::domain::import::ImportReport;
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
    // Checked again after a load (the rows then count as loaded before).
    let report = Resource::new(move || (token.get(), commit.version().get()), |(t, _)| import_preview(t));
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

/// What every import report shows, of certificates or of accounts: the
/// file's problem if it cannot be read; else the counts, the outcome, every
/// bad row with its line and reason, then `preview` (the new rows).
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
    let nothing_new = (batch.is_none() && report.errors.is_empty() && report.new == 0).then(|| {
        view! {
            <div class="notice" data-testid="import-nothing-new">{t!(i18n, admin.nothing_new)}</div>
        }
    });
    let errors = (!report.errors.is_empty()).then(|| {
        let rows = report.errors.clone();
        view! {
            <h2>{t!(i18n, admin.errors_title)}</h2>
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
    view! {
        <p data-testid="import-counts">{counts}</p>
        {done}
        {nothing_new}
        {errors}
        {preview}
    }
    .into_any()
}
