//! 账户安全: 修改密码 and 退出其他设备, for a holder at /account and for
//! staff inside the portal at /admin/account (same functions, same rules).

use leptos::{html::Form, prelude::*};
use leptos_router::hooks::use_query_map;

use crate::api::account_security::{account_username, ChangePassword, EndOtherSessions, PASSWORD_FORM};
use crate::api::accounts::take_form_flash;
use crate::components::fields::{field_problem, submission_error, FormError, TextField};
use crate::components::gate::ErrorView;
use crate::domain::account::PASSWORD_MAX;
use crate::error::Field;
use crate::i18n::*;
use crate::pages::admin::StaffGate;

/// /account: a signed-in holder's (anyone else is sent to log in).
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
    let username = Resource::new(|| (), |_| account_username());
    let flash = Resource::new(|| (), |_| take_form_flash(PASSWORD_FORM.into()));
    let change = ServerAction::<ChangePassword>::new();
    let end_sessions = ServerAction::<EndOtherSessions>::new();
    let query = use_query_map();
    let notice = move |key: &str| query.read().get(key).is_some();
    // Passwords never stay in the form, whether the change went through or not.
    let form = NodeRef::<Form>::new();
    Effect::new(move |_| {
        if change.value().get().is_some() {
            if let Some(form) = form.get() {
                form.reset();
            }
        }
    });

    view! {
        <section class="card narrow" aria-labelledby="account-title">
            <h1 id="account-title">{t!(i18n, account.title)}</h1>
            <Show when=move || notice("changed")>
                <p class="notice success" role="status" data-testid="password-changed">{t!(i18n, account.changed)}</p>
            </Show>
            <Show when=move || notice("ended")>
                <p class="notice success" role="status" data-testid="sessions-ended">{t!(i18n, account.ended)}</p>
            </Show>
            <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    let name = match username.await {
                        Ok(name) => name,
                        Err(error) => return view! { <ErrorView error/> }.into_any(),
                    };
                    let flash = flash.await.ok().flatten();
                    let error = submission_error(change.value(), flash.map(|f| f.error));
                    view! {
                        <p class="lead">{t!(i18n, account.username)}": "<strong data-testid="account-username">{name}</strong></p>
                        <h2>{t!(i18n, account.password_title)}</h2>
                        <FormError error/>
                        <ActionForm action=change node_ref=form>
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
                            <button type="submit" class="button primary" disabled=move || change.pending().get()
                                data-testid="change-password-submit">
                                {move || if change.pending().get() { t_string!(i18n, account.submitting) } else { t_string!(i18n, account.submit) }}
                            </button>
                        </ActionForm>
                        <h2>{t!(i18n, account.sessions_title)}</h2>
                        <p>{t!(i18n, account.sessions_lead)}</p>
                        <ActionForm action=end_sessions>
                            <button type="submit" class="button" disabled=move || end_sessions.pending().get()
                                data-testid="end-sessions-submit">{t!(i18n, account.end_sessions)}</button>
                        </ActionForm>
                    }
                    .into_any()
                })}
            </Suspense>
        </section>
    }
}
