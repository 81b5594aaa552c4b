//! The issuers' portal (/admin): staff sign-in, the overview, revoke and
//! reinstate, the kept uploads and their checks, the audit log and the
//! catalog of seals and qualifications. An issuer acts only on its own
//! issuing body's certificates; another body's is "not found", like a
//! missing one. Sessions and the no-JavaScript forms stay with the server
//! functions (`api::admin`) and the upload and export routes
//! (`server::admin_routes`).
//!
//! A step's outcome is `Ok(Err(error))` when the error is the caller's to
//! see at the form, and `Err` when it is internal.

use crate::auth::password;
use crate::domain::account::normalize_username;
use crate::domain::account_import::AccountPreviewRow;
use crate::domain::import::ImportReport;
use crate::domain::staff::{
    valid_code, AuditFilter, AuditPage, AuditRow, ManagedCertificate, QualificationEntry, Revocation, SealEntry,
    StaffMember,
};
use crate::error::{internal, AppError, Field, FieldError, Problem};
use crate::service::accounts::{worth_looking_up, SignedIn};
use crate::service::import::{Format, Request};
use crate::state::AppState;
use crate::store::{AuditEntry, AuditEvent, NewQualification, NewSeal};

/// What an upload is for: 证书导入 or 账户导入.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadKind {
    Certificates,
    Accounts,
}

impl UploadKind {
    fn code(self) -> &'static str {
        match self {
            UploadKind::Certificates => "certificates",
            UploadKind::Accounts => "accounts",
        }
    }
}

/// An upload kept for its checks and load.
pub struct Upload {
    pub file_name: String,
    pub content: Vec<u8>,
    /// The batch, once loaded.
    pub batch_id: Option<i64>,
}

/// Files checked at once: each check holds a file's valid rows in memory
/// (up to a few times the file, docs/import.md), so two 32 MB checks are
/// the most an instance takes on; a third is refused as busy.
static IMPORT_CHECKS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// The staff member `username` names, if the password is theirs. An
/// unknown name costs the same time (a decoy hash); success and failure
/// are both audited.
pub async fn sign_in(
    state: &AppState,
    username: &str,
    password: String,
    client_addr: Option<&str>,
) -> Result<Option<SignedIn>, AppError> {
    let name = normalize_username(username);
    let found = if worth_looking_up(&name, &password) {
        state.store.staff_login(&name).await.map_err(internal("staff lookup"))?
    } else {
        None
    };
    let stored = found.as_ref().map(|f| f.1.clone()).unwrap_or_else(|| password::decoy_hash().to_string());
    let matches = password::verify_off_thread(password, stored).await.map_err(internal("verify task"))?;
    let signed_in = match (found, matches) {
        (Some((id, _, epoch)), true) => Some(SignedIn { id, epoch }),
        _ => None,
    };
    let event = if signed_in.is_some() { AuditEvent::StaffLoginSucceeded } else { AuditEvent::StaffLoginFailed };
    let subject: String = name.chars().take(64).collect();
    let entry =
        AuditEntry { staff_id: signed_in.map(|s| s.id), subject: Some(&subject), client_addr, ..Default::default() };
    state.store.audit(event, entry).await.map_err(internal("audit"))?;
    Ok(signed_in)
}

/// Counts of what the member manages: certificates, revoked, holders,
/// endorsed copies made.
pub async fn counts(state: &AppState, member: &StaffMember) -> Result<[i64; 4], AppError> {
    state.store.portal_counts(member.seal_id).await.map_err(internal("counts"))
}

/// The certificate numbered `number`, if the member may act on it.
pub async fn certificate(state: &AppState, member: &StaffMember, number: &str) -> Result<ManagedCertificate, AppError> {
    Ok(managed(state, member, number).await?.certificate)
}

async fn managed(state: &AppState, member: &StaffMember, number: &str) -> Result<crate::store::Managed, AppError> {
    let number = crate::domain::verification::normalize_number(number);
    let found = state.store.managed_certificate(&number).await.map_err(internal("managed certificate"))?;
    found.filter(|m| member.may_act_for(m.seal_id)).ok_or(AppError::NotFound)
}

