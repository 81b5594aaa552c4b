//! The server side of "who is calling", used by every server function:
//! the session's holder, the terms gate, the client's address, and the
//! no-JavaScript form fallback (errors and entered values carried across
//! the redirect in the session, never in the URL).

use axum::http::{header, request::Parts};
use leptos::prelude::*;
use tower_sessions::Session;

use crate::api::FormFlash;
use crate::auth::client_addr::of_request;
use crate::domain::account::Account;
use crate::domain::staff::StaffMember;
use crate::error::{internal, AppError};
use crate::state::AppState;

const HOLDER_KEY: &str = "holder_id";
const STAFF_KEY: &str = "staff_id";
/// Unix time of the sign-in: a session ends `session_absolute_hours` after it.
const SIGNED_IN_AT: &str = "signed_in_at";
/// The account's session epoch at sign-in (`store::credentials`).
const EPOCH_KEY: &str = "session_epoch";
/// Unix time the session was last saved because it was in use.
const TOUCHED_AT: &str = "touched_at";
/// A session in use is saved again once this much time has passed since
/// its last save: tower-sessions saves (and so pushes back the idle expiry
/// of the record and the cookie) only a changed session, so without it a
/// holder busy for 30 minutes would be signed out in the middle of work.
/// Once a minute, not every request: each save is a database write.
const TOUCH_AFTER_SECONDS: i64 = 60;

pub fn state() -> AppState {
    expect_context::<AppState>()
}

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(internal("session extractor"))
}

/// The logged-in holder's id, whether or not the terms are accepted yet.
pub async fn holder_id() -> Result<i64, AppError> {
    Ok(holder_and_terms().await?.0)
}

/// The logged-in holder and whether they have accepted the terms version
/// now configured: the account's epoch and the acceptance come in one query,
/// since every holder request needs both.
pub async fn holder_and_terms() -> Result<(i64, bool), AppError> {
    let session = session().await?;
    let id =
        session.get::<i64>(HOLDER_KEY).await.map_err(internal("session read"))?.ok_or(AppError::Unauthenticated)?;
    let state = state();
    let gate = state.store.holder_gate(id, &state.settings.terms_version).await.map_err(internal("holder gate"))?;
    if !still_valid(&session, gate.map(|(epoch, _)| epoch), &state).await? {
        return Err(AppError::Unauthenticated);
    }
    Ok((id, gate.is_some_and(|(_, accepted)| accepted)))
}

/// Whether a signed-in session still holds: not past its absolute lifetime,
/// and its account's sessions not ended since (password change, 退出其他设备):
/// `current` is the account's epoch now. A session that no longer holds is
/// ended on the spot.
async fn still_valid(session: &Session, current: Option<i64>, state: &AppState) -> Result<bool, AppError> {
    let at = session.get::<i64>(SIGNED_IN_AT).await.map_err(internal("session read"))?.unwrap_or(0);
    let now = crate::store::now_unix();
    let young = now - at <= state.settings.session_absolute_hours * 3600;
    let epoch = session.get::<i64>(EPOCH_KEY).await.map_err(internal("session read"))?;
    if young && epoch.is_some() && epoch == current {
        let touched = session.get::<i64>(TOUCHED_AT).await.map_err(internal("session read"))?.unwrap_or(at);
        // Short idle times (tests, kiosks) are touched at half their length.
        if now - touched >= TOUCH_AFTER_SECONDS.min(state.settings.session_idle_minutes * 30) {
            session.insert(TOUCHED_AT, now).await.map_err(internal("session write"))?;
        }
        return Ok(true);
    }
    session.flush().await.map_err(internal("session flush"))?;
    Ok(false)
}

/// Whether the holder has accepted the terms version now configured.
pub async fn accepted_current_terms(holder_id: i64) -> Result<bool, AppError> {
    let state = state();
    state.store.terms_accepted(holder_id, &state.settings.terms_version).await.map_err(internal("terms check"))
}

/// The logged-in holder who has accepted the current terms: the gate of
/// every holder page and action except the terms page itself.
pub async fn require_holder() -> Result<i64, AppError> {
    match holder_and_terms().await? {
        (id, true) => Ok(id),
        (_, false) => Err(AppError::TermsNotAccepted),
    }
}

/// Starts a fresh session for the account: a new id, so a session id planted
/// before sign-in is worthless after it. One role per session: a holder
/// never inherits a staff sign-in left in this browser, nor the reverse.
/// `epoch` is the account's session epoch read with the password hash.
pub async fn sign_in(account: Account, epoch: i64) -> Result<(), AppError> {
    let session = session().await?;
    session.cycle_id().await.map_err(internal("session cycle"))?;
    let (key, other, id) = match account {
        Account::Holder(id) => (HOLDER_KEY, STAFF_KEY, id),
        Account::Staff(id) => (STAFF_KEY, HOLDER_KEY, id),
    };
    session.remove::<i64>(other).await.map_err(internal("session write"))?;
    let now = crate::store::now_unix();
    session.insert(SIGNED_IN_AT, now).await.map_err(internal("session write"))?;
    session.insert(TOUCHED_AT, now).await.map_err(internal("session write"))?;
    session.insert(EPOCH_KEY, epoch).await.map_err(internal("session write"))?;
    session.insert(key, id).await.map_err(internal("session write"))
}

