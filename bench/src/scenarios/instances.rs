//! Two release servers on one PostgreSQL database (issue 8), checked as an
//! operator would: a holder applies through instance A and downloads through
//! B; 500 applications through both are each generated once, by workers of
//! both; instance B is killed (SIGKILL) mid-run and nothing is lost: its
//! claimed jobs are taken up by A once their lease ends, and its holders'
//! sessions go on working on A. The database is read with psql.

use std::time::{Duration, Instant};

use tokio::process::Command;

use super::holder::{apply, certificate_ids, username};
use crate::http::{Client, Error};
use crate::report::Report;
use crate::server::{Server, PASSWORD};

/// Holders applying at once (10 certificates each, one application each).
const HOLDERS: usize = 50;
const APPLICATIONS: i64 = HOLDERS as i64 * 10;
/// Short leases, so that A takes up the jobs B held within seconds.
const LEASE_SECONDS: &str = "5";
const READY: &str = "SELECT COUNT(*) FROM endorsements WHERE status = 'ready'";

pub async fn run(report: &mut Report, postgres: &str) -> Result<(), Error> {
    let url = fresh_database(postgres, "ecert_instances").await?;
    let keys = std::path::absolute("target/bench/instances-keys")?;
    let _ = std::fs::remove_dir_all(&keys);
    let instance = |name: &str, port: u16| -> Result<Server, Error> {
        Ok(Server::fresh(name, port)?
            .with_env("ECERT_DATABASE_URL", &url)
            // Every instance signs with the same seal keys.
            .with_env("ECERT_KEYS_DIR", &keys.display().to_string())
            .with_env("ECERT_GENERATION_LEASE_SECONDS", LEASE_SECONDS))
    };
    let mut a = instance("instance-a", 3310)?;
    let mut b = instance("instance-b", 3311)?;
    a.load_test_data(&["--holders", &(HOLDERS + 1).to_string(), "--certificates-per-holder", "10"]).await?;
    // A first: it makes the demo seal keys that B then loads.
    a.start().await?;
    b.start().await?;
    let (pid_a, pid_b) = (a.pid().ok_or("A has no pid")?, b.pid().ok_or("B has no pid")?);

    // One holder: applies through A, waits and downloads through B.
    let mut through_a = Client::login(a.addr, &username(0), PASSWORD).await?;
    let certificate = certificate_ids(&mut through_a).await?[0];
    let (id, _) = apply(&mut through_a, certificate).await?;
    let mut through_b = Client::new(b.addr);
    through_b.cookie = through_a.cookie.clone();
    let started = Instant::now();
    while phase(&mut through_b, certificate, id).await?.as_deref() != Some("valid") {
        if started.elapsed() > Duration::from_secs(60) {
            return Err(format!("endorsement {id} not ready after 60 s").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let path = format!("/api/endorsement_file?id={id}&download=true");
    let (from_b, from_a) = (through_b.get(&path).await?, through_a.get(&path).await?);
    let same = from_b.status.is_success() && from_b.body.starts_with(b"%PDF-") && from_b.body == from_a.body;
    report.add(
        "Two instances: apply through A, download through B",
        "the same signed copy",
        format!(
            "B answered {} with {} bytes, {} A's",
            from_b.status,
            from_b.body.len(),
            if same { "as" } else { "unlike" }
        ),
        same,
    );

    // 500 applications, half of the holders through each instance.
    let submitted = Instant::now();
    let mut holders = tokio::task::JoinSet::new();
    for n in 1..=HOLDERS {
        let addr = if n % 2 == 0 { a.addr } else { b.addr };
        holders.spawn(async move {
            let mut client = Client::login(addr, &username(n), PASSWORD).await?;
            for certificate in certificate_ids(&mut client).await? {
                apply(&mut client, certificate).await?;
            }
            Ok::<Client, Error>(client)
        });
    }
    let mut clients = Vec::new();
    while let Some(done) = holders.join_next().await {
        clients.push(done??);
    }
    let submit_took = submitted.elapsed();

    // B dies once it has made some of the copies and holds claims.
    let by = |pid: u32| {
        format!("SELECT COUNT(*) FROM audit_log WHERE event = 'endorsement_ready' AND detail LIKE '{pid}-%'")
    };
    wait_for(&a, &by(pid_b), 10, Duration::from_secs(60)).await?;
    b.kill().await?;
    let made_by_b_at_kill = a.sql_number(&by(pid_b)).await?;
    let ready_at_kill = a.sql_number(READY).await? - 1;
    let finished = wait_for(&a, READY, APPLICATIONS + 1, Duration::from_secs(180)).await;

    let number = |query: &'static str| a.sql_number(query);
    let ready = number(READY).await?;
    let failed = number("SELECT COUNT(*) FROM endorsements WHERE status <> 'ready'").await?;
    let files = number("SELECT COUNT(*) FROM endorsement_files").await?;
    let issued = number("SELECT COUNT(*) FROM issued_files WHERE endorsement_id IS NOT NULL").await?;
    let entries = number("SELECT COUNT(*) FROM audit_log WHERE event = 'endorsement_ready'").await?;
    let twice = number(
        "SELECT COUNT(*) FROM (SELECT subject FROM audit_log WHERE event = 'endorsement_ready'
         GROUP BY subject HAVING COUNT(*) > 1) AS twice",
    )
    .await?;
    let (made_by_a, made_by_b) = (a.sql_number(&by(pid_a)).await?, a.sql_number(&by(pid_b)).await?);
    // Claimed by B, lost with it, claimed again by A once the lease ran out.
    let taken_over = number("SELECT COUNT(*) FROM endorsements WHERE attempts > 1").await?;
    let all = APPLICATIONS + 1;
    let once = finished.is_ok()
        && [ready, files, issued, entries] == [all; 4]
        && failed == 0
        && twice == 0
        && made_by_a > 0
        && made_by_b > 0
        && (taken_over > 0 || ready_at_kill == APPLICATIONS);
    report.add(
        "Two instances: 500 applications through both, B killed mid-run",
        "each generated once, by both, none lost",
        format!(
            "submitted in {:.1} s; B killed with {ready_at_kill} of {APPLICATIONS} ready; then {ready}/{all} ready, \
             {failed} not, {files} files, {issued} digests, {entries} ready entries ({twice} twice); made by A {made_by_a}, \
             by B {made_by_b} (all before its death: {}); {taken_over} taken over from B after its lease",
            submit_took.as_secs_f64(),
            made_by_b == made_by_b_at_kill
        ),
        once && made_by_b == made_by_b_at_kill,
    );

    // B's holders go on through A with the sessions they opened on B.
    let mut moved = 0;
    for client in clients.iter().filter(|c| c.addr() == b.addr) {
        let mut on_a = Client::new(a.addr);
        on_a.cookie = client.cookie.clone();
        if certificate_ids(&mut on_a).await?.len() == 10 {
            moved += 1;
        }
    }
    report.add(
        "Two instances: B's holders after B died",
        "signed in on A",
        format!("{moved} of {} see their certificates through A", HOLDERS / 2),
        moved == HOLDERS / 2,
    );
    a.stop().await
}

async fn phase(client: &mut Client, certificate: i64, id: i64) -> Result<Option<String>, Error> {
    let list = client.call_ok("endorsements", &[("certificate_id", &certificate.to_string())]).await?;
    Ok(list
        .as_array()
        .and_then(|l| l.iter().find(|e| e["id"].as_i64() == Some(id)))
        .and_then(|e| e["phase"].as_str().map(str::to_string)))
}

/// Polls `query` until it reaches `at_least`.
async fn wait_for(server: &Server, query: &str, at_least: i64, limit: Duration) -> Result<(), Error> {
    let started = Instant::now();
    loop {
        let now = server.sql_number(query).await?;
        if now >= at_least {
            return Ok(());
        }
        if started.elapsed() > limit {
            return Err(format!("{query}: {now} after {} s, expected {at_least}", limit.as_secs()).into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// An empty database `name` on the server of `postgres` (psql), and its URL.
async fn fresh_database(postgres: &str, name: &str) -> Result<String, Error> {
    for sql in [format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"), format!("CREATE DATABASE {name}")] {
        let out = Command::new("psql").args([postgres, "-Atc", &sql]).output().await?;
        if !out.status.success() {
            return Err(format!("psql {sql}: {}", String::from_utf8_lossy(&out.stderr)).into());
        }
    }
    let (server, _) = postgres.rsplit_once('/').ok_or("no database in the PostgreSQL URL")?;
    Ok(format!("{server}/{name}"))
}