/// 撤销 or 恢复 of the certificate numbered `number`, with a reason (the
/// store audits it); the certificate as it now stands.
pub async fn change_revocation(
    state: &AppState,
    member: &StaffMember,
    number: &str,
    change: Revocation,
    reason: &str,
) -> Result<Result<ManagedCertificate, AppError>, AppError> {
    let problem = if reason.is_empty() {
        Some(Problem::Required)
    } else if reason.chars().count() > crate::api::admin::REASON_MAX {
        Some(Problem::TooLong)
    } else {
        None
    };
    if let Some(problem) = problem {
        return Ok(Err(AppError::field(Field::Reason, problem)));
    }
    let target = managed(state, member, number).await?;
    let today = crate::clock::today_shanghai();
    let store = &state.store;
    store.set_revocation(target.id, change, reason, member.id, today).await.map_err(internal("revocation"))?;
    Ok(Ok(managed(state, member, number).await?.certificate))
}

/// Keeps an uploaded file for its checks and load; the token of its report.
pub async fn keep_upload(
    state: &AppState,
    member: &StaffMember,
    kind: UploadKind,
    file_name: &str,
    content: &[u8],
) -> Result<String, AppError> {
    let kept = state.store.keep_pending_import(member.id, kind.code(), file_name, content).await;
    kept.map_err(internal("keep upload"))
}

/// The member's kept upload `token` of this kind; anything else is not found.
pub async fn upload(state: &AppState, member: &StaffMember, token: &str, kind: UploadKind) -> Result<Upload, AppError> {
    let found = state.store.pending_import(member.id, token, kind.code()).await.map_err(internal("pending import"))?;
    let (file_name, content, batch_id) = found.ok_or(AppError::NotFound)?;
    Ok(Upload { file_name, content, batch_id })
}

/// 证书导入: the check of the upload `token` (loaded too if `commit` and
/// every row is valid), with `page` (from 0) of its problems and new rows.
/// An issuer loads only under its own seal.
pub async fn check_certificates(
    state: &AppState,
    member: &StaffMember,
    token: &str,
    commit: bool,
    page: usize,
) -> Result<(Upload, ImportReport), AppError> {
    let upload = upload(state, member, token, UploadKind::Certificates).await?;
    let _slot = import_check_slot()?;
    let request = Request::web(member, &upload.file_name, commit);
    let format = Format::guess(&upload.file_name, &upload.content);
    let typeface = state.generator.typeface();
    let report = crate::service::import::run(&state.store, typeface, &upload.content, format, &request, Some(page))
        .await
        .map_err(internal("import"))?;
    loaded(state, token, report.batch_id).await?;
    Ok((upload, report))
}

/// 账户导入 (administrators only: no seal limits it), as for certificates.
pub async fn check_accounts(
    state: &AppState,
    member: &StaffMember,
    token: &str,
    commit: bool,
    page: usize,
) -> Result<(Upload, ImportReport<AccountPreviewRow>), AppError> {
    let upload = upload(state, member, token, UploadKind::Accounts).await?;
    let _slot = import_check_slot()?;
    let request = Request::web(member, &upload.file_name, commit);
    let format = Format::guess(&upload.file_name, &upload.content);
    let typeface = state.generator.typeface();
    let report =
        crate::service::account_import::run(&state.store, typeface, &upload.content, format, &request, Some(page))
            .await
            .map_err(internal("account import"))?;
    loaded(state, token, report.batch_id).await?;
    Ok((upload, report))
}

fn import_check_slot() -> Result<tokio::sync::SemaphorePermit<'static>, AppError> {
    IMPORT_CHECKS.try_acquire().map_err(|_| AppError::Busy { retry_after_seconds: 10 })
}

/// A kept upload remembers the batch it was loaded as.
async fn loaded(state: &AppState, token: &str, batch_id: Option<i64>) -> Result<(), AppError> {
    let Some(batch) = batch_id else { return Ok(()) };
    state.store.mark_pending_import_loaded(token, batch).await.map_err(internal("pending import"))
}

/// 审计日志: one page, newest first.
pub async fn audit_page(
    state: &AppState,
    filter: &AuditFilter,
    page: i64,
    per_page: i64,
) -> Result<AuditPage, AppError> {
    state.store.audit_page(filter, page, per_page).await.map_err(internal("audit page"))
}

/// The audit log's first `limit` entries under `filter`, for the export.
pub async fn audit_export(state: &AppState, filter: &AuditFilter, limit: i64) -> Result<Vec<AuditRow>, AppError> {
    state.store.audit_all(filter, limit).await.map_err(internal("audit export"))
}

/// 资格与印章: the catalog.
pub async fn catalog(state: &AppState) -> Result<(Vec<SealEntry>, Vec<QualificationEntry>), AppError> {
    state.store.catalog().await.map_err(internal("catalog"))
}

/// A seal to add or edit.
pub struct SealForm<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub authority: &'a str,
}

