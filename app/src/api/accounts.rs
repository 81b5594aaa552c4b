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

/// Longest password the server will hash: argon2 work is bounded and an
/// oversized body cannot be used to burn CPU.
#[cfg(feature = "ssr")]
pub(crate) const MAX_PASSWORD_BYTES: usize = 256;

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
    use crate::auth::{
        password,
        session::{client_addr, fail_form, state},
    };
    use crate::domain::account::{validate_registration, RegistrationForm};
    use crate::error::{internal, Field, FieldError, Problem};
    use crate::store::{AuditEntry, AuditEvent, CreateHolderError, NewHolder};

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

    let limit = state().throttle.registration(crate::auth::session::client_ip());
    if let Err(e) = crate::auth::session::throttled(limit, "").await {
        return Err(fail(e).await);
    }
    let reg = match validate_registration(&form, crate::clock::today_shanghai()) {
        Ok(reg) => reg,
        Err(errors) => return Err(fail(AppError::Invalid(errors)).await),
    };
    let state = state();
    // The name is printed on every endorsed copy: a character the PDF font
    // cannot draw is refused now, not discovered as a failed copy later.
    if !state.generator.typeface().missing_chars(&reg.real_name).is_empty() {
        return Err(fail(AppError::field(Field::RealName, Problem::RealNameUnprintable)).await);
    }
    let store = state.store;
    let mut taken = Vec::new();
    if store.username_exists(&reg.username).await.map_err(internal("username check"))? {
        taken.push(FieldError { field: Field::Username, problem: Problem::UsernameTaken });
    }
    if store.id_document_registered(reg.id_type, &reg.id_number).await.map_err(internal("id check"))? {
        taken.push(FieldError { field: Field::IdNumber, problem: Problem::IdAlreadyRegistered });
    }
    if !taken.is_empty() {
        return Err(fail(AppError::Invalid(taken)).await);
    }

    let hash = password::hash_off_thread(reg.password.clone()).await.map_err(internal("hash task"))?;
    let created = store
        .create_holder(&NewHolder {
            username: &reg.username,
            password_hash: &hash,
            real_name: &reg.real_name,
            id_type: reg.id_type,
            id_number: &reg.id_number,
            phone: reg.phone.as_deref(),
            email: reg.email.as_deref(),
        })
        .await;
    // A concurrent registration can still win the race past the checks above.
    let holder_id = match created {
        Ok(id) => id,
        Err(CreateHolderError::UsernameTaken) => {
            return Err(fail(AppError::field(Field::Username, Problem::UsernameTaken)).await)
        }
        Err(CreateHolderError::IdAlreadyRegistered) => {
            return Err(fail(AppError::field(Field::IdNumber, Problem::IdAlreadyRegistered)).await)
        }
        Err(CreateHolderError::Store(e)) => return Err(internal("create holder")(e)),
    };
    let addr = client_addr();
    store
        .audit(
            AuditEvent::Register,
            AuditEntry {
                holder_id: Some(holder_id),
                subject: Some(&reg.username),
                client_addr: addr.as_deref(),
                ..Default::default()
            },
        )
        .await
        .map_err(internal("audit"))?;
    leptos_axum::redirect("/login?registered=1");
    Ok(())
}

