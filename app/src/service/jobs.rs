//! The generation queue, as the background workers (`server::worker`) work
//! it: claim a few jobs with a lease, make and sign their copies on a
//! blocking thread (it is CPU work), and store them together. A failed
//! attempt is retried with exponential backoff; after the last attempt the
//! endorsement ends `failed` (audited; it then does not count toward the
//! quota and the holder can retry). The workers' tasks, their timing and
//! their stop are the server's.
//!
//! Each copy's log lines carry the id of the request that queued it
//! (`request_id`), as the access log's line for that request does.

use std::time::Duration;

use crate::clock::now_unix;
use crate::state::AppState;
use crate::store::{AfterFailure, AuditEntry, AuditEvent, StoreError};

pub use crate::store::Job;

/// When a failed attempt is tried again.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Attempts before an endorsement ends `failed`.
    pub max_attempts: i64,
    /// Wait before the second attempt; doubled for each further one, up to 10 minutes.
    pub first_backoff: Duration,
}

impl Retry {
    pub fn backoff(&self, attempts: i64) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1)).unwrap_or(u32::MAX).min(10);
        self.first_backoff.saturating_mul(1 << doublings).min(Duration::from_secs(600))
    }
}

/// Up to `batch` due jobs, leased to `owner` for `lease`.
pub async fn claim(
    state: &AppState,
    owner: &str,
    lease: Duration,
    retry: &Retry,
    batch: i64,
) -> Result<Vec<Job>, StoreError> {
    let now = now_unix();
    let lease_until = now + lease.as_secs() as i64;
    state.store.claim_jobs(owner, now, lease_until, retry.max_attempts, batch).await
}

/// Hands the jobs leased to owners named `<prefix>…` back to the queue
/// without counting the interrupted attempt (a graceful stop).
pub async fn release(state: &AppState, owner_prefix: &str) -> Result<u64, StoreError> {
    state.store.release_leases_of(owner_prefix).await
}

/// Makes the batch's copies, stores those made in one transaction and
/// records each failure (retried later, or failed for good). `timed` is
/// told how long each copy took to render and sign.
pub async fn make(state: &AppState, retry: &Retry, owner: &str, jobs: Vec<Job>, timed: fn(Duration)) {
    let started = std::time::Instant::now();
    let mut made = Vec::with_capacity(jobs.len());
    let mut numbers = Vec::with_capacity(jobs.len());
    for (job, outcome) in make_copies(state, jobs, timed).await {
        match outcome {
            Ok((number, pdf)) => {
                numbers.push((number, job.request_id.clone().unwrap_or_default()));
                made.push((job, pdf));
            }
            Err(reason) => record_failure(state, retry, owner, &job, &reason).await,
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
                stored.push(store_alone(state, retry, owner, one).await);
            }
            stored
        }
        Err(e) => {
            record_failure(state, retry, owner, &made[0].0, &format!("storing the copy: {e}")).await;
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
async fn store_alone(state: &AppState, retry: &Retry, owner: &str, one: &(Job, Vec<u8>)) -> bool {
    match state.store.finish_jobs(owner, std::slice::from_ref(one), now_unix()).await {
        Ok(stored) => stored[0],
        Err(e) => {
            record_failure(state, retry, owner, &one.0, &format!("storing the copy: {e}")).await;
            false
        }
    }
}

async fn record_failure(state: &AppState, retry: &Retry, owner: &str, job: &Job, reason: &str) {
    let store = &state.store;
    let give_up = job.attempts >= retry.max_attempts;
    let after = if give_up {
        AfterFailure::GiveUp
    } else {
        AfterFailure::RetryAt(now_unix() + retry.backoff(job.attempts).as_secs().max(1) as i64)
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
async fn make_copies(
    state: &AppState,
    jobs: Vec<Job>,
    timed: fn(Duration),
) -> Vec<(Job, Result<(String, Vec<u8>), String>)> {
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
                timed(started.elapsed());
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

/// How long a verification's result page and an uploaded import file are
/// kept (their log rows, batches and audit entries stay).
const KEPT_SECONDS: i64 = 24 * 3600;

/// One round of upkeep: ends jobs abandoned too often, deletes the files of
/// expired copies, and forgets verification results and uploads older than
/// a day. Each step logs its own outcome.
pub async fn tidy(state: &AppState, retry: &Retry) {
    let store = &state.store;
    match store.fail_abandoned_jobs(now_unix(), retry.max_attempts).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(count = n, "endorsements failed after every attempt was interrupted"),
        Err(e) => tracing::error!(error = %e, "failing abandoned jobs"),
    }
    match store.purge_expired_files(crate::clock::today_shanghai(), now_unix()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(count = n, "deleted the files of expired endorsed copies"),
        Err(e) => tracing::error!(error = %e, "purging expired files"),
    }
    if let Err(e) = store.purge_verdicts(now_unix() - KEPT_SECONDS).await {
        tracing::error!(error = %e, "purging verification results");
    }
    state.throttle.forget_quiet();
    if let Err(e) = store.purge_pending_imports(now_unix() - KEPT_SECONDS).await {
        tracing::error!(error = %e, "purging uploaded import files");
    }
}
