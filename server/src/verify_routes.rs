//! The HTTP side of 证书查验 that is not a Leptos page: the JSON API for
//! integrators (docs/api.md) and the two plain forms of the /verify page
//! (endorsement number, file upload). The checks are the service `app::service::verification`.

use app::api::verification::result_path;
use app::service::verification as check;
use app::domain::verification::{
    normalize_number, CredentialProblem, FileProblem, Verdict, MAX_CREDENTIAL_BYTES, MAX_UPLOAD_BYTES,
};
use app::error::AppError;
use app::state::AppState;
use axum::{
    extract::{
        rejection::JsonRejection, DefaultBodyLimit, FromRequest, FromRequestParts, Multipart, Path, Query, Request,
        State,
    },
    http::{header, request::Parts, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Json, Router,
};
use futures::StreamExt;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/verify/certificate", post(api_certificate).layer(DefaultBodyLimit::max(16 * 1024)))
        .route("/api/v1/verify/endorsement/{number}", get(api_endorsement))
        // Uploads are capped while they are read (see `read_capped`); the
        // body limit bounds what multipart reads around the file.
        .route("/api/v1/verify/file", post(api_file).layer(DefaultBodyLimit::max(DRAIN_BYTES)))
        .route("/api/v1/verify/credential", post(api_credential).layer(DefaultBodyLimit::max(DRAIN_BYTES)))
        .route("/v", get(endorsement_form))
        .route("/verify/file", post(upload_form).layer(DefaultBodyLimit::max(DRAIN_BYTES)))
        .route("/verify/credential", post(credential_form).layer(DefaultBodyLimit::max(DRAIN_BYTES)))
}

/// The caller's address, for the verification log.
pub struct ClientAddr(Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(app::auth::client_addr::of_request(&parts.extensions).map(|ip| ip.to_string())))
    }
}

/// A missing field reads as empty, so it is refused as `invalid_input`
/// naming the field (422), as an empty one is; only a body that is not
/// such a JSON object is a `bad_request`.
#[derive(Deserialize)]
struct CertificateQuery {
    #[serde(default)]
    certificate_number: String,
    #[serde(default)]
    holder_name: String,
}

/// A check's answer: the verdict plus where a person can see it.
#[derive(Serialize)]
struct ApiVerdict<'a> {
    verification_id: &'a str,
    result_url: String,
    #[serde(flatten)]
    verdict: &'a Verdict,
}

async fn api_certificate(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    body: Result<Json<CertificateQuery>, JsonRejection>,
) -> Response {
    let q = match body {
        Ok(Json(q)) => q,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return error_json(StatusCode::PAYLOAD_TOO_LARGE, "too_large")
        }
        Err(_) => return api_error(&AppError::Request),
    };
    answer(check::by_certificate(&state, &q.certificate_number, &q.holder_name, addr.as_deref()).await, &state)
}

async fn api_endorsement(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path(number): Path<String>,
) -> Response {
    answer(check::by_endorsement(&state, &number, addr.as_deref()).await, &state)
}

/// The PDF as the whole body (`application/pdf`), or as the `file` field of
/// a `multipart/form-data` body.
async fn api_file(State(state): State<AppState>, ClientAddr(addr): ClientAddr, request: Request) -> Response {
    let pdf = match uploaded_pdf(request, &state).await {
        Ok(Some(pdf)) => pdf,
        Ok(None) => return error_json(StatusCode::BAD_REQUEST, "no_file"),
        Err(()) => return api_error(&AppError::Request),
    };
    answer(check::by_file(&state, pdf, addr.as_deref()).await, &state)
}

/// The credential JSON as the whole body (any JSON media type).
async fn api_credential(State(state): State<AppState>, ClientAddr(addr): ClientAddr, request: Request) -> Response {
    let text = match read_capped(request.into_body().into_data_stream(), MAX_CREDENTIAL_BYTES).await {
        Ok(text) => text,
        Err(()) => return api_error(&AppError::Request),
    };
    answer(check::by_credential(&state, text, addr.as_deref()).await, &state)
}

