//! 管理登录: staff of issuing bodies sign in here (accounts come from
//! `server admin create`).

use leptos::prelude::*;

use crate::api::accounts::take_form_flash;
use crate::api::admin::{StaffLogin, STAFF_LOGIN_FORM};
use crate::components::fields::{submission_error, FormError, TextField};
use crate::i18n::*;

#[component]
pub fn StaffLoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<StaffLogin>::new();
    let flash = Resource::new(|| (), |_| take_form_flash(STAFF_LOGIN_FORM.into()));
    view! {
        <section class="card narrow" aria-labelledby="staff-login-title">
            <h1 id="staff-login-title">{t!(i18n, admin.login_title)}</h1>
            <p class="lead">{t!(i18n, admin.login_lead)}</p>
            <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    let flash = flash.await.ok().flatten();
                    let error = submission_error(action.value(), flash.as_ref().map(|f| f.error.clone()));
                    let username = flash.as_ref().and_then(|f| f.value("username")).unwrap_or_default();
                    view! {
                        <FormError error/>
                        <ActionForm action>
                            <TextField label=move || t_string!(i18n, admin.username) name="username" value=username
                                problem=Signal::stored(None) required=true autocomplete="username" maxlength=64/>
                            <TextField label=move || t_string!(i18n, admin.password) name="password" input_type="password"
                                problem=Signal::stored(None) required=true autocomplete="current-password" maxlength=64/>
                            <button type="submit" class="button primary" data-testid="staff-login-submit">
                                {t!(i18n, admin.submit)}
                            </button>
                        </ActionForm>
                    }
                })}
            </Suspense>
        </section>
    }
}
