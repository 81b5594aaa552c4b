//! From configuration to a ready router: data directory, database,
//! migrations, demo data, font and seal keys, generation workers, session store.

use std::sync::Arc;

use crate::session_records::SessionRecords;
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
    std::fs::create_dir_all(&settings.data_dir)
        .map_err(|e| format!("cannot create data directory {}: {e}", settings.data_dir.display()))?;
    let store = Store::connect(&settings.database_url).await?;
    store.migrate().await?;
    if app::store::seed::catalog(&store).await? {
        tracing::info!("loaded the initial catalog of seals and qualifications");
    }
    let seeded = settings.seed_demo && app::store::seed::demo(&store, app::auth::password::hash).await?;
    if seeded {
        tracing::info!("loaded demo holders and certificates");
    }

    let session_records = SessionRecords::connect(&settings.database_url).await?;
    session_records.migrate().await?;
    session_records.delete_expired_every(tokio::time::Duration::from_secs(300));
    let sessions = crate::router::session_layer(session_records, &settings);

    app::auth::password::warm_up().await?;
    let generator = Arc::new(generator(&settings, &store).await?);
    if seeded {
        import_demo_platform_accounts(&store, &generator).await?;
    }
    // One process owns a SQLite database: leases of an earlier run are void.
    // On PostgreSQL other instances may hold leases now; a dead instance's
    // leases run out (WorkerConfig::lease) and its jobs are taken again.
    if store.backend() == app::store::Backend::Sqlite {
        let released = store.release_all_leases().await?;
        if released > 0 {
            tracing::info!(count = released, "taking up endorsements interrupted by the last stop");
        }
    }
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

/// README's platform accounts, one per hash format, through the import an
/// operator uses (docs/accounts.md).
async fn import_demo_platform_accounts(store: &Store, generator: &Generator) -> Result<(), BoxError> {
    let file = include_bytes!("../../docs/examples/platform-accounts.csv");
    let request = app::service::import::Request {
        seal_id: None,
        commit: true,
        actor: "demo",
        staff_id: None,
        source: "cli",
        file_name: Some("platform-accounts.csv"),
    };
    let report =
        app::service::account_import::run(store, generator.typeface(), file, app::service::import::Format::Csv, &request, None).await?;
    if report.batch_id.is_none() {
        return Err(format!(
            "the demo platform accounts did not load: {:?} {:?} ({} already there)",
            report.file_problem, report.errors, report.already_loaded
        )
        .into());
    }
    tracing::info!(accounts = report.new, "loaded the demo platform accounts");
    Ok(())
}

/// The font and every seal's key (a demo CA and seal keys are made on first start).
async fn generator(settings: &app::config::Settings, store: &Store) -> Result<Generator, BoxError> {
    let typeface = Typeface::load(&settings.font_path, settings.font_index)
        .map_err(|e| format!("cannot load the PDF font {}: {e}", settings.font_path.display()))?;
    let seals = store.seal_names().await?;
    let keys = KeyRing::load_or_create(&settings.keys_dir, &seals)
        .map_err(|e| format!("cannot load the seal keys in {}: {e}", settings.keys_dir.display()))?;
    Ok(Generator::new(typeface, keys, settings.made_by.clone(), settings.public_base_url.clone()))
}
