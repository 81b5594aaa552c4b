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

pub const REVOCATION_FORM: &str = "revocation";
/// Longest reason kept with a revocation.
pub const REASON_MAX: usize = 200;
pub const AUDIT_PER_PAGE: i64 = 50;

#[server(endpoint = "staff_login")]
pub async fn staff_login(username: String, password: String) -> Result<(), AppError> {
    use crate::auth::session::{client_addr, fail_form, sign_in, state};
    use crate::domain::account::normalize_username;

    let state = state();
    let name = normalize_username(&username);
    let limit = state.throttle.login(&crate::auth::throttle::staff_login_key(&name), crate::auth::session::client_ip());
    if let Err(e) = crate::auth::session::throttled(limit, &name.chars().take(64).collect::<String>()).await {
        return Err(fail_form("/admin/login", STAFF_LOGIN_FORM, e, vec![("username", username)]).await);
    }
    let addr = client_addr();
    let Some(member) = crate::service::portal::sign_in(&state, &name, password, addr.as_deref()).await? else {
        let values = vec![("username", username)];
        return Err(fail_form("/admin/login", STAFF_LOGIN_FORM, AppError::InvalidCredentials, values).await);
    };
    sign_in(crate::domain::account::Account::Staff(member.id), member.epoch).await?;
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
    let counts = crate::service::portal::counts(&state(), &member).await?;
    Ok((member, counts))
}

/// One certificate by number, if this staff member may act on it.
#[server(endpoint = "admin_certificate")]
pub async fn admin_certificate(number: String) -> Result<ManagedCertificate, AppError> {
    use crate::auth::session::{require_staff, state};
    let member = require_staff().await?;
    crate::service::portal::certificate(&state(), &member, &number).await
}

/// 撤销 (`action` = "revoke") or 恢复 ("reinstate"), with a reason; both audited.
#[server(endpoint = "change_revocation")]
pub async fn change_revocation(number: String, action: String, reason: String) -> Result<ManagedCertificate, AppError> {
    use crate::auth::session::{fail_form, is_plain_form_post, require_staff, state};
    use crate::domain::staff::Revocation;

    let member = require_staff().await?;
    let page = format!("/admin/certificates?number={}", crate::domain::verification::normalize_number(&number));
    let change = Revocation::from_action(&action).ok_or(AppError::Request)?;
    let reason = reason.trim().to_string();
    let changed = crate::service::portal::change_revocation(&state(), &member, &number, change, &reason).await?;
    let certificate = match changed {
        Ok(certificate) => certificate,
        Err(e) => return Err(fail_form(&page, REVOCATION_FORM, e, vec![("reason", reason)]).await),
    };
    if is_plain_form_post() {
        leptos_axum::redirect(&page);
    }
    Ok(certificate)
}

/// The check of an uploaded file (kept since its upload): its name, the
/// report, and the batch once loaded.
/// `page` (from 0) of its problems and new rows.
#[server(endpoint = "import_preview")]
pub async fn import_preview(
    token: String,
    page: Option<usize>,
) -> Result<(String, ImportReport, Option<i64>), AppError> {
    use crate::auth::session::{require_staff, state};
    let member = require_staff().await?;
    let (upload, report) =
        crate::service::portal::check_certificates(&state(), &member, &token, false, page.unwrap_or(0)).await?;
    Ok((upload.file_name, report, upload.batch_id))
}

/// 导入: loads the kept file if every row is valid.
#[server(endpoint = "commit_import")]
pub async fn commit_import(token: String) -> Result<ImportReport, AppError> {
    use crate::auth::session::{require_staff, state};
    let member = require_staff().await?;
    let (_, report) = crate::service::portal::check_certificates(&state(), &member, &token, true, 0).await?;
    back_to_report("/admin/import", &token);
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
    use crate::auth::session::{require_admin, state};
    let member = require_admin().await?;
    let (upload, report) =
        crate::service::portal::check_accounts(&state(), &member, &token, false, page.unwrap_or(0)).await?;
    Ok((upload.file_name, report, upload.batch_id))
}

/// 导入账户: loads the kept file if every row is valid.
#[server(endpoint = "commit_account_import")]
pub async fn commit_account_import(token: String) -> Result<ImportReport<AccountPreviewRow>, AppError> {
    use crate::auth::session::{require_admin, state};
    let member = require_admin().await?;
    let (_, report) = crate::service::portal::check_accounts(&state(), &member, &token, true, 0).await?;
    back_to_report("/admin/accounts/import", &token);
    Ok(report)
}

/// After a load posted without JavaScript: back to the report at `page`/<token>.
#[cfg(feature = "ssr")]
fn back_to_report(page: &str, token: &str) {
    if crate::auth::session::is_plain_form_post() {
        leptos_axum::redirect(&format!("{page}/{token}"));
    }
}

/// 审计日志 (administrators only): one page, newest first.
#[server(endpoint = "audit_log")]
pub async fn audit_log(filter: AuditFilter, page: i64) -> Result<AuditPage, AppError> {
    use crate::auth::session::{require_admin, state};
    require_admin().await?;
    crate::service::portal::audit_page(&state(), &filter, page, AUDIT_PER_PAGE).await
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
    require_admin().await?;
    crate::service::keys::list(&state()).await
}

/// 更换密钥: a new key and certificate for the seal from the configured CA;
/// the old one is retired (copies it signed keep verifying).
#[server(endpoint = "rotate_seal_key")]
pub async fn rotate_seal_key(seal_code: String) -> Result<String, AppError> {
    use crate::auth::session::{client_addr, is_plain_form_post, require_admin, state};
    use crate::service::keys::{rotate_and_switch, Actor};

    let member = require_admin().await?;
    let addr = client_addr();
    let actor = Actor { staff_id: Some(member.id), client_addr: addr.as_deref(), via: "" };
    let fingerprint = rotate_and_switch(&state(), &seal_code, actor).await?;
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
    crate::service::portal::catalog(&state()).await
}

/// Adds or edits a seal; a new one gets a key from the CA in keys_dir/ca when there is one.
#[server(endpoint = "save_seal")]
pub async fn save_seal(code: String, name: String, authority: String) -> Result<(), AppError> {
    use crate::auth::session::{fail_form, is_plain_form_post, require_admin, state};
    use crate::service::portal::SealForm;

    let member = require_admin().await?;
    let code = code.trim().to_string();
    let form = SealForm { code: &code, name: &name, authority: &authority };
    if let Err(e) = crate::service::portal::save_seal(&state(), &member, form).await? {
        let values = vec![("code", code), ("name", name), ("authority", authority)];
        return Err(fail_form("/admin/catalog", SEAL_FORM, e, values).await);
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
    use crate::service::portal::QualificationForm;

    let member = require_admin().await?;
    let code = code.trim().to_string();
    let form =
        QualificationForm { code: &code, name_zh: &name_zh, name_en: &name_en, seal_code: &seal_code, specialties: &specialties };
    if let Err(e) = crate::service::portal::save_qualification(&state(), &member, form).await? {
        let values = vec![
            ("code", code),
            ("name_zh", name_zh),
            ("name_en", name_en),
            ("seal_code", seal_code),
            ("specialties", specialties),
        ];
        return Err(fail_form("/admin/catalog", QUALIFICATION_FORM, e, values).await);
    }
    if is_plain_form_post() {
        leptos_axum::redirect("/admin/catalog");
    }
    Ok(())
}
