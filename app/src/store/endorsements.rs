//! Endorsement applications, what holders see of them, and their files.
//! The rules live in `domain::endorsement`; this module gathers the facts
//! for them inside the transaction that records the outcome.

use crate::domain::instant::Instant;
use std::collections::HashMap;

use crate::domain::calendar::Ymd;
use crate::domain::certificate::{Bilingual, CertificateStatus};
use crate::domain::check_log::{coarse_origin, CheckEntry};
use crate::domain::endorsement::{
    check_application, check_cancellation, check_retry, endorsement_number, ends_soon, next_free_slot, quota_window_start,
    Application, EndorsementStatus, EndorsementView, Phase, Refusal, Rejection, Scenario, QUOTA,
};
use crate::domain::verification::{Method, Outcome};

use super::{corrupt, Result, Store};

pub struct NewApplication<'a> {
    pub holder_id: i64,
    pub certificate_id: i64,
    pub scenario_code: &'a str,
    pub days: i64,
    pub idempotency_key: &'a str,
    pub today: Ymd,
    pub now: i64,
    /// Source of the number's random part.
    pub random: u64,
    /// For the `endorsement_applied` audit entry, written with the endorsement.
    pub client_addr: Option<&'a str>,
    /// The application request's id, carried by the worker's log lines.
    pub request_id: Option<&'a str>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    /// A new endorsement, generating as of the commit.
    Created(EndorsementView),
    /// The idempotency key was used before: that endorsement as it is now.
    Repeated(EndorsementView),
    Rejected(Rejection),
    /// Not the holder's certificate (or none).
    NotFound,
}

/// What the download path needs to decide on one endorsement of a holder.
pub struct EndorsementFile {
    pub certificate_id: i64,
    pub number: String,
    pub certificate_number: String,
    pub certificate_status: CertificateStatus,
    pub status: EndorsementStatus,
    pub valid_until: Ymd,
    /// Absent once purged after expiry.
    pub pdf: Option<Vec<u8>>,
}

#[derive(sqlx::FromRow)]
struct ViewRow {
    id: i64,
    number: String,
    scenario_code: String,
    name_zh: String,
    name_en: String,
    days: i64,
    applied_at: i64,
    applied_on: String,
    valid_until: String,
    status: String,
    cancelled_at: Option<i64>,
    checks: i64,
}

#[derive(sqlx::FromRow)]
struct FileRow {
    certificate_id: i64,
    number: String,
    certificate_number: String,
    certificate_status: String,
    status: String,
    cancelled_at: Option<i64>,
    valid_until: String,
    pdf: Option<Vec<u8>>,
}

const SELECT_VIEW: &str = "
    SELECT e.id, e.number, s.code AS scenario_code, s.name_zh, s.name_en, e.days, e.applied_at, e.applied_on,
           e.valid_until, e.status, e.cancelled_at,
           (SELECT COUNT(*) FROM verifications v WHERE v.endorsement_id = e.id) AS checks
    FROM endorsements e JOIN scenarios s ON s.id = e.scenario_id";

impl ViewRow {
    fn into_view(self, today: Ymd) -> Result<EndorsementView> {
        let valid_until = day("valid_until", &self.valid_until)?;
        let phase = Phase::of(status(&self.status, self.cancelled_at)?, valid_until, today);
        Ok(EndorsementView {
            id: self.id,
            number: self.number,
            scenario: Bilingual { zh: self.name_zh, en: self.name_en },
            days: self.days,
            applied_at: Instant(self.applied_at),
            valid_from: day("applied_on", &self.applied_on)?,
            valid_until,
            phase,
            scenario_code: self.scenario_code,
            ends_soon: ends_soon(phase, valid_until, today),
            cancelled_at: self.cancelled_at.map(Instant),
            checks: u32::try_from(self.checks).unwrap_or(u32::MAX),
        })
    }
}

fn day(column: &str, value: &str) -> Result<Ymd> {
    Ymd::parse_iso(value).ok_or_else(|| corrupt("endorsements", column, value))
}

/// The status of a row, from its `status` and `cancelled_at` columns.
pub(super) fn status(value: &str, cancelled_at: Option<i64>) -> Result<EndorsementStatus> {
    EndorsementStatus::of_row(value, cancelled_at.is_some()).ok_or_else(|| corrupt("endorsements", "status", value))
}

/// How a demo endorsement applied for in the past is left.
#[cfg(feature = "demo")]
pub(crate) enum Past {
    /// Made, expired, its file purged.
    Expired,
    /// Queued: the workers make its file.
    Generating,
}

