//! 账户安全 through HTTP: changing the password and 退出其他设备 end every
//! other session of the account (holder or staff) at once and keep the one
//! that asked; bad changes change nothing; applications are throttled.

use crate::support::{self, app, ready_holder, staff, staff_client, Client, DEMO_PASSWORD, STAFF_PASSWORD};
use axum::http::StatusCode;
use tower_sessions::SessionStore;

const NEW_PASSWORD: &str = "Renewed#2027";

fn change(current: &'static str, new: &'static str, confirm: &'static str) -> [(&'static str, &'static str); 3] {
    [("current_password", current), ("new_password", new), ("new_password_confirm", confirm)]
}

#[tokio::test]
async fn changing_the_password_ends_every_other_session_and_keeps_this_one() {
    let app = app().await;
    let mut laptop = ready_holder(&app, "zhangsan").await;
    let mut phone = ready_holder(&app, "zhangsan").await;
    let mut lisi = ready_holder(&app, "lisi").await;

    // Wrong current password, weak or mismatched new one: refused, nothing changes.
    let wrong = laptop.call("/api/change_password", &change("Wrong#2026x", NEW_PASSWORD, NEW_PASSWORD)).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong.body);
    assert!(wrong.body.contains("current_password_wrong"), "{}", wrong.body);
    let weak = laptop.call("/api/change_password", &change(DEMO_PASSWORD, "password", "other")).await;
    assert!(weak.body.contains("password_too_weak") && weak.body.contains("password_mismatch"), "{}", weak.body);
    let same = laptop.call("/api/change_password", &change(DEMO_PASSWORD, DEMO_PASSWORD, DEMO_PASSWORD)).await;
    assert!(same.body.contains("password_unchanged"), "{}", same.body);
    assert_eq!(phone.call("/api/certificates", &[]).await.status, StatusCode::OK, "still signed in");

    let changed = laptop.call("/api/change_password", &change(DEMO_PASSWORD, NEW_PASSWORD, NEW_PASSWORD)).await;
    assert_eq!(changed.location.as_deref(), Some("/account?changed=1"), "{} {}", changed.status, changed.body);
    assert!(!changed.set_cookies.is_empty(), "the session that changed it gets a new id");
    assert_eq!(laptop.call("/api/certificates", &[]).await.status, StatusCode::OK, "this session stays");
    assert_eq!(phone.call("/api/certificates", &[]).await.status, StatusCode::UNAUTHORIZED, "the other one ends");
    assert_eq!(phone.get("/certificates").await.location.as_deref(), Some("/login"));
    assert_eq!(lisi.call("/api/certificates", &[]).await.status, StatusCode::OK, "other holders are untouched");

    let mut fresh = Client::new(&app);
    assert_eq!(fresh.log_in("zhangsan", DEMO_PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(fresh.log_in("zhangsan", NEW_PASSWORD).await.location.as_deref(), Some("/certificates"));

    // 最近登录记录, newest first: this login, the old password tried, the change, the wrong current password…
    let overview = fresh.call("/api/account_security", &[]).await.json();
    assert_eq!(overview[0], "zhangsan");
    let kinds: Vec<&str> = overview[1].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(&kinds[..4], ["signed_in", "failed", "password_changed", "failed"], "{overview}");
    let lisi_kinds = lisi.call("/api/account_security", &[]).await.json();
    assert!(lisi_kinds[1].as_array().unwrap().iter().all(|e| e["kind"] == "signed_in"), "only lisi's own");

    let events = app.store.recent_audit_events(30).await.unwrap();
    assert_eq!(events.iter().filter(|(e, _, _)| e == "password_changed").count(), 1);
    let failed = events.iter().filter(|(e, _, s)| e == "login_failed" && s.as_deref() == Some("zhangsan")).count();
    assert_eq!(failed, 2, "the wrong current password and the old password at login");
}

#[tokio::test]
async fn ending_other_sessions_keeps_only_this_one() {
    let app = app().await;
    let mut here = ready_holder(&app, "zhangsan").await;
    let mut elsewhere = ready_holder(&app, "zhangsan").await;
    let ended = here.call("/api/end_other_sessions", &[]).await;
    assert_eq!(ended.location.as_deref(), Some("/account?ended=1"), "{} {}", ended.status, ended.body);
    assert_eq!(here.call("/api/certificates", &[]).await.status, StatusCode::OK);
    assert_eq!(elsewhere.call("/api/certificates", &[]).await.status, StatusCode::UNAUTHORIZED);
    // Signing in again works as before: the password did not change.
    let mut again = Client::new(&app);
    assert_eq!(again.log_in("zhangsan", DEMO_PASSWORD).await.location.as_deref(), Some("/certificates"));
    assert_eq!(here.call("/api/certificates", &[]).await.status, StatusCode::OK, "a new sign-in ends nothing");
    // Anonymous callers have no sessions to end.
    assert_eq!(Client::new(&app).call("/api/end_other_sessions", &[]).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn staff_change_their_password_on_the_portal() {
    let app = app().await;
    staff(&app, "root", None).await;
    let (mut desk, mut other) = (staff_client(&app, "root").await, staff_client(&app, "root").await);
    let changed = desk.call("/api/change_password", &change(STAFF_PASSWORD, NEW_PASSWORD, NEW_PASSWORD)).await;
    assert_eq!(changed.location.as_deref(), Some("/admin/account?changed=1"), "{}", changed.body);
    assert_eq!(desk.get("/admin").await.status, StatusCode::OK);
    assert_eq!(other.get("/admin").await.status, StatusCode::NOT_FOUND, "the other staff session ended");
    let mut c = Client::new(&app);
    let login = c.call("/api/staff_login", &[("username", "root"), ("password", NEW_PASSWORD)]).await;
    assert_eq!(login.location.as_deref(), Some("/admin"));
}

/// A page runs several server functions at once and each checks the
/// session: one that no longer holds must be turned away cleanly every time.
/// When each function ended it on its own, one could find the session
/// emptied while another's delete still ran, and the page answered first:
/// tower-sessions then saved a session without an id (HTTP 500, about one
/// page in 150). A trigger makes each delete slow so that the race is run
/// every time; the same ended session is put back before each try.
#[tokio::test]
async fn an_ended_session_is_turned_away_cleanly_on_every_page() {
    let app = app().await;
    staff(&app, "root", None).await;
    let (staff_here, staff_ended) = (staff_client(&app, "root").await, staff_client(&app, "root").await);
    let (holder_here, holder_ended) = (ready_holder(&app, "zhangsan").await, ready_holder(&app, "zhangsan").await);
    let sessions = app::store::sessions::SessionRecords::connect(&app.settings.database_url).await.unwrap();
    slow_session_deletes(&app).await;
    for (mut here, mut ended, page, turned_away) in [
        (staff_here, staff_ended, "/admin", StatusCode::NOT_FOUND),
        (holder_here, holder_ended, "/certificates", StatusCode::FOUND),
    ] {
        assert_eq!(ended.get(page).await.status, StatusCode::OK, "signed in at first");
        let id = ended.cookies[server::router::SESSION_COOKIE].clone();
        let record = sessions.load(&id.parse().unwrap()).await.unwrap().expect("the session is stored");
        assert!(here.call("/api/end_other_sessions", &[]).await.location.is_some());
        for attempt in 0..20 {
            // Put back as it was (it has been deleted, so it keeps its id).
            sessions.create(&mut record.clone()).await.unwrap();
            ended.cookies.insert(server::router::SESSION_COOKIE.to_string(), id.clone());
            let reply = tokio::time::timeout(std::time::Duration::from_secs(20), ended.get(page))
                .await
                .unwrap_or_else(|_| panic!("{page}, attempt {attempt}: no answer in 20 s"));
            assert_eq!(reply.status, turned_away, "{page}, attempt {attempt}");
            let left = sessions.load(&id.parse().unwrap()).await.unwrap();
            assert!(left.is_none(), "the ended session is deleted, not saved back");
        }
        assert_eq!(here.get(page).await.status, StatusCode::OK, "the session that asked stays");
    }
}

/// Makes every delete of a session record take a while (SQLite: a busy
/// count in a trigger; PostgreSQL: a sleep in one).
async fn slow_session_deletes(app: &support::TestApp) {
    let statements: &[&str] = match app.store.backend() {
        app::store::Backend::Sqlite => &["CREATE TRIGGER slow_session_delete BEFORE DELETE ON tower_sessions BEGIN
            SELECT count(*) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) SELECT i FROM n);
            END"],
        app::store::Backend::Postgres => &[
            "CREATE FUNCTION slow_session_delete() RETURNS trigger LANGUAGE plpgsql AS
             $$ BEGIN PERFORM pg_sleep(0.02); RETURN OLD; END $$",
            "CREATE TRIGGER slow_session_delete BEFORE DELETE ON tower_sessions.session
             FOR EACH ROW EXECUTE FUNCTION slow_session_delete()",
        ],
    };
    for sql in statements {
        sqlx::query(sql).execute(app.store.pool()).await.unwrap();
    }
}

#[tokio::test]
async fn without_javascript_a_refused_change_comes_back_with_its_message_and_no_passwords() {
    let app = app().await;
    let mut c = ready_holder(&app, "zhangsan").await;
    let form = c.submit("/api/change_password", &change("Wrong#2026x", NEW_PASSWORD, NEW_PASSWORD)).await;
    assert_eq!(form.location.as_deref(), Some("/account"));
    let page = c.get("/account").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("当前密码不正确"), "{}", page.body);
    assert!(!page.body.contains("Wrong#2026x") && !page.body.contains(NEW_PASSWORD), "passwords are never echoed");
    assert_eq!(Client::new(&app).get("/account").await.location.as_deref(), Some("/login"));
}

#[tokio::test]
async fn applications_are_throttled_per_holder() {
    let env = [("ECERT_APPLICATIONS_PER_MINUTE", "2"), ("ECERT_LOGIN_PER_MINUTE", "1000")];
    let app = support::app_with(server::worker::WorkerConfig::new(1), &env).await;
    let mut zhang = ready_holder(&app, "zhangsan").await;
    let list = zhang.call("/api/certificates", &[]).await.json();
    let id = list[0]["id"].as_i64().unwrap().to_string();
    for key in ["k1", "k2"] {
        let form = [("certificate_id", id.as_str()), ("scenario", "own_use"), ("days", "30"), ("form_key", key)];
        let applied = zhang.call("/api/apply_endorsement", &form).await;
        assert_ne!(applied.status, StatusCode::TOO_MANY_REQUESTS, "{}", applied.body);
    }
    let form = [("certificate_id", id.as_str()), ("scenario", "own_use"), ("days", "30"), ("form_key", "k3")];
    let third = zhang.call("/api/apply_endorsement", &form).await;
    assert_eq!(third.status, StatusCode::TOO_MANY_REQUESTS, "{}", third.body);
    let mut lisi = ready_holder(&app, "lisi").await;
    let theirs = lisi.call("/api/certificates", &[]).await.json();
    let lid = theirs[0]["id"].as_i64().unwrap().to_string();
    let form = [("certificate_id", lid.as_str()), ("scenario", "own_use"), ("days", "30"), ("form_key", "k1")];
    assert_ne!(lisi.call("/api/apply_endorsement", &form).await.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_session_in_use_outlives_its_idle_time() {
    use tower_sessions::cookie::time::{Duration, OffsetDateTime};
    use tower_sessions::session::Id;

    let app = app().await;
    let mut zhang = ready_holder(&app, "zhangsan").await;
    // Saved at sign-in a moment ago: a request now writes nothing.
    let quiet = zhang.call("/api/certificates", &[]).await;
    assert_eq!(quiet.status, StatusCode::OK);
    assert!(quiet.set_cookies.is_empty(), "{:?}", quiet.set_cookies);

    // Twenty minutes of work later, ten minutes before the idle expiry…
    let sessions = app::store::sessions::SessionRecords::connect(&app.settings.database_url).await.unwrap();
    let id: Id = zhang.cookies[server::router::SESSION_COOKIE].parse().unwrap();
    let mut record = sessions.load(&id).await.unwrap().unwrap();
    let now = OffsetDateTime::now_utc();
    let touched = now.unix_timestamp() - 20 * 60;
    record.data.insert("touched_at".into(), serde_json::json!(touched));
    record.expiry_date = now + Duration::minutes(10);
    sessions.save(&record).await.unwrap();
    // …the next request pushes the expiry back by the full idle time, in the
    // database and in the browser's cookie.
    let busy = zhang.call("/api/certificates", &[]).await;
    assert_eq!(busy.status, StatusCode::OK);
    let idle = app.settings.session_idle_minutes;
    let cookie = busy.set_cookies.iter().find(|c| c.starts_with("ecert_session=")).expect("the cookie is renewed");
    assert!(cookie.contains(&format!("Max-Age={}", idle * 60)), "{cookie}");
    let renewed = sessions.load(&id).await.unwrap().unwrap();
    assert!(renewed.expiry_date > now + Duration::minutes(idle - 1), "{:?}", renewed.expiry_date);
    assert!(renewed.data["touched_at"].as_i64().unwrap() >= now.unix_timestamp());
}
