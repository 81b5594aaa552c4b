//! Holder accounts and the identity document each is bound to.

use crate::domain::id_document::IdType;

use super::{is_unique_violation, AuditEntry, AuditEvent, Result, Store, StoreError};

pub struct NewHolder<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub real_name: &'a str,
    pub id_type: IdType,
    pub id_number: &'a str,
    pub phone: Option<&'a str>,
    pub email: Option<&'a str>,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateHolderError {
    #[error("username taken")]
    UsernameTaken,
    #[error("identity document already registered")]
    IdAlreadyRegistered,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<CreateHolderError> for StoreError {
    fn from(err: CreateHolderError) -> StoreError {
        match err {
            CreateHolderError::Store(e) => e,
            conflict => StoreError::Conflict(conflict.to_string()),
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HolderLogin {
    pub id: i64,
    pub password_hash: String,
    /// Read with the hash: a session signed in with this password gets this
    /// epoch, so a change made while the password was being verified ends it.
    pub session_epoch: i64,
    /// 1 while `password_hash` is the one an account import brought.
    pub password_imported: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HolderProfile {
    pub id: i64,
    pub username: String,
    pub real_name: String,
}

impl Store {
    /// Creates the account and binds it to its identity document, which may
    /// already exist because certificates were loaded for it first.
    pub async fn create_holder(&self, h: &NewHolder<'_>) -> std::result::Result<i64, CreateHolderError> {
        let mut tx = self.pool.begin().await.map_err(StoreError::from)?;
        let doc_id = super::id_documents::upsert(&mut tx, h.id_type, h.id_number).await.map_err(StoreError::from)?;
        let inserted = sqlx::query_scalar(
            "INSERT INTO holders (username, password_hash, real_name, id_document_id, phone, email, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(h.username)
        .bind(h.password_hash)
        .bind(h.real_name)
        .bind(doc_id)
        .bind(h.phone)
        .bind(h.email)
        .bind(crate::clock::now_unix())
        .fetch_one(&mut *tx)
        .await;
        let id = match inserted {
            Ok(id) => id,
            Err(err) => {
                return Err(match is_unique_violation(&err) {
                    Some(msg) if msg.contains("username") => CreateHolderError::UsernameTaken,
                    Some(_) => CreateHolderError::IdAlreadyRegistered,
                    None => StoreError::from(err).into(),
                })
            }
        };
        tx.commit().await.map_err(StoreError::from)?;
        Ok(id)
    }

    pub async fn username_exists(&self, username: &str) -> Result<bool> {
        Ok(sqlx::query_scalar::<_, i64>(
            "SELECT CASE WHEN EXISTS (SELECT 1 FROM holders WHERE username = $1) THEN 1 ELSE 0 END",
        )
        .bind(username)
        .fetch_one(&self.pool)
        .await?
            == 1)
    }

    pub async fn id_document_registered(&self, id_type: IdType, id_number: &str) -> Result<bool> {
        Ok(sqlx::query_scalar::<_, i64>(
            "SELECT CASE WHEN EXISTS (SELECT 1 FROM holders h JOIN id_documents d ON d.id = h.id_document_id
                            WHERE d.id_type = $1 AND d.id_number = $2) THEN 1 ELSE 0 END",
        )
        .bind(id_type.code())
        .bind(id_number)
        .fetch_one(&self.pool)
        .await?
            == 1)
    }

    pub async fn holder_login(&self, username: &str) -> Result<Option<HolderLogin>> {
        Ok(sqlx::query_as(
            "SELECT id, password_hash, session_epoch, password_imported FROM holders WHERE username = $1",
        )
            .bind(username)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Replaces an imported hash, just matched at sign-in, with ecert's
    /// own, and audits it (`password_upgraded`, detail: the old format).
    /// Only if the stored hash is still `imported`: of two sign-ins at once,
    /// one upgrades. The session epoch stays: this is no password change.
    pub async fn upgrade_imported_password(
        &self,
        holder_id: i64,
        imported: &str,
        own: &str,
        format: &str,
        client_addr: Option<&str>,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE holders SET password_hash = $1, password_imported = 0
             WHERE id = $2 AND password_hash = $3 AND password_imported = 1",
        )
        .bind(own)
        .bind(holder_id)
        .bind(imported)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if changed {
            let entry =
                AuditEntry { holder_id: Some(holder_id), client_addr, detail: Some(format), ..Default::default() };
            super::audit::insert(&mut *tx, AuditEvent::PasswordUpgraded, &entry, crate::clock::now_unix()).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    pub async fn holder_profile(&self, holder_id: i64) -> Result<Option<HolderProfile>> {
        Ok(sqlx::query_as("SELECT id, username, real_name FROM holders WHERE id = $1")
            .bind(holder_id)
            .fetch_optional(&self.pool)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::{new_holder as holder, temp_store};

    #[tokio::test]
    async fn duplicate_username_and_id_are_told_apart() {
        let (store, _dir) = temp_store().await;
        let id = store.create_holder(&holder("zhangsan", "110105198503150019")).await.unwrap();
        assert!(matches!(
            store.create_holder(&holder("zhangsan", "310104199005120023")).await,
            Err(CreateHolderError::UsernameTaken)
        ));
        assert!(matches!(
            store.create_holder(&holder("zhangsan2", "110105198503150019")).await,
            Err(CreateHolderError::IdAlreadyRegistered)
        ));
        // The failed attempts left nothing behind.
        assert!(!store.username_exists("zhangsan2").await.unwrap());
        assert!(store.id_document_registered(IdType::ResidentId, "110105198503150019").await.unwrap());
        assert!(!store.id_document_registered(IdType::ResidentId, "310104199005120023").await.unwrap());
        assert_eq!(store.holder_login("zhangsan").await.unwrap().unwrap().id, id);
        assert_eq!(store.holder_profile(id).await.unwrap().unwrap().username, "zhangsan");
    }
}
