//! The download page of one certificate: its record, then its endorsed
//! copies (加注件) with 查看 / 下载, and 申请证书加注. While a copy is being
//! generated the list polls and switches to ready without a reload.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::accounts::take_form_flash;
use crate::api::endorsements::{
    certificate_endorsements, endorsement_form, ApplyEndorsement, RetryEndorsement, APPLY_FORM, FILE_REFUSAL,
};
use crate::components::fields::{field_problem, submission_error, FormError};
use crate::components::{certificate::CertificateRecord, gate::ErrorView, poll::poll_while, text};
use crate::domain::certificate::{CertificateDetail, CertificateStatus, EndorsementState};
use crate::domain::endorsement::{ApplicationForm, EndorsementView, Phase, DEFAULT_DAYS, MAX_DAYS, MIN_DAYS};
use crate::error::{AppError, Field};
use crate::i18n::*;
use crate::pages::certificate_info::{certificate_id_param, with_certificate};

/// A no-JavaScript form's error, carried once in the session.
type Flash = Resource<Result<Option<crate::api::FormFlash>, AppError>>;

/// The page's data and actions. Made once at the top of the page: made inside
/// the certificate's Suspend, they could be made twice while rendering on the
/// server, and the discarded copy would run without the request's context
/// (and would take the one-time flash away from the copy shown).
#[derive(Clone, Copy)]
struct PageData {
    /// A refused 查看 / 下载 link comes back here with its reason.
    refusal: Flash,
    /// The application form's error after a submission without JavaScript.
    flash: Flash,
    apply: ServerAction<ApplyEndorsement>,
    retry: ServerAction<RetryEndorsement>,
    /// Bumped by the poll timer while a copy is generating.
    tick: RwSignal<u32>,
    list: Resource<Result<Vec<EndorsementView>, AppError>>,
    form: Resource<Result<ApplicationForm, AppError>>,
}

impl PageData {
    fn new(id: Memo<Option<i64>>) -> PageData {
        let apply = ServerAction::<ApplyEndorsement>::new();
        let retry = ServerAction::<RetryEndorsement>::new();
        let tick = RwSignal::new(0u32);
        let list = Resource::new(
            move || (id.get(), tick.get(), retry.version().get()),
            |(id, _, _)| async move { certificate_endorsements(id.ok_or(AppError::NotFound)?).await },
        );
        // A fresh form (quota left, new idempotency key) only after an accepted
        // application: a refused one keeps what the holder typed.
        let form = Resource::new(
            move || (id.get(), applied(apply).map(|e| e.id)),
            |(id, _)| async move { endorsement_form(id.ok_or(AppError::NotFound)?).await },
        );
        PageData {
            refusal: Resource::new(|| (), |_| take_form_flash(FILE_REFUSAL.into())),
            flash: Resource::new(|| (), |_| take_form_flash(APPLY_FORM.into())),
            apply,
            retry,
            tick,
            list,
            form,
        }
    }
}

/// The application's answer: the new endorsement as recorded (证书生成中…).
fn applied(apply: ServerAction<ApplyEndorsement>) -> Option<EndorsementView> {
    apply.value().get().and_then(Result::ok)
}

#[component]
pub fn DownloadPage() -> impl IntoView {
    let data = PageData::new(certificate_id_param());
    with_certificate(move |detail| view! { <DownloadCard detail data/> })
}

#[component]
fn DownloadCard(detail: CertificateDetail, data: PageData) -> impl IntoView {
    let refusal = data.refusal;
    let i18n = use_i18n();
    let id = detail.summary.id;
    let revoked = detail.summary.status == CertificateStatus::Revoked;
    let not_required = detail.summary.endorsement == EndorsementState::NotRequired;
    let files = if revoked {
        view! { <p class="notice error" role="status" data-testid="revoked-notice">{t!(i18n, download.revoked)}</p> }
            .into_any()
    } else if not_required {
        view! { <LegacyDownload certificate_id=id/> }.into_any()
    } else {
        view! { <Endorsing certificate_id=id data/> }.into_any()
    };
    view! {
        <section class="card wide" aria-labelledby="download-title">
            <div class="card-head">
                <h1 id="download-title">{t!(i18n, download.title)}</h1>
                <A href="/help" attr:class="help-link" attr:data-testid="help-link">{t!(i18n, download.help_link)}</A>
            </div>
            <Suspense>
                {move || Suspend::new(async move {
                    refusal.await.ok().flatten().map(|flash| view! {
                        <div class="notice error" role="alert" data-testid="file-refusal">
                            {move || text::error(i18n.get_locale(), &flash.error)}
                        </div>
                    })
                })}
            </Suspense>
            <h2>{t!(i18n, info.title)}</h2>
            <CertificateRecord detail/>
            {files}
            <p class="aside"><A href="/certificates">{t!(i18n, info.back)}</A></p>
        </section>
    }
}

