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

/// When each virtual user sends its requests.
#[derive(Clone, Copy)]
enum Schedule {
    /// The next as soon as the last is answered, until the deadline; timed from sending.
    BackToBack { deadline: Instant },
    /// `count` requests, one every `interval` from `first`; timed from when each was due.
    Paced { first: Instant, interval: Duration, count: u32 },
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
    let deadline = Instant::now() + duration;
    run(addr, cookie, path, ok, (0..connections).map(|_| Schedule::BackToBack { deadline }).collect()).await
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
    let count = (duration.as_secs_f64() / interval.as_secs_f64()) as u32;
    // Users start spread over one interval, not all at once.
    let schedules = (0..connections)
        .map(|n| Schedule::Paced { first: started + interval.mul_f64(n as f64 / connections as f64), interval, count })
        .collect();
    run(addr, cookie, path, ok, schedules).await
}

/// One virtual user per schedule, each on its own connection.
async fn run(
    addr: SocketAddr,
    cookie: Option<String>,
    path: String,
    ok: Arc<dyn Fn(&Reply) -> bool + Send + Sync>,
    schedules: Vec<Schedule>,
) -> LoadResult {
    let started = Instant::now();
    let users: Vec<_> = schedules
        .into_iter()
        .map(|schedule| {
            let (cookie, path, ok) = (cookie.clone(), path.clone(), ok.clone());
            tokio::spawn(async move {
                let mut client = Client::new(addr);
                client.cookie = cookie;
                let (mut latencies, mut errors) = (Latencies::default(), 0);
                let mut k = 0;
                loop {
                    let from = match schedule {
                        Schedule::BackToBack { deadline } if Instant::now() < deadline => Instant::now(),
                        Schedule::Paced { first, interval, count } if k < count => {
                            let due = first + interval * k;
                            tokio::time::sleep_until(due.into()).await;
                            due
                        }
                        _ => break,
                    };
                    k += 1;
                    match client.get(&path).await {
                        Ok(reply) if ok(&reply) => latencies.push(from.elapsed()),
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
