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

/// A file handed out: its bytes and the name it is saved under.
pub struct Served {
    pub bytes: Vec<u8>,
    pub file_name: String,
}

/// 查看 (`download = false`) or 下载 of the endorsed copy `id`: its PDF,
/// saved as `<certificate no>-<endorsement no>.pdf`. Audited.
pub async fn endorsed_pdf(
    state: &AppState,
    holder: Holder<'_>,
    id: i64,
    download: bool,
) -> Result<Result<Served, Denied>, AppError> {
    let file = match endorsed_copy(state, holder, id, None).await? {
        Ok(file) => file,
        Err(denied) => return Ok(Err(denied)),
    };
    // A valid copy without its file cannot happen (files are deleted only after expiry or withdrawal).
    let Some(pdf) = file.pdf else {
        return Err(internal("endorsement file")("file missing for a valid endorsement"));
    };
    let event = if download { AuditEvent::EndorsementDownloaded } else { AuditEvent::EndorsementViewed };
    holder.audit(state, event, &file.number, None).await?;
    Ok(Ok(Served { bytes: pdf, file_name: format!("{}-{}.pdf", file.certificate_number, file.number) }))
}

/// 下载 OFD: the valid copy `id` as an OFD package sealed with its seal's
/// SM2 electronic seal (docs/ofd.md), saved as
/// `<certificate no>-<endorsement no>.ofd`. Made on demand from the stored
/// facts, the same bytes each time, and remembered by digest (so that
/// 证书查验 can match it). Refused as the PDF is; audited as a download.
pub async fn endorsed_ofd(state: &AppState, holder: Holder<'_>, id: i64) -> Result<Result<Served, Denied>, AppError> {
    let file = match endorsed_copy(state, holder, id, Some("ofd")).await? {
        Ok(file) => file,
        Err(denied) => return Ok(Err(denied)),
    };
    let store = &state.store;
    let facts = store.endorsement_facts(id).await.map_err(internal("ofd facts"))?;
    let made_at = store.endorsement_by_id(id).await.map_err(internal("ofd record"))?.and_then(|f| f.made_at);
    let (Some(facts), Some(made_at)) = (facts, made_at) else {
        return Err(internal("ofd")("the record of a valid copy is missing"));
    };
    let generator = state.generator.clone();
    let ofd = tokio::task::spawn_blocking(move || generator.endorsed_ofd(&facts, made_at))
        .await
        .map_err(internal("ofd task"))?
        .map_err(internal("ofd"))?;
    let issued = IssuedFile { certificate_id: file.certificate_id, endorsement_id: Some(id) };
    let sha256 = crate::pdf_signature::file_sha256(&ofd);
    store.record_issued_file(&sha256, issued, made_at).await.map_err(internal("issued file"))?;
    holder.audit(state, AuditEvent::EndorsementDownloaded, &file.number, Some("ofd")).await?;
    Ok(Ok(Served { bytes: ofd, file_name: format!("{}-{}.ofd", file.certificate_number, file.number) }))
}

/// 电子凭证: the valid copy `id` as a W3C Verifiable Credential (JSON),
/// signed by the seal with the key that signs its PDFs; saved as
/// `<certificate no>-<endorsement no>.vc.json`. Refused as the PDF is.
pub async fn credential(state: &AppState, holder: Holder<'_>, id: i64) -> Result<Result<Served, Denied>, AppError> {
    use crate::credential::{issue, CredentialFacts};
    use crate::domain::endorsement::EndorsementStatus;

    let file = match endorsed_copy(state, holder, id, Some("credential")).await? {
        Ok(file) => file,
        Err(denied) => return Ok(Err(denied)),
    };
    let store = &state.store;
    let found = store.endorsement_by_id(id).await.map_err(internal("credential record"))?;
    let seal = store.seal_code_of_certificate(file.certificate_id).await.map_err(internal("credential seal"))?;
    let (Some(found), Some(seal)) = (found, seal) else {
        return Err(internal("credential")("the record of a valid copy is missing"));
    };
    // Withdrawn between the two reads: refused as above.
    if found.endorsement.status != EndorsementStatus::Ready {
        return Ok(Err(Denied::Refused { refusal: Refusal::Cancelled, certificate_id: file.certificate_id }));
    }
    let keys = state.generator.keys();
    let key = keys.seal(&seal).ok_or_else(|| internal("credential")(format!("no key for seal {seal}")))?;
    let facts = CredentialFacts {
        public_base_url: &state.settings.public_base_url,
        seal_code: &seal,
        certificate: &found.certificate,
        endorsement: &found.endorsement,
        made_at: found.made_at.unwrap_or_default(),
    };
    let json = serde_json::to_vec_pretty(&issue(&facts, key)).map_err(internal("credential json"))?;
    holder.audit(state, AuditEvent::EndorsementDownloaded, &file.number, Some("credential")).await?;
    Ok(Ok(Served { bytes: json, file_name: format!("{}-{}.vc.json", file.certificate_number, file.number) }))
}

/// The endorsed copy `id` if the holder may have it now (`kind` says in the
/// audit entry what was asked for: the PDF, or "credential").
async fn endorsed_copy(
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
/// remembered by digest (so that 证书查验 can match an uploaded copy);
/// saved as `<certificate no>.pdf`.
pub async fn certificate_copy(state: &AppState, holder: Holder<'_>, id: i64) -> Result<Result<Served, Denied>, AppError> {
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
    let now = crate::clock::now_unix();
    let certificate_number = facts.certificate_number.clone();
    let pdf = tokio::task::spawn_blocking(move || generator.certificate_copy(&facts, now))
        .await
        .map_err(internal("certificate copy task"))?
        .map_err(internal("certificate copy"))?;
    let issued = IssuedFile { certificate_id: id, endorsement_id: None };
    let sha256 = crate::pdf_signature::file_sha256(&pdf);
    state.store.record_issued_file(&sha256, issued, now).await.map_err(internal("issued file"))?;
    holder.audit(state, AuditEvent::CertificateDownloaded, &certificate_number, None).await?;
    Ok(Ok(Served { bytes: pdf, file_name: format!("{certificate_number}.pdf") }))
}
