//! A database made ready for this build, for the server and for every
//! command: the data directory, the connection, the migrations and the
//! catalog every installation starts with.

use std::path::Path;

use crate::store::{Backend, Store, StoreError};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Opens `database_url` (a SQLite file under `data_dir`, made if missing),
/// migrates it, and writes the initial catalog into an empty one.
pub async fn open(data_dir: &Path, database_url: &str) -> Result<Store, BoxError> {
    std::fs::create_dir_all(data_dir)
        .map_err(|e| format!("cannot create data directory {}: {e}", data_dir.display()))?;
    let store = Store::connect(database_url).await?;
    store.migrate().await?;
    if store.seed_catalog().await? {
        tracing::info!("loaded the initial catalog of seals and qualifications");
    }
    Ok(store)
}

/// Opens `database_url` only to read (`server verify`).
pub async fn open_read_only(database_url: &str) -> Result<Store, StoreError> {
    Store::open_read_only(database_url).await
}

/// At the start of the only process of a SQLite database, the leases of
/// an earlier run are void: its interrupted jobs are taken up at once. On
/// PostgreSQL other instances may hold leases now; a dead instance's run out
/// (the workers' lease) and its jobs are taken again.
pub async fn take_up_interrupted(store: &Store) -> Result<(), StoreError> {
    if store.backend() == Backend::Sqlite {
        let released = store.release_all_leases().await?;
        if released > 0 {
            tracing::info!(count = released, "taking up endorsements interrupted by the last stop");
        }
    }
    Ok(())
}

/// Every seal's (code, name), for loading their keys.
pub async fn seal_names(store: &Store) -> Result<Vec<(String, String)>, StoreError> {
    store.seal_names().await
}
