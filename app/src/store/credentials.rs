//! Passwords and session epochs of both kinds of account. A session is
//! honoured only while its account keeps the epoch it signed in with, so
//! moving the epoch on ends every other session at once (see `auth::session`).

use crate::domain::instant::Instant;
use crate::domain::account::{Account, SignInEvent, SignInKind};

use super::{AuditEntry, AuditEvent, Result, Store};

fn table(account: Account) -> (&'static str, i64) {
    match account {
        Account::Holder(id) => ("holders", id),
        Account::Staff(id) => ("staff", id),
    }
}

/// What a password check needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Credentials {
    pub username: String,
    pub password_hash: String,
}

impl Store {
    /// The account's latest sign-ins, failed ones (filed under its username)
    /// included, password changes and 退出其他设备; newest first.
    pub async fn recent_sign_ins(&self, account: Account, username: &str, limit: i64) -> Result<Vec<SignInEvent>> {
        let (column, id, prefix) = match account {
            Account::Holder(id) => ("holder_id", id, ""),
            Account::Staff(id) => ("staff_id", id, "staff_"),
        };
        let rows: Vec<(i64, String, Option<String>)> = sqlx::query_as(&format!(
            "SELECT at, event, client_addr FROM (
                 SELECT id, at, event, client_addr FROM audit_log
                  WHERE {column} = $1 AND event IN ('{prefix}login_succeeded', 'password_changed', 'sessions_ended')
                 UNION ALL
                 SELECT id, at, event, client_addr FROM audit_log
                  WHERE subject = $2 AND event = '{prefix}login_failed'
             ) AS events ORDER BY id DESC LIMIT $3"
        ))
        .bind(id)
        .bind(username)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(at, event, client_addr)| SignInEvent {
                at: Instant(at),
                kind: match event.trim_start_matches("staff_") {
                    "login_succeeded" => SignInKind::SignedIn,
                    "password_changed" => SignInKind::PasswordChanged,
                    "sessions_ended" => SignInKind::OtherSessionsEnded,
                    _ => SignInKind::Failed,
                },
                client_addr,
            })
            .collect())
    }

    /// The account's current session epoch; `None` if the account is gone.
    pub async fn session_epoch(&self, account: Account) -> Result<Option<i64>> {
        let (table, id) = table(account);
        Ok(sqlx::query_scalar(&format!("SELECT session_epoch FROM {table} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// A holder's session epoch and whether they accepted `terms_version`
    /// (`None`: no such holder), in one query: every holder request needs both.
    pub async fn holder_gate(&self, holder_id: i64, terms_version: &str) -> Result<Option<(i64, bool)>> {
        let row: Option<(i64, i64)> = sqlx::query_as(
            "SELECT h.session_epoch,
                    CASE WHEN EXISTS (SELECT 1 FROM terms_acceptances t WHERE t.holder_id = h.id AND t.version = $1)
                         THEN 1 ELSE 0 END
             FROM holders h WHERE h.id = $2",
        )
        .bind(terms_version)
        .bind(holder_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(epoch, accepted)| (epoch, accepted == 1)))
    }

    pub async fn credentials(&self, account: Account) -> Result<Option<Credentials>> {
        let (table, id) = table(account);
        Ok(sqlx::query_as(&format!("SELECT username, password_hash FROM {table} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Stores a new password hash, ends every session of the account and
    /// writes the `password_changed` entry, in one transaction — provided the
    /// account still has the epoch of the asking session and the hash that was
    /// verified (else `None`: a concurrent change or 退出其他设备 won, and the
    /// asking session is itself no longer valid). Returns the new epoch.
    pub async fn set_password(
        &self,
        account: Account,
        expected_epoch: i64,
        verified_hash: &str,
        new_hash: &str,
        audit: &AuditEntry<'_>,
    ) -> Result<Option<i64>> {
        let (table, id) = table(account);
        let mut tx = self.pool.begin().await?;
        let epoch: Option<i64> = sqlx::query_scalar(&format!(
            "UPDATE {table} SET password_hash = $1, session_epoch = session_epoch + 1
             WHERE id = $2 AND session_epoch = $3 AND password_hash = $4 RETURNING session_epoch"
        ))
        .bind(new_hash)
        .bind(id)
        .bind(expected_epoch)
        .bind(verified_hash)
        .fetch_optional(&mut *tx)
        .await?;
        if epoch.is_some() {
            super::audit::insert(&mut *tx, AuditEvent::PasswordChanged, audit, crate::clock::now_unix()).await?;
            tx.commit().await?;
        }
        Ok(epoch)
    }

    /// Ends every session of the account and writes the `sessions_ended`
    /// entry, if it still has `expected_epoch` (see [`Store::set_password`]).
    pub async fn end_sessions(
        &self,
        account: Account,
        expected_epoch: i64,
        audit: &AuditEntry<'_>,
    ) -> Result<Option<i64>> {
        let (table, id) = table(account);
        let mut tx = self.pool.begin().await?;
        let epoch: Option<i64> = sqlx::query_scalar(&format!(
            "UPDATE {table} SET session_epoch = session_epoch + 1 WHERE id = $1 AND session_epoch = $2 RETURNING session_epoch"
        ))
        .bind(id)
        .bind(expected_epoch)
        .fetch_optional(&mut *tx)
        .await?;
        if epoch.is_some() {
            super::audit::insert(&mut *tx, AuditEvent::SessionsEnded, audit, crate::clock::now_unix()).await?;
            tx.commit().await?;
        }
        Ok(epoch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::{holder, temp_store};

    #[tokio::test]
    async fn password_and_ending_sessions_move_the_epoch_on() {
        let (store, _dir) = temp_store().await;
        let id = holder(&store, "zhangsan", "110101199003070014").await;
        let account = Account::Holder(id);
        assert_eq!(store.session_epoch(account).await.unwrap(), Some(0));
        let entry = AuditEntry::by(account);
        let old = "$argon2id$placeholder";
        assert_eq!(store.set_password(account, 0, old, "$argon2id$new", &entry).await.unwrap(), Some(1));
        let creds = store.credentials(account).await.unwrap().unwrap();
        assert_eq!((creds.username.as_str(), creds.password_hash.as_str()), ("zhangsan", "$argon2id$new"));
        // A change that raced another: an old epoch or an old hash changes nothing.
        assert_eq!(store.set_password(account, 0, "$argon2id$new", "$argon2id$x", &entry).await.unwrap(), None);
        assert_eq!(store.set_password(account, 1, old, "$argon2id$x", &entry).await.unwrap(), None);
        assert_eq!(store.end_sessions(account, 0, &entry).await.unwrap(), None);
        assert_eq!(store.end_sessions(account, 1, &entry).await.unwrap(), Some(2));
        assert_eq!(store.session_epoch(account).await.unwrap(), Some(2));
        let events: Vec<String> = store.recent_audit_events(5).await.unwrap().into_iter().map(|e| e.0).collect();
        assert_eq!(events, ["sessions_ended", "password_changed"], "audited once each, with the change");

        // The account's history: its own events and failed logins under its name, not others'.
        let failed = |name| AuditEntry { subject: Some(name), client_addr: Some("198.51.100.7"), ..Default::default() };
        store.audit(AuditEvent::LoginFailed, failed("zhangsan")).await.unwrap();
        store.audit(AuditEvent::LoginFailed, failed("lisi")).await.unwrap();
        store.audit(AuditEvent::StaffLoginFailed, failed("zhangsan")).await.unwrap();
        store.audit(AuditEvent::LoginSucceeded, AuditEntry::by(account)).await.unwrap();
        let kinds: Vec<SignInKind> =
            store.recent_sign_ins(account, "zhangsan", 10).await.unwrap().into_iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [SignInKind::SignedIn, SignInKind::Failed, SignInKind::OtherSessionsEnded, SignInKind::PasswordChanged]
        );
        assert_eq!(store.recent_sign_ins(account, "zhangsan", 1).await.unwrap().len(), 1);
        assert_eq!(store.session_epoch(Account::Staff(id)).await.unwrap(), None);
        assert_eq!(store.session_epoch(Account::Holder(id + 1)).await.unwrap(), None);
    }
}
