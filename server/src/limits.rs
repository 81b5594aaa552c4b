//! Two limits that keep one instance answering under load
//! (docs/configuration.md): at most `max_concurrent_requests` requests are
//! handled at once, and a request must be answered within
//! `request_timeout_seconds`. A request over either gets 503 with
//! `Retry-After` at once (`refusal`), rather than queueing until every
//! caller times out. The probes (`/healthz`, `/readyz`, `/metrics`) are
//! outside both, so an operator still sees a busy instance.

use std::sync::Arc;
use std::time::Duration;

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use tokio::sync::Semaphore;

use crate::refusal::{refuse, Caller, Why};

/// Seconds a refused caller is asked to wait.
const RETRY_AFTER_SECONDS: u64 = 5;

#[derive(Clone)]
pub struct Limits {
    in_flight: Arc<Semaphore>,
    timeout: Duration,
}

impl Limits {
    pub fn new(settings: &app::config::Settings) -> Limits {
        Limits {
            in_flight: Arc::new(Semaphore::new(settings.max_concurrent_requests.clamp(1, Semaphore::MAX_PERMITS))),
            timeout: Duration::from_secs(settings.request_timeout_seconds.max(1)),
        }
    }
}

pub async fn layer(State(limits): State<Limits>, request: Request, next: Next) -> Response {
    // Known before the request is handed on, for a refusal after it.
    let caller = Caller::of(request.uri().path(), request.headers());
    let Ok(_permit) = limits.in_flight.clone().try_acquire_owned() else {
        metrics::counter!(crate::metrics::REFUSALS, "reason" => "busy").increment(1);
        tracing::warn!("at the limit of requests at once: refused");
        return refuse(caller, Why::Busy, RETRY_AFTER_SECONDS);
    };
    match tokio::time::timeout(limits.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            // The handler is dropped: a transaction it had open rolls back,
            // and a resubmitted form (its key) is answered once.
            metrics::counter!(crate::metrics::REFUSALS, "reason" => "timeout").increment(1);
            tracing::warn!(timeout_s = limits.timeout.as_secs(), "request timed out");
            refuse(caller, Why::Busy, RETRY_AFTER_SECONDS)
        }
    }
}
