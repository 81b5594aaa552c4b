//! The only place with SQL. Callers see `Store` and plain Rust types; the
//! backend, SQLite (embedded, one machine) or PostgreSQL (several instances),
//! is chosen by the database URL. Statements are written once, in the SQL
//! both understand (`$n` placeholders, integers for flags, no engine
//! functions), and run through sqlx's `Any` driver; the few that must differ
//! (write locks, the queue claim, the bulk loader) ask `self.backend`.

mod account_import;
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
mod platform_identities;
#[cfg(any(test, feature = "testing"))]
pub mod scratch;
#[cfg(feature = "demo")]
pub mod seed;
pub mod sessions;
mod staff;
#[cfg(feature = "demo")]
mod synthetic;
mod terms;
mod verification;

use std::str::FromStr;

use sqlx::any::AnyPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Connection, Executor};

pub use account_import::{AccountsLike, StoredAccount};
pub use admin::Managed;
pub use audit::{AuditEntry, AuditEvent};
pub use catalog::{NewQualification, NewSeal};
pub use certificates::NewCertificate;
pub use credentials::Credentials;
pub use endorsements::{Applied, Cancelled, EndorsementFile, NewApplication};
pub use holders::{CreateHolderError, HolderLogin, HolderProfile, NewHolder};
pub use import::{ImportBatch, StoredCertificate};
pub use platform_identities::PlatformHolder;
pub use jobs::{AfterFailure, CertificateFacts, EndorsementFacts, Job};
#[cfg(feature = "demo")]
pub use synthetic::Synthetic;
pub use verification::{EndorsementFound, IssuedFile, VerificationLog};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL (expected sqlite:… or postgres://…): {0}")]
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

/// The database engine behind a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(redact(url)))
        }
    }
}

/// A URL as it may be logged or shown: without its password.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("redacted"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// What a write transaction keeps others of the same kind from changing until
/// it commits (see [`Store::begin_write`]).
#[derive(Clone, Copy, Debug)]
pub(crate) enum WriteLock {
    /// A certificate's endorsements and status: the quota, revocation.
    Certificate(i64),
    /// Loading certificates (imports, the synthetic data set).
    Imports,
}

impl WriteLock {
    /// The key of PostgreSQL's transaction-scoped advisory lock: the kind in
    /// the top bits, the id below.
    fn key(self) -> i64 {
        match self {
            WriteLock::Certificate(id) => (1 << 56) | (id & ((1 << 56) - 1)),
            WriteLock::Imports => 2 << 56,
        }
    }
}

/// The PostgreSQL advisory lock the session table's migration takes
/// (server::session_records), beside the kinds of [`WriteLock::key`].
pub const SESSION_TABLE_LOCK: i64 = 3 << 56;

pub(crate) type Transaction = sqlx::Transaction<'static, sqlx::Any>;

#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    audit_writer: audit::AuditWriter,
    /// On SQLite the generation workers' claims and stored copies take
    /// turns here: SQLite has one writer, and a writer that finds it busy
    /// sleeps in SQLite's busy handler (1, 2, 5, 10 … ms), which left a third
    /// of two cores idle while two workers drained a queue.
    job_writes: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// Set on every SQLite connection. Large databases (millions of
/// endorsements): index pages stay in each connection's cache (16 MiB) and
/// are read through a memory map instead of a read call each.
const SQLITE_PRAGMAS: &str = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;
     PRAGMA cache_size = -16384; PRAGMA mmap_size = 268435456;";

impl Store {
    /// Opens the database named by `url`, creating a missing SQLite file.
    pub async fn connect(url: &str) -> Result<Store> {
        let backend = Backend::of_url(url)?;
        sqlx::any::install_default_drivers();
        let options = AnyPoolOptions::new();
        let pool = match backend {
            Backend::Sqlite => {
                // Create the file and switch it to write-ahead logging (kept in
                // the file) before the pool opens it.
                SqliteConnectOptions::from_str(url)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .connect()
                    .await?
                    .close()
                    .await?;
                options
                    .max_connections(8)
                    .after_connect(|conn, _| Box::pin(async move { sqlite_pragmas(conn).await }))
                    .connect(url)
                    .await?
            }
            Backend::Postgres => options.max_connections(16).connect(url).await?,
        };
        Ok(Store::with_pool(pool, backend))
    }

    fn with_pool(pool: AnyPool, backend: Backend) -> Store {
        Store { audit_writer: audit::AuditWriter::start(pool.clone()), pool, backend, job_writes: Default::default() }
    }

