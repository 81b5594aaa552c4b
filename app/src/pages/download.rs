//! The download page of one certificate: its record, then its endorsed
//! copies (加注件) with 查看 / 下载, and 申请证书加注. While a copy is being
//! generated the list polls and switches to ready without a reload.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::accounts::take_form_flash;
use crate::api::endorsements::{
    certificate_endorsements, endorsement_form, ApplyEndorsement, RetryEndorsement, APPLY_FORM, FILE_REFUSAL,
};
use crate::api::FormFlash;
use crate::components::fields::{field_problem, submission_error, FormError};
use crate::components::{
    certificate::CertificateRecord,
    copy_links::CopyLinks,
    gate::ErrorView,
    island::{mark_hydrated, page_locale, provide_locale, Anchor},
    poll::poll_list,
    text,
};
use crate::domain::certificate::{CertificateDetail, CertificateStatus, EndorsementState};
use crate::domain::endorsement::{ApplicationForm, EndorsementView, Phase, DEFAULT_DAYS, MAX_DAYS, MIN_DAYS};
use crate::error::{AppError, Field};
use crate::i18n::*;
use crate::pages::certificate_info::{certificate_id_param, with_certificate};

/// A no-JavaScript form's error, carried once in the session.
type Flash = Resource<Result<Option<FormFlash>, AppError>>;

/// The page's data. Made once at the top of the page: made inside the
/// certificate's Suspend, they could be made twice while rendering on the
/// server, and the discarded copy would run without the request's context
/// (and would take the one-time flash away from the copy shown).
#[derive(Clone, Copy)]
struct PageData {
    /// A refused 查看 / 下载 link comes back here with its reason.
    refusal: Flash,
    /// The application form's error after a submission without JavaScript.
    flash: Flash,
    list: Resource<Result<Vec<EndorsementView>, AppError>>,
    form: Resource<Result<ApplicationForm, AppError>>,
}

impl PageData {
    fn new(id: Memo<Option<i64>>) -> PageData {
        PageData {
            refusal: Resource::new(|| (), |_| take_form_flash(FILE_REFUSAL.into())),
            flash: Resource::new(|| (), |_| take_form_flash(APPLY_FORM.into())),
            list: Resource::new(
                move || id.get(),
                |id| async move { certificate_endorsements(id.ok_or(AppError::NotFound)?).await },
            ),
            form: Resource::new(
                move || id.get(),
                |id| async move { endorsement_form(id.ok_or(AppError::NotFound)?).await },
            ),
        }
    }
}

#[component]
pub fn DownloadPage() -> impl IntoView {
    let data = PageData::new(certificate_id_param());
    with_certificate(move |detail| view! { <DownloadCard detail data/> })
}

#[component]
fn DownloadCard(detail: CertificateDetail, data: PageData) -> impl IntoView {
    let refusal = data.refusal;
    let locale = page_locale();
    let id = detail.summary.id;
    let revoked = detail.summary.status == CertificateStatus::Revoked;
    let not_required = detail.summary.endorsement == EndorsementState::NotRequired;
    let files = if revoked {
        view! { <p class="notice error" role="status" data-testid="revoked-notice">{td!(locale, download.revoked)}</p> }
            .into_any()
    } else if not_required {
        view! { <LegacyDownload certificate_id=id/> }.into_any()
    } else {
        view! { <EndorsingLoaded certificate_id=id data/> }.into_any()
    };
    view! {
        <section class="card wide" aria-labelledby="download-title">
            <div class="card-head">
                <h1 id="download-title">{td!(locale, download.title)}</h1>
                <A href="/help" attr:class="help-link" attr:data-testid="help-link">{td!(locale, download.help_link)}</A>
            </div>
            <Suspense>
                {move || Suspend::new(async move {
                    refusal.await.ok().flatten().map(|flash| view! {
                        <div class="notice error" role="alert" data-testid="file-refusal">
                            {move || text::error(locale, &flash.error)}
                        </div>
                    })
                })}
            </Suspense>
            <h2>{td!(locale, info.title)}</h2>
            <CertificateRecord detail/>
            {files}
            <p class="aside"><A href="/certificates">{td!(locale, info.back)}</A></p>
        </section>
    }
}

