//! 使用报名服务平台账号登录 against a real OpenID Provider: panva's
//! oidc-provider, started from end2end/oidc/provider.mjs (the npm package
//! scripts/setup.sh installs in end2end/). A first visit makes the holder, a
//! returning one signs in, a local account links only after its password,
//! and every forged, replayed, expired or mismatched callback is refused,
//! audited and explained on the sign-in page.

use std::process::Stdio;
use std::time::Duration;

use crate::support::{self, Client, TestApp, DEMO_PASSWORD};

/// Where ecert says it lives: the provider registers this callback.
const ECERT: &str = "http://ecert.test";

struct Provider {
    child: std::process::Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn provider(port: u16) -> Provider {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    assert!(
        std::path::Path::new(root).join("end2end/node_modules/oidc-provider").exists(),
        "the test OpenID Provider is missing: run scripts/setup.sh (npm ci in end2end/)"
    );
    let child = std::process::Command::new("node")
        .arg("end2end/oidc/provider.mjs")
        .current_dir(root)
        .env("OIDC_PORT", port.to_string())
        .env("ECERT_CALLBACKS", format!("{ECERT}/api/platform_callback"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("node runs");
    let issuer = format!("http://127.0.0.1:{port}");
    let discovery = format!("{issuer}/.well-known/openid-configuration");
    for _ in 0..100 {
        if reqwest::get(&discovery).await.is_ok_and(|r| r.status().is_success()) {
            return Provider { child, issuer };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the OpenID Provider did not start on port {port}");
}

async fn app_with_platform(issuer: &str, extra: &[(&str, &str)]) -> TestApp {
    let mut env = vec![
        ("ECERT_LOGIN_PER_MINUTE", "1000"),
        ("ECERT_PUBLIC_BASE_URL", ECERT),
        ("ECERT_PLATFORM_ISSUER", issuer),
        ("ECERT_PLATFORM_CLIENT_ID", "ecert"),
        ("ECERT_PLATFORM_CLIENT_SECRET", "ecert-platform-test-secret"),
        ("ECERT_PLATFORM_SCOPES", "profile,id_document"),
    ];
    env.extend_from_slice(extra);
    support::app_with(server::worker::WorkerConfig::new(1), &env).await
}

/// The button (a link): the platform's authorization address.
async fn start(c: &mut Client<'_>) -> String {
    let reply = c.get("/api/platform_login").await;
    let location = reply.location.unwrap_or_else(|| panic!("no redirect: {} {}", reply.status, reply.body));
    assert!(location.contains("code_challenge_method=S256") && location.contains("nonce="), "{location}");
    location
}

/// A person at the platform's pages (oidc-provider's login and consent
/// forms), from the authorization address to the redirect back to ecert.
async fn at_platform(authorize: &str, login: &str) -> String {
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut url = reqwest::Url::parse(authorize).unwrap();
    for _ in 0..12 {
        let reply = browser.get(url.clone()).send().await.unwrap();
        if let Some(location) = reply.headers().get("location") {
            let next = url.join(location.to_str().unwrap()).unwrap();
            if next.as_str().starts_with(ECERT) {
                return next.as_str().trim_start_matches(ECERT).to_string();
            }
            url = next;
            continue;
        }
        let page = reply.text().await.unwrap();
        let form = if page.contains(r#"name="prompt" value="login""#) {
            vec![("prompt", "login"), ("login", login), ("password", "platform password")]
        } else if page.contains(r#"name="prompt" value="consent""#) {
            vec![("prompt", "consent")]
        } else {
            panic!("an unexpected page at {url}: {page}");
        };
        let submitted = browser.post(url.clone()).form(&form).send().await.unwrap();
        let location = submitted.headers().get("location").expect("the form redirects").to_str().unwrap().to_string();
        url = url.join(&location).unwrap();
    }
    panic!("no redirect back to ecert");
}

async fn refusals(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT detail FROM audit_log WHERE event = 'platform_login_refused' ORDER BY id")
        .fetch_all(app.store.pool())
        .await
        .unwrap()
}

/// The callback was refused for `reason`: said on the sign-in page, and
/// nobody is signed in. Audited, unless nothing was pending in this
/// browser (anyone can send those; they are only logged).
async fn assert_refused(app: &TestApp, c: &mut Client<'_>, callback: &str, reason: &str) {
    let before = refusals(app).await.len();
    let reply = c.get(callback).await;
    assert_eq!(reply.location.as_deref(), Some(format!("/login?platform={reason}").as_str()), "{callback}");
    let after = refusals(app).await;
    assert_eq!(after.len(), before + 1, "audited: {callback}");
    assert_eq!(after.last().map(String::as_str), Some(reason));
    assert_signed_out_and_told(c, reason).await;
}

async fn assert_refused_unaudited(app: &TestApp, c: &mut Client<'_>, callback: &str) {
    let before = refusals(app).await.len();
    let reply = c.get(callback).await;
    assert_eq!(reply.location.as_deref(), Some("/login?platform=expired"), "{callback}");
    assert_eq!(refusals(app).await.len(), before, "nothing was pending: logged, not audited");
    assert_signed_out_and_told(c, "expired").await;
}

async fn assert_signed_out_and_told(c: &mut Client<'_>, reason: &str) {
    assert_eq!(c.call("/api/certificates", &[]).await.status, 401);
    let page = c.get(&format!("/login?platform={reason}")).await;
    assert!(page.body.contains(r#"data-testid="platform-error""#), "the page says why");
}

#[tokio::test]
async fn a_first_visit_makes_the_holder_and_a_returning_one_signs_in() {
    let platform = provider(3191).await;
    let app = app_with_platform(&platform.issuer, &[]).await;
    let mut holder = Client::new(&app);
    let login_page = holder.get("/login").await;
    assert!(login_page.body.contains("使用报名服务平台账号登录"));

    let callback = at_platform(&start(&mut holder).await, "platform-router").await;
    assert!(callback.starts_with("/api/platform_callback?code="), "{callback}");
    let first = holder.get(&callback).await;
    assert_eq!(first.location.as_deref(), Some("/terms"), "{} {}", first.status, first.body);
    let accepted = holder.call("/api/accept_terms", &[("version", app::terms::CURRENT)]).await;
    assert_eq!(accepted.location.as_deref(), Some("/certificates"));
    let me = holder.call("/api/me", &[]).await.json();
    assert_eq!(me["real_name"], "卫三");
    let (hash, registered): (String, String) = sqlx::query_as(
        "SELECT h.password_hash, a.detail FROM holders h JOIN audit_log a ON a.holder_id = h.id AND a.event = 'register'
         WHERE h.real_name = '卫三'",
    )
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert_eq!((hash.as_str(), registered.as_str()), ("", "platform"), "no local password");

    // The same callback again, from elsewhere (a leaked address): the
    // sign-in it finished is gone.
    let mut replay = Client::new(&app);
    assert_refused_unaudited(&app, &mut replay, &callback).await;

    // Next time: the same account, straight to the list.
    let mut again = Client::new(&app);
    let callback = at_platform(&start(&mut again).await, "platform-router").await;
    assert_eq!(again.get(&callback).await.location.as_deref(), Some("/certificates"));
    assert_eq!(again.call("/api/me", &[]).await.json()["real_name"], "卫三");
    let holders: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM holders WHERE real_name = '卫三'")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(holders, 1);
}

#[tokio::test]
async fn an_account_registered_here_links_only_after_its_password() {
    let platform = provider(3192).await;
    let app = app_with_platform(&platform.issuer, &[]).await;
    let mut c = Client::new(&app);
    let callback = at_platform(&start(&mut c).await, "platform-zhangsan").await;
    assert_eq!(c.get(&callback).await.location.as_deref(), Some("/login/platform/link"));
    assert_eq!(c.call("/api/certificates", &[]).await.status, 401, "not signed in yet");
    let page = c.get("/login/platform/link").await;
    assert!(page.body.contains("zhangsan") && page.body.contains("关联并登录"), "{}", page.body);

    let wrong = c.submit("/api/confirm_platform_link", &[("password", "Ecert@2027")]).await;
    assert_eq!(wrong.location.as_deref(), Some("/login/platform/link"));
    assert!(c.get("/login/platform/link").await.body.contains("用户名或密码错误"));
    let links: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM platform_identities").fetch_one(app.store.pool()).await.unwrap();
    assert_eq!(links, 0, "never linked silently");

    let right = c.call("/api/confirm_platform_link", &[("password", DEMO_PASSWORD)]).await;
    assert_eq!(right.location.as_deref(), Some("/terms"), "{} {}", right.status, right.body);
    assert_eq!(c.call("/api/me", &[]).await.json()["username"], "zhangsan");
    let linked: Vec<String> =
        sqlx::query_scalar("SELECT event FROM audit_log WHERE event = 'platform_linked'").fetch_all(app.store.pool()).await.unwrap();
    assert_eq!(linked.len(), 1);

    // From now on the platform signs in to zhangsan directly.
    let mut later = Client::new(&app);
    let callback = at_platform(&start(&mut later).await, "platform-zhangsan").await;
    assert_eq!(later.get(&callback).await.location.as_deref(), Some("/terms"));
    assert_eq!(later.call("/api/me", &[]).await.json()["username"], "zhangsan");
    // And the password still works here.
    assert_eq!(Client::new(&app).log_in("zhangsan", DEMO_PASSWORD).await.location.as_deref(), Some("/terms"));
}

#[tokio::test]
async fn forged_mismatched_and_foreign_callbacks_are_refused() {
    let platform = provider(3193).await;
    let elsewhere = provider(3194).await;
    let app = app_with_platform(&platform.issuer, &[]).await;

    // A wrong state.
    let mut c = Client::new(&app);
    let callback = at_platform(&start(&mut c).await, "platform-router").await;
    let state = query_value(&callback, "state");
    assert_refused(&app, &mut c, &callback.replace(&state, "forged-state"), "invalid").await;

    // A forged code with the right state: the token endpoint says no.
    let mut c = Client::new(&app);
    let callback = at_platform(&start(&mut c).await, "platform-router").await;
    let code = query_value(&callback, "code");
    assert_refused(&app, &mut c, &callback.replace(&code, "forged-code"), "invalid").await;

    // A nonce other than the one this sign-in asked for.
    let mut c = Client::new(&app);
    let authorize = start(&mut c).await;
    let nonce = query_value(&authorize, "nonce");
    let callback = at_platform(&authorize.replace(&nonce, "another-nonce"), "platform-router").await;
    assert_refused(&app, &mut c, &callback, "invalid").await;

    // A code issued to another service of the platform (another audience).
    let mut c = Client::new(&app);
    let authorize = start(&mut c).await;
    let callback = at_platform(&authorize.replace("client_id=ecert", "client_id=other-service"), "platform-router").await;
    assert_refused(&app, &mut c, &callback, "invalid").await;

    // Another issuer answering for the same sign-in (a mix-up).
    let mut c = Client::new(&app);
    let authorize = start(&mut c).await;
    let callback = at_platform(&authorize.replace(&platform.issuer, &elsewhere.issuer), "platform-router").await;
    assert!(callback.contains(&urlencode(&elsewhere.issuer)), "{callback}");
    assert_refused(&app, &mut c, &callback, "invalid").await;

    // A callback nobody started here.
    let mut stranger = Client::new(&app);
    assert_refused_unaudited(&app, &mut stranger, &callback).await;

    // The person cancels at the platform.
    let mut c = Client::new(&app);
    let authorize = start(&mut c).await;
    let state = query_value(&authorize, "state");
    let denied = format!("/api/platform_callback?error=access_denied&state={state}");
    assert_refused(&app, &mut c, &denied, "denied").await;

    // The platform releases no ID document.
    let mut c = Client::new(&app);
    let callback = at_platform(&start(&mut c).await, "platform-noid").await;
    assert_refused(&app, &mut c, &callback, "identity").await;

    let holders: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM holders WHERE real_name IN ('卫三', '蒋四')")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(holders, 0, "no refused callback made an account");
}

#[tokio::test]
async fn a_sign_in_left_too_long_at_the_platform_expires() {
    let platform = provider(3195).await;
    let app = app_with_platform(&platform.issuer, &[("ECERT_PLATFORM_LOGIN_TIMEOUT_SECONDS", "1")]).await;
    let mut c = Client::new(&app);
    let callback = at_platform(&start(&mut c).await, "platform-router").await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_refused(&app, &mut c, &callback, "expired").await;
}

#[tokio::test]
async fn without_a_platform_there_is_no_button_and_no_route() {
    let app = support::app().await;
    let mut c = Client::new(&app);
    assert!(!c.get("/login").await.body.contains(r#"data-testid="platform-login""#));
    let start = c.get_with("/api/platform_login", &[("accept", "application/json")]).await;
    assert!(start.location.is_none() || start.location.as_deref() == Some("/"), "{:?}", start.location);
    // A callback answers "not found" (a browser is sent on to the home page).
    let callback = c.get("/api/platform_callback?code=x&state=y").await;
    assert!(!matches!(callback.location.as_deref(), Some("/terms" | "/certificates")), "{:?}", callback.location);
    assert_eq!(c.call("/api/certificates", &[]).await.status, 401);
    assert!(refusals(&app).await.is_empty());
}

/// A query parameter of an absolute address or of a path.
fn query_value(url: &str, name: &str) -> String {
    let absolute = if url.starts_with('/') { format!("http://ecert.test{url}") } else { url.to_string() };
    let parsed = reqwest::Url::parse(&absolute).unwrap();
    parsed.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned()).unwrap()
}

fn urlencode(s: &str) -> String {
    s.replace(':', "%3A").replace('/', "%2F")
}
