//! From configuration to a ready router: data directory, database,
//! migrations, demo data, session store.

use std::sync::Arc;

use app::{state::AppState, store::Store};
use axum::Router;
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions_sqlx_store::SqliteStore;

use crate::config::Config;

pub async fn build(config: Config) -> Result<Router, Box<dyn std::error::Error + Send + Sync>> {
    let settings = config.settings;
    std::fs::create_dir_all(&settings.data_dir)
        .map_err(|e| format!("cannot create data directory {}: {e}", settings.data_dir.display()))?;
    let store = Store::connect(&settings.database_url).await?;
    store.migrate().await?;
    if app::store::seed::catalog(&store).await? {
        tracing::info!("loaded the initial catalog of seals and qualifications");
    }
    if settings.seed_demo && app::store::seed::demo(&store, app::auth::password::hash).await? {
        tracing::info!("loaded demo holders and certificates");
    }

    let session_store = SqliteStore::new(store.sqlite_pool().clone());
    session_store.migrate().await?;
    tokio::spawn(session_store.clone().continuously_delete_expired(tokio::time::Duration::from_secs(300)));
    let sessions = crate::router::session_layer(session_store, &settings);

    let state = AppState { leptos_options: config.leptos, store, settings: Arc::new(settings) };
    Ok(crate::router::router(state, sessions))
}
