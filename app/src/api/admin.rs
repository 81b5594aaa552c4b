//! The issuers' portal (/admin): staff login, the overview, one
//! certificate with revoke / reinstate, the import preview and load, and the
//! audit log. Every function answers "not found" to anyone but staff, and an
//! issuer acts only on its own issuing body's certificates.
//! The file upload and the CSV export are plain routes (server::admin_routes).

use leptos::prelude::*;

use crate::domain::account_import::AccountPreviewRow;
use crate::domain::import::ImportReport;
use crate::domain::staff::{AuditFilter, AuditPage, ManagedCertificate, StaffMember};
use crate::error::AppError;

pub const STAFF_LOGIN_FORM: &str = "staff_login";

/// One key change (rotation, new seal) at a time: files, reload and swap
/// happen together, so the server never signs with a key just retired.
#[cfg(feature = "ssr")]
static KEY_CHANGES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
pub const REVOCATION_FORM: &str = "revocation";
/// Longest reason kept with a revocation.
pub const REASON_MAX: usize = 200;
pub const AUDIT_PER_PAGE: i64 = 50;

#[server(endpoint = "staff_login")]
pub async fn staff_login(username: String, password: String) -> Result<(), AppError> {
    use crate::auth::{
        password,
        session::{client_addr, fail_form, sign_in, state},
    };
    use crate::domain::account::normalize_username;
    use crate::error::internal;
    use crate::store::{AuditEntry, AuditEvent};

    let state = state();
    let name = normalize_username(&username);
    let limit = state.throttle.login(&crate::auth::throttle::staff_login_key(&name), crate::auth::session::client_ip());
    if let Err(e) = crate::auth::session::throttled(limit, &name.chars().take(64).collect::<String>()).await {
        return Err(fail_form("/admin/login", STAFF_LOGIN_FORM, e, vec![("username", username)]).await);
    }
    let found = if name.is_empty() || name.len() > 64 || password.len() > 256 {
        None
    } else {
        state.store.staff_login(&name).await.map_err(internal("staff lookup"))?
    };
    let stored = found.as_ref().map(|f| f.1.clone()).unwrap_or_else(|| password::decoy_hash().to_string());
    let matches = password::verify_off_thread(password, stored).await.map_err(internal("verify task"))?;
    let addr = client_addr();
    let subject: String = name.chars().take(64).collect();
    let (event, staff_id) = match (found, matches) {
        (Some((id, _, epoch)), true) => (AuditEvent::StaffLoginSucceeded, Some((id, epoch))),
        _ => (AuditEvent::StaffLoginFailed, None),
    };
    let entry = AuditEntry {
        staff_id: staff_id.map(|(id, _)| id),
        subject: Some(&subject),
        client_addr: addr.as_deref(),
        ..Default::default()
    };
    state.store.audit(event, entry).await.map_err(internal("audit"))?;
    let Some((id, epoch)) = staff_id else {
        let values = vec![("username", username)];
        return Err(fail_form("/admin/login", STAFF_LOGIN_FORM, AppError::InvalidCredentials, values).await);
    };
    sign_in(crate::domain::account::Account::Staff(id), epoch).await?;
    leptos_axum::redirect("/admin");
    Ok(())
}

/// The signed-in staff member, or `None` (never an error: the login page asks).
#[server(endpoint = "staff_me")]
pub async fn staff_me() -> Result<Option<StaffMember>, AppError> {
    crate::auth::session::staff().await
}

/// The staff member and counts of what they manage: certificates, revoked,
/// holders, endorsed copies made.
#[server(endpoint = "portal_overview")]
pub async fn portal_overview() -> Result<(StaffMember, [i64; 4]), AppError> {
    use crate::auth::session::{require_staff, state};
    let member = require_staff().await?;
    let counts = state().store.portal_counts(member.seal_id).await.map_err(crate::error::internal("counts"))?;
    Ok((member, counts))
}

/// One certificate by number, if this staff member may act on it.
#[server(endpoint = "admin_certificate")]
pub async fn admin_certificate(number: String) -> Result<ManagedCertificate, AppError> {
    use crate::auth::session::require_staff;
    let member = require_staff().await?;
    Ok(managed(&member, &number).await?.certificate)
}