/// Issued before 2021-12-17: the signed certificate downloads directly.
#[component]
fn LegacyDownload(certificate_id: i64) -> impl IntoView {
    let locale = page_locale();
    let url = move |download: bool| format!("/api/certificate_file?id={certificate_id}&download={download}");
    view! {
        <h2>{td!(locale, download.legacy_download)}</h2>
        <p>{td!(locale, download.not_required)}</p>
        <p class="row-actions">
            <a class="button" href=url(false) target="_blank" rel="noopener" data-testid="certificate-view">
                {td!(locale, download.view)}
            </a>
            <a class="button primary" href=url(true) download data-testid="certificate-file-download">
                {td!(locale, download.download)}
            </a>
        </p>
    }
}

/// How often a page with a copy being made reloads itself without JavaScript
/// (a copy takes about a second).
const RELOAD_SECONDS: &str = "2";

/// The endorsements and the form as loaded on the server, handed to the island.
#[component]
fn EndorsingLoaded(certificate_id: i64, data: PageData) -> impl IntoView {
    let locale = page_locale();
    let PageData { flash, list, form, .. } = data;
    view! {
        <Suspense fallback=move || view! { <p>{td!(locale, loading)}</p> }>
            {move || Suspend::new(async move {
                let carried = flash.await.ok().flatten();
                match (list.await, form.await) {
                    (Err(error), _) | (_, Err(error)) => view! { <ErrorView error/> }.into_any(),
                    (Ok(list), Ok(form)) => {
                        let locale = locale;
                        // Without JavaScript nothing polls: while a copy is
                        // being made the page reloads itself, so its hint
                        // (页面会自动更新) holds there too. Outside the island,
                        // which never hydrates a <noscript>. Not when the
                        // islands router fetches the page: a <meta refresh>
                        // it inserts would reload the page it polls.
                        let generating = list.iter().any(|e| e.phase == Phase::Generating)
                            && !crate::app::is_client_navigation();
                        view! {
                            {generating.then(|| view! {
                                <noscript><meta http-equiv="refresh" content=RELOAD_SECONDS/></noscript>
                            })}
                            <Endorsing locale certificate_id list form carried/>
                        }
                        .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// The copies and 申请证书加注, running in the browser: an application is
/// shown at once as 证书生成中…, and the list polls until it is ready.
#[island(lazy)]
fn Endorsing(
    locale: Locale,
    certificate_id: i64,
    list: Vec<EndorsementView>,
    form: ApplicationForm,
    carried: Option<FormFlash>,
) -> impl IntoView {
    provide_locale(locale);
    let apply = ServerAction::<ApplyEndorsement>::new();
    let retry = ServerAction::<RetryEndorsement>::new();
    let list = RwSignal::new(list);
    let form = RwSignal::new(form);
    let anchor = Anchor::new();
    mark_hydrated(anchor);
    let refresh = poll_list(
        anchor,
        move || list.with(|l| l.iter().any(|e| e.phase == Phase::Generating)),
        move || certificate_endorsements(certificate_id),
        // Until a fetched list has the just-applied endorsement, it stays on top.
        move |mut fresh| {
            if let Some(Ok(e)) = apply.value().get_untracked() {
                with_applied(&mut fresh, e);
            }
            list.set(fresh);
        },
    );
    // An accepted application: on top of the list at once, and a fresh form
    // (quota left, new idempotency key); a refused one keeps what was typed.
    Effect::new(move |_| {
        if let Some(Ok(e)) = apply.value().get() {
            list.update(|l| with_applied(l, e));
            leptos::task::spawn_local(async move {
                if let Ok(fresh) = endorsement_form(certificate_id).await {
                    form.set(fresh);
                }
            });
        }
    });
    Effect::new(move |retried: Option<()>| {
        retry.version().track();
        if retried.is_some() {
            refresh();
        }
    });
    view! {
        <div node_ref=anchor>
        <h2>{td!(locale, download.endorsements)}</h2>
        {move || {
            let rows = list.get();
            if rows.is_empty() {
                view! { <p class="muted" data-testid="no-endorsements">{td!(locale, download.none_yet)}</p> }.into_any()
            } else {
                let form_key = Signal::derive(move || form.with(|f| f.form_key.clone()));
                view! { <EndorsementTable list=rows certificate_id retry apply form_key/> }.into_any()
            }
        }}
        <h2>{td!(locale, download.apply_title)}</h2>
        {move || {
            let carried = carried.clone();
            view! { <ApplyForm form=form.get() certificate_id apply carried/> }
        }}
        </div>
    }
}

/// The list with a just-applied endorsement on top (unless a fetch has it already).
fn with_applied(list: &mut Vec<EndorsementView>, applied: EndorsementView) {
    if !list.iter().any(|l| l.id == applied.id) {
        list.insert(0, applied);
    }
}

#[component]
fn EndorsementTable(
    list: Vec<EndorsementView>,
    certificate_id: i64,
    retry: ServerAction<RetryEndorsement>,
    apply: ServerAction<ApplyEndorsement>,
    form_key: Signal<String>,
) -> impl IntoView {
    let locale = page_locale();
    let retry_error = submission_error(retry.value(), None);
    view! {
        <FormError error=retry_error/>
        <table class="table responsive" data-testid="endorsement-table">
            <thead>
                <tr>
                    <th scope="col">{td!(locale, download.number)}</th>
                    <th scope="col">{td!(locale, download.purpose)}</th>
                    <th scope="col">{td!(locale, download.validity)}</th>
                    <th scope="col">{td!(locale, download.applied_at)}</th>
                    <th scope="col">{td!(locale, download.state)}</th>
                    <th scope="col">{td!(locale, download.actions)}</th>
                </tr>
            </thead>
            <tbody>
                {list.into_iter().map(|e| view! { <EndorsementRow e certificate_id retry apply form_key/> }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn EndorsementRow(
    e: EndorsementView,
    certificate_id: i64,
    retry: ServerAction<RetryEndorsement>,
    apply: ServerAction<ApplyEndorsement>,
    form_key: Signal<String>,
) -> impl IntoView {
    let locale = page_locale();
    let phase = e.phase;
    let scenario = e.scenario.clone();
    let details = view! {
        <a class="button small" href=format!("/certificates/{certificate_id}/endorsements/{}", e.id) data-testid="endorsement-details">
            {td!(locale, download.details)}
        </a>
    };
    // 再次申请 beside a copy in its last days: the same scenario, the default validity.
    let reapply = e.ends_soon.then(|| {
        let scenario_code = e.scenario_code.clone();
        view! {
            <ActionForm action=apply attr:class="inline-form">
                <input type="hidden" name="certificate_id" value=certificate_id/>
                <input type="hidden" name="form_key" value=move || form_key.get()/>
                <input type="hidden" name="scenario" value=scenario_code/>
                <input type="hidden" name="days" value=DEFAULT_DAYS/>
                <button type="submit" class="button small" title=move || td_string!(locale, download.reapply_hint)
                    disabled=move || apply.pending().get() data-testid="endorsement-reapply">
                    {td!(locale, download.reapply)}
                </button>
            </ActionForm>
        }
    });
    let cancelled_at = e.cancelled_at.map(|at| at.minutes()).unwrap_or_default();
    let actions = match phase {
        Phase::Valid => view! {
            <CopyLinks endorsement_id=e.id small=true/>
            {details}
            {reapply}
        }
        .into_any(),
        Phase::Cancelled => view! {
            <span class="muted small" data-testid="cancelled-hint">
                {move || td_string!(locale, download.cancelled_hint, time = cancelled_at.clone()).to_string()}
            </span>
            {details}
        }
        .into_any(),
        Phase::Generating => view! {
            <span class="muted small" data-testid="generating-hint">{td!(locale, download.generating_hint)}</span>
        }
        .into_any(),
        Phase::Expired => view! {
            <span class="muted small" data-testid="expired-hint">{td!(locale, download.expired_hint)}</span>
            {details}
        }
        .into_any(),
        Phase::Failed => view! {
            <ActionForm action=retry attr:class="inline-form">
                <input type="hidden" name="certificate_id" value=certificate_id/>
                <input type="hidden" name="id" value=e.id/>
                <button type="submit" class="button small" data-testid="endorsement-retry">{td!(locale, download.retry)}</button>
            </ActionForm>
        }
        .into_any(),
    };
    view! {
        <tr data-testid="endorsement-row" data-endorsement-id=e.id data-endorsement-number=e.number.clone() data-phase=format!("{phase:?}").to_lowercase()>
            <td data-label=move || td_string!(locale, download.number) class="mono">{e.number.clone()}</td>
            <td data-label=move || td_string!(locale, download.purpose)>{move || text::bilingual(locale, &scenario)}</td>
            <td data-label=move || td_string!(locale, download.validity)>
                {e.valid_from.to_string()}" "{td!(locale, download.to)}" "{e.valid_until.to_string()}
            </td>
            <td data-label=move || td_string!(locale, download.applied_at)>{e.applied_at.minutes()}</td>
            <td data-label=move || td_string!(locale, download.state)>
                <span class="badge" class:valid=phase == Phase::Valid
                    class:revoked=matches!(phase, Phase::Expired | Phase::Failed | Phase::Cancelled)
                    class:pending=phase == Phase::Generating data-testid="endorsement-phase" aria-live="polite">
                    {(phase == Phase::Generating).then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
                    {move || text::phase(locale, phase)}
                </span>
                {e.ends_soon.then(|| {
                    let until = e.valid_until.to_string();
                    view! {
                        " "<span class="badge ending" data-testid="ends-soon">
                            {move || td_string!(locale, download.ends_soon, date = until.clone()).to_string()}
                        </span>
                    }
                })}
                // 查验记录's count: only a copy that was made can have been checked.
                {matches!(phase, Phase::Valid | Phase::Expired | Phase::Cancelled).then(|| {
                    let count = e.checks;
                    view! {
                        " "<span class="badge count" data-testid="checks-count" data-count=count>
                            {move || td_string!(locale, download.checks_badge, count = count).to_string()}
                        </span>
                    }
                })}
            </td>
            <td data-label=move || td_string!(locale, download.actions)><div class="row-actions">{actions}</div></td>
        </tr>
    }
}

#[component]
fn ApplyForm(
    form: ApplicationForm,
    certificate_id: i64,
    apply: ServerAction<ApplyEndorsement>,
    carried: Option<FormFlash>,
) -> impl IntoView {
    let locale = page_locale();
    let error: Signal<Option<AppError>> = submission_error(apply.value(), carried.as_ref().map(|f| f.error.clone()));
    let days_problem = field_problem(error, Field::Days);
    let scenario_problem = field_problem(error, Field::Scenario);
    let days = carried.as_ref().and_then(|f| f.value("days")).unwrap_or_else(|| DEFAULT_DAYS.to_string());
    let chosen = carried.as_ref().and_then(|f| f.value("scenario"));
    let quota = match form.next_slot {
        Some(date) => view! {
            <p class="notice" data-testid="quota-none">{move || td_string!(locale, download.quota_none, date = date.to_string()).to_string()}</p>
        }
        .into_any(),
        None => {
            let left = form.remaining;
            view! { <p class="meta" data-testid="quota-left">{move || td_string!(locale, download.quota, left = left).to_string()}</p> }
                .into_any()
        }
    };
    view! {
        {quota}
        <FormError error/>
        <ActionForm action=apply attr:class="apply-form" attr:data-testid="apply-form">
            <input type="hidden" name="certificate_id" value=certificate_id/>
            <input type="hidden" name="form_key" value=form.form_key.clone()/>
            <div class="field" class:has-error=move || scenario_problem.get().is_some()>
                <label for="f-scenario">{td!(locale, download.scenario)}</label>
                <select id="f-scenario" name="scenario" data-testid="input-scenario">
                    {form.scenarios.into_iter().map(|s| {
                        let selected = chosen.as_deref() == Some(s.code.as_str());
                        view! { <option value=s.code.clone() selected=selected>{move || text::bilingual(locale, &s.name)}</option> }
                    }).collect_view()}
                </select>
                {move || scenario_problem.get().map(|p| view! {
                    <p class="field-error" data-testid="error-scenario">{move || text::problem(locale, p)}</p>
                })}
            </div>
            <div class="field" class:has-error=move || days_problem.get().is_some()>
                <label for="f-days">{td!(locale, download.days)}</label>
                <input id="f-days" name="days" type="number" inputmode="numeric" min=MIN_DAYS max=MAX_DAYS step="1" required
                    value=days aria-describedby="f-days-hint" data-testid="input-days"
                    aria-invalid=move || if days_problem.get().is_some() { "true" } else { "false" }/>
                <p class="hint" id="f-days-hint">{td!(locale, download.days_hint)}</p>
                {move || days_problem.get().map(|p| view! {
                    <p class="field-error" data-testid="error-days">{move || text::problem(locale, p)}</p>
                })}
            </div>
            <button type="submit" class="button primary" disabled=move || apply.pending().get() data-testid="apply-submit">
                {move || if apply.pending().get() { td_string!(locale, download.submitting) } else { td_string!(locale, download.submit) }}
            </button>
        </ActionForm>
    }
}
