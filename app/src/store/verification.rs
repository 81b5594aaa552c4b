//! 证书查验: the records a verifier may see, the files we issued (by digest)
//! and the log of every check.

use crate::domain::instant::Instant;
use crate::domain::calendar::Ymd;
use crate::domain::certificate::{Bilingual, CertificateStatus};
use crate::domain::id_document::{mask_id_number, IdType};
use crate::domain::verification::{CertificateRecord, EndorsementOnRecord, Method, Outcome};

use super::{corrupt, AuditEntry, AuditEvent, Result, Store};

#[derive(sqlx::FromRow)]
struct CertificateRow {
    id: i64,
    holder_name: String,
    id_type: String,
    id_number: String,
    name_zh: String,
    name_en: String,
    specialty: Option<String>,
    certificate_number: String,
    management_number: String,
    issued_on: String,
    authority: String,
    seal_name: String,
    status: String,
    revoked_on: Option<String>,
}

const SELECT_CERTIFICATE: &str = "
    SELECT c.id, c.holder_name, d.id_type, d.id_number, q.name_zh, q.name_en, c.specialty,
           c.certificate_number, c.management_number, c.issued_on, s.authority, s.name AS seal_name,
           c.status, c.revoked_on
    FROM certificates c
    JOIN id_documents d ON d.id = c.id_document_id
    JOIN qualifications q ON q.id = c.qualification_id
    JOIN seals s ON s.id = q.seal_id";

impl CertificateRow {
    fn into_record(self) -> Result<(i64, CertificateRecord)> {
        let bad = |column, value: &str| corrupt("certificates", column, value);
        let day = |column, value: &str| Ymd::parse_iso(value).ok_or_else(|| bad(column, value));
        let revoked_on = match &self.revoked_on {
            Some(d) => Some(day("revoked_on", d)?),
            None => None,
        };
        let record = CertificateRecord {
            id_type: IdType::from_code(&self.id_type).ok_or_else(|| bad("id_type", &self.id_type))?,
            id_number_masked: mask_id_number(&self.id_number),
            qualification: Bilingual { zh: self.name_zh, en: self.name_en },
            issued_on: day("issued_on", &self.issued_on)?,
            status: CertificateStatus::from_code(&self.status).ok_or_else(|| bad("status", &self.status))?,
            holder_name: self.holder_name,
            specialty: self.specialty,
            certificate_number: self.certificate_number,
            management_number: self.management_number,
            issuing_authority: self.authority,
            seal_name: self.seal_name,
            revoked_on,
        };
        Ok((self.id, record))
    }
}

#[derive(sqlx::FromRow)]
struct EndorsementRow {
    id: i64,
    certificate_id: i64,
    number: String,
    name_zh: String,
    name_en: String,
    status: String,
    applied_on: String,
    valid_until: String,
    made_at: Option<i64>,
    cancelled_at: Option<i64>,
}

const SELECT_ENDORSEMENT: &str = "
    SELECT e.id, e.certificate_id, e.number, sc.name_zh, sc.name_en, e.status, e.applied_on,
           e.valid_until, e.made_at, e.cancelled_at
    FROM endorsements e
    JOIN scenarios sc ON sc.id = e.scenario_id";

impl EndorsementRow {
    fn into_record(self) -> Result<EndorsementOnRecord> {
        let bad = |column, value: &str| corrupt("endorsements", column, value);
        let day = |column, value: &str| Ymd::parse_iso(value).ok_or_else(|| bad(column, value));
        Ok(EndorsementOnRecord {
            status: super::endorsements::status(&self.status, self.cancelled_at)?,
            valid_from: day("applied_on", &self.applied_on)?,
            valid_until: day("valid_until", &self.valid_until)?,
            made_at: self.made_at.map(Instant),
            cancelled_at: self.cancelled_at.map(Instant),
            scenario: Bilingual { zh: self.name_zh, en: self.name_en },
            number: self.number,
        })
    }
}

/// An endorsement and its certificate, as found by a verifier.
pub struct EndorsementFound {
    pub certificate_id: i64,
    pub certificate: CertificateRecord,
    pub endorsement_id: i64,
    pub endorsement: EndorsementOnRecord,
    /// When the copy was made (Unix seconds), once it was.
    pub made_at: Option<i64>,
}

/// What a file we issued was made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssuedFile {
    pub certificate_id: i64,
    pub endorsement_id: Option<i64>,
}

/// One check, as logged.
pub struct VerificationLog<'a> {
    pub token: &'a str,
    pub method: Method,
    pub subject: Option<&'a str>,
    pub outcome: Outcome,
    pub certificate_id: Option<i64>,
    pub endorsement_id: Option<i64>,
    pub client_addr: Option<&'a str>,
    /// The verdict as JSON, for the result page.
    pub verdict: &'a str,
}

impl Store {
    /// The certificate with this number (the caller compares the name).
    pub async fn certificate_by_number(&self, number: &str) -> Result<Option<(i64, CertificateRecord)>> {
        let row: Option<CertificateRow> =
            sqlx::query_as(&format!("{SELECT_CERTIFICATE} WHERE c.certificate_number = $1"))
                .bind(number)
                .fetch_optional(&self.pool)
                .await?;
        row.map(CertificateRow::into_record).transpose()
    }

