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
    /// Takes the next due job, if any, leasing it to `owner` until `lease_until`.
    pub async fn claim_job(&self, owner: &str, now: i64, lease_until: i64, max_attempts: i64) -> Result<Option<Job>> {
        // One statement: SQLite runs it under its write lock, so two
        // workers never claim the same row.
        let _turn = self.job_writes.lock().await;
        let row: Option<(i64, i64)> = sqlx::query_as(
            "UPDATE endorsements SET lease_owner = ?, lease_until = ?, attempts = attempts + 1
             WHERE id = (SELECT id FROM endorsements
                         WHERE status = 'generating' AND run_after <= ? AND attempts < ?
                           AND (lease_until IS NULL OR lease_until < ?)
                         ORDER BY run_after, id LIMIT 1)
             RETURNING id, attempts",
        )
        .bind(owner)
        .bind(lease_until)
        .bind(now)
        .bind(max_attempts)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(endorsement_id, attempts)| Job { endorsement_id, attempts }))
    }

    /// The facts to print for a job's endorsement.
    pub async fn endorsement_facts(&self, endorsement_id: i64) -> Result<Option<EndorsementFacts>> {
        let row: Option<(i64, i64, String, String, i64, String, String)> = sqlx::query_as(
            "SELECT e.certificate_id, e.holder_id, e.number, s.name_zh, e.applied_at, e.applied_on, e.valid_until
             FROM endorsements e JOIN scenarios s ON s.id = e.scenario_id WHERE e.id = ?",
        )
        .bind(endorsement_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some((certificate_id, holder_id, number, scenario, applied_at, applied_on, valid_until)) = row else {
            return Ok(None);
        };
        let certificate: CertificateFacts =
            sqlx::query_as(&format!("{FACTS} WHERE c.id = ?")).bind(certificate_id).fetch_one(&self.pool).await?;
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
            "{FACTS} JOIN holders h ON h.id_document_id = c.id_document_id WHERE h.id = ? AND c.id = ?"
        ))
        .bind(holder_id)
        .bind(certificate_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Stores the signed file (and its digest, see `issued_file`), marks the endorsement ready and writes
    /// the `endorsement_ready` audit entry (its subject: the endorsement number), all in one transaction,
    /// if `owner` still holds the lease. Returns whether it did. A crash leaves all or none of it.
    pub async fn finish_job(&self, job: &Job, owner: &str, pdf: &[u8], now: i64) -> Result<bool> {
        let _turn = self.job_writes.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let updated = sqlx::query(
            "UPDATE endorsements SET status = 'ready', made_at = ?, failure = NULL, lease_owner = NULL,
                 lease_until = NULL
             WHERE id = ? AND lease_owner = ? AND status = 'generating'",
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
        sqlx::query("INSERT INTO endorsement_files (endorsement_id, pdf) VALUES (?, ?)")
            .bind(job.endorsement_id)
            .bind(pdf)
            .execute(&mut *tx)
            .await?;
        // Remembered by digest, so that an uploaded copy finds its record.
        sqlx::query(
            "INSERT INTO issued_files (sha256, certificate_id, endorsement_id, issued_at)
             SELECT ?, certificate_id, id, ? FROM endorsements WHERE id = ?
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(crate::verify::file_sha256(pdf))
        .bind(now)
        .bind(job.endorsement_id)
        .execute(&mut *tx)
        .await?;
        let (number, holder_id): (String, i64) = sqlx::query_as("SELECT number, holder_id FROM endorsements WHERE id = ?")
            .bind(job.endorsement_id)
            .fetch_one(&mut *tx)
            .await?;
        let entry = super::AuditEntry { holder_id: Some(holder_id), subject: Some(&number), ..Default::default() };
        super::audit::insert(&mut *tx, super::AuditEvent::EndorsementReady, &entry, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records a failed attempt: due again later, or failed for good.
    pub async fn fail_job(&self, job: &Job, owner: &str, reason: &str, after: AfterFailure) -> Result<()> {
        let (status, run_after) = match after {
            AfterFailure::RetryAt(at) => ("generating", Some(at)),
            AfterFailure::GiveUp => ("failed", None),
        };
        sqlx::query(
            "UPDATE endorsements SET status = ?, run_after = COALESCE(?, run_after), failure = ?,
                 lease_owner = NULL, lease_until = NULL
             WHERE id = ? AND lease_owner = ? AND status = 'generating'",
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
             WHERE status = 'generating' AND attempts >= ? AND (lease_until IS NULL OR lease_until < ?)",
        )
        .bind(max_attempts)
        .bind(now)
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

    /// Jobs not finished yet (due or leased): the queue depth.
    pub async fn pending_jobs(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM endorsements WHERE status = 'generating'")
            .fetch_one(&self.pool)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::endorsement::EndorsementStatus;
    use crate::store::testing::{certificate, holder, temp_store};
    use crate::store::{Applied, NewApplication};

    async fn queued(n: usize) -> (Store, tempfile::TempDir, i64, Vec<i64>) {
        let (store, dir) = temp_store().await;
        crate::store::seed::catalog(&store).await.unwrap();
        let holder = holder(&store, "zhangsan", "110105198503150019").await;
        let mut ids = Vec::new();
        for i in 0..n {
            let cert = certificate(&store, &format!("C{i}"), "110105198503150019", "2022-03-15", true).await;
            let key = format!("k{i}");
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
            };
            let Applied::Created(view) = store.apply_endorsement(&a).await.unwrap() else { panic!() };
            let id = view.id;
            ids.push(id);
        }
        (store, dir, holder, ids)
    }

    async fn status(store: &Store, holder: i64, id: i64) -> EndorsementStatus {
        store.endorsement_file(holder, id).await.unwrap().unwrap().status
    }

    #[tokio::test]
    async fn a_job_is_claimed_once_and_finished_by_its_lease_holder() {
        let (store, _dir, holder, ids) = queued(1).await;
        let job = store.claim_job("w1", 100, 160, 5).await.unwrap().unwrap();
        assert_eq!(job, Job { endorsement_id: ids[0], attempts: 1 });
        assert_eq!(store.claim_job("w2", 101, 161, 5).await.unwrap(), None, "leased");
        let facts = store.endorsement_facts(job.endorsement_id).await.unwrap().unwrap();
        assert_eq!((facts.certificate.holder_name.as_str(), facts.scenario.as_str()), ("张三", "本人调用"));
        assert_eq!(facts.certificate.seal_code, "mohrss");
        // The lease expires; another worker takes over; the first one's result is dropped.
        let again = store.claim_job("w2", 161, 221, 5).await.unwrap().unwrap();
        assert_eq!(again.attempts, 2);
        assert!(!store.finish_job(&job, "w1", b"%PDF-old", 170).await.unwrap());
        assert!(store.finish_job(&again, "w2", b"%PDF-new", 171).await.unwrap());
        assert!(!store.finish_job(&again, "w2", b"%PDF-twice", 172).await.unwrap());
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
        let job = store.claim_job("w", 100, 160, 2).await.unwrap().unwrap();
        store.fail_job(&job, "w", "font exploded", AfterFailure::RetryAt(110)).await.unwrap();
        assert_eq!(store.claim_job("w", 105, 165, 2).await.unwrap(), None, "not due before its backoff");
        let job = store.claim_job("w", 110, 170, 2).await.unwrap().unwrap();
        assert_eq!(job.attempts, 2);
        store.fail_job(&job, "w", "font exploded", AfterFailure::GiveUp).await.unwrap();
        assert_eq!(status(&store, holder, ids[0]).await, EndorsementStatus::Failed);
        assert_eq!(store.claim_job("w", 500, 560, 2).await.unwrap(), None);
    }

    #[tokio::test]
    async fn interrupted_jobs_come_back_and_end_failed_when_always_interrupted() {
        let (store, _dir, holder, ids) = queued(2).await;
        store.claim_job("dead", 100, 10_000, 2).await.unwrap().unwrap();
        // A restart of the only process voids its leases at once.
        assert_eq!(store.release_all_leases().await.unwrap(), 1);
        let a = store.claim_job("w", 101, 161, 2).await.unwrap().unwrap();
        let b = store.claim_job("w", 101, 161, 2).await.unwrap().unwrap();
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
                    while let Some(job) = store.claim_job(&format!("w{w}"), 100, 200, 5).await.unwrap() {
                        assert!(store.finish_job(&job, &format!("w{w}"), b"%PDF", 101).await.unwrap());
                        mine.push(job.endorsement_id);
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
}
