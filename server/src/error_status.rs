//! Server functions answer every error with HTTP 500; this layer gives
//! each `AppError` its proper status (422, 401, 403, 404, …) so that API
//! clients, logs and proxies see what happened. The body is unchanged.

use app::{domain::endorsement::Refusal, error::AppError};
use axum::{
    body::{to_bytes, Body},
    extract::Request,
    http::StatusCode,
    middleware::Next,
    response::Response,
};

/// Header server_fn puts on error responses.
const SERVER_FN_ERROR_HEADER: &str = "serverfnerror";
/// Error bodies are a few hundred bytes; anything larger is left alone.
const MAX_ERROR_BODY: usize = 64 * 1024;

pub fn status_of(error: &AppError) -> StatusCode {
    match error {
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::InvalidCredentials | AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::TermsNotAccepted => StatusCode::FORBIDDEN,
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Request => StatusCode::BAD_REQUEST,
        AppError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
        // The copy existed and is no longer available (expired or withdrawn).
        AppError::Refused(Refusal::Expired | Refusal::Cancelled) => StatusCode::GONE,
        // Quota, revoked, not ready…: the request conflicts with the record's state.
        AppError::Refused(_) => StatusCode::CONFLICT,
    }
}

pub async fn layer(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        parts.status = StatusCode::INTERNAL_SERVER_ERROR;
        return Response::from_parts(parts, Body::from("internal error"));
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = status_of(&error);
    }
    Response::from_parts(parts, Body::from(bytes))
}
