//! 使用报名服务平台账号登录 (docs/accounts.md) once the platform has said who
//! came back: the holder it signs in to, one made for it, or an account
//! registered here that it may join once its password is confirmed. The
//! OpenID Connect exchange is `auth::platform`'s; the session steps and the
//! redirects are the server functions' (`api::platform`).

use crate::auth::platform::PlatformIdentity;
use crate::error::{internal, AppError};
use crate::service::accounts::{login_failed, verify_and_upgrade, SignedIn, MAX_PASSWORD_BYTES};
use crate::state::AppState;
use crate::store::{is_unique_violation, AuditEntry, AuditEvent, StoreError};

/// Where a platform identity leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arrival {
    /// Its holder, linked before or made now: signed in.
    Holder { holder: SignedIn, username: String },
    /// An account registered here with the same ID document: linked only
    /// once its password is confirmed (关联账户).
    Link { holder_id: i64, username: String },
    /// Refused, with the reason the sign-in page gives
    /// (`/login?platform=<reason>`).
    Refused(&'static str),
}

/// What a confirmation of 关联账户 came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Linking {
    /// Linked: the holder signs in.
    Linked(SignedIn),
    /// Not the account's password (audited as a failed sign-in).
    WrongPassword,
    /// Linked meanwhile, by another browser or another identity.
    AlreadyLinked,
}

/// The holder `identity` signs in to, one made for it now, or the account
/// it may join.
pub async fn arrive(
    state: &AppState,
    identity: &PlatformIdentity,
    client_addr: Option<&str>,
) -> Result<Arrival, AppError> {
    let store = &state.store;
    if let Some(holder) =
        store.holder_of_platform_identity(&identity.issuer, &identity.subject).await.map_err(internal("platform"))?
    {
        let signed_in = SignedIn { id: holder.id, epoch: holder.session_epoch };
        return Ok(Arrival::Holder { holder: signed_in, username: holder.username });
    }
    match store.holder_of_document(identity.id_type, &identity.id_number).await.map_err(internal("platform"))? {
        // Another platform identity holds this account: never two.
        Some((_, true)) => Ok(Arrival::Refused("linked")),
        Some((holder, false)) => Ok(Arrival::Link { holder_id: holder.id, username: holder.username }),
        None => {
            let created = store
                .create_platform_holder(
                    &identity.issuer,
                    &identity.subject,
                    &identity.real_name,
                    identity.id_type,
                    &identity.id_number,
                    client_addr,
                )
                .await;
            match created {
                Ok(holder) => Ok(Arrival::Holder {
                    holder: SignedIn { id: holder.id, epoch: holder.session_epoch },
                    username: holder.username,
                }),
                // A registration (or another browser) took the document
                // meanwhile: signing in again offers the link.
                Err(StoreError::Database(e)) if is_unique_violation(&e).is_some() => Ok(Arrival::Refused("expired")),
                Err(e) => Err(internal("platform holder")(e)),
            }
        }
    }
}

/// 关联并登录: the password of the account `holder_id` (named `username`),
/// once; then `identity` signs in to it from now on.
pub async fn confirm_link(
    state: &AppState,
    identity: &PlatformIdentity,
    holder_id: i64,
    username: &str,
    password: String,
    client_addr: Option<&str>,
) -> Result<Linking, AppError> {
    let found = state.store.holder_login_by_id(holder_id).await.map_err(internal("link lookup"))?;
    let matches = match (&found, password.len() <= MAX_PASSWORD_BYTES) {
        (Some(f), true) => verify_and_upgrade(state, f, password, client_addr).await?,
        _ => false,
    };
    let Some(found) = found.filter(|_| matches) else {
        login_failed(state, username, client_addr).await?;
        return Ok(Linking::WrongPassword);
    };
    let linked = state.store.link_platform_identity(&identity.issuer, &identity.subject, found.id, client_addr).await;
    match linked {
        Ok(()) => Ok(Linking::Linked(SignedIn { id: found.id, epoch: found.session_epoch })),
        Err(StoreError::Database(e)) if is_unique_violation(&e).is_some() => Ok(Linking::AlreadyLinked),
        Err(e) => Err(internal("platform link")(e)),
    }
}

/// A refused platform sign-in, audited with its reason.
pub async fn refused(state: &AppState, reason: &str, client_addr: Option<&str>) -> Result<(), AppError> {
    let entry = AuditEntry { client_addr, detail: Some(reason), ..Default::default() };
    state.store.audit(AuditEvent::PlatformLoginRefused, entry).await.map_err(internal("audit"))
}
