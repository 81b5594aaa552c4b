//! What a response costs on the network, and how long a browser may keep it.
//!
//! * [`compression`]: brotli or gzip, as the client asks, for HTML, JSON,
//!   JavaScript, CSS, WASM, SVG and CSV, at tower-http's default levels
//!   (brotli 4, gzip 6: docs/performance.md measures their CPU cost). The
//!   client's files are compressed once, at build time, at the highest level
//!   (`cargo leptos build --release --precompress`), and sent as they are:
//!   a response that already has a `Content-Encoding` is left alone. PDFs
//!   and images are compressed inside already.
//! * [`cache_policy`]: the client's files have hashed names
//!   (`hash-files`), so they are cached for a year and never revalidated.
//!   A page for someone signed in (any request with a session cookie) is
//!   `private, no-store`. A public page for an anonymous visitor carries a
//!   weak ETag over its body and `Vary: Cookie` (the language is a cookie):
//!   a minute's `max-age` for the forms and texts; for a verification
//!   result `no-cache`, so each look asks the server again, is logged, and
//!   sees a revocation at once. Everything else is `no-store`.
//! * [`plain_pages`]: a page without an island goes out without Leptos'
//!   hydration data (it has no script at all).
//! * [`favicon`]: the site's 证 mark.

use app::state::AppState;
use axum::{
    body::{to_bytes, Body},
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use futures::StreamExt;
use sha2::{Digest, Sha256};
use tower_http::compression::{
    predicate::{DefaultPredicate, Predicate},
    CompressionLayer,
};

use app::has_session_cookie;

/// Content types worth compressing: text and WASM. (PDFs and images are
/// compressed inside; compressing them again costs CPU for nothing.)
const COMPRESSIBLE: [&str; 9] = [
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/wasm",
    "image/svg+xml",
    "text/csv",
    "text/plain",
];

pub fn compression() -> CompressionLayer<impl Predicate> {
    let compressible = |_: StatusCode, _: axum::http::Version, headers: &HeaderMap, _: &axum::http::Extensions| {
        let kind = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let kind = kind.split(';').next().unwrap_or("").trim();
        COMPRESSIBLE.contains(&kind) || kind.ends_with("+json")
    };
    CompressionLayer::new().br(true).gzip(true).compress_when(
        // The default's size floor and gRPC rule, and only the types above
        // (the default would also skip SVG, which compresses well).
        DefaultPredicate::new().and(compressible),
    )
}

/// A year: the client's files change name when they change.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const PRIVATE: &str = "private, no-store";
/// Forms and texts anyone may see: a minute in the browser, then revalidated.
const PUBLIC_PAGE: &str = "public, max-age=60";
/// A verification result: revalidated every time (logged, never stale).
const PUBLIC_RESULT: &str = "public, no-cache";
/// The favicon keeps its name, so it is kept for a day only.
const FAVICON_CACHE: &str = "public, max-age=86400";
/// Public pages are a few tens of KB; one larger is sent without a validator.
const MAX_TAGGED_PAGE: usize = 1 << 20;

pub async fn cache_policy(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let readable = matches!(*request.method(), Method::GET | Method::HEAD);
    let signed_in = has_session_cookie(request.headers());
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    let sent_locale = cookie(request.headers(), crate::locale::COOKIE).map(str::to_owned);
    let mut response = next.run(request).await;
    drop_locale_echo(&mut response, sent_locale.as_deref());
    if response.headers().contains_key(header::CACHE_CONTROL) {
        return response;
    }
    let ok = response.status() == StatusCode::OK;
    if path.starts_with("/pkg/") && ok {
        let policy = if state.leptos_options.hash_files { IMMUTABLE } else { "no-cache" };
        set(&mut response, header::CACHE_CONTROL, policy);
        set(&mut response, header::VARY, "accept-encoding");
        return response;
    }
    let public = readable && ok && is_html(&response) && !signed_in && !response.headers().contains_key(header::SET_COOKIE);
    if !public {
        set(&mut response, header::CACHE_CONTROL, PRIVATE);
        return response;
    }
    let policy = if is_result(&path) { PUBLIC_RESULT } else { PUBLIC_PAGE };
    with_etag(response, policy, if_none_match).await
}

fn is_html(response: &Response) -> bool {
    let kind = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    kind.is_some_and(|v| v.starts_with("text/html"))
}

/// A verification result (by number, QR code or a logged check).
fn is_result(path: &str) -> bool {
    path.starts_with("/v/") || path.starts_with("/verify/result/")
}


/// A cookie's value as the request sent it.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().split_once('=').filter(|(n, _)| *n == name).map(|(_, value)| value))
}

