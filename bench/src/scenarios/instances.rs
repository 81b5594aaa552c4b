//! Two release servers on one PostgreSQL database (issue 8), checked as an
//! operator would: a holder applies through instance A and downloads through
//! B; 500 applications through both are each generated once, by workers of
//! both; instance B is killed (SIGKILL) while they come in and nothing is
//! lost: its claimed jobs are taken up by A once their lease ends, its
//! holders go on through A with the sessions they opened on B, and an
//! application sent again through A with the same form key is not made
//! twice. The database is read with psql.

use std::time::{Duration, Instant};

use tokio::process::Command;

use super::holder::{apply, apply_with_key, certificate_ids, username, wait_until_valid};
use crate::http::{Client, Error};
use crate::report::Report;
use crate::server::{Server, PASSWORD};

/// Holders applying at once (10 certificates each, one application each).
const HOLDERS: usize = 50;
const APPLICATIONS: i64 = HOLDERS as i64 * 10;
/// Short leases, so that A takes up the jobs B held within seconds.
const LEASE_SECONDS: &str = "5";
const READY: &str = "SELECT COUNT(*) FROM endorsements WHERE status = 'ready'";
/// The endorsement quota per certificate (domain.md: 3 in 90 days).
const QUOTA: usize = 3;
/// Endorsements made before the 500: the journey's, the quota's, the repeated form's.
const EARLIER: i64 = 1 + QUOTA as i64 + 1;

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
    let certificates = certificate_ids(&mut through_a).await?;
    let certificate = certificates[0];
    let (id, _) = apply(&mut through_a, certificate).await?;
    let mut through_b = moved_to(&through_a, b.addr);
    wait_until_valid(&mut through_b, certificate, id, Duration::from_millis(50)).await?;
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

    // The quota and the form key hold across instances: six applications
    // for one certificate at once, alternately through A and B, make three
    // copies (the quota); four sends of one form through both make one.
    let (quota_certificate, repeated_certificate) = (certificates[1], certificates[2]);
    let mut attempts = tokio::task::JoinSet::new();
    for n in 0..6 {
        let mut client = moved_to(&through_a, if n % 2 == 0 { a.addr } else { b.addr });
        attempts.spawn(async move {
            let key = format!("{:032x}", rand::random::<u128>());
            apply_with_key(&mut client, quota_certificate, &key).await.is_ok()
        });
    }
    let repeated_key = format!("{:032x}", rand::random::<u128>());
    let mut repeats = tokio::task::JoinSet::new();
    for n in 0..4 {
        let mut client = moved_to(&through_a, if n % 2 == 0 { a.addr } else { b.addr });
        let key = repeated_key.clone();
        repeats.spawn(async move { apply_with_key(&mut client, repeated_certificate, &key).await.map(|(id, _)| id) });
    }
    let accepted = attempts.join_all().await.into_iter().filter(|ok| *ok).count();
    let mut ids: Vec<i64> = repeats.join_all().await.into_iter().collect::<Result<_, _>>()?;
    ids.dedup();
    let stored = a
        .sql_number(&format!(
            "SELECT COUNT(*) FROM endorsements e JOIN certificates c ON c.id = e.certificate_id
             WHERE c.id IN ({quota_certificate}, {repeated_certificate})"
        ))
        .await?;
    report.add(
        "Two instances: the quota and the form key across both",
        "6 at once → 3; one form sent 4 times → 1",
        format!(
            "{accepted} of 6 accepted; the repeated form answered with {} endorsement(s); {stored} stored",
            ids.len()
        ),
        accepted == QUOTA && ids.len() == 1 && stored == QUOTA as i64 + 1,
    );

    // 500 applications, half of the holders through each instance. B is
    // killed (SIGKILL) while they come in, once it has made a few copies and
    // holds claims; its holders then go on through A, as a proxy would send
    // them, retrying an application B may or may not have taken with the
    // same form key.
    let by = |pid: u32| {
        format!("SELECT COUNT(*) FROM audit_log WHERE event = 'endorsement_ready' AND detail LIKE '{pid}-%'")
    };
    let submitted = Instant::now();
    let (a_addr, b_addr) = (a.addr, b.addr);
    let submit = async move {
        let mut holders = tokio::task::JoinSet::new();
        for n in 1..=HOLDERS {
            let home = if n % 2 == 0 { a_addr } else { b_addr };
            holders.spawn(async move {
                let mut client = match Client::login(home, &username(n), PASSWORD).await {
                    Ok(client) => client,
                    Err(_) => Client::login(a_addr, &username(n), PASSWORD).await?,
                };
                let mut failed_over = false;
                let certificates = match certificate_ids(&mut client).await {
                    Ok(ids) => ids,
                    Err(_) => {
                        client = moved_to(&client, a_addr);
                        failed_over = true;
                        certificate_ids(&mut client).await?
                    }
                };
                let mut retried = 0;
                for certificate in certificates {
                    let key = format!("{:032x}", rand::random::<u128>());
                    if apply_with_key(&mut client, certificate, &key).await.is_err() && client.addr() != a_addr {
                        client = moved_to(&client, a_addr);
                        failed_over = true;
                        retried += 1;
                        apply_with_key(&mut client, certificate, &key).await?;
                    }
                }
                Ok::<(std::net::SocketAddr, Client, bool, i64), Error>((home, client, failed_over, retried))
            });
        }
        let mut clients = Vec::new();
        while let Some(done) = holders.join_next().await {
            clients.push(done??);
        }
        Ok::<_, Error>(clients)
    };
    let kill = async {
        wait_for(&a, &by(pid_b), 10, Duration::from_secs(60)).await?;
        b.kill().await?;
        Ok::<_, Error>((a.sql_number(&by(pid_b)).await?, a.sql_number(READY).await? - EARLIER))
    };
    let (clients, killed) = tokio::join!(submit, kill);
    let (clients, (made_by_b_at_kill, ready_at_kill)) = (clients?, killed?);
    let submit_took = submitted.elapsed();
    let failed_over = clients.iter().filter(|(_, _, moved, _)| *moved).count();
    let retried: i64 = clients.iter().map(|(_, _, _, retried)| retried).sum();
    let finished = wait_for(&a, READY, APPLICATIONS + EARLIER, Duration::from_secs(180)).await;

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
    let all = APPLICATIONS + EARLIER;
    let once = finished.is_ok()
        && [ready, files, issued, entries] == [all; 4]
        && failed == 0
        && twice == 0
        && made_by_a > 0
        && made_by_b > 0
        && ready_at_kill < APPLICATIONS;
    report.add(
        "Two instances: 500 applications through both, B killed mid-run",
        "each generated once, by both, none lost",
        format!(
            "submitted in {:.1} s, B killed meanwhile with {ready_at_kill} of {APPLICATIONS} ready \
             ({failed_over} holders moved to A, {retried} applications sent again); then {ready}/{all} ready, \
             {failed} not, {files} files, {issued} digests, {entries} ready entries ({twice} twice); made by A {made_by_a}, \
             by B {made_by_b} (all before its death: {}); {taken_over} taken over from B after its lease",
            submit_took.as_secs_f64(),
            made_by_b == made_by_b_at_kill
        ),
        once && made_by_b == made_by_b_at_kill,
    );

    // B's holders go on through A with the sessions they opened on B.
    let mut moved = 0;
    for (_, client, _, _) in clients.iter().filter(|(home, ..)| *home == b.addr) {
        if certificate_ids(&mut moved_to(client, a.addr)).await?.len() == 10 {
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

/// The same session, through another instance.
fn moved_to(client: &Client, addr: std::net::SocketAddr) -> Client {
    let mut moved = Client::new(addr);
    moved.cookie = client.cookie.clone();
    moved
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