    /// Opens an existing database for reading only: no file is created and
    /// nothing is written (`server verify` on the machine of a running server).
    pub async fn open_read_only(url: &str) -> Result<Store> {
        let backend = Backend::of_url(url)?;
        sqlx::any::install_default_drivers();
        let pool = match backend {
            Backend::Sqlite => {
                let separator = if url.contains('?') { '&' } else { '?' };
                AnyPoolOptions::new().max_connections(1).connect(&format!("{url}{separator}mode=ro")).await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(1)
                    .after_connect(|conn, _| {
                        Box::pin(
                            async move { conn.execute("SET default_transaction_read_only = on").await.map(|_| ()) },
                        )
                    })
                    .connect(url)
                    .await?
            }
        };
        Ok(Store::with_pool(pool, backend))
    }

    /// Brings the schema up to date; safe to run at every start, and by
    /// several instances at once (sqlx's migrator locks the database).
    pub async fn migrate(&self) -> Result<()> {
        self.migrator().run(&self.pool).await?;
        self.remember_stored_files().await?;
        Ok(())
    }

    /// Migrations of this build the database has not applied (0: current).
    pub async fn pending_migrations(&self) -> Result<usize> {
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success").fetch_all(&self.pool).await?;
        Ok(self.migrator().iter().filter(|m| !applied.contains(&m.version)).count())
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        static SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
        static POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");
        match self.backend {
            Backend::Sqlite => &SQLITE,
            Backend::Postgres => &POSTGRES,
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool, for tests and the bulk loader's checks.
    /// The pool's open and idle connections (for `/metrics`).
    pub fn pool_connections(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A write transaction that others of its kind (`lock`) wait for. SQLite
    /// has one writer: IMMEDIATE takes the database's write lock at once, so
    /// what the transaction reads cannot change before it commits.
    /// PostgreSQL runs writers side by side, so the transaction takes an
    /// advisory lock on `lock` (released at commit or rollback).
    pub(crate) async fn begin_write(&self, lock: Option<WriteLock>) -> Result<Transaction> {
        match self.backend {
            Backend::Sqlite => Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?),
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                if let Some(lock) = lock {
                    self.lock(&mut tx, lock).await?;
                }
                Ok(tx)
            }
        }
    }

    /// Takes `lock` inside a transaction of [`Store::begin_write`] once it
    /// is known which (SQLite's write lock already covers everything).
    pub(crate) async fn lock(&self, tx: &mut Transaction, lock: WriteLock) -> Result<()> {
        if self.backend == Backend::Postgres {
            // The function returns `void`, which the Any driver cannot read.
            sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock($1)) AS locked")
                .bind(lock.key())
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// On SQLite, the generation workers' writes take turns (see `job_writes`).
    pub(crate) async fn job_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.backend {
            Backend::Sqlite => Some(self.job_writes.lock().await),
            Backend::Postgres => None,
        }
    }
}

async fn sqlite_pragmas(conn: &mut AnyConnection) -> sqlx::Result<()> {
    conn.execute(SQLITE_PRAGMAS).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_url_names_its_engine_and_a_bad_one_is_refused_without_its_password() {
        assert_eq!(Backend::of_url("sqlite:///srv/ecert/ecert.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::of_url("postgres://ecert:pw@db/ecert").unwrap(), Backend::Postgres);
        assert_eq!(Backend::of_url("postgresql://db/ecert").unwrap(), Backend::Postgres);
        let refused = Backend::of_url("mysql://ecert:s3cret@db/ecert").unwrap_err().to_string();
        assert!(refused.contains("expected sqlite:… or postgres://…"), "{refused}");
        assert!(refused.contains("mysql://ecert:redacted@db/ecert") && !refused.contains("s3cret"), "{refused}");
    }

    #[test]
    fn placeholders_number_every_value_of_every_row() {
        assert_eq!(placeholders(3, 1), "$1, $2, $3");
        assert_eq!(placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
    }
}

/// How many rows of `width` values one statement binds. sqlx's SQLite
/// driver finds each `$n`'s argument through sqlite3_bind_parameter_name,
/// which walks the statement's parameter list, so binding costs the square
/// of one statement's parameters: 500 certificates of 11 values a statement
/// made importing 1,000,000 take 115 s, 76 % of it in that walk. A few
/// hundred values a statement keep it small (docs/performance.md).
pub(crate) fn rows_per_statement(width: usize) -> usize {
    const PARAMETERS: usize = 400;
    (PARAMETERS / width).max(1)
}

/// `rows` groups of `width` numbered placeholders, `($1, $2), ($3, $4)`, for
/// statements of many rows; one value a row gives `$1, $2`.
pub(crate) fn placeholders(rows: usize, width: usize) -> String {
    let row =
        |row: usize| (1..=width).map(|column| format!("${}", row * width + column)).collect::<Vec<_>>().join(", ");
    let rows = (0..rows).map(row);
    if width == 1 { rows.collect::<Vec<_>>() } else { rows.map(|r| format!("({r})")).collect() }.join(", ")
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

    /// A migrated store in a fresh database (see `scratch`; `:memory:`
    /// would give each pooled connection its own database).
    pub async fn temp_store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = super::scratch::scratch_database_url(dir.path()).await.unwrap();
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        (store, dir)
    }
}
