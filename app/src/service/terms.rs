//! 服务须知: a holder's acceptance of the current version.

use crate::error::{internal, AppError};
use crate::state::AppState;
use crate::store::{AuditEntry, AuditEvent};

/// 同意: records (and audits) the holder's acceptance of `version`, if it
/// is the current one; `false` if it is not (the holder read an older text
/// while the version changed, and reads again).
pub async fn accept(
    state: &AppState,
    holder_id: i64,
    version: &str,
    client_addr: Option<&str>,
) -> Result<bool, AppError> {
    if version != state.settings.terms_version {
        return Ok(false);
    }
    state.store.accept_terms(holder_id, version).await.map_err(internal("accept terms"))?;
    let entry = AuditEntry { holder_id: Some(holder_id), client_addr, detail: Some(version), ..Default::default() };
    state.store.audit(AuditEvent::TermsAccepted, entry).await.map_err(internal("audit"))?;
    Ok(true)
}
