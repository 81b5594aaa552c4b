//! The background generation workers: each claims a few jobs from the
//! database with a lease, makes and signs the copies on a blocking thread
//! (it is CPU work), and stores them together. A failed attempt is retried with exponential
//! backoff; after `max_attempts` the endorsement ends `failed` (it then
//! does not count toward the quota and the holder can retry). A lease
//! that expires, e.g. because the process died, makes the job due again.
//! At a graceful stop (`Workers::stop`) no job is claimed any more, the
//! copies being made are finished and stored, and whatever this instance
//! still holds goes back to the queue at once.
//!
//! Each copy's log lines carry the id of the request that queued it
//! (`request_id`), as the access log's line for that request does.

use std::{sync::Arc, time::Duration};

use app::{
    state::AppState,
    store::{now_unix, AfterFailure, AuditEntry, AuditEvent, Job, Store},
};
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

    fn backoff(&self, attempts: i64) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1)).unwrap_or(u32::MAX).min(10);
        self.first_backoff.saturating_mul(1 << doublings).min(Duration::from_secs(600))
    }
}

/// This instance's running workers and housekeeping task.
pub struct Workers {
    /// Every worker's lease owner is `<instance>-<n>`.
    instance: String,
    stop: CancellationToken,
    handles: Vec<JoinHandle<()>>,
    store: Store,
}

