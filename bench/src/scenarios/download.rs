//! 下载 of a ready copy with 200 connections: the stored bytes, never
//! re-rendered. Throughput with every connection sending back to back
//! (closed loop), and latency with the 200 together offering 5,000
//! requests a second (open loop: by Little's law, 200 connections back to
//! back at 5,000/s would wait 40 ms on average whatever the server did).
//! Then 下载 OFD of the same copy, which is made at each download
//! (docs/ofd.md): its latency one request at a time (every download is a
//! first download), and its throughput on both cores.

use std::{sync::Arc, time::Duration};

use crate::http::{Client, Error};
use crate::load;
use crate::report::Report;
use crate::server::Server;

const CONNECTIONS: usize = 200;
const RATE: f64 = 5000.0;

pub async fn run(
    server: &Server,
    holder: &Client,
    endorsement: i64,
    report: &mut Report,
    seconds: u64,
) -> Result<(), Error> {
    let path = format!("/api/endorsement_file?id={endorsement}&download=true");
    let ok = Arc::new(|r: &crate::http::Reply| r.status == 200 && r.body.starts_with(b"%PDF-"));
    let duration = Duration::from_secs(seconds);
    let most = load::get(server.addr, holder.cookie.clone(), path.clone(), CONNECTIONS, duration, ok.clone()).await;
    let rps = most.per_second();
    report.add(
        "Download of a ready copy, 200 connections back to back",
        "≥ 5,000 req/s",
        format!("{rps:.0} req/s ({})", most.summary()),
        rps >= RATE && most.errors == 0,
    );
    let paced = load::get_at_rate(server.addr, holder.cookie.clone(), path, CONNECTIONS, RATE, duration, ok).await;
    let p99 = paced.latencies.percentile_ms(99.0);
    // A user waits for each answer, so a slow server also lowers the rate offered: it must hold.
    let held = paced.per_second() >= 0.95 * RATE;
    report.add(
        "Download latency at 5,000 req/s offered over 200 connections",
        "p99 ≤ 20 ms (rate held ≥ 95 %)",
        format!("p99 {p99:.1} ms ({})", paced.summary()),
        p99 <= 20.0 && held && paced.errors == 0,
    );

    let ofd = format!("/api/endorsement_ofd?id={endorsement}");
    let is_ofd = Arc::new(|r: &crate::http::Reply| r.status == 200 && r.body.starts_with(b"PK\x03\x04"));
    let one = load::get(server.addr, holder.cookie.clone(), ofd.clone(), 1, duration, is_ofd.clone()).await;
    let (p50, p99) = (one.latencies.percentile_ms(50.0), one.latencies.percentile_ms(99.0));
    report.add(
        "下载 OFD (sealed on demand), one request at a time",
        "p99 ≤ 50 ms",
        format!("p50 {p50:.1} ms, p99 {p99:.1} ms ({})", one.summary()),
        p99 <= 50.0 && one.errors == 0,
    );
    let both = load::get(server.addr, holder.cookie.clone(), ofd, 4, duration, is_ofd).await;
    let rps = both.per_second();
    report.add(
        "下载 OFD (sealed on demand), 4 connections back to back",
        "≥ 150 req/s",
        format!("{rps:.0} req/s ({})", both.summary()),
        rps >= 150.0 && both.errors == 0,
    );
    Ok(())
}
