//! Fresh, empty databases for tests (this crate's and the server's): a file
//! in a temporary directory, or, when `ECERT_TEST_POSTGRES_URL` names a
//! PostgreSQL server (scripts/test.sh starts a throw-away cluster and runs
//! the tests a second time with it), a new database on that server. Each test
//! gets its own, so tests run in parallel as they do on SQLite.

use std::path::Path;

use sqlx::{Connection, Executor};

/// The variable naming a PostgreSQL server whose user may create databases.
pub const POSTGRES_VAR: &str = "ECERT_TEST_POSTGRES_URL";

/// A URL of a database nobody has used: `ecert.db` under `dir`, or a new
/// database on the server of [`POSTGRES_VAR`].
pub async fn scratch_database_url(dir: &Path) -> super::Result<String> {
    let server = std::env::var(POSTGRES_VAR).unwrap_or_default();
    if server.is_empty() {
        return Ok(format!("sqlite://{}", dir.join("ecert.db").display()));
    }
    let name = format!("ecert_test_{}", crate::random::token());
    let mut admin = sqlx::PgConnection::connect(&server).await?;
    admin.execute(format!("CREATE DATABASE {name}").as_str()).await?;
    admin.close().await?;
    let mut url = url::Url::parse(&server).map_err(|_| super::StoreError::UnsupportedUrl(super::redact(&server)))?;
    url.set_path(&name);
    Ok(url.to_string())
}
