//! The answer to a request refused before any handler ran: over the
//! verification rate limit, or this instance busy or too slow. Each caller
//! gets it in the form it reads, with `Retry-After`: JSON for the API
//! (docs/api.md), the server-function error for the WASM client, and a
//! self-contained page in both languages for a browser (the app shell is not
//! rendered for a refused request).

use app::error::AppError;
use axum::{
    body::Body,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// Too many public checks from one address.
    RateLimited,
    /// At the limit of requests at once, or the answer took too long.
    Busy,
}

impl Why {
    fn status(self) -> StatusCode {
        match self {
            Why::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Why::Busy => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error(self, retry_after_seconds: u64) -> AppError {
        match self {
            Why::RateLimited => AppError::RateLimited { retry_after_seconds },
            Why::Busy => AppError::Busy { retry_after_seconds },
        }
    }
}

/// Which answer a caller reads, from its request's path and `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// The JSON API (`/api/v1/`).
    Api,
    /// A server function called by the WASM client.
    Client,
    /// A browser: a page (also a form posted to a server function).
    Browser,
}

impl Caller {
    pub fn of(path: &str, headers: &HeaderMap) -> Caller {
        let wants_html =
            headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
        if path.starts_with("/api/v1/") {
            Caller::Api
        } else if path.starts_with("/api/") && !wants_html {
            Caller::Client
        } else {
            Caller::Browser
        }
    }
}

/// The refusal, in the form `caller` reads.
pub fn refuse(caller: Caller, why: Why, seconds: u64) -> Response {
    let status = why.status();
    let mut response = match caller {
        Caller::Api => {
            let (code, message) = match why {
                Why::RateLimited => (
                    "rate_limited",
                    format!("查验过于频繁，请 {seconds} 秒后再试。Too many checks; try again in {seconds} s."),
                ),
                Why::Busy => {
                    ("busy", format!("系统繁忙，请 {seconds} 秒后再试。The service is busy; try again in {seconds} s."))
                }
            };
            let body = serde_json::json!({ "error": code, "retry_after_seconds": seconds, "message": message });
            (status, axum::Json(body)).into_response()
        }
        Caller::Client => {
            // The WASM client reads this as its error type and shows the message.
            let body = serde_json::to_string(&why.error(seconds)).unwrap_or_default();
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = status;
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
        Caller::Browser => (status, axum::response::Html(page(why, seconds))).into_response(),
    };
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

fn page(why: Why, seconds: u64) -> String {
    let (testid, title, zh, en, back) = match why {
        Why::RateLimited => (
            "rate-limited",
            "查验过于频繁",
            format!("为保障服务安全，同一网络地址的查验次数有限制。请 {seconds} 秒后再试。"),
            format!("Too many checks from your address. Please try again in {seconds} seconds."),
            "<a href=\"/verify\">返回证书查验 / Back to verification</a>",
        ),
        Why::Busy => (
            "busy",
            "系统繁忙",
            format!("当前访问人数较多，您的请求未能及时处理。请 {seconds} 秒后再试。"),
            format!(
                "The service is busy and could not answer your request in time. Please try again in {seconds} seconds."
            ),
            "<a href=\"/\">返回首页 / Home</a>",
        ),
    };
    format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head><body>\
         <main role=\"alert\" data-testid=\"{testid}\"><h1>{title}</h1>\
         <p>{zh}</p><p lang=\"en\">{en}</p><p>{back}</p></main></body></html>"
    )
}
