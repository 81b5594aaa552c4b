//! `server [serve]`: runs ecert; `server verify FILE.pdf`: checks a copy
//! offline. Configuration: Leptos.toml + environment (docs/configuration.md).


use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(name = "server", about = "ecert: electronic professional-qualification certificates")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web application (the default).
    Serve,
    /// Check a PDF's or an OFD's signature and record, as the upload on 证书查验 does.
    /// Exit status 0: valid; 1: not valid (see the output); 2: error.
    Verify {
        file: std::path::PathBuf,
        /// Print the verdict as JSON (the API's field names).
        #[arg(long)]
        json: bool,
    },
    /// Load certificates from a CSV or JSON file (docs/import.md): nothing is
    /// written unless every row is valid. Exit status 0: loaded (or nothing
    /// new); 1: problems (listed); 2: error.
    Import {
        file: std::path::PathBuf,
        /// Act as the issuing body of this seal: only its qualifications.
        #[arg(long)]
        seal: Option<String>,
        /// Check only; write nothing.
        #[arg(long)]
        check: bool,
    },
    /// Holder accounts from the exam-registration platform (docs/accounts.md).
    Accounts {
        #[command(subcommand)]
        command: AccountsCommand,
    },
    /// Seal keys: list, rotate (new P-256 and SM2 keys from the CAs in keys_dir), install (your own PEM key + chain), install-sm2 (your own SM2 key + chain).
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Synthetic holders (`bench000000`…, password on standard input) with
    /// certificates, old and queued endorsements: data for the benchmark
    /// (docs/performance.md), never for a production database.
    LoadTestData {
        #[arg(long, default_value_t = 50)]
        holders: i64,
        #[arg(long, default_value_t = 10)]
        certificates_per_holder: i64,
        #[arg(long, default_value_t = 0)]
        past_endorsements_per_certificate: i64,
        /// Endorsements left waiting for the generation workers.
        #[arg(long, default_value_t = 0)]
        queued: i64,
    },
    /// Staff accounts of issuing bodies.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum AccountsCommand {
    /// Load accounts with their platform password hashes from a CSV or JSON
    /// file: nothing is written unless every row is valid. Exit status 0:
    /// loaded (or nothing new); 1: problems (listed); 2: error.
    Import {
        file: std::path::PathBuf,
        /// Check only; write nothing.
        #[arg(long)]
        check: bool,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    List,
    Rotate {
        #[arg(long)]
        seal: String,
    },
    Install {
        #[arg(long)]
        seal: String,
        /// P-256 private key, PKCS#8 or SEC1 PEM.
        #[arg(long)]
        key: std::path::PathBuf,
        /// The seal certificate, then its issuers up to the root, PEM.
        #[arg(long)]
        chain: std::path::PathBuf,
    },
    /// Your own SM2 key + chain for the seal's OFD copies (docs/ofd.md).
    InstallSm2 {
        #[arg(long)]
        seal: String,
        /// SM2 private key, PKCS#8 PEM.
        #[arg(long)]
        key: std::path::PathBuf,
        /// The seal's SM2 certificate, then its issuers up to the root, PEM.
        #[arg(long)]
        chain: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an administrator or an issuer; the password is read from standard input.
    Create {
        #[arg(long)]
        username: String,
        /// The name shown in the portal and the audit log.
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "admin", value_parser = ["admin", "issuer"])]
        role: String,
        /// An issuer's issuing body, by seal code (e.g. mohrss, cba).
        #[arg(long)]
        seal: Option<String>,
        /// Succeed without change when the username exists (scripts).
        #[arg(long)]
        if_missing: bool,
    },
}

