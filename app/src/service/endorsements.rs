//! 加注: applying for an endorsement, 重新生成 of a failed one and 撤回加注
//! of a valid one. The rules are `domain::endorsement`'s, applied by the
//! store inside one transaction; here are the steps around them: the
//! generation workers woken for a queued copy, and refusals and retries
//! audited. The server functions (`api::endorsements`) only turn the outcome
//! into a response (and a form's errors into the page's).

use crate::domain::endorsement::{EndorsementView, FormProblem, Refusal, Rejection};
use crate::error::{internal, AppError, Field, Problem};
use crate::service::Holder;
use crate::state::AppState;
use crate::store::{Applied, AuditEvent, Cancelled, NewApplication};

/// The form of 提交加注申请.
#[derive(Debug, Clone, Copy)]
pub struct Application<'a> {
    pub certificate_id: i64,
    pub scenario: &'a str,
    pub days: i64,
    /// The same key twice gives the first endorsement (a double submit).
    pub form_key: &'a str,
}

/// Why an endorsement step was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// Not the holder's certificate or endorsement (or none).
    NotFound,
    /// A field of the form is wrong (localised at the field).
    Invalid(AppError),
    /// The rules say no (audited for applications).
    Refused(Refusal),
}

/// Records the application (the copy is then made by the workers) and
/// returns the endorsement as recorded: a new one, or the one an earlier
/// submit of the same form made.
pub async fn apply(
    state: &AppState,
    holder: Holder<'_>,
    a: Application<'_>,
) -> Result<Result<EndorsementView, Denied>, AppError> {
    let application = NewApplication {
        holder_id: holder.id,
        certificate_id: a.certificate_id,
        scenario_code: a.scenario,
        days: a.days,
        idempotency_key: a.form_key,
        today: crate::clock::today_shanghai(),
        now: crate::clock::now_unix(),
        random: rand::random(),
        client_addr: holder.client_addr,
        request_id: holder.request_id,
    };
    let outcome = state.store.apply_endorsement(&application).await.map_err(internal("apply endorsement"))?;
    Ok(match outcome {
        Applied::Created(view) => {
            state.jobs.notify_waiters();
            Ok(view)
        }
        Applied::Repeated(view) => Ok(view),
        Applied::NotFound => Err(Denied::NotFound),
        Applied::Rejected(Rejection::Form(FormProblem::DaysOutOfRange)) => {
            Err(Denied::Invalid(AppError::field(Field::Days, Problem::DaysOutOfRange)))
        }
        Applied::Rejected(Rejection::Form(FormProblem::ScenarioUnavailable)) => {
            Err(Denied::Invalid(AppError::field(Field::Scenario, Problem::ScenarioUnavailable)))
        }
        Applied::Rejected(Rejection::Refused(refusal)) => {
            let (subject, detail) = (a.certificate_id.to_string(), format!("{refusal:?}"));
            holder.audit(state, AuditEvent::EndorsementRefused, &subject, Some(&detail)).await?;
            Err(Denied::Refused(refusal))
        }
    })
}

/// 重新生成: a failed endorsement goes back to the queue, if the quota allows.
pub async fn retry(state: &AppState, holder: Holder<'_>, id: i64) -> Result<Result<(), Denied>, AppError> {
    let today = crate::clock::today_shanghai();
    let now = crate::clock::now_unix();
    Ok(match state.store.retry_endorsement(holder.id, id, today, now).await.map_err(internal("retry"))? {
        None => Err(Denied::NotFound),
        Some(Err(Rejection::Refused(refusal))) => Err(Denied::Refused(refusal)),
        Some(Err(Rejection::Form(_))) => Err(Denied::Invalid(AppError::Request)),
        Some(Ok(())) => {
            state.jobs.notify_waiters();
            holder.audit(state, AuditEvent::EndorsementRetried, &id.to_string(), None).await?;
            Ok(())
        }
    })
}

/// 撤回加注 of a valid copy of `certificate_id` (the page's address names
/// both): it stops verifying at once and its file is deleted; the quota
/// slot is not given back. The store audits it with the withdrawal.
pub async fn withdraw(
    state: &AppState,
    holder: Holder<'_>,
    certificate_id: i64,
    id: i64,
) -> Result<Result<(), Denied>, AppError> {
    let today = crate::clock::today_shanghai();
    let theirs =
        state.store.endorsement_of_holder(holder.id, certificate_id, id, today).await.map_err(internal("endorsement"))?;
    if theirs.is_none() {
        return Ok(Err(Denied::NotFound));
    }
    let now = crate::clock::now_unix();
    let withdrawn =
        state.store.cancel_endorsement(holder.id, id, today, now, holder.client_addr).await.map_err(internal("cancel"))?;
    Ok(match withdrawn {
        Cancelled::Done { .. } => Ok(()),
        Cancelled::NotFound => Err(Denied::NotFound),
        Cancelled::Refused(refusal) => Err(Denied::Refused(refusal)),
    })
}