/// `POST /verify/credential` (the page's form: a `file`, or the pasted
/// `credential` text) → the result page.
async fn credential_form(State(state): State<AppState>, ClientAddr(addr): ClientAddr, request: Request) -> Redirect {
    let Ok(mut form) = Multipart::from_request(request, &state).await else {
        return Redirect::to("/verify?credential=failed#by-credential");
    };
    let mut text = Vec::new();
    loop {
        match form.next_field().await {
            Ok(Some(field)) if matches!(field.name(), Some("file" | "credential")) => {
                let Ok(part) = read_capped(field, MAX_CREDENTIAL_BYTES).await else {
                    return Redirect::to("/verify?credential=failed#by-credential");
                };
                // The file if one was chosen, else what was pasted.
                if text.iter().all(u8::is_ascii_whitespace) {
                    text = part;
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(_) => return Redirect::to("/verify?credential=failed#by-credential"),
        }
    }
    if text.iter().all(u8::is_ascii_whitespace) {
        return Redirect::to("/verify?credential=missing#by-credential");
    }
    match check::by_credential(&state, text, addr.as_deref()).await {
        Ok(checked) => Redirect::to(&result_path(&checked.token)),
        Err(_) => Redirect::to("/verify?credential=failed#by-credential"),
    }
}

/// `GET /v?number=…` (the endorsement-number form) → `/v/<number>`.
async fn endorsement_form(Query(q): Query<std::collections::HashMap<String, String>>) -> Redirect {
    let number = normalize_number(q.get("number").map(String::as_str).unwrap_or_default());
    if number.is_empty() {
        return Redirect::to("/verify?number=missing#by-endorsement");
    }
    Redirect::to(&format!("/v/{}", path_segment(&number)))
}

/// `POST /verify/file` (the upload form) → the result page.
async fn upload_form(State(state): State<AppState>, ClientAddr(addr): ClientAddr, request: Request) -> Redirect {
    let pdf = match uploaded_pdf(request, &state).await {
        Ok(Some(pdf)) => pdf,
        Ok(None) => return Redirect::to("/verify?file=missing#by-file"),
        Err(()) => return Redirect::to("/verify?file=failed#by-file"),
    };
    match check::by_file(&state, pdf, addr.as_deref()).await {
        Ok(checked) => Redirect::to(&result_path(&checked.token)),
        Err(_) => Redirect::to("/verify?file=failed#by-file"),
    }
}

/// The uploaded bytes, at most one byte over the limit (so the verifier
/// says "too large" without the server holding a huge body). `Ok(None)`:
/// no file was sent.
async fn uploaded_pdf(request: Request, state: &AppState) -> Result<Option<Vec<u8>>, ()> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let pdf = read_capped(request.into_body().into_data_stream(), MAX_UPLOAD_BYTES).await?;
        return Ok((!pdf.is_empty()).then_some(pdf));
    }
    let mut form = Multipart::from_request(request, state).await.map_err(|_| ())?;
    while let Some(field) = form.next_field().await.map_err(|_| ())? {
        if field.name() != Some("file") {
            continue;
        }
        let named = field.file_name().is_some_and(|n| !n.is_empty());
        let pdf = read_capped(field, MAX_UPLOAD_BYTES).await?;
        // A form submitted with no file chosen sends an empty, unnamed part.
        return Ok((named || !pdf.is_empty()).then_some(pdf));
    }
    Ok(None)
}

/// Reads at most one byte over `limit`; the rest of an oversized upload
/// (up to [`DRAIN_BYTES`]) is read and dropped, so that the browser, still
/// sending, gets the answer rather than a reset connection.
async fn read_capped<S, B, E>(mut stream: S, limit: usize) -> Result<Vec<u8>, ()>
where
    S: futures::Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
{
    let mut pdf = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| ())?;
        let chunk = chunk.as_ref();
        seen += chunk.len();
        let room = (limit + 1).saturating_sub(pdf.len());
        pdf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if seen > DRAIN_BYTES {
            break;
        }
    }
    Ok(pdf)
}

/// How much of an oversized upload is read (and dropped) before giving up on it.
const DRAIN_BYTES: usize = 64 * 1024 * 1024;

/// 200 for an answer about something found or a file judged; 404 when a
/// number matches nothing; 400/413/415 for an upload that is empty, too
/// large or not a PDF. The body is the verdict in every case.
fn answer(result: Result<check::Checked, AppError>, state: &AppState) -> Response {
    let checked = match result {
        Ok(checked) => checked,
        Err(err) => return api_error(&err),
    };
    let v = &checked.verdict;
    let credential = v.credential.as_ref().and_then(|c| c.problem);
    let status = match v.file.as_ref().and_then(|f| f.problem) {
        Some(FileProblem::Empty) => StatusCode::BAD_REQUEST,
        Some(FileProblem::TooLarge) => StatusCode::PAYLOAD_TOO_LARGE,
        Some(FileProblem::NotPdf) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        _ if credential == Some(CredentialProblem::Empty) => StatusCode::BAD_REQUEST,
        _ if credential == Some(CredentialProblem::TooLarge) => StatusCode::PAYLOAD_TOO_LARGE,
        _ if credential == Some(CredentialProblem::NotJson) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        _ if v.found_nothing() => StatusCode::NOT_FOUND,
        _ => StatusCode::OK,
    };
    let result_url = format!("{}{}", state.settings.public_base_url, result_path(&checked.token));
    (status, Json(ApiVerdict { verification_id: &checked.token, result_url, verdict: v })).into_response()
}

fn api_error(err: &AppError) -> Response {
    let status = crate::error_status::status_of(err);
    let code = match err {
        AppError::Invalid(_) => "invalid_input",
        AppError::RateLimited { .. } => "rate_limited",
        AppError::Internal => "internal",
        _ => "bad_request",
    };
    let mut body = serde_json::json!({ "error": code });
    if let AppError::Invalid(fields) = err {
        body["fields"] = serde_json::to_value(fields).unwrap_or_default();
    }
    (status, Json(body)).into_response()
}

fn error_json(status: StatusCode, code: &str) -> Response {
    (status, Json(serde_json::json!({ "error": code }))).into_response()
}

/// Percent-encodes what is not a plain number character.
fn path_segment(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b == b'-' { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}
