//! 查看 / 下载: which file a holder may have, and the record of each answer.
//! An endorsed copy is served as stored; a certificate issued before
//! endorsement was required is made, signed and remembered by digest on
//! demand. Every refusal and every download is audited. The server
//! functions (`api::endorsements`) only turn the outcome into a response.

use crate::domain::calendar::Ymd;
use crate::domain::certificate::CertificateStatus;
use crate::domain::endorsement::{Phase, Refusal};
use crate::error::{internal, AppError};
use crate::service::Holder;
use crate::state::AppState;
use crate::store::{AuditEvent, EndorsementFile, IssuedFile};

/// Why a file is not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// Missing, or not the holder's: the two are told apart to no one.
    NotFound,
    /// The rules say no; the download page of `certificate_id` says why.
    Refused { refusal: Refusal, certificate_id: i64 },
}

/// A certificate made on demand.
pub struct CertificateCopy {
    pub certificate_number: String,
    pub pdf: Vec<u8>,
}

/// The endorsed copy `id` if the holder may have it now (`kind` says in the
/// audit entry what was asked for: the PDF, or "credential").
pub async fn endorsed_copy(
    state: &AppState,
    holder: Holder<'_>,
    id: i64,
    kind: Option<&str>,
) -> Result<Result<EndorsementFile, Denied>, AppError> {
    let file = state.store.endorsement_file(holder.id, id).await.map_err(internal("endorsement file"))?;
    let Some(file) = file else {
        holder.audit(state, AuditEvent::FileRefused, &id.to_string(), Some("not found")).await?;
        return Ok(Err(Denied::NotFound));
    };
    let phase = Phase::of(file.status, file.valid_until, crate::clock::today_shanghai());
    let Some(refusal) = Refusal::for_copy(file.certificate_status, phase) else { return Ok(Ok(file)) };
    let detail = match kind {
        Some(kind) => format!("{kind} {refusal:?}"),
        None => format!("{refusal:?}"),
    };
    holder.audit(state, AuditEvent::FileRefused, &file.number, Some(&detail)).await?;
    Ok(Err(Denied::Refused { refusal, certificate_id: file.certificate_id }))
}

/// A certificate issued before 2021-12-17, made and signed now and
/// remembered by digest (so that 证书查验 can match an uploaded copy).
pub async fn certificate_copy(
    state: &AppState,
    holder: Holder<'_>,
    id: i64,
) -> Result<Result<CertificateCopy, Denied>, AppError> {
    let facts = state.store.certificate_facts(holder.id, id).await.map_err(internal("certificate facts"))?;
    let Some(facts) = facts else {
        holder.audit(state, AuditEvent::FileRefused, &id.to_string(), Some("not found")).await?;
        return Ok(Err(Denied::NotFound));
    };
    let status = CertificateStatus::from_code(&facts.status).unwrap_or(CertificateStatus::Revoked);
    if let Some(refusal) = Refusal::for_certificate_download(status, Ymd::parse_iso(&facts.issued_on)) {
        let detail = format!("{refusal:?}");
        holder.audit(state, AuditEvent::FileRefused, &facts.certificate_number, Some(&detail)).await?;
        return Ok(Err(Denied::Refused { refusal, certificate_id: id }));
    }
    let generator = state.generator.clone();
    let now = crate::store::now_unix();
    let certificate_number = facts.certificate_number.clone();
    let pdf = tokio::task::spawn_blocking(move || generator.certificate_copy(&facts, now))
        .await
        .map_err(internal("certificate copy task"))?
        .map_err(internal("certificate copy"))?;
    let issued = IssuedFile { certificate_id: id, endorsement_id: None };
    let sha256 = crate::pdf_signature::file_sha256(&pdf);
    state.store.record_issued_file(&sha256, issued, now).await.map_err(internal("issued file"))?;
    holder.audit(state, AuditEvent::CertificateDownloaded, &certificate_number, None).await?;
    Ok(Ok(CertificateCopy { certificate_number, pdf }))
}