#[cfg(feature = "ssr")]
async fn managed(member: &StaffMember, number: &str) -> Result<crate::store::Managed, AppError> {
    let number = crate::domain::verification::normalize_number(number);
    let found = crate::auth::session::state()
        .store
        .managed_certificate(&number)
        .await
        .map_err(crate::error::internal("managed certificate"))?;
    // Another body's certificate is "not found", like a missing one.
    found.filter(|m| member.may_act_for(m.seal_id)).ok_or(AppError::NotFound)
}

/// 撤销 (`action` = "revoke") or 恢复 ("reinstate"), with a reason; both audited.
#[server(endpoint = "change_revocation")]
pub async fn change_revocation(number: String, action: String, reason: String) -> Result<ManagedCertificate, AppError> {
    use crate::auth::session::{fail_form, is_plain_form_post, require_staff, state};
    use crate::error::{internal, Field, Problem};
    use crate::store::Revocation;

    let member = require_staff().await?;
    let page = format!("/admin/certificates?number={}", crate::domain::verification::normalize_number(&number));
    let change = match action.as_str() {
        "revoke" => Revocation::Revoke,
        "reinstate" => Revocation::Reinstate,
        _ => return Err(AppError::Request),
    };
    let reason = reason.trim().to_string();
    let problem = if reason.is_empty() {
        Some(Problem::Required)
    } else if reason.chars().count() > REASON_MAX {
        Some(Problem::TooLong)
    } else {
        None
    };
    if let Some(problem) = problem {
        let err = AppError::field(Field::Reason, problem);
        return Err(fail_form(&page, REVOCATION_FORM, err, vec![("reason", reason)]).await);
    }
    let target = managed(&member, &number).await?;
    let today = crate::clock::today_shanghai();
    state().store.set_revocation(target.id, change, &reason, member.id, today).await.map_err(internal("revocation"))?;
    if is_plain_form_post() {
        leptos_axum::redirect(&page);
    }
    Ok(managed(&member, &number).await?.certificate)
}

/// The check of an uploaded file (kept since its upload): its name, the
/// report, and the batch once loaded.
/// `page` (from 0) of its problems and new rows.
#[server(endpoint = "import_preview")]
pub async fn import_preview(
    token: String,
    page: Option<usize>,
) -> Result<(String, ImportReport, Option<i64>), AppError> {
    use crate::auth::session::require_staff;
    let member = require_staff().await?;
    let (name, content, batch) = pending(&member, &token, "certificates").await?;
    let report = run_import(&member, &name, &content, false, page.unwrap_or(0)).await?;
    Ok((name, report, batch))
}

/// 导入: loads the kept file if every row is valid.
#[server(endpoint = "commit_import")]
pub async fn commit_import(token: String) -> Result<ImportReport, AppError> {
    use crate::auth::session::require_staff;
    let member = require_staff().await?;
    let (name, content, _) = pending(&member, &token, "certificates").await?;
    let report = run_import(&member, &name, &content, true, 0).await?;
    committed(&token, report.batch_id, "/admin/import").await?;
    Ok(report)
}

/// Whether the caller may open 账户导入 (administrators); anyone else
/// gets "not found", as for the page's reports.
#[server(endpoint = "account_import_allowed")]
pub async fn account_import_allowed() -> Result<(), AppError> {
    crate::auth::session::require_admin().await.map(|_| ())
}

/// 账户导入's check of an uploaded file (administrators only): `page`
/// (from 0) of its problems and new accounts.
#[server(endpoint = "account_import_preview")]
pub async fn account_import_preview(
    token: String,
    page: Option<usize>,
) -> Result<(String, ImportReport<AccountPreviewRow>, Option<i64>), AppError> {
    use crate::auth::session::require_admin;
    let member = require_admin().await?;
    let (name, content, batch) = pending(&member, &token, "accounts").await?;
    let report = run_account_import(&member, &name, &content, false, page.unwrap_or(0)).await?;
    Ok((name, report, batch))
}

