//! Scale: a holder's certificate list and an endorsement application on a
//! database of 1,000 certificates and on one of 1,000,000 certificates with
//! 3,000,000 endorsements behind them (synthetic, loaded in bulk).

use std::time::{Duration, Instant};

use super::holder::{apply, certificate_ids, username};
use crate::http::{Client, Error};
use crate::report::Report;
use crate::server::{Server, PASSWORD};
use crate::stats::Latencies;

struct Timings {
    list: Latencies,
    apply: Latencies,
    load: Duration,
}

/// `holders` × 10 certificates × 3 past endorsements; holder 0 measured.
async fn measure(name: &str, port: u16, holders: i64) -> Result<Timings, Error> {
    let mut server = Server::fresh(name, port)?;
    server.start().await?;
    server.stop().await?;
    let started = Instant::now();
    let args = [
        "--holders",
        &holders.to_string(),
        "--certificates-per-holder",
        "10",
        "--past-endorsements-per-certificate",
        "3",
    ];
    server.load_test_data(&args).await?;
    let load = started.elapsed();
    server.start().await?;
    let mut client = Client::login(server.addr, &username(0), PASSWORD).await?;
    let mut list = Latencies::default();
    for _ in 0..300 {
        let sent = Instant::now();
        let reply = client.get("/certificates").await?;
        if reply.status != 200 {
            return Err(format!("/certificates: {}", reply.status).into());
        }
        list.push(sent.elapsed());
    }
    let mut applications = Latencies::default();
    for certificate in certificate_ids(&mut client).await? {
        applications.push(apply(&mut client, certificate).await?.1);
    }
    server.stop().await?;
    Ok(Timings { list, apply: applications, load })
}

/// Within 50 % and 2 ms of the small database: "as fast", allowing for noise.
fn as_fast(large: f64, small: f64) -> bool {
    large <= small * 1.5 || large <= small + 2.0
}

pub async fn run(report: &mut Report, large_holders: i64) -> Result<(), Error> {
    let small = measure("scale-1k", 3213, 100).await?;
    let large = measure("scale-large", 3214, large_holders).await?;
    let certificates = large_holders * 10;
    report.note(
        "Synthetic load (holders, 10 certificates each, 3 endorsements per certificate)",
        format!("{certificates} certificates + {} endorsements in {:.1} s", certificates * 3, large.load.as_secs_f64()),
    );
    let (s, l) = (small.list.percentile_ms(50.0), large.list.percentile_ms(50.0));
    report.add(
        &format!("Holder's list at {certificates} certificates vs 1,000"),
        "as fast (≤ 1.5× or + 2 ms)",
        format!(
            "p50 {l:.2} ms vs {s:.2} ms (p99 {:.2} vs {:.2})",
            large.list.percentile_ms(99.0),
            small.list.percentile_ms(99.0)
        ),
        as_fast(l, s),
    );
    let (s, l) = (small.apply.percentile_ms(50.0), large.apply.percentile_ms(50.0));
    report.add(
        &format!("Endorsement application at {certificates} certificates vs 1,000"),
        "as fast (≤ 1.5× or + 2 ms)",
        format!("p50 {l:.2} ms vs {s:.2} ms"),
        as_fast(l, s),
    );
    Ok(())
}
