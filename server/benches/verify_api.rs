//! Latency of the JSON upload check (`POST /api/v1/verify/file`) on a real
//! endorsed copy (~48 KB), through the whole router in process: body
//! reading, the signature check, the record lookup and the logged write.
//! Prints p50/p90/p99/max over sequential requests, and the throughput of
//! concurrent ones. `cargo bench -p server --bench verify_api`; figures in
//! docs/performance.md.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use server::worker::WorkerConfig;
use support::{app_with, endorsed_copy, Client};

const SEQUENTIAL: usize = 2000;
const CONCURRENT: usize = 4000;
const TASKS: usize = 8;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(run());
}

async fn run() {
    // One in-process client: the per-address limit would stop it; measured without.
    let unlimited = [("ECERT_VERIFY_BURST", "1000000"), ("ECERT_VERIFY_PER_MINUTE", "1000000000")];
    let app = app_with(WorkerConfig::new(1), &unlimited).await;
    let (_, pdf) = endorsed_copy(&app, "copy").await;
    println!("copy: {} bytes", pdf.len());
    let request = |pdf: &[u8]| {
        Request::post("/api/v1/verify/file")
            .header(header::CONTENT_TYPE, "application/pdf")
            .body(Body::from(pdf.to_vec()))
            .unwrap()
    };
    let mut c = Client::new(&app);
    // Warm-up, and a check that the copy verifies.
    for _ in 0..50 {
        let reply = c.send(request(&pdf)).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.json()["outcome"], "valid");
    }

    let mut latencies = Vec::with_capacity(SEQUENTIAL);
    for _ in 0..SEQUENTIAL {
        let started = Instant::now();
        let reply = c.send(request(&pdf)).await;
        latencies.push(started.elapsed());
        assert_eq!(reply.status, StatusCode::OK);
    }
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "sequential, {SEQUENTIAL} requests: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(at(0.50)),
        ms(at(0.90)),
        ms(at(0.99)),
        ms(*latencies.last().unwrap())
    );

    let started = Instant::now();
    let router = app.router.clone();
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (router, pdf) = (router.clone(), pdf.clone());
            tokio::spawn(async move {
                use tower::ServiceExt;
                for _ in 0..CONCURRENT / TASKS {
                    let response = router.clone().oneshot(request(&pdf)).await.unwrap();
                    assert_eq!(response.status(), StatusCode::OK);
                    let _ = http_body_util::BodyExt::collect(response.into_body()).await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let took = started.elapsed();
    println!(
        "concurrent, {TASKS} clients × {} requests: {:.0} checks/s",
        CONCURRENT / TASKS,
        CONCURRENT as f64 / took.as_secs_f64()
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
