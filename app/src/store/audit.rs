//! The audit log: one row per security-relevant event, kept for issuers and
//! for the holder's own history.

use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

use super::{Result, Store, StoreError};

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
    /// 撤回加注 (subject: the endorsement number).
    EndorsementCancelled,
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
    /// A batch of platform accounts loaded (subject: the batch id).
    AccountsImported,
    /// An imported password hash replaced by ecert's Argon2id at sign-in
    /// (detail: the imported format).
    PasswordUpgraded,
    /// 使用报名服务平台账号登录 refused (detail: why).
    PlatformLoginRefused,
    /// A holder account linked to a platform identity (detail: the issuer).
    PlatformLinked,
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
            AuditEvent::EndorsementCancelled => "endorsement_cancelled",
            AuditEvent::EndorsementReady => "endorsement_ready",
            AuditEvent::EndorsementFailed => "endorsement_failed",
            AuditEvent::EndorsementViewed => "endorsement_viewed",
            AuditEvent::EndorsementDownloaded => "endorsement_downloaded",
            AuditEvent::CertificateDownloaded => "certificate_downloaded",
            AuditEvent::FileRefused => "file_refused",
            AuditEvent::Verification => "verification",
            AuditEvent::CertificatesImported => "certificates_imported",
            AuditEvent::AccountsImported => "accounts_imported",
            AuditEvent::PasswordUpgraded => "password_upgraded",
            AuditEvent::PlatformLoginRefused => "platform_login_refused",
            AuditEvent::PlatformLinked => "platform_linked",
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

/// An entry waiting for the audit writer, owned so that it can wait.
struct Queued {
    at: i64,
    event: AuditEvent,
    holder_id: Option<i64>,
    staff_id: Option<i64>,
    subject: Option<String>,
    client_addr: Option<String>,
    detail: Option<String>,
    done: oneshot::Sender<std::result::Result<(), String>>,
}

/// Group commit for entries written on their own (a download, a refusal, a
/// login): one writer takes every entry waiting and writes them in one
/// transaction, so under load many requests share one commit instead of
/// each taking SQLite's write lock. Each caller still waits until its entry
/// is committed: nothing is answered before its audit entry is stored.
#[derive(Clone, Debug)]
pub(super) struct AuditWriter(mpsc::UnboundedSender<Queued>);

/// Entries written together at most (a bound on one transaction's length).
const BATCH: usize = 256;

impl AuditWriter {
    pub(super) fn start(pool: AnyPool) -> AuditWriter {
        let (sender, mut queue) = mpsc::unbounded_channel::<Queued>();
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(BATCH);
            while queue.recv_many(&mut batch, BATCH).await > 0 {
                match write_batch(&pool, &batch).await {
                    Ok(()) => answer(&mut batch, Ok(())),
                    // A constraint refused an entry: the others must not fail with it.
                    Err(StoreError::Database(sqlx::Error::Database(e)))
                        if e.kind() != sqlx::error::ErrorKind::Other =>
                    {
                        for entry in batch.drain(..) {
                            let written =
                                write_batch(&pool, std::slice::from_ref(&entry)).await.map_err(|e| e.to_string());
                            let _ = entry.done.send(written);
                        }
                    }
                    // The database itself failed (busy, I/O): the same for every entry.
                    Err(e) => answer(&mut batch, Err(e.to_string())),
                }
            }
        });
        AuditWriter(sender)
    }
}

fn answer(batch: &mut Vec<Queued>, result: std::result::Result<(), String>) {
    for entry in batch.drain(..) {
        let _ = entry.done.send(result.clone());
    }
}

async fn write_batch(pool: &AnyPool, batch: &[Queued]) -> Result<()> {
    let mut tx = pool.begin().await?;
    for q in batch {
        let entry = AuditEntry {
            holder_id: q.holder_id,
            staff_id: q.staff_id,
            subject: q.subject.as_deref(),
            client_addr: q.client_addr.as_deref(),
            detail: q.detail.as_deref(),
        };
        insert(&mut *tx, q.event, &entry, q.at).await?;
    }
    tx.commit().await?;
    Ok(())
}

impl Store {
    /// Writes one entry (through the group-commit writer) and returns once it is committed.
    pub async fn audit(&self, event: AuditEvent, entry: AuditEntry<'_>) -> Result<()> {
        let at = crate::clock::now_unix();
        let (done, committed) = oneshot::channel();
        let queued = Queued {
            at,
            event,
            holder_id: entry.holder_id,
            staff_id: entry.staff_id,
            subject: entry.subject.map(str::to_string),
            client_addr: entry.client_addr.map(str::to_string),
            detail: entry.detail.map(str::to_string),
            done,
        };
        // The writer is gone only when its runtime is shutting down: write directly.
        if self.audit_writer.0.send(queued).is_err() {
            return insert(&self.pool, event, &entry, at).await;
        }
        match committed.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(reason)) => Err(StoreError::Audit(reason)),
            Err(_) => Err(StoreError::Audit("the audit writer stopped".into())),
        }
    }

    /// Event codes of the newest entries first; for tests and the admin view.
    pub async fn recent_audit_events(&self, limit: i64) -> Result<Vec<(String, Option<i64>, Option<String>)>> {
        Ok(sqlx::query_as("SELECT event, holder_id, subject FROM audit_log ORDER BY id DESC LIMIT $1")
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }
}

/// Writes one entry, inside the caller's transaction if it has one.
pub(super) async fn insert<'e, E>(executor: E, event: AuditEvent, entry: &AuditEntry<'_>, at: i64) -> Result<()>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO audit_log (at, event, holder_id, staff_id, subject, client_addr, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::temp_store;

    async fn count(store: &Store) -> i64 {
        sqlx::query_scalar("SELECT COUNT(DISTINCT subject) FROM audit_log").fetch_one(store.pool()).await.unwrap()
    }

    #[tokio::test]
    async fn concurrent_entries_are_each_committed_before_the_call_returns() {
        let (store, _dir) = temp_store().await;
        let calls = (0..300).map(|n| {
            let store = store.clone();
            async move {
                let subject = n.to_string();
                let entry = AuditEntry { subject: Some(&subject), ..Default::default() };
                store.audit(AuditEvent::Verification, entry).await
            }
        });
        for written in futures::future::join_all(calls).await {
            written.unwrap();
        }
        assert_eq!(count(&store).await, 300);
    }

    #[tokio::test]
    async fn a_bad_entry_fails_alone() {
        let (store, _dir) = temp_store().await;
        // No holder 999999: the foreign key refuses this entry.
        let calls = (0..50).map(|n| {
            let store = store.clone();
            async move {
                let subject = n.to_string();
                let holder_id = (n == 7).then_some(999_999);
                store
                    .audit(
                        AuditEvent::Verification,
                        AuditEntry { holder_id, subject: Some(&subject), ..Default::default() },
                    )
                    .await
            }
        });
        let results = futures::future::join_all(calls).await;
        assert!(matches!(results[7], Err(StoreError::Audit(_))));
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 49);
        assert_eq!(count(&store).await, 49);
    }
}
