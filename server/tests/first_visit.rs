//! What a first visit meets (issue 17): compression and caching headers,
//! which pages load the WASM, the favicon, the return path of the language
//! switch against the open-redirect corpus, and the rough edges found by an
//! outside check, each with the request that showed it.

use std::io::Read;

use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};

use crate::support::{self, app, app_with_workers, certificate_id, ready_holder, Client, Reply};

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes).read_to_string(&mut text).unwrap();
    text
}

/// Open-redirect payloads as they arrive in the query, encoded: tabs,
/// newlines, backslashes, `//`, `/\`, encoded forms, `javascript:`,
/// userinfo, dot segments, full-width slashes.
const BYPASS_CORPUS: [&str; 24] = [
    "/%09/evil.example",
    "/%09%5Cevil.example",
    "%09/evil.example",
    "/%0A/evil.example",
    "/%0D%0A/evil.example",
    "//evil.example",
    "%2F%2Fevil.example",
    "/%2F/evil.example",
    "/%5Cevil.example",
    "%5C%5Cevil.example",
    "/%5C/evil.example",
    "///evil.example",
    "/.//evil.example",
    "/a/..//evil.example",
    "/%2e//evil.example",
    "https://evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt%3Aalert(1)",
    "//user:pass@evil.example",
    "//evil.example%40127.0.0.1",
    "/%E3%80%80/evil.example",
    "/%EF%BC%8F%EF%BC%8Fevil.example",
    "%20//evil.example",
];