/// mimalloc instead of glibc's malloc: glibc kept freed memory in
/// per-thread arenas (200 logins took the server from 50 MiB to 1.5 GiB
/// until `mallopt` fixed its thresholds, and bursts of uploads or import
/// checks still left it hundreds of MiB up), while mimalloc returns what is
/// freed to the system within milliseconds. Measured before and after in
/// docs/performance.md ("Allocator").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // Blocking threads (PDF checks, password hashes) that sit idle for a
    // second end, and mimalloc takes their heaps back: with tokio's 10 s,
    // memory freed on them stayed resident that long after a burst.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_keep_alive(std::time::Duration::from_secs(1))
        .enable_all()
        .build();
    match runtime {
        Ok(runtime) => runtime.block_on(run()),
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

async fn run() -> std::process::ExitCode {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    // ECERT_LOG_FORMAT=json: one JSON object per line, the span's fields
    // (the request id) included, for a log collector.
    if std::env::var("ECERT_LOG_FORMAT").is_ok_and(|f| f == "json") {
        tracing_subscriber::fmt().json().with_current_span(true).with_env_filter(filter).init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve().await,
        Command::Verify { file, json } => match verify(&file, json).await {
            Ok(true) => Ok(()),
            Ok(false) => return std::process::ExitCode::from(1),
            Err(e) => Err(e),
        },
        Command::Import { file, seal, check } => match settings() {
            Ok(s) => match server::admin_cli::import(&s, &file, seal.as_deref(), check).await {
                Ok(true) => Ok(()),
                Ok(false) => return std::process::ExitCode::from(1),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        },
        Command::Accounts { command: AccountsCommand::Import { file, check } } => match settings() {
            Ok(s) => match server::admin_cli::import_accounts(&s, &file, check).await {
                Ok(true) => Ok(()),
                Ok(false) => return std::process::ExitCode::from(1),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        },
        Command::Keys { command } => match settings() {
            Ok(s) => match command {
                KeysCommand::List => server::admin_cli::list_keys(&s).await,
                KeysCommand::Rotate { seal } => server::admin_cli::change_key(&s, &seal, None).await,
                KeysCommand::Install { seal, key, chain } => {
                    server::admin_cli::change_key(&s, &seal, Some((&key, &chain))).await
                }
                KeysCommand::InstallSm2 { seal, key, chain } => {
                    server::admin_cli::install_sm2_key(&s, &seal, &key, &chain).await
                }
            },
            Err(e) => Err(e),
        },
        Command::LoadTestData { holders, certificates_per_holder, past_endorsements_per_certificate, queued } => {
            let data = app::service::demo::LoadTestData {
                holders,
                certificates_per_holder,
                past_endorsements_per_certificate,
                queued,
            };
            match settings() {
                Ok(s) => server::admin_cli::load_test_data(&s, &data).await,
                Err(e) => Err(e),
            }
        }
        Command::Admin { command: AdminCommand::Create { username, name, role, seal, if_missing } } => match settings()
        {
            Ok(s) => {
                let role = app::domain::staff::Role::from_code(&role).expect("clap checked the role");
                server::admin_cli::create_staff(&s, &username, &name, role, seal.as_deref(), if_missing).await
            }
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

async fn serve() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    raise_open_file_limit();
    let config = server::config::load(&server::config::config_path())?;
    let addr = config.leptos.site_addr;
    let settings = config.settings.clone();
    let service = server::startup::build(config).await?;
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    tracing::info!("listening on http://{addr}");
    let grace = std::time::Duration::from_secs(settings.shutdown_grace_seconds);
    let timeouts = server::listener::Timeouts {
        header_read: std::time::Duration::from_secs(settings.header_read_timeout_seconds),
        grace,
    };
    // At the signal the listener drains and the workers finish their copies,
    // side by side, each within the grace period.
    let stop = tokio_util::sync::CancellationToken::new();
    let workers = service.workers;
    let stopping_workers = tokio::spawn({
        let stop = stop.clone();
        async move {
            stop.cancelled().await;
            workers.stop(grace).await;
        }
    });
    let signal = async move {
        shutdown_signal().await;
        stop.cancel();
    };
    if !server::listener::serve(listener, service.router, timeouts, signal).await {
        tracing::warn!(grace_s = grace.as_secs(), "requests still in flight at the end of the grace period were dropped");
    }
    let _ = stopping_workers.await;
    tracing::info!("stopped");
    Ok(())
}

/// Each connection is a file descriptor: the soft limit (often 1,024) is
/// raised to the hard one, so that many idle or slow clients cannot take
/// the last one while the header-read timeout runs.
fn raise_open_file_limit() {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

fn settings() -> Result<app::config::Settings, Box<dyn std::error::Error + Send + Sync>> {
    Ok(server::config::load(&server::config::config_path())?.settings)
}

async fn verify(file: &std::path::Path, json: bool) -> Result<bool, Box<dyn std::error::Error + Send + Sync>> {
    let config = server::config::load(&server::config::config_path())?;
    server::verify_cli::run(&config.settings, file, json).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("stop signal received");
}
