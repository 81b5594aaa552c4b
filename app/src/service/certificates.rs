//! What a holder reads of their certificates: 证书下载 (the list), 证书信息,
//! a certificate's endorsements (polled while one is generating), the
//! application form and 加注件详情. Someone else's certificate or copy is
//! "not found", exactly like one that does not exist.

use crate::domain::certificate::{CertificateDetail, CertificateSummary};
use crate::domain::endorsement::{ApplicationForm, EndorsementDetail, EndorsementView, CHECKS_SHOWN};
use crate::error::{internal, AppError};
use crate::state::AppState;

/// The holder's certificates.
pub async fn list(state: &AppState, holder_id: i64) -> Result<Vec<CertificateSummary>, AppError> {
    let today = crate::clock::today_shanghai();
    state.store.certificates_of_holder(holder_id, today).await.map_err(internal("list certificates"))
}

/// One of the holder's certificates.
pub async fn detail(state: &AppState, holder_id: i64, id: i64) -> Result<CertificateDetail, AppError> {
    let today = crate::clock::today_shanghai();
    let found = state.store.certificate_of_holder(holder_id, id, today).await.map_err(internal("certificate"))?;
    found.ok_or(AppError::NotFound)
}

/// The endorsements of one of the holder's certificates, newest first.
pub async fn endorsements(
    state: &AppState,
    holder_id: i64,
    certificate_id: i64,
) -> Result<Vec<EndorsementView>, AppError> {
    let today = crate::clock::today_shanghai();
    let found = state.store.endorsements_of_certificate(holder_id, certificate_id, today).await;
    found.map_err(internal("endorsements"))?.ok_or(AppError::NotFound)
}

/// The application form of one of the holder's certificates: the uses on
/// offer, the quota left, and a fresh key against double submits.
pub async fn application_form(
    state: &AppState,
    holder_id: i64,
    certificate_id: i64,
) -> Result<ApplicationForm, AppError> {
    detail(state, holder_id, certificate_id).await?;
    let store = &state.store;
    let scenarios = store.enabled_scenarios().await.map_err(internal("scenarios"))?;
    let today = crate::clock::today_shanghai();
    let (remaining, next_slot) = store.quota_left(certificate_id, today).await.map_err(internal("quota"))?;
    Ok(ApplicationForm { scenarios, remaining, next_slot, form_key: crate::random::token() })
}

/// 加注件详情: one of the holder's copies of `certificate_id`, with its
/// latest 查验记录.
pub async fn endorsement_detail(
    state: &AppState,
    holder_id: i64,
    certificate_id: i64,
    id: i64,
) -> Result<EndorsementDetail, AppError> {
    let store = &state.store;
    let today = crate::clock::today_shanghai();
    let endorsement = store
        .endorsement_of_holder(holder_id, certificate_id, id, today)
        .await
        .map_err(internal("endorsement"))?
        .ok_or(AppError::NotFound)?;
    let checks = store
        .checks_of_endorsement(holder_id, id, CHECKS_SHOWN)
        .await
        .map_err(internal("checks"))?
        .ok_or(AppError::NotFound)?;
    Ok(EndorsementDetail { endorsement, checks })
}
