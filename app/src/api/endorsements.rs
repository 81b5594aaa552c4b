//! 申请证书加注, the endorsements of a certificate (polled while one is
//! generating), retry, 查看 / 下载 of an endorsed copy, and the direct
//! download of a certificate issued before 2021-12-17.

use leptos::prelude::*;
use server_fn::codec::{ByteStream, GetUrl, Streaming};

use crate::domain::endorsement::{ApplicationForm, EndorsementDetail, EndorsementView};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{auth::session::require_holder, service::Holder};

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
    use crate::auth::session::state;
    crate::service::certificates::endorsements(&state(), require_holder().await?, certificate_id).await
}

/// The application form of one of the caller's certificates.
#[server(endpoint = "endorsement_form")]
pub async fn endorsement_form(certificate_id: i64) -> Result<ApplicationForm, AppError> {
    use crate::auth::session::state;
    crate::service::certificates::application_form(&state(), require_holder().await?, certificate_id).await
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
    use crate::auth::session::{fail_form, state, throttled};
    use crate::error::{Field, Problem};
    use crate::service::endorsements::{apply, Application};

    let (addr, request) = request_origin();
    let holder = Holder { id: require_holder().await?, client_addr: addr.as_deref(), request_id: request.as_deref() };
    let page = format!("/certificates/{certificate_id}/download");
    let values = vec![("scenario", scenario.clone()), ("days", days.clone())];
    let Ok(days) = days.trim().parse::<i64>() else {
        return Err(fail_form(&page, APPLY_FORM, AppError::field(Field::Days, Problem::DaysOutOfRange), values).await);
    };
    if form_key.is_empty() || form_key.len() > 64 || scenario.len() > 64 {
        return Err(AppError::Request);
    }
    let state = state();
    if let Err(e) = throttled(state.throttle.application(holder.id), &certificate_id.to_string()).await {
        return Err(fail_form(&page, APPLY_FORM, e, values).await);
    }
    let application = Application { certificate_id, scenario: &scenario, days, form_key: &form_key };
    match apply(&state, holder, application).await? {
        Ok(view) => {
            back_to(&page);
            Ok(view)
        }
        Err(denied) => Err(denied_error(&page, APPLY_FORM, denied, values).await),
    }
}

/// 重新生成: a failed endorsement goes back to the queue (if the quota allows).
#[server(endpoint = "retry_endorsement")]
pub async fn retry_endorsement(certificate_id: i64, id: i64) -> Result<(), AppError> {
    use crate::auth::session::{fail_form, state, throttled};
    use crate::service::endorsements::retry;

    let (addr, request) = request_origin();
    let holder = Holder { id: require_holder().await?, client_addr: addr.as_deref(), request_id: request.as_deref() };
    let state = state();
    let page = format!("/certificates/{certificate_id}/download");
    if let Err(e) = throttled(state.throttle.application(holder.id), &id.to_string()).await {
        return Err(fail_form(&page, APPLY_FORM, e, vec![]).await);
    }
    match retry(&state, holder, id).await? {
        Ok(()) => {
            back_to(&page);
            Ok(())
        }
        Err(denied) => Err(denied_error(&page, APPLY_FORM, denied, vec![]).await),
    }
}

/// 加注件详情: one of the caller's copies of `certificate_id` with its 查验记录.
#[server(name = GetEndorsementDetail, endpoint = "endorsement_detail")]
pub async fn endorsement_detail(certificate_id: i64, id: i64) -> Result<EndorsementDetail, AppError> {
    use crate::auth::session::state;
    crate::service::certificates::endorsement_detail(&state(), require_holder().await?, certificate_id, id).await
}

/// 撤回加注 of a valid copy, once `confirm` is ticked: it stops verifying at
/// once and its file is deleted. The quota slot is not given back.
#[server(endpoint = "cancel_endorsement")]
pub async fn cancel_endorsement(certificate_id: i64, id: i64, confirm: Option<String>) -> Result<(), AppError> {
    use crate::auth::session::{fail_form, state};
    use crate::error::{Field, Problem};
    use crate::service::endorsements::withdraw;

    let (addr, request) = request_origin();
    let holder = Holder { id: require_holder().await?, client_addr: addr.as_deref(), request_id: request.as_deref() };
    let page = format!("/certificates/{certificate_id}/endorsements/{id}");
    if confirm.as_deref() != Some("yes") {
        let err = AppError::field(Field::Confirm, Problem::ConfirmationRequired);
        return Err(fail_form(&page, CANCEL_FORM, err, vec![]).await);
    }
    match withdraw(&state(), holder, certificate_id, id).await? {
        Ok(()) => {
            back_to(&page);
            Ok(())
        }
        Err(denied) => Err(denied_error(&page, CANCEL_FORM, denied, vec![]).await),
    }
}

