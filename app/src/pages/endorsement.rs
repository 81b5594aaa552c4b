//! 加注件详情 at /certificates/:id/endorsements/:eid: one endorsed copy, its
//! 查验记录 (who checked it: when, how, what they were told, from which
//! network), and 撤回加注. Server-rendered with plain forms: withdrawing is
//! rare and final, so it needs no client code, and works before the WASM loads.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_params_map};

use crate::api::accounts::take_form_flash;
use crate::api::endorsements::{endorsement_detail, CancelEndorsement, CANCEL_FORM};
use crate::components::fields::{field_problem, submission_error, FormError};
use crate::components::{copy_links::CopyLinks, gate::ErrorView, island::page_locale, text};
use crate::domain::check_log::CheckEntry;
use crate::domain::endorsement::{EndorsementDetail, EndorsementView, Phase};
use crate::domain::verification::Outcome;
use crate::error::{AppError, Field};
use crate::i18n::*;
use crate::pages::certificate_info::certificate_id_param;

#[component]
pub fn EndorsementPage() -> impl IntoView {
    let locale = page_locale();
    let certificate_id = certificate_id_param();
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("eid").and_then(|id| id.parse::<i64>().ok()));
    let detail = Resource::new(
        move || (certificate_id.get(), id.get()),
        |ids| async move {
            match ids {
                (Some(certificate_id), Some(id)) => endorsement_detail(certificate_id, id).await,
                _ => Err(AppError::NotFound),
            }
        },
    );
    // Made here, once: a flash is taken away when read.
    let flash = Resource::new(|| (), |_| take_form_flash(CANCEL_FORM.into()));
    view! {
        <Suspense fallback=move || view! { <p>{td!(locale, loading)}</p> }>
            {move || Suspend::new(async move {
                let carried = flash.await.ok().flatten().map(|f| f.error);
                match (detail.await, certificate_id.get()) {
                    (Ok(detail), Some(certificate_id)) => {
                        view! { <DetailCard detail certificate_id carried/> }.into_any()
                    }
                    (Err(error), _) => view! { <ErrorView error/> }.into_any(),
                    (_, None) => view! { <ErrorView error=AppError::NotFound/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn DetailCard(detail: EndorsementDetail, certificate_id: i64, carried: Option<AppError>) -> impl IntoView {
    let locale = page_locale();
    let EndorsementDetail { endorsement: e, checks } = detail;
    let phase = e.phase;
    let scenario = e.scenario.clone();
    let back = format!("/certificates/{certificate_id}/download");
    let cancelled_at = e.cancelled_at.map(|at| at.minutes()).unwrap_or_default();
    view! {
        <section class="card wide" aria-labelledby="endorsement-title">
            <h1 id="endorsement-title">{td!(locale, endorsement_page.title)}</h1>
            {(phase == Phase::Cancelled).then(|| view! {
                <p class="notice" role="status" data-testid="cancelled-notice">
                    {td_string!(locale, endorsement_page.cancelled_notice, time = cancelled_at.clone()).to_string()}
                </p>
            })}
            <dl class="record" data-testid="endorsement-record" data-phase=format!("{phase:?}").to_lowercase()>
                <dt>{td!(locale, download.number)}</dt><dd class="mono" data-testid="detail-number">{e.number.clone()}</dd>
                <dt>{td!(locale, download.purpose)}</dt><dd>{move || text::bilingual(locale, &scenario)}</dd>
                <dt>{td!(locale, download.validity)}</dt>
                <dd>{e.valid_from.to_string()}" "{td!(locale, download.to)}" "{e.valid_until.to_string()}</dd>
                <dt>{td!(locale, download.applied_at)}</dt><dd>{e.applied_at.minutes()}</dd>
                <dt>{td!(locale, download.state)}</dt>
                <dd><span class="badge" class:valid=phase == Phase::Valid class:revoked=phase != Phase::Valid
                    data-testid="detail-phase">{move || text::phase(locale, phase)}</span></dd>
            </dl>
            {(phase == Phase::Valid).then(|| view! {
                <p class="row-actions"><CopyLinks endorsement_id=e.id/></p>
            })}
            <CheckLog checks/>
            {(phase == Phase::Valid).then(|| view! { <CancelForm e=e.clone() certificate_id carried/> })}
            <p class="aside"><A href=back attr:data-testid="back-to-download">{td!(locale, endorsement_page.back)}</A></p>
        </section>
    }
}

/// 查验记录, newest first; the verifier's network only, never their address.
#[component]
fn CheckLog(checks: Vec<CheckEntry>) -> impl IntoView {
    let locale = page_locale();
    let body = if checks.is_empty() {
        view! { <p class="muted" data-testid="checks-none">{td!(locale, endorsement_page.checks_none)}</p> }.into_any()
    } else {
        view! {
            <table class="table responsive" data-testid="checks">
                <thead>
                    <tr>
                        <th scope="col">{td!(locale, endorsement_page.at)}</th>
                        <th scope="col">{td!(locale, endorsement_page.way)}</th>
                        <th scope="col">{td!(locale, endorsement_page.result)}</th>
                        <th scope="col">{td!(locale, endorsement_page.origin)}</th>
                    </tr>
                </thead>
                <tbody>
                    {checks.into_iter().map(|c| {
                        let good = c.outcome == Outcome::Valid;
                        view! {
                            <tr data-testid="check" data-method=c.method.code() data-outcome=c.outcome.code()>
                                <td data-label=move || td_string!(locale, endorsement_page.at)>{c.at.seconds()}</td>
                                <td data-label=move || td_string!(locale, endorsement_page.way)>{move || text::method(locale, c.method)}</td>
                                <td data-label=move || td_string!(locale, endorsement_page.result)>
                                    <span class="badge" class:valid=good class:revoked=!good>{move || text::outcome(locale, c.outcome)}</span>
                                </td>
                                <td data-label=move || td_string!(locale, endorsement_page.origin) class="mono" data-testid="check-origin">
                                    {c.origin.unwrap_or_else(|| td_string!(locale, endorsement_page.origin_unknown).to_string())}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <h2>{td!(locale, endorsement_page.checks_title)}</h2>
        <p class="hint">{td!(locale, endorsement_page.checks_lead)}</p>
        {body}
    }
}

/// 撤回加注: says what it does (final, no quota slot back) and needs the box ticked.
#[component]
fn CancelForm(e: EndorsementView, certificate_id: i64, carried: Option<AppError>) -> impl IntoView {
    let locale = page_locale();
    let cancel = ServerAction::<CancelEndorsement>::new();
    let error = submission_error(cancel.value(), carried);
    let confirm_problem = field_problem(error, Field::Confirm);
    view! {
        <h2>{td!(locale, endorsement_page.cancel_title)}</h2>
        <p data-testid="cancel-lead">{td!(locale, endorsement_page.cancel_lead)}</p>
        <FormError error/>
        <ActionForm action=cancel attr:class="cancel-form" attr:data-testid="cancel-form">
            <input type="hidden" name="certificate_id" value=certificate_id/>
            <input type="hidden" name="id" value=e.id/>
            <div class="field" class:has-error=move || confirm_problem.get().is_some()>
                <label class="check">
                    <input type="checkbox" name="confirm" value="yes" data-testid="cancel-confirm"
                        aria-invalid=move || if confirm_problem.get().is_some() { "true" } else { "false" }/>
                    " "{td!(locale, endorsement_page.cancel_confirm)}
                </label>
                {move || confirm_problem.get().map(|p| view! {
                    <p class="field-error" data-testid="error-confirm">{move || text::problem(locale, p)}</p>
                })}
            </div>
            <button type="submit" class="button danger" data-testid="cancel-submit">{td!(locale, endorsement_page.cancel_submit)}</button>
        </ActionForm>
    }
}
