//! Two layers every response and every state-changing request pass:
//!
//! * [`headers`]: no framing, no MIME sniffing, no Referer leaving the site
//!   (a verification result's address is its access token), a restrictive
//!   policy for objects, base URIs and form targets, and HSTS when the
//!   service is configured for HTTPS. A page sets its own, stricter policy
//!   with its script nonce (`app::app::shell`); this one covers the rest.
//! * [`client_address`]: who the client is, once per request (behind a
//!   trusted proxy, from X-Forwarded-For: `app::auth::client_addr`).
//! * [`audit_refusals`]: a "not found" or "sign in" answer to a signed-in
//!   caller of a holder's or the portal's function or page is an access
//!   refusal, audited with who asked (as the session claims) and the path.
//! * [`catch_panics`]: a handler that panics answers a plain 500 page (no
//!   panic text), the panic is logged, and the server keeps serving.
//! * [`same_origin`]: a POST, PUT, PATCH or DELETE from a browser must come
//!   from this site (`Sec-Fetch-Site`, else `Origin`), on top of SameSite
//!   cookies. Requests without either header (API clients, curl) pass; the
//!   public verification API takes no cookies and is open to any origin.

use app::state::AppState;
use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

pub async fn headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    let fixed = [
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (
            header::CONTENT_SECURITY_POLICY,
            "frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'",
        ),
    ];
    for (name, value) in fixed {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    }
    if state.settings.cookie_secure {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    response
}

pub async fn client_address(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    use app::auth::client_addr::{of_request, resolve, ClientIp};
    if let Some(peer) = of_request(request.extensions()) {
        // A dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d.
        let client = resolve(peer.to_canonical(), request.headers(), &state.settings.trusted_proxies);
        request.extensions_mut().insert(ClientIp(client));
    }
    next.run(request).await
}

pub async fn audit_refusals(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    // A wrong password at sign-in is audited as a failed login instead.
    let sign_in = matches!(path.as_str(), "/api/login" | "/api/staff_login");
    let guarded = (path.starts_with("/api/") && !path.starts_with("/api/v1/") && !sign_in)
        || path == "/admin"
        || path.starts_with("/admin/")
        || path.starts_with("/certificates/");
    if !guarded {
        return next.run(request).await;
    }
    let session = request.extensions().get::<tower_sessions::Session>().cloned();
    let addr = app::auth::client_addr::of_request(request.extensions()).map(|ip| ip.to_string());
    let response = next.run(request).await;
    if !matches!(response.status(), StatusCode::NOT_FOUND | StatusCode::UNAUTHORIZED) {
        return response;
    }
    let (holder_id, staff_id) = match &session {
        Some(session) => app::auth::session::claimed_ids(session).await,
        None => (None, None),
    };
    // Only refusals to someone signed in are audited: anyone can send
    // anonymous requests by the thousand, and they would bury the entries
    // that matter (and contend for the database's write lock).
    if holder_id.is_none() && staff_id.is_none() {
        tracing::debug!(path, addr = addr.as_deref().unwrap_or(""), "refused an anonymous request");
        return response;
    }
    app::service::operations::access_refused(&state, holder_id, staff_id, &path, addr.as_deref()).await;
    response
}

pub fn catch_panics() -> tower_http::catch_panic::CatchPanicLayer<fn(Box<dyn std::any::Any + Send>) -> Response> {
    tower_http::catch_panic::CatchPanicLayer::custom(panic_response as fn(Box<dyn std::any::Any + Send>) -> Response)
}

fn panic_response(panic: Box<dyn std::any::Any + Send>) -> Response {
    let what = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = what, "a request handler panicked");
    let page = "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>系统繁忙</title></head><body>\
                <main role=\"alert\"><h1>系统繁忙，请稍后再试。</h1><p lang=\"en\">Something went wrong on our side. \
                Please try again later.</p><p><a href=\"/\">返回首页 / Home</a></p></main></body></html>";
    (StatusCode::INTERNAL_SERVER_ERROR, axum::response::Html(page)).into_response()
}

pub async fn same_origin(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let changes_state = matches!(*request.method(), Method::POST | Method::PUT | Method::PATCH | Method::DELETE);
    if !changes_state || request.uri().path().starts_with("/api/v1/") || from_this_site(&request) {
        return next.run(request).await;
    }
    let path = request.uri().path().to_string();
    let addr = app::auth::client_addr::of_request(request.extensions()).map(|ip| ip.to_string());
    tracing::warn!(path, addr = addr.as_deref().unwrap_or(""), "cross-site request refused");
    app::service::operations::cross_site_refused(&state, &path, addr.as_deref()).await;
    // The refusal page, in the visitor's language and the site's frame:
    // the same request (its session, cookies and address) as a GET of it.
    let (mut parts, _) = request.into_parts();
    parts.method = Method::GET;
    parts.uri = axum::http::Uri::from_static(app::CROSS_SITE_REFUSED);
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(header::ACCEPT, HeaderValue::from_static("text/html"));
    // Rendered here: routing happened before this layer (the request was
    // routed to what it posted to), so the page is rendered as its route would.
    let options = state.leptos_options.clone();
    let render = leptos_axum::render_app_async_with_context(
        move || leptos::prelude::provide_context(state.clone()),
        move || app::shell(options.clone()),
    );
    let mut response = render(Request::from_parts(parts, axum::body::Body::empty())).await;
    *response.status_mut() = StatusCode::FORBIDDEN;
    response
}

/// `Sec-Fetch-Site` when the browser sends it; else `Origin` against `Host`;
/// neither: not a browser form or script, let it pass.
fn from_this_site(request: &Request) -> bool {
    let value = |name| request.headers().get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = value("sec-fetch-site") {
        return matches!(site, "same-origin" | "none");
    }
    match (value("origin"), value("host")) {
        (None, _) => true,
        (Some(origin), Some(host)) => {
            origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://")) == Some(host)
        }
        (Some(_), None) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn post(headers: &[(&'static str, &str)]) -> Request {
        let mut r = Request::post("/api/login").body(Body::empty()).unwrap();
        for (k, v) in headers {
            r.headers_mut().insert(*k, v.parse().unwrap());
        }
        r
    }

    #[tokio::test]
    async fn a_panicking_handler_gets_a_plain_500_and_the_router_keeps_serving() {
        use tower::ServiceExt;
        let router = axum::Router::new()
            .route("/boom", axum::routing::get(|| async { panic!("secret detail /etc/ecert") as &'static str }))
            .route("/ok", axum::routing::get(|| async { "fine" }))
            .layer(catch_panics());
        let boom = router.clone().oneshot(Request::get("/boom").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(boom.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(boom.into_body(), 64 * 1024).await.unwrap();
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains("系统繁忙") && !body.contains("secret"), "{body}");
        let ok = router.oneshot(Request::get("/ok").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
    }

    #[test]
    fn only_this_site_may_post_from_a_browser() {
        assert!(from_this_site(&post(&[])), "no browser headers: an API client");
        assert!(from_this_site(&post(&[("sec-fetch-site", "same-origin")])));
        assert!(!from_this_site(&post(&[("sec-fetch-site", "cross-site")])));
        assert!(!from_this_site(&post(&[("sec-fetch-site", "same-site")])));
        assert!(from_this_site(&post(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")])));
        assert!(!from_this_site(&post(&[("origin", "https://evil.example"), ("host", "127.0.0.1:3000")])));
        assert!(!from_this_site(&post(&[("origin", "null"), ("host", "127.0.0.1:3000")])));
    }
}
