//! The HTML shell, the routes, and the providers every page relies on.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::{
    components::{Redirect, Route, Router, Routes},
    path, SsrMode,
};
use leptos_use::UseLocalesOptions;

use crate::components::layout::Layout;
use crate::i18n::*;
use crate::pages::admin::{
    account_import::{AccountImportPage, AccountImportReportPage},
    audit::AuditPage,
    catalog::CatalogPage,
    certificates::ManageCertificatesPage,
    import::{ImportPage, ImportReportPage},
    keys::KeysPage,
    login::StaffLoginPage,
    overview::OverviewPage,
};
use crate::pages::{
    account::{AccountPage, StaffAccountPage},
    certificate_info::CertificateInfoPage,
    certificates::CertificatesPage,
    download::DownloadPage,
    endorsement::EndorsementPage,
    help::HelpPage,
    login::LoginPage,
    platform_link::PlatformLinkPage,
    not_found::NotFound,
    refused::CrossSiteRefusedPage,
    register::RegisterPage,
    terms::TermsPage,
    verify::{EndorsementVerdictPage, VerificationResultPage, VerifyPage},
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    script_policy();
    let client = this_page_loads_the_client();
    let scripts = client.then(|| {
        let nonce = leptos::nonce::use_nonce();
        view! {
            // Before Leptos' scripts: it decides which clicks the islands router takes.
            <script nonce=nonce>{NAVIGATION_SCRIPT}</script>
            <HydrationScripts options=options.clone() islands=true islands_router=true/>
        }
    });
    if scripts.is_none() {
        // What HydrationScripts does for an islands app: the page outside
        // islands is plain HTML, with no hydration markers or resource data.
        if let Some(context) = Owner::current_shared_context() {
            context.set_is_hydrating(false);
        }
    }
    // `lang` on <html> comes from the i18n provider (the page's locale).
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <AutoReload options=options/>
                {scripts}
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The cookie that carries a session id (the session stays in the database).
pub const SESSION_COOKIE: &str = "ecert_session";

/// Whether the request carries a session cookie (valid or not: the page
/// decides who is signed in; this only tells a visitor without one apart).
#[cfg(feature = "ssr")]
pub fn has_session_cookie(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|pair| pair.trim().split_once('=').is_some_and(|(name, _)| name == SESSION_COOKIE))
}

/// Our side of the islands router (see the file's comments): which links it
/// takes, and what a page change tells the reader (title, focus, live
/// region, scroll). Inline, so it runs before Leptos' own script.
const NAVIGATION_SCRIPT: &str = include_str!("navigation.js");

/// The pages that render an island (`#[island]`): the certificate list, a
/// certificate's download page and 证书查验's upload. A router test checks,
/// page by page, that this agrees with what the page renders.
pub fn has_islands(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    matches!(segments.as_slice(), ["certificates"] | ["certificates", _, "download"] | ["verify"])
}

/// The signed-in holder's area, where moving between pages makes no
/// document load: 证书下载, 证书信息, 下载, 加注件详情, 账户安全, 常见问题
/// and 证书查验. `navigation.js` holds the same list.
pub fn in_holder_area(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    matches!(
        segments.as_slice(),
        ["certificates"]
            | ["certificates", _]
            | ["certificates", _, "download"]
            | ["certificates", _, "endorsements", _]
            | ["account"]
            | ["help"]
            | ["verify"]
    )
}

/// Whether a page loads the client (its module script and WASM): a page
/// with an island, and every page of the holder's area for a visitor with a
/// session (the single-page app). Every other page is plain HTML: a QR page
/// opened on a phone, the sign-in page, 常见问题 for a visitor, cost a few KB.
pub fn loads_client(path: &str, has_session: bool) -> bool {
    has_islands(path) || (has_session && in_holder_area(path))
}

fn this_page_loads_the_client() -> bool {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>()
            .is_some_and(|parts| loads_client(parts.uri.path(), has_session_cookie(&parts.headers)))
    }
    #[cfg(not(feature = "ssr"))]
    {
        false
    }
}

/// Whether this page is rendered for the islands router (a navigation
/// inside the single-page app, fetched by the client) rather than loaded.
pub fn is_client_navigation() -> bool {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>().is_some_and(|parts| parts.headers.contains_key("islands-router"))
    }
    #[cfg(not(feature = "ssr"))]
    {
        true
    }
}

