//! One INFO line per request (target `access`): method, matched route (the
//! pattern, never the raw path: numbers and tokens in paths are personal
//! data), status, latency, the bytes sent on the wire and a request id. The
//! same layer records the latency histogram and the request counter of
//! `/metrics` (docs/configuration.md, "Logging and metrics").
//!
//! The request id comes from an incoming `X-Request-Id` only when the peer
//! is a trusted proxy (`trusted_proxies`); otherwise it is made here. It is
//! returned in the response's `X-Request-Id`, and every log line written
//! while the request is handled carries it (the `request` span).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use app::state::AppState;
use axum::{
    body::Body,
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::{HeaderValue, Response},
    middleware::Next,
};
use http_body_util::BodyExt;
use tracing::Instrument;

pub const REQUEST_ID: &str = "x-request-id";

/// What a proxy may hand us as an id: short, and nothing a log reader could
/// mistake for another field.
fn acceptable(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The id of this request: a trusted proxy's, or a new one.
fn request_id(request: &Request, state: &AppState) -> String {
    let peer = request.extensions().get::<ConnectInfo<std::net::SocketAddr>>().map(|ConnectInfo(a)| a.ip());
    let trusted = peer.is_some_and(|ip| state.settings.trusted_proxies.iter().any(|n| n.contains(&ip)));
    let incoming = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).filter(|id| acceptable(id));
    match incoming {
        Some(id) if trusted => id.to_string(),
        _ => app::random::token(),
    }
}

/// The outermost layer of the site's routes (outside compression, so the
/// bytes are those sent).
pub async fn layer(State(state): State<AppState>, mut request: Request, next: Next) -> Response<Body> {
    let started = Instant::now();
    let id = request_id(&request, &state);
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_string();
    let method = request.method().as_str().to_string();
    if let Ok(value) = HeaderValue::from_str(&id) {
        request.headers_mut().insert(REQUEST_ID, value);
    }
    let span = tracing::info_span!("request", request_id = %id, method = %method, route = %route);
    let mut response = next.run(request).instrument(span).await;
    let latency = started.elapsed();
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    let status = response.status().as_u16();
    let class = format!("{}xx", status / 100);
    if status == 429 {
        metrics::counter!(crate::metrics::REFUSALS, "reason" => "rate_limited").increment(1);
    }
    metrics::counter!(crate::metrics::REQUESTS, "route" => route.clone(), "method" => method.clone(), "status" => status.to_string())
        .increment(1);
    metrics::histogram!(crate::metrics::REQUEST_SECONDS, "route" => route.clone(), "method" => method.clone(), "status" => class)
        .record(latency.as_secs_f64());

    // The line is written once the body is sent (or the client left): the
    // guard counts the body's bytes and logs when the body is dropped.
    let line = AccessLine { id, method, route, status, latency_ms: latency.as_secs_f64() * 1000.0, bytes: Default::default() };
    let bytes = line.bytes.clone();
    let (parts, body) = response.into_parts();
    let counted = body.map_frame(move |frame| {
        let _ = &line;
        if let Some(data) = frame.data_ref() {
            bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
        }
        frame
    });
    Response::from_parts(parts, Body::new(counted))
}

struct AccessLine {
    id: String,
    method: String,
    route: String,
    status: u16,
    /// Until the response's head: what the handler took.
    latency_ms: f64,
    bytes: Arc<AtomicU64>,
}

impl Drop for AccessLine {
    fn drop(&mut self) {
        tracing::info!(
            target: "access",
            request_id = %self.id,
            method = %self.method,
            route = %self.route,
            status = self.status,
            latency_ms = format_args!("{:.1}", self.latency_ms),
            bytes = self.bytes.load(Ordering::Relaxed),
            "request"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::acceptable;

    #[test]
    fn only_plain_short_ids_are_taken_from_a_proxy() {
        assert!(acceptable("3f2a9c1e-7b4d-4e0a-9f3c-2d1b5a6e8c7f"));
        assert!(acceptable("req_123.4"));
        assert!(!acceptable(""));
        assert!(!acceptable(&"a".repeat(65)));
        assert!(!acceptable("id status=500"));
        assert!(!acceptable("id\nforged line"));
    }
}
