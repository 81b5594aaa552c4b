//! 用户注册 / 登录 / 退出, and the form fallback for pages without JavaScript.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::FormFlash;
use crate::error::AppError;

/// The logged-in holder, for the page header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub username: String,
    pub real_name: String,
    /// False until the current service terms are accepted: the header then
    /// offers nothing the holder could not open yet.
    pub terms_accepted: bool,
}

#[server(endpoint = "register")]
#[allow(clippy::too_many_arguments)]
pub async fn register(
    username: String,
    password: String,
    password_confirm: String,
    real_name: String,
    id_type: String,
    id_number: String,
    phone: String,
    email: String,
) -> Result<(), AppError> {
    use crate::auth::session::{client_addr, fail_form, state};
    use crate::domain::account::RegistrationForm;

    let form = RegistrationForm { username, password, password_confirm, real_name, id_type, id_number, phone, email };
    let kept = vec![
        ("username", form.username.clone()),
        ("real_name", form.real_name.clone()),
        ("id_type", form.id_type.clone()),
        ("id_number", form.id_number.clone()),
        ("phone", form.phone.clone()),
        ("email", form.email.clone()),
    ];
    let fail = |err| fail_form("/register", "register", err, kept.clone());

    let state = state();
    let limit = state.throttle.registration(crate::auth::session::client_ip());
    if let Err(e) = crate::auth::session::throttled(limit, "").await {
        return Err(fail(e).await);
    }
    let addr = client_addr();
    if let Err(e) = crate::service::accounts::register(&state, &form, addr.as_deref()).await? {
        return Err(fail(e).await);
    }
    leptos_axum::redirect("/login?registered=1");
    Ok(())
}

#[server(endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<(), AppError> {
    use crate::auth::session::{accepted_current_terms, client_addr, fail_form, sign_in, state};
    use crate::domain::account::normalize_username;
    use crate::service::accounts::{authenticate, signed_in};

    let state = state();
    let name = normalize_username(&username);
    let limit = state.throttle.login(&name, crate::auth::session::client_ip());
    if let Err(e) = crate::auth::session::throttled(limit, &name.chars().take(64).collect::<String>()).await {
        return Err(fail_form("/login", "login", e, vec![("username", username)]).await);
    }
    let addr = client_addr();
    let Some(holder) = authenticate(&state, &name, password, addr.as_deref()).await? else {
        return Err(fail_form("/login", "login", AppError::InvalidCredentials, vec![("username", username)]).await);
    };
    sign_in(crate::domain::account::Account::Holder(holder.id), holder.epoch).await?;
    signed_in(&state, holder.id, &name, None, addr.as_deref()).await?;
    let accepted = accepted_current_terms(holder.id).await?;
    leptos_axum::redirect(if accepted { "/certificates" } else { "/terms" });
    Ok(())
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::auth::session::{client_addr, holder_id, log_out, state};

    if let Ok(id) = holder_id().await {
        let addr = client_addr();
        crate::service::accounts::signed_out(&state(), id, addr.as_deref()).await?;
    }
    log_out().await?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The logged-in holder, or `None` for a visitor.
#[server(endpoint = "me")]
pub async fn me() -> Result<Option<Holder>, AppError> {
    use crate::auth::session::{holder_and_terms, state};

    let (id, terms_accepted) = match holder_and_terms().await {
        Ok(gate) => gate,
        Err(AppError::Unauthenticated) => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(profile) = crate::service::accounts::profile(&state(), id).await? else {
        return Ok(None);
    };
    Ok(Some(Holder { username: profile.username, real_name: profile.real_name, terms_accepted }))
}

/// The error and values of this form's last no-JavaScript submission, once.
#[server(endpoint = "form_flash")]
pub async fn take_form_flash(form: String) -> Result<Option<FormFlash>, AppError> {
    crate::auth::session::take_flash(&form).await
}
