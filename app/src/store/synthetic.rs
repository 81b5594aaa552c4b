//! Synthetic holders, certificates and endorsements in bulk, for the
//! benchmark (`server load-test-data`, docs/performance.md): one SQL
//! statement per table, generated inside the database, so millions of rows
//! load in seconds. Holder `n` is `bench<n>` (zero-padded to 6 digits) with the
//! given password hash and the terms already accepted.

use super::{Backend, Result, Store};

#[derive(Debug, Clone)]
pub struct Synthetic<'a> {
    pub holders: i64,
    pub certificates_per_holder: i64,
    /// Old endorsements per certificate: expired, their files purged, outside
    /// the quota window (the history a long-running service accumulates).
    pub past_endorsements_per_certificate: i64,
    /// Endorsements waiting for generation (at most 3 per certificate, as
    /// the quota allows), on the certificates of the last holders.
    pub queued: i64,
    pub password_hash: &'a str,
    pub terms_version: &'a str,
    pub today: crate::domain::calendar::Ymd,
    pub now: i64,
}

/// Qualifications the synthetic certificates cycle through (demo catalog).
const QUALIFICATIONS: &str = "('0301'), ('0401'), ('0601'), ('1101')";

/// SQL for the made-up name of holder number `index` (an SQL expression):
/// `document::sample::holder_name` in SQL (substr counts characters in both
/// engines).
fn holder_name_sql(index: &str) -> String {
    use crate::document::sample::{GIVEN_NAMES, SURNAMES};
    let (s, g) = (SURNAMES.chars().count(), GIVEN_NAMES.chars().count());
    format!(
        "substr('{SURNAMES}', CAST(({index}) % {s} + 1 AS INTEGER), 1)
         || substr('{GIVEN_NAMES}', CAST(({index}) / {s} % {g} + 1 AS INTEGER), 1)
         || substr('{GIVEN_NAMES}', CAST(({index}) / {s} / {g} % {g} + 1 AS INTEGER), 1)"
    )
}

/// `number` (an SQL expression) in decimal, zero-padded to `width` digits.
fn zero_padded(backend: Backend, number: &str, width: usize) -> String {
    match backend {
        Backend::Sqlite => format!("printf('%0{width}d', {number})"),
        Backend::Postgres => format!("lpad(CAST({number} AS TEXT), {width}, '0')"),
    }
}

/// The day `days` (an SQL expression) before `day` (YYYY-MM-DD), as YYYY-MM-DD.
fn days_before(backend: Backend, day: &str, days: &str) -> String {
    match backend {
        Backend::Sqlite => format!("date({day}, '-' || ({days}) || ' days')"),
        Backend::Postgres => format!("to_char(CAST({day} AS DATE) - CAST({days} AS INTEGER), 'YYYY-MM-DD')"),
    }
}

