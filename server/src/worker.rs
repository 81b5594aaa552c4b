//! The background generation workers: each claims a job from the database
//! with a lease, makes and signs the copy on a blocking thread (it is CPU
//! work), and stores it. A failed attempt is retried with exponential
//! backoff; after `max_attempts` the endorsement ends `failed` (it then
//! does not count toward the quota and the holder can retry). A lease
//! that expires, e.g. because the process died, makes the job due again.

use std::{sync::Arc, time::Duration};

use app::{
    state::AppState,
    store::{now_unix, AfterFailure, AuditEntry, AuditEvent, Job},
};
use tokio::task::JoinHandle;

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
            workers: if workers == 0 { cores } else { workers },
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

/// Starts the workers and the housekeeping task (abandoned jobs, expired files).
pub fn spawn(state: AppState, config: WorkerConfig) -> Vec<JoinHandle<()>> {
    let config = Arc::new(config);
    let instance = format!("{}-{:08x}", std::process::id(), rand::random::<u32>());
    let mut handles: Vec<JoinHandle<()>> = (0..config.workers)
        .map(|n| tokio::spawn(run(state.clone(), config.clone(), format!("{instance}-{n}"))))
        .collect();
    handles.push(tokio::spawn(housekeeping(state, config)));
    handles
}

async fn run(state: AppState, config: Arc<WorkerConfig>, owner: String) {
    loop {
        // Registered before looking, so a job queued meanwhile still wakes us.
        let wake = state.jobs.notified();
        tokio::pin!(wake);
        wake.as_mut().enable();
        let now = now_unix();
        let lease_until = now + config.lease.as_secs() as i64;
        match state.store.claim_job(&owner, now, lease_until, config.max_attempts).await {
            Ok(Some(job)) => {
                generate(&state, &config, &owner, job).await;
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "claiming a generation job failed"),
        }
        tokio::select! {
            _ = &mut wake => {}
            _ = tokio::time::sleep(config.idle_poll) => {}
        }
    }
}

async fn generate(state: &AppState, config: &WorkerConfig, owner: &str, job: Job) {
    let started = std::time::Instant::now();
    let outcome = make_copy(state, &job).await;
    let store = &state.store;
    let result = match outcome {
        Ok((number, pdf)) => match store.finish_job(&job, owner, &pdf, now_unix()).await {
            Ok(true) => {
                tracing::info!(endorsement = %number, bytes = pdf.len(), ms = started.elapsed().as_millis() as u64, "endorsed copy ready");
                Ok(())
            }
            Ok(false) => {
                tracing::warn!(endorsement = %number, "lease lost before the copy was stored; another worker has it");
                Ok(())
            }
            Err(e) => Err(e),
        },
        Err(reason) => {
            let give_up = job.attempts >= config.max_attempts;
            let after = if give_up {
                AfterFailure::GiveUp
            } else {
                AfterFailure::RetryAt(now_unix() + config.backoff(job.attempts).as_secs().max(1) as i64)
            };
            tracing::warn!(endorsement_id = job.endorsement_id, attempts = job.attempts, give_up, %reason, "generation failed");
            match store.fail_job(&job, owner, &reason, after).await {
                Ok(()) if give_up => {
                    let subject = job.endorsement_id.to_string();
                    let entry = AuditEntry { subject: Some(&subject), detail: Some(&reason), ..Default::default() };
                    store.audit(AuditEvent::EndorsementFailed, entry).await
                }
                other => other,
            }
        }
    };
    if let Err(e) = result {
        tracing::error!(error = %e, endorsement_id = job.endorsement_id, "recording a generation result failed");
    }
}

/// The signed copy, or why not (kept for operators; holders see "failed").
async fn make_copy(state: &AppState, job: &Job) -> Result<(String, Vec<u8>), String> {
    let facts = match state.store.endorsement_facts(job.endorsement_id).await {
        Ok(Some(facts)) => facts,
        Ok(None) => return Err("endorsement disappeared".into()),
        Err(e) => return Err(format!("loading facts: {e}")),
    };
    let generator = state.generator.clone();
    let number = facts.number.clone();
    let made_at = now_unix();
    let pdf = tokio::task::spawn_blocking(move || generator.endorsed_copy(&facts, made_at))
        .await
        .map_err(|e| format!("generator task: {e}"))?
        .map_err(|e| e.to_string())?;
    Ok((number, pdf))
}

/// Ends jobs abandoned too often, deletes the files of expired copies and
/// forgets verification results older than a day.
async fn housekeeping(state: AppState, config: Arc<WorkerConfig>) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
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
