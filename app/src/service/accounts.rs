//! Holders' accounts: 用户注册, 登录 (with an imported password upgraded
//! at its first use), 退出, and 账户安全 (修改密码, 退出其他设备) for holders
//! and staff alike. Sessions, throttles and the no-JavaScript forms stay
//! with the server functions (`api::accounts`, `api::account_security`).
//!
//! A step's outcome is `Ok(Err(error))` when the error is the caller's to
//! see at the form, and `Err` when it is internal.

use crate::auth::password;
use crate::domain::account::{
    normalize_username, validate_password_change, validate_registration, Account, PasswordChange, RegistrationForm,
    SignInEvent,
};
use crate::error::{internal, AppError, Field, FieldError, Problem};
use crate::state::AppState;
use crate::store::{AuditEntry, AuditEvent, CreateHolderError, HolderLogin, NewHolder};

pub use crate::store::HolderProfile;

/// Longest password the server will hash: argon2 work is bounded and an
/// oversized body cannot be used to burn CPU.
pub const MAX_PASSWORD_BYTES: usize = 256;

/// An account signed in: its id and the session epoch read with its hash
/// (a change made while the password was being verified ends the session).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedIn {
    pub id: i64,
    pub epoch: i64,
}

/// 用户注册: the account, once every field is right and neither its
/// username nor its ID document is taken. Audited.
pub async fn register(
    state: &AppState,
    form: &RegistrationForm,
    client_addr: Option<&str>,
) -> Result<Result<i64, AppError>, AppError> {
    let reg = match validate_registration(form, crate::clock::today_shanghai()) {
        Ok(reg) => reg,
        Err(errors) => return Ok(Err(AppError::Invalid(errors))),
    };
    // The name is printed on every endorsed copy: a character the PDF font
    // cannot draw is refused now, not discovered as a failed copy later.
    if !state.generator.typeface().missing_chars(&reg.real_name).is_empty() {
        return Ok(Err(AppError::field(Field::RealName, Problem::RealNameUnprintable)));
    }
    let store = &state.store;
    let mut taken = Vec::new();
    if store.username_exists(&reg.username).await.map_err(internal("username check"))? {
        taken.push(FieldError { field: Field::Username, problem: Problem::UsernameTaken });
    }
    if store.id_document_registered(reg.id_type, &reg.id_number).await.map_err(internal("id check"))? {
        taken.push(FieldError { field: Field::IdNumber, problem: Problem::IdAlreadyRegistered });
    }
    if !taken.is_empty() {
        return Ok(Err(AppError::Invalid(taken)));
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
            return Ok(Err(AppError::field(Field::Username, Problem::UsernameTaken)))
        }
        Err(CreateHolderError::IdAlreadyRegistered) => {
            return Ok(Err(AppError::field(Field::IdNumber, Problem::IdAlreadyRegistered)))
        }
        Err(CreateHolderError::Store(e)) => return Err(internal("create holder")(e)),
    };
    let entry =
        AuditEntry { holder_id: Some(holder_id), subject: Some(&reg.username), client_addr, ..Default::default() };
    store.audit(AuditEvent::Register, entry).await.map_err(internal("audit"))?;
    Ok(Ok(holder_id))
}

/// 登录's password check: the holder, if `username` names one and the
/// password is theirs. An unknown name costs the same time (a decoy hash)
/// and gets the same answer; a failure is audited.
pub async fn authenticate(
    state: &AppState,
    username: &str,
    password: String,
    client_addr: Option<&str>,
) -> Result<Option<SignedIn>, AppError> {
    let name = normalize_username(username);
    let found = if worth_looking_up(&name, &password) {
        state.store.holder_login(&name).await.map_err(internal("login lookup"))?
    } else {
        None
    };
    let matches = match &found {
        Some(f) => verify_and_upgrade(state, f, password, client_addr).await?,
        None => password::verify_off_thread(password, password::decoy_hash().to_string())
            .await
            .map_err(internal("verify task"))?,
    };
    match (found, matches) {
        (Some(f), true) => Ok(Some(SignedIn { id: f.id, epoch: f.session_epoch })),
        _ => {
            let subject: String = name.chars().take(64).collect();
            login_failed(state, &subject, client_addr).await?;
            Ok(None)
        }
    }
}

/// Whether a sign-in's normalised `name` and `password` could be any
/// account's: an empty or over-long one is checked against the decoy hash
/// only, without a lookup (holders and staff alike).
pub(crate) fn worth_looking_up(name: &str, password: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && password.len() <= MAX_PASSWORD_BYTES
}

/// A holder's sign-in, audited once the session is theirs; `via` names a
/// way other than the password (`platform`).
pub async fn signed_in(
    state: &AppState,
    holder_id: i64,
    username: &str,
    via: Option<&str>,
    client_addr: Option<&str>,
) -> Result<(), AppError> {
    let subject: String = username.chars().take(64).collect();
    let entry =
        AuditEntry { holder_id: Some(holder_id), subject: Some(&subject), client_addr, detail: via, staff_id: None };
    state.store.audit(AuditEvent::LoginSucceeded, entry).await.map_err(internal("audit"))
}