/// The outcome of 撤回加注.
#[derive(Debug, PartialEq, Eq)]
pub enum Cancelled {
    /// Withdrawn now; the endorsement number, for the audit and the page.
    Done {
        number: String,
    },
    Refused(Refusal),
    /// Not the holder's endorsement (or none).
    NotFound,
}

impl Store {
    /// 提交加注申请: checks the rules and records the endorsement in one
    /// write transaction, so concurrent applications and double submits
    /// cannot exceed the quota.
    pub async fn apply_endorsement(&self, a: &NewApplication<'_>) -> Result<Applied> {
        // The quota count below cannot change before this transaction commits.
        let mut tx = self.begin_write(Some(super::WriteLock::Certificate(a.certificate_id))).await?;
        let earlier: Option<ViewRow> =
            sqlx::query_as(&format!("{SELECT_VIEW} WHERE e.holder_id = $1 AND e.idempotency_key = $2"))
                .bind(a.holder_id)
                .bind(a.idempotency_key)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(row) = earlier {
            return Ok(Applied::Repeated(row.into_view(a.today)?));
        }
        let certificate: Option<(String, String)> = sqlx::query_as(
            "SELECT c.status, c.issued_on FROM certificates c
             JOIN holders h ON h.id_document_id = c.id_document_id
             WHERE h.id = $1 AND c.id = $2",
        )
        .bind(a.holder_id)
        .bind(a.certificate_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((certificate_status, issued_on)) = certificate else {
            return Ok(Applied::NotFound);
        };
        let scenario: Option<(i64, i64)> = sqlx::query_as("SELECT id, enabled FROM scenarios WHERE code = $1")
            .bind(a.scenario_code)
            .fetch_optional(&mut *tx)
            .await?;
        let counted = counted_days(&mut tx, a.certificate_id, a.today, None).await?;
        let application = Application {
            certificate_status: CertificateStatus::from_code(&certificate_status)
                .ok_or_else(|| corrupt("certificates", "status", &certificate_status))?,
            issued_on: Ymd::parse_iso(&issued_on).ok_or_else(|| corrupt("certificates", "issued_on", &issued_on))?,
            days: a.days,
            scenario_enabled: scenario.is_some_and(|(_, enabled)| enabled == 1),
            today: a.today,
            counted: &counted,
        };
        let valid_until = match check_application(&application) {
            Ok(until) => until,
            Err(rejection) => return Ok(Applied::Rejected(rejection)),
        };
        let number = endorsement_number(a.today, a.random);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO endorsements (number, certificate_id, holder_id, scenario_id, days, applied_at, applied_on,
                 valid_until, idempotency_key, status, run_after, request_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'generating', $10, $11)
             RETURNING id",
        )
        .bind(&number)
        .bind(a.certificate_id)
        .bind(a.holder_id)
        .bind(scenario.map(|(id, _)| id))
        .bind(a.days)
        .bind(a.now)
        .bind(a.today.to_string())
        .bind(valid_until.to_string())
        .bind(a.idempotency_key)
        .bind(a.now)
        .bind(a.request_id)
        .fetch_one(&mut *tx)
        .await?;
        let row: ViewRow =
            sqlx::query_as(&format!("{SELECT_VIEW} WHERE e.id = $1")).bind(id).fetch_one(&mut *tx).await?;
        // In the same transaction: a crash keeps both the endorsement and its entry, or neither.
        let detail = format!("{number} days={} scenario={}", a.days, a.scenario_code);
        let subject = a.certificate_id.to_string();
        let entry = super::AuditEntry {
            holder_id: Some(a.holder_id),
            subject: Some(&subject),
            client_addr: a.client_addr,
            detail: Some(&detail),
            staff_id: None,
        };
        super::audit::insert(&mut *tx, super::AuditEvent::EndorsementApplied, &entry, a.now).await?;
        tx.commit().await?;
        Ok(Applied::Created(row.into_view(a.today)?))
    }

