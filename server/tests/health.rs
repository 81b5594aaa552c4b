//! The load balancer's probes: /healthz while the process runs, /readyz only
//! while the database answers with every migration of this build and every
//! seal has its key; neither opens a session.

use crate::support::{self, app, Client};
use axum::http::StatusCode;

#[tokio::test]
async fn probes_answer_without_a_session_and_name_what_is_not_ready() {
    let app = app().await;
    let mut probe = Client::new(&app);
    let health = probe.get("/healthz").await;
    assert_eq!((health.status, health.body.as_str()), (StatusCode::OK, "ok"));
    let ready = probe.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
    assert_eq!(ready.json(), serde_json::json!({ "ready": true, "failed": [] }));
    assert!(health.set_cookies.is_empty() && ready.set_cookies.is_empty(), "a probe opens no session");

    // A seal added to the catalog whose key this instance has not loaded.
    let seal = |sql: &'static str| sqlx::query(sql).execute(app.store.pool());
    seal("INSERT INTO seals (code, name, authority) VALUES ('test-seal', '测试印章', '测试机构')").await.unwrap();
    let no_key = probe.get("/readyz").await;
    assert_eq!(no_key.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(no_key.json(), serde_json::json!({ "ready": false, "failed": ["keys"] }));
    seal("DELETE FROM seals WHERE code = 'test-seal'").await.unwrap();
    assert_eq!(probe.get("/readyz").await.status, StatusCode::OK);

    // A database one migration behind this build.
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)")
        .execute(app.store.pool())
        .await
        .unwrap();
    let behind = probe.get("/readyz").await;
    assert_eq!(behind.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(behind.json(), serde_json::json!({ "ready": false, "failed": ["migrations"] }));
    assert_eq!(probe.get("/healthz").await.status, StatusCode::OK, "the process is still up");
}

/// GET /metrics as a peer at `from`, optionally through a proxy.
async fn scrape(app: &support::TestApp, from: [u8; 4], proxied: bool) -> support::Reply {
    let mut request = axum::http::Request::builder()
        .uri("/metrics")
        .extension(axum::extract::ConnectInfo(std::net::SocketAddr::from((from, 40000))));
    if proxied {
        request = request.header("x-forwarded-for", "203.0.113.9");
    }
    Client::new(app).send(request.body(axum::body::Body::empty()).unwrap()).await
}

/// The value of the series `name` (with its labels) in a Prometheus text page.
fn sample(page: &str, name: &str) -> Option<f64> {
    page.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn metrics_count_requests_generation_and_states_for_the_allowed_addresses_only() {
    let app = app().await;
    let (number, pdf) = support::endorsed_copy(&app, "metrics-1").await;
    assert!(pdf.starts_with(b"%PDF-") && !number.is_empty());
    assert_eq!(Client::new(&app).get("/login").await.status, StatusCode::OK);

    let page = scrape(&app, [127, 0, 0, 1], false).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.header("content-type").starts_with("text/plain"), "{}", page.header("content-type"));
    let body = &page.body;
    let logins = sample(body, r#"ecert_http_requests_total{route="/login",method="GET",status="200"}"#);
    assert!(logins >= Some(1.0), "{body}");
    // A server function is counted under its fixed endpoint.
    assert!(body.contains(r#"route="/api/apply_endorsement""#), "{body}");
    assert!(sample(body, "ecert_generation_seconds_count") >= Some(1.0), "{body}");
    assert!(body.contains(r#"ecert_generation_seconds_bucket{le="0.05"}"#), "a histogram with buckets: {body}");
    assert_eq!(sample(body, "ecert_generation_queue_depth"), Some(0.0), "{body}");
    // The request latency histogram, by route, method and status class.
    let login_count = sample(body, r#"ecert_http_request_duration_seconds_count{route="/login",method="GET",status="2xx"}"#);
    assert!(login_count >= Some(1.0), "{body}");
    assert!(body.contains(r#"ecert_http_request_duration_seconds_bucket{route="/login",method="GET",status="2xx",le="0.25"}"#), "{body}");
    assert!(sample(body, r#"ecert_db_connections{state="idle"}"#).is_some(), "{body}");
    assert!(sample(body, r#"ecert_db_connections{state="in_use"}"#).is_some(), "{body}");
    let ready = sample(body, r#"ecert_endorsements{status="ready"}"#).unwrap();
    assert!(ready >= 2.0, "the demo's copy and the new one: {body}");

    // Another address, or any request through a proxy: the site's 404.
    assert_eq!(scrape(&app, [10, 0, 0, 5], false).await.status, StatusCode::NOT_FOUND);
    assert_eq!(scrape(&app, [127, 0, 0, 1], true).await.status, StatusCode::NOT_FOUND);
    assert_eq!(Client::new(&app).get("/metrics").await.status, StatusCode::NOT_FOUND, "no peer address");
}
