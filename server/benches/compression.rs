//! The CPU cost of compressing pages as they leave (server::wire): the
//! signed-in certificate list (证书下载) through the whole router in
//! process, sequentially, without compression, with gzip (level 6) and
//! with brotli (quality 4), as a browser asks. The difference in latency is
//! what compression costs per page. `cargo bench -p server --bench
//! compression`; figures in docs/performance.md ("On the wire").

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use server::worker::WorkerConfig;
use support::{app_with, ready_holder};

const REQUESTS: usize = 2000;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(run());
}

async fn run() {
    let app = app_with(WorkerConfig::new(1), &[]).await;
    let mut holder = ready_holder(&app, "zhangsan").await;
    for encoding in ["identity", "gzip", "br"] {
        let headers = [("accept-encoding", encoding)];
        // Warm-up, and the size this encoding sends.
        let mut size = 0;
        for _ in 0..100 {
            let page = holder.get_with("/certificates", &headers).await;
            assert_eq!(page.status, axum::http::StatusCode::OK);
            size = page.bytes.len();
        }
        let mut latencies = Vec::with_capacity(REQUESTS);
        for _ in 0..REQUESTS {
            let started = Instant::now();
            let page = holder.get_with("/certificates", &headers).await;
            latencies.push(started.elapsed());
            assert_eq!(page.header("content-encoding"), if encoding == "identity" { "" } else { encoding });
        }
        latencies.sort();
        let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
        println!(
            "{encoding:>8}: {size:>6} bytes; p50 {:.3} ms, p90 {:.3} ms, mean {:.3} ms over {REQUESTS} requests",
            ms(at(0.50)),
            ms(at(0.90)),
            ms(latencies.iter().sum::<Duration>() / REQUESTS as u32),
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
