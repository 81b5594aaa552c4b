//! 使用报名服务平台账号登录 (docs/accounts.md): the start, the platform's
//! callback, and the one-time password confirmation that links an account
//! registered here to the platform identity with the same ID document.
//! Plain form posts and a GET callback: it all works without JavaScript.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Session keys: the sign-in started here, and a link awaiting its password.
#[cfg(feature = "ssr")]
const PENDING_LOGIN: &str = "platform.pending";
#[cfg(feature = "ssr")]
const PENDING_LINK: &str = "platform.link";

/// What 关联账户 shows: the account found for the platform's ID document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkOffer {
    pub username: String,
    pub real_name: String,
    pub id_number_masked: String,
}

#[cfg(feature = "ssr")]
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PendingLink {
    identity: crate::auth::platform::PlatformIdentity,
    holder_id: i64,
    username: String,
    /// When the platform sign-in came back: the link is offered for as long
    /// as a sign-in may take (`login_timeout_seconds`).
    at: i64,
}

/// This session's pending link, if it has not timed out.
#[cfg(feature = "ssr")]
async fn pending_link() -> Result<Option<PendingLink>, AppError> {
    use crate::auth::session::{session, state};
    let link = session().await?.get::<PendingLink>(PENDING_LINK).await.map_err(crate::error::internal("session read"))?;
    let now = crate::clock::now_unix();
    Ok(link.filter(|l| state().platform.is_some_and(|p| !p.expired(l.at, now))))
}

/// Whether the sign-in page offers 使用报名服务平台账号登录.
#[server(endpoint = "platform_available")]
pub async fn platform_available() -> Result<bool, AppError> {
    Ok(crate::auth::session::state().platform.is_some())
}

/// The button, a link (a form's redirect to another site would break the
/// pages' CSP `form-action 'self'`): off to the platform's sign-in page.
/// Starting is harmless to forge: only the browser that started a sign-in
/// can finish it (the state).
#[server(endpoint = "platform_login", input = server_fn::codec::GetUrl)]
pub async fn platform_login() -> Result<(), AppError> {
    use crate::auth::session::{session, state};
    use crate::error::internal;

    let Some(platform) = state().platform else { return Err(AppError::NotFound) };
    match platform.start(crate::clock::now_unix()).await {
        Ok((url, pending)) => {
            session().await?.insert(PENDING_LOGIN, pending).await.map_err(internal("session write"))?;
            leptos_axum::redirect(&url);
        }
        Err(refusal) => refuse(refusal.code()).await?,
    }
    Ok(())
}

/// The platform's redirect back (`redirect_uri`): the holder is signed in,
/// made, or asked to confirm a link; anything wrong is refused, audited,
/// and shown on the sign-in page.
#[server(endpoint = "platform_callback", input = server_fn::codec::GetUrl)]
pub async fn platform_callback(
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
) -> Result<(), AppError> {
    use crate::auth::platform::{Callback, PendingLogin};
    use crate::auth::session::{client_addr, session};
    use crate::error::internal;
    use crate::service::platform::Arrival;

    let app = crate::auth::session::state();
    let Some(platform) = app.platform.clone() else { return Err(AppError::NotFound) };
    // One use: a replayed callback finds nothing pending.
    let pending = session().await?.remove::<PendingLogin>(PENDING_LOGIN).await.map_err(internal("session read"))?;
    if pending.is_none() {
        // Nothing started in this browser: anyone can send these by the
        // thousand, so they are logged, not audited (as for anonymous
        // refusals: server::security).
        tracing::info!("a platform callback with no sign-in pending");
        leptos_axum::redirect("/login?platform=expired");
        return Ok(());
    }
    let callback = Callback { code, state, iss, error };
    let now = crate::clock::now_unix();
    let identity = match platform.finish(pending, &callback, now, crate::clock::today_shanghai()).await {
        Ok(identity) => identity,
        Err(refusal) => return refuse(refusal.code()).await,
    };
    let addr = client_addr();
    match crate::service::platform::arrive(&app, &identity, addr.as_deref()).await? {
        Arrival::Holder { holder, username } => signed_in(holder, &username).await,
        Arrival::Refused(reason) => refuse(reason).await,
        Arrival::Link { holder_id, username } => {
            let link = PendingLink { identity, holder_id, username, at: now };
            session().await?.insert(PENDING_LINK, link).await.map_err(internal("session write"))?;
            leptos_axum::redirect("/login/platform/link");
            Ok(())
        }
    }
}

/// The account a pending link would join, for 关联账户.
#[server(endpoint = "platform_link_offer")]
pub async fn platform_link_offer() -> Result<Option<LinkOffer>, AppError> {
    Ok(pending_link().await?.map(|l| LinkOffer {
        username: l.username,
        real_name: l.identity.real_name,
        id_number_masked: crate::domain::id_document::mask_id_number(&l.identity.id_number),
    }))
}

/// 关联并登录: the account's password, once; then the platform identity
/// signs in to it from now on. Throttled and audited as a login.
#[server(endpoint = "confirm_platform_link")]
pub async fn confirm_platform_link(password: String) -> Result<(), AppError> {
    use crate::auth::session::{client_addr, client_ip, fail_form, session, throttled};
    use crate::error::internal;
    use crate::service::platform::{confirm_link, Linking};

    let app = crate::auth::session::state();
    let Some(link) = pending_link().await? else {
        leptos_axum::redirect("/login?platform=expired");
        return Ok(());
    };
    let fail = |err| fail_form("/login/platform/link", "platform_link", err, vec![]);
    if let Err(e) = throttled(app.throttle.login(&link.username, client_ip()), &link.username).await {
        return Err(fail(e).await);
    }
    let addr = client_addr();
    match confirm_link(&app, &link.identity, link.holder_id, &link.username, password, addr.as_deref()).await? {
        Linking::Linked(holder) => signed_in(holder, &link.username).await,
        Linking::WrongPassword => Err(fail(AppError::InvalidCredentials).await),
        Linking::AlreadyLinked => {
            session().await?.remove::<PendingLink>(PENDING_LINK).await.map_err(internal("session write"))?;
            refuse("linked").await
        }
    }
}

/// Signs the holder in (a new session id), audits it, and sends them on:
/// 服务须知 first when needed, else the list.
#[cfg(feature = "ssr")]
async fn signed_in(holder: crate::service::accounts::SignedIn, username: &str) -> Result<(), AppError> {
    use crate::auth::session::{accepted_current_terms, client_addr, session, sign_in, state};

    // A link offered earlier in this browser is void once anyone signs in.
    session().await?.remove::<PendingLink>(PENDING_LINK).await.map_err(crate::error::internal("session write"))?;
    sign_in(crate::domain::account::Account::Holder(holder.id), holder.epoch).await?;
    let addr = client_addr();
    crate::service::accounts::signed_in(&state(), holder.id, username, Some("platform"), addr.as_deref()).await?;
    let accepted = accepted_current_terms(holder.id).await?;
    leptos_axum::redirect(if accepted { "/certificates" } else { "/terms" });
    Ok(())
}

/// A refused platform sign-in: audited with its reason, and the sign-in
/// page says why (`/login?platform=<reason>`).
#[cfg(feature = "ssr")]
async fn refuse(reason: &str) -> Result<(), AppError> {
    use crate::auth::session::{client_addr, state};
    let addr = client_addr();
    crate::service::platform::refused(&state(), reason, addr.as_deref()).await?;
    leptos_axum::redirect(&format!("/login?platform={reason}"));
    Ok(())
}
