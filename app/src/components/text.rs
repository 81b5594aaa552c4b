//! Localised text for codes that travel as data: errors, statuses, ID types.

use crate::domain::certificate::{Bilingual, CertificateStatus, EndorsementState};
use crate::domain::endorsement::{Phase, Refusal};
use crate::domain::import::{FileProblem as ImportFileProblem, RowProblem};
use crate::domain::imported_password::HashProblem;
use crate::domain::verification::{CredentialProblem, FileProblem, Method, Outcome, Standing};
use crate::error::{AppError, Problem};
use crate::i18n::*;
pub use crate::labels::id_type;

pub fn problem(locale: Locale, p: Problem) -> &'static str {
    match p {
        Problem::Required => td_string!(locale, errors.required),
        Problem::TooLong => td_string!(locale, errors.too_long),
        Problem::UsernameFormat => td_string!(locale, errors.username_format),
        Problem::UsernameTaken => td_string!(locale, errors.username_taken),
        Problem::PasswordTooShort => td_string!(locale, errors.password_too_short),
        Problem::PasswordTooWeak => td_string!(locale, errors.password_too_weak),
        Problem::PasswordContainsUsername => td_string!(locale, errors.password_contains_username),
        Problem::PasswordMismatch => td_string!(locale, errors.password_mismatch),
        Problem::PasswordUnchanged => td_string!(locale, errors.password_unchanged),
        Problem::CurrentPasswordWrong => td_string!(locale, errors.current_password_wrong),
        Problem::RealNameFormat => td_string!(locale, errors.real_name_format),
        Problem::RealNameUnprintable => td_string!(locale, errors.real_name_unprintable),
        Problem::IdTypeUnknown => td_string!(locale, errors.id_type_unknown),
        Problem::IdNumberFormat => td_string!(locale, errors.id_number_format),
        Problem::IdNumberChecksum => td_string!(locale, errors.id_number_checksum),
        Problem::IdNumberRegion => td_string!(locale, errors.id_number_region),
        Problem::IdNumberBirthDate => td_string!(locale, errors.id_number_birth_date),
        Problem::IdAlreadyRegistered => td_string!(locale, errors.id_already_registered),
        Problem::PhoneFormat => td_string!(locale, errors.phone_format),
        Problem::EmailFormat => td_string!(locale, errors.email_format),
        Problem::DaysOutOfRange => td_string!(locale, errors.days_out_of_range),
        Problem::ScenarioUnavailable => td_string!(locale, errors.scenario_unavailable),
        Problem::CodeFormat => td_string!(locale, errors.code_format),
        Problem::Unprintable => td_string!(locale, errors.unprintable),
        Problem::UnknownSeal => td_string!(locale, errors.unknown_seal),
        Problem::ConfirmationRequired => td_string!(locale, errors.confirmation_required),
    }
}

/// The banner text of an error (field problems are shown at their fields).
pub fn error(locale: Locale, e: &AppError) -> String {
    let text = match e {
        AppError::Invalid(_) => td_string!(locale, errors.summary),
        AppError::InvalidCredentials => td_string!(locale, errors.invalid_credentials),
        AppError::Unauthenticated => td_string!(locale, errors.unauthenticated),
        AppError::TermsNotAccepted => td_string!(locale, errors.terms_not_accepted),
        AppError::NotFound => td_string!(locale, errors.not_found),
        AppError::Request => td_string!(locale, errors.request),
        AppError::Internal => td_string!(locale, errors.internal),
        AppError::Refused(r) => return refusal(locale, *r),
        AppError::RateLimited { retry_after_seconds } => {
            return td_string!(locale, errors.rate_limited, seconds = retry_after_seconds.to_string()).to_string()
        }
        AppError::Busy { retry_after_seconds } => {
            return td_string!(locale, errors.busy, seconds = retry_after_seconds.to_string()).to_string()
        }
    };
    text.to_string()
}

pub fn refusal(locale: Locale, r: Refusal) -> String {
    let text = match r {
        Refusal::QuotaReached { next_slot } => {
            return td_string!(locale, errors.quota_reached, date = next_slot.to_string()).to_string()
        }
        Refusal::CertificateRevoked => td_string!(locale, errors.certificate_revoked),
        Refusal::EndorsementNotRequired => td_string!(locale, errors.endorsement_not_required),
        Refusal::EndorsementRequired => td_string!(locale, errors.endorsement_required),
        Refusal::NotReady => td_string!(locale, errors.not_ready),
        Refusal::Expired => td_string!(locale, errors.expired),
        Refusal::Failed => td_string!(locale, errors.failed),
        Refusal::NotRetryable => td_string!(locale, errors.not_retryable),
        Refusal::Cancelled => td_string!(locale, errors.cancelled),
        Refusal::NotCancellable => td_string!(locale, errors.not_cancellable),
    };
    text.to_string()
}

