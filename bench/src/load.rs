//! A closed-loop load generator: `connections` virtual users, each on its
//! own keep-alive connection, sending the next request as soon as the last
//! one is answered, for a fixed time.

use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use crate::http::{Client, Reply};
use crate::stats::Latencies;

pub struct LoadResult {
    pub latencies: Latencies,
    pub errors: usize,
    pub elapsed: Duration,
}

impl LoadResult {
    pub fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    pub fn summary(&self) -> String {
        format!("{:.0} req/s, {} errors, {}", self.per_second(), self.errors, self.latencies.summary())
    }
}

/// GETs `path` with `cookie` for `duration`; an answer is counted only if
/// `ok` accepts it (status and content), otherwise it is an error.
pub async fn get(
    addr: SocketAddr,
    cookie: Option<String>,
    path: String,
    connections: usize,
    duration: Duration,
    ok: Arc<dyn Fn(&Reply) -> bool + Send + Sync>,
) -> LoadResult {
    let started = Instant::now();
    let deadline = started + duration;
    let users: Vec<_> = (0..connections)
        .map(|_| {
            let (cookie, path, ok) = (cookie.clone(), path.clone(), ok.clone());
            tokio::spawn(async move {
                let mut client = Client::new(addr);
                client.cookie = cookie;
                let (mut latencies, mut errors) = (Latencies::default(), 0);
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    match client.get(&path).await {
                        Ok(reply) if ok(&reply) => latencies.push(sent.elapsed()),
                        _ => errors += 1,
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut result = LoadResult { latencies: Latencies::default(), errors: 0, elapsed: Duration::ZERO };
    for user in users {
        if let Ok((latencies, errors)) = user.await {
            result.latencies.extend(latencies);
            result.errors += errors;
        }
    }
    result.elapsed = started.elapsed();
    result
}

/// Open loop: `connections` users together offering `rate` GETs a second,
/// each request due at a fixed time; a latency counts from when the request
/// was due, so a server that falls behind is charged for the wait too.
pub async fn get_at_rate(
    addr: SocketAddr,
    cookie: Option<String>,
    path: String,
    connections: usize,
    rate: f64,
    duration: Duration,
    ok: Arc<dyn Fn(&Reply) -> bool + Send + Sync>,
) -> LoadResult {
    let started = Instant::now();
    let interval = Duration::from_secs_f64(connections as f64 / rate);
    let per_user = (duration.as_secs_f64() / interval.as_secs_f64()) as u32;
    let users: Vec<_> = (0..connections)
        .map(|n| {
            let (cookie, path, ok) = (cookie.clone(), path.clone(), ok.clone());
            // Users start spread over one interval, not all at once.
            let first = started + interval.mul_f64(n as f64 / connections as f64);
            tokio::spawn(async move {
                let mut client = Client::new(addr);
                client.cookie = cookie;
                let (mut latencies, mut errors) = (Latencies::default(), 0);
                for k in 0..per_user {
                    let due = first + interval * k;
                    tokio::time::sleep_until(due.into()).await;
                    match client.get(&path).await {
                        Ok(reply) if ok(&reply) => latencies.push(due.elapsed()),
                        _ => errors += 1,
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut result = LoadResult { latencies: Latencies::default(), errors: 0, elapsed: Duration::ZERO };
    for user in users {
        if let Ok((latencies, errors)) = user.await {
            result.latencies.extend(latencies);
            result.errors += errors;
        }
    }
    result.elapsed = started.elapsed();
    result
}
