//! The audit log: one row per security-relevant event, kept for issuers and
//! for the holder's own history.

use super::{now_unix, Result, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditEvent {
    Register,
    LoginSucceeded,
    LoginFailed,
    Logout,
    TermsAccepted,
    EndorsementApplied,
    EndorsementRefused,
    EndorsementRetried,
    EndorsementReady,
    EndorsementFailed,
    EndorsementViewed,
    EndorsementDownloaded,
    CertificateDownloaded,
    /// A view/download refused: not found, not ready, expired, revoked.
    FileRefused,
    /// A public check (证书查验); details in the verifications table.
    Verification,
    /// A batch of certificates loaded (subject: the batch id).
    CertificatesImported,
    CertificateRevoked,
    /// A revocation undone.
    CertificateReinstated,
    StaffCreated,
    StaffLoginSucceeded,
    StaffLoginFailed,
    /// A seal's key rotated or installed (subject: the seal code).
    SealKeyChanged,
    /// A seal or qualification added or edited (subject: its code).
    CatalogChanged,
    /// A state-changing request from another site (subject: the path).
    CrossSiteRefused,
    /// A login or registration refused for coming too often (subject: the username, if any).
    Throttled,
    /// A password changed (every other session of the account ended).
    PasswordChanged,
    /// 退出其他设备: every other session of the account ended.
    SessionsEnded,
    /// A request for something the caller may not see or do: answered "not
    /// found" or "sign in" (subject: the path).
    AccessRefused,
}

impl AuditEvent {
    pub fn code(self) -> &'static str {
        match self {
            AuditEvent::Register => "register",
            AuditEvent::LoginSucceeded => "login_succeeded",
            AuditEvent::LoginFailed => "login_failed",
            AuditEvent::Logout => "logout",
            AuditEvent::TermsAccepted => "terms_accepted",
            AuditEvent::EndorsementApplied => "endorsement_applied",
            AuditEvent::EndorsementRefused => "endorsement_refused",
            AuditEvent::EndorsementRetried => "endorsement_retried",
            AuditEvent::EndorsementReady => "endorsement_ready",
            AuditEvent::EndorsementFailed => "endorsement_failed",
            AuditEvent::EndorsementViewed => "endorsement_viewed",
            AuditEvent::EndorsementDownloaded => "endorsement_downloaded",
            AuditEvent::CertificateDownloaded => "certificate_downloaded",
            AuditEvent::FileRefused => "file_refused",
            AuditEvent::Verification => "verification",
            AuditEvent::CertificatesImported => "certificates_imported",
            AuditEvent::CertificateRevoked => "certificate_revoked",
            AuditEvent::CertificateReinstated => "certificate_reinstated",
            AuditEvent::StaffCreated => "staff_created",
            AuditEvent::StaffLoginSucceeded => "staff_login_succeeded",
            AuditEvent::StaffLoginFailed => "staff_login_failed",
            AuditEvent::SealKeyChanged => "seal_key_changed",
            AuditEvent::PasswordChanged => "password_changed",
            AuditEvent::SessionsEnded => "sessions_ended",
            AuditEvent::AccessRefused => "access_refused",
            AuditEvent::CatalogChanged => "catalog_changed",
            AuditEvent::CrossSiteRefused => "cross_site_refused",
            AuditEvent::Throttled => "throttled",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct AuditEntry<'a> {
    pub holder_id: Option<i64>,
    /// The administrator or issuer who acted.
    pub staff_id: Option<i64>,
    pub subject: Option<&'a str>,
    pub client_addr: Option<&'a str>,
    pub detail: Option<&'a str>,
}

impl AuditEntry<'_> {
    /// An entry whose actor is `account`.
    pub fn by(account: crate::domain::account::Account) -> Self {
        use crate::domain::account::Account;
        match account {
            Account::Holder(id) => AuditEntry { holder_id: Some(id), ..Default::default() },
            Account::Staff(id) => AuditEntry { staff_id: Some(id), ..Default::default() },
        }
    }
}

impl Store {
    pub async fn audit(&self, event: AuditEvent, entry: AuditEntry<'_>) -> Result<()> {
        insert(&self.pool, event, &entry, now_unix()).await
    }

    /// Event codes of the newest entries first; for tests and the admin view.
    pub async fn recent_audit_events(&self, limit: i64) -> Result<Vec<(String, Option<i64>, Option<String>)>> {
        Ok(sqlx::query_as("SELECT event, holder_id, subject FROM audit_log ORDER BY id DESC LIMIT ?")
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }
}

/// Writes one entry, inside the caller's transaction if it has one.
pub(super) async fn insert<'e, E>(executor: E, event: AuditEvent, entry: &AuditEntry<'_>, at: i64) -> Result<()>
where
    E: sqlx::Executor<'e, Database = sqlx::Sqlite>,
{
    sqlx::query(
        "INSERT INTO audit_log (at, event, holder_id, staff_id, subject, client_addr, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(at)
    .bind(event.code())
    .bind(entry.holder_id)
    .bind(entry.staff_id)
        .bind(entry.subject)
        .bind(entry.client_addr)
        .bind(entry.detail)
        .execute(executor)
        .await?;
    Ok(())
}
