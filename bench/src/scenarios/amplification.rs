//! Bounded cost (docs/security.md, "Bounded cost"): the worst input we can
//! build within the limits, for each route that takes one, sent to a fresh
//! release server. Each answer must be at most max(64 KB, 2 × the input),
//! arrive within 1 s (10 s for a file of 200,000 rows), and the server's
//! resident memory (VmRSS in /proc/<pid>/status, sampled every 5 ms while
//! the request runs) may rise by at most 4 × the input + 32 MiB. Then a
//! burst, 32 uploads of 5 MB at once, two 31 MB import previews and 200
//! sign-ins (each an Argon2 hash of 19 MiB), after which the resident memory
//! must be back within 64 MiB of its level before the burst within 10 s.

use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use crate::http::{Client, Error, Reply};
use crate::report::Report;
use crate::scenarios::import::id_number;
use crate::server::Server;

const MIB: u64 = 1024 * 1024;
const ADMIN: &str = "bench-admin";
const ADMIN_PASSWORD: &str = "Bench#2026admin";
const CERTIFICATE_HEADER: &str =
    "certificate_number,management_number,holder_name,id_type,id_number,qualification_code,specialty,issued_on";

/// Resident memory of `pid`, in bytes.
fn rss(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
        * 1024
}

/// Samples `pid`'s resident memory until dropped; `peak()` is the highest seen.
struct Sampler {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
}

