//! 申请证书加注, the endorsements of a certificate (polled while one is
//! generating), retry, 查看 / 下载 of an endorsed copy, and the direct
//! download of a certificate issued before 2021-12-17.

use leptos::prelude::*;
use server_fn::codec::{ByteStream, GetUrl, Streaming};

use crate::domain::endorsement::{ApplicationForm, EndorsementDetail, EndorsementView};
use crate::error::AppError;

/// Name of the form whose no-JavaScript errors travel in the session.
pub const APPLY_FORM: &str = "endorse";
/// Name of the 撤回加注 form, whose no-JavaScript errors travel in the session.
pub const CANCEL_FORM: &str = "cancel";
/// Refusals of a file request made by following a link.
pub const FILE_REFUSAL: &str = "file";

/// The certificate's endorsements, newest first: what the download page
/// shows and polls while one is generating.
#[server(endpoint = "endorsements")]
pub async fn certificate_endorsements(certificate_id: i64) -> Result<Vec<EndorsementView>, AppError> {
    use crate::auth::session::{require_holder, state};
    use crate::error::internal;

    let holder = require_holder().await?;
    let today = crate::clock::today_shanghai();
    // Someone else's certificate is "not found", like a missing one (not an empty list).
    state()
        .store
        .endorsements_of_certificate(holder, certificate_id, today)
        .await
        .map_err(internal("endorsements"))?
        .ok_or(AppError::NotFound)
}

/// The application form of one of the caller's certificates.
#[server(endpoint = "endorsement_form")]
pub async fn endorsement_form(certificate_id: i64) -> Result<ApplicationForm, AppError> {
    use crate::auth::session::{require_holder, state};
    use crate::error::internal;

    let holder = require_holder().await?;
    let store = &state().store;
    let today = crate::clock::today_shanghai();
    // Someone else's certificate is "not found", like a missing one.
    store
        .certificate_of_holder(holder, certificate_id, today)
        .await
        .map_err(internal("certificate"))?
        .ok_or(AppError::NotFound)?;
    let scenarios = store.enabled_scenarios().await.map_err(internal("scenarios"))?;
    let (remaining, next_slot) = store.quota_left(certificate_id, today).await.map_err(internal("quota"))?;
    Ok(ApplicationForm { scenarios, remaining, next_slot, form_key: crate::store::random_token() })
}

/// The service's contact details for the help page (configuration).
#[server(endpoint = "support_contact")]
pub async fn support_contact() -> Result<(String, String), AppError> {
    let settings = &crate::auth::session::state().settings;
    Ok((settings.support_phone.clone(), settings.support_hours.clone()))
}

