//! The instance's own limits (docs/configuration.md, "Timeouts and
//! limits"): requests at once, the request timeout, the header-read
//! timeout against slow clients, and the listener's graceful stop. The last
//! two run the real listener (`server::listener`) on a loopback port.

use std::time::{Duration, Instant};

use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

use crate::support::{app_with, Client, TestApp};

/// A verification upload whose body never ends: its handler holds its
/// place (and the request timeout runs) until the sender is dropped.
fn stalled_upload() -> (Request<Body>, tokio::sync::mpsc::Sender<Result<axum::body::Bytes, std::io::Error>>) {
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    let body = Body::from_stream(tokio_stream_of(rx));
    let request = Request::post("/api/v1/verify/file")
        .header(header::CONTENT_TYPE, "application/pdf")
        .header(header::CONTENT_LENGTH, "100000")
        .body(body)
        .unwrap();
    (request, tx)
}

fn tokio_stream_of(
    mut rx: tokio::sync::mpsc::Receiver<Result<axum::body::Bytes, std::io::Error>>,
) -> impl futures::Stream<Item = Result<axum::body::Bytes, std::io::Error>> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

async fn limited(env: &[(&str, &str)]) -> TestApp {
    let mut all = vec![("ECERT_VERIFY_BURST", "1000"), ("ECERT_LOGIN_PER_MINUTE", "1000")];
    all.extend_from_slice(env);
    app_with(server::worker::WorkerConfig::new(1), &all).await
}

#[tokio::test]
async fn over_the_limit_of_requests_at_once_each_caller_gets_503_in_its_own_form() {
    let app = limited(&[("ECERT_MAX_CONCURRENT_REQUESTS", "1")]).await;
    let (upload, tx) = stalled_upload();
    let held = tokio::spawn(app.router.clone().oneshot(upload));
    tokio::time::sleep(Duration::from_millis(200)).await;

    let mut c = Client::new(&app);
    let page = c.get("/login").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(page.header("retry-after"), "5");
    assert!(page.body.contains("系统繁忙") && page.body.contains("The service is busy"), "{}", page.body);
    let api = c.get_with("/api/v1/verify/certificate?number=X", &[("accept", "application/json")]).await;
    assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(api.json()["error"], "busy");
    // The WASM client reads its error type, and shows it localised.
    let function = c.call("/api/login", &[("username", "zhangsan"), ("password", "x")]).await;
    assert_eq!(function.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(function.json(), serde_json::json!({ "Busy": { "retry_after_seconds": 5 } }));
    // The probes stay outside the limit.
    assert_eq!(c.get("/healthz").await.status, StatusCode::OK);

    drop(tx);
    let _ = held.await.unwrap();
    assert_eq!(c.get("/login").await.status, StatusCode::OK, "the place is free again");
}

#[tokio::test]
async fn a_request_not_answered_within_the_timeout_gets_503_and_the_next_is_served() {
    let app = limited(&[("ECERT_REQUEST_TIMEOUT_SECONDS", "1")]).await;
    let (upload, _tx) = stalled_upload();
    let started = Instant::now();
    let reply = app.router.clone().oneshot(upload).await.unwrap();
    let waited = started.elapsed();
    assert_eq!(reply.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(waited >= Duration::from_millis(900) && waited < Duration::from_secs(5), "{waited:?}");
    let body = http_body_util::BodyExt::collect(reply.into_body()).await.unwrap().to_bytes();
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&body).unwrap()["error"], "busy");
    assert_eq!(Client::new(&app).get("/login").await.status, StatusCode::OK);
}

/// The real listener on a loopback port, with a short header-read timeout.
async fn listening(app: &TestApp, header_read: Duration) -> (String, tokio_util::sync::CancellationToken, tokio::task::JoinHandle<bool>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let stop = tokio_util::sync::CancellationToken::new();
    let timeouts = server::listener::Timeouts { header_read, grace: Duration::from_secs(10) };
    let serving =
        tokio::spawn(server::listener::serve(listener, app.router.clone(), timeouts, stop.clone().cancelled_owned()));
    (addr, stop, serving)
}

/// 200 connections each sending its request head a byte every 300 ms must
/// not slow the others, and each is closed once the header-read timeout is over.
#[tokio::test]
async fn slow_clients_do_not_starve_others_and_are_cut_off_at_the_header_read_timeout() {
    let app = limited(&[]).await;
    let (addr, stop, serving) = listening(&app, Duration::from_secs(2)).await;
    let head = b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\nUser-Agent: slow\r\n\r\n";
    let mut slow = Vec::new();
    for _ in 0..200 {
        let addr = addr.clone();
        slow.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(&addr).await.unwrap();
            let opened = Instant::now();
            for byte in head {
                if stream.write_all(&[*byte]).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            // The server closed it: the read ends (no page was sent).
            let mut reply = Vec::new();
            let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut reply)).await;
            (opened.elapsed(), String::from_utf8_lossy(&reply).into_owned())
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let client = reqwest::Client::new();
    let mut times = Vec::new();
    for _ in 0..40 {
        let started = Instant::now();
        let reply = client.get(format!("http://{addr}/login")).header("accept", "text/html").send().await.unwrap();
        assert_eq!(reply.status(), 200);
        let _ = reply.bytes().await.unwrap();
        times.push(started.elapsed());
    }
    times.sort();
    let worst = *times.last().unwrap();
    assert!(worst < Duration::from_millis(1500), "a normal request took {worst:?} beside the slow ones");

    for handle in slow {
        let (lasted, reply) = handle.await.unwrap();
        assert!(!reply.contains("200 OK"), "a slow head was answered: {reply}");
        assert!(lasted < Duration::from_secs(6), "a slow connection was kept {lasted:?}");
    }
    stop.cancel();
    assert!(serving.await.unwrap(), "drained");
}

/// At the stop signal: a request in flight is answered, and a new
/// connection is refused (not accepted and then reset).
#[tokio::test]
async fn at_the_stop_signal_requests_in_flight_are_answered_and_new_connections_refused() {
    let app = limited(&[]).await;
    let (addr, stop, serving) = listening(&app, Duration::from_secs(5)).await;
    // An upload in flight: its head is sent, its body still coming.
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    let body = b"not a pdf";
    let head = format!(
        "POST /api/v1/verify/file HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/pdf\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.cancel();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(TcpStream::connect(&addr).await.is_err(), "the listener is closed");
    stream.write_all(body).await.unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).await.unwrap();
    let reply = String::from_utf8_lossy(&reply);
    // Answered, and then the connection was closed (read_to_end returned).
    assert!(reply.starts_with("HTTP/1.1 415"), "{reply}");
    assert!(serving.await.unwrap(), "drained within the grace period");
}