/// A page runs only inline scripts carrying this response's nonce (the
/// hydration loader and the serialised resources; leptos_axum makes a new
/// nonce per response) and script files of this site (our module, which
/// Leptos also preloads without a nonce, and its WASM); no eval, no
/// plug-ins, no framing. Nothing this site serves is user content a browser
/// would run: uploads are never served back, PDFs go out with nosniff.
#[cfg(feature = "ssr")]
fn script_policy() {
    use axum::http::{header, HeaderValue};
    let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    );
    match HeaderValue::from_str(&policy) {
        Ok(value) => response.insert_header(header::CONTENT_SECURITY_POLICY, value),
        Err(e) => tracing::error!(%e, "content security policy header"),
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // The language comes from the holder's choice (a cookie) or is zh-CN;
    // the browser's Accept-Language is deliberately not consulted.
    let no_accept_language = UseLocalesOptions::default().ssr_lang_header_getter(|| None);

    view! {
        <I18nContextProvider ssr_lang_header_getter=no_accept_language>
            <Router>
                <AppTitle/>
                <Layout>
                    <Routes fallback=NotFound>
                        <Route path=path!("/") view=|| view! { <Redirect path="/certificates"/> } ssr=SsrMode::Async/>
                        <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                        <Route path=path!("/login/platform/link") view=PlatformLinkPage ssr=SsrMode::Async/>
                        <Route path=path!("/register") view=RegisterPage ssr=SsrMode::Async/>
                        <Route path=path!("/terms") view=TermsPage ssr=SsrMode::Async/>
                        <Route path=path!("/certificates") view=CertificatesPage ssr=SsrMode::Async/>
                        <Route path=path!("/certificates/:id") view=CertificateInfoPage ssr=SsrMode::Async/>
                        <Route path=path!("/certificates/:id/download") view=DownloadPage ssr=SsrMode::Async/>
                        <Route path=path!("/certificates/:id/endorsements/:eid") view=EndorsementPage ssr=SsrMode::Async/>
                        <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async/>
                        <Route path=path!("/help") view=HelpPage ssr=SsrMode::Async/>
                        <Route path=path!("/verify") view=VerifyPage ssr=SsrMode::Async/>
                        <Route path=path!("/verify/result/:token") view=VerificationResultPage ssr=SsrMode::Async/>
                        <Route path=path!("/v/:number") view=EndorsementVerdictPage ssr=SsrMode::Async/>
                        <Route path=path!("/refused/cross-site") view=CrossSiteRefusedPage ssr=SsrMode::Async/>
                        <Route path=path!("/admin/login") view=StaffLoginPage ssr=SsrMode::Async/>
                        <Route path=path!("/admin") view=OverviewPage ssr=SsrMode::Async/>
                        <Route path=path!("/admin/import") view=ImportPage ssr=SsrMode::Async/>
                        <Route path=path!("/admin/import/:token") view=ImportReportPage ssr=SsrMode::Async/>
                        <Route path=path!("/admin/accounts/import") view=AccountImportPage ssr=SsrMode::Async/>
                        <Route path=path!("/admin/accounts/import/:token") view=AccountImportReportPage ssr=SsrMode::Async/>
                        <Route path=path!("/admin/certificates") view=ManageCertificatesPage ssr=SsrMode::Async/>
                        <Route path=path!("/admin/audit") view=AuditPage ssr=SsrMode::Async/>
                        <Route path=path!("/admin/keys") view=KeysPage ssr=SsrMode::Async/>
                        <Route path=path!("/admin/catalog") view=CatalogPage ssr=SsrMode::Async/>
                        <Route path=path!("/admin/account") view=StaffAccountPage ssr=SsrMode::Async/>
                    </Routes>
                </Layout>
            </Router>
        </I18nContextProvider>
    }
}

/// The title names the page, then the service ("证书下载 · 专业技术人员职业
/// 资格电子证书"): the islands router carries it over on each navigation, and
/// a tab or a screen reader says where the holder is. It is a plain string,
/// not a closure over the locale signal: leptos_meta reads a closure only
/// after the page has rendered, when under load the request's reactive owner
/// may already be disposed (the soak test saw that panic in 0.4 % of pages).
/// The locale changes only with a full page load (/locale/…), so nothing is lost.
#[component]
fn AppTitle() -> impl IntoView {
    let locale = use_i18n().get_locale_untracked();
    let service = td_string!(locale, app_name).to_string();
    let path = leptos_router::hooks::use_location().pathname.get_untracked();
    let title = match page_name(locale, &path) {
        Some(page) => format!("{page} · {service}"),
        None => service,
    };
    view! { <Title text=title/> }
}

/// The page's name, as its <h1> says it, by route.
fn page_name(locale: Locale, path: &str) -> Option<String> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    let name = match segments.as_slice() {
        ["login"] => td_string!(locale, login.title).to_string(),
        ["login", "platform", "link"] => td_string!(locale, platform_link.title).to_string(),
        ["register"] => td_string!(locale, register.title).to_string(),
        ["terms"] => td_string!(locale, terms.title).to_string(),
        ["certificates"] => td_string!(locale, certificates.title).to_string(),
        ["certificates", _] => td_string!(locale, info.title).to_string(),
        ["certificates", _, "download"] => td_string!(locale, download.title).to_string(),
        ["certificates", _, "endorsements", _] => td_string!(locale, endorsement_page.title).to_string(),
        ["account"] | ["admin", "account"] => td_string!(locale, account.title).to_string(),
        ["help"] => td_string!(locale, help.title).to_string(),
        ["verify"] => td_string!(locale, verify.title).to_string(),
        ["verify", "result", _] | ["v", _] => td_string!(locale, verify.result_title).to_string(),
        ["refused", "cross-site"] => td_string!(locale, refused.title).to_string(),
        ["admin", "login"] => td_string!(locale, admin.login_title).to_string(),
        ["admin"] => td_string!(locale, admin.overview_title).to_string(),
        ["admin", "import"] | ["admin", "import", _] => td_string!(locale, admin.import_title).to_string(),
        ["admin", "accounts", "import"] | ["admin", "accounts", "import", _] => {
            td_string!(locale, admin.account_import_title).to_string()
        }
        ["admin", "certificates"] => td_string!(locale, admin.certificates_title).to_string(),
        ["admin", "audit"] => td_string!(locale, admin.audit_title).to_string(),
        ["admin", "keys"] => td_string!(locale, admin.keys_title).to_string(),
        ["admin", "catalog"] => td_string!(locale, admin.catalog_title).to_string(),
        _ => return None,
    };
    Some(name)
}
