//! Acceptances of the service terms (服务须知), one per holder and version.

use super::{Result, Store};

impl Store {
    pub async fn terms_accepted(&self, holder_id: i64, version: &str) -> Result<bool> {
        Ok(sqlx::query_scalar::<_, i64>("SELECT CASE WHEN EXISTS (SELECT 1 FROM terms_acceptances WHERE holder_id = $1 AND version = $2) THEN 1 ELSE 0 END")
            .bind(holder_id)
            .bind(version)
            .fetch_one(&self.pool)
            .await?
            == 1)
    }

    /// Records the acceptance; accepting the same version twice keeps the first time.
    pub async fn accept_terms(&self, holder_id: i64, version: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO terms_acceptances (holder_id, version, accepted_at) VALUES ($1, $2, $3)
             ON CONFLICT (holder_id, version) DO NOTHING",
        )
        .bind(holder_id)
        .bind(version)
        .bind(crate::clock::now_unix())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::store::testing::{holder, temp_store};

    #[tokio::test]
    async fn acceptance_is_per_version_and_keeps_the_first_time() {
        let (store, _dir) = temp_store().await;
        let holder = holder(&store, "zhangsan", "110105198503150019").await;
        assert!(!store.terms_accepted(holder, "2026-11").await.unwrap());
        store.accept_terms(holder, "2026-11").await.unwrap();
        let first: i64 =
            sqlx::query_scalar("SELECT accepted_at FROM terms_acceptances").fetch_one(&store.pool).await.unwrap();
        store.accept_terms(holder, "2026-11").await.unwrap();
        let rows: Vec<i64> =
            sqlx::query_scalar("SELECT accepted_at FROM terms_acceptances").fetch_all(&store.pool).await.unwrap();
        assert_eq!(rows, vec![first], "accepting again keeps one row and its time");
        assert!(store.terms_accepted(holder, "2026-11").await.unwrap());
        // A new version asks again.
        assert!(!store.terms_accepted(holder, "2027-01").await.unwrap());
    }
}