/// 提交加注申请. Returns at once with the endorsement as recorded (证书生成中…):
/// the copy is made by the background workers.
/// `days` arrives as text so that a non-number is a field error, not a
/// malformed request. The same `form_key` twice gives the first endorsement.
#[server(endpoint = "apply_endorsement")]
pub async fn apply_endorsement(
    certificate_id: i64,
    scenario: String,
    days: String,
    form_key: String,
) -> Result<EndorsementView, AppError> {
    use crate::auth::session::{client_addr, fail_form, request_id, require_holder, state};
    use crate::clock::today_shanghai;
    use crate::domain::endorsement::{FormProblem, Rejection};
    use crate::error::{internal, Field, Problem};
    use crate::store::{Applied, AuditEntry, AuditEvent, NewApplication};

    let holder = require_holder().await?;
    let page = format!("/certificates/{certificate_id}/download");
    let values = vec![("scenario", scenario.clone()), ("days", days.clone())];
    let Ok(days) = days.trim().parse::<i64>() else {
        return Err(fail_form(&page, APPLY_FORM, AppError::field(Field::Days, Problem::DaysOutOfRange), values).await);
    };
    if form_key.is_empty() || form_key.len() > 64 || scenario.len() > 64 {
        return Err(AppError::Request);
    }
    let state = state();
    if let Err(e) =
        crate::auth::session::throttled(state.throttle.application(holder), &certificate_id.to_string()).await
    {
        return Err(fail_form(&page, APPLY_FORM, e, values).await);
    }
    let addr = client_addr();
    let request = request_id();
    let application = NewApplication {
        holder_id: holder,
        certificate_id,
        scenario_code: &scenario,
        days,
        idempotency_key: &form_key,
        today: today_shanghai(),
        now: crate::store::now_unix(),
        random: rand::random(),
        client_addr: addr.as_deref(),
        request_id: request.as_deref(),
    };
    let outcome = state.store.apply_endorsement(&application).await.map_err(internal("apply endorsement"))?;
    match outcome {
        Applied::Created(view) => {
            state.jobs.notify_waiters();
            back_to(&page);
            Ok(view)
        }
        Applied::Repeated(view) => {
            back_to(&page);
            Ok(view)
        }
        Applied::NotFound => Err(AppError::NotFound),
        Applied::Rejected(rejection) => {
            let err = match rejection {
                Rejection::Form(FormProblem::DaysOutOfRange) => AppError::field(Field::Days, Problem::DaysOutOfRange),
                Rejection::Form(FormProblem::ScenarioUnavailable) => {
                    AppError::field(Field::Scenario, Problem::ScenarioUnavailable)
                }
                Rejection::Refused(refusal) => {
                    let (subject, detail) = (certificate_id.to_string(), format!("{refusal:?}"));
                    let entry = AuditEntry {
                        holder_id: Some(holder),
                        subject: Some(&subject),
                        client_addr: addr.as_deref(),
                        detail: Some(&detail),
                        staff_id: None,
                    };
                    state.store.audit(AuditEvent::EndorsementRefused, entry).await.map_err(internal("audit"))?;
                    AppError::Refused(refusal)
                }
            };
            Err(fail_form(&page, APPLY_FORM, err, values).await)
        }
    }
}

/// 重新生成: a failed endorsement goes back to the queue (if the quota allows).
#[server(endpoint = "retry_endorsement")]
pub async fn retry_endorsement(certificate_id: i64, id: i64) -> Result<(), AppError> {
    use crate::auth::session::{client_addr, require_holder, state};
    use crate::clock::today_shanghai;
    use crate::domain::endorsement::Rejection;
    use crate::error::internal;
    use crate::store::{AuditEntry, AuditEvent};

    let holder = require_holder().await?;
    let state = state();
    let now = crate::store::now_unix();
    let page = format!("/certificates/{certificate_id}/download");
    let refused = |err| crate::auth::session::fail_form(&page, APPLY_FORM, err, vec![]);
    if let Err(e) = crate::auth::session::throttled(state.throttle.application(holder), &id.to_string()).await {
        return Err(refused(e).await);
    }
    match state.store.retry_endorsement(holder, id, today_shanghai(), now).await.map_err(internal("retry"))? {
        None => Err(AppError::NotFound),
        Some(Err(Rejection::Refused(r))) => Err(refused(AppError::Refused(r)).await),
        Some(Err(Rejection::Form(_))) => Err(AppError::Request),
        Some(Ok(())) => {
            back_to(&page);
            state.jobs.notify_waiters();
            let addr = client_addr();
            let entry = AuditEntry {
                holder_id: Some(holder),
                subject: Some(&id.to_string()),
                client_addr: addr.as_deref(),
                ..Default::default()
            };
            state.store.audit(AuditEvent::EndorsementRetried, entry).await.map_err(internal("audit"))?;
            Ok(())
        }
    }
}

/// 加注件详情: one of the caller's copies of `certificate_id` with its 查验记录.
#[server(name = GetEndorsementDetail, endpoint = "endorsement_detail")]
pub async fn endorsement_detail(certificate_id: i64, id: i64) -> Result<EndorsementDetail, AppError> {
    use crate::auth::session::{require_holder, state};
    use crate::domain::endorsement::CHECKS_SHOWN;
    use crate::error::internal;

    let holder = require_holder().await?;
    let store = &state().store;
    let today = crate::clock::today_shanghai();
    let endorsement = store
        .endorsement_of_holder(holder, certificate_id, id, today)
        .await
        .map_err(internal("endorsement"))?
        .ok_or(AppError::NotFound)?;
    let checks = store
        .checks_of_endorsement(holder, id, CHECKS_SHOWN)
        .await
        .map_err(internal("checks"))?
        .ok_or(AppError::NotFound)?;
    Ok(EndorsementDetail { endorsement, checks })
}

