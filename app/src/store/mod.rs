//! The only place with SQL. Callers see `Store` and plain Rust types; the
//! backend (SQLite today) is chosen from the database URL, so adding
//! PostgreSQL means a second pool and migration set here, not in the callers.

mod admin;
mod audit;
mod catalog;
mod certificates;
mod credentials;
mod endorsements;
mod holders;
mod id_documents;
mod import;
mod jobs;
pub mod seed;
mod staff;
mod synthetic;
mod terms;
mod verification;

use std::{str::FromStr, time::Duration};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

pub use admin::{Managed, Revocation};
pub use audit::{AuditEntry, AuditEvent};
pub use catalog::{NewQualification, NewSeal};
pub use certificates::NewCertificate;
pub use credentials::Credentials;
pub use endorsements::{Applied, EndorsementFile, NewApplication};
pub use holders::{CreateHolderError, HolderLogin, HolderProfile, NewHolder};
pub use import::{ImportBatch, StoredCertificate};
pub use jobs::{AfterFailure, CertificateFacts, EndorsementFacts, Job};
pub use synthetic::Synthetic;
pub use verification::{EndorsementFound, IssuedFile, VerificationLog};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL (expected sqlite:…): {0}")]
    UnsupportedUrl(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("conflicts with an existing record: {0}")]
    Conflict(String),
    #[error("writing the audit log: {0}")]
    Audit(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    audit_writer: audit::AuditWriter,
    /// The generation workers' claims and stored copies take turns here:
    /// SQLite has one writer, and a writer that finds it busy sleeps in
    /// SQLite's busy handler (1, 2, 5, 10 … ms), which left a third of two
    /// cores idle while two workers drained a queue.
    job_writes: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl Store {
    /// Opens (creating if missing) the database named by `url`.
    pub async fn connect(url: &str) -> Result<Store> {
        if !url.starts_with("sqlite:") {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        }
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // Large databases (millions of endorsements): index pages stay in
            // each connection's cache (16 MiB) and are read through a memory
            // map instead of a read call each.
            .pragma("cache_size", "-16384")
            .pragma("mmap_size", "268435456");
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        Ok(Store::with_pool(pool))
    }

    fn with_pool(pool: SqlitePool) -> Store {
        Store { audit_writer: audit::AuditWriter::start(pool.clone()), pool, job_writes: Default::default() }
    }

    /// Opens an existing database for reading only: no file is created and
    /// nothing is written (`server verify` on the machine of a running server).
    pub async fn open_read_only(url: &str) -> Result<Store> {
        if !url.starts_with("sqlite:") {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        }
        let options = SqliteConnectOptions::from_str(url)?.read_only(true).create_if_missing(false);
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
        Ok(Store::with_pool(pool))
    }

    /// Brings the schema up to date; safe to run at every start.
    pub async fn migrate(&self) -> Result<()> {
        sqlx::migrate!("./migrations/sqlite").run(&self.pool).await?;
        self.remember_stored_files().await?;
        Ok(())
    }

    /// The pool, for the session store that keeps its own table here.
    pub fn sqlite_pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// 128 random bits as hex: form keys and the tokens in result and preview
/// addresses (not guessable from each other).
pub fn random_token() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// Seconds since the Unix epoch: how instants are stored.
pub fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Rows are written only through this module, so a value that does not parse
/// is corruption: reported as a decode error, never shown half-read.
pub(crate) fn corrupt(table: &str, column: &str, value: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(format!("{table}.{column} holds {value:?}").into()))
}

pub fn is_unique_violation(err: &sqlx::Error) -> Option<String> {
    match err {
        sqlx::Error::Database(db) if db.is_unique_violation() => Some(db.message().to_string()),
        _ => None,
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use super::{NewHolder, Store};
    use crate::domain::id_document::IdType;

    /// An account for a resident ID, with a placeholder password hash.
    pub fn new_holder<'a>(username: &'a str, id_number: &'a str) -> NewHolder<'a> {
        NewHolder {
            username,
            password_hash: "$argon2id$placeholder",
            real_name: "张三",
            id_type: IdType::ResidentId,
            id_number,
            phone: None,
            email: None,
        }
    }

    pub async fn holder(store: &Store, username: &str, id_number: &str) -> i64 {
        store.create_holder(&new_holder(username, id_number)).await.unwrap()
    }

    /// A certificate of qualification 0301 (the catalog must be loaded).
    pub async fn certificate(store: &Store, number: &str, id_number: &str, issued_on: &str, valid: bool) -> i64 {
        use crate::domain::{calendar::Ymd, certificate::CertificateStatus};
        store
            .insert_certificate(&super::NewCertificate {
                certificate_number: number,
                management_number: number,
                holder_name: "张三",
                id_type: IdType::ResidentId,
                id_number,
                qualification_code: "0301",
                specialty: None,
                issued_on: Ymd::parse_iso(issued_on).unwrap(),
                status: if valid { CertificateStatus::Valid } else { CertificateStatus::Revoked },
                revoked_on: (!valid).then(|| Ymd::parse_iso("2026-01-01").unwrap()),
            })
            .await
            .unwrap()
    }

    /// A migrated store in a fresh temporary file (`:memory:` would give
    /// each pooled connection its own database).
    pub async fn temp_store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        (store, dir)
    }
}
