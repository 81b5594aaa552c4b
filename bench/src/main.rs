//! `cargo run --release -p bench` (or `scripts/bench.sh`, which builds the
//! release server first): seeds data, runs every performance scenario of
//! docs/performance.md against `target/release/server` on loopback, and
//! prints each target with its measured value and pass/fail. The table is
//! also written to target/bench/report.md. Run from the repository root.
//!
//! `--quick`: shorter runs and smaller data (a smoke run, not the figures).
//! `--only a,b`: some scenarios (quickstart, client, serving, generation,
//! scale, import, amplification, instances, production). `quickstart` runs README's quick start after
//! the build (scripts/demo.sh), signs in every demo account README lists,
//! and measures what a first visitor receives (bytes on the wire, slow 4G). `instances` (two servers on one PostgreSQL) runs when
//! `ECERT_TEST_POSTGRES_URL` names a PostgreSQL server whose user may create
//! databases (scripts/test.sh starts one). `production` checks the
//! production build (`target/release/server-production`, which
//! scripts/test.sh keeps) refuses demo data; it runs when that binary exists.

mod http;
mod load;
mod report;
mod scenarios;
mod server;
mod stats;

use std::process::ExitCode;

use report::Report;
use scenarios::*;
use server::Server;

struct Plan {
    seconds: u64,
    rounds: usize,
    queued: i64,
    large_holders: i64,
    import_rows: usize,
    paint_runs: usize,
}

const FULL: Plan =
    Plan { seconds: 10, rounds: 4, queued: 6000, large_holders: 100_000, import_rows: 1_000_000, paint_runs: 10 };
const QUICK: Plan =
    Plan { seconds: 2, rounds: 2, queued: 1200, large_holders: 5_000, import_rows: 50_000, paint_runs: 3 };

/// The holders' scenarios on one server: turnaround, download, the list
/// page, paint and hydration, then restarts.
async fn serving(report: &mut Report, plan: &Plan) -> Result<(), http::Error> {
    let mut server = Server::fresh("serving", 3210)?;
    server.start().await?;
    server.stop().await?;
    let holders = (turnaround::CONCURRENT_HOLDERS + 1).to_string();
    server.load_test_data(&["--holders", &holders, "--certificates-per-holder", "10"]).await?;
    server.start().await?;
    let (holder, ready) = turnaround::run(&server, report, plan.rounds).await?;
    download::run(&server, &holder, ready, report, plan.seconds).await?;
    pages::ssr(&server, &holder, report, plan.seconds).await?;
    pages::paint(&server, &holder, report, plan.paint_runs).await?;
    start::run(&mut server, report, 5).await?;
    server.stop().await
}

/// README's quick start on a fresh data directory, then a first visit to it.
async fn quickstart(report: &mut Report) -> Result<(), http::Error> {
    let mut server = quickstart::start(report).await?;
    let accounts = quickstart::readme_accounts(&std::fs::read_to_string("README.md")?)?;
    let result = async {
        quickstart::run(&server, &accounts, report).await?;
        wire::run(&server, &accounts.password, report).await
    }
    .await;
    server.stop().await?;
    result
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let plan = if args.iter().any(|a| a == "--quick") { &QUICK } else { &FULL };
    let only: Option<Vec<String>> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(|list| list.split(',').map(str::to_string).collect());
    let wanted = |name: &str| only.as_ref().is_none_or(|o| o.iter().any(|n| n == name));
    if !std::path::Path::new("target/release/server").exists() {
        eprintln!("target/release/server is missing: run scripts/bench.sh (it builds it) from the repository root");
        return ExitCode::from(2);
    }

    let mut report = Report::default();
    if wanted("quickstart") {
        println!("== quick start and a first visit");
        if let Err(e) = quickstart(&mut report).await {
            report.error("quickstart", &e.to_string());
        }
    }
    if wanted("production") && (only.is_some() || std::path::Path::new(production::BINARY).exists()) {
        println!("== the production build");
        let readme = std::fs::read_to_string("README.md").map_err(http::Error::from);
        let result = match readme.and_then(|text| quickstart::readme_accounts(&text)) {
            Ok(accounts) => production::run(&mut report, &accounts.holders[0], &accounts.password).await,
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            report.error("production", &e.to_string());
        }
    }
    if wanted("client") {
        println!("== client size");
        if let Err(e) = client_size::run(&mut report) {
            report.error("client size", &e.to_string());
        }
    }
    if wanted("serving") {
        println!("== turnaround, download, pages, start");
        if let Err(e) = serving(&mut report, plan).await {
            report.error("serving", &e.to_string());
        }
    }
    if wanted("generation") {
        println!("== generation throughput");
        if let Err(e) = generation::run(&mut report, plan.queued).await {
            report.error("generation", &e.to_string());
        }
    }
    if wanted("scale") {
        println!("== scale");
        if let Err(e) = scale::run(&mut report, plan.large_holders).await {
            report.error("scale", &e.to_string());
        }
    }
    if wanted("import") {
        println!("== import");
        if let Err(e) = import::run(&mut report, plan.import_rows).await {
            report.error("import", &e.to_string());
        }
    }

    let postgres = std::env::var("ECERT_TEST_POSTGRES_URL").unwrap_or_default();
    if wanted("amplification") {
        println!("== bounded cost of the worst inputs, and memory after a burst");
        if let Err(e) = amplification::run(&mut report).await {
            report.error("amplification", &e.to_string());
        }
    }
    if wanted("instances") && (only.is_some() || !postgres.is_empty()) {
        println!("== two instances on one PostgreSQL");
        let result = match postgres.as_str() {
            "" => Err("ECERT_TEST_POSTGRES_URL is not set".into()),
            url => instances::run(&mut report, url).await,
        };
        if let Err(e) = result {
            report.error("instances", &e.to_string());
        }
    }

    let table = report.markdown();
    println!("\n{table}");
    if let Err(e) =
        std::fs::create_dir_all("target/bench").and_then(|()| std::fs::write("target/bench/report.md", &table))
    {
        eprintln!("cannot write target/bench/report.md: {e}");
    }
    match report.failures() {
        0 => ExitCode::SUCCESS,
        n => {
            println!("{n} targets not met");
            ExitCode::from(1)
        }
    }
}