/// Keeps this session signed in after its account's epoch moved on (the
/// session that changed the password or ended the others), under a new id.
pub async fn keep_after_epoch_change(epoch: i64) -> Result<(), AppError> {
    let session = session().await?;
    session.cycle_id().await.map_err(internal("session cycle"))?;
    session.insert(EPOCH_KEY, epoch).await.map_err(internal("session write"))
}

/// A valid sign-in: the account and the session epoch it holds.
#[derive(Debug, Clone, Copy)]
pub struct SignedIn {
    pub account: Account,
    pub epoch: i64,
}

/// The account this session is signed in as, holder or staff.
pub async fn current_account() -> Result<SignedIn, AppError> {
    let account = match holder_id().await {
        Ok(id) => Account::Holder(id),
        Err(AppError::Unauthenticated) => {
            let member = staff_of(&session().await?, &state()).await?.ok_or(AppError::Unauthenticated)?;
            Account::Staff(member.id)
        }
        Err(e) => return Err(e),
    };
    let epoch = session().await?.get::<i64>(EPOCH_KEY).await.map_err(internal("session read"))?;
    Ok(SignedIn { account, epoch: epoch.ok_or(AppError::Unauthenticated)? })
}

/// The holder and staff ids a session names, unchecked: for audit entries
/// about the request, never for access decisions.
pub async fn claimed_ids(session: &Session) -> (Option<i64>, Option<i64>) {
    let holder = session.get::<i64>(HOLDER_KEY).await.ok().flatten();
    let staff = session.get::<i64>(STAFF_KEY).await.ok().flatten();
    (holder, staff)
}

/// The signed-in staff member of a session, if any.
pub async fn staff_of(session: &Session, state: &AppState) -> Result<Option<StaffMember>, AppError> {
    let Some(id) = session.get::<i64>(STAFF_KEY).await.map_err(internal("session read"))? else { return Ok(None) };
    let current = state.store.session_epoch(Account::Staff(id)).await.map_err(internal("session epoch"))?;
    if !still_valid(session, current, state).await? {
        return Ok(None);
    }
    state.store.staff_member(id).await.map_err(internal("staff lookup"))
}

/// The signed-in staff member. Anyone else, holders included, gets "not
/// found", exactly as for a page that does not exist.
pub async fn require_staff() -> Result<StaffMember, AppError> {
    staff_of(&session().await?, &state()).await?.ok_or(AppError::NotFound)
}

/// An administrator; issuers and everyone else get "not found".
pub async fn require_admin() -> Result<StaffMember, AppError> {
    let member = require_staff().await?;
    if member.role == crate::domain::staff::Role::Admin {
        Ok(member)
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn log_out() -> Result<(), AppError> {
    session().await?.flush().await.map_err(internal("session flush"))
}

/// The client's address (behind a trusted proxy: from X-Forwarded-For).
pub fn client_addr() -> Option<String> {
    use_context::<Parts>().and_then(|parts| of_request(&parts.extensions)).map(|ip| ip.to_string())
}

/// Refuses with `RateLimited` (and an audit entry) when `limit` says wait.
pub async fn throttled(limit: Result<(), u64>, subject: &str) -> Result<(), AppError> {
    let Err(retry_after_seconds) = limit else { return Ok(()) };
    let addr = client_addr();
    let entry = crate::store::AuditEntry { subject: Some(subject), client_addr: addr.as_deref(), ..Default::default() };
    state().store.audit(crate::store::AuditEvent::Throttled, entry).await.map_err(internal("audit"))?;
    Err(AppError::RateLimited { retry_after_seconds })
}

/// The client's address as an IP, for the throttles.
pub fn client_ip() -> Option<std::net::IpAddr> {
    use_context::<Parts>().and_then(|parts| of_request(&parts.extensions))
}

/// A browser submitting a `<form>` without JavaScript asks for HTML back;
/// the WASM client's server-function calls do not.
pub fn is_plain_form_post() -> bool {
    use_context::<Parts>()
        .and_then(|parts| {
            parts.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).map(|v| v.contains("text/html"))
        })
        .unwrap_or(false)
}

fn flash_key(form: &str) -> String {
    format!("flash.{form}")
}

/// Returns `err`; for a no-JavaScript submission, first keeps it and the
/// entered values for the form page and sends the browser back there.
pub async fn fail_form(page: &str, form: &str, err: AppError, values: Vec<(&str, String)>) -> AppError {
    if is_plain_form_post() {
        let flash =
            FormFlash { error: err.clone(), values: values.into_iter().map(|(k, v)| (k.to_string(), v)).collect() };
        if let Ok(session) = session().await {
            if let Err(e) = session.insert(&flash_key(form), flash).await {
                tracing::error!(%e, "could not keep form flash");
            }
        }
        leptos_axum::redirect(page);
    }
    err
}

/// Takes (reads and removes) the flash of a form, if any.
pub async fn take_flash(form: &str) -> Result<Option<FormFlash>, AppError> {
    session().await?.remove::<FormFlash>(&flash_key(form)).await.map_err(internal("session flash"))
}
