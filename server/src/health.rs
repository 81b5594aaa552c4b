//! Probes for a load balancer or an orchestrator, outside the session and
//! security layers (no cookie, no audit): `/healthz` answers while the
//! process runs; `/readyz` answers 200 only while this instance can serve:
//! the database answers, its schema has every migration of this build, and
//! every seal in the catalog has its key loaded. A failed check is named, never
//! explained (details go to the log).

use app::state::AppState;
use axum::{extract::State, http::StatusCode, response::IntoResponse, routing::get, Json, Router};

pub fn routes(state: AppState) -> Router {
    Router::new().route("/healthz", get(|| async { "ok" })).route("/readyz", get(ready)).with_state(state)
}

async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    let failed = app::service::operations::unready(&state).await;
    let status = if failed.is_empty() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(serde_json::json!({ "ready": failed.is_empty(), "failed": failed })))
}