/// Starts the workers and the housekeeping task (abandoned jobs, expired files).
pub fn spawn(state: AppState, config: WorkerConfig) -> Workers {
    let config = Arc::new(config);
    let instance = format!("{}-{:08x}", std::process::id(), rand::random::<u32>());
    let stop = CancellationToken::new();
    let mut handles: Vec<JoinHandle<()>> = (0..config.workers)
        .map(|n| tokio::spawn(run(state.clone(), config.clone(), format!("{instance}-{n}"), stop.clone())))
        .collect();
    let store = state.store.clone();
    handles.push(tokio::spawn(housekeeping(state, config, stop.clone())));
    Workers { instance, stop, handles, store }
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
        match self.store.release_leases_of(&format!("{}-", self.instance)).await {
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
        let now = now_unix();
        let lease_until = now + config.lease.as_secs() as i64;
        match state.store.claim_jobs(&owner, now, lease_until, config.max_attempts, BATCH).await {
            Ok(jobs) if !jobs.is_empty() => {
                generate(&state, &config, &owner, jobs).await;
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

/// Makes the batch's copies, stores those made in one transaction and
/// records each failure (retried later, or failed for good).
async fn generate(state: &AppState, config: &WorkerConfig, owner: &str, jobs: Vec<Job>) {
    let started = std::time::Instant::now();
    let mut made = Vec::with_capacity(jobs.len());
    let mut numbers = Vec::with_capacity(jobs.len());
    for (job, outcome) in make_copies(state, jobs).await {
        match outcome {
            Ok((number, pdf)) => {
                numbers.push((number, job.request_id.clone().unwrap_or_default()));
                made.push((job, pdf));
            }
            Err(reason) => record_failure(state, config, owner, &job, &reason).await,
        }
    }
    if made.is_empty() {
        return;
    }
    let stored = match state.store.finish_jobs(owner, &made, now_unix()).await {
        Ok(stored) => stored,
        // Nothing of the batch was stored. Each copy on its own, so that one
        // that cannot be stored fails alone (and is retried) instead of
        // taking the others with it.
        Err(e) if made.len() > 1 => {
            tracing::warn!(error = %e, copies = made.len(), "storing a batch failed; storing each copy alone");
            let mut stored = Vec::with_capacity(made.len());
            for one in &made {
                stored.push(store_alone(state, config, owner, one).await);
            }
            stored
        }
        Err(e) => {
            record_failure(state, config, owner, &made[0].0, &format!("storing the copy: {e}")).await;
            vec![false]
        }
    };
    let ms = started.elapsed().as_millis() as u64;
    for (((number, request_id), (_, pdf)), stored) in numbers.iter().zip(&made).zip(stored) {
        if stored {
            tracing::info!(%request_id, endorsement = %number, bytes = pdf.len(), ms, "endorsed copy ready");
        } else {
            tracing::warn!(%request_id, endorsement = %number, "copy not stored: lease lost to another worker, or failed");
        }
    }
}

/// Stores one copy in its own transaction; a failure is recorded for retry.
async fn store_alone(state: &AppState, config: &WorkerConfig, owner: &str, one: &(Job, Vec<u8>)) -> bool {
    match state.store.finish_jobs(owner, std::slice::from_ref(one), now_unix()).await {
        Ok(stored) => stored[0],
        Err(e) => {
            record_failure(state, config, owner, &one.0, &format!("storing the copy: {e}")).await;
            false
        }
    }
}

async fn record_failure(state: &AppState, config: &WorkerConfig, owner: &str, job: &Job, reason: &str) {
    let store = &state.store;
    let give_up = job.attempts >= config.max_attempts;
    let after = if give_up {
        AfterFailure::GiveUp
    } else {
        AfterFailure::RetryAt(now_unix() + config.backoff(job.attempts).as_secs().max(1) as i64)
    };
    let request_id = job.request_id.as_deref().unwrap_or_default();
    tracing::warn!(%request_id, endorsement_id = job.endorsement_id, attempts = job.attempts, give_up, %reason, "generation failed");
    let result = match store.fail_job(job, owner, reason, after).await {
        Ok(()) if give_up => {
            let subject = job.endorsement_id.to_string();
            let entry = AuditEntry { subject: Some(&subject), detail: Some(reason), ..Default::default() };
            store.audit(AuditEvent::EndorsementFailed, entry).await
        }
        other => other,
    };
    if let Err(e) = result {
        tracing::error!(error = %e, endorsement_id = job.endorsement_id, "recording a generation failure failed");
    }
}

/// Each job's signed copy (with its endorsement number), or why not (kept
/// for operators; holders see "failed"). The copies are made on one
/// blocking thread, one after the other: it is CPU work. A copy whose
/// rendering panics fails alone.
async fn make_copies(state: &AppState, jobs: Vec<Job>) -> Vec<(Job, Result<(String, Vec<u8>), String>)> {
    let mut facts = Vec::with_capacity(jobs.len());
    for job in &jobs {
        facts.push(match state.store.endorsement_facts(job.endorsement_id).await {
            Ok(Some(facts)) => Ok(facts),
            Ok(None) => Err("endorsement disappeared".to_string()),
            Err(e) => Err(format!("loading facts: {e}")),
        });
    }
    let generator = state.generator.clone();
    let made = tokio::task::spawn_blocking(move || {
        facts
            .into_iter()
            .map(|facts| {
                let facts = facts?;
                let started = std::time::Instant::now();
                let made = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    generator.endorsed_copy(&facts, now_unix())
                }));
                metrics::histogram!(crate::metrics::GENERATION_SECONDS).record(started.elapsed().as_secs_f64());
                match made {
                    Ok(Ok(pdf)) => Ok((facts.number, pdf)),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(_) => Err("generator panicked".to_string()),
                }
            })
            .collect::<Vec<_>>()
    })
    .await;
    match made {
        Ok(made) => jobs.into_iter().zip(made).collect(),
        Err(e) => jobs.into_iter().map(|job| (job, Err(format!("generator task: {e}")))).collect(),
    }
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
        match state.store.fail_abandoned_jobs(now_unix(), config.max_attempts).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(count = n, "endorsements failed after every attempt was interrupted"),
            Err(e) => tracing::error!(error = %e, "failing abandoned jobs"),
        }
        match state.store.purge_expired_files(app::clock::today_shanghai(), now_unix()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(count = n, "deleted the files of expired endorsed copies"),
            Err(e) => tracing::error!(error = %e, "purging expired files"),
        }
        // A verification's result page is kept for a day; its log row stays.
        if let Err(e) = state.store.purge_verdicts(now_unix() - VERDICT_KEPT_SECONDS).await {
            tracing::error!(error = %e, "purging verification results");
        }
        state.throttle.forget_quiet();
        // Uploaded import files, likewise (their batches and audit stay).
        if let Err(e) = state.store.purge_pending_imports(now_unix() - VERDICT_KEPT_SECONDS).await {
            tracing::error!(error = %e, "purging uploaded import files");
        }
    }
}

const VERDICT_KEPT_SECONDS: i64 = 24 * 3600;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let c = WorkerConfig::new(1);
        assert_eq!(c.backoff(1), Duration::from_secs(2));
        assert_eq!(c.backoff(2), Duration::from_secs(4));
        assert_eq!(c.backoff(4), Duration::from_secs(16));
        assert_eq!(c.backoff(60), Duration::from_secs(600));
    }
}
