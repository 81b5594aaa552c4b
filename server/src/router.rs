//! The HTTP surface: pages and server functions (leptos_axum), the
//! verification API and forms, the locale switch, static files, sessions,
//! the verification rate limit, and the access log with request ids.

use app::store::sessions::SessionRecords;
use app::{shell, state::AppState, App};
use axum::{middleware, routing::get, Router};
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_sessions::{
    cookie::{time::Duration, SameSite},
    Expiry, SessionManagerLayer,
};

use crate::rate_limit::VerifyLimiter;

pub use app::SESSION_COOKIE;

pub fn session_layer(store: SessionRecords, settings: &app::config::Settings) -> SessionManagerLayer<SessionRecords> {
    SessionManagerLayer::new(store)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.cookie_secure)
        .with_expiry(Expiry::OnInactivity(Duration::minutes(settings.session_idle_minutes)))
}

pub fn router(state: AppState, sessions: SessionManagerLayer<SessionRecords>) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let limiter = VerifyLimiter::new(state.settings.verify_per_minute, state.settings.verify_burst);
    let probes = crate::health::routes(state.clone()).merge(crate::metrics::routes(state.clone()));
    let site = Router::new()
        .route("/locale/{code}", get(crate::locale::switch))
        .merge(crate::verify_routes::routes())
        .merge(crate::credential_routes::routes())
        .merge(crate::admin_routes::routes())
        .merge(crate::wire::favicon())
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn(crate::error_status::layer))
        .layer(middleware::from_fn_with_state(state.clone(), crate::security::audit_refusals))
        .layer(middleware::from_fn_with_state(state.clone(), crate::security::same_origin))
        .layer(middleware::from_fn_with_state(state.clone(), crate::security::headers))
        .layer(crate::security::catch_panics())
        .layer(middleware::from_fn_with_state(limiter, crate::rate_limit::layer))
        .layer(middleware::from_fn_with_state(state.clone(), crate::security::client_address))
        .layer(middleware::from_fn(check_sign_in_once))
        .layer(sessions)
        // Outside the session layer, so a response that sets a cookie is
        // seen as one; inside compression, so the ETag is over the page itself.
        .layer(middleware::from_fn(crate::wire::plain_pages))
        .layer(middleware::from_fn_with_state(state.clone(), crate::wire::cache_policy))
        .layer(crate::wire::compression())
        // Requests at once and the request timeout; refusals are logged below.
        .layer(middleware::from_fn_with_state(crate::limits::Limits::new(&state.settings), crate::limits::layer))
        // Outermost: the request id and its span cover everything above,
        // and the access log counts the bytes as sent.
        .layer(middleware::from_fn_with_state(state.clone(), crate::access_log::layer))
        .with_state(state);
    probes.merge(site)
}

/// Gives each request its own memo of the session check, shared by every
/// server function the request runs (see `app::auth::session::SignInCheck`).
async fn check_sign_in_once(mut request: axum::extract::Request, next: middleware::Next) -> axum::response::Response {
    request.extensions_mut().insert(app::auth::session::SignInCheck::default());
    next.run(request).await
}
