//! Start: from launching the release server on an existing database to its
//! first answered page.

use crate::http::Error;
use crate::report::Report;
use crate::server::Server;
use crate::stats::Latencies;

pub async fn run(server: &mut Server, report: &mut Report, runs: usize) -> Result<(), Error> {
    let mut starts = Latencies::default();
    for _ in 0..runs {
        server.stop().await?;
        starts.push(server.start().await?);
    }
    let worst = starts.max_ms();
    report.add(
        "Start on an existing database",
        "ready ≤ 1 s",
        format!("{worst:.0} ms worst of {runs} (median {:.0} ms)", starts.percentile_ms(50.0)),
        worst <= 1000.0,
    );
    Ok(())
}
