//! The load balancer's probes: /healthz while the process runs, /readyz only
//! while the database answers with every migration of this build and every
//! seal has its key; neither opens a session.

mod support;

use axum::http::StatusCode;
use support::{app, Client};

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