/// 导入账户: loads the kept file if every row is valid.
#[server(endpoint = "commit_account_import")]
pub async fn commit_account_import(token: String) -> Result<ImportReport<AccountPreviewRow>, AppError> {
    use crate::auth::session::require_admin;
    let member = require_admin().await?;
    let (name, content, _) = pending(&member, &token, "accounts").await?;
    let report = run_account_import(&member, &name, &content, true, 0).await?;
    committed(&token, report.batch_id, "/admin/accounts/import").await?;
    Ok(report)
}

/// After a load: the kept upload remembers its batch, and a browser without
/// JavaScript goes back to the report at `page`/<token>.
#[cfg(feature = "ssr")]
async fn committed(token: &str, batch_id: Option<i64>, page: &str) -> Result<(), AppError> {
    use crate::auth::session::{is_plain_form_post, state};
    if let Some(batch) = batch_id {
        state()
            .store
            .mark_pending_import_loaded(token, batch)
            .await
            .map_err(crate::error::internal("pending import"))?;
    }
    if is_plain_form_post() {
        leptos_axum::redirect(&format!("{page}/{token}"));
    }
    Ok(())
}

/// A staff member's kept upload of this `kind`; anything else is not found.
#[cfg(feature = "ssr")]
async fn pending(member: &StaffMember, token: &str, kind: &str) -> Result<(String, Vec<u8>, Option<i64>), AppError> {
    crate::auth::session::state()
        .store
        .pending_import(member.id, token, kind)
        .await
        .map_err(crate::error::internal("pending import"))?
        .ok_or(AppError::NotFound)
}

/// Files checked at once: each check holds a file's valid rows in memory
/// (up to a few times the file, docs/import.md), so two 32 MB checks are
/// the most an instance takes on; a third is refused as busy.
#[cfg(feature = "ssr")]
static IMPORT_CHECKS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

#[cfg(feature = "ssr")]
fn import_check_slot() -> Result<tokio::sync::SemaphorePermit<'static>, AppError> {
    IMPORT_CHECKS.try_acquire().map_err(|_| AppError::Busy { retry_after_seconds: 10 })
}

#[cfg(feature = "ssr")]
async fn run_account_import(
    member: &StaffMember,
    file_name: &str,
    content: &[u8],
    commit: bool,
    page: usize,
) -> Result<ImportReport<AccountPreviewRow>, AppError> {
    use crate::service::import::{Format, Request};
    let _slot = import_check_slot()?;
    let state = crate::auth::session::state();
    // Administrators only: no seal limits an account import.
    let request = Request::web(member, file_name, commit);
    let format = Format::guess(file_name, content);
    crate::service::account_import::run(&state.store, state.generator.typeface(), content, format, &request, Some(page))
        .await
        .map_err(crate::error::internal("account import"))
}

#[cfg(feature = "ssr")]
pub async fn run_import(
    member: &StaffMember,
    file_name: &str,
    content: &[u8],
    commit: bool,
    page: usize,
) -> Result<ImportReport, AppError> {
    use crate::service::import::{Format, Request};
    let _slot = import_check_slot()?;
    let state = crate::auth::session::state();
    let request = Request::web(member, file_name, commit);
    let format = Format::guess(file_name, content);
    crate::service::import::run(&state.store, state.generator.typeface(), content, format, &request, Some(page))
        .await
        .map_err(crate::error::internal("import"))
}

/// 审计日志 (administrators only): one page, newest first.
#[server(endpoint = "audit_log")]
pub async fn audit_log(filter: AuditFilter, page: i64) -> Result<AuditPage, AppError> {
    use crate::auth::session::{require_admin, state};
    require_admin().await?;
    state().store.audit_page(&filter, page, AUDIT_PER_PAGE).await.map_err(crate::error::internal("audit page"))
}

#[server(endpoint = "staff_logout")]
pub async fn staff_logout() -> Result<(), AppError> {
    crate::auth::session::log_out().await?;
    leptos_axum::redirect("/admin/login");
    Ok(())
}

/// 印章密钥 (administrators): every seal's active and retired keys.
#[server(endpoint = "seal_keys")]
pub async fn seal_keys() -> Result<Vec<crate::domain::staff::SealKeyInfo>, AppError> {
    use crate::auth::session::{require_admin, state};
    use crate::error::internal;
    require_admin().await?;
    let state = state();
    let seals = state.store.seal_names().await.map_err(internal("seals"))?;
    let codes: Vec<&str> = seals.iter().map(|(code, _)| code.as_str()).collect();
    crate::signing::rotation::list(&state.settings.keys_dir, &codes).map_err(internal("key list"))
}