pub fn status(locale: Locale, s: CertificateStatus) -> &'static str {
    match s {
        CertificateStatus::Valid => td_string!(locale, status.valid),
        CertificateStatus::Revoked => td_string!(locale, status.revoked),
    }
}

pub fn endorsement(locale: Locale, e: &EndorsementState) -> String {
    let text = match e {
        EndorsementState::None => td_string!(locale, endorsement.none),
        EndorsementState::NotRequired => td_string!(locale, endorsement.not_required),
        EndorsementState::Generating => td_string!(locale, endorsement.generating),
        EndorsementState::Failed => td_string!(locale, endorsement.failed),
        EndorsementState::Valid { until } => {
            return td_string!(locale, endorsement.valid_until, date = until.to_string()).to_string()
        }
        EndorsementState::Expired { .. } => td_string!(locale, endorsement.expired),
    };
    text.to_string()
}

pub fn phase(locale: Locale, p: Phase) -> &'static str {
    match p {
        Phase::Generating => td_string!(locale, endorsement.generating),
        Phase::Valid => td_string!(locale, endorsement.valid),
        Phase::Expired => td_string!(locale, endorsement.expired),
        Phase::Failed => td_string!(locale, endorsement.failed),
        Phase::Cancelled => td_string!(locale, endorsement.cancelled),
    }
}

pub fn bilingual(locale: Locale, b: &Bilingual) -> String {
    match locale {
        Locale::en => b.en.clone(),
        _ => b.zh.clone(),
    }
}

pub fn outcome(locale: Locale, o: Outcome) -> &'static str {
    match o {
        Outcome::Valid => td_string!(locale, verify.outcome.valid),
        Outcome::Revoked => td_string!(locale, verify.outcome.revoked),
        Outcome::Expired => td_string!(locale, verify.outcome.expired),
        Outcome::Cancelled => td_string!(locale, verify.outcome.cancelled),
        Outcome::NoMatch => td_string!(locale, verify.outcome.no_match),
        Outcome::Invalid => td_string!(locale, verify.outcome.invalid),
    }
}

pub fn standing(locale: Locale, s: Standing) -> &'static str {
    match s {
        Standing::Valid => td_string!(locale, verify.standing_valid),
        Standing::Expired => td_string!(locale, verify.standing_expired),
        Standing::Revoked => td_string!(locale, verify.standing_revoked),
        Standing::Cancelled => td_string!(locale, verify.standing_cancelled),
    }
}

/// The way a check came in, as the holder's 查验记录 names it.
pub fn method(locale: Locale, m: Method) -> &'static str {
    match m {
        Method::Certificate => td_string!(locale, endorsement_page.method_certificate),
        Method::Endorsement => td_string!(locale, endorsement_page.method_endorsement),
        Method::File => td_string!(locale, endorsement_page.method_file),
        Method::Credential => td_string!(locale, endorsement_page.method_credential),
    }
}

pub fn credential_problem(locale: Locale, p: CredentialProblem) -> &'static str {
    match p {
        CredentialProblem::Empty => td_string!(locale, verify.credential_problem.empty),
        CredentialProblem::TooLarge => td_string!(locale, verify.credential_problem.too_large),
        CredentialProblem::NotJson => td_string!(locale, verify.credential_problem.not_json),
        CredentialProblem::NoProof => td_string!(locale, verify.credential_problem.no_proof),
        CredentialProblem::UnsupportedProof => td_string!(locale, verify.credential_problem.unsupported_proof),
        CredentialProblem::Malformed => td_string!(locale, verify.credential_problem.malformed),
        CredentialProblem::UnknownIssuer => td_string!(locale, verify.credential_problem.unknown_issuer),
        CredentialProblem::UnknownKey => td_string!(locale, verify.credential_problem.unknown_key),
        CredentialProblem::BadSignature => td_string!(locale, verify.credential_problem.bad_signature),
    }
}