    /// 重新生成 a failed endorsement: it counts toward the quota again, so
    /// the quota is checked as for a new application.
    pub async fn retry_endorsement(
        &self,
        holder_id: i64,
        id: i64,
        today: Ymd,
        now: i64,
    ) -> Result<Option<std::result::Result<(), Rejection>>> {
        let mut tx = self.begin_write(None).await?;
        let certificate_id: Option<i64> =
            sqlx::query_scalar("SELECT certificate_id FROM endorsements WHERE id = $1 AND holder_id = $2")
                .bind(id)
                .bind(holder_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(certificate_id) = certificate_id else { return Ok(None) };
        self.lock(&mut tx, super::WriteLock::Certificate(certificate_id)).await?;
        let row: Option<(i64, String, String)> = sqlx::query_as(
            "SELECT e.certificate_id, e.status, c.status FROM endorsements e
             JOIN certificates c ON c.id = e.certificate_id
             WHERE e.id = $1 AND e.holder_id = $2",
        )
        .bind(id)
        .bind(holder_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((certificate_id, endorsement_status, certificate_status)) = row else {
            return Ok(None);
        };
        let certificate_status = CertificateStatus::from_code(&certificate_status)
            .ok_or_else(|| corrupt("certificates", "status", &certificate_status))?;
        let counted = counted_days(&mut tx, certificate_id, today, Some(id)).await?;
        let endorsement_status = status(&endorsement_status, None)?;
        if let Err(refusal) = check_retry(certificate_status, endorsement_status, today, &counted) {
            return Ok(Some(Err(Rejection::Refused(refusal))));
        }
        sqlx::query(
            "UPDATE endorsements SET status = 'generating', attempts = 0, run_after = $1, failure = NULL,
                 lease_owner = NULL, lease_until = NULL
             WHERE id = $2",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(Ok(())))
    }

    /// A certificate's endorsements, newest first; `None` when the
    /// certificate is not the holder's (or does not exist).
    pub async fn endorsements_of_certificate(
        &self,
        holder_id: i64,
        certificate_id: i64,
        today: Ymd,
    ) -> Result<Option<Vec<EndorsementView>>> {
        let theirs: i64 = sqlx::query_scalar(
            "SELECT CASE WHEN EXISTS (SELECT 1 FROM certificates c JOIN holders h ON h.id_document_id = c.id_document_id
                            WHERE c.id = $1 AND h.id = $2) THEN 1 ELSE 0 END",
        )
        .bind(certificate_id)
        .bind(holder_id)
        .fetch_one(&self.pool)
        .await?;
        if theirs == 0 {
            return Ok(None);
        }
        let rows: Vec<ViewRow> = sqlx::query_as(&format!(
            "{SELECT_VIEW} WHERE e.certificate_id = $1 AND e.holder_id = $2 ORDER BY e.id DESC"
        ))
        .bind(certificate_id)
        .bind(holder_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(|r| r.into_view(today)).collect::<Result<_>>().map(Some)
    }

    /// One of the holder's endorsements of `certificate_id`.
    pub async fn endorsement_of_holder(
        &self,
        holder_id: i64,
        certificate_id: i64,
        id: i64,
        today: Ymd,
    ) -> Result<Option<EndorsementView>> {
        let row: Option<ViewRow> =
            sqlx::query_as(&format!("{SELECT_VIEW} WHERE e.id = $1 AND e.holder_id = $2 AND e.certificate_id = $3"))
                .bind(id)
                .bind(holder_id)
                .bind(certificate_id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| r.into_view(today)).transpose()
    }

    /// 查验记录 of one of the holder's endorsements, newest first, at most
    /// `limit`; `None` when it is not theirs.
    pub async fn checks_of_endorsement(&self, holder_id: i64, id: i64, limit: i64) -> Result<Option<Vec<CheckEntry>>> {
        let theirs: i64 = sqlx::query_scalar(
            "SELECT CASE WHEN EXISTS (SELECT 1 FROM endorsements WHERE id = $1 AND holder_id = $2) THEN 1 ELSE 0 END",
        )
        .bind(id)
        .bind(holder_id)
        .fetch_one(&self.pool)
        .await?;
        if theirs == 0 {
            return Ok(None);
        }
        let rows: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(
            "SELECT at, method, outcome, client_addr FROM verifications
             WHERE endorsement_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let bad = |column, value: &str| corrupt("verifications", column, value);
        rows.into_iter()
            .map(|(at, method, outcome, addr)| {
                Ok(CheckEntry {
                    at: Instant(at),
                    method: Method::from_code(&method).ok_or_else(|| bad("method", &method))?,
                    outcome: Outcome::from_code(&outcome).ok_or_else(|| bad("outcome", &outcome))?,
                    origin: addr.as_deref().and_then(coarse_origin),
                })
            })
            .collect::<Result<_>>()
            .map(Some)
    }

    /// 撤回加注: a valid copy of the holder's is withdrawn at `now`. Its file
    /// is deleted (the digest stays, so an uploaded copy is still recognised
    /// and told it was withdrawn); the row and a `endorsement_cancelled`
    /// audit entry remain, written together.
    pub async fn cancel_endorsement(
        &self,
        holder_id: i64,
        id: i64,
        today: Ymd,
        now: i64,
        client_addr: Option<&str>,
    ) -> Result<Cancelled> {
        let certificate_id: Option<i64> =
            sqlx::query_scalar("SELECT certificate_id FROM endorsements WHERE id = $1 AND holder_id = $2")
                .bind(id)
                .bind(holder_id)
                .fetch_optional(&self.pool)
                .await?;
        let Some(certificate_id) = certificate_id else { return Ok(Cancelled::NotFound) };
        let mut tx = self.begin_write(Some(super::WriteLock::Certificate(certificate_id))).await?;
        let (number, stored, cancelled_at, valid_until): (String, String, Option<i64>, String) =
            sqlx::query_as("SELECT number, status, cancelled_at, valid_until FROM endorsements WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        let phase = Phase::of(status(&stored, cancelled_at)?, day("valid_until", &valid_until)?, today);
        if let Err(refusal) = check_cancellation(phase) {
            return Ok(Cancelled::Refused(refusal));
        }
        sqlx::query("UPDATE endorsements SET cancelled_at = $1, file_purged_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM endorsement_files WHERE endorsement_id = $1").bind(id).execute(&mut *tx).await?;
        let entry =
            super::AuditEntry { holder_id: Some(holder_id), subject: Some(&number), client_addr, ..Default::default() };
        super::audit::insert(&mut *tx, super::AuditEvent::EndorsementCancelled, &entry, now).await?;
        tx.commit().await?;
        Ok(Cancelled::Done { number })
    }

    /// (status, last valid day) of the holder's endorsements, oldest first,
    /// by certificate: all of them, or only `certificate_id`'s.
    pub async fn endorsement_states_of_holder(
        &self,
        holder_id: i64,
        certificate_id: Option<i64>,
    ) -> Result<HashMap<i64, Vec<(EndorsementStatus, Ymd)>>> {
        let rows: Vec<(i64, String, Option<i64>, String)> = sqlx::query_as(
            "SELECT certificate_id, status, cancelled_at, valid_until FROM endorsements
             WHERE holder_id = $1 AND ($2 IS NULL OR certificate_id = $3) ORDER BY id",
        )
        .bind(holder_id)
        .bind(certificate_id)
        .bind(certificate_id)
        .fetch_all(&self.pool)
        .await?;
        let mut states: HashMap<i64, Vec<(EndorsementStatus, Ymd)>> = HashMap::new();
        for (certificate, s, cancelled_at, until) in rows {
            states.entry(certificate).or_default().push((status(&s, cancelled_at)?, day("valid_until", &until)?));
        }
        Ok(states)
    }

    /// Applications still possible today for the certificate, and when
    /// the next slot frees if none is.
    pub async fn quota_left(&self, certificate_id: i64, today: Ymd) -> Result<(usize, Option<Ymd>)> {
        let mut conn = self.pool.acquire().await?;
        let counted = counted_days(&mut conn, certificate_id, today, None).await?;
        Ok((QUOTA.saturating_sub(counted.len()), next_free_slot(today, &counted)))
    }

    /// Enabled usage scenarios, in display order.
    pub async fn enabled_scenarios(&self) -> Result<Vec<Scenario>> {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT code, name_zh, name_en FROM scenarios WHERE enabled = 1 ORDER BY position, id")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(code, zh, en)| Scenario { code, name: Bilingual { zh, en } }).collect())
    }

    /// One of the holder's endorsements with its file, for 查看 / 下载.
    pub async fn endorsement_file(&self, holder_id: i64, id: i64) -> Result<Option<EndorsementFile>> {
        let row: Option<FileRow> = sqlx::query_as(
            "SELECT e.certificate_id, e.number, c.certificate_number, c.status AS certificate_status,
                    e.status, e.cancelled_at, e.valid_until, f.pdf
             FROM endorsements e
             JOIN certificates c ON c.id = e.certificate_id
             LEFT JOIN endorsement_files f ON f.endorsement_id = e.id
             WHERE e.id = $1 AND e.holder_id = $2",
        )
        .bind(id)
        .bind(holder_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(EndorsementFile {
                certificate_id: r.certificate_id,
                number: r.number,
                certificate_number: r.certificate_number,
                certificate_status: CertificateStatus::from_code(&r.certificate_status)
                    .ok_or_else(|| corrupt("certificates", "status", &r.certificate_status))?,
                status: status(&r.status, r.cancelled_at)?,
                valid_until: day("valid_until", &r.valid_until)?,
                pdf: r.pdf,
            })
        })
        .transpose()
    }

    /// Records an endorsement applied for on a past day (demo data), left
    /// as `past` says. Returns its id.
    #[cfg(feature = "demo")]
    pub(crate) async fn insert_past_endorsement(
        &self,
        certificate_number: &str,
        applied_on: Ymd,
        days: i64,
        random: u64,
        past: Past,
    ) -> Result<i64> {
        let valid_until = crate::domain::endorsement::valid_until(applied_on, days);
        let now = crate::clock::now_unix();
        let applied_at = now - i64::from(applied_on.days_until(crate::clock::today_shanghai()) as i32) * 86_400;
        let (status, made_at, run_after, file_purged_at) = match past {
            Past::Expired => ("ready", Some(applied_at), applied_at, Some(applied_at + days * 86_400)),
            Past::Generating => ("generating", None, now, None),
        };
        Ok(sqlx::query_scalar(
            "INSERT INTO endorsements (number, certificate_id, holder_id, scenario_id, days, applied_at, applied_on,
                 valid_until, idempotency_key, status, made_at, run_after, file_purged_at)
             SELECT $1, c.id, h.id, (SELECT id FROM scenarios WHERE code = 'own_use'), $2, $3, $4, $5, $6, $7, $8, $9, $10
             FROM certificates c JOIN holders h ON h.id_document_id = c.id_document_id
             WHERE c.certificate_number = $11
             RETURNING id",
        )
        .bind(endorsement_number(applied_on, random))
        .bind(days)
        .bind(applied_at)
        .bind(applied_on.to_string())
        .bind(valid_until.to_string())
        .bind(format!("seed-{random:x}"))
        .bind(status)
        .bind(made_at)
        .bind(run_after)
        .bind(file_purged_at)
        .bind(certificate_number)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Deletes the files of endorsements whose last day is before `today`;
    /// their records stay. Returns how many were deleted.
    pub async fn purge_expired_files(&self, today: Ymd, now: i64) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let deleted = sqlx::query(
            "DELETE FROM endorsement_files WHERE endorsement_id IN
                 (SELECT id FROM endorsements WHERE valid_until < $1 AND file_purged_at IS NULL)",
        )
        .bind(today.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query("UPDATE endorsements SET file_purged_at = $1 WHERE valid_until < $2 AND file_purged_at IS NULL")
            .bind(now)
            .bind(today.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(deleted)
    }
}

/// Application days of a certificate's endorsements that count toward the
/// quota on `today` (not failed, inside the window), leaving out `except`.
async fn counted_days(
    conn: &mut sqlx::AnyConnection,
    certificate_id: i64,
    today: Ymd,
    except: Option<i64>,
) -> Result<Vec<Ymd>> {
    let days: Vec<String> = sqlx::query_scalar(
        "SELECT applied_on FROM endorsements
         WHERE certificate_id = $1 AND status <> 'failed' AND applied_on >= $2 AND applied_on <= $3 AND id <> $4",
    )
    .bind(certificate_id)
    .bind(quota_window_start(today).to_string())
    .bind(today.to_string())
    .bind(except.unwrap_or(0))
    .fetch_all(conn)
    .await?;
    days.iter().map(|d| day("applied_on", d)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::endorsement::{FormProblem, Refusal};
    use crate::store::testing::{certificate, holder, temp_store};

    const ZHANGSAN: &str = "110105198503150019";
    const LISI: &str = "310104199005120023";

    fn d(s: &str) -> Ymd {
        Ymd::parse_iso(s).unwrap()
    }

    fn application<'a>(holder_id: i64, certificate_id: i64, key: &'a str, today: &str) -> NewApplication<'a> {
        NewApplication {
            holder_id,
            certificate_id,
            scenario_code: "own_use",
            days: 90,
            idempotency_key: key,
            today: d(today),
            now: 1_800_000_000,
            random: key.bytes().fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))),
            client_addr: None,
            request_id: None,
        }
    }

    async fn setup() -> (Store, tempfile::TempDir, i64, i64) {
        let (store, dir) = temp_store().await;
        store.seed_catalog().await.unwrap();
        let holder = holder(&store, "zhangsan", ZHANGSAN).await;
        let cert = certificate(&store, "0301202203150001", ZHANGSAN, "2022-03-15", true).await;
        (store, dir, holder, cert)
    }

    #[tokio::test]
    async fn applications_follow_the_rules_and_the_quota() {
        let (store, _dir, holder, cert) = setup().await;
        for (i, day) in ["2026-08-28", "2026-10-01", "2026-11-25"].iter().enumerate() {
            let key = format!("k{i}");
            assert!(matches!(
                store.apply_endorsement(&application(holder, cert, &key, day)).await.unwrap(),
                Applied::Created(_)
            ));
        }
        let fourth = store.apply_endorsement(&application(holder, cert, "k3", "2026-11-25")).await.unwrap();
        assert_eq!(fourth, Applied::Rejected(Rejection::Refused(Refusal::QuotaReached { next_slot: d("2026-11-26") })));
        // The next day the oldest has left the window.
        let later = store.apply_endorsement(&application(holder, cert, "k4", "2026-11-26")).await.unwrap();
        assert!(matches!(later, Applied::Created(_)));
        assert_eq!(store.quota_left(cert, d("2026-11-26")).await.unwrap(), (0, Some(d("2026-12-30"))));

        let mut bad = application(holder, cert, "k5", "2027-06-01");
        bad.days = 91;
        assert_eq!(
            store.apply_endorsement(&bad).await.unwrap(),
            Applied::Rejected(Rejection::Form(FormProblem::DaysOutOfRange))
        );
        let mut bad = application(holder, cert, "k6", "2027-06-01");
        bad.scenario_code = "employer_check"; // exists, not enabled
        assert_eq!(
            store.apply_endorsement(&bad).await.unwrap(),
            Applied::Rejected(Rejection::Form(FormProblem::ScenarioUnavailable))
        );
        // Nothing was recorded by the refusals.
        assert_eq!(store.endorsements_of_certificate(holder, cert, d("2027-06-01")).await.unwrap().unwrap().len(), 4);
    }

    #[tokio::test]
    async fn only_the_owner_and_only_valid_new_certificates() {
        let (store, _dir, holder, cert) = setup().await;
        let other = crate::store::testing::holder(&store, "lisi", LISI).await;
        assert_eq!(
            store.apply_endorsement(&application(other, cert, "a", "2026-11-25")).await.unwrap(),
            Applied::NotFound
        );
        let revoked = certificate(&store, "0301202306300042", ZHANGSAN, "2023-06-30", false).await;
        assert_eq!(
            store.apply_endorsement(&application(holder, revoked, "b", "2026-11-25")).await.unwrap(),
            Applied::Rejected(Rejection::Refused(Refusal::CertificateRevoked))
        );
        let legacy = certificate(&store, "0301201911200017", ZHANGSAN, "2019-11-20", true).await;
        assert_eq!(
            store.apply_endorsement(&application(holder, legacy, "c", "2026-11-25")).await.unwrap(),
            Applied::Rejected(Rejection::Refused(Refusal::EndorsementNotRequired))
        );
        let Applied::Created(EndorsementView { id, .. }) =
            store.apply_endorsement(&application(holder, cert, "d", "2026-11-25")).await.unwrap()
        else {
            panic!("the owner's application is accepted")
        };
        assert!(store.endorsement_file(other, id).await.unwrap().is_none(), "someone else's is not found");
        assert!(store.endorsements_of_certificate(other, cert, d("2026-11-25")).await.unwrap().is_none());
        let file = store.endorsement_file(holder, id).await.unwrap().unwrap();
        assert_eq!((file.status, file.pdf), (EndorsementStatus::Generating, None));
    }

    #[tokio::test]
    async fn twenty_simultaneous_applications_give_three_and_a_repeat_gives_the_first() {
        let (store, _dir, holder, cert) = setup().await;
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    let key = format!("key-{i}");
                    store.apply_endorsement(&application(holder, cert, &key, "2026-11-25")).await.unwrap()
                })
            })
            .collect();
        let mut created = 0;
        for t in tasks {
            match t.await.unwrap() {
                Applied::Created(_) => created += 1,
                Applied::Rejected(Rejection::Refused(Refusal::QuotaReached { .. })) => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(created, 3);
        // Double submit: the same key again, even concurrently, is the first one.
        let first = store.endorsements_of_certificate(holder, cert, d("2026-11-25")).await.unwrap().unwrap();
        let (store2, key) = (store.clone(), "double");
        let (mut a, mut b) =
            (application(holder, cert, key, "2026-11-26"), application(holder, cert, key, "2026-11-26"));
        a.today = d("2027-03-01");
        b.today = d("2027-03-01");
        let (ra, rb) = tokio::join!(store.apply_endorsement(&a), store2.apply_endorsement(&b));
        let ids: Vec<i64> = [ra.unwrap(), rb.unwrap()]
            .into_iter()
            .map(|r| match r {
                Applied::Created(v) | Applied::Repeated(v) => v.id,
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(ids[0], ids[1]);
        assert_eq!(
            store.endorsements_of_certificate(holder, cert, d("2027-03-01")).await.unwrap().unwrap().len(),
            first.len() + 1
        );
    }

    #[tokio::test]
    async fn failed_ones_free_the_quota_and_can_be_retried() {
        let (store, _dir, holder, cert) = setup().await;
        let mut ids = Vec::new();
        for key in ["a", "b", "c"] {
            let Applied::Created(EndorsementView { id, .. }) =
                store.apply_endorsement(&application(holder, cert, key, "2026-11-25")).await.unwrap()
            else {
                panic!()
            };
            ids.push(id);
        }
        let today = d("2026-11-25");
        assert_eq!(
            store.retry_endorsement(holder, ids[0], today, 0).await.unwrap(),
            Some(Err(Rejection::Refused(Refusal::NotRetryable)))
        );
        sqlx::query("UPDATE endorsements SET status = 'failed' WHERE id = $1")
            .bind(ids[0])
            .execute(&store.pool)
            .await
            .unwrap();
        assert_eq!(store.quota_left(cert, today).await.unwrap(), (1, None));
        // The freed slot is taken by a new application: the failed one cannot come back.
        assert!(matches!(
            store.apply_endorsement(&application(holder, cert, "d", "2026-11-25")).await.unwrap(),
            Applied::Created(_)
        ));
        assert!(matches!(
            store.retry_endorsement(holder, ids[0], today, 0).await.unwrap(),
            Some(Err(Rejection::Refused(Refusal::QuotaReached { .. })))
        ));
        // Another day, with room again, it is queued anew.
        assert_eq!(store.retry_endorsement(holder, ids[0], d("2027-03-01"), 5).await.unwrap(), Some(Ok(())));
        let other = crate::store::testing::holder(&store, "lisi", LISI).await;
        assert_eq!(store.retry_endorsement(other, ids[0], d("2027-03-01"), 5).await.unwrap(), None);
    }

    #[tokio::test]
    async fn expired_files_are_purged_and_records_kept() {
        let (store, _dir, holder, cert) = setup().await;
        let mut a = application(holder, cert, "a", "2026-11-01");
        a.days = 10;
        let id = made(&store, &a).await;
        assert_eq!(store.purge_expired_files(d("2026-11-10"), 0).await.unwrap(), 0, "valid through its last day");
        assert_eq!(store.purge_expired_files(d("2026-11-11"), 0).await.unwrap(), 1);
        let file = store.endorsement_file(holder, id).await.unwrap().unwrap();
        assert_eq!((file.pdf, file.valid_until), (None, d("2026-11-10")));
        let list = store.endorsements_of_certificate(holder, cert, d("2026-11-11")).await.unwrap().unwrap();
        assert_eq!(list[0].phase, Phase::Expired);
    }

    /// A ready copy with a file, as the worker leaves it.
    async fn made(store: &Store, a: &NewApplication<'_>) -> i64 {
        let Applied::Created(EndorsementView { id, .. }) = store.apply_endorsement(a).await.unwrap() else {
            panic!("accepted")
        };
        sqlx::query("UPDATE endorsements SET status = 'ready', made_at = 1 WHERE id = $1")
            .bind(id)
            .execute(&store.pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO endorsement_files (endorsement_id, pdf) VALUES ($1, $2)")
            .bind(id)
            .bind(&b"%PDF-"[..])
            .execute(&store.pool)
            .await
            .unwrap();
        id
    }

    #[tokio::test]
    async fn a_withdrawn_copy_loses_its_file_keeps_its_quota_slot_and_its_record() {
        use crate::domain::verification::{judge_endorsement, Standing};
        let (store, _dir, holder, cert) = setup().await;
        let today = d("2026-11-25");
        let id = made(&store, &application(holder, cert, "a", "2026-11-25")).await;
        assert_eq!(store.quota_left(cert, today).await.unwrap(), (2, None));
        let other = crate::store::testing::holder(&store, "lisi", LISI).await;
        assert_eq!(store.cancel_endorsement(other, id, today, 100, None).await.unwrap(), Cancelled::NotFound);

        let Cancelled::Done { number } =
            store.cancel_endorsement(holder, id, today, 100, Some("203.0.113.9")).await.unwrap()
        else {
            panic!("the owner withdraws a valid copy")
        };
        // The file is gone, the row stays, and it still counts toward the quota.
        let file = store.endorsement_file(holder, id).await.unwrap().unwrap();
        assert_eq!((file.status, file.pdf), (EndorsementStatus::Cancelled, None));
        assert_eq!(store.quota_left(cert, today).await.unwrap(), (2, None), "no slot back");
        let view = store.endorsement_of_holder(holder, cert, id, today).await.unwrap().unwrap();
        assert_eq!(view.phase, Phase::Cancelled);
        assert!(view.cancelled_at.is_some());
        // A verifier is told it was withdrawn, and when.
        let found = store.endorsement_by_number(&number).await.unwrap().unwrap();
        let judged = judge_endorsement(found.endorsement, found.certificate.status, today).unwrap();
        assert_eq!(judged.standing, Standing::Cancelled);
        assert_eq!(judged.cancelled_at.as_deref(), Some(Instant(100).seconds().as_str()));
        let audited: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE event = 'endorsement_cancelled' AND subject = $1 AND holder_id = $2",
        )
        .bind(&number)
        .bind(holder)
        .fetch_one(&store.pool)
        .await
        .unwrap();
        assert_eq!(audited, 1);
        // Once only; and nothing else can be withdrawn.
        assert_eq!(
            store.cancel_endorsement(holder, id, today, 101, None).await.unwrap(),
            Cancelled::Refused(Refusal::Cancelled)
        );
        let Applied::Created(EndorsementView { id: generating, .. }) =
            store.apply_endorsement(&application(holder, cert, "b", "2026-11-25")).await.unwrap()
        else {
            panic!()
        };
        assert_eq!(
            store.cancel_endorsement(holder, generating, today, 102, None).await.unwrap(),
            Cancelled::Refused(Refusal::NotCancellable)
        );
        let expired = made(&store, &application(holder, cert, "c", "2026-11-25")).await;
        assert_eq!(
            store.cancel_endorsement(holder, expired, d("2027-03-01"), 103, None).await.unwrap(),
            Cancelled::Refused(Refusal::NotCancellable)
        );
    }

    #[tokio::test]
    async fn the_check_log_is_the_holders_own_newest_first_networks_only() {
        use crate::domain::verification::{Method, Outcome};
        use crate::store::VerificationLog;
        let (store, _dir, holder, cert) = setup().await;
        let id = made(&store, &application(holder, cert, "a", "2026-11-25")).await;
        let checks = [
            (Method::Endorsement, Outcome::Valid, Some("203.0.113.77"), 10),
            (Method::File, Outcome::Invalid, Some("2001:db8:5:6::1"), 30),
            (Method::Endorsement, Outcome::Valid, None, 20),
        ];
        for (i, (method, outcome, addr, at)) in checks.into_iter().enumerate() {
            let token = format!("t{i}");
            let log = VerificationLog {
                token: &token,
                method,
                subject: None,
                outcome,
                certificate_id: Some(cert),
                endorsement_id: Some(id),
                client_addr: addr,
                verdict: "{}",
            };
            store.log_verification(&log, at).await.unwrap();
        }
        let log = store.checks_of_endorsement(holder, id, 10).await.unwrap().unwrap();
        let seen: Vec<_> = log.iter().map(|c| (c.method, c.outcome, c.origin.as_deref())).collect();
        assert_eq!(
            seen,
            [
                (Method::File, Outcome::Invalid, Some("2001:db8::/32")),
                (Method::Endorsement, Outcome::Valid, None),
                (Method::Endorsement, Outcome::Valid, Some("203.0.113.0/24")),
            ]
        );
        assert_eq!(store.checks_of_endorsement(holder, id, 1).await.unwrap().unwrap().len(), 1);
        let view = store.endorsement_of_holder(holder, cert, id, d("2026-11-25")).await.unwrap().unwrap();
        assert_eq!(view.checks, 3, "the list's count");
        let other = crate::store::testing::holder(&store, "lisi", LISI).await;
        assert_eq!(store.checks_of_endorsement(other, id, 10).await.unwrap(), None, "someone else's");
        assert_eq!(store.endorsement_of_holder(holder, cert + 1, id, d("2026-11-25")).await.unwrap(), None);
    }
}
