//! Response headers on every page, and state-changing requests from other
//! sites refused (and logged) while this site's and API clients' pass.

use crate::support::{self, app, Client};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};

#[tokio::test]
async fn pages_carry_the_security_headers() {
    let app = app().await;
    let page = Client::new(&app).get("/login").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("x-frame-options"), "DENY");
    assert_eq!(page.header("x-content-type-options"), "nosniff");
    assert_eq!(page.header("referrer-policy"), "same-origin");
    let policy = page.header("content-security-policy");
    assert!(policy.contains("frame-ancestors 'none'") && policy.contains("object-src 'none'"), "{policy}");
    assert_eq!(page.header("strict-transport-security"), "", "only when configured for HTTPS");

    // Scripts (on a page with an island; the others have none): only those
    // carrying this response's nonce, and what they load.
    let page = Client::new(&app).get("/verify").await;
    let policy = page.header("content-security-policy");
    let nonce = policy.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect(policy);
    assert!(nonce.len() >= 22, "128 bits: {nonce}");
    assert!(policy.contains("script-src 'self' 'nonce-") && policy.contains("'wasm-unsafe-eval'"), "{policy}");
    assert!(!policy.contains("unsafe-inline") && !policy.contains("'unsafe-eval'"), "{policy}");
    // (An empty `<script></script>` runs nothing, and browsers skip it before any policy check.)
    let scripts = page.body.matches("<script").count() - page.body.matches("<script></script>").count();
    assert!(scripts > 0);
    assert_eq!(page.body.matches(&format!("nonce=\"{nonce}\"")).count(), scripts, "every script has the nonce");
    let again = Client::new(&app).get("/verify").await;
    assert!(!again.header("content-security-policy").contains(nonce), "a new nonce for every response");
}

#[tokio::test]
async fn a_post_from_another_site_is_refused_and_logged() {
    let app = app().await;
    let mut c = Client::new(&app);
    let login = |origin: Option<&str>, site: Option<&str>| {
        let mut r = Request::post("/api/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::HOST, "127.0.0.1:3000");
        if let Some(o) = origin {
            r = r.header(header::ORIGIN, o);
        }
        if let Some(s) = site {
            r = r.header("sec-fetch-site", s);
        }
        r.body(Body::from("username=zhangsan&password=Ecert%402026")).unwrap()
    };
    let evil = c.send(login(Some("https://evil.example"), None)).await;
    assert_eq!(evil.status, StatusCode::FORBIDDEN);
    assert!(evil.set_cookies.is_empty(), "no session was started");
    let cross = c.send(login(None, Some("cross-site"))).await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);

    let ours = c.send(login(Some("http://127.0.0.1:3000"), Some("same-origin"))).await;
    assert_eq!(ours.location.as_deref(), Some("/terms"), "{} {}", ours.status, ours.body);
    // The public API takes no cookies: any origin may call it.
    let api = Request::post("/api/v1/verify/certificate")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ORIGIN, "https://employer.example")
        .body(Body::from(r#"{"certificate_number":"0301202203150001","holder_name":"张三"}"#))
        .unwrap();
    assert_eq!(c.send(api).await.status, StatusCode::OK);

    let events = app.store.recent_audit_events(20).await.unwrap();
    assert_eq!(
        events.iter().filter(|(e, _, s)| e == "cross_site_refused" && s.as_deref() == Some("/api/login")).count(),
        2
    );
}

#[tokio::test]
async fn guessing_passwords_is_throttled_per_username() {
    let env = [("ECERT_LOGIN_PER_MINUTE", "3"), ("ECERT_VERIFY_BURST", "1000")];
    let app = support::app_with(server::worker::WorkerConfig::new(1), &env).await;
    let mut c = Client::new(&app);
    for _ in 0..3 {
        let wrong = c.call("/api/login", &[("username", "zhangsan"), ("password", "Wrong#2026x")]).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    // The right password does not help once the username is throttled.
    let refused = c.call("/api/login", &[("username", "zhangsan"), ("password", support::DEMO_PASSWORD)]).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{}", refused.body);
    assert!(refused.body.contains("RateLimited"));
    assert_eq!(refused.location, None, "not signed in");
    // Without JavaScript: back to the form, with the message.
    let form = c.submit("/api/login", &[("username", "zhangsan"), ("password", "x")]).await;
    assert_eq!(form.location.as_deref(), Some("/login"));
    let page = c.get("/login").await;
    assert!(page.body.contains("操作过于频繁"), "{}", page.body);
    let events = app.store.recent_audit_events(20).await.unwrap();
    assert!(events.iter().filter(|(e, _, s)| e == "throttled" && s.as_deref() == Some("zhangsan")).count() >= 2);
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_lifetime_however_active() {
    let env = [("ECERT_SESSION_ABSOLUTE_HOURS", "0"), ("ECERT_LOGIN_PER_MINUTE", "1000")];
    let app = support::app_with(server::worker::WorkerConfig::new(1), &env).await;
    let mut c = Client::new(&app);
    assert_eq!(c.log_in("zhangsan", support::DEMO_PASSWORD).await.location.as_deref(), Some("/terms"));
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(c.call("/api/certificates", &[]).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(c.get("/certificates").await.location.as_deref(), Some("/login"));
}

/// Behind a trusted proxy each client has its own verification budget; a
/// client talking to us directly cannot borrow others' by sending the header.
#[tokio::test]
async fn clients_behind_a_trusted_proxy_are_told_apart_and_others_cannot_pose_as_them() {
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;
    let env =
        [("ECERT_TRUSTED_PROXIES", "127.0.0.1/32"), ("ECERT_VERIFY_BURST", "1"), ("ECERT_VERIFY_PER_MINUTE", "1")];
    let app = support::app_with(server::worker::WorkerConfig::new(1), &env).await;
    let mut c = Client::new(&app);
    let check = |peer: &str, forwarded: &str| {
        let mut r = Request::get("/api/v1/verify/endorsement/E000000000000000").body(Body::empty()).unwrap();
        r.headers_mut().insert("x-forwarded-for", forwarded.parse().unwrap());
        r.extensions_mut().insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        r
    };
    let first = c.send(check("127.0.0.1:50000", "198.51.100.1")).await.status;
    assert_ne!(first, StatusCode::TOO_MANY_REQUESTS);
    assert_ne!(c.send(check("127.0.0.1:50001", "198.51.100.2")).await.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(c.send(check("127.0.0.1:50002", "198.51.100.1")).await.status, StatusCode::TOO_MANY_REQUESTS);
    // Direct clients: the header is ignored, the peer address counts.
    assert_ne!(c.send(check("203.0.113.9:40000", "198.51.100.3")).await.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(c.send(check("203.0.113.9:40001", "198.51.100.4")).await.status, StatusCode::TOO_MANY_REQUESTS);
}
