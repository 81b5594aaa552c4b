//! `GET /locale/{code}?back=/path`: remembers the holder's language in the
//! cookie leptos_i18n reads, then returns to the page. A plain link, so it
//! works before (or without) the WASM.

use axum::{
    extract::{Path, Query},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

/// The cookie name leptos_i18n uses by default.
pub const COOKIE: &str = "i18n_pref_locale";
const LOCALES: [&str; 2] = ["zh-CN", "en"];

#[derive(Deserialize)]
pub struct Back {
    back: Option<String>,
}

/// Only same-site paths: `/x`, never `//host` or `/\host` (open redirects).
fn safe_back(back: Option<String>) -> String {
    match back {
        Some(b) if b.starts_with('/') && !b.starts_with("//") && !b.starts_with("/\\") && !b.contains(['\r', '\n']) => {
            b
        }
        _ => "/".to_string(),
    }
}

pub async fn switch(Path(code): Path<String>, Query(q): Query<Back>) -> Response {
    if !LOCALES.contains(&code.as_str()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let cookie = format!("{COOKIE}={code}; Path=/; Max-Age=31536000; SameSite=Lax");
    let back = safe_back(q.back);
    let (Ok(cookie), Ok(location)) = (HeaderValue::from_str(&cookie), HeaderValue::from_str(&back)) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    (StatusCode::SEE_OTHER, [(header::SET_COOKIE, cookie), (header::LOCATION, location)]).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_back(Some("/certificates/3".into())), "/certificates/3");
        assert_eq!(safe_back(Some("//evil.example".into())), "/");
        assert_eq!(safe_back(Some("/\\evil.example".into())), "/");
        assert_eq!(safe_back(Some("https://evil.example".into())), "/");
        assert_eq!(safe_back(None), "/");
    }
}