/// 撤回加注 of a valid copy, once `confirm` is ticked: it stops verifying at
/// once and its file is deleted. The quota slot is not given back.
#[server(endpoint = "cancel_endorsement")]
pub async fn cancel_endorsement(certificate_id: i64, id: i64, confirm: Option<String>) -> Result<(), AppError> {
    use crate::auth::session::{client_addr, fail_form, require_holder, state};
    use crate::error::{internal, Field, Problem};
    use crate::store::Cancelled;

    let holder = require_holder().await?;
    let page = format!("/certificates/{certificate_id}/endorsements/{id}");
    if confirm.as_deref() != Some("yes") {
        let err = AppError::field(Field::Confirm, Problem::ConfirmationRequired);
        return Err(fail_form(&page, CANCEL_FORM, err, vec![]).await);
    }
    let state = state();
    let today = crate::clock::today_shanghai();
    // Only a copy of this certificate: the page's address names both.
    if state
        .store
        .endorsement_of_holder(holder, certificate_id, id, today)
        .await
        .map_err(internal("endorsement"))?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    let addr = client_addr();
    let now = crate::store::now_unix();
    match state.store.cancel_endorsement(holder, id, today, now, addr.as_deref()).await.map_err(internal("cancel"))? {
        Cancelled::Done { .. } => {
            back_to(&page);
            Ok(())
        }
        Cancelled::NotFound => Err(AppError::NotFound),
        Cancelled::Refused(refusal) => Err(fail_form(&page, CANCEL_FORM, AppError::Refused(refusal), vec![]).await),
    }
}

/// 查看 (`download=false`: inline) or 下载 (`download=true`: saved as
/// `<certificate no>-<endorsement no>.pdf`) of a valid endorsed copy.
#[server(endpoint = "endorsement_file", input = GetUrl, output = Streaming)]
pub async fn endorsement_file(id: i64, download: bool) -> Result<ByteStream<AppError>, AppError> {
    use crate::auth::session::{client_addr, require_holder, state};
    use crate::error::internal;
    use crate::service::files::{audit, Holder};
    use crate::store::AuditEvent;

    let addr = client_addr();
    let holder = Holder { id: require_holder().await?, client_addr: addr.as_deref() };
    let file = servable(holder, id, None).await?;
    // A valid copy without its file cannot happen (files are deleted only after expiry or withdrawal).
    let Some(pdf) = file.pdf else {
        return Err(internal("endorsement file")("file missing for a valid endorsement"));
    };
    let event = if download { AuditEvent::EndorsementDownloaded } else { AuditEvent::EndorsementViewed };
    audit(&state(), event, holder, &file.number, "").await?;
    let name = format!("{}-{}.pdf", file.certificate_number, file.number);
    Ok(file_response(pdf, "application/pdf", &name, download))
}

/// One of the holder's copies, if its file (or, `kind = Some("credential")`,
/// its credential) may be handed out now (`service::files`). A refusal comes
/// back localised, and for a link followed without JavaScript it is carried
/// back to the download page with its reason.
#[cfg(feature = "ssr")]
async fn servable(
    holder: crate::service::files::Holder<'_>,
    id: i64,
    kind: Option<&str>,
) -> Result<crate::store::EndorsementFile, AppError> {
    match crate::service::files::endorsed_copy(&crate::auth::session::state(), holder, id, kind).await? {
        Ok(file) => Ok(file),
        Err(denied) => Err(refused(denied).await),
    }
}

/// A file not given: "not found", or the refusal (carried back to the
/// certificate's download page for a browser without JavaScript).
#[cfg(feature = "ssr")]
async fn refused(denied: crate::service::files::Denied) -> AppError {
    use crate::service::files::Denied;
    match denied {
        Denied::NotFound => AppError::NotFound,
        Denied::Refused { refusal, certificate_id } => {
            let page = format!("/certificates/{certificate_id}/download");
            crate::auth::session::fail_form(&page, FILE_REFUSAL, AppError::Refused(refusal), vec![]).await
        }
    }
}

