//! 账户安全: 修改密码 and 退出其他设备, for a holder at /account and for
//! staff inside the portal at /admin/account (same functions, same rules).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::account_security::{account_security, ChangePassword, EndOtherSessions, PASSWORD_FORM};
use crate::api::accounts::take_form_flash;
use crate::components::fields::{field_problem, submission_error, FormError, TextField};
use crate::components::gate::ErrorView;
use crate::domain::account::{SignInEvent, SignInKind, PASSWORD_MAX};
use crate::error::Field;
use crate::i18n::*;
use crate::pages::admin::StaffGate;

/// /account: the signed-in account's (a holder's, or staff who open it
/// outside the portal); a visitor is sent to log in.
#[component]
pub fn AccountPage() -> impl IntoView {
    view! { <AccountSecurity/> }
}

/// /admin/account: the same page inside the portal frame.
#[component]
pub fn StaffAccountPage() -> impl IntoView {
    view! { <StaffGate><AccountSecurity/></StaffGate> }
}

#[component]
fn AccountSecurity() -> impl IntoView {
    let i18n = use_i18n();
    let flash = Resource::new(|| (), |_| take_form_flash(PASSWORD_FORM.into()));
    let change = ServerAction::<ChangePassword>::new();
    let end_sessions = ServerAction::<EndOtherSessions>::new();
    let overview = Resource::new(|| (), |_| account_security());
    let query = use_query_map();
    let notice = move |key: &str| query.read().get(key).is_some();

    view! {
        <section class="card narrow" aria-labelledby="account-title">
            <h1 id="account-title">{t!(i18n, account.title)}</h1>
            <Show when=move || notice("changed")>
                <p class="notice success" role="status" data-testid="password-changed">{t!(i18n, account.changed)}</p>
            </Show>
            <Show when=move || notice("ended")>
                <p class="notice success" role="status" data-testid="sessions-ended">{t!(i18n, account.ended)}</p>
            </Show>
            <Transition fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok((name, _)) => view! {
                            <p class="lead">{t!(i18n, account.username)}": "<strong data-testid="account-username">{name}</strong></p>
                        }.into_any(),
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
            <h2>{t!(i18n, account.password_title)}</h2>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let flash = flash.await.ok().flatten();
                    let error = submission_error(change.value(), flash.map(|f| f.error));
                    view! {
                        <FormError error/>
                        <ActionForm action=change>
                            <TextField label=move || t_string!(i18n, account.current_password) name="current_password"
                                input_type="password" problem=field_problem(error, Field::CurrentPassword)
                                required=true autocomplete="current-password" maxlength=PASSWORD_MAX/>
                            <TextField label=move || t_string!(i18n, account.new_password) name="new_password"
                                input_type="password" hint=move || t_string!(i18n, register.password_hint)
                                problem=field_problem(error, Field::Password) required=true
                                autocomplete="new-password" maxlength=PASSWORD_MAX/>
                            <TextField label=move || t_string!(i18n, account.new_password_confirm) name="new_password_confirm"
                                input_type="password" problem=field_problem(error, Field::PasswordConfirm)
                                required=true autocomplete="new-password" maxlength=PASSWORD_MAX/>
                            <p class="hint">{t!(i18n, account.password_effect)}</p>
                            <button type="submit" class="button primary" data-testid="change-password-submit">
                                {t!(i18n, account.submit)}
                            </button>
                        </ActionForm>
                    }
                })}
            </Suspense>
            <h2>{t!(i18n, account.sessions_title)}</h2>
            <p>{t!(i18n, account.sessions_lead)}</p>
            <ActionForm action=end_sessions>
                <button type="submit" class="button" data-testid="end-sessions-submit">{t!(i18n, account.end_sessions)}</button>
            </ActionForm>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    overview.await.ok().map(|(_, events)| view! { <SignIns events/> })
                })}
            </Transition>
        </section>
    }
}

/// 最近登录记录: so a holder notices a sign-in or attempt that was not theirs.
#[component]
fn SignIns(events: Vec<SignInEvent>) -> impl IntoView {
    let i18n = use_i18n();
    let kind = move |k: SignInKind| match k {
        SignInKind::SignedIn => t_string!(i18n, account.kind_signed_in),
        SignInKind::Failed => t_string!(i18n, account.kind_failed),
        SignInKind::PasswordChanged => t_string!(i18n, account.kind_password_changed),
        SignInKind::OtherSessionsEnded => t_string!(i18n, account.kind_sessions_ended),
    };
    view! {
        <h2>{t!(i18n, account.history_title)}</h2>
        <p>{t!(i18n, account.history_lead)}</p>
        <table class="table" data-testid="sign-ins">
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, account.history_at)}</th>
                    <th scope="col">{t!(i18n, account.history_event)}</th>
                    <th scope="col">{t!(i18n, account.history_addr)}</th>
                </tr>
            </thead>
            <tbody>
                {events.into_iter().map(|e| view! {
                    <tr data-testid="sign-in" data-kind=format!("{:?}", e.kind)>
                        <td>{e.at.minutes()}</td>
                        <td>{move || kind(e.kind)}</td>
                        <td>{e.client_addr.unwrap_or_default()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