impl Sampler {
    fn start(pid: u32) -> Sampler {
        let (stop, peak) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicU64::new(rss(pid))));
        let (s, p) = (stop.clone(), peak.clone());
        tokio::spawn(async move {
            while !s.load(Ordering::Relaxed) {
                p.fetch_max(rss(pid), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
        Sampler { stop, peak }
    }

    fn peak(&self) -> u64 {
        self.peak.load(Ordering::Relaxed)
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// A multipart upload of `file` to /admin/upload, as the portal's form sends it.
fn upload_body(kind: &str, name: &str, file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----ecertBench7f3a";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Uploads a file for the portal's import check; its report's token.
async fn upload(admin: &mut Client, kind: &str, file: &[u8]) -> Result<String, Error> {
    let (content_type, body) = upload_body(kind, "worst.csv", file);
    let reply = admin.post("/admin/upload", &content_type, body, "text/html").await?;
    let location = reply.location.clone().ok_or_else(|| format!("upload: {} {}", reply.status, reply.text()))?;
    location.rsplit('/').next().map(str::to_string).ok_or_else(|| format!("upload went to {location}").into())
}

/// 200,000 rows of nothing but wrong fields: about 8 problems a row.
fn bad_certificates() -> Vec<u8> {
    let mut file = format!("{CERTIFICATE_HEADER},status,revoked_on\n").into_bytes();
    for _ in 0..200_000 {
        file.extend_from_slice(b"!,!,!,!,!,!,!,!,!,!\n");
    }
    file
}

fn bad_accounts() -> Vec<u8> {
    let mut file = b"username,real_name,id_type,id_number,phone,email,password_hash\n".to_vec();
    for _ in 0..200_000 {
        file.extend_from_slice(b"!,!,!,!,!,!,!\n");
    }
    file
}

/// Valid rows at the longest fields each column allows, up to `bytes`.
fn long_certificates(bytes: usize) -> Vec<u8> {
    let mut out = format!("{CERTIFICATE_HEADER}\n").into_bytes();
    let name = "测试".repeat(25);
    let specialty = "化工安全".repeat(16);
    for n in 0.. {
        let row = format!(
            "C{n:031},M{n:031},{name},resident_id,{},0301,{specialty},2025-03-{:02}\n",
            id_number(n),
            1 + n % 28
        );
        if out.len() + row.len() > bytes {
            break;
        }
        out.extend_from_slice(row.as_bytes());
    }
    out
}

/// A 5 MB "PDF" made of 262,000 `/ByteRange` arrays.
fn crafted_pdf() -> Vec<u8> {
    let mut pdf = b"%PDF-1.7\n".to_vec();
    while pdf.len() + 20 < 5 * MIB as usize {
        pdf.extend_from_slice(b"/ByteRange [0 1 2 3]");
    }
    pdf.extend_from_slice(b"\n%%EOF\n");
    pdf
}

/// JSON nested as deep as the bytes allow.
fn nested_json(bytes: usize) -> Vec<u8> {
    let depth = bytes / 6;
    let mut json = "{\"a\":".repeat(depth).into_bytes();
    json.extend(std::iter::repeat_n(b'}', depth));
    json
}

struct Measured {
    status: u16,
    reply_bytes: usize,
    took: Duration,
    rss_rise: u64,
}

async fn measure(pid: u32, request: impl std::future::Future<Output = Result<Reply, Error>>) -> Result<Measured, Error> {
    let before = rss(pid);
    let sampler = Sampler::start(pid);
    let started = Instant::now();
    let reply = request.await?;
    let took = started.elapsed();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let rss_rise = sampler.peak().saturating_sub(before);
    Ok(Measured { status: reply.status.as_u16(), reply_bytes: reply.body.len(), took, rss_rise })
}

fn judge(report: &mut Report, route: &str, input: usize, time_limit: Duration, m: &Measured) {
    let reply_limit = (64 * 1024).max(2 * input);
    let rss_limit = 4 * input as u64 + 32 * MIB;
    let pass = m.reply_bytes <= reply_limit && m.took <= time_limit && m.rss_rise <= rss_limit;
    report.add(
        &format!("Bounded cost: {route}, {:.1} MB in", input as f64 / MIB as f64),
        &format!(
            "reply ≤ {} KB, ≤ {} s, RSS rise ≤ {} MiB",
            reply_limit / 1024,
            time_limit.as_secs(),
            rss_limit / MIB
        ),
        format!(
            "{} · {:.1} KB · {} ms · RSS +{:.1} MiB",
            m.status,
            m.reply_bytes as f64 / 1024.0,
            m.took.as_millis(),
            m.rss_rise as f64 / MIB as f64
        ),
        pass,
    );
}

pub async fn run(report: &mut Report) -> Result<(), Error> {
    let mut server = Server::fresh("amplification", 3216)?
        // The limits are measured, not the verification rate limit.
        .with_env("ECERT_VERIFY_BURST", "1000000")
        .with_env("ECERT_VERIFY_PER_MINUTE", "1000000");
    server.create_admin(ADMIN, ADMIN_PASSWORD).await?;
    server.start().await?;
    let result = cases(&server, report).await;
    server.stop().await?;
    result
}

async fn cases(server: &Server, report: &mut Report) -> Result<(), Error> {
    let pid = server.pid().ok_or("not running")?;
    let addr = server.addr;
    let one_second = Duration::from_secs(1);
    let mut admin = Client::new(addr);
    admin.call_ok("staff_login", &[("username", ADMIN), ("password", ADMIN_PASSWORD)]).await?;

    let pdf = crafted_pdf();
    let m = measure(pid, Client::new(addr).post("/api/v1/verify/file", "application/pdf", pdf.clone(), "application/json")).await?;
    judge(report, "POST /api/v1/verify/file (262k /ByteRange)", pdf.len(), one_second, &m);

    let json = nested_json(16 * 1024);
    let m = measure(pid, Client::new(addr).post("/api/v1/verify/certificate", "application/json", json.clone(), "application/json")).await?;
    judge(report, "POST /api/v1/verify/certificate (nested JSON)", json.len(), one_second, &m);

    let credential = nested_json(64 * 1024);
    let m = measure(pid, Client::new(addr).post("/api/v1/verify/credential", "application/json", credential.clone(), "application/json")).await?;
    judge(report, "POST /api/v1/verify/credential (nested JSON)", credential.len(), one_second, &m);

    // The server functions' forms: two fields as long as a 2 MB body allows.
    let long = "a".repeat(900_000);
    let form = [
        ("username", long.as_str()),
        ("password", long.as_str()),
        ("password_confirm", "x"),
        ("real_name", "x"),
        ("id_type", "resident_id"),
        ("id_number", "x"),
    ];
    let size = form.iter().map(|(k, v)| k.len() + v.len()).sum();
    let m = measure(pid, Client::new(addr).call("register", &form)).await?;
    judge(report, "POST /api/register (long fields)", size, one_second, &m);
    let login = [("username", "zhangsan"), ("password", long.as_str())];
    let m = measure(pid, Client::new(addr).call("login", &login)).await?;
    judge(report, "POST /api/login (long password)", long.len(), one_second, &m);

    // The import preview of 200,000 bad rows: upload, then the check.
    let ten = Duration::from_secs(10);
    let bad = bad_certificates();
    let token = upload(&mut admin, "certificates", &bad).await?;
    let m = measure(pid, admin.call("import_preview", &[("token", &token)])).await?;
    judge(report, "POST /api/import_preview (200,000 rows of wrong fields)", bad.len(), Duration::from_secs(2), &m);
    if m.reply_bytes > 256 * 1024 || m.rss_rise > 64 * MIB {
        report.add("Bounded cost: the all-wrong preview", "reply < 256 KB, RSS rise < 64 MiB", format!("{} KB, +{} MiB", m.reply_bytes / 1024, m.rss_rise / MIB), false);
    }
    let page = measure(pid, admin.get(&format!("/admin/import/{token}"))).await?;
    judge(report, "GET /admin/import/<token> (its report page)", bad.len(), ten, &page);
    let m = measure(pid, admin.call("commit_import", &[("token", &token)])).await?;
    judge(report, "POST /api/commit_import (refused: 200,000 bad rows)", bad.len(), ten, &m);
    let accounts = bad_accounts();
    let token = upload(&mut admin, "accounts", &accounts).await?;
    let m = measure(pid, admin.call("account_import_preview", &[("token", &token)])).await?;
    judge(report, "POST /api/account_import_preview (200,000 rows of wrong fields)", accounts.len(), ten, &m);

    let valid = long_certificates(31 * MIB as usize);
    let token = upload(&mut admin, "certificates", &valid).await?;
    let m = measure(pid, admin.call("import_preview", &[("token", &token)])).await?;
    judge(report, "POST /api/import_preview (31 MB of valid rows at the longest fields)", valid.len(), ten, &m);

    burst(pid, addr, &mut admin, &token, &pdf, report).await
}

/// 32 uploads of 5 MB at once, two previews of the 31 MB file and 200
/// sign-ins (wrong passwords: each costs an Argon2 hash all the same); then
/// the memory must come back.
async fn burst(
    pid: u32,
    addr: std::net::SocketAddr,
    admin: &mut Client,
    token: &str,
    pdf: &[u8],
    report: &mut Report,
) -> Result<(), Error> {
    tokio::time::sleep(Duration::from_secs(10)).await;
    let before = rss(pid);
    let sampler = Sampler::start(pid);
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let pdf = pdf.to_vec();
        tasks.push(tokio::spawn(async move {
            Client::new(addr).post("/api/v1/verify/file", "application/pdf", pdf, "application/json").await.map(|r| r.status.as_u16())
        }));
    }
    for _ in 0..2 {
        let (mut client, token) = (Client::new(addr), token.to_string());
        client.cookie = admin.cookie.clone();
        tasks.push(tokio::spawn(async move {
            client.call("import_preview", &[("token", &token)]).await.map(|r| r.status.as_u16())
        }));
    }
    for n in 0..200 {
        tasks.push(tokio::spawn(async move {
            let username = format!("nobody{n:03}");
            Client::new(addr).call("login", &[("username", &username), ("password", "Wrong#2026pw")]).await.map(|r| r.status.as_u16())
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await??);
    }
    let peak = sampler.peak();
    drop(sampler);
    let ended = Instant::now();
    let mut after = rss(pid);
    while after > before + 64 * MIB && ended.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(250)).await;
        after = rss(pid);
    }
    let answered = statuses.iter().filter(|s| **s < 500).count();
    let sent = statuses.len();
    report.add(
        "Memory after a burst (32 × 5 MB uploads + two 31 MB import previews + 200 sign-ins)",
        "back within 64 MiB of before within 10 s; every request answered",
        format!(
            "{:.0} → peak {:.0} → {:.0} MiB after {:.1} s; {answered}/{sent} answered",
            before as f64 / MIB as f64,
            peak as f64 / MIB as f64,
            after as f64 / MIB as f64,
            ended.elapsed().as_secs_f64()
        ),
        after <= before + 64 * MIB && answered == sent,
    );
    Ok(())
}
