//! Prometheus metrics at `/metrics` (metrics + metrics-exporter-prometheus,
//! rendered here: no listener of its own). Per instance:
//! `ecert_http_requests_total{route,method,status}` (route: the matched
//! path pattern, so ids do not make new series; throttled requests are its
//! `status="429"`), the request latency histogram
//! `ecert_http_request_duration_seconds{route,method,status}` (status: the
//! class, `2xx`…; both recorded by `access_log`), the database pool's
//! `ecert_db_connections{state}` (`in_use`, `idle`), the refusals
//! `ecert_refusals_total{reason}` (`rate_limited`: a throttle or the
//! verification limit; `busy`, `timeout`: `limits`), and the generation latency
//! histogram `ecert_generation_seconds` (one copy: render and sign). Read
//! from the database at each scrape, the same on every instance (take the
//! max, not the sum): `ecert_generation_queue_depth` and
//! `ecert_endorsements{status}`. Only addresses in `metrics_from`,
//! connecting directly, may read it; anyone else gets the site's 404.

use std::{net::SocketAddr, sync::OnceLock};

use app::state::AppState;
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub const REQUESTS: &str = "ecert_http_requests_total";
pub const GENERATION_SECONDS: &str = "ecert_generation_seconds";
pub const REQUEST_SECONDS: &str = "ecert_http_request_duration_seconds";
pub const REFUSALS: &str = "ecert_refusals_total";
const DB_CONNECTIONS: &str = "ecert_db_connections";
const QUEUE_DEPTH: &str = "ecert_generation_queue_depth";
const ENDORSEMENTS: &str = "ecert_endorsements";

/// The process's recorder, installed on first use: one per process, while
/// tests build many routers in one.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        // A copy takes a few milliseconds; a busy machine, tens.
        let buckets = [0.002, 0.004, 0.006, 0.008, 0.012, 0.016, 0.025, 0.05, 0.1, 0.25, 1.0];
        // A page or a function takes a few milliseconds; a slow one, seconds.
        let request_buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(GENERATION_SECONDS.into()), &buckets)
            .expect("the buckets are not empty")
            .set_buckets_for_metric(Matcher::Full(REQUEST_SECONDS.into()), &request_buckets)
            .expect("the buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed: /metrics stays empty");
        }
        metrics::describe_counter!(REQUESTS, "HTTP requests answered, by matched route, method and status");
        metrics::describe_histogram!(GENERATION_SECONDS, metrics::Unit::Seconds, "Rendering and signing one copy");
        metrics::describe_histogram!(
            REQUEST_SECONDS,
            metrics::Unit::Seconds,
            "Time to the response's head, by matched route, method and status class"
        );
        metrics::describe_counter!(
            REFUSALS,
            "Requests refused before a handler answered: rate_limited (a throttle or the verification limit), busy (at max_concurrent_requests), timeout (request_timeout_seconds)"
        );
        metrics::describe_gauge!(DB_CONNECTIONS, "Database pool connections of this instance, in use and idle");
        metrics::describe_gauge!(QUEUE_DEPTH, "Endorsements waiting to be generated (all instances)");
        metrics::describe_gauge!(ENDORSEMENTS, "Endorsements by status (all instances)");
        handle
    })
}

pub fn routes(state: AppState) -> Router {
    handle();
    Router::new().route("/metrics", get(scrape)).with_state(state)
}

async fn scrape(State(state): State<AppState>, request: Request) -> Response {
    let headers = request.headers();
    let direct = !headers.contains_key("x-forwarded-for") && !headers.contains_key(header::FORWARDED);
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
    let allowed = peer.is_some_and(|ip| state.settings.metrics_from.iter().any(|n| n.contains(&ip)));
    if !(direct && allowed) {
        return StatusCode::NOT_FOUND.into_response();
    }
    use app::service::operations::{endorsements_by_status, pool_connections};
    if let Some(by_status) = endorsements_by_status(&state).await {
        let count = |status: &str| by_status.iter().find(|(s, _)| s == status).map_or(0, |(_, n)| *n);
        // The queue is the endorsements still generating (Store::pending_jobs).
        metrics::gauge!(QUEUE_DEPTH).set(count("generating") as f64);
        for status in ["generating", "ready", "failed", "cancelled"] {
            metrics::gauge!(ENDORSEMENTS, "status" => status).set(count(status) as f64);
        }
    }
    let (in_use, idle) = pool_connections(&state);
    metrics::gauge!(DB_CONNECTIONS, "state" => "in_use").set(in_use as f64);
    metrics::gauge!(DB_CONNECTIONS, "state" => "idle").set(idle as f64);
    let handle = handle();
    handle.run_upkeep();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()).into_response()
}