/// Issued before 2021-12-17: the signed certificate downloads directly.
#[component]
fn LegacyDownload(certificate_id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let url = move |download: bool| format!("/api/certificate_file?id={certificate_id}&download={download}");
    view! {
        <h2>{t!(i18n, download.legacy_download)}</h2>
        <p>{t!(i18n, download.not_required)}</p>
        <p class="row-actions">
            <a class="button" href=url(false) target="_blank" rel="noopener" data-testid="certificate-view">
                {t!(i18n, download.view)}
            </a>
            <a class="button primary" href=url(true) download data-testid="certificate-file-download">
                {t!(i18n, download.download)}
            </a>
        </p>
    }
}

#[component]
fn Endorsing(certificate_id: i64, data: PageData) -> impl IntoView {
    let i18n = use_i18n();
    let PageData { flash, apply, retry, tick, list, form, .. } = data;
    // The just-applied endorsement is shown at once, then polled like the others until it is ready.
    poll_while(
        move || {
            applied(apply).is_some_and(|e| e.phase == Phase::Generating)
                || list.get().and_then(Result::ok).is_some_and(|l| l.iter().any(|e| e.phase == Phase::Generating))
        },
        tick,
    );
    view! {
        <h2>{t!(i18n, download.endorsements)}</h2>
        <Transition fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
            {move || Suspend::new(async move {
                let applied = applied(apply);
                match list.await {
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                    Ok(list) => {
                        let list = with_applied(list, applied);
                        if list.is_empty() {
                            view! { <p class="muted" data-testid="no-endorsements">{t!(i18n, download.none_yet)}</p> }
                                .into_any()
                        } else {
                            view! { <EndorsementTable list certificate_id retry/> }.into_any()
                        }
                    }
                }
            })}
        </Transition>
        <h2>{t!(i18n, download.apply_title)}</h2>
        <Transition fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
            {move || Suspend::new(async move {
                let carried = flash.await.ok().flatten();
                match form.await {
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                    Ok(form) => view! { <ApplyForm form certificate_id apply carried/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The list as last fetched, with a just-applied endorsement on top until a
/// later fetch includes it.
fn with_applied(mut list: Vec<EndorsementView>, applied: Option<EndorsementView>) -> Vec<EndorsementView> {
    if let Some(e) = applied.filter(|e| !list.iter().any(|l| l.id == e.id)) {
        list.insert(0, e);
    }
    list
}

#[component]
fn EndorsementTable(
    list: Vec<EndorsementView>,
    certificate_id: i64,
    retry: ServerAction<RetryEndorsement>,
) -> impl IntoView {
    let i18n = use_i18n();
    let retry_error = submission_error(retry.value(), None);
    view! {
        <FormError error=retry_error/>
        <table class="table responsive" data-testid="endorsement-table">
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, download.number)}</th>
                    <th scope="col">{t!(i18n, download.purpose)}</th>
                    <th scope="col">{t!(i18n, download.validity)}</th>
                    <th scope="col">{t!(i18n, download.applied_at)}</th>
                    <th scope="col">{t!(i18n, download.state)}</th>
                    <th scope="col">{t!(i18n, download.actions)}</th>
                </tr>
            </thead>
            <tbody>
                {list.into_iter().map(|e| view! { <EndorsementRow e certificate_id retry/> }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn EndorsementRow(e: EndorsementView, certificate_id: i64, retry: ServerAction<RetryEndorsement>) -> impl IntoView {
    let i18n = use_i18n();
    let phase = e.phase;
    let scenario = e.scenario.clone();
    let file = move |download: bool| format!("/api/endorsement_file?id={}&download={download}", e.id);
    let actions = match phase {
        Phase::Valid => view! {
            <a class="button small" href=file(false) target="_blank" rel="noopener" data-testid="endorsement-view">
                {t!(i18n, download.view)}
            </a>
            <a class="button small primary" href=file(true) download data-testid="endorsement-download">
                {t!(i18n, download.download)}
            </a>
        }
        .into_any(),
        Phase::Generating => view! {
            <span class="muted small" data-testid="generating-hint">{t!(i18n, download.generating_hint)}</span>
        }
        .into_any(),
        Phase::Expired => view! {
            <span class="muted small" data-testid="expired-hint">{t!(i18n, download.expired_hint)}</span>
        }
        .into_any(),
        Phase::Failed => view! {
            <ActionForm action=retry attr:class="inline-form">
                <input type="hidden" name="certificate_id" value=certificate_id/>
                <input type="hidden" name="id" value=e.id/>
                <button type="submit" class="button small" data-testid="endorsement-retry">{t!(i18n, download.retry)}</button>
            </ActionForm>
        }
        .into_any(),
    };
    view! {
        <tr data-testid="endorsement-row" data-endorsement-id=e.id data-endorsement-number=e.number.clone() data-phase=format!("{phase:?}").to_lowercase()>
            <td data-label=move || t_string!(i18n, download.number) class="mono">{e.number.clone()}</td>
            <td data-label=move || t_string!(i18n, download.purpose)>{move || text::bilingual(i18n.get_locale(), &scenario)}</td>
            <td data-label=move || t_string!(i18n, download.validity)>
                {e.valid_from.to_string()}" "{t!(i18n, download.to)}" "{e.valid_until.to_string()}
            </td>
            <td data-label=move || t_string!(i18n, download.applied_at)>{e.applied_at.clone()}</td>
            <td data-label=move || t_string!(i18n, download.state)>
                <span class="badge" class:valid=phase == Phase::Valid class:revoked=matches!(phase, Phase::Expired | Phase::Failed)
                    class:pending=phase == Phase::Generating data-testid="endorsement-phase" aria-live="polite">
                    {(phase == Phase::Generating).then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
                    {move || text::phase(i18n.get_locale(), phase)}
                </span>
            </td>
            <td data-label=move || t_string!(i18n, download.actions)><div class="row-actions">{actions}</div></td>
        </tr>
    }
}

#[component]
fn ApplyForm(
    form: ApplicationForm,
    certificate_id: i64,
    apply: ServerAction<ApplyEndorsement>,
    carried: Option<crate::api::FormFlash>,
) -> impl IntoView {
    let i18n = use_i18n();
    let error: Signal<Option<AppError>> = submission_error(apply.value(), carried.as_ref().map(|f| f.error.clone()));
    let days_problem = field_problem(error, Field::Days);
    let scenario_problem = field_problem(error, Field::Scenario);
    let days = carried.as_ref().and_then(|f| f.value("days")).unwrap_or_else(|| DEFAULT_DAYS.to_string());
    let chosen = carried.as_ref().and_then(|f| f.value("scenario"));
    let quota = match form.next_slot {
        Some(date) => view! {
            <p class="notice" data-testid="quota-none">{move || td_string!(i18n.get_locale(), download.quota_none, date = date.to_string()).to_string()}</p>
        }
        .into_any(),
        None => {
            let left = form.remaining;
            view! { <p class="meta" data-testid="quota-left">{move || td_string!(i18n.get_locale(), download.quota, left = left).to_string()}</p> }
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
                <label for="f-scenario">{t!(i18n, download.scenario)}</label>
                <select id="f-scenario" name="scenario" data-testid="input-scenario">
                    {form.scenarios.into_iter().map(|s| {
                        let selected = chosen.as_deref() == Some(s.code.as_str());
                        view! { <option value=s.code.clone() selected=selected>{move || text::bilingual(i18n.get_locale(), &s.name)}</option> }
                    }).collect_view()}
                </select>
                {move || scenario_problem.get().map(|p| view! {
                    <p class="field-error" data-testid="error-scenario">{move || text::problem(i18n.get_locale(), p)}</p>
                })}
            </div>
            <div class="field" class:has-error=move || days_problem.get().is_some()>
                <label for="f-days">{t!(i18n, download.days)}</label>
                <input id="f-days" name="days" type="number" inputmode="numeric" min=MIN_DAYS max=MAX_DAYS step="1" required
                    value=days aria-describedby="f-days-hint" data-testid="input-days"
                    aria-invalid=move || if days_problem.get().is_some() { "true" } else { "false" }/>
                <p class="hint" id="f-days-hint">{t!(i18n, download.days_hint)}</p>
                {move || days_problem.get().map(|p| view! {
                    <p class="field-error" data-testid="error-days">{move || text::problem(i18n.get_locale(), p)}</p>
                })}
            </div>
            <button type="submit" class="button primary" disabled=move || apply.pending().get() data-testid="apply-submit">
                {move || if apply.pending().get() { t_string!(i18n, download.submitting) } else { t_string!(i18n, download.submit) }}
            </button>
        </ActionForm>
    }
}