/// 电子凭证: a valid copy as a W3C Verifiable Credential (JSON), signed by
/// the seal with the key that signs its PDFs; saved as
/// `<certificate no>-<endorsement no>.vc.json`. Refused as the PDF is.
#[server(endpoint = "endorsement_credential", input = GetUrl, output = Streaming)]
pub async fn endorsement_credential(id: i64) -> Result<ByteStream<AppError>, AppError> {
    use crate::auth::session::{client_addr, require_holder, state};
    use crate::credential::{issue, CredentialFacts};
    use crate::error::internal;
    use crate::service::files::{audit, Holder};
    use crate::store::AuditEvent;

    let addr = client_addr();
    let holder = Holder { id: require_holder().await?, client_addr: addr.as_deref() };
    let file = servable(holder, id, Some("credential")).await?;
    let state = state();
    let store = &state.store;
    let found = store.endorsement_by_id(id).await.map_err(internal("credential record"))?;
    let seal = store.seal_code_of_certificate(file.certificate_id).await.map_err(internal("credential seal"))?;
    let (Some(found), Some(seal)) = (found, seal) else {
        return Err(internal("credential")("the record of a valid copy is missing"));
    };
    // Withdrawn between the two reads: refused as above.
    if found.endorsement.status != crate::domain::endorsement::EndorsementStatus::Ready {
        return Err(AppError::Refused(crate::domain::endorsement::Refusal::Cancelled));
    }
    let keys = state.generator.keys();
    let key = keys.seal(&seal).ok_or_else(|| internal("credential")(format!("no key for seal {seal}")))?;
    let facts = CredentialFacts {
        public_base_url: &state.settings.public_base_url,
        seal_code: &seal,
        certificate: &found.certificate,
        endorsement: &found.endorsement,
        made_at: found.made_at.unwrap_or_default(),
    };
    let json = serde_json::to_vec_pretty(&issue(&facts, key)).map_err(internal("credential json"))?;
    audit(&state, AuditEvent::EndorsementDownloaded, holder, &file.number, "credential").await?;
    let name = format!("{}-{}.vc.json", file.certificate_number, file.number);
    Ok(file_response(json, "application/vc", &name, true))
}

/// A certificate issued before 2021-12-17, signed, straight away (no
/// endorsement); others are refused with the reason.
#[server(endpoint = "certificate_file", input = GetUrl, output = Streaming)]
pub async fn certificate_file(id: i64, download: bool) -> Result<ByteStream<AppError>, AppError> {
    use crate::auth::session::{client_addr, require_holder, state};
    use crate::service::files::{certificate_copy, Holder};

    let addr = client_addr();
    let holder = Holder { id: require_holder().await?, client_addr: addr.as_deref() };
    match certificate_copy(&state(), holder, id).await? {
        Ok(copy) => Ok(file_response(copy.pdf, "application/pdf", &format!("{}.pdf", copy.certificate_number), download)),
        Err(denied) => Err(refused(denied).await),
    }
}

/// A file as the whole body, with the headers a browser needs to show or
/// save it. The status is set explicitly: a link click asks for HTML, and
/// leptos_axum would otherwise answer it with a redirect to the referrer.
#[cfg(feature = "ssr")]
fn file_response(body: Vec<u8>, content_type: &str, filename: &str, download: bool) -> ByteStream<AppError> {
    use axum::http::{header, HeaderValue, StatusCode};
    use leptos_axum::ResponseOptions;

    let response = expect_context::<ResponseOptions>();
    response.set_status(StatusCode::OK);
    let disposition = if download { "attachment" } else { "inline" };
    // Numbers are ASCII (letters, digits, '-'); anything else is dropped.
    let safe: String = filename.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).collect();
    let headers = [
        (header::CONTENT_TYPE, content_type.to_string()),
        (header::CONTENT_DISPOSITION, format!("{disposition}; filename=\"{safe}\"")),
        (header::CACHE_CONTROL, "private, no-store".to_string()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
    ];
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.insert_header(name, value);
        }
    }
    ByteStream::from(futures::stream::once(async move { bytes::Bytes::from(body) }))
}

/// After a form posted without JavaScript, back to the page it came from;
/// the WASM client refreshes in place instead.
#[cfg(feature = "ssr")]
fn back_to(page: &str) {
    if crate::auth::session::is_plain_form_post() {
        leptos_axum::redirect(page);
    }
}
