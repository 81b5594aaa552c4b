//! Where sessions are kept: tower-sessions-sqlx-store's table, with
//! one change. tower-sessions saves a session only if its record existed
//! when the request loaded it (a new one is created instead), so a save
//! that finds no record lost a race: another request signed out (deleted
//! it) meanwhile. The upsert of the library store would bring the session
//! back; here the save updates an existing record or does nothing, and the
//! next request finds no session.

use async_trait::async_trait;
use std::str::FromStr;
use std::time::Duration;

use super::{Backend, StoreError, SESSION_TABLE_LOCK};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, ExpiredDeletion, Result};
use tower_sessions::SessionStore;
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

/// The library store of the database's engine and a pool of that engine
/// (the library stores work on one; the rest of ecert on sqlx's `Any`).
#[derive(Clone, Debug)]
enum Library {
    Sqlite(SqliteStore, SqlitePool),
    Postgres(PostgresStore, PgPool),
}

#[derive(Clone, Debug)]
pub struct SessionRecords {
    library: Library,
}

impl SessionRecords {
    /// Opens the session table in the database of `url` (the store's database).
    pub async fn connect(url: &str) -> std::result::Result<SessionRecords, StoreError> {
        let library = match Backend::of_url(url)? {
            Backend::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)?.busy_timeout(Duration::from_secs(5));
                let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
                Library::Sqlite(SqliteStore::new(pool.clone()), pool)
            }
            Backend::Postgres => {
                let pool = PgPoolOptions::new().max_connections(8).connect(url).await?;
                Library::Postgres(PostgresStore::new(pool.clone()), pool)
            }
        };
        Ok(SessionRecords { library })
    }

    /// Creates the session table if missing (the library store's own migration).
    pub async fn migrate(&self) -> sqlx::Result<()> {
        match &self.library {
            Library::Sqlite(store, _) => store.migrate().await,
            Library::Postgres(store, pool) => {
                // Instances starting together: the library's `create schema`
                // of the one that loses the race fails, and it then skips
                // creating the table. One at a time, the later finds both.
                let mut turn = pool.acquire().await?;
                sqlx::query("SELECT pg_advisory_lock($1)").bind(SESSION_TABLE_LOCK).execute(&mut *turn).await?;
                let migrated = store.migrate().await;
                sqlx::query("SELECT pg_advisory_unlock($1)").bind(SESSION_TABLE_LOCK).execute(&mut *turn).await?;
                migrated
            }
        }
    }

    /// Deletes expired records every `period`, for as long as the server runs.
    pub fn delete_expired_every(&self, period: tokio::time::Duration) {
        match self.library.clone() {
            Library::Sqlite(store, _) => tokio::spawn(store.continuously_delete_expired(period)),
            Library::Postgres(store, _) => tokio::spawn(store.continuously_delete_expired(period)),
        };
    }

    fn store(&self) -> &(dyn SessionStore + 'static) {
        match &self.library {
            Library::Sqlite(store, _) => store,
            Library::Postgres(store, _) => store,
        }
    }
}

#[async_trait]
impl SessionStore for SessionRecords {
    async fn create(&self, record: &mut Record) -> Result<()> {
        self.store().create(record).await
    }

    async fn save(&self, record: &Record) -> Result<()> {
        // The record encoded as the library store encodes it (MessagePack),
        // in the library store's table (its default name).
        let data = rmp_serde::to_vec(record).map_err(|e| Error::Encode(e.to_string()))?;
        let id = record.id.to_string();
        const UPDATE: &str = "SET data = $1, expiry_date = $2 WHERE id = $3";
        let updated = match &self.library {
            Library::Sqlite(_, pool) => {
                let sql = format!("UPDATE tower_sessions {UPDATE}");
                sqlx::query(&sql).bind(data).bind(record.expiry_date).bind(id).execute(pool).await.map(|_| ())
            }
            Library::Postgres(_, pool) => {
                let sql = format!(r#"UPDATE "tower_sessions"."session" {UPDATE}"#);
                sqlx::query(&sql).bind(data).bind(record.expiry_date).bind(id).execute(pool).await.map(|_| ())
            }
        };
        updated.map_err(|e| Error::Backend(e.to_string()))
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        self.store().load(id).await
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.store().delete(id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_sessions::cookie::time::{Duration, OffsetDateTime};

    #[tokio::test]
    async fn a_save_after_a_sign_out_does_not_bring_the_session_back() {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::store::scratch::scratch_database_url(dir.path()).await.unwrap();
        crate::store::Store::connect(&url).await.unwrap(); // creates a SQLite file
        let records = SessionRecords::connect(&url).await.unwrap();
        records.migrate().await.unwrap();
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

    #[tokio::test]
    async fn instances_starting_together_each_find_the_session_table() {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::store::scratch::scratch_database_url(dir.path()).await.unwrap();
        crate::store::Store::connect(&url).await.unwrap(); // creates a SQLite file
        let (a, b) = (SessionRecords::connect(&url).await.unwrap(), SessionRecords::connect(&url).await.unwrap());
        let (first, second) = tokio::join!(a.migrate(), b.migrate());
        first.unwrap();
        second.unwrap();
        let mut record = Record {
            id: Id::default(),
            data: Default::default(),
            expiry_date: OffsetDateTime::now_utc() + Duration::minutes(30),
        };
        a.create(&mut record).await.unwrap();
        assert!(b.load(&record.id).await.unwrap().is_some(), "one table, seen by both");
    }
}
