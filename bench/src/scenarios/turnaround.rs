//! Endorsement turnaround: submit → ready for one holder alone, and for 50
//! holders applying at the same moment.

use std::{sync::Arc, time::Duration};

use tokio::sync::Barrier;

use super::holder::{apply_and_wait, certificate_ids, username};
use crate::http::{Client, Error};
use crate::report::Report;
use crate::server::{Server, PASSWORD};
use crate::stats::Latencies;

pub const CONCURRENT_HOLDERS: usize = 50;
/// Poll periods: one holder alone can poll finely; 50 polling every 10 ms
/// would themselves be 5,000 requests a second competing with the workers.
const POLL_ALONE: Duration = Duration::from_millis(10);
const POLL_TOGETHER: Duration = Duration::from_millis(25);

/// Holder 0 alone (two rounds over its 10 certificates), then holders
/// 1..=50 together, `rounds` times. Returns holder 0's session and one of
/// its ready endorsements for the download scenario.
pub async fn run(server: &Server, report: &mut Report, rounds: usize) -> Result<(Client, i64), Error> {
    let mut alone = Client::login(server.addr, &username(0), PASSWORD).await?;
    let certificates = certificate_ids(&mut alone).await?;
    let mut single = Latencies::default();
    let mut ready = 0;
    for _ in 0..2 {
        for &certificate in &certificates {
            let (id, took) = apply_and_wait(&mut alone, certificate, POLL_ALONE).await?;
            single.push(took);
            ready = id;
        }
    }
    let p50 = single.percentile_ms(50.0);
    report.add(
        "Turnaround, one holder",
        "p50 ≤ 100 ms",
        format!("p50 {p50:.0} ms, polled every 10 ms ({})", single.summary()),
        p50 <= 100.0,
    );

    let mut holders = Vec::new();
    for n in 1..=CONCURRENT_HOLDERS {
        let mut client = Client::login(server.addr, &username(n), PASSWORD).await?;
        let ids = certificate_ids(&mut client).await?;
        holders.push((client, ids));
    }
    let barrier = Arc::new(Barrier::new(CONCURRENT_HOLDERS));
    let tasks: Vec<_> = holders
        .into_iter()
        .map(|(mut client, ids)| {
            let barrier = barrier.clone();
            tokio::spawn(async move {
                let mut latencies = Latencies::default();
                for round in 0..rounds {
                    barrier.wait().await;
                    latencies.push(apply_and_wait(&mut client, ids[round % ids.len()], POLL_TOGETHER).await?.1);
                }
                Ok::<_, Error>(latencies)
            })
        })
        .collect();
    let mut together = Latencies::default();
    for task in tasks {
        together.extend(task.await??);
    }
    let p99 = together.percentile_ms(99.0);
    report.add(
        "Turnaround, 50 holders at once",
        "p99 ≤ 250 ms",
        format!("p99 {p99:.0} ms, polled every 25 ms ({rounds} rounds; {})", together.summary()),
        p99 <= 250.0,
    );
    Ok((alone, ready))
}
