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

/// What is wrong with one form field. Codes, not text: the UI localises them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    Required,
    TooLong,
    UsernameFormat,
    UsernameTaken,
    PasswordTooShort,
    PasswordTooWeak,
    PasswordContainsUsername,
    PasswordMismatch,
    /// The new password is the current one.
    PasswordUnchanged,
    /// 当前密码 does not match.
    CurrentPasswordWrong,
    RealNameFormat,
    /// A character the certificate font cannot print.
    RealNameUnprintable,
    IdTypeUnknown,
    IdNumberFormat,
    IdNumberChecksum,
    IdNumberRegion,
    IdNumberBirthDate,
    IdAlreadyRegistered,
    PhoneFormat,
    EmailFormat,
    /// 加注有效期 outside 1–90 whole days.
    DaysOutOfRange,
    ScenarioUnavailable,
    /// Catalog codes: letters, digits, '-' and '_'.
    CodeFormat,
    /// A character the certificate font cannot print.
    Unprintable,
    UnknownSeal,
    /// A step that cannot be undone (撤回加注) needs its confirmation ticked.
    ConfirmationRequired,
}

/// The form fields a `Problem` can be attached to (their `name` attributes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Username,
    Password,
    PasswordConfirm,
    CurrentPassword,
    RealName,
    IdType,
    IdNumber,
    Phone,
    Email,
    Days,
    Scenario,
    CertificateNumber,
    HolderName,
    EndorsementNumber,
    /// Why a certificate is revoked or reinstated.
    Reason,
    Code,
    Name,
    NameEn,
    Authority,
    SealCode,
    Specialties,
    /// The "I understand" box of 撤回加注.
    Confirm,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: Field,
    pub problem: Problem,
}

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
