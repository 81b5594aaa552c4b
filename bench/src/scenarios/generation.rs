//! Generation throughput: a queue of applications loaded while the server
//! is down, then drained by its workers (claim, render, sign, store),
//! timed from the moment the server answers to an empty queue.

use std::time::{Duration, Instant};

use crate::http::Error;
use crate::report::Report;
use crate::server::Server;

const GENERATING: &str = "SELECT COUNT(*) FROM endorsements WHERE status = 'generating'";

async fn drain(mut server: Server, queued: i64) -> Result<f64, Error> {
    let certificates = (queued + 2) / 3;
    let per_holder = 10;
    let holders = (certificates + per_holder - 1) / per_holder;
    // Keys are made at the first start: start once on the empty database so
    // that the timed run does not include it, then load the queue.
    server.start().await?;
    server.stop().await?;
    server
        .load_test_data(&[
            "--holders",
            &holders.to_string(),
            "--certificates-per-holder",
            &per_holder.to_string(),
            "--queued",
            &queued.to_string(),
        ])
        .await?;
    server.start().await?;
    let began = Instant::now();
    let left_at_ready = server.sql_number(GENERATING).await?;
    loop {
        let left = server.sql_number(GENERATING).await?;
        if left == 0 {
            break;
        }
        if began.elapsed() > Duration::from_secs(300) {
            return Err(format!("{left} still generating after 300 s").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elapsed = began.elapsed().as_secs_f64();
    let files = server.sql_number("SELECT COUNT(*) FROM endorsement_files").await?;
    let failed = server.sql_number("SELECT COUNT(*) FROM endorsements WHERE status = 'failed'").await?;
    server.stop().await?;
    if files != queued || failed != 0 {
        return Err(format!("{files} files for {queued} queued, {failed} failed").into());
    }
    Ok(left_at_ready as f64 / elapsed)
}

pub async fn run(report: &mut Report, queued: i64) -> Result<(), Error> {
    let both = drain(Server::fresh("generation", 3211)?, queued).await?;
    report.add(
        "Generation throughput, both cores (generate + sign + store)",
        "≥ 900 PDFs/s",
        format!("{both:.0} PDFs/s ({queued} queued)"),
        both >= 900.0,
    );
    // The default worker count follows the cores the process may use: 2 here.
    let one_core = Server::fresh("generation-one-core", 3212)?.on_one_core();
    let one = drain(one_core, queued / 2).await?;
    report.add(
        "Generation throughput, one core (server pinned with taskset)",
        "≥ 500 PDFs/s",
        format!("{one:.0} PDFs/s ({} queued)", queued / 2),
        one >= 500.0,
    );
    Ok(())
}
