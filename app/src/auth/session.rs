//! The server side of "who is calling", used by every server function:
//! the session's holder, the terms gate, the client's address, and the
//! no-JavaScript form fallback (errors and entered values carried across
//! the redirect in the session, never in the URL).

use std::sync::Arc;

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

/// Who a session is signed in as, once `still_valid` has passed.
#[derive(Debug, Clone)]
enum SignIn {
    Nobody,
    Holder { id: i64, epoch: i64, accepted_terms: bool },
    Staff { member: StaffMember, epoch: i64 },
}

impl SignIn {
    fn staff_member(self) -> Option<StaffMember> {
        match self {
            SignIn::Staff { member, .. } => Some(member),
            _ => None,
        }
    }
}

/// This request's check of its session (the router gives each request a
/// fresh one). During SSR a page's server functions run at the same time:
/// when each checked a stale session on its own, one could find it already
/// emptied by another whose delete was still running, the page finished
/// first, and tower-sessions then saved a session that had lost its id
/// (HTTP 500). Now the first check runs to its end and the others take its
/// answer; a page also reads the account once instead of per function.
#[derive(Clone, Default)]
pub struct SignInCheck(Arc<tokio::sync::Mutex<Option<SignIn>>>);

fn this_requests_check() -> Option<SignInCheck> {
    use_context::<Parts>().and_then(|parts| parts.extensions.get::<SignInCheck>().cloned())
}

/// The session's sign-in, checked once per request.
async fn signed_in() -> Result<SignIn, AppError> {
    let Some(check) = this_requests_check() else { return check_session(&session().await?, &state()).await };
    let mut known = check.0.lock().await;
    if let Some(sign_in) = known.as_ref() {
        return Ok(sign_in.clone());
    }
    let sign_in = check_session(&session().await?, &state()).await?;
    *known = Some(sign_in.clone());
    Ok(sign_in)
}

/// After this request signed in, out, or accepted the terms, later checks
/// in it look again.
pub async fn forget_sign_in_check() {
    if let Some(check) = this_requests_check() {
        *check.0.lock().await = None;
    }
}

async fn check_session(session: &Session, state: &AppState) -> Result<SignIn, AppError> {
    if let Some(id) = session.get::<i64>(HOLDER_KEY).await.map_err(internal("session read"))? {
        // The account's epoch and the terms acceptance come in one query.
        let gate = state.store.holder_gate(id, &state.settings.terms_version).await.map_err(internal("holder gate"))?;
        let Some(epoch) = still_valid(session, gate.map(|(epoch, _)| epoch), state).await? else {
            return Ok(SignIn::Nobody);
        };
        return Ok(SignIn::Holder { id, epoch, accepted_terms: gate.is_some_and(|(_, accepted)| accepted) });
    }
    let Some(id) = session.get::<i64>(STAFF_KEY).await.map_err(internal("session read"))? else {
        return Ok(SignIn::Nobody);
    };
    let current = state.store.session_epoch(Account::Staff(id)).await.map_err(internal("session epoch"))?;
    let Some(epoch) = still_valid(session, current, state).await? else { return Ok(SignIn::Nobody) };
    Ok(match state.store.staff_member(id).await.map_err(internal("staff lookup"))? {
        Some(member) => SignIn::Staff { member, epoch },
        None => SignIn::Nobody,
    })
}

/// The logged-in holder's id, whether or not the terms are accepted yet.
pub async fn holder_id() -> Result<i64, AppError> {
    Ok(holder_and_terms().await?.0)
}

/// The logged-in holder and whether they have accepted the terms version
/// now configured.
pub async fn holder_and_terms() -> Result<(i64, bool), AppError> {
    match signed_in().await? {
        SignIn::Holder { id, accepted_terms, .. } => Ok((id, accepted_terms)),
        _ => Err(AppError::Unauthenticated),
    }
}

