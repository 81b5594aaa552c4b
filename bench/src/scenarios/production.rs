//! README's production build (`scripts/build-release.sh`, without the
//! `demo` feature; scripts/test.sh keeps it as `target/release/server-production`),
//! as an operator meets it: asked for the demo data (`seed_demo = true`) it
//! refuses to start, saying why, before it touches the data directory;
//! `server load-test-data` refuses at once; with `seed_demo = false` it
//! serves, ready, with no demo account.

use std::{path::Path, process::Output, time::Duration};

use crate::http::{Client, Error};
use crate::report::Report;
use crate::server::{Server, PASSWORD};

pub const BINARY: &str = "target/release/server-production";

pub async fn run(report: &mut Report, demo_holder: &str, demo_password: &str) -> Result<(), Error> {
    if !Path::new(BINARY).exists() {
        return Err(format!("{BINARY} is missing: scripts/test.sh builds it with scripts/build-release.sh").into());
    }
    let asked_for_demo = Server::fresh("production", 3240)?.with_binary(BINARY).with_env("ECERT_SEED_DEMO", "true");
    let refusals = [
        ("serve with seed_demo = true", refusal(&asked_for_demo, &["serve"], "").await?, "seed_demo = true"),
        ("load-test-data", refusal(&asked_for_demo, &["load-test-data"], PASSWORD).await?, "no demo data"),
    ];
    let mut wrong = Vec::new();
    for (command, out, reason) in &refusals {
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.success() || !stderr.contains(reason) {
            wrong.push(format!("{command}: {} without {reason:?}: {}", out.status, stderr.trim()));
        }
    }
    let written: Vec<_> = std::fs::read_dir(&asked_for_demo.data_dir)?.flatten().map(|e| e.file_name()).collect();
    if !written.is_empty() {
        wrong.push(format!("the data directory was written: {written:?}"));
    }
    report.add(
        "Production build: asked for demo data (seed_demo = true, load-test-data), it refuses and writes nothing",
        "both refused, saying why; data directory empty",
        if wrong.is_empty() { "both refused; nothing written".to_string() } else { wrong.join("; ") },
        wrong.is_empty(),
    );

    let mut server = Server::fresh("production", 3240)?.with_binary(BINARY);
    let result = serves_without_demo_accounts(&mut server, report, demo_holder, demo_password).await;
    server.stop().await?;
    result
}

/// A command that should refuse at once; one that runs on (a server that
/// serves) is stopped after 60 s and fails the scenario.
async fn refusal(server: &Server, args: &[&str], input: &str) -> Result<Output, Error> {
    let ran = tokio::time::timeout(Duration::from_secs(60), server.output(args, input)).await;
    ran.map_err(|_| format!("{} did not end within 60 s", args.join(" ")))?
}

async fn serves_without_demo_accounts(
    server: &mut Server,
    report: &mut Report,
    demo_holder: &str,
    demo_password: &str,
) -> Result<(), Error> {
    let took = server.start().await?;
    let ready = Client::new(server.addr).get("/readyz").await?.status;
    let mut client = Client::new(server.addr);
    let sign_in = client.call("login", &[("username", demo_holder), ("password", demo_password)]).await?;
    let signed_in = sign_in.location.as_deref().is_some_and(|l| ["/terms", "/certificates"].contains(&l));
    let holders = server.sql_number("SELECT count(*) FROM holders").await?;
    report.add(
        "Production build: serves on a fresh data directory, with no demo account",
        "ready; the demo holder refused; no holders",
        format!(
            "first page after {:.1} s; /readyz {ready}; {demo_holder}: {} {:?}; {holders} holders",
            took.as_secs_f64(),
            sign_in.status,
            sign_in.location
        ),
        ready.is_success() && !signed_in && holders == 0,
    );
    Ok(())
}