/// 更换密钥: a new key and certificate for the seal from the configured CA;
/// the old one is retired (copies it signed keep verifying).
#[server(endpoint = "rotate_seal_key")]
pub async fn rotate_seal_key(seal_code: String) -> Result<String, AppError> {
    use crate::auth::session::{client_addr, is_plain_form_post, require_admin, state};
    use crate::error::internal;
    use crate::service::keys::{change_seal_key, Actor, KeyChange, KeyChangeError};
    use crate::signing::KeyRing;

    let member = require_admin().await?;
    let _one_at_a_time = KEY_CHANGES.lock().await;
    let state = state();
    let addr = client_addr();
    let actor = Actor { staff_id: Some(member.id), client_addr: addr.as_deref(), via: "" };
    let fingerprint = change_seal_key(&state.store, &state.settings.keys_dir, &seal_code, KeyChange::Rotate, actor)
        .await
        .map_err(|e| match e {
            KeyChangeError::NoSuchSeal(_) => AppError::NotFound,
            other => internal("key rotation")(other),
        })?;
    // Copies made from now on are signed with the new key.
    let seals = state.store.seal_names().await.map_err(internal("seals"))?;
    let dir = state.settings.keys_dir.clone();
    let ring = tokio::task::spawn_blocking(move || KeyRing::load_or_create(&dir, &seals))
        .await
        .map_err(internal("key reload task"))?
        .map_err(internal("key reload"))?;
    state.generator.replace_keys(ring);
    if is_plain_form_post() {
        leptos_axum::redirect("/admin/keys");
    }
    Ok(fingerprint)
}

pub const SEAL_FORM: &str = "seal";
pub const QUALIFICATION_FORM: &str = "qualification";

/// 资格与印章 (administrators): the catalog.
#[server(endpoint = "catalog")]
pub async fn catalog(
) -> Result<(Vec<crate::domain::staff::SealEntry>, Vec<crate::domain::staff::QualificationEntry>), AppError> {
    use crate::auth::session::{require_admin, state};
    require_admin().await?;
    state().store.catalog().await.map_err(crate::error::internal("catalog"))
}

/// Checks a catalog text field: present, at most `max` characters, printable.
#[cfg(feature = "ssr")]
fn catalog_text(
    field: crate::error::Field,
    value: &str,
    max: usize,
    printable: bool,
    errors: &mut Vec<crate::error::FieldError>,
) {
    use crate::error::{FieldError, Problem};
    let problem = if value.trim().is_empty() {
        Some(Problem::Required)
    } else if value.chars().count() > max {
        Some(Problem::TooLong)
    } else if printable && !crate::auth::session::state().generator.typeface().missing_chars(value).is_empty() {
        Some(Problem::Unprintable)
    } else {
        None
    };
    if let Some(problem) = problem {
        errors.push(FieldError { field, problem });
    }
}

#[cfg(feature = "ssr")]
async fn catalog_audit(member: &StaffMember, code: &str, detail: &str) -> Result<(), AppError> {
    use crate::store::{AuditEntry, AuditEvent};
    let entry =
        AuditEntry { staff_id: Some(member.id), subject: Some(code), detail: Some(detail), ..Default::default() };
    crate::auth::session::state()
        .store
        .audit(AuditEvent::CatalogChanged, entry)
        .await
        .map_err(crate::error::internal("audit"))
}

