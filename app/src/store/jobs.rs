//! The generation queue: each endorsement in `generating` is a job. A worker
//! claims one with a lease; finishing or failing checks that the lease is
//! still its own, so a job taken over after an expired lease is written once.

use crate::domain::calendar::Ymd;

use super::{corrupt, Result, Store};

/// A claimed job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub endorsement_id: i64,
    /// Including this one.
    pub attempts: i64,
    /// The id of the request that queued it, for the worker's log lines.
    pub request_id: Option<String>,
}

/// Everything printed on a certificate PDF, as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CertificateFacts {
    pub holder_name: String,
    pub id_type: String,
    pub id_number: String,
    pub qualification: String,
    pub specialty: Option<String>,
    pub certificate_number: String,
    pub management_number: String,
    pub issued_on: String,
    /// `valid` or `revoked`.
    pub status: String,
    pub authority: String,
    pub seal_code: String,
    pub seal_name: String,
}

/// Everything printed on an endorsed copy.
#[derive(Debug, Clone)]
pub struct EndorsementFacts {
    pub certificate: CertificateFacts,
    pub holder_id: i64,
    pub number: String,
    pub scenario: String,
    pub applied_at: i64,
    pub valid_from: Ymd,
    pub valid_until: Ymd,
}

/// How a failed attempt ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    RetryAt(i64),
    GiveUp,
}

const FACTS: &str = "
    SELECT c.holder_name, d.id_type, d.id_number, q.name_zh AS qualification, c.specialty,
           c.certificate_number, c.management_number, c.issued_on, c.status, s.authority,
           s.code AS seal_code, s.name AS seal_name
    FROM certificates c
    JOIN id_documents d ON d.id = c.id_document_id
    JOIN qualifications q ON q.id = c.qualification_id
    JOIN seals s ON s.id = q.seal_id";