/// A wrong password for `subject` (a username as typed, or the account a
/// link would join), audited.
pub(crate) async fn login_failed(state: &AppState, subject: &str, client_addr: Option<&str>) -> Result<(), AppError> {
    let entry = AuditEntry { subject: Some(subject), client_addr, ..Default::default() };
    state.store.audit(AuditEvent::LoginFailed, entry).await.map_err(internal("audit"))
}

/// Checks a holder's password against the stored hash, ecert's own or an
/// imported one. An imported hash that matches has done its one job:
/// ecert's Argon2id replaces it at once (`password_upgraded`).
pub(crate) async fn verify_and_upgrade(
    state: &AppState,
    found: &HolderLogin,
    password: String,
    client_addr: Option<&str>,
) -> Result<bool, AppError> {
    let imported = found.password_imported == 1;
    let stored = found.password_hash.clone();
    let matches = password::verify_holder_off_thread(password.clone(), stored.clone(), imported)
        .await
        .map_err(internal("verify task"))?;
    if matches && imported {
        let own = password::hash_off_thread(password).await.map_err(internal("hash task"))?;
        let format = crate::domain::imported_password::classify(&stored).map(|s| s.label()).unwrap_or("imported");
        state
            .store
            .upgrade_imported_password(found.id, &stored, &own, format, client_addr)
            .await
            .map_err(internal("password upgrade"))?;
    }
    Ok(matches)
}

/// 退出, audited (the session itself is ended by the caller).
pub async fn signed_out(state: &AppState, holder_id: i64, client_addr: Option<&str>) -> Result<(), AppError> {
    let entry = AuditEntry { holder_id: Some(holder_id), client_addr, ..Default::default() };
    state.store.audit(AuditEvent::Logout, entry).await.map_err(internal("audit"))
}

/// The holder's name for the page header, if the account still exists.
pub async fn profile(state: &AppState, holder_id: i64) -> Result<Option<HolderProfile>, AppError> {
    state.store.holder_profile(holder_id).await.map_err(internal("profile"))
}

/// The account's username; an account deleted meanwhile is signed out.
pub async fn username(state: &AppState, account: Account) -> Result<String, AppError> {
    let creds = state.store.credentials(account).await.map_err(internal("credentials"))?;
    Ok(creds.ok_or(AppError::Unauthenticated)?.username)
}

/// 账户安全: the account's latest `shown` sign-ins, password changes and
/// 退出其他设备, newest first.
pub async fn recent_sign_ins(
    state: &AppState,
    account: Account,
    username: &str,
    shown: i64,
) -> Result<Vec<SignInEvent>, AppError> {
    state.store.recent_sign_ins(account, username, shown).await.map_err(internal("sign-ins"))
}

/// 修改密码: with the current password, a new one; every session of the
/// account signed in at `epoch` ends. Gives the new epoch for the session
/// that asked, or `None` when another change came first (this session is
/// over too). A wrong current password is audited as a failed sign-in.
pub async fn change_password(
    state: &AppState,
    account: Account,
    epoch: i64,
    change: PasswordChange,
    client_addr: Option<&str>,
) -> Result<Result<Option<i64>, AppError>, AppError> {
    let creds =
        state.store.credentials(account).await.map_err(internal("credentials"))?.ok_or(AppError::Unauthenticated)?;
    if let Err(errors) = validate_password_change(&change, &creds.username) {
        return Ok(Err(AppError::Invalid(errors)));
    }
    let (current, verified_hash) = (change.current_password, creds.password_hash);
    let matches = current.len() <= MAX_PASSWORD_BYTES
        && password::verify_off_thread(current, verified_hash.clone()).await.map_err(internal("verify task"))?;
    let entry = AuditEntry { subject: Some(&creds.username), client_addr, ..AuditEntry::by(account) };
    if !matches {
        let failed = AuditEntry { detail: Some("change_password"), ..entry };
        let event = match account {
            Account::Holder(_) => AuditEvent::LoginFailed,
            Account::Staff(_) => AuditEvent::StaffLoginFailed,
        };
        state.store.audit(event, failed).await.map_err(internal("audit"))?;
        return Ok(Err(AppError::field(Field::CurrentPassword, Problem::CurrentPasswordWrong)));
    }
    let hash = password::hash_off_thread(change.new_password).await.map_err(internal("hash task"))?;
    let changed = state
        .store
        .set_password(account, epoch, &verified_hash, &hash, &entry)
        .await
        .map_err(internal("set password"))?;
    Ok(Ok(changed))
}

/// 退出其他设备: every session of the account signed in at `epoch` ends.
/// Gives the new epoch, or `None` if they were ended meanwhile.
pub async fn end_other_sessions(
    state: &AppState,
    account: Account,
    epoch: i64,
    client_addr: Option<&str>,
) -> Result<Option<i64>, AppError> {
    let entry = AuditEntry { client_addr, ..AuditEntry::by(account) };
    state.store.end_sessions(account, epoch, &entry).await.map_err(internal("end sessions"))
}
