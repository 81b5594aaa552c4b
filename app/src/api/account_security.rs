//! 账户安全, for holders and staff alike: 修改密码 and 退出其他设备. Both end
//! every other session of the account at once (the session epoch moves on)
//! and keep the one that asked, under a new id.

use leptos::prelude::*;

use crate::error::AppError;

pub const PASSWORD_FORM: &str = "password_change";

/// Where a role's 账户安全 page lives.
#[cfg(feature = "ssr")]
fn page_of(account: crate::domain::account::Account) -> &'static str {
    match account {
        crate::domain::account::Account::Holder(_) => "/account",
        crate::domain::account::Account::Staff(_) => "/admin/account",
    }
}

/// The username of the signed-in account, for the page.
#[server(endpoint = "account_username")]
pub async fn account_username() -> Result<String, AppError> {
    use crate::auth::session::{current_account, state};
    let account = current_account().await?;
    let creds = state().store.credentials(account).await.map_err(crate::error::internal("credentials"))?;
    Ok(creds.ok_or(AppError::Unauthenticated)?.username)
}

#[server(endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    new_password_confirm: String,
) -> Result<(), AppError> {
    use crate::auth::{
        password,
        session::{client_addr, client_ip, current_account, fail_form, keep_after_epoch_change, state, throttled},
    };
    use crate::domain::account::{validate_password_change, Account, PasswordChange};
    use crate::error::{internal, Field, Problem};
    use crate::store::{AuditEntry, AuditEvent};

    let account = current_account().await?;
    let page = page_of(account);
    // Passwords are never carried back to the form.
    let fail = |err| fail_form(page, PASSWORD_FORM, err, Vec::new());
    let state = state();
    let creds = state.store.credentials(account).await.map_err(internal("credentials"))?.ok_or(AppError::Unauthenticated)?;
    // The current password can be guessed here as at login: same budget.
    let throttle_key = match account {
        Account::Holder(_) => creds.username.clone(),
        Account::Staff(_) => format!("staff:{}", creds.username),
    };
    if let Err(e) = throttled(state.throttle.login(&throttle_key, client_ip()), &creds.username).await {
        return Err(fail(e).await);
    }
    let change = PasswordChange { current_password, new_password, new_password_confirm };
    if let Err(errors) = validate_password_change(&change, &creds.username) {
        return Err(fail(AppError::Invalid(errors)).await);
    }
    let (current, stored) = (change.current_password, creds.password_hash);
    let matches = current.len() <= crate::api::accounts::MAX_PASSWORD_BYTES
        && password::verify_off_thread(current, stored).await.map_err(internal("verify task"))?;
    let addr = client_addr();
    let entry = AuditEntry { subject: Some(&creds.username), client_addr: addr.as_deref(), ..AuditEntry::by(account) };
    if !matches {
        let failed = AuditEntry { detail: Some("change_password"), ..entry };
        let event = match account {
            Account::Holder(_) => AuditEvent::LoginFailed,
            Account::Staff(_) => AuditEvent::StaffLoginFailed,
        };
        state.store.audit(event, failed).await.map_err(internal("audit"))?;
        return Err(fail(AppError::field(Field::CurrentPassword, Problem::CurrentPasswordWrong)).await);
    }
    let hash = password::hash_off_thread(change.new_password).await.map_err(internal("hash task"))?;
    let epoch = state.store.set_password(account, &hash).await.map_err(internal("set password"))?;
    keep_after_epoch_change(epoch).await?;
    state.store.audit(AuditEvent::PasswordChanged, entry).await.map_err(internal("audit"))?;
    leptos_axum::redirect(&format!("{page}?changed=1"));
    Ok(())
}

/// 退出其他设备: every other session of this account ends now.
#[server(endpoint = "end_other_sessions")]
pub async fn end_other_sessions() -> Result<(), AppError> {
    use crate::auth::session::{client_addr, current_account, keep_after_epoch_change, state};
    use crate::error::internal;
    use crate::store::{AuditEntry, AuditEvent};

    let account = current_account().await?;
    let state = state();
    let epoch = state.store.end_sessions(account).await.map_err(internal("end sessions"))?;
    keep_after_epoch_change(epoch).await?;
    let addr = client_addr();
    let entry = AuditEntry { client_addr: addr.as_deref(), ..AuditEntry::by(account) };
    state.store.audit(AuditEvent::SessionsEnded, entry).await.map_err(internal("audit"))?;
    leptos_axum::redirect(&format!("{}?ended=1", page_of(account)));
    Ok(())
}
