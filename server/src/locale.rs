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

/// Where to return: only a path on this site. The target is resolved the
/// way a browser resolves a `Location` (WHATWG URL parsing: tabs and
/// newlines dropped, `\\` read as `/`, `//host` as another host), and kept
/// only if it stays on this origin and carries no credentials; what goes
/// out is the parser's own serialisation of the path and query, so no byte
/// a browser would read differently is passed through.
fn safe_back(back: Option<String>) -> String {
    let Some(back) = back.filter(|b| b.starts_with('/')) else { return "/".to_string() };
    let here = url::Url::parse(PLACEHOLDER_ORIGIN).expect("a valid origin");
    match here.join(&back) {
        Ok(target)
            if target.origin() == here.origin()
                && target.username().is_empty()
                && target.password().is_none()
                // `/.//host` resolves to the path `//host`, which a browser
                // would read as another host.
                && !target.path().starts_with("//") =>
        {
            match target.query() {
                Some(query) => format!("{}?{query}", target.path()),
                None => target.path().to_string(),
            }
        }
        _ => "/".to_string(),
    }
}

/// Stands for this site while resolving a return path; never sent.
const PLACEHOLDER_ORIGIN: &str = "http://ecert.invalid/";

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
        assert_eq!(safe_back(Some("/verify?number=1#x".into())), "/verify?number=1");
        assert_eq!(safe_back(None), "/");
    }

    /// Open-redirect payloads as the query decodes them (`%09` is a tab,
    /// `%5C` a backslash): each would lead a browser off the site.
    #[test]
    fn the_open_redirect_corpus_stays_home() {
        let corpus = [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\t\\evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/ /evil.example",
            "\\\\evil.example",
            "/\\/evil.example",
            "///evil.example",
            "////evil.example",
            "/.//evil.example",
            "/a/..//evil.example",
            "/%2e//evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "/javascript:alert(1)//evil.example",
            "//user:pass@evil.example",
            "/@evil.example",
            "//evil.example@127.0.0.1",
            "/%2F%2Fevil.example",
            "/%5Cevil.example",
            "//%65vil.example",
            "http:evil.example",
            "/\u{3000}/evil.example",
            "/\u{ff0f}\u{ff0f}evil.example",
            "",
        ];
        for payload in corpus {
            let back = safe_back(Some(payload.to_string()));
            let resolved = url::Url::parse("https://ecert.example/").unwrap().join(&back).unwrap();
            assert_eq!(resolved.host_str(), Some("ecert.example"), "{payload:?} → {back:?}");
            assert!(!back.contains(['\t', '\n', '\r', '\\']) && !back.starts_with("//"), "{payload:?} → {back:?}");
        }
    }
}
