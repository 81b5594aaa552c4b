//! Access control, one table: every server function and route that takes an
//! id, number or token, called by someone it does not belong to — another
//! holder, an anonymous client, another staff member — answers "not found"
//! (or "sign in" for anonymous holder calls), and nothing changes.

use crate::support::{app, endorsed_copy, ready_holder, Client, TestApp};
use axum::http::StatusCode;

async fn snapshot(app: &TestApp) -> (i64, i64, i64) {
    let count =
        |sql: &'static str| async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(app.store.pool()).await.unwrap() };
    (
        count("SELECT COUNT(*) FROM endorsements").await,
        count("SELECT COUNT(*) FROM certificates WHERE status = 'revoked'").await,
        count("SELECT COUNT(*) FROM certificates").await,
    )
}

#[tokio::test]
async fn what_is_not_yours_is_not_found_and_stays_unchanged() {
    let app = app().await;
    // 张三's certificate and a ready copy of it.
    let (_, _) = endorsed_copy(&app, "mine").await;
    let mut zhang = ready_holder(&app, "zhangsan").await;
    let list = zhang.call("/api/certificates", &[]).await.json();
    let cert = list.as_array().unwrap().iter().find(|c| c["certificate_number"] == "0301202203150001").unwrap()["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let legacy = list.as_array().unwrap().iter().find(|c| c["certificate_number"] == "0501201911200017").unwrap()["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let copies = zhang.call("/api/endorsements", &[("certificate_id", &cert)]).await.json();
    let copy = copies[0]["id"].as_i64().unwrap().to_string();
    let before = snapshot(&app).await;

    let mut li = ready_holder(&app, "lisi").await;
    let mut nobody = Client::new(&app);
    let posts: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("/api/certificate", vec![("id", &cert)]),
        ("/api/endorsements", vec![("certificate_id", &cert)]),
        ("/api/endorsement_form", vec![("certificate_id", &cert)]),
        (
            "/api/apply_endorsement",
            vec![("certificate_id", &cert), ("scenario", "own_use"), ("days", "30"), ("form_key", "theirs")],
        ),
        ("/api/retry_endorsement", vec![("certificate_id", &cert), ("id", &copy)]),
    ];
    let gets = [
        format!("/api/endorsement_file?id={copy}&download=true"),
        format!("/api/certificate_file?id={legacy}&download=true"),
    ];
    let pages = [format!("/certificates/{cert}"), format!("/certificates/{cert}/download")];
    for (path, form) in &posts {
        let theirs = li.call(path, form).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND, "another holder: {path}: {}", theirs.body);
        let anonymous = nobody.call(path, form).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "anonymous: {path}");
    }
    for path in &gets {
        let theirs = li.fetch(path).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND, "another holder: {path}");
        assert!(!theirs.bytes.starts_with(b"%PDF"), "{path}");
        let anonymous = nobody.fetch(path).await;
        assert!(
            matches!(anonymous.status, StatusCode::UNAUTHORIZED | StatusCode::SEE_OTHER | StatusCode::FOUND),
            "anonymous: {path}: {}",
            anonymous.status
        );
        assert!(!anonymous.bytes.starts_with(b"%PDF"), "{path}");
    }
    for path in &pages {
        let theirs = li.get(path).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND, "another holder: {path}");
        assert!(!theirs.body.contains("0301202203150001"), "{path}");
        let anonymous = nobody.get(path).await;
        assert_eq!(anonymous.location.as_deref(), Some("/login"), "anonymous: {path}");
    }
    // Holders on the portal's functions.
    for (path, form) in [
        ("/api/admin_certificate", vec![("number", "0301202203150001")]),
        ("/api/change_revocation", vec![("number", "0301202203150001"), ("action", "revoke"), ("reason", "x")]),
        ("/api/import_preview", vec![("token", "00000000000000000000000000000000")]),
        ("/api/commit_import", vec![("token", "00000000000000000000000000000000")]),
        ("/api/account_import_preview", vec![("token", "00000000000000000000000000000000")]),
        ("/api/commit_account_import", vec![("token", "00000000000000000000000000000000")]),
        ("/api/seal_keys", vec![]),
        ("/api/rotate_seal_key", vec![("seal_code", "mohrss")]),
        ("/api/catalog", vec![]),
        ("/api/save_seal", vec![("code", "x"), ("name", "章"), ("authority", "机构")]),
    ] {
        assert_eq!(zhang.call(path, &form).await.status, StatusCode::NOT_FOUND, "holder on {path}");
        assert_eq!(nobody.call(path, &form).await.status, StatusCode::NOT_FOUND, "anonymous on {path}");
    }
    assert_eq!(snapshot(&app).await, before, "nothing changed");

    // Each refusal is in the audit log with who asked.
    let events = app.store.recent_audit_events(1000).await.unwrap();
    let refused = |path: &str, by_holder: bool| {
        events.iter().any(|(e, holder, subject)| {
            e == "access_refused"
                && holder.is_some() == by_holder
                && subject.as_deref().is_some_and(|s| s.starts_with(path))
        })
    };
    for path in posts.iter().map(|(p, _)| p.to_string()).chain(gets).chain(pages) {
        let path = path.split('?').next().unwrap(); // the path only: a query is the caller's text
        assert!(refused(path, true), "another holder on {path} is audited");
    }
    assert!(refused("/api/rotate_seal_key", true), "a holder on the portal");
    assert!(!refused("/api/rotate_seal_key", false), "anonymous refusals are not audited (anyone can send them)");
}

#[tokio::test]
async fn one_staff_members_upload_is_not_anothers() {
    let app = app().await;
    let hash = app::auth::password::hash("Staff#2026pass");
    app.store.create_staff("root", &hash, "甲", app::domain::staff::Role::Admin, None).await.unwrap();
    app.store.create_staff("root2", &hash, "乙", app::domain::staff::Role::Admin, None).await.unwrap();
    let token = app.store.keep_pending_import(1, "certificates", "a.csv", app::service::import::sample::csv(0, 1).as_bytes()).await.unwrap();
    let mut other = Client::new(&app);
    let login = other.call("/api/staff_login", &[("username", "root2"), ("password", "Staff#2026pass")]).await;
    assert_eq!(login.location.as_deref(), Some("/admin"));
    assert_eq!(other.call("/api/import_preview", &[("token", &token)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(other.call("/api/commit_import", &[("token", &token)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(other.get(&format!("/admin/import/{token}")).await.status, StatusCode::NOT_FOUND);
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM certificates").fetch_one(app.store.pool()).await.unwrap();
    assert_eq!(count, 16, "only the demo certificates");
    // Nor an administrator's accounts upload another's.
    let file = app::service::account_import::sample::csv(0, 1);
    let token = app.store.keep_pending_import(1, "accounts", "a.csv", file.as_bytes()).await.unwrap();
    assert_eq!(other.call("/api/account_import_preview", &[("token", &token)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(other.call("/api/commit_account_import", &[("token", &token)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(other.get(&format!("/admin/accounts/import/{token}")).await.status, StatusCode::NOT_FOUND);
    let holders: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM holders WHERE username LIKE 'ks%'").fetch_one(app.store.pool()).await.unwrap();
    assert_eq!(holders, 0);
}
