//! The one error type that crosses the wire. Internal causes (SQL, I/O,
//! paths) are logged on the server and replaced by `AppError::Internal`, so
//! no internal text ever reaches a client. Every variant has a localised
//! message in the i18n files (see `components::error_text`).

use serde::{Deserialize, Serialize};

use crate::domain::endorsement::Refusal;
use server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

pub use crate::domain::problem::{Field, FieldError, Problem};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// Wrong username or password: one message, whichever part was wrong.
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("not logged in")]
    Unauthenticated,
    /// The current service terms must be accepted first.
    #[error("terms not accepted")]
    TermsNotAccepted,
    /// Missing, or not the caller's: the two are indistinguishable on purpose.
    #[error("not found")]
    NotFound,
    /// A rule of the endorsement service says no (quota, expired, revoked…).
    #[error("refused: {0:?}")]
    Refused(Refusal),
    /// The request could not be read or the server could not be reached.
    #[error("bad request")]
    Request,
    /// Too many public checks from one address; try again after this long.
    #[error("rate limited")]
    RateLimited { retry_after_seconds: u64 },
    /// This instance is at its limit of requests at once, or the request
    /// took longer than the request timeout; try again after this long.
    #[error("busy")]
    Busy { retry_after_seconds: u64 },
    #[error("internal error")]
    Internal,
}

impl AppError {
    pub fn field(field: Field, problem: Problem) -> AppError {
        AppError::Invalid(vec![FieldError { field, problem }])
    }

    /// The problem attached to `field`, if any.
    pub fn problem_for(&self, field: Field) -> Option<Problem> {
        match self {
            AppError::Invalid(errors) => errors.iter().find(|e| e.field == field).map(|e| e.problem),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(err: ServerFnErrorErr) -> Self {
        #[cfg(feature = "ssr")]
        tracing::debug!(error = %err, "server function request failed");
        let _ = err;
        AppError::Request
    }
}

/// Logs an internal failure with its cause and returns the client-safe error.
#[cfg(feature = "ssr")]
pub fn internal<E: std::fmt::Display>(context: &'static str) -> impl FnOnce(E) -> AppError {
    move |err| {
        tracing::error!(%err, context, "internal error");
        AppError::Internal
    }
}
