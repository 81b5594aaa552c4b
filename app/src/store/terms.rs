//! Acceptances of the service terms (服务须知), one per holder and version.

use super::{now_unix, Result, Store};

impl Store {
    pub async fn terms_accepted(&self, holder_id: i64, version: &str) -> Result<bool> {
        Ok(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM terms_acceptances WHERE holder_id = ? AND version = ?)",
        )
        .bind(holder_id)
        .bind(version)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Records the acceptance; accepting the same version twice keeps the first time.
    pub async fn accept_terms(&self, holder_id: i64, version: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO terms_acceptances (holder_id, version, accepted_at) VALUES (?, ?, ?)
             ON CONFLICT (holder_id, version) DO NOTHING",
        )
        .bind(holder_id)
        .bind(version)
        .bind(now_unix())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
