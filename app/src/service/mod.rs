//! The application's use cases: who may do what, in which order, with which
//! side effects, on top of the pure rules (`domain`) and the database
//! (`store`). Server functions (`api`), the JSON routes, the command line
//! and the generation workers (`server`) call these instead of each doing
//! the steps themselves, and never the store.

pub mod account_import;
pub mod accounts;
pub mod certificates;
pub mod demo;
pub mod endorsements;
pub mod files;
pub mod generation;
pub mod import;
pub mod jobs;
pub mod keys;
pub mod operations;
pub mod platform;
pub mod portal;
pub mod setup;
pub mod terms;
pub mod verification;

/// The holder a step is taken for, and where the request came from (for
/// the audit entries and the workers' log lines).
#[derive(Debug, Clone, Copy)]
pub struct Holder<'a> {
    pub id: i64,
    pub client_addr: Option<&'a str>,
    pub request_id: Option<&'a str>,
}

impl Holder<'_> {
    /// Records a step of this holder's (`subject`: the certificate or
    /// endorsement it concerns) with their address.
    pub async fn audit(
        &self,
        state: &crate::state::AppState,
        event: crate::store::AuditEvent,
        subject: &str,
        detail: Option<&str>,
    ) -> Result<(), crate::error::AppError> {
        let entry = crate::store::AuditEntry {
            holder_id: Some(self.id),
            subject: Some(subject),
            client_addr: self.client_addr,
            detail,
            staff_id: None,
        };
        state.store.audit(event, entry).await.map_err(crate::error::internal("audit"))
    }
}
