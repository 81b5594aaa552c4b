//! Loading platform accounts in batches (账户导入): what the database holds
//! for a file's usernames and ID documents, and writing a whole file's new
//! accounts in one transaction.

use std::collections::HashMap;

use crate::domain::account_import::ValidAccountRow;
use crate::domain::id_document::IdType;

use super::import::ImportBatch;
use super::{AuditEntry, AuditEvent, Result, Store};

/// An account as stored, in the terms of an import row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredAccount {
    pub username: String,
    pub real_name: String,
    pub id_type: String,
    pub id_number: String,
}

impl StoredAccount {
    /// The same account: username, ID document and name. The hash is not
    /// compared (it becomes ecert's at the first sign-in), nor are contact
    /// details, so that importing the same file again changes nothing.
    pub fn same_as(&self, row: &ValidAccountRow) -> bool {
        self.username == row.username
            && self.real_name == row.real_name
            && self.id_type == row.id_type.code()
            && self.id_number == row.id_number
    }
}

/// The stored accounts sharing a username or an ID document with the rows.
#[derive(Debug, Default)]
pub struct AccountsLike {
    pub by_username: HashMap<String, StoredAccount>,
    pub by_document: HashMap<(String, String), StoredAccount>,
}

impl Store {
    pub async fn accounts_like(&self, rows: &[ValidAccountRow]) -> Result<AccountsLike> {
        let mut found = AccountsLike::default();
        let select = "SELECT h.username, h.real_name, d.id_type, d.id_number
                      FROM holders h JOIN id_documents d ON d.id = h.id_document_id";
        for chunk in rows.chunks(super::rows_per_statement(2)) {
            let sql = format!("{select} WHERE h.username IN ({})", super::placeholders(chunk.len(), 1));
            let mut query = sqlx::query_as::<_, StoredAccount>(&sql);
            for row in chunk {
                query = query.bind(&row.username);
            }
            for stored in query.fetch_all(&self.pool).await? {
                found.by_username.insert(stored.username.clone(), stored);
            }
            let sql = format!(
                "{select} WHERE (d.id_type, d.id_number) IN (VALUES {})",
                super::placeholders(chunk.len(), 2)
            );
            let mut query = sqlx::query_as::<_, StoredAccount>(&sql);
            for row in chunk {
                query = query.bind(row.id_type.code()).bind(&row.id_number);
            }
            for stored in query.fetch_all(&self.pool).await? {
                found.by_document.insert((stored.id_type.clone(), stored.id_number.clone()), stored);
            }
        }
        Ok(found)
    }

    /// Writes `rows` (all new, all valid) with the batch and one audit entry,
    /// in one transaction. Each keeps its platform hash until its first
    /// sign-in. Returns the batch id.
    pub async fn insert_accounts(&self, rows: &[ValidAccountRow], batch: &ImportBatch<'_>) -> Result<i64> {
        let now = crate::clock::now_unix();
        let mut tx = self.begin_write(Some(super::WriteLock::Imports)).await?;
        let batch_id = batch.insert(&mut tx, "accounts", rows.len(), now).await?;
        for chunk in rows.chunks(super::rows_per_statement(9)) {
            let wanted: Vec<(IdType, &str)> = chunk.iter().map(|r| (r.id_type, r.id_number.as_str())).collect();
            let documents = super::id_documents::upsert_many(&mut tx, &wanted).await?;
            let sql = format!(
                "INSERT INTO holders (username, password_hash, password_imported, real_name, id_document_id,
                     phone, email, created_at, import_batch_id)
                 VALUES {}",
                super::placeholders(chunk.len(), 9)
            );
            let mut insert = sqlx::query(&sql);
            for row in chunk {
                let document = documents.get(&(row.id_type.code().to_string(), row.id_number.clone())).copied();
                insert = insert
                    .bind(&row.username)
                    .bind(&row.password_hash)
                    .bind(1_i64)
                    .bind(&row.real_name)
                    .bind(document)
                    .bind(&row.phone)
                    .bind(&row.email)
                    .bind(now)
                    .bind(batch_id);
            }
            insert.execute(&mut *tx).await?;
        }
        let subject = batch_id.to_string();
        let detail = format!("{} new of {} rows, {} {}", rows.len(), batch.row_count, batch.source, batch.sha256);
        let entry =
            AuditEntry { staff_id: batch.staff_id, subject: Some(&subject), detail: Some(&detail), ..Default::default() };
        super::audit::insert(&mut *tx, AuditEvent::AccountsImported, &entry, now).await?;
        tx.commit().await?;
        Ok(batch_id)
    }
}
