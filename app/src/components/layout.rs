//! The page frame: header (service name, navigation, holder, language),
//! main content and footer.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_location};

use crate::api::accounts::{me, Logout};
use crate::i18n::*;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <a class="skip-link" href="#main">{t!(i18n, skip_to_content)}</a>
        <header class="site-header">
            <div class="bar">
                <A href="/" attr:class="brand">
                    <span class="brand-mark" aria-hidden="true">"证"</span>
                    <span class="brand-text">
                        <span class="brand-name">{t!(i18n, app_name)}</span>
                        <span class="brand-sub">{t!(i18n, app_subtitle)}</span>
                    </span>
                </A>
                <LanguageSwitch/>
            </div>
            <nav class="nav" aria-label=move || t_string!(i18n, app_name)>
                <UserNav/>
            </nav>
        </header>
        <main id="main" class="content" tabindex="-1">
            {children()}
        </main>
        <footer class="site-footer">
            <p>{t!(i18n, footer)}</p>
        </footer>
        // Where the single-page app announces a new page (navigation.js); last,
        // and empty in every page as sent, so the islands router never diffs it.
        <div id="page-announcer" class="visually-hidden" aria-live="polite" aria-atomic="true"></div>
    }
}

/// A plain link to the server's `/locale/…` route, so the switch works the
/// same with or without JavaScript and survives reloads (cookie).
#[component]
fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let href = move || {
        let target = match i18n.get_locale() {
            Locale::en => "zh-CN",
            _ => "en",
        };
        format!("/locale/{target}?back={}", location.pathname.get())
    };
    let lang = move || match i18n.get_locale() {
        Locale::en => "zh-CN",
        _ => "en",
    };
    view! {
        <a class="lang-switch" href=href rel="external" hreflang=lang lang=lang data-testid="lang-switch">
            <span class="visually-hidden">{t!(i18n, language)}": "</span>
            {t!(i18n, switch_language)}
        </a>
    }
}

#[component]
fn UserNav() -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    // Refetched on navigation, so logging in or out shows at once.
    let holder = Resource::new(move || location.pathname.get(), |_| me());
    let logout = ServerAction::<Logout>::new();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match holder.await {
                    Ok(Some(me)) => view! {
                        <ul class="nav-links">
                            {me.terms_accepted.then(|| view! {
                                <li><A href="/certificates">{t!(i18n, nav.certificates)}</A></li>
                            })}
                            <li><A href="/verify">{t!(i18n, nav.verify)}</A></li>
                            {me.terms_accepted.then(|| view! {
                                <li><A href="/account">{t!(i18n, nav.account)}</A></li>
                            })}
                        </ul>
                        <div class="user">
                            <span class="user-name" data-testid="user-name">
                                <span class="visually-hidden">{t!(i18n, nav.signed_in_as)}" "</span>
                                {me.real_name}
                            </span>
                            <ActionForm action=logout>
                                <button type="submit" class="link-button" data-testid="logout">
                                    {t!(i18n, nav.logout)}
                                </button>
                            </ActionForm>
                        </div>
                    }
                    .into_any(),
                    _ => view! {
                        <ul class="nav-links">
                            <li><A href="/login">{t!(i18n, nav.login)}</A></li>
                            <li><A href="/register">{t!(i18n, nav.register)}</A></li>
                            <li><A href="/verify">{t!(i18n, nav.verify)}</A></li>
                        </ul>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}
