//! The access log (one INFO line per request, with the request id the
//! response carries) and where the id comes from.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;

use crate::support::{self, Client};

/// Log output kept in memory, for this test's thread.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// INFO and above, as text, captured until the guard is dropped.
    fn install() -> (Captured, tracing::subscriber::DefaultGuard) {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter("info")
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        (captured, tracing::subscriber::set_default(subscriber))
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_request_to_login_leaves_one_access_line_with_the_id_the_response_carries() {
    let (captured, _guard) = Captured::install();

    let app = support::app().await;
    let reply = Client::new(&app).get("/login").await;
    assert_eq!(reply.status, 200);
    let id = reply.header("x-request-id").to_string();
    assert!(id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{id:?}");
    let other = Client::new(&app).get("/login").await;
    assert_ne!(other.header("x-request-id"), id, "a new id per request");

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = log.lines().filter(|l| l.contains(" INFO ") && l.contains(&format!("request_id={id}"))).collect();
    let access: Vec<&&str> = lines.iter().filter(|l| l.contains("access:")).collect();
    assert_eq!(access.len(), 1, "{log}");
    let line = access[0];
    for field in ["method=GET", "route=/login", "status=200", "latency_ms=", "bytes="] {
        assert!(line.contains(field), "{field} in {line}");
    }
    let bytes: u64 = line.split("bytes=").nth(1).and_then(|r| r.split_whitespace().next()).unwrap().parse().unwrap();
    assert_eq!(bytes, reply.bytes.len() as u64, "the bytes sent");

    // A path with a number in it is logged by its pattern.
    let verify = Client::new(&app).get("/v/E000000000000000").await;
    let id = verify.header("x-request-id").to_string();
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let line = log.lines().find(|l| l.contains("access:") && l.contains(&id)).unwrap();
    assert!(!line.contains("E000000000000000"), "{line}");
}

#[tokio::test]
async fn a_request_id_is_taken_from_a_trusted_proxy_only() {
    let env = [("ECERT_TRUSTED_PROXIES", "127.0.0.1/32")];
    let app = support::app_with(server::worker::WorkerConfig::new(1), &env).await;
    let from = |peer: &str, id: &str| {
        let mut r = Request::get("/login").header("x-request-id", id).body(Body::empty()).unwrap();
        r.extensions_mut().insert(ConnectInfo(peer.parse::<std::net::SocketAddr>().unwrap()));
        r
    };
    let mut c = Client::new(&app);
    assert_eq!(c.send(from("127.0.0.1:50000", "lb-7f3a-0001")).await.header("x-request-id"), "lb-7f3a-0001");
    let direct = c.send(from("203.0.113.9:40000", "lb-7f3a-0002")).await;
    assert_ne!(direct.header("x-request-id"), "lb-7f3a-0002", "a client cannot choose its id");
    let odd = c.send(from("127.0.0.1:50001", "id status=500")).await;
    assert_ne!(odd.header("x-request-id"), "id status=500", "nothing that could forge a log field");
}

#[tokio::test]
async fn the_workers_line_for_a_copy_carries_the_id_of_the_request_that_queued_it() {
    let (captured, _guard) = Captured::install();

    let app = support::app().await;
    let mut zhang = support::ready_holder(&app, "zhangsan").await;
    let cert = support::certificate_id(&mut zhang, "0301202203150001").await.to_string();
    let applied = zhang
        .call(
            "/api/apply_endorsement",
            &[("certificate_id", &cert), ("scenario", "own_use"), ("days", "30"), ("form_key", "log-id")],
        )
        .await;
    assert_eq!(applied.status, 200, "{}", applied.body);
    let id = applied.header("x-request-id").to_string();
    let number = applied.json()["number"].as_str().unwrap().to_string();
    let started = std::time::Instant::now();
    loop {
        let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        if let Some(line) = log.lines().find(|l| l.contains("endorsed copy ready") && l.contains(&number)) {
            assert!(line.contains(&format!("request_id={id}")), "{line}");
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "no ready line: {log}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
