//! What the issuers' portal reads and changes: one certificate with its
//! revocation, revoking and reinstating, and the audit log with filters.

use crate::domain::instant::Instant;
use crate::domain::calendar::Ymd;
use crate::domain::staff::{AuditFilter, AuditKind, AuditPage, AuditRow, ManagedCertificate, Revocation};

use super::{AuditEntry, AuditEvent, Result, Store};

/// A certificate found for the portal: its id, its seal (to check the
/// staff member may act on it) and what the page shows.
pub struct Managed {
    pub id: i64,
    pub seal_id: i64,
    pub certificate: ManagedCertificate,
}

#[derive(sqlx::FromRow)]
struct AuditDbRow {
    id: i64,
    at: i64,
    event: String,
    holder: Option<String>,
    staff: Option<String>,
    subject: Option<String>,
    client_addr: Option<String>,
    detail: Option<String>,
}

impl Store {
    pub async fn managed_certificate(&self, number: &str) -> Result<Option<Managed>> {
        let Some((id, record)) = self.certificate_by_number(number).await? else { return Ok(None) };
        let (seal_id, reason, endorsements): (i64, Option<String>, i64) = sqlx::query_as(
            "SELECT q.seal_id, c.revocation_reason,
                    (SELECT COUNT(*) FROM endorsements e WHERE e.certificate_id = c.id AND e.status = 'ready')
             FROM certificates c JOIN qualifications q ON q.id = c.qualification_id WHERE c.id = $1",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        Ok(Some(Managed {
            id,
            seal_id,
            certificate: ManagedCertificate { record, revocation_reason: reason, endorsements },
        }))
    }

    /// Revokes (today, with the reason) or reinstates a certificate, with
    /// its audit entry. Returns false when it already was in that state.
    pub async fn set_revocation(
        &self,
        certificate_id: i64,
        change: Revocation,
        reason: &str,
        staff_id: i64,
        today: Ymd,
    ) -> Result<bool> {
        let mut tx = self.begin_write(Some(super::WriteLock::Certificate(certificate_id))).await?;
        let (from, to, revoked_on, stored_reason, event) = match change {
            Revocation::Revoke => {
                ("valid", "revoked", Some(today.to_string()), Some(reason), AuditEvent::CertificateRevoked)
            }
            Revocation::Reinstate => ("revoked", "valid", None, None, AuditEvent::CertificateReinstated),
        };
        let number: Option<String> = sqlx::query_scalar(
            "UPDATE certificates SET status = $1, revoked_on = $2, revocation_reason = $3
             WHERE id = $4 AND status = $5 RETURNING certificate_number",
        )
        .bind(to)
        .bind(revoked_on)
        .bind(stored_reason)
        .bind(certificate_id)
        .bind(from)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(number) = number else { return Ok(false) };
        let entry =
            AuditEntry { staff_id: Some(staff_id), subject: Some(&number), detail: Some(reason), ..Default::default() };
        super::audit::insert(&mut *tx, event, &entry, crate::clock::now_unix()).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// One page of the audit log, newest first.
    pub async fn audit_page(&self, filter: &AuditFilter, page: i64, per_page: i64) -> Result<AuditPage> {
        let (where_sql, binds) = audit_where(filter);
        let count_sql = format!(
            "SELECT COUNT(*) FROM audit_log a LEFT JOIN holders h ON h.id = a.holder_id
             LEFT JOIN staff s ON s.id = a.staff_id WHERE {where_sql}"
        );
        let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
        for b in &binds {
            count = count.bind(b);
        }
        let total = count.fetch_one(&self.pool).await?;
        let pages = ((total + per_page - 1) / per_page).max(1);
        let page = page.clamp(1, pages);
        let rows = self.audit_rows(&where_sql, &binds, per_page, (page - 1) * per_page).await?;
        Ok(AuditPage { rows, page, pages, total })
    }

    /// Every matching entry (newest first, at most `limit`): the CSV export.
    pub async fn audit_all(&self, filter: &AuditFilter, limit: i64) -> Result<Vec<AuditRow>> {
        let (where_sql, binds) = audit_where(filter);
        self.audit_rows(&where_sql, &binds, limit, 0).await
    }

    async fn audit_rows(&self, where_sql: &str, binds: &[String], limit: i64, offset: i64) -> Result<Vec<AuditRow>> {
        let sql = format!(
            "SELECT a.id, a.at, a.event, h.username AS holder, s.username AS staff, a.subject, a.client_addr, a.detail
             FROM audit_log a LEFT JOIN holders h ON h.id = a.holder_id LEFT JOIN staff s ON s.id = a.staff_id
             WHERE {where_sql} ORDER BY a.id DESC LIMIT {limit} OFFSET {offset}"
        );
        let mut query = sqlx::query_as::<_, AuditDbRow>(&sql);
        for b in binds {
            query = query.bind(b);
        }
        Ok(query
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|r| AuditRow {
                id: r.id,
                at: Instant(r.at),
                event: r.event,
                actor: match (r.holder, r.staff) {
                    (Some(h), _) => format!("holder:{h}"),
                    (None, Some(s)) => format!("staff:{s}"),
                    (None, None) => String::new(),
                },
                subject: r.subject.unwrap_or_default(),
                client_addr: r.client_addr.unwrap_or_default(),
                detail: r.detail.unwrap_or_default(),
            })
            .collect())
    }

    /// Counts for the portal's first page.
    pub async fn portal_counts(&self, seal_id: Option<i64>) -> Result<[i64; 4]> {
        let (certificates, revoked): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE c.status = 'revoked') FROM certificates c
             JOIN qualifications q ON q.id = c.qualification_id WHERE $1 IS NULL OR q.seal_id = $2",
        )
        .bind(seal_id)
        .bind(seal_id)
        .fetch_one(&self.pool)
        .await?;
        // An issuer counts only the holders of its own certificates.
        let holders: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM holders h WHERE $1 IS NULL OR EXISTS (
                 SELECT 1 FROM certificates c JOIN qualifications q ON q.id = c.qualification_id
                 WHERE c.id_document_id = h.id_document_id AND q.seal_id = $2)",
        )
        .bind(seal_id)
        .bind(seal_id)
        .fetch_one(&self.pool)
        .await?;
        let copies: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM endorsements e JOIN certificates c ON c.id = e.certificate_id
             JOIN qualifications q ON q.id = c.qualification_id
             WHERE e.status = 'ready' AND ($1 IS NULL OR q.seal_id = $2)",
        )
        .bind(seal_id)
        .bind(seal_id)
        .fetch_one(&self.pool)
        .await?;
        Ok([certificates, revoked, holders, copies])
    }
}

