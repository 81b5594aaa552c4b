//! Loading certificates in batches: what the database already holds for a
//! file's numbers, and writing a whole file's new certificates in one
//! transaction.

use std::collections::{HashMap, HashSet};

use crate::domain::id_document::IdType;
use crate::domain::import::ValidRow;

use super::{AuditEntry, AuditEvent, Result, Store};


/// A certificate as stored, in the terms of an import row, to tell "already
/// loaded" (same details) from a conflict.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredCertificate {
    pub certificate_number: String,
    pub management_number: String,
    pub holder_name: String,
    pub id_type: String,
    pub id_number: String,
    pub qualification_code: String,
    pub specialty: Option<String>,
    pub issued_on: String,
    pub status: String,
    pub revoked_on: Option<String>,
}

impl StoredCertificate {
    /// Whether `row` says exactly what is stored.
    pub fn same_as(&self, row: &ValidRow) -> bool {
        self.certificate_number == row.certificate_number
            && self.management_number == row.management_number
            && self.holder_name == row.holder_name
            && self.id_type == row.id_type.code()
            && self.id_number == row.id_number
            && self.qualification_code == row.qualification_code
            && self.specialty == row.specialty
            && self.issued_on == row.issued_on.to_string()
            && self.status == row.status.code()
            && self.revoked_on == row.revoked_on.map(|d| d.to_string())
    }
}

/// Who loads a batch, for the batch row and the audit log.
pub struct ImportBatch<'a> {
    pub actor: &'a str,
    pub staff_id: Option<i64>,
    pub source: &'a str,
    pub file_name: Option<&'a str>,
    pub sha256: &'a str,
    pub row_count: usize,
}

impl ImportBatch<'_> {
    /// The batch row (`kind`: certificates or accounts) of `added` new rows.
    pub(super) async fn insert(&self, tx: &mut super::Transaction, kind: &str, added: usize, now: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO import_batches (at, actor, source, file_name, sha256, row_count, added, kind)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(now)
        .bind(self.actor)
        .bind(self.source)
        .bind(self.file_name)
        .bind(self.sha256)
        .bind(self.row_count as i64)
        .bind(added as i64)
        .bind(kind)
        .fetch_one(&mut **tx)
        .await?)
    }
}

