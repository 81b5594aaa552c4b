//! Accounts, sessions and the terms gate through the real router, with
//! server functions called as the WASM client and as plain HTML forms.

use crate::support::{app, zhaoliu_form, Client, DEMO_PASSWORD};
use axum::http::StatusCode;

fn with<'a>(form: &[(&'a str, &'a str)], key: &str, value: &'a str) -> Vec<(&'a str, &'a str)> {
    form.iter().map(|(k, v)| (*k, if *k == key { value } else { *v })).collect()
}

#[tokio::test]
async fn register_login_terms_and_list() {
    let app = app().await;
    let mut c = Client::new(&app);

    // The WASM client gets 200 and the address to go to; it navigates itself.
    let r = c.call("/api/register", &zhaoliu_form()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.location.as_deref(), Some("/login?registered=1"));

    // A failed no-JavaScript login leaves an anonymous session (holding the
    // form's error); logging in must replace its id (no session fixation).
    let r = c.submit("/api/login", &[("username", "zhaoliu"), ("password", "wrong")]).await;
    assert_eq!(r.location.as_deref(), Some("/login"));
    let anonymous_id = c.cookies.get("ecert_session").cloned().expect("anonymous session");
    let mut planted = Client::new(&app);
    planted.cookies.insert("ecert_session".into(), anonymous_id.clone());

    let r = c.log_in("ZhaoLiu", "Zl#2026pass").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.location.as_deref(), Some("/terms"), "first login goes to the terms");
    let cookie = r.set_cookies.iter().find(|c| c.starts_with("ecert_session=")).expect("session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert_ne!(c.cookies.get("ecert_session"), Some(&anonymous_id));
    assert_eq!(planted.call("/api/terms", &[]).await.status, StatusCode::UNAUTHORIZED, "old id is worthless");

    // Nothing but the terms until they are accepted.
    let r = c.call("/api/certificates", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("TermsNotAccepted"), "{}", r.body);
    let r = c.get("/certificates").await;
    assert_eq!((r.status, r.location.as_deref()), (StatusCode::FOUND, Some("/terms")));

    let r = c.get("/terms").await;
    assert!(r.body.contains("服务须知") && r.body.contains("同意"), "{}", r.body);
    let r = c.call("/api/accept_terms", &[("version", app::terms::CURRENT)]).await;
    assert_eq!((r.status, r.location.as_deref()), (StatusCode::OK, Some("/certificates")));

    // Exactly the demo certificates issued to 赵六's ID document.
    let r = c.call("/api/certificates", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let list: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let numbers: Vec<&str> =
        list.as_array().unwrap().iter().map(|c| c["certificate_number"].as_str().unwrap()).collect();
    assert_eq!(numbers, vec!["0301202405200031", "0501202011210044"]);
    let page = c.get("/certificates").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("0301202405200031") && page.body.contains("注册安全工程师"));

    // The next login goes straight to the list; logout ends the session.
    let r = c.call("/api/logout", &[]).await;
    assert_eq!(r.location.as_deref(), Some("/login"));
    let r = c.call("/api/certificates", &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = c.log_in("zhaoliu", "Zl#2026pass").await;
    assert_eq!(r.location.as_deref(), Some("/certificates"));

    // The start's entries aside: the workers' (the demo's pending copy is
    // made at start) and the demo's platform accounts.
    let events: Vec<String> = app.store.recent_audit_events(10).await.unwrap().into_iter().map(|e| e.0).collect();
    let events: Vec<&String> =
        events.iter().filter(|e| !e.starts_with("endorsement_") && *e != "accounts_imported").collect();
    assert_eq!(
        events,
        vec!["login_succeeded", "logout", "terms_accepted", "login_succeeded", "login_failed", "register"],
        "newest first"
    );
}

#[tokio::test]
async fn wrong_credentials_get_one_answer() {
    let app = app().await;
    let mut c = Client::new(&app);
    let wrong_password = c.log_in("zhangsan", "Wrong#2026").await;
    let unknown_user = c.log_in("nobody", DEMO_PASSWORD).await;
    assert_eq!(wrong_password.status, StatusCode::UNAUTHORIZED);
    assert_eq!((wrong_password.status, &wrong_password.body), (unknown_user.status, &unknown_user.body));
    assert!(wrong_password.body.contains("InvalidCredentials"));
    let huge = "A".repeat(10_000);
    let r = c.log_in("zhangsan", &huge).await;
    assert_eq!((r.status, &r.body), (unknown_user.status, &unknown_user.body));
    assert!(c.call("/api/certificates", &[]).await.status == StatusCode::UNAUTHORIZED);
    // The workers' entries aside (the demo's pending copy is made at start, at any moment).
    let events = app.store.recent_audit_events(10).await.unwrap();
    let events: Vec<_> = events.iter().filter(|e| !e.0.starts_with("endorsement_")).take(3).collect();
    assert!(events.iter().all(|e| e.0 == "login_failed"), "{events:?}");
    assert_eq!(events[2].2.as_deref(), Some("zhangsan"));
}

#[tokio::test]
async fn bad_registrations_change_nothing() {
    let app = app().await;
    let mut c = Client::new(&app);
    let form = zhaoliu_form();

    let r = c.call("/api/register", &with(&form, "id_number", "420106198802140021")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id_number_checksum"), "{}", r.body);

    let r = c.call("/api/register", &with(&form, "username", "zhangsan")).await;
    assert!(r.body.contains("username_taken"), "{}", r.body);

    // 张三's ID is registered already; the message names that, not the user.
    let r = c.call("/api/register", &with(&with(&form, "id_number", "110105198503150019"), "username", "other1")).await;
    assert!(r.body.contains("id_already_registered"), "{}", r.body);

    let r = c.call("/api/register", &with(&form, "password_confirm", "Different#1")).await;
    assert!(r.body.contains("password_mismatch"), "{}", r.body);

    let r = c.call("/api/register", &with(&form, "id_type", "library_card")).await;
    assert!(r.body.contains("id_type_unknown"), "{}", r.body);

    // Letters the certificate font cannot print (Ethiopic here) would make every copy fail.
    let r = c.call("/api/register", &with(&form, "real_name", "赵ሀ")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("real_name_unprintable"), "{}", r.body);

    let r = c.call("/api/register", &[("username", "x")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "missing fields: {}", r.body);

    for username in ["zhaoliu", "other1"] {
        assert!(!app.store.username_exists(username).await.unwrap(), "{username} must not exist");
    }
    // And the good form still works afterwards.
    assert_eq!(c.call("/api/register", &form).await.location.as_deref(), Some("/login?registered=1"));
}

#[tokio::test]
async fn without_javascript_errors_and_values_come_back_on_the_page() {
    let app = app().await;
    let mut c = Client::new(&app);
    let form = with(&with(&zhaoliu_form(), "id_number", "42010619880214002X"), "real_name", "赵 六");
    let r = c.submit("/api/register", &form).await;
    assert_eq!((r.status, r.location.as_deref()), (StatusCode::FOUND, Some("/register")));

    let page = c.get("/register").await;
    assert!(page.body.contains("证件号码校验位不正确"), "{}", page.body);
    assert!(page.body.contains(r#"value="42010619880214002X""#), "typed ID number kept");
    assert!(page.body.contains("zhaoliu@example.cn"), "e-mail kept");
    assert!(!page.body.contains("Zl#2026pass"), "passwords are never echoed");

    // Shown once: a reload is a clean form.
    let again = c.get("/register").await;
    assert!(!again.body.contains("证件号码校验位不正确"));

    let r = c.submit("/api/login", &[("username", "zhangsan"), ("password", "nope")]).await;
    assert_eq!(r.location.as_deref(), Some("/login"));
    let page = c.get("/login").await;
    assert!(page.body.contains("用户名或密码错误"), "{}", page.body);

    let r = c.submit("/api/login", &[("username", "zhangsan"), ("password", DEMO_PASSWORD)]).await;
    assert_eq!((r.status, r.location.as_deref()), (StatusCode::FOUND, Some("/terms")));
}

#[tokio::test]
async fn anonymous_pages_redirect_to_login() {
    let app = app().await;
    let mut c = Client::new(&app);
    for path in ["/", "/certificates", "/certificates/1", "/certificates/1/download", "/terms"] {
        let r = c.get(path).await;
        assert_eq!(r.status, StatusCode::FOUND, "{path}");
        let to = r.location.unwrap();
        assert!(to == "/login" || (path == "/" && to == "/certificates"), "{path} -> {to}");
    }
    assert_eq!(c.call("/api/certificate", &[("id", "1")]).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(c.call("/api/terms", &[]).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn language_switch_persists_in_a_cookie() {
    let app = app().await;
    let mut c = Client::new(&app);
    let page = c.get("/login").await;
    assert!(page.body.contains(r#"lang="zh-CN""#) && page.body.contains("用户登录"));

    let r = c.get("/locale/en?back=/register").await;
    assert_eq!((r.status, r.location.as_deref()), (StatusCode::SEE_OTHER, Some("/register")));
    let page = c.get("/login").await;
    assert!(page.body.contains(r#"lang="en""#), "{}", page.body);
    assert!(page.body.contains("Log in") && !page.body.contains("用户登录"));

    assert_eq!(c.get("/locale/fr").await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get("/locale/zh-CN?back=//evil.example").await.location.as_deref(), Some("/"));
}

#[tokio::test]
async fn unknown_pages_are_404() {
    let app = app().await;
    let mut c = Client::new(&app);
    let r = c.get("/no/such/page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("未找到"));
}
