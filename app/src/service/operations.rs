//! What operators and the edge of the server ask of the database: whether
//! this instance can serve (`/readyz`), the queue and pool figures of
//! `/metrics`, and the audit of requests refused before any page ran.

use crate::state::AppState;
use crate::store::{AuditEntry, AuditEvent};

/// The checks this instance fails now, by name (none: ready): the database
/// answers, its schema has every migration of this build, and every seal in
/// the catalog has its keys loaded (P-256 for the PDFs, SM2 for the OFDs). The reasons go to the log.
pub async fn unready(state: &AppState) -> Vec<&'static str> {
    match state.store.pending_migrations().await {
        Ok(0) => {}
        Ok(pending) => {
            tracing::warn!(pending, "not ready: the database lacks migrations of this build");
            return vec!["migrations"];
        }
        Err(e) => {
            tracing::warn!(error = %e, "not ready: the database does not answer");
            return vec!["database"];
        }
    }
    match state.store.seal_names().await {
        Ok(seals) => {
            let (keys, sm2) = (state.generator.keys(), state.generator.sm2_keys());
            let missing: Vec<_> =
                seals.iter().filter(|(code, _)| keys.seal(code).is_none() || sm2.seal(code).is_none()).collect();
            if missing.is_empty() {
                return vec![];
            }
            tracing::warn!(?missing, "not ready: seals without a loaded key");
            vec!["keys"]
        }
        Err(e) => {
            tracing::warn!(error = %e, "not ready: the catalog cannot be read");
            vec!["database"]
        }
    }
}

/// Endorsements by status (`generating` is the queue), or `None` if the
/// database does not answer (logged).
pub async fn endorsements_by_status(state: &AppState) -> Option<Vec<(String, i64)>> {
    match state.store.endorsements_by_status().await {
        Ok(by_status) => Some(by_status),
        Err(e) => {
            tracing::warn!(error = %e, "metrics: the database does not answer");
            None
        }
    }
}

/// The database pool's connections: (in use, idle).
pub fn pool_connections(state: &AppState) -> (usize, usize) {
    let (open, idle) = state.store.pool_connections();
    ((open as usize).saturating_sub(idle), idle)
}

/// A request refused to someone signed in (a page or file they may not
/// open), audited with its path.
pub async fn access_refused(
    state: &AppState,
    holder_id: Option<i64>,
    staff_id: Option<i64>,
    path: &str,
    client_addr: Option<&str>,
) {
    let subject: String = path.chars().take(200).collect();
    let entry = AuditEntry { holder_id, staff_id, subject: Some(&subject), client_addr, detail: None };
    if let Err(e) = state.store.audit(AuditEvent::AccessRefused, entry).await {
        tracing::error!(error = %e, "audit");
    }
}

/// A state-changing request from another site, refused and audited.
pub async fn cross_site_refused(state: &AppState, path: &str, client_addr: Option<&str>) {
    let entry = AuditEntry { subject: Some(path), client_addr, ..Default::default() };
    if let Err(e) = state.store.audit(AuditEvent::CrossSiteRefused, entry).await {
        tracing::error!(error = %e, "audit");
    }
}