/// Whether a signed-in session still holds: not past its absolute lifetime,
/// and its account's sessions not ended since (password change, 退出其他设备):
/// `current` is the account's epoch now. Gives the epoch of a session that
/// holds; one that no longer holds is ended on the spot.
async fn still_valid(session: &Session, current: Option<i64>, state: &AppState) -> Result<Option<i64>, AppError> {
    let at = session.get::<i64>(SIGNED_IN_AT).await.map_err(internal("session read"))?.unwrap_or(0);
    let now = crate::clock::now_unix();
    let young = now - at <= state.settings.session_absolute_hours * 3600;
    let epoch = session.get::<i64>(EPOCH_KEY).await.map_err(internal("session read"))?;
    if young && epoch.is_some() && epoch == current {
        let touched = session.get::<i64>(TOUCHED_AT).await.map_err(internal("session read"))?.unwrap_or(at);
        // Short idle times (tests, kiosks) are touched at half their length.
        if now - touched >= TOUCH_AFTER_SECONDS.min(state.settings.session_idle_minutes * 30) {
            session.insert(TOUCHED_AT, now).await.map_err(internal("session write"))?;
        }
        return Ok(epoch);
    }
    session.flush().await.map_err(internal("session flush"))?;
    Ok(None)
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
    let now = crate::clock::now_unix();
    session.insert(SIGNED_IN_AT, now).await.map_err(internal("session write"))?;
    session.insert(TOUCHED_AT, now).await.map_err(internal("session write"))?;
    session.insert(EPOCH_KEY, epoch).await.map_err(internal("session write"))?;
    session.insert(key, id).await.map_err(internal("session write"))?;
    forget_sign_in_check().await;
    Ok(())
}

/// Keeps this session signed in after its account's epoch moved on (the
/// session that changed the password or ended the others), under a new id.
pub async fn keep_after_epoch_change(epoch: i64) -> Result<(), AppError> {
    let session = session().await?;
    session.cycle_id().await.map_err(internal("session cycle"))?;
    session.insert(EPOCH_KEY, epoch).await.map_err(internal("session write"))?;
    forget_sign_in_check().await;
    Ok(())
}

/// A valid sign-in: the account and the session epoch it holds.
#[derive(Debug, Clone, Copy)]
pub struct SignedIn {
    pub account: Account,
    pub epoch: i64,
}

/// The account this session is signed in as, holder or staff. A holder
/// who has not accepted the current terms is sent to them first: until
/// 同意, the terms page and signing out are all a holder can reach.
pub async fn current_account() -> Result<SignedIn, AppError> {
    match signed_in().await? {
        SignIn::Holder { accepted_terms: false, .. } => Err(AppError::TermsNotAccepted),
        SignIn::Holder { id, epoch, .. } => Ok(SignedIn { account: Account::Holder(id), epoch }),
        SignIn::Staff { member, epoch } => Ok(SignedIn { account: Account::Staff(member.id), epoch }),
        SignIn::Nobody => Err(AppError::Unauthenticated),
    }
}

/// The holder and staff ids a session names, unchecked: for audit entries
/// about the request, never for access decisions.
pub async fn claimed_ids(session: &Session) -> (Option<i64>, Option<i64>) {
    let holder = session.get::<i64>(HOLDER_KEY).await.ok().flatten();
    let staff = session.get::<i64>(STAFF_KEY).await.ok().flatten();
    (holder, staff)
}

/// The signed-in staff member of a session, if any: for the portal's plain
/// axum routes, which run outside Leptos' context.
pub async fn staff_of(session: &Session, state: &AppState) -> Result<Option<StaffMember>, AppError> {
    Ok(check_session(session, state).await?.staff_member())
}

/// The signed-in staff member of this request, if any.
pub async fn staff() -> Result<Option<StaffMember>, AppError> {
    Ok(signed_in().await?.staff_member())
}

/// The signed-in staff member. Anyone else, holders included, gets "not
/// found", exactly as for a page that does not exist.
pub async fn require_staff() -> Result<StaffMember, AppError> {
    staff().await?.ok_or(AppError::NotFound)
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
    session().await?.flush().await.map_err(internal("session flush"))?;
    forget_sign_in_check().await;
    Ok(())
}

/// The client's address (behind a trusted proxy: from X-Forwarded-For).
pub fn client_addr() -> Option<String> {
    use_context::<Parts>().and_then(|parts| of_request(&parts.extensions)).map(|ip| ip.to_string())
}

/// This request's id: the access log sets `X-Request-Id` on every request
/// (a trusted proxy's, or its own), so the worker's lines for what the
/// request queued can carry it.
pub fn request_id() -> Option<String> {
    use_context::<Parts>().and_then(|parts| Some(parts.headers.get("x-request-id")?.to_str().ok()?.to_string()))
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