#[server(endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<(), AppError> {
    use crate::auth::{
        password,
        session::{accepted_current_terms, client_addr, fail_form, sign_in, state},
    };
    use crate::domain::account::normalize_username;
    use crate::error::internal;
    use crate::store::{AuditEntry, AuditEvent};

    let state = state();
    let name = normalize_username(&username);
    let limit = state.throttle.login(&name, crate::auth::session::client_ip());
    if let Err(e) = crate::auth::session::throttled(limit, &name.chars().take(64).collect::<String>()).await {
        return Err(fail_form("/login", "login", e, vec![("username", username)]).await);
    }
    let found = if name.is_empty() || name.len() > 64 || password.len() > MAX_PASSWORD_BYTES {
        None
    } else {
        state.store.holder_login(&name).await.map_err(internal("login lookup"))?
    };
    // Verify against a decoy when the user is unknown: same time, same answer.
    let matches = match &found {
        Some(f) => verify_and_upgrade(f, password).await?,
        None => password::verify_off_thread(password, password::decoy_hash().to_string())
            .await
            .map_err(internal("verify task"))?,
    };
    let addr = client_addr();
    let subject: String = name.chars().take(64).collect();
    let (holder, epoch) = match (found, matches) {
        (Some(f), true) => (f.id, f.session_epoch),
        _ => {
            state
                .store
                .audit(
                    AuditEvent::LoginFailed,
                    AuditEntry { subject: Some(&subject), client_addr: addr.as_deref(), ..Default::default() },
                )
                .await
                .map_err(internal("audit"))?;
            return Err(fail_form("/login", "login", AppError::InvalidCredentials, vec![("username", username)]).await);
        }
    };
    sign_in(crate::domain::account::Account::Holder(holder), epoch).await?;
    state
        .store
        .audit(
            AuditEvent::LoginSucceeded,
            AuditEntry {
                holder_id: Some(holder),
                subject: Some(&subject),
                client_addr: addr.as_deref(),
                ..Default::default()
            },
        )
        .await
        .map_err(internal("audit"))?;
    let accepted = accepted_current_terms(holder).await?;
    leptos_axum::redirect(if accepted { "/certificates" } else { "/terms" });
    Ok(())
}

/// Checks a holder's password against the stored hash, ecert's own or an
/// imported one. An imported hash that matches has done its one job:
/// ecert's Argon2id replaces it at once (`password_upgraded`).
#[cfg(feature = "ssr")]
pub(crate) async fn verify_and_upgrade(found: &crate::store::HolderLogin, password: String) -> Result<bool, AppError> {
    use crate::auth::{password, session::client_addr};
    use crate::error::internal;

    let imported = found.password_imported == 1;
    let stored = found.password_hash.clone();
    let matches = password::verify_holder_off_thread(password.clone(), stored.clone(), imported)
        .await
        .map_err(internal("verify task"))?;
    if matches && imported {
        let own = password::hash_off_thread(password).await.map_err(internal("hash task"))?;
        let format = crate::domain::imported_password::classify(&stored).map(|s| s.label()).unwrap_or("imported");
        let addr = client_addr();
        crate::auth::session::state()
            .store
            .upgrade_imported_password(found.id, &stored, &own, format, addr.as_deref())
            .await
            .map_err(internal("password upgrade"))?;
    }
    Ok(matches)
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::auth::session::{client_addr, holder_id, log_out, state};
    use crate::error::internal;
    use crate::store::{AuditEntry, AuditEvent};

    if let Ok(id) = holder_id().await {
        let addr = client_addr();
        state()
            .store
            .audit(
                AuditEvent::Logout,
                AuditEntry { holder_id: Some(id), client_addr: addr.as_deref(), ..Default::default() },
            )
            .await
            .map_err(internal("audit"))?;
    }
    log_out().await?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The logged-in holder, or `None` for a visitor.
#[server(endpoint = "me")]
pub async fn me() -> Result<Option<Holder>, AppError> {
    use crate::auth::session::{holder_and_terms, state};
    use crate::error::internal;

    let (id, terms_accepted) = match holder_and_terms().await {
        Ok(gate) => gate,
        Err(AppError::Unauthenticated) => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(profile) = state().store.holder_profile(id).await.map_err(internal("profile"))? else {
        return Ok(None);
    };
    Ok(Some(Holder { username: profile.username, real_name: profile.real_name, terms_accepted }))
}

/// The error and values of this form's last no-JavaScript submission, once.
#[server(endpoint = "form_flash")]
pub async fn take_form_flash(form: String) -> Result<Option<FormFlash>, AppError> {
    crate::auth::session::take_flash(&form).await
}
