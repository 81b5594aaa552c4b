//! 账户安全, for holders and staff alike: 修改密码 and 退出其他设备. Both end
//! every other session of the account at once (the session epoch moves on)
//! and keep the one that asked, under a new id.

use leptos::prelude::*;

use crate::domain::account::SignInEvent;
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

/// Sign-ins listed on the page.
pub const SIGN_INS_SHOWN: i64 = 10;

/// The signed-in account's username and its latest sign-ins, for the page.
#[server(name = GetAccountSecurity, endpoint = "account_security")]
pub async fn account_security() -> Result<(String, Vec<SignInEvent>), AppError> {
    use crate::auth::session::{current_account, state};
    use crate::service::accounts::{recent_sign_ins, username};
    let account = current_account().await?.account;
    let state = state();
    let username = username(&state, account).await?;
    let events = recent_sign_ins(&state, account, &username, SIGN_INS_SHOWN).await?;
    Ok((username, events))
}

#[server(endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    new_password_confirm: String,
) -> Result<(), AppError> {
    use crate::auth::session::{client_addr, current_account, fail_form, keep_after_epoch_change, log_out, state};
    use crate::domain::account::PasswordChange;
    use crate::service::accounts::username;

    let signed_in = current_account().await?;
    let account = signed_in.account;
    let page = page_of(account);
    // Passwords are never carried back to the form.
    let fail = |err| fail_form(page, PASSWORD_FORM, err, Vec::new());
    let state = state();
    if let Err(e) = throttle(account, &username(&state, account).await?).await {
        return Err(fail(e).await);
    }
    let change = PasswordChange { current_password, new_password, new_password_confirm };
    let addr = client_addr();
    let changed = match crate::service::accounts::change_password(&state, account, signed_in.epoch, change, addr.as_deref())
        .await?
    {
        Ok(changed) => changed,
        Err(e) => return Err(fail(e).await),
    };
    let Some(epoch) = changed else {
        // Another change or 退出其他设备 came first: this session is over too.
        log_out().await?;
        return Err(AppError::Unauthenticated);
    };
    keep_after_epoch_change(epoch).await?;
    leptos_axum::redirect(&format!("{page}?changed=1"));
    Ok(())
}

/// 退出其他设备: every other session of this account ends now.
#[server(endpoint = "end_other_sessions")]
pub async fn end_other_sessions() -> Result<(), AppError> {
    use crate::auth::session::{client_addr, current_account, keep_after_epoch_change, log_out, state};
    use crate::service::accounts::{end_other_sessions, username};

    let signed_in = current_account().await?;
    let account = signed_in.account;
    let state = state();
    throttle(account, &username(&state, account).await?).await?;
    let addr = client_addr();
    let ended = end_other_sessions(&state, account, signed_in.epoch, addr.as_deref()).await?;
    let Some(epoch) = ended else {
        // The account's sessions were ended meanwhile, this one with them.
        log_out().await?;
        return Err(AppError::Unauthenticated);
    };
    keep_after_epoch_change(epoch).await?;
    leptos_axum::redirect(&format!("{}?ended=1", page_of(account)));
    Ok(())
}

/// Both share the account's login budget: a stolen session cannot hammer
/// them, and guessing the current password costs what guessing at login does.
#[cfg(feature = "ssr")]
async fn throttle(account: crate::domain::account::Account, username: &str) -> Result<(), AppError> {
    use crate::auth::session::{client_ip, state, throttled};
    use crate::domain::account::Account;
    let key = match account {
        Account::Holder(_) => username.to_string(),
        Account::Staff(_) => crate::auth::throttle::staff_login_key(username),
    };
    throttled(state().throttle.login(&key, client_ip()), username).await
}
