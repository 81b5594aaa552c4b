//! Holder accounts and their exam-registration platform identities
//! (使用报名服务平台账号登录, docs/accounts.md).

use crate::domain::id_document::IdType;

use super::{AuditEntry, AuditEvent, HolderLogin, Result, Store};

/// A holder account as a platform sign-in meets it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PlatformHolder {
    pub id: i64,
    pub username: String,
    pub session_epoch: i64,
}

impl Store {
    /// The holder this platform identity signs in to, if linked.
    pub async fn holder_of_platform_identity(&self, issuer: &str, subject: &str) -> Result<Option<PlatformHolder>> {
        Ok(sqlx::query_as(
            "SELECT h.id, h.username, h.session_epoch FROM platform_identities p JOIN holders h ON h.id = p.holder_id
             WHERE p.issuer = $1 AND p.subject = $2",
        )
        .bind(issuer)
        .bind(subject)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The holder account of an ID document, if one exists, and whether it
    /// is linked to a platform identity already.
    pub async fn holder_of_document(&self, id_type: IdType, id_number: &str) -> Result<Option<(PlatformHolder, bool)>> {
        let row: Option<(i64, String, i64, i64)> = sqlx::query_as(
            "SELECT h.id, h.username, h.session_epoch,
                    CASE WHEN EXISTS (SELECT 1 FROM platform_identities p WHERE p.holder_id = h.id) THEN 1 ELSE 0 END
             FROM holders h JOIN id_documents d ON d.id = h.id_document_id
             WHERE d.id_type = $1 AND d.id_number = $2",
        )
        .bind(id_type.code())
        .bind(id_number)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(id, username, session_epoch, linked)| (PlatformHolder { id, username, session_epoch }, linked == 1)))
    }

    /// The password check of a holder by id (confirming a link).
    pub async fn holder_login_by_id(&self, holder_id: i64) -> Result<Option<HolderLogin>> {
        Ok(sqlx::query_as("SELECT id, password_hash, session_epoch, password_imported FROM holders WHERE id = $1")
            .bind(holder_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// A first platform sign-in: a holder bound to the identity's document,
    /// with no local password (an empty hash matches none), linked to the
    /// identity, and audited as a registration from the platform; one
    /// transaction. The username is made up (`pt` and 12 hex digits): the
    /// holder never types it.
    pub async fn create_platform_holder(
        &self,
        issuer: &str,
        subject: &str,
        real_name: &str,
        id_type: IdType,
        id_number: &str,
        client_addr: Option<&str>,
    ) -> Result<PlatformHolder> {
        let now = crate::clock::now_unix();
        let username = format!("pt{:012x}", rand::random::<u64>() & 0xffff_ffff_ffff);
        let mut tx = self.pool.begin().await?;
        let document = super::id_documents::upsert(&mut tx, id_type, id_number).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO holders (username, password_hash, real_name, id_document_id, created_at)
             VALUES ($1, '', $2, $3, $4) RETURNING id",
        )
        .bind(&username)
        .bind(real_name)
        .bind(document)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        link(&mut tx, issuer, subject, id, now).await?;
        let entry = AuditEntry {
            holder_id: Some(id),
            subject: Some(&username),
            client_addr,
            detail: Some("platform"),
            ..Default::default()
        };
        super::audit::insert(&mut *tx, AuditEvent::Register, &entry, now).await?;
        tx.commit().await?;
        Ok(PlatformHolder { id, username, session_epoch: 0 })
    }

    /// Links an existing holder (its password just confirmed) to the identity.
    pub async fn link_platform_identity(
        &self,
        issuer: &str,
        subject: &str,
        holder_id: i64,
        client_addr: Option<&str>,
    ) -> Result<()> {
        let now = crate::clock::now_unix();
        let mut tx = self.pool.begin().await?;
        link(&mut tx, issuer, subject, holder_id, now).await?;
        let entry = AuditEntry { holder_id: Some(holder_id), client_addr, detail: Some(issuer), ..Default::default() };
        super::audit::insert(&mut *tx, AuditEvent::PlatformLinked, &entry, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn link(tx: &mut super::Transaction, issuer: &str, subject: &str, holder_id: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO platform_identities (issuer, subject, holder_id, linked_at) VALUES ($1, $2, $3, $4)")
        .bind(issuer)
        .bind(subject)
        .bind(holder_id)
        .bind(now)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}