/// Adds or edits a seal (audited); a new one gets a key from the CA in the
/// key directory when there is one.
pub async fn save_seal(
    state: &AppState,
    member: &StaffMember,
    form: SealForm<'_>,
) -> Result<Result<(), AppError>, AppError> {
    let mut errors = Vec::new();
    if !valid_code(form.code) {
        errors.push(FieldError { field: Field::Code, problem: Problem::CodeFormat });
    }
    catalog_text(state, Field::Name, form.name, 64, true, &mut errors);
    catalog_text(state, Field::Authority, form.authority, 64, true, &mut errors);
    if !errors.is_empty() {
        return Ok(Err(AppError::Invalid(errors)));
    }
    let (name, authority) = (form.name.trim(), form.authority.trim());
    let seal = NewSeal { code: form.code, name, authority };
    state.store.upsert_seal(&seal).await.map_err(internal("seal"))?;
    catalog_audit(state, member, form.code, &format!("seal {name} / {authority}")).await?;
    crate::service::keys::issue_for_new_seal(state, form.code).await?;
    Ok(Ok(()))
}

/// A qualification to add or edit.
pub struct QualificationForm<'a> {
    pub code: &'a str,
    pub name_zh: &'a str,
    pub name_en: &'a str,
    /// The seal it is issued under.
    pub seal_code: &'a str,
    /// One per line; none: any.
    pub specialties: &'a str,
}

/// Adds or edits a qualification (audited).
pub async fn save_qualification(
    state: &AppState,
    member: &StaffMember,
    form: QualificationForm<'_>,
) -> Result<Result<(), AppError>, AppError> {
    let mut errors = Vec::new();
    if !valid_code(form.code) {
        errors.push(FieldError { field: Field::Code, problem: Problem::CodeFormat });
    }
    catalog_text(state, Field::Name, form.name_zh, 64, true, &mut errors);
    catalog_text(state, Field::NameEn, form.name_en, 128, false, &mut errors);
    let seal_code = form.seal_code.trim();
    if state.store.seal_id(seal_code).await.map_err(internal("seal"))?.is_none() {
        errors.push(FieldError { field: Field::SealCode, problem: Problem::UnknownSeal });
    }
    let listed: Vec<String> =
        form.specialties.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect();
    for s in &listed {
        catalog_text(state, Field::Specialties, s, 64, true, &mut errors);
    }
    if !errors.is_empty() {
        return Ok(Err(AppError::Invalid(errors)));
    }
    let q = NewQualification {
        code: form.code,
        name_zh: form.name_zh.trim(),
        name_en: form.name_en.trim(),
        seal_code,
        specialties: &listed,
    };
    state.store.upsert_qualification(&q).await.map_err(internal("qualification"))?;
    let detail = format!("qualification {} / {} under {}", q.name_zh, q.name_en, q.seal_code);
    catalog_audit(state, member, form.code, &detail).await?;
    Ok(Ok(()))
}

/// Checks a catalog text field: present, at most `max` characters, and
/// (`printable`) drawable by the PDF font.
fn catalog_text(
    state: &AppState,
    field: Field,
    value: &str,
    max: usize,
    printable: bool,
    errors: &mut Vec<FieldError>,
) {
    let problem = if value.trim().is_empty() {
        Some(Problem::Required)
    } else if value.chars().count() > max {
        Some(Problem::TooLong)
    } else if printable && !state.generator.typeface().missing_chars(value).is_empty() {
        Some(Problem::Unprintable)
    } else {
        None
    };
    if let Some(problem) = problem {
        errors.push(FieldError { field, problem });
    }
}

async fn catalog_audit(state: &AppState, member: &StaffMember, code: &str, detail: &str) -> Result<(), AppError> {
    let entry =
        AuditEntry { staff_id: Some(member.id), subject: Some(code), detail: Some(detail), ..Default::default() };
    state.store.audit(AuditEvent::CatalogChanged, entry).await.map_err(internal("audit"))
}

/// Whether a staff account named `username` exists (`server admin create --if-missing`).
pub async fn staff_exists(store: &crate::store::Store, username: &str) -> Result<bool, crate::store::StoreError> {
    Ok(store.staff_login(username).await?.is_some())
}

/// `server admin create`: a staff account (the only way to make an
/// administrator); an issuer acts for the seal `seal_code`. The new id.
pub async fn create_staff(
    store: &crate::store::Store,
    username: &str,
    password: &str,
    name: &str,
    role: crate::domain::staff::Role,
    seal_code: Option<&str>,
) -> Result<i64, Box<dyn std::error::Error + Send + Sync>> {
    let hash = password::hash(password);
    Ok(store.create_staff(username, &hash, name, role, seal_code).await?)
}