    pub async fn certificate_record(&self, certificate_id: i64) -> Result<Option<CertificateRecord>> {
        let row: Option<CertificateRow> = sqlx::query_as(&format!("{SELECT_CERTIFICATE} WHERE c.id = $1"))
            .bind(certificate_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(CertificateRow::into_record).transpose()?.map(|(_, r)| r))
    }

    /// The endorsement with this number (加注编号) and its certificate.
    pub async fn endorsement_by_number(&self, number: &str) -> Result<Option<EndorsementFound>> {
        self.endorsement_where("e.number = $1", number.to_owned()).await
    }

    pub async fn endorsement_by_id(&self, endorsement_id: i64) -> Result<Option<EndorsementFound>> {
        self.endorsement_where("e.id = $1", endorsement_id).await
    }

    async fn endorsement_where<T>(&self, condition: &str, value: T) -> Result<Option<EndorsementFound>>
    where
        T: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Send,
    {
        let row: Option<EndorsementRow> = sqlx::query_as(&format!("{SELECT_ENDORSEMENT} WHERE {condition}"))
            .bind(value)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let (certificate_id, endorsement_id, made_at) = (row.certificate_id, row.id, row.made_at);
        let Some(certificate) = self.certificate_record(certificate_id).await? else { return Ok(None) };
        let endorsement = row.into_record()?;
        Ok(Some(EndorsementFound { certificate_id, certificate, endorsement_id, endorsement, made_at }))
    }

    /// The code of the seal a certificate is issued under (its credential's issuer).
    pub async fn seal_code_of_certificate(&self, certificate_id: i64) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT s.code FROM certificates c JOIN qualifications q ON q.id = c.qualification_id
             JOIN seals s ON s.id = q.seal_id WHERE c.id = $1",
        )
        .bind(certificate_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Which record a file we issued belongs to, by its SHA-256.
    pub async fn issued_file(&self, sha256: &str) -> Result<Option<IssuedFile>> {
        let row: Option<(i64, Option<i64>)> =
            sqlx::query_as("SELECT certificate_id, endorsement_id FROM issued_files WHERE sha256 = $1")
                .bind(sha256)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(certificate_id, endorsement_id)| IssuedFile { certificate_id, endorsement_id }))
    }

    /// Remembers a file handed out (a direct certificate download; endorsed
    /// copies are remembered when they are stored).
    pub async fn record_issued_file(&self, sha256: &str, file: IssuedFile, at: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO issued_files (sha256, certificate_id, endorsement_id, issued_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(sha256)
        .bind(file.certificate_id)
        .bind(file.endorsement_id)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Logs a check in the verification log and the audit log, together.
    pub async fn log_verification(&self, v: &VerificationLog<'_>, at: i64) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO verifications (token, at, method, subject, outcome, certificate_id, endorsement_id,
                 client_addr, verdict)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(v.token)
        .bind(at)
        .bind(v.method.code())
        .bind(v.subject)
        .bind(v.outcome.code())
        .bind(v.certificate_id)
        .bind(v.endorsement_id)
        .bind(v.client_addr)
        .bind(v.verdict)
        .execute(&mut *tx)
        .await?;
        let detail = format!("{}:{}", v.method.code(), v.outcome.code());
        let entry =
            AuditEntry { subject: v.subject, client_addr: v.client_addr, detail: Some(&detail), ..Default::default() };
        super::audit::insert(&mut *tx, AuditEvent::Verification, &entry, at).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The verdict JSON of a logged check, while it is kept.
    pub async fn verification_verdict(&self, token: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT verdict FROM verifications WHERE token = $1 AND verdict IS NOT NULL")
            .bind(token)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Forgets the verdicts of checks made before `before` (the log rows stay).
    pub async fn purge_verdicts(&self, before: i64) -> Result<u64> {
        Ok(sqlx::query("UPDATE verifications SET verdict = NULL WHERE at < $1 AND verdict IS NOT NULL")
            .bind(before)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    /// Digests of endorsed copies stored before files were remembered by
    /// digest (databases made before migration 0003). Returns how many.
    pub async fn remember_stored_files(&self) -> Result<u64> {
        let missing: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(
            "SELECT e.id, e.certificate_id, e.made_at FROM endorsement_files f
             JOIN endorsements e ON e.id = f.endorsement_id
             WHERE NOT EXISTS (SELECT 1 FROM issued_files i WHERE i.endorsement_id = e.id)",
        )
        .fetch_all(&self.pool)
        .await?;
        // One file in memory at a time.
        for (endorsement_id, certificate_id, made_at) in &missing {
            let pdf: Vec<u8> = sqlx::query_scalar("SELECT pdf FROM endorsement_files WHERE endorsement_id = $1")
                .bind(endorsement_id)
                .fetch_one(&self.pool)
                .await?;
            let file = IssuedFile { certificate_id: *certificate_id, endorsement_id: Some(*endorsement_id) };
            self.record_issued_file(&crate::pdf_signature::file_sha256(&pdf), file, made_at.unwrap_or_default()).await?;
        }
        Ok(missing.len() as u64)
    }
}
