//! 用户登录.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};

use crate::api::accounts::{take_form_flash, Login};
use crate::api::platform::{platform_available, PlatformLogin};
use server_fn::ServerFn;
use crate::components::fields::{submission_error, FormError, TextField};
use crate::i18n::*;

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<Login>::new();
    let flash = Resource::new(|| (), |_| take_form_flash("login".into()));
    let query = use_query_map();
    let registered = move || query.read().get("registered").is_some();
    let platform = Resource::new(|| (), |_| platform_available());
    // Why a platform sign-in was refused (`?platform=` from its callback).
    let platform_error = move || {
        let l = i18n.get_locale();
        query.read().get("platform").map(|reason| match reason.as_str() {
            "denied" => td_string!(l, login.platform_errors.denied),
            "expired" => td_string!(l, login.platform_errors.expired),
            "unavailable" => td_string!(l, login.platform_errors.unavailable),
            "identity" => td_string!(l, login.platform_errors.identity),
            "linked" => td_string!(l, login.platform_errors.linked),
            _ => td_string!(l, login.platform_errors.invalid),
        })
    };

    view! {
        <section class="card narrow" aria-labelledby="login-title">
            <h1 id="login-title">{t!(i18n, login.title)}</h1>
            <p class="lead">{t!(i18n, login.lead)}</p>
            <Show when=registered>
                <p class="notice success" role="status" data-testid="registered-notice">{t!(i18n, login.registered)}</p>
            </Show>
            {move || platform_error().map(|m| view! { <p class="notice error" role="alert" data-testid="platform-error">{m}</p> })}
            <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    let flash = flash.await.ok().flatten();
                    let error = submission_error(action.value(), flash.as_ref().map(|f| f.error.clone()));
                    let username = flash.as_ref().and_then(|f| f.value("username"));
                    view! {
                        <FormError error/>
                        <ActionForm action>
                            <TextField
                                label=move || t_string!(i18n, login.username)
                                name="username"
                                value=username.unwrap_or_default()
                                problem=Signal::stored(None)
                                required=true
                                autocomplete="username"
                                maxlength=64
                            />
                            <TextField
                                label=move || t_string!(i18n, login.password)
                                name="password"
                                input_type="password"
                                problem=Signal::stored(None)
                                required=true
                                autocomplete="current-password"
                                maxlength=64
                            />
                            <button type="submit" class="button primary" data-testid="login-submit">
                                {t!(i18n, login.submit)}
                            </button>
                        </ActionForm>
                    }
                })}
            </Suspense>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    platform.await.unwrap_or(false).then(|| view! {
                        <div class="platform-login">
                            <p class="aside">{t!(i18n, login.platform_or)}</p>
                            <a class="button" href=PlatformLogin::PATH rel="external" data-testid="platform-login">
                                {t!(i18n, login.platform_button)}
                            </a>
                        </div>
                    })
                })}
            </Suspense>
            <p class="aside">{t!(i18n, login.no_account)}" "<A href="/register">{t!(i18n, login.register_link)}</A></p>
        </section>
    }
}