impl Store {
    /// The qualifications under `seal_id` (all of them for `None`), each
    /// with the specialties its certificates may name (empty: any).
    pub async fn qualification_codes(&self, seal_id: Option<i64>) -> Result<HashMap<String, HashSet<String>>> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT code, specialties FROM qualifications WHERE $1 IS NULL OR seal_id = $2")
                .bind(seal_id)
                .bind(seal_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(code, list)| (code, list.lines().map(str::to_string).collect())).collect())
    }

    /// The stored certificates that share a certificate number or a
    /// management number with `rows`, by certificate number.
    pub async fn certificates_like(&self, rows: &[ValidRow]) -> Result<HashMap<String, StoredCertificate>> {
        let mut found = HashMap::new();
        for column in ["certificate_number", "management_number"] {
            for chunk in rows.chunks(super::rows_per_statement(1)) {
                let marks = super::placeholders(chunk.len(), 1);
                let sql = format!(
                    "SELECT c.certificate_number, c.management_number, c.holder_name, d.id_type, d.id_number,
                            q.code AS qualification_code, c.specialty, c.issued_on, c.status, c.revoked_on
                     FROM certificates c
                     JOIN id_documents d ON d.id = c.id_document_id
                     JOIN qualifications q ON q.id = c.qualification_id
                     WHERE c.{column} IN ({marks})"
                );
                let mut query = sqlx::query_as::<_, StoredCertificate>(&sql);
                for row in chunk {
                    query = query.bind(if column == "certificate_number" {
                        &row.certificate_number
                    } else {
                        &row.management_number
                    });
                }
                for stored in query.fetch_all(&self.pool).await? {
                    found.insert(stored.certificate_number.clone(), stored);
                }
            }
        }
        Ok(found)
    }

    /// Writes `rows` (all new, all valid) and the batch, with one audit
    /// entry, in one transaction. Returns the batch id.
    pub async fn insert_certificates(&self, rows: &[ValidRow], batch: &ImportBatch<'_>) -> Result<i64> {
        let now = crate::clock::now_unix();
        let mut tx = self.begin_write(Some(super::WriteLock::Imports)).await?;
        let batch_id = batch.insert(&mut tx, "certificates", rows.len(), now).await?;
        let qualifications: HashMap<String, i64> =
            sqlx::query_as::<_, (String, i64)>("SELECT code, id FROM qualifications")
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect();
        for chunk in rows.chunks(super::rows_per_statement(11)) {
            let wanted: Vec<(IdType, &str)> = chunk.iter().map(|r| (r.id_type, r.id_number.as_str())).collect();
            let documents = super::id_documents::upsert_many(&mut tx, &wanted).await?;
            let values = super::placeholders(chunk.len(), 11);
            let sql = format!(
                "INSERT INTO certificates (certificate_number, management_number, holder_name, id_document_id,
                     qualification_id, specialty, issued_on, status, revoked_on, created_at, import_batch_id)
                 VALUES {values}"
            );
            let mut insert = sqlx::query(&sql);
            for row in chunk {
                let document = documents.get(&(row.id_type.code().to_string(), row.id_number.clone())).copied();
                insert = insert
                    .bind(&row.certificate_number)
                    .bind(&row.management_number)
                    .bind(&row.holder_name)
                    .bind(document)
                    .bind(qualifications.get(&row.qualification_code).copied())
                    .bind(&row.specialty)
                    .bind(row.issued_on.to_string())
                    .bind(row.status.code())
                    .bind(row.revoked_on.map(|d| d.to_string()))
                    .bind(now)
                    .bind(batch_id);
            }
            insert.execute(&mut *tx).await?;
        }
        let subject = batch_id.to_string();
        let detail = format!("{} new of {} rows, {} {}", rows.len(), batch.row_count, batch.source, batch.sha256);
        let entry = AuditEntry {
            staff_id: batch.staff_id,
            subject: Some(&subject),
            detail: Some(&detail),
            ..Default::default()
        };
        super::audit::insert(&mut *tx, AuditEvent::CertificatesImported, &entry, now).await?;
        tx.commit().await?;
        Ok(batch_id)
    }
}

impl Store {
    /// Keeps an uploaded file (`kind`: certificates or accounts) for its
    /// preview; returns its token.
    pub async fn keep_pending_import(
        &self,
        staff_id: i64,
        kind: &str,
        file_name: &str,
        content: &[u8],
    ) -> Result<String> {
        let token = crate::random::token();
        sqlx::query(
            "INSERT INTO pending_imports (token, staff_id, file_name, content, created_at, kind)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&token)
        .bind(staff_id)
        .bind(file_name)
        .bind(content)
        .bind(crate::clock::now_unix())
        .bind(kind)
        .execute(&self.pool)
        .await?;
        Ok(token)
    }

    /// (file name, content, batch id once loaded) of a staff member's upload of this kind.
    pub async fn pending_import(
        &self,
        staff_id: i64,
        token: &str,
        kind: &str,
    ) -> Result<Option<(String, Vec<u8>, Option<i64>)>> {
        Ok(sqlx::query_as(
            "SELECT file_name, content, batch_id FROM pending_imports WHERE token = $1 AND staff_id = $2 AND kind = $3",
        )
        .bind(token)
        .bind(staff_id)
        .bind(kind)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Forgets uploads older than `before` (loaded or not).
    pub async fn purge_pending_imports(&self, before: i64) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM pending_imports WHERE created_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    pub async fn mark_pending_import_loaded(&self, token: &str, batch_id: i64) -> Result<()> {
        sqlx::query("UPDATE pending_imports SET batch_id = $1 WHERE token = $2")
            .bind(batch_id)
            .bind(token)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