/// Adds or edits a seal; a new one gets a key from the CA in keys_dir/ca when there is one.
#[server(endpoint = "save_seal")]
pub async fn save_seal(code: String, name: String, authority: String) -> Result<(), AppError> {
    use crate::auth::session::{fail_form, is_plain_form_post, require_admin, state};
    use crate::domain::staff::valid_code;
    use crate::error::{internal, Field, FieldError, Problem};
    use crate::store::NewSeal;

    let member = require_admin().await?;
    let code = code.trim().to_string();
    let mut errors = Vec::new();
    if !valid_code(&code) {
        errors.push(FieldError { field: Field::Code, problem: Problem::CodeFormat });
    }
    catalog_text(Field::Name, &name, 64, true, &mut errors);
    catalog_text(Field::Authority, &authority, 64, true, &mut errors);
    if !errors.is_empty() {
        let values = vec![("code", code), ("name", name), ("authority", authority)];
        return Err(fail_form("/admin/catalog", SEAL_FORM, AppError::Invalid(errors), values).await);
    }
    let state = state();
    let (name, authority) = (name.trim().to_string(), authority.trim().to_string());
    state
        .store
        .upsert_seal(&NewSeal { code: &code, name: &name, authority: &authority })
        .await
        .map_err(internal("seal"))?;
    catalog_audit(&member, &code, &format!("seal {name} / {authority}")).await?;
    // Every seal needs a key: a new one is issued by the CA on disk, if it
    // is there. The portal never creates a CA: without one, the operator
    // installs the seal's key (server keys install).
    let dir = state.settings.keys_dir.clone();
    if !dir.join("ca").join("root.key.pem").exists() {
        tracing::warn!(seal = code, "no CA key to issue the seal's key with: install one (server keys install)");
        if is_plain_form_post() {
            leptos_axum::redirect("/admin/catalog");
        }
        return Ok(());
    }
    let _one_at_a_time = KEY_CHANGES.lock().await;
    let seals = state.store.seal_names().await.map_err(internal("seals"))?;
    let reloaded = tokio::task::spawn_blocking(move || crate::signing::KeyRing::load_or_create(&dir, &seals))
        .await
        .map_err(internal("key reload task"))?;
    match reloaded {
        Ok(ring) => state.generator.replace_keys(ring),
        Err(e) => tracing::warn!(error = %e, seal = code, "the seal has no key yet: install one (server keys install)"),
    }
    if is_plain_form_post() {
        leptos_axum::redirect("/admin/catalog");
    }
    Ok(())
}

/// Adds or edits a qualification (code, names, the seal it is issued under).
#[server(endpoint = "save_qualification")]
pub async fn save_qualification(
    code: String,
    name_zh: String,
    name_en: String,
    seal_code: String,
    /// One per line; empty: any.
    #[server(default)]
    specialties: String,
) -> Result<(), AppError> {
    use crate::auth::session::{fail_form, is_plain_form_post, require_admin, state};
    use crate::domain::staff::valid_code;
    use crate::error::{internal, Field, FieldError, Problem};
    use crate::store::NewQualification;

    let member = require_admin().await?;
    let state = state();
    let code = code.trim().to_string();
    let mut errors = Vec::new();
    if !valid_code(&code) {
        errors.push(FieldError { field: Field::Code, problem: Problem::CodeFormat });
    }
    catalog_text(Field::Name, &name_zh, 64, true, &mut errors);
    catalog_text(Field::NameEn, &name_en, 128, false, &mut errors);
    if state.store.seal_id(seal_code.trim()).await.map_err(internal("seal"))?.is_none() {
        errors.push(FieldError { field: Field::SealCode, problem: Problem::UnknownSeal });
    }
    let listed: Vec<String> =
        specialties.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect();
    for s in &listed {
        catalog_text(Field::Specialties, s, 64, true, &mut errors);
    }
    if !errors.is_empty() {
        let values = vec![
            ("code", code),
            ("name_zh", name_zh),
            ("name_en", name_en),
            ("seal_code", seal_code),
            ("specialties", specialties),
        ];
        return Err(fail_form("/admin/catalog", QUALIFICATION_FORM, AppError::Invalid(errors), values).await);
    }
    let q = NewQualification {
        code: &code,
        name_zh: name_zh.trim(),
        name_en: name_en.trim(),
        seal_code: seal_code.trim(),
        specialties: &listed,
    };
    state.store.upsert_qualification(&q).await.map_err(internal("qualification"))?;
    catalog_audit(&member, &code, &format!("qualification {} / {} under {}", q.name_zh, q.name_en, q.seal_code))
        .await?;
    if is_plain_form_post() {
        leptos_axum::redirect("/admin/catalog");
    }
    Ok(())
}
