//! Passwords and session epochs of both kinds of account. A session is
//! honoured only while its account keeps the epoch it signed in with, so
//! moving the epoch on ends every other session at once (see `auth::session`).

use crate::domain::account::Account;

use super::{Result, Store};

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
    /// The account's current session epoch; `None` if the account is gone.
    pub async fn session_epoch(&self, account: Account) -> Result<Option<i64>> {
        let (table, id) = table(account);
        Ok(sqlx::query_scalar(&format!("SELECT session_epoch FROM {table} WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn credentials(&self, account: Account) -> Result<Option<Credentials>> {
        let (table, id) = table(account);
        Ok(sqlx::query_as(&format!("SELECT username, password_hash FROM {table} WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Stores a new password hash and ends every session (the new epoch is
    /// returned for the session that made the change).
    pub async fn set_password(&self, account: Account, password_hash: &str) -> Result<i64> {
        let (table, id) = table(account);
        Ok(sqlx::query_scalar(&format!(
            "UPDATE {table} SET password_hash = ?, session_epoch = session_epoch + 1 WHERE id = ? RETURNING session_epoch"
        ))
        .bind(password_hash)
        .bind(id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Ends every session of the account; returns the new epoch.
    pub async fn end_sessions(&self, account: Account) -> Result<i64> {
        let (table, id) = table(account);
        Ok(sqlx::query_scalar(&format!(
            "UPDATE {table} SET session_epoch = session_epoch + 1 WHERE id = ? RETURNING session_epoch"
        ))
        .bind(id)
        .fetch_one(&self.pool)
        .await?)
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
        assert_eq!(store.set_password(account, "$argon2id$new").await.unwrap(), 1);
        let creds = store.credentials(account).await.unwrap().unwrap();
        assert_eq!((creds.username.as_str(), creds.password_hash.as_str()), ("zhangsan", "$argon2id$new"));
        assert_eq!(store.end_sessions(account).await.unwrap(), 2);
        assert_eq!(store.session_epoch(account).await.unwrap(), Some(2));
        assert_eq!(store.session_epoch(Account::Staff(id)).await.unwrap(), None);
        assert_eq!(store.session_epoch(Account::Holder(id + 1)).await.unwrap(), None);
    }
}
