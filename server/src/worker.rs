//! The background generation workers: each claims a few jobs at a time
//! and makes their copies (`app::service::jobs`), and wakes when an
//! application is queued or, for retries, every `idle_poll`. A lease that
//! expires, e.g. because the process died, makes the job due again. At a
//! graceful stop (`Workers::stop`) no job is claimed any more, the copies
//! being made are finished and stored, and whatever this instance still
//! holds goes back to the queue at once.

use std::{sync::Arc, time::Duration};

use app::{service::jobs, state::AppState};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub workers: usize,
    /// Attempts before an endorsement ends `failed`.
    pub max_attempts: i64,
    /// Wait before the second attempt; doubled for each further one.
    pub first_backoff: Duration,
    /// How long a claim holds before another worker may take the job.
    pub lease: Duration,
    /// Even without a wake-up, look for due jobs this often (retries).
    pub idle_poll: Duration,
}

impl WorkerConfig {
    pub fn new(workers: usize) -> WorkerConfig {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        WorkerConfig {
            // One more than the cores: while a worker waits for the
            // database, the others keep every core rendering (2 cores: 278
            // copies/s with 2 workers, 353/s with 3).
            workers: if workers == 0 { cores + 1 } else { workers },
            max_attempts: 5,
            first_backoff: Duration::from_secs(2),
            lease: Duration::from_secs(60),
            idle_poll: Duration::from_millis(500),
        }
    }

    fn retry(&self) -> jobs::Retry {
        jobs::Retry { max_attempts: self.max_attempts, first_backoff: self.first_backoff }
    }
}

/// This instance's running workers and housekeeping task.
pub struct Workers {
    /// Every worker's lease owner is `<instance>-<n>`.
    instance: String,
    stop: CancellationToken,
    handles: Vec<JoinHandle<()>>,
    state: AppState,
}

/// Starts the workers and the housekeeping task (abandoned jobs, expired files).
pub fn spawn(state: AppState, config: WorkerConfig) -> Workers {
    let config = Arc::new(config);
    let instance = format!("{}-{:08x}", std::process::id(), rand::random::<u32>());
    let stop = CancellationToken::new();
    let mut handles: Vec<JoinHandle<()>> = (0..config.workers)
        .map(|n| tokio::spawn(run(state.clone(), config.clone(), format!("{instance}-{n}"), stop.clone())))
        .collect();
    handles.push(tokio::spawn(housekeeping(state.clone(), config, stop.clone())));
    Workers { instance, stop, handles, state }
}

impl Workers {
    /// No more claims; each worker finishes the copies it is making, for up
    /// to `grace` (then they are dropped); then the jobs this instance still
    /// holds go back to the queue without counting the interrupted attempt,
    /// so another instance (or this one, restarted) takes them at once.
    pub async fn stop(self, grace: Duration) {
        self.stop.cancel();
        let mut handles = self.handles;
        let finished = tokio::time::timeout(grace, async {
            for handle in &mut handles {
                let _ = handle.await;
            }
        })
        .await
        .is_ok();
        if !finished {
            tracing::warn!(grace_s = grace.as_secs(), "generation workers still busy at the end of the grace period");
            for handle in &handles {
                handle.abort();
            }
        }
        match jobs::release(&self.state, &format!("{}-", self.instance)).await {
            Ok(0) => tracing::info!("generation workers stopped"),
            Ok(n) => tracing::info!(count = n, "generation workers stopped; their unfinished jobs are back in the queue"),
            Err(e) => tracing::error!(error = %e, "releasing this instance's jobs failed; they are taken again when their lease ends"),
        }
    }
}

/// Jobs a worker claims at once: its claim and the store of its copies are
/// one write each for the batch. Small, so that a copy waits for at most
/// three others before it is stored and two workers share a short queue.
const BATCH: i64 = 4;

async fn run(state: AppState, config: Arc<WorkerConfig>, owner: String, stop: CancellationToken) {
    // A batch being made is finished before the stop is seen.
    while !stop.is_cancelled() {
        // Registered before looking, so a job queued meanwhile still wakes us.
        let wake = state.jobs.notified();
        tokio::pin!(wake);
        wake.as_mut().enable();
        match jobs::claim(&state, &owner, config.lease, &config.retry(), BATCH).await {
            Ok(claimed) if !claimed.is_empty() => {
                jobs::make(&state, &config.retry(), &owner, claimed, record_generation_time).await;
                continue;
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "claiming generation jobs failed"),
        }
        tokio::select! {
            _ = &mut wake => {}
            _ = tokio::time::sleep(config.idle_poll) => {}
            _ = stop.cancelled() => {}
        }
    }
}

fn record_generation_time(took: Duration) {
    metrics::histogram!(crate::metrics::GENERATION_SECONDS).record(took.as_secs_f64());
}

/// Ends jobs abandoned too often, deletes the files of expired copies and
/// forgets verification results older than a day.
async fn housekeeping(state: AppState, config: Arc<WorkerConfig>, stop: CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.cancelled() => return,
        }
        jobs::tidy(&state, &config.retry()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let c = WorkerConfig::new(1);
        assert_eq!(c.retry().backoff(1), Duration::from_secs(2));
        assert_eq!(c.retry().backoff(2), Duration::from_secs(4));
        assert_eq!(c.retry().backoff(4), Duration::from_secs(16));
        assert_eq!(c.retry().backoff(60), Duration::from_secs(600));
    }
}