impl Store {
    /// Loads the data set into a database whose catalog is loaded; refuses
    /// one that already holds synthetic holders.
    pub async fn load_synthetic(&self, s: &Synthetic<'_>) -> Result<()> {
        let counts = [s.holders, s.certificates_per_holder, s.past_endorsements_per_certificate, s.queued];
        if counts.iter().any(|&n| n < 0) || s.queued > 3 * s.holders * s.certificates_per_holder {
            return Err(super::StoreError::Conflict("counts must be ≥ 0, and at most 3 queued per certificate".into()));
        }
        let mut tx = self.begin_write(Some(super::WriteLock::Imports)).await?;
        let b = self.backend;
        let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM holders WHERE substr(username, 1, 5) = 'bench'")
            .fetch_one(&mut *tx)
            .await?;
        if existing > 0 {
            return Err(super::StoreError::Conflict("synthetic holders are loaded already".into()));
        }
        let base: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM id_documents").fetch_one(&mut *tx).await?;
        // Passports: synthetic numbers need no check digit and cannot clash
        // with a real resident ID.
        sqlx::query(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 WHERE $1 > 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $2)
             INSERT INTO id_documents (id, id_type, id_number) SELECT $3 + 1 + i, 'passport', 'S' || {} FROM n",
            zero_padded(b, "i", 8)
        ))
        .bind(s.holders)
        .bind(s.holders)
        .bind(base)
        .execute(&mut *tx)
        .await?;
        if b == Backend::Postgres {
            // The ids were given, so the identity's sequence moves past them by hand.
            sqlx::query(
                "SELECT setval(pg_get_serial_sequence('id_documents', 'id'), GREATEST(MAX(id), 1)) FROM id_documents",
            )
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(&format!(
            "INSERT INTO holders (username, password_hash, real_name, id_document_id, created_at)
             SELECT 'bench' || {}, $2, {}, id, $3 FROM id_documents WHERE id > $1 ORDER BY id",
            zero_padded(b, "id - $1 - 1", 6),
            holder_name_sql("id - $1 - 1")
        ))
        .bind(base)
        .bind(s.password_hash)
        .bind(s.now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO terms_acceptances (holder_id, version, accepted_at)
             SELECT h.id, $1, $2 FROM holders h WHERE h.id_document_id > $3",
        )
        .bind(s.terms_version)
        .bind(s.now)
        .bind(base)
        .execute(&mut *tx)
        .await?;
        sqlx::query(&format!(
            "WITH RECURSIVE k(j) AS (SELECT 0 WHERE $1 > 0 UNION ALL SELECT j + 1 FROM k WHERE j + 1 < $1),
                  q(code, pos) AS (SELECT column1, row_number() OVER () - 1 FROM (VALUES {QUALIFICATIONS}) AS v)
             INSERT INTO certificates (certificate_number, management_number, holder_name, id_document_id,
                                       qualification_id, issued_on, status, created_at)
             SELECT 'S' || {serial}, 'SM' || {serial}, {name}, d.id,
                    (SELECT id FROM qualifications WHERE code = q.code), '2024-05-20', 'valid', $3
             FROM id_documents d CROSS JOIN k JOIN q ON q.pos = k.j % 4
             WHERE d.id > $2 ORDER BY d.id, k.j",
            serial = format!("{} || {}", zero_padded(b, "d.id - $2", 8), zero_padded(b, "k.j", 2)),
            name = holder_name_sql("d.id - $2 - 1")
        ))
        .bind(s.certificates_per_holder)
        .bind(base)
        .bind(s.now)
        .execute(&mut *tx)
        .await?;
        let first_certificate: i64 =
            sqlx::query_scalar("SELECT COALESCE(MIN(c.id), 0) FROM certificates c WHERE c.id_document_id > $1")
                .bind(base)
                .fetch_one(&mut *tx)
                .await?;
        // Past copies: applied 200 days ago and earlier, one every 40 days.
        let old = |days_ago: i64| s.today.plus_days(-days_ago).to_string();
        sqlx::query(&format!(
            "WITH RECURSIVE k(j) AS (SELECT 0 WHERE $1 > 0 UNION ALL SELECT j + 1 FROM k WHERE j + 1 < $2)
             INSERT INTO endorsements (number, certificate_id, holder_id, scenario_id, days, applied_at, applied_on,
                                       valid_until, idempotency_key, status, made_at, run_after, file_purged_at)
             SELECT 'P' || {} || {}, c.id, h.id, 1, 30, $3 - k.j * 3456000, {}, {},
                    'past-' || c.id || '-' || k.j, 'ready', $6 - k.j * 3456000, 0, $7
             FROM certificates c JOIN holders h ON h.id_document_id = c.id_document_id CROSS JOIN k
             WHERE c.id >= $8 ORDER BY c.id, k.j",
            zero_padded(b, "c.id", 9),
            zero_padded(b, "k.j", 2),
            days_before(b, "$4", "k.j * 40"),
            days_before(b, "$5", "k.j * 40"),
        ))
        .bind(s.past_endorsements_per_certificate)
        .bind(s.past_endorsements_per_certificate)
        .bind(s.now - 200 * 86_400)
        .bind(old(200))
        .bind(old(171))
        .bind(s.now - 200 * 86_400)
        .bind(s.now)
        .bind(first_certificate)
        .execute(&mut *tx)
        .await?;
        // Queued copies, three per certificate from the last one backwards.
        let valid_until = s.today.plus_days(29).to_string();
        sqlx::query(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 WHERE $1 > 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $2),
                  last(id) AS (SELECT MAX(id) FROM certificates)
             INSERT INTO endorsements (number, certificate_id, holder_id, scenario_id, days, applied_at, applied_on,
                                       valid_until, idempotency_key, status, run_after)
             SELECT 'Q' || {}, c.id, h.id, 1, 30, $3, $4, $5, 'queued-' || n.i, 'generating', $6
             FROM n CROSS JOIN last JOIN certificates c ON c.id = last.id - n.i / 3
                    JOIN holders h ON h.id_document_id = c.id_document_id
             WHERE c.id >= $7",
            zero_padded(b, "n.i", 10)
        ))
        .bind(s.queued)
        .bind(s.queued)
        .bind(s.now)
        .bind(s.today.to_string())
        .bind(valid_until)
        .bind(s.now)
        .bind(first_certificate)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        sqlx::query("ANALYZE").execute(&self.pool).await?;
        if b == Backend::Sqlite {
            // Millions of rows went into the write-ahead log in one transaction:
            // move them into the database now, not at the server's first writes.
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::certificate::EndorsementState;
    use crate::store::testing::temp_store;

    #[tokio::test]
    async fn loads_holders_certificates_history_and_queue() {
        let (store, _dir) = temp_store().await;
        store.seed_catalog().await.unwrap();
        let today = crate::clock::today_shanghai();
        let s = Synthetic {
            holders: 4,
            certificates_per_holder: 5,
            past_endorsements_per_certificate: 2,
            queued: 7,
            password_hash: "$argon2id$placeholder",
            terms_version: "2026-11",
            today,
            now: crate::clock::now_unix(),
        };
        store.load_synthetic(&s).await.unwrap();
        let pool = store.pool().clone();
        let count = |sql: &'static str| {
            let pool = pool.clone();
            async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap() }
        };
        assert_eq!(count("SELECT COUNT(*) FROM holders").await, 4);
        assert_eq!(count("SELECT COUNT(*) FROM certificates").await, 20);
        assert_eq!(count("SELECT COUNT(*) FROM endorsements WHERE status = 'ready'").await, 40);
        assert_eq!(count("SELECT COUNT(*) FROM endorsements WHERE status = 'generating'").await, 7);
        assert_eq!(count("SELECT MAX(n) FROM (SELECT COUNT(*) n FROM endorsements WHERE status = 'generating' GROUP BY certificate_id) AS per_certificate").await, 3);
        // The holders' view: every certificate listed, the quota untouched by
        // the history, and the queue on the last holder's certificates.
        let first = store.holder_login("bench000000").await.unwrap().unwrap().id;
        let list = store.certificates_of_holder(first, today).await.unwrap();
        assert_eq!(list.len(), 5);
        assert!(list.iter().all(|c| matches!(c.endorsement, EndorsementState::Expired { .. })));
        assert_eq!(store.quota_left(list[0].id, today).await.unwrap().0, 3);
        let last = store.holder_login("bench000003").await.unwrap().unwrap().id;
        let list = store.certificates_of_holder(last, today).await.unwrap();
        assert_eq!(list.iter().filter(|c| c.endorsement == EndorsementState::Generating).count(), 3);
        assert!(store.load_synthetic(&s).await.is_err(), "a second load is refused");
        let names: Vec<(String, String)> = sqlx::query_as(
            "SELECT h.real_name, c.holder_name FROM holders h JOIN certificates c ON c.id_document_id = h.id_document_id
             WHERE h.username = 'bench000002'",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(names.len(), 5);
        let expected = crate::document::sample::holder_name(2);
        assert!(names.iter().all(|(holder, printed)| *holder == expected && *printed == expected), "{names:?}");
        let (fresh, _fresh_dir) = temp_store().await;
        fresh.seed_catalog().await.unwrap();
        let too_many = Synthetic { queued: 3 * 4 * 5 + 1, ..s.clone() };
        let refused = fresh.load_synthetic(&too_many).await.unwrap_err();
        assert!(refused.to_string().contains("at most 3 queued"), "{refused}");

        // Zero of something is none of it (a recursive count starts at one row).
        let (store, _dir) = temp_store().await;
        store.seed_catalog().await.unwrap();
        let none = Synthetic { past_endorsements_per_certificate: 0, queued: 0, ..s };
        store.load_synthetic(&none).await.unwrap();
        let endorsements: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM endorsements").fetch_one(store.pool()).await.unwrap();
        assert_eq!(endorsements, 0);
    }

    #[tokio::test]
    async fn names_in_sql_are_the_sample_names() {
        let (store, _dir) = temp_store().await;
        for n in [0, 1, 29, 30, 31, 1499, 1500, 1501, 74_999, 75_000, 123_456] {
            let sql = format!("SELECT {}", holder_name_sql(&n.to_string()));
            let name: String = sqlx::query_scalar(&sql).fetch_one(store.pool()).await.unwrap();
            assert_eq!(name, crate::document::sample::holder_name(n), "holder {n}");
        }
    }
}