pub fn file_problem(locale: Locale, p: FileProblem) -> &'static str {
    match p {
        FileProblem::Empty => td_string!(locale, verify.problem.empty),
        FileProblem::TooLarge => td_string!(locale, verify.problem.too_large),
        FileProblem::NotPdf => td_string!(locale, verify.problem.not_pdf),
        FileProblem::NoSignature => td_string!(locale, verify.problem.no_signature),
        FileProblem::Malformed => td_string!(locale, verify.problem.malformed),
        FileProblem::DigestMismatch => td_string!(locale, verify.problem.digest_mismatch),
        FileProblem::BadSignature => td_string!(locale, verify.problem.bad_signature),
        FileProblem::UnsupportedAlgorithm => td_string!(locale, verify.problem.unsupported_algorithm),
        FileProblem::Untrusted => td_string!(locale, verify.problem.untrusted),
        FileProblem::SignerCertificateNotValid => td_string!(locale, verify.problem.signer_certificate_not_valid),
        FileProblem::ModifiedAfterSigning => td_string!(locale, verify.problem.modified_after_signing),
    }
}

pub fn row_problem(locale: Locale, p: &RowProblem) -> String {
    let text = match p {
        RowProblem::Missing => td_string!(locale, admin.problems.missing),
        RowProblem::TooLong => td_string!(locale, admin.problems.too_long),
        RowProblem::NumberFormat => td_string!(locale, admin.problems.number_format),
        RowProblem::NameFormat => td_string!(locale, admin.problems.name_format),
        RowProblem::Unprintable => td_string!(locale, admin.problems.unprintable),
        RowProblem::IdType => td_string!(locale, admin.problems.id_type_unknown),
        RowProblem::IdNumber(problem) => {
            return format!("{}: {}", td_string!(locale, admin.problems.id_number), self::problem(locale, *problem))
        }
        RowProblem::Qualification => td_string!(locale, admin.problems.qualification_not_yours),
        RowProblem::Specialty => td_string!(locale, admin.problems.specialty_not_listed),
        RowProblem::Date => td_string!(locale, admin.problems.date_format),
        RowProblem::DateOutOfRange => td_string!(locale, admin.problems.date_out_of_range),
        RowProblem::Status => td_string!(locale, admin.problems.status_unknown),
        RowProblem::RevokedOn => td_string!(locale, admin.problems.revoked_on),
        // Counted, not listed: which other line is not kept.
        RowProblem::DuplicateInFile { line: 0 } => td_string!(locale, admin.problems.duplicate_any),
        RowProblem::DuplicateInFile { line } => {
            return td_string!(locale, admin.problems.duplicate, line = line.to_string()).to_string()
        }
        RowProblem::ConflictsWithDatabase => td_string!(locale, admin.problems.conflicts_with_database),
        RowProblem::Account(Problem::UsernameFormat) => td_string!(locale, admin.problems.username_format),
        RowProblem::Account(Problem::PhoneFormat) => td_string!(locale, admin.problems.phone_format),
        RowProblem::Account(Problem::EmailFormat) => td_string!(locale, admin.problems.email_format),
        RowProblem::Account(_) => td_string!(locale, admin.problems.account_field),
        RowProblem::PasswordHash(HashProblem::UnknownFormat) => td_string!(locale, admin.problems.password_hash_unknown),
        RowProblem::PasswordHash(HashProblem::TooWeak) => td_string!(locale, admin.problems.password_hash_weak),
        RowProblem::PasswordHash(HashProblem::TooCostly) => td_string!(locale, admin.problems.password_hash_costly),
        RowProblem::UsernameTaken => td_string!(locale, admin.problems.username_taken),
        RowProblem::IdLinkedToAnotherAccount => td_string!(locale, admin.problems.id_linked),
        RowProblem::AccountDiffers => td_string!(locale, admin.problems.account_differs),
    };
    text.to_string()
}

pub fn import_file_problem(locale: Locale, p: &ImportFileProblem) -> String {
    match p {
        ImportFileProblem::Empty => td_string!(locale, admin.file_problems.empty).to_string(),
        ImportFileProblem::NotUtf8 => td_string!(locale, admin.file_problems.not_utf8).to_string(),
        ImportFileProblem::MissingColumn(c) => format!("{}{c}", td_string!(locale, admin.file_problems.missing_column)),
        ImportFileProblem::UnknownColumn(c) => format!("{}{c}", td_string!(locale, admin.file_problems.unknown_column)),
        ImportFileProblem::Syntax { line } => format!("{}{line}", td_string!(locale, admin.file_problems.syntax)),
        ImportFileProblem::TooManyRows => td_string!(locale, admin.file_problems.too_many_rows).to_string(),
    }
}
