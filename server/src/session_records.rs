//! Where sessions are kept: tower-sessions-sqlx-store's SQLite table, with
//! one change. tower-sessions saves a session only if its record existed
//! when the request loaded it (a new one is created instead), so a save
//! that finds no record lost a race: another request signed out (deleted
//! it) meanwhile. The upsert of the library store would bring the session
//! back; here the save updates an existing record or does nothing, and the
//! next request finds no session.

use async_trait::async_trait;
use sqlx::SqlitePool;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result};
use tower_sessions::SessionStore;
use tower_sessions_sqlx_store::SqliteStore;

/// The table `SqliteStore` creates and reads (its default name).
const TABLE: &str = "tower_sessions";

#[derive(Clone, Debug)]
pub struct SessionRecords {
    library: SqliteStore,
    pool: SqlitePool,
}

impl SessionRecords {
    pub fn new(pool: SqlitePool) -> SessionRecords {
        SessionRecords { library: SqliteStore::new(pool.clone()), pool }
    }

    /// The library store, for its table migration and expired-record deletion.
    pub fn library(&self) -> &SqliteStore {
        &self.library
    }
}

#[async_trait]
impl SessionStore for SessionRecords {
    async fn create(&self, record: &mut Record) -> Result<()> {
        self.library.create(record).await
    }

    async fn save(&self, record: &Record) -> Result<()> {
        // The record encoded as the library store encodes it (MessagePack).
        let data = rmp_serde::to_vec(record).map_err(|e| Error::Encode(e.to_string()))?;
        sqlx::query(&format!("UPDATE {TABLE} SET data = ?, expiry_date = ? WHERE id = ?"))
            .bind(data)
            .bind(record.expiry_date)
            .bind(record.id.to_string())
            .execute(&self.pool)
            .await
            .map_err(|e| Error::Backend(e.to_string()))?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        self.library.load(id).await
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.library.delete(id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_sessions::cookie::time::{Duration, OffsetDateTime};

    #[tokio::test]
    async fn a_save_after_a_sign_out_does_not_bring_the_session_back() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}?mode=rwc", dir.path().join("s.db").display());
        let pool = SqlitePool::connect(&url).await.unwrap();
        let records = SessionRecords::new(pool);
        records.library().migrate().await.unwrap();
        let mut record = Record {
            id: Id::default(),
            data: [("holder_id".to_string(), serde_json::json!(7))].into_iter().collect(),
            expiry_date: OffsetDateTime::now_utc() + Duration::minutes(30),
        };
        records.create(&mut record).await.unwrap();
        // A save of a live session updates it.
        record.data.insert("touched_at".into(), serde_json::json!(1));
        records.save(&record).await.unwrap();
        assert_eq!(records.load(&record.id).await.unwrap().unwrap().data["touched_at"], 1);
        // Signed out in another request; this request's save comes after.
        records.delete(&record.id).await.unwrap();
        records.save(&record).await.unwrap();
        assert!(records.load(&record.id).await.unwrap().is_none(), "the session came back");
    }
}
