//! Certificates, found through the identity document they were issued to.

use crate::domain::calendar::Ymd;
use crate::domain::certificate::{
    Bilingual, CertificateDetail, CertificateStatus, CertificateSummary, EndorsementState,
};
use crate::domain::endorsement::EndorsementStatus;
use crate::domain::id_document::{mask_id_number, IdType};

use super::{Result, Store, StoreError};

pub struct NewCertificate<'a> {
    pub certificate_number: &'a str,
    pub management_number: &'a str,
    pub holder_name: &'a str,
    pub id_type: IdType,
    pub id_number: &'a str,
    pub qualification_code: &'a str,
    pub specialty: Option<&'a str>,
    pub issued_on: Ymd,
    pub status: CertificateStatus,
    pub revoked_on: Option<Ymd>,
}

#[derive(sqlx::FromRow)]
struct CertificateRow {
    id: i64,
    name_zh: String,
    name_en: String,
    specialty: Option<String>,
    certificate_number: String,
    issued_on: String,
    seal_name: String,
    status: String,
    holder_name: String,
    id_type: String,
    id_number: String,
    management_number: String,
    authority: String,
    revoked_on: Option<String>,
}

const SELECT_CERTIFICATE: &str = "
    SELECT c.id, q.name_zh, q.name_en, c.specialty, c.certificate_number, c.issued_on,
           s.name AS seal_name, c.status, c.holder_name, d.id_type, d.id_number,
           c.management_number, s.authority, c.revoked_on
    FROM certificates c
    JOIN qualifications q ON q.id = c.qualification_id
    JOIN seals s ON s.id = q.seal_id
    JOIN id_documents d ON d.id = c.id_document_id
    JOIN holders h ON h.id_document_id = c.id_document_id
    WHERE h.id = $1";

fn corrupt(column: &str, value: &str) -> StoreError {
    super::corrupt("certificates", column, value)
}

impl CertificateRow {
    /// `endorsements`: this certificate's, oldest first (status, last valid day).
    fn into_detail(self, endorsements: &[(EndorsementStatus, Ymd)], today: Ymd) -> Result<CertificateDetail> {
        let issued_on = Ymd::parse_iso(&self.issued_on).ok_or_else(|| corrupt("issued_on", &self.issued_on))?;
        let status = CertificateStatus::from_code(&self.status).ok_or_else(|| corrupt("status", &self.status))?;
        let id_type = IdType::from_code(&self.id_type).ok_or_else(|| corrupt("id_type", &self.id_type))?;
        let revoked_on = match &self.revoked_on {
            Some(d) => Some(Ymd::parse_iso(d).ok_or_else(|| corrupt("revoked_on", d))?),
            None => None,
        };
        Ok(CertificateDetail {
            summary: CertificateSummary {
                id: self.id,
                qualification: Bilingual { zh: self.name_zh, en: self.name_en },
                specialty: self.specialty,
                certificate_number: self.certificate_number,
                issued_on,
                seal_name: self.seal_name,
                status,
                endorsement: EndorsementState::summarise(issued_on, endorsements, today),
            },
            holder_name: self.holder_name,
            id_type,
            id_number_masked: mask_id_number(&self.id_number),
            management_number: self.management_number,
            issuing_authority: self.authority,
            revoked_on,
        })
    }
}

impl Store {
    /// Adds a certificate, creating its identity document if no account or
    /// certificate named it yet. Returns the new id.
    pub async fn insert_certificate(&self, c: &NewCertificate<'_>) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        let doc_id = super::id_documents::upsert(&mut tx, c.id_type, c.id_number).await?;
        let id = sqlx::query_scalar(
            "INSERT INTO certificates (certificate_number, management_number, holder_name, id_document_id,
                 qualification_id, specialty, issued_on, status, revoked_on, created_at)
             VALUES ($1, $2, $3, $4, (SELECT id FROM qualifications WHERE code = $5), $6, $7, $8, $9, $10)
             RETURNING id",
        )
        .bind(c.certificate_number)
        .bind(c.management_number)
        .bind(c.holder_name)
        .bind(doc_id)
        .bind(c.qualification_code)
        .bind(c.specialty)
        .bind(c.issued_on.to_string())
        .bind(c.status.code())
        .bind(c.revoked_on.map(|d| d.to_string()))
        .bind(crate::clock::now_unix())
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The holder's certificates, newest first, with their endorsement
    /// state on `today`.
    pub async fn certificates_of_holder(&self, holder_id: i64, today: Ymd) -> Result<Vec<CertificateSummary>> {
        let rows: Vec<CertificateRow> =
            sqlx::query_as(&format!("{SELECT_CERTIFICATE} ORDER BY c.issued_on DESC, c.id DESC"))
                .bind(holder_id)
                .fetch_all(&self.pool)
                .await?;
        let endorsements = self.endorsement_states_of_holder(holder_id, None).await?;
        rows.into_iter()
            .map(|r| {
                let mine = endorsements.get(&r.id).map_or(&[][..], Vec::as_slice);
                Ok(r.into_detail(mine, today)?.summary)
            })
            .collect()
    }

    /// One certificate, only if it belongs to the holder: another holder's
    /// certificate and a missing one both give `None`.
    pub async fn certificate_of_holder(
        &self,
        holder_id: i64,
        certificate_id: i64,
        today: Ymd,
    ) -> Result<Option<CertificateDetail>> {
        let row: Option<CertificateRow> = sqlx::query_as(&format!("{SELECT_CERTIFICATE} AND c.id = $2"))
            .bind(holder_id)
            .bind(certificate_id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let endorsements = self.endorsement_states_of_holder(holder_id, Some(certificate_id)).await?;
        let mine = endorsements.get(&row.id).map_or(&[][..], Vec::as_slice);
        row.into_detail(mine, today).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::{holder, temp_store};

    #[tokio::test]
    async fn certificates_attach_by_id_document_even_when_loaded_later() {
        let (store, _dir) = temp_store().await;
        store.seed_catalog().await.unwrap();
        let cert = |number: &'static str, id_number: &'static str| NewCertificate {
            certificate_number: number,
            management_number: number,
            holder_name: "张三",
            id_type: IdType::ResidentId,
            id_number,
            qualification_code: "0301",
            specialty: None,
            issued_on: Ymd::parse_iso("2023-01-05").unwrap(),
            status: CertificateStatus::Valid,
            revoked_on: None,
        };
        let before = store.insert_certificate(&cert("A1", "110105198503150019")).await.unwrap();
        let other = store.insert_certificate(&cert("B1", "310104199005120023")).await.unwrap();
        let holder = holder(&store, "zhangsan", "110105198503150019").await;
        let after = store.insert_certificate(&cert("A2", "110105198503150019")).await.unwrap();

        let today = Ymd::parse_iso("2026-11-25").unwrap();
        let ids: Vec<i64> = store.certificates_of_holder(holder, today).await.unwrap().iter().map(|c| c.id).collect();
        assert_eq!(ids, vec![after, before]);
        assert!(store.certificate_of_holder(holder, before, today).await.unwrap().is_some());
        assert!(store.certificate_of_holder(holder, other, today).await.unwrap().is_none());
        assert!(store.certificate_of_holder(holder, 999_999, today).await.unwrap().is_none());
        let detail = store.certificate_of_holder(holder, after, today).await.unwrap().unwrap();
        assert_eq!(detail.id_number_masked, "1101**********0019");
        assert_eq!(detail.summary.endorsement, EndorsementState::None);
    }
}