#[tokio::test]
async fn the_language_switch_never_leaves_the_site() {
    let app = app().await;
    let mut c = Client::new(&app);
    for payload in BYPASS_CORPUS {
        let r = c.get(&format!("/locale/zh-CN?back={payload}")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{payload}");
        let location = r.location.clone().unwrap();
        assert!(!location.contains(['\t', '\n', '\r', '\\']), "{payload} → {location:?}");
        // Resolved as a browser resolves a Location header.
        let resolved = url::Url::parse("https://ecert.example/somewhere").unwrap().join(&location).unwrap();
        assert_eq!(resolved.host_str(), Some("ecert.example"), "{payload} → {location:?}");
        assert_eq!(resolved.scheme(), "https", "{payload} → {location:?}");
    }
    let home = c.get("/locale/en?back=/verify%3Fnumber%3D1").await;
    assert_eq!(home.location.as_deref(), Some("/verify?number=1"));
}

#[tokio::test]
async fn the_certificate_api_names_a_missing_field_as_it_names_an_empty_one() {
    let app = app().await;
    let mut c = Client::new(&app);
    let post = |body: &'static str| {
        Request::post("/api/v1/verify/certificate")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap()
    };
    for (body, fields) in [
        (r#"{"certificate_number":"0301202203150001"}"#, vec!["holder_name"]),
        (r#"{"holder_name":"张三"}"#, vec!["certificate_number"]),
        (r#"{}"#, vec!["certificate_number", "holder_name"]),
        (r#"{"certificate_number":"0301202203150001","holder_name":""}"#, vec!["holder_name"]),
    ] {
        let r = c.send(post(body)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
        let json = r.json();
        assert_eq!(json["error"], "invalid_input", "{body}");
        let named: Vec<_> = json["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
        assert_eq!(named, fields, "{body}");
    }
    // Not a JSON object of strings at all: a bad request.
    for body in [r#"[1,2]"#, r#"{"holder_name":5}"#, "not json"] {
        let r = c.send(post(body)).await;
        assert_eq!((r.status, r.json()["error"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")), "{body}");
    }
}

#[tokio::test]
async fn account_security_waits_for_the_terms() {
    let app = app().await;
    let mut c = Client::new(&app);
    assert_eq!(c.log_in("zhangsan", support::DEMO_PASSWORD).await.location.as_deref(), Some("/terms"));
    let page = c.get("/account").await;
    assert!(page.status.is_redirection(), "{} {}", page.status, page.body);
    assert_eq!(page.location.as_deref(), Some("/terms"));
    assert_eq!(c.call("/api/account_security", &[]).await.status, StatusCode::FORBIDDEN);
    let change = [("current_password", support::DEMO_PASSWORD), ("new_password", "N3w#pass!"), ("new_password_confirm", "N3w#pass!")];
    assert_eq!(c.call("/api/change_password", &change).await.status, StatusCode::FORBIDDEN);
    let terms = c.get("/terms").await;
    assert!(!terms.body.contains(r#"href="/account""#), "the terms page does not offer 账户安全 yet");

    let mut ready = ready_holder(&app, "lisi").await;
    let page = ready.get("/account").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(r#"href="/account""#));
}

#[tokio::test]
async fn an_unknown_endorsement_number_is_not_found_and_says_so() {
    let app = app().await;
    let mut c = Client::new(&app);
    let r = c.get("/v/JZ2026010100000000000X").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("没有查到该加注编号对应的加注件"), "{}", r.body);
    assert!(!r.body.contains("证书编号和姓名须同时相符"));
    let api = c.fetch("/api/v1/verify/endorsement/JZ2026010100000000000X").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);

    let (number, _) = support::endorsed_copy(&app, "first-visit").await;
    assert_eq!(c.get(&format!("/v/{number}")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_cross_site_post_gets_a_localised_page() {
    let app = app().await;
    let mut c = Client::new(&app);
    let refused = |locale: Option<&str>| {
        let mut r = Request::post("/api/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "cross-site");
        if let Some(l) = locale {
            r = r.header(header::COOKIE, format!("i18n_pref_locale={l}"));
        }
        r.body(Body::from("username=zhangsan&password=x")).unwrap()
    };
    let zh = c.send(refused(None)).await;
    assert_eq!(zh.status, StatusCode::FORBIDDEN);
    assert!(zh.header("content-type").starts_with("text/html"), "{}", zh.header("content-type"));
    assert!(zh.body.contains("请求已拒绝") && !zh.body.contains("Request refused"), "{}", zh.body);
    assert!(zh.body.contains(r#"lang="zh-CN""#));
    let en = c.send(refused(Some("en"))).await;
    assert_eq!(en.status, StatusCode::FORBIDDEN);
    assert!(en.body.contains("Request refused") && !en.body.contains("请求已拒绝"), "{}", en.body);
    let sessions = zh.set_cookies.iter().chain(&en.set_cookies).filter(|c| c.starts_with("ecert_session=")).count();
    assert_eq!(sessions, 0, "no session was started");
}

#[tokio::test]
async fn every_page_has_one_lang_and_a_favicon() {
    let app = app().await;
    let mut c = Client::new(&app);
    for path in ["/login", "/verify", "/help", "/no-such-page"] {
        let page = c.get(path).await;
        let html_tag = &page.body[page.body.find("<html").unwrap()..];
        let html_tag = &html_tag[..html_tag.find('>').unwrap()];
        assert_eq!(html_tag.matches("lang=").count(), 1, "{path}: {html_tag}");
        assert!(page.body.contains(r#"<link rel="icon" href="/favicon.svg""#), "{path}");
    }
    for path in ["/favicon.svg", "/favicon.ico"] {
        let icon = c.get(path).await;
        assert_eq!(icon.status, StatusCode::OK, "{path}");
        assert_eq!(icon.header("content-type"), "image/svg+xml");
        assert!(icon.body.contains("证"));
    }
}

#[tokio::test]
async fn text_goes_out_compressed_as_the_client_asks() {
    let app = app().await;
    let mut c = Client::new(&app);
    let plain = c.get_with("/login", &[]).await;
    assert_eq!(plain.header("content-encoding"), "");
    let br = c.get_with("/login", &[("accept-encoding", "br, gzip")]).await;
    assert_eq!(br.header("content-encoding"), "br");
    assert!(br.bytes.len() * 2 < plain.bytes.len(), "{} of {}", br.bytes.len(), plain.bytes.len());
    let gzip = c.get_with("/login", &[("accept-encoding", "gzip")]).await;
    assert_eq!(gzip.header("content-encoding"), "gzip");
    assert_eq!(gunzip(&gzip.bytes), plain.body);
    let vary: Vec<_> = gzip.headers.get_all("vary").iter().map(|v| v.to_str().unwrap().to_ascii_lowercase()).collect();
    assert!(vary.iter().any(|v| v.contains("accept-encoding")), "{vary:?}");
    // JSON from the API as well.
    let api = Request::post("/api/v1/verify/certificate")
        .header(header::CONTENT_TYPE, "application/json")
        .header("accept-encoding", "gzip")
        .body(Body::from(r#"{"certificate_number":"0301202203150001","holder_name":"张三"}"#))
        .unwrap();
    let api = c.send(api).await;
    assert_eq!(api.header("content-encoding"), "gzip");
    assert!(gunzip(&api.bytes).contains("\"outcome\""));
    // A PDF is compressed inside already.
    let (_, pdf) = support::endorsed_copy(&app, "compression").await;
    assert!(pdf.starts_with(b"%PDF"), "sent as it is");
}

#[tokio::test]
async fn public_pages_revalidate_and_private_ones_are_never_stored() {
    let app = app().await;
    let mut c = Client::new(&app);
    let login = c.get("/login").await;
    assert_eq!(login.header("cache-control"), "public, max-age=60");
    let vary: Vec<_> = login.headers.get_all("vary").iter().map(|v| v.to_str().unwrap().to_ascii_lowercase()).collect();
    assert!(vary.iter().any(|v| v.contains("cookie")), "{vary:?}");
    let etag = login.header("etag").to_string();
    assert!(etag.starts_with("W/\""), "{etag}");
    let again = c.get_with("/login", &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.bytes.is_empty());
    let other = c.get_with("/login", &[("if-none-match", "W/\"0000\"")]).await;
    assert_eq!(other.status, StatusCode::OK);

    // An English visitor's public pages are cached as a Chinese visitor's:
    // the language cookie is not echoed back on each page.
    let mut english = Client::new(&app);
    let switched = english.get("/locale/en?back=/login").await;
    assert!(switched.set_cookies.iter().any(|c| c.starts_with("i18n_pref_locale=en")), "{:?}", switched.set_cookies);
    let login = english.get("/login").await;
    assert!(login.body.contains(r#"lang="en""#));
    assert!(login.set_cookies.is_empty(), "{:?}", login.set_cookies);
    assert_eq!(login.header("cache-control"), "public, max-age=60");
    assert!(login.header("etag").starts_with("W/\""));
    let back = english.get("/locale/zh-CN?back=/login").await;
    assert!(back.set_cookies.iter().any(|c| c.starts_with("i18n_pref_locale=zh-CN")), "{:?}", back.set_cookies);

    let (number, _) = support::endorsed_copy(&app, "caching").await;
    let qr = c.get(&format!("/v/{number}")).await;
    assert_eq!((qr.status, qr.header("cache-control")), (StatusCode::OK, "public, no-cache"));
    assert!(!qr.header("etag").is_empty());

    let mut holder = ready_holder(&app, "zhangsan").await;
    for path in ["/certificates", "/account", "/verify", "/help"] {
        let page = holder.get(path).await;
        assert_eq!((page.status, page.header("cache-control")), (StatusCode::OK, "private, no-store"), "{path}");
        assert!(page.header("etag").is_empty(), "{path}");
    }
    let list = holder.call("/api/certificates", &[]).await;
    assert_eq!(list.header("cache-control"), "private, no-store");
    let redirect = Client::new(&app).get("/certificates").await;
    assert_eq!(redirect.header("cache-control"), "private, no-store");
}

/// Every page, as a visitor and as a holder. A visitor's page loads the WASM
/// and a module script exactly when it renders an island (`app::has_islands`
/// agrees); a holder's page in the single-page app loads them whether or
/// not it has one (the next page may), and a holder's page outside it does not.
#[tokio::test]
async fn only_pages_with_an_island_load_the_wasm() {
    let app = app().await;
    let mut seen = Vec::new();
    for (mut client, paths, session) in support::every_page(&app, "islands").await {
        for path in paths {
            let page: Reply = client.get(&path).await;
            assert_eq!(page.status, StatusCode::OK, "{path}");
            let island = page.body.contains("<leptos-island");
            assert_eq!(app::has_islands(&path), island, "{path}");
            let client = app::loads_client(&path, session);
            assert_eq!(client, island || (session && app::in_holder_area(&path)), "{path}");
            assert_eq!(page.body.contains(".wasm"), client, "{path}: the WASM is preloaded exactly with the client");
            // Without the client: no module script, nor any script that runs
            // (Leptos' hydration data would carry the response's nonce).
            assert_eq!(page.body.contains(r#"type="module""#), client, "{path}: a module script exactly with the client");
            assert_eq!(page.body.contains("nonce="), client, "{path}: a script that runs exactly with the client");
            seen.push((path.clone(), client));
        }
    }
    assert!(seen.iter().any(|(_, i)| *i) && seen.iter().any(|(_, i)| !*i), "{seen:?}");
}

#[tokio::test]
async fn without_javascript_a_page_with_a_copy_being_made_reloads_itself() {
    let mut idle = server::worker::WorkerConfig::new(1);
    idle.workers = 0;
    let app = app_with_workers(idle).await;
    let mut holder = ready_holder(&app, "zhangsan").await;
    let id = certificate_id(&mut holder, "0301202203150001").await.to_string();
    let path = format!("/certificates/{id}/download");
    let before = holder.get(&path).await;
    assert!(!before.body.contains(r#"http-equiv="refresh""#), "nothing being made: no reload");
    let form = [("certificate_id", id.as_str()), ("scenario", "own_use"), ("days", "30"), ("form_key", "nojs-refresh")];
    assert_eq!(holder.call("/api/apply_endorsement", &form).await.status, StatusCode::OK);
    let page = holder.get(&path).await;
    assert!(page.body.contains("页面会自动更新"), "the hint");
    assert!(page.body.contains(r#"<noscript><meta http-equiv="refresh" content="2"></noscript>"#), "{}", page.body);
}