impl Store {
    /// Takes the `limit` (or fewer) oldest due jobs, in id order, leasing them to `owner`
    /// until `lease_until`. A worker takes a few at a time so that the claim
    /// and the store of its copies are one write each, not one per copy.
    pub async fn claim_jobs(
        &self,
        owner: &str,
        now: i64,
        lease_until: i64,
        max_attempts: i64,
        limit: i64,
    ) -> Result<Vec<Job>> {
        // One statement. SQLite runs it under its write lock, so two workers
        // never claim the same row. On PostgreSQL the rows are locked as they
        // are chosen, and rows another instance's claim holds are passed over.
        let _turn = self.job_turn().await;
        let skip_locked = match self.backend {
            super::Backend::Sqlite => "",
            super::Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        };
        let mut jobs: Vec<Job> = sqlx::query_as::<_, (i64, i64, Option<String>)>(&format!(
            "UPDATE endorsements SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
             WHERE id IN (SELECT id FROM endorsements
                          WHERE status = 'generating' AND run_after <= $3 AND attempts < $4
                            AND (lease_until IS NULL OR lease_until < $5)
                          ORDER BY run_after, id LIMIT $6 {skip_locked})
             RETURNING id, attempts, request_id"
        ))
        .bind(owner)
        .bind(lease_until)
        .bind(now)
        .bind(max_attempts)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|(endorsement_id, attempts, request_id)| Job { endorsement_id, attempts, request_id })
        .collect();
        jobs.sort_by_key(|j| j.endorsement_id);
        Ok(jobs)
    }

    /// The facts to print for a job's endorsement.
    pub async fn endorsement_facts(&self, endorsement_id: i64) -> Result<Option<EndorsementFacts>> {
        let row: Option<(i64, i64, String, String, i64, String, String)> = sqlx::query_as(
            "SELECT e.certificate_id, e.holder_id, e.number, s.name_zh, e.applied_at, e.applied_on, e.valid_until
             FROM endorsements e JOIN scenarios s ON s.id = e.scenario_id WHERE e.id = $1",
        )
        .bind(endorsement_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some((certificate_id, holder_id, number, scenario, applied_at, applied_on, valid_until)) = row else {
            return Ok(None);
        };
        let certificate: CertificateFacts =
            sqlx::query_as(&format!("{FACTS} WHERE c.id = $1")).bind(certificate_id).fetch_one(&self.pool).await?;
        let day = |column, value: &str| Ymd::parse_iso(value).ok_or_else(|| corrupt("endorsements", column, value));
        Ok(Some(EndorsementFacts {
            certificate,
            holder_id,
            number,
            scenario,
            applied_at,
            valid_from: day("applied_on", &applied_on)?,
            valid_until: day("valid_until", &valid_until)?,
        }))
    }

    /// The facts of one of the holder's certificates, for a direct download.
    pub async fn certificate_facts(&self, holder_id: i64, certificate_id: i64) -> Result<Option<CertificateFacts>> {
        Ok(sqlx::query_as(&format!(
            "{FACTS} JOIN holders h ON h.id_document_id = c.id_document_id WHERE h.id = $1 AND c.id = $2"
        ))
        .bind(holder_id)
        .bind(certificate_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Stores each signed file (and its digest, see `issued_file`), marks its endorsement ready and writes
    /// the `endorsement_ready` audit entry (its subject: the endorsement number), all in one transaction,
    /// for the jobs whose lease `owner` still holds. Returns, per job, whether it did. A crash leaves all
    /// or none of it.
    pub async fn finish_jobs(&self, owner: &str, done: &[(Job, Vec<u8>)], now: i64) -> Result<Vec<bool>> {
        let _turn = self.job_turn().await;
        let mut tx = self.begin_write(None).await?;
        let mut stored = Vec::with_capacity(done.len());
        for (job, pdf) in done {
            stored.push(finish(&mut tx, job, owner, pdf, now).await?);
        }
        tx.commit().await?;
        Ok(stored)
    }

    /// Records a failed attempt: due again later, or failed for good.
    pub async fn fail_job(&self, job: &Job, owner: &str, reason: &str, after: AfterFailure) -> Result<()> {
        let (status, run_after) = match after {
            AfterFailure::RetryAt(at) => ("generating", Some(at)),
            AfterFailure::GiveUp => ("failed", None),
        };
        sqlx::query(
            "UPDATE endorsements SET status = $1, run_after = COALESCE($2, run_after), failure = $3,
                 lease_owner = NULL, lease_until = NULL
             WHERE id = $4 AND lease_owner = $5 AND status = 'generating'",
        )
        .bind(status)
        .bind(run_after)
        .bind(reason)
        .bind(job.endorsement_id)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Ends jobs whose every attempt was claimed and lost (e.g. the process
    /// died each time): failed, so the holder can retry and the quota frees.
    pub async fn fail_abandoned_jobs(&self, now: i64, max_attempts: i64) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE endorsements SET status = 'failed', failure = 'abandoned: every attempt was interrupted',
                 lease_owner = NULL, lease_until = NULL
             WHERE status = 'generating' AND attempts >= $1 AND (lease_until IS NULL OR lease_until < $2)",
        )
        .bind(max_attempts)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// At a graceful stop: the jobs this instance's workers (owners starting
    /// with `instance`) still hold go back to the queue at once, and the
    /// interrupted attempt is not counted. Another instance, or this one after
    /// its restart, takes them without waiting for the lease to run out.
    pub async fn release_leases_of(&self, instance: &str) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE endorsements SET lease_owner = NULL, lease_until = NULL,
                 attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END
             WHERE status = 'generating' AND substr(lease_owner, 1, length($1)) = $1",
        )
        .bind(instance)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// At start of the only process using this database: leases left by a
    /// previous run are void, so its jobs are taken again at once.
    pub async fn release_all_leases(&self) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE endorsements SET lease_owner = NULL, lease_until = NULL
             WHERE status = 'generating' AND lease_owner IS NOT NULL",
        )
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// How many endorsements are in each state (generating, ready, failed, cancelled),
    /// for the metrics.
    pub async fn endorsements_by_status(&self) -> Result<Vec<(String, i64)>> {
        // A withdrawn copy is stored as ready with a time: counted as cancelled.
        Ok(sqlx::query_as(
            "SELECT CASE WHEN cancelled_at IS NULL THEN status ELSE 'cancelled' END AS s, COUNT(*) FROM endorsements
             GROUP BY s ORDER BY s",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Jobs not finished yet (due or leased): the queue depth.
    pub async fn pending_jobs(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM endorsements WHERE status = 'generating'")
            .fetch_one(&self.pool)
            .await?)
    }
}

/// One job of [`Store::finish_jobs`].
async fn finish(tx: &mut sqlx::AnyConnection, job: &Job, owner: &str, pdf: &[u8], now: i64) -> Result<bool> {
    let updated = sqlx::query(
        "UPDATE endorsements SET status = 'ready', made_at = $1, failure = NULL, lease_owner = NULL,
             lease_until = NULL
         WHERE id = $2 AND lease_owner = $3 AND status = 'generating'",
    )
    .bind(now)
    .bind(job.endorsement_id)
    .bind(owner)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        return Ok(false);
    }
    sqlx::query("INSERT INTO endorsement_files (endorsement_id, pdf) VALUES ($1, $2)")
        .bind(job.endorsement_id)
        .bind(pdf)
        .execute(&mut *tx)
        .await?;
    // Remembered by digest, so that an uploaded copy finds its record.
    sqlx::query(
        "INSERT INTO issued_files (sha256, certificate_id, endorsement_id, issued_at)
         SELECT $1, certificate_id, id, $2 FROM endorsements WHERE id = $3
         ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(crate::pdf_signature::file_sha256(pdf))
    .bind(now)
    .bind(job.endorsement_id)
    .execute(&mut *tx)
    .await?;
    let (number, holder_id): (String, i64) = sqlx::query_as("SELECT number, holder_id FROM endorsements WHERE id = $1")
        .bind(job.endorsement_id)
        .fetch_one(&mut *tx)
        .await?;
    // The worker (instance and number) in the detail: which instance made a copy.
    let entry = super::AuditEntry {
        holder_id: Some(holder_id),
        subject: Some(&number),
        detail: Some(owner),
        ..Default::default()
    };
    super::audit::insert(&mut *tx, super::AuditEvent::EndorsementReady, &entry, now).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::endorsement::EndorsementStatus;
    use crate::store::testing::{certificate, holder, temp_store};
    use crate::store::{Applied, NewApplication};

    async fn queued(n: usize) -> (Store, tempfile::TempDir, i64, Vec<i64>) {
        let (store, dir) = temp_store().await;
        store.seed_catalog().await.unwrap();
        let holder = holder(&store, "zhangsan", "110105198503150019").await;
        let mut ids = Vec::new();
        for i in 0..n {
            let cert = certificate(&store, &format!("C{i}"), "110105198503150019", "2022-03-15", true).await;
            let key = format!("k{i}");
            let request = format!("req-{i}");
            let a = NewApplication {
                holder_id: holder,
                certificate_id: cert,
                scenario_code: "own_use",
                days: 30,
                idempotency_key: &key,
                today: Ymd::parse_iso("2026-11-25").unwrap(),
                now: 100,
                random: i as u64,
                client_addr: None,
                request_id: Some(&request),
            };
            let Applied::Created(view) = store.apply_endorsement(&a).await.unwrap() else { panic!() };
            let id = view.id;
            ids.push(id);
        }
        (store, dir, holder, ids)
    }

    /// One job at a time, as a worker whose batch is one.
    async fn claim_one(store: &Store, owner: &str, now: i64, lease_until: i64, max_attempts: i64) -> Option<Job> {
        let mut jobs = store.claim_jobs(owner, now, lease_until, max_attempts, 1).await.unwrap();
        assert!(jobs.len() <= 1);
        jobs.pop()
    }

    async fn finish_one(store: &Store, job: &Job, owner: &str, pdf: &[u8], now: i64) -> bool {
        store.finish_jobs(owner, &[(job.clone(), pdf.to_vec())], now).await.unwrap()[0]
    }

    async fn status(store: &Store, holder: i64, id: i64) -> EndorsementStatus {
        store.endorsement_file(holder, id).await.unwrap().unwrap().status
    }

    #[tokio::test]
    async fn a_job_is_claimed_once_and_finished_by_its_lease_holder() {
        let (store, _dir, holder, ids) = queued(1).await;
        let job = claim_one(&store, "w1", 100, 160, 5).await.unwrap();
        assert_eq!(job, Job { endorsement_id: ids[0], attempts: 1, request_id: Some("req-0".into()) });
        assert_eq!(claim_one(&store, "w2", 101, 161, 5).await, None, "leased");
        let facts = store.endorsement_facts(job.endorsement_id).await.unwrap().unwrap();
        assert_eq!((facts.certificate.holder_name.as_str(), facts.scenario.as_str()), ("张三", "本人调用"));
        assert_eq!(facts.certificate.seal_code, "mohrss");
        // The lease expires; another worker takes over; the first one's result is dropped.
        let again = claim_one(&store, "w2", 161, 221, 5).await.unwrap();
        assert_eq!(again.attempts, 2);
        assert!(!finish_one(&store, &job, "w1", b"%PDF-old", 170).await);
        assert!(finish_one(&store, &again, "w2", b"%PDF-new", 171).await);
        assert!(!finish_one(&store, &again, "w2", b"%PDF-twice", 172).await);
        let events = store.recent_audit_events(10).await.unwrap();
        let ready: Vec<_> = events.iter().filter(|(e, _, _)| e == "endorsement_ready").collect();
        assert_eq!(ready.len(), 1, "audited once, with the file: {events:?}");
        assert_eq!((ready[0].1, ready[0].2.as_deref()), (Some(holder), Some(facts.number.as_str())));
        let file = store.endorsement_file(holder, ids[0]).await.unwrap().unwrap();
        assert_eq!((file.status, file.pdf.as_deref()), (EndorsementStatus::Ready, Some(&b"%PDF-new"[..])));
        assert_eq!(store.pending_jobs().await.unwrap(), 0);
    }

    #[tokio::test]
    async fn failures_back_off_then_give_up() {
        let (store, _dir, holder, ids) = queued(1).await;
        let job = claim_one(&store, "w", 100, 160, 2).await.unwrap();
        store.fail_job(&job, "w", "font exploded", AfterFailure::RetryAt(110)).await.unwrap();
        assert_eq!(claim_one(&store, "w", 105, 165, 2).await, None, "not due before its backoff");
        let job = claim_one(&store, "w", 110, 170, 2).await.unwrap();
        assert_eq!(job.attempts, 2);
        store.fail_job(&job, "w", "font exploded", AfterFailure::GiveUp).await.unwrap();
        assert_eq!(status(&store, holder, ids[0]).await, EndorsementStatus::Failed);
        assert_eq!(claim_one(&store, "w", 500, 560, 2).await, None);
    }

    #[tokio::test]
    async fn a_graceful_stop_releases_only_its_own_leases_and_uncounts_the_attempt() {
        let (store, _dir, _holder, ids) = queued(2).await;
        let mine = claim_one(&store, "inst-a-0", 100, 10_000, 5).await.unwrap();
        let other = claim_one(&store, "inst-b-0", 100, 10_000, 5).await.unwrap();
        assert_eq!(store.release_leases_of("inst-a-").await.unwrap(), 1);
        let again = claim_one(&store, "inst-c-0", 101, 10_000, 5).await.unwrap();
        assert_eq!(again.endorsement_id, mine.endorsement_id, "free at once, not after the lease");
        assert_eq!(again.attempts, 1, "the interrupted attempt is not counted");
        assert_ne!(other.endorsement_id, mine.endorsement_id);
        assert_eq!(claim_one(&store, "inst-c-1", 102, 10_000, 5).await, None, "the other instance's lease holds");
        assert_eq!(ids.len(), 2);
    }

    #[tokio::test]
    async fn interrupted_jobs_come_back_and_end_failed_when_always_interrupted() {
        let (store, _dir, holder, ids) = queued(2).await;
        claim_one(&store, "dead", 100, 10_000, 2).await.unwrap();
        // A restart of the only process voids its leases at once.
        assert_eq!(store.release_all_leases().await.unwrap(), 1);
        let a = claim_one(&store, "w", 101, 161, 2).await.unwrap();
        let b = claim_one(&store, "w", 101, 161, 2).await.unwrap();
        assert_ne!(a.endorsement_id, b.endorsement_id);
        assert_eq!(a.attempts + b.attempts, 3, "the interrupted one is on its second attempt");
        let interrupted = if a.attempts == 2 { a } else { b };
        // Interrupted again: no attempts left, so it ends failed once its lease is over.
        assert_eq!(store.fail_abandoned_jobs(150, 2).await.unwrap(), 0, "still leased");
        assert_eq!(store.fail_abandoned_jobs(200, 2).await.unwrap(), 1);
        assert_eq!(status(&store, holder, interrupted.endorsement_id).await, EndorsementStatus::Failed);
        assert!(ids.contains(&interrupted.endorsement_id));
    }

    #[tokio::test]
    async fn many_workers_claim_each_job_exactly_once() {
        let (store, _dir, _holder, ids) = queued(40).await;
        let workers: Vec<_> = (0..8)
            .map(|w| {
                let store = store.clone();
                tokio::spawn(async move {
                    let mut mine = Vec::new();
                    let owner = format!("w{w}");
                    loop {
                        // Batches of 1 to 3, so that claims interleave.
                        let jobs = store.claim_jobs(&owner, 100, 200, 5, 1 + w % 3).await.unwrap();
                        if jobs.is_empty() {
                            break;
                        }
                        let done: Vec<_> = jobs.iter().map(|j| (j.clone(), b"%PDF".to_vec())).collect();
                        assert!(store.finish_jobs(&owner, &done, 101).await.unwrap().iter().all(|&stored| stored));
                        mine.extend(jobs.iter().map(|j| j.endorsement_id));
                    }
                    mine
                })
            })
            .collect();
        let mut done = Vec::new();
        for w in workers {
            done.extend(w.await.unwrap());
        }
        done.sort();
        assert_eq!(done, ids);
    }

    #[tokio::test]
    async fn a_batch_is_claimed_oldest_first_and_stored_in_one_go() {
        let (store, _dir, holder, ids) = queued(5).await;
        let first = store.claim_jobs("w1", 100, 160, 5, 3).await.unwrap();
        assert_eq!(first.iter().map(|j| j.endorsement_id).collect::<Vec<_>>(), ids[..3]);
        let rest = store.claim_jobs("w2", 100, 160, 5, 3).await.unwrap();
        assert_eq!(rest.iter().map(|j| j.endorsement_id).collect::<Vec<_>>(), ids[3..]);
        assert!(store.claim_jobs("w3", 100, 160, 5, 3).await.unwrap().is_empty());
        // One of w1's leases was lost meanwhile: that copy is not stored, the others are.
        sqlx::query("UPDATE endorsements SET lease_owner = 'w9' WHERE id = $1")
            .bind(ids[1])
            .execute(store.pool())
            .await
            .unwrap();
        let done: Vec<(Job, Vec<u8>)> =
            first.iter().map(|j| (j.clone(), format!("%PDF-{}", j.endorsement_id).into_bytes())).collect();
        assert_eq!(store.finish_jobs("w1", &done, 120).await.unwrap(), vec![true, false, true]);
        for (i, ready) in [(0, true), (1, false), (2, true)] {
            let file = store.endorsement_file(holder, ids[i]).await.unwrap().unwrap();
            assert_eq!(file.status == EndorsementStatus::Ready, ready, "copy {i}");
            assert_eq!(file.pdf.is_some(), ready, "copy {i}");
        }
        assert_eq!(store.pending_jobs().await.unwrap(), 3);
    }
}