/// leptos_i18n sets the language cookie on every page it renders, also to
/// the value the browser has just sent. Such an echo changes nothing, and a
/// response that sets a cookie may not be stored publicly, so an English
/// visitor's public pages would never be cached. The echo is dropped; a
/// change of language (`/locale/…`) sets another value and goes out.
fn drop_locale_echo(response: &mut Response, sent: Option<&str>) {
    let Some(sent) = sent else { return };
    let echo = format!("{}={sent}", crate::locale::COOKIE);
    let is_echo = |v: &HeaderValue| v.to_str().is_ok_and(|v| v.split(';').next().map(str::trim) == Some(echo.as_str()));
    if !response.headers().get_all(header::SET_COOKIE).iter().any(is_echo) {
        return;
    }
    let kept: Vec<HeaderValue> = response.headers().get_all(header::SET_COOKIE).iter().filter(|v| !is_echo(v)).cloned().collect();
    response.headers_mut().remove(header::SET_COOKIE);
    for value in kept {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// The page with a weak ETag over its body (weak: the same page is sent
/// compressed or not), or 304 when the browser already has it.
async fn with_etag(response: Response, policy: &'static str, if_none_match: Option<HeaderValue>) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = match to_bytes(body, MAX_TAGGED_PAGE).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::error!(error = %e, "a public page could not be read for its ETag");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let digest = Sha256::digest(&bytes);
    let tag = format!("W/\"{}\"", digest[..12].iter().map(|b| format!("{b:02x}")).collect::<String>());
    parts.headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    parts.headers.append(header::VARY, HeaderValue::from_static("cookie"));
    if let Ok(value) = HeaderValue::from_str(&tag) {
        parts.headers.insert(header::ETAG, value);
    }
    let matches = if_none_match
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    if matches {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn set(response: &mut Response, name: header::HeaderName, value: &'static str) {
    response.headers_mut().insert(name, HeaderValue::from_static(value));
}

/// A page without an island is plain HTML: Leptos still appends its
/// hydration data after `</html>` (empty for such a page, and carrying the
/// response's script nonce), which would make every copy of the page differ
/// and is never read without the WASM. It is dropped as the page streams
/// out, so the page has no script and an ETag that holds between visits.
pub async fn plain_pages(request: Request, next: Next) -> Response {
    let plain = request.method() == Method::GET && !app::has_islands(request.uri().path());
    let response = next.run(request).await;
    if !plain || !is_html(&response) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let stream = body
        .into_data_stream()
        .scan(false, |ended, chunk| {
            let chunk = match chunk {
                _ if *ended => None,
                Ok(bytes) => match bytes.windows(END_OF_PAGE.len()).position(|w| w == END_OF_PAGE) {
                    Some(at) => {
                        *ended = true;
                        Some(Ok(bytes.slice(..at + END_OF_PAGE.len())))
                    }
                    None => Some(Ok(bytes)),
                },
                Err(e) => Some(Err(e)),
            };
            std::future::ready(Some(chunk))
        })
        .filter_map(std::future::ready);
    Response::from_parts(parts, Body::from_stream(stream))
}

const END_OF_PAGE: &[u8] = b"</html>";

/// The site's mark, 证 on the seal's red, as every page links it
/// (`/favicon.svg`) and where browsers look without a link (`/favicon.ico`,
/// which modern browsers accept as SVG).
pub fn favicon() -> Router<AppState> {
    let icon = || async {
        (
            [(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, FAVICON_CACHE)],
            include_str!("../assets/favicon.svg"),
        )
    };
    Router::new().route("/favicon.svg", get(icon)).route("/favicon.ico", get(icon))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_session_cookie_makes_a_request_private() {
        let headers = |cookie: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::COOKIE, HeaderValue::from_str(cookie).unwrap());
            h
        };
        assert!(has_session_cookie(&headers("i18n_pref_locale=en; ecert_session=abc")));
        assert!(!has_session_cookie(&headers("i18n_pref_locale=en")));
        assert!(!has_session_cookie(&headers("not_ecert_session=abc")));
        assert!(!has_session_cookie(&HeaderMap::new()));
    }
}
