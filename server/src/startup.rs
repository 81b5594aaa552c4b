//! From configuration to a ready router: data directory, database,
//! migrations, demo data (a `demo` build), font and seal keys, generation
//! workers, session store.

use std::sync::Arc;

use app::store::sessions::SessionRecords;
use app::{document::Typeface, service::generation::Generator, signing::KeyRing, state::AppState, store::Store};
use axum::Router;

use crate::config::Config;
use crate::worker::{self, WorkerConfig};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The router, and the workers to stop at a graceful shutdown.
pub struct Service {
    pub router: Router,
    pub workers: worker::Workers,
}

pub async fn build(config: Config) -> Result<Service, BoxError> {
    let mut workers = WorkerConfig::new(config.settings.generation_workers);
    workers.lease = std::time::Duration::from_secs(config.settings.generation_lease_seconds.max(1));
    build_with_workers(config, workers).await
}

pub async fn build_with_workers(config: Config, workers: WorkerConfig) -> Result<Service, BoxError> {
    let settings = config.settings;
    if settings.seed_demo {
        app::service::demo::in_this_build().map_err(|e| format!("seed_demo = true: {e}, or set seed_demo = false"))?;
    }
    let store = app::service::setup::open(&settings.data_dir, &settings.database_url).await?;

    let session_records = SessionRecords::connect(&settings.database_url).await?;
    session_records.migrate().await?;
    session_records.delete_expired_every(tokio::time::Duration::from_secs(300));
    let sessions = crate::router::session_layer(session_records, &settings);

    app::auth::password::warm_up().await?;
    let generator = Arc::new(generator(&settings, &store).await?);
    if settings.seed_demo {
        app::service::demo::seed(&store, generator.typeface()).await?;
    }
    app::service::setup::take_up_interrupted(&store).await?;
    let state = AppState {
        leptos_options: config.leptos,
        store,
        throttle: Arc::new(app::auth::throttle::Throttle::new(&settings)),
        platform: app::auth::platform::Platform::new(&settings.platform, &settings.public_base_url)?.map(Arc::new),
        settings: Arc::new(settings),
        generator,
        jobs: Arc::new(tokio::sync::Notify::new()),
    };
    let workers = worker::spawn(state.clone(), workers);
    Ok(Service { router: crate::router::router(state, sessions), workers })
}

/// The font and every seal's key (a demo CA and seal keys are made on first start).
async fn generator(settings: &app::config::Settings, store: &Store) -> Result<Generator, BoxError> {
    let typeface = Typeface::load(&settings.font_path, settings.font_index)
        .map_err(|e| format!("cannot load the PDF font {}: {e}", settings.font_path.display()))?;
    let seals = app::service::setup::seal_names(store).await?;
    let keys = KeyRing::load_or_create(&settings.keys_dir, &seals)
        .map_err(|e| format!("cannot load the seal keys in {}: {e}", settings.keys_dir.display()))?;
    let sm2_keys = app::signing::sm2::Sm2KeyRing::load_or_create(&settings.keys_dir, &seals)
        .map_err(|e| format!("cannot load the SM2 seal keys in {}/sm2: {e}", settings.keys_dir.display()))?;
    Ok(Generator::new(typeface, keys, sm2_keys, settings.made_by.clone(), settings.public_base_url.clone()))
}
