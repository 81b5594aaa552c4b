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
    not_found::NotFound,
    refused::CrossSiteRefusedPage,
    register::RegisterPage,
    terms::TermsPage,
    verify::{EndorsementVerdictPage, VerificationResultPage, VerifyPage},
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    script_policy();
    let scripts = this_page_has_islands().then(|| view! { <HydrationScripts options=options.clone() islands=true/> });
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

/// The pages that render an island (`#[island]`): the certificate list, a
/// certificate's download page and 证书查验's upload. Only these load the
/// WASM and its module script; every other page is plain HTML (a QR page
/// opened on a phone costs a few KB). A router test checks, page by page,
/// that this agrees with what the page renders.
pub fn has_islands(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    matches!(segments.as_slice(), ["certificates"] | ["certificates", _, "download"] | ["verify"])
}

fn this_page_has_islands() -> bool {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>().is_some_and(|parts| has_islands(parts.uri.path()))
    }
    #[cfg(not(feature = "ssr"))]
    {
        false
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
            <AppTitle/>
            <Router>
                <Layout>
                    <Routes fallback=NotFound>
                        <Route path=path!("/") view=|| view! { <Redirect path="/certificates"/> } ssr=SsrMode::Async/>
                        <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
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

/// Marks the page as hydrated once its islands run (for the end-to-end
/// tests and for CSS that needs the WASM); called by the WASM entry point.
/// Leptos' island script hydrates the islands right after the entry point
/// returns, in promise callbacks: a zero timeout runs after all of them.
#[cfg(feature = "hydrate")]
pub fn mark_hydrated() {
    gloo_timers::callback::Timeout::new(0, || {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "");
        }
    })
    .forget();
}

/// The title is a plain string, not a closure over the locale signal:
/// leptos_meta reads a closure only after the page has rendered, when under
/// load the request's reactive owner may already be disposed (the soak test
/// saw that panic in 0.4 % of pages). The locale changes only with a full
/// page load (/locale/…), so nothing is lost.
#[component]
fn AppTitle() -> impl IntoView {
    let title = td_string!(use_i18n().get_locale_untracked(), app_name).to_string();
    view! { <Title text=title/> }
}