/// 查看 (`download=false`: inline) or 下载 (`download=true`: saved as
/// `<certificate no>-<endorsement no>.pdf`) of a valid endorsed copy.
#[server(endpoint = "endorsement_file", input = GetUrl, output = Streaming)]
pub async fn endorsement_file(id: i64, download: bool) -> Result<ByteStream<AppError>, AppError> {
    use crate::auth::session::state;

    let (addr, request) = request_origin();
    let holder = Holder { id: require_holder().await?, client_addr: addr.as_deref(), request_id: request.as_deref() };
    match crate::service::files::endorsed_pdf(&state(), holder, id, download).await? {
        Ok(file) => Ok(file_response(file.bytes, "application/pdf", &file.file_name, download)),
        Err(denied) => Err(refused(denied).await),
    }
}

/// The caller's address and request id, for the services' audit entries
/// and log lines.
#[cfg(feature = "ssr")]
fn request_origin() -> (Option<String>, Option<String>) {
    (crate::auth::session::client_addr(), crate::auth::session::request_id())
}

/// An endorsement step not taken, as the caller is told: "not found" as
/// it is; a form's problem or a refusal also carried back to `page`'s
/// `form` for a browser without JavaScript.
#[cfg(feature = "ssr")]
async fn denied_error(
    page: &str,
    form: &str,
    denied: crate::service::endorsements::Denied,
    values: Vec<(&'static str, String)>,
) -> AppError {
    use crate::service::endorsements::Denied;
    let error = match denied {
        Denied::NotFound => return AppError::NotFound,
        Denied::Invalid(AppError::Request) => return AppError::Request,
        Denied::Invalid(error) => error,
        Denied::Refused(refusal) => AppError::Refused(refusal),
    };
    crate::auth::session::fail_form(page, form, error, values).await
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
    use crate::auth::session::state;

    let (addr, request) = request_origin();
    let holder = Holder { id: require_holder().await?, client_addr: addr.as_deref(), request_id: request.as_deref() };
    match crate::service::files::credential(&state(), holder, id).await? {
        Ok(file) => Ok(file_response(file.bytes, "application/vc", &file.file_name, true)),
        Err(denied) => Err(refused(denied).await),
    }
}

/// 下载 OFD: a valid copy as an OFD package with an SM2/SM3 electronic seal
/// (GB/T 33190, GB/T 38540); saved as `<certificate no>-<endorsement no>.ofd`.
/// Refused as the PDF is.
#[server(endpoint = "endorsement_ofd", input = GetUrl, output = Streaming)]
pub async fn endorsement_ofd(id: i64) -> Result<ByteStream<AppError>, AppError> {
    use crate::auth::session::state;

    let (addr, request) = request_origin();
    let holder = Holder { id: require_holder().await?, client_addr: addr.as_deref(), request_id: request.as_deref() };
    match crate::service::files::endorsed_ofd(&state(), holder, id).await? {
        Ok(file) => Ok(file_response(file.bytes, "application/ofd", &file.file_name, true)),
        Err(denied) => Err(refused(denied).await),
    }
}

/// A certificate issued before 2021-12-17, signed, straight away (no
/// endorsement); others are refused with the reason.
#[server(endpoint = "certificate_file", input = GetUrl, output = Streaming)]
pub async fn certificate_file(id: i64, download: bool) -> Result<ByteStream<AppError>, AppError> {
    use crate::auth::session::state;
    use crate::service::files::certificate_copy;

    let (addr, request) = request_origin();
    let holder = Holder { id: require_holder().await?, client_addr: addr.as_deref(), request_id: request.as_deref() };
    match certificate_copy(&state(), holder, id).await? {
        Ok(file) => Ok(file_response(file.bytes, "application/pdf", &file.file_name, download)),
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
