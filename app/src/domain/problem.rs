//! What is wrong with one form field: codes, not text (the UI localises
//! them), shared by the rules that find them and the error that carries
//! them to a client (`crate::error::AppError::Invalid`).

use serde::{Deserialize, Serialize};

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