/// The WHERE clause of a filter and its values, in order. Values are bound,
/// never spliced; only the fixed event codes of a kind are written inline.
fn audit_where(f: &AuditFilter) -> (String, Vec<String>) {
    let mut clauses = vec!["1 = 1".to_string()];
    let mut binds = Vec::new();
    // `$n` for a value bound next.
    let mut bind = |value: String| {
        binds.push(value);
        format!("${}", binds.len())
    };
    let day = |s: &str| Ymd::parse_iso(s.trim()).map(crate::clock::start_of_day_shanghai);
    if let Some(from) = day(&f.from) {
        clauses.push(format!("a.at >= CAST({} AS BIGINT)", bind(from.to_string())));
    }
    if let Some(to) = day(&f.to) {
        clauses.push(format!("a.at < CAST({} AS BIGINT)", bind((to + 86_400).to_string())));
    }
    let actor = f.actor.trim();
    if !actor.is_empty() {
        let (a, b, c) = (bind(actor.to_string()), bind(actor.to_string()), bind(actor.to_string()));
        clauses.push(format!(
            "(h.username = {a} OR s.username = {b} OR (a.holder_id IS NULL AND a.staff_id IS NULL AND a.subject = {c}))"
        ));
    }
    let subject = f.subject.trim();
    if !subject.is_empty() {
        let (a, b) = (bind(subject.to_string()), bind(subject.to_string()));
        clauses.push(format!(
            "(a.subject = {a} OR a.subject IN (SELECT e.number FROM endorsements e
                 JOIN certificates c ON c.id = e.certificate_id WHERE c.certificate_number = {b}))"
        ));
    }
    if let Some(kind) = AuditKind::from_code(f.kind.trim()) {
        let events: Vec<String> = kind.events().iter().map(|e| format!("'{e}'")).collect();
        clauses.push(format!("a.event IN ({})", events.join(", ")));
    }
    (clauses.join(" AND "), binds)
}
