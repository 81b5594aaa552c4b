//! A router on a fresh SQLite database with the demo data, driven with
//! `oneshot` and a cookie jar of one cookie per name.

use std::collections::BTreeMap;

use app::config::Settings;
use axum::{
    body::Body,
    http::{header, Request, Response, StatusCode},
    Router,
};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use tower::ServiceExt;

pub struct TestApp {
    pub router: Router,
    pub store: app::store::Store,
    pub settings: Settings,
    _dir: tempfile::TempDir,
}

pub async fn app() -> TestApp {
    app_with_workers(server::worker::WorkerConfig::new(2)).await
}

pub async fn app_with_workers(workers: server::worker::WorkerConfig) -> TestApp {
    // Tests make many checks, logins and applications from one (unknown) address;
    // each limit itself is tested with its own settings.
    let generous = [
        ("ECERT_VERIFY_BURST", "1000"),
        ("ECERT_LOGIN_PER_MINUTE", "1000"),
        ("ECERT_REGISTRATIONS_PER_MINUTE", "1000"),
        ("ECERT_APPLICATIONS_PER_MINUTE", "1000"),
    ];
    app_with(workers, &generous).await
}

/// `env`: more `ECERT_*` settings.
pub async fn app_with(workers: server::worker::WorkerConfig, env: &[(&str, &str)]) -> TestApp {
    // Warnings and errors the server logs show in a failing test's output
    // (RUST_LOG picks others).
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().display().to_string();
    // SQLite in the data directory, or PostgreSQL when the test run names one.
    let database_url = app::store::scratch::scratch_database_url(dir.path()).await.unwrap();
    let settings = Settings::from_toml_and_env("", |name| match name {
        "ECERT_DATA_DIR" => Some(data_dir.clone()),
        "ECERT_DATABASE_URL" => Some(database_url.clone()),
        "ECERT_SEED_DEMO" => Some("true".into()),
        _ => env.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()),
    })
    .unwrap();
    let store = app::store::Store::connect(&settings.database_url).await.unwrap();
    let leptos = LeptosOptions::builder().output_name("ecert").build();
    let config = server::config::Config { leptos, settings: settings.clone() };
    let router = server::startup::build_with_workers(config, workers).await.unwrap().router;
    TestApp { router, store, settings, _dir: dir }
}

pub struct Reply {
    pub status: StatusCode,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub headers: axum::http::HeaderMap,
    /// The body as text (lossy for binary bodies such as PDFs: see `bytes`).
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// A browser-like client: keeps cookies between requests.
pub struct Client<'a> {
    app: &'a TestApp,
    pub cookies: BTreeMap<String, String>,
}

impl<'a> Client<'a> {
    pub fn new(app: &'a TestApp) -> Client<'a> {
        Client { app, cookies: BTreeMap::new() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    pub async fn send(&mut self, request: Request<Body>) -> Reply {
        let response: Response<Body> = self.app.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let location = response.headers().get(header::LOCATION).map(|v| v.to_str().unwrap().to_string());
        let set_cookies: Vec<String> =
            response.headers().get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).collect();
        for c in &set_cookies {
            let pair = c.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if c.contains("Max-Age=0") || value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes().to_vec();
        Reply { status, location, set_cookies, headers, body: String::from_utf8_lossy(&bytes).into_owned(), bytes }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        let request = Request::get(path)
            .header(header::ACCEPT, "text/html")
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    /// A page GET with more request headers (`Accept-Encoding`, `If-None-Match`…).
    pub async fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request =
            Request::get(path).header(header::ACCEPT, "text/html").header(header::COOKIE, self.cookie_header());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// A GET as an API client makes it (no HTML wanted).
    pub async fn fetch(&mut self, path: &str) -> Reply {
        let request = Request::get(path)
            .header(header::ACCEPT, "application/json")
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    /// Following a link on `from` (a page of this site), as a browser does.
    pub async fn follow(&mut self, path: &str, from: &str) -> Reply {
        let request = Request::get(path)
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .header(header::REFERER, format!("http://127.0.0.1:3000{from}"))
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    /// A client with the same cookies (the same session).
    pub fn same_session(&self) -> Client<'a> {
        Client { app: self.app, cookies: self.cookies.clone() }
    }

    /// A server-function call as the WASM client makes it.
    pub async fn call(&mut self, path: &str, form: &[(&str, &str)]) -> Reply {
        self.post(path, form, "application/json").await
    }

    /// A `<form>` submission as a browser without JavaScript makes it.
    pub async fn submit(&mut self, path: &str, form: &[(&str, &str)]) -> Reply {
        self.post(path, form, "text/html,application/xhtml+xml").await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)], accept: &str) -> Reply {
        let body = form.iter().map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v))).collect::<Vec<_>>().join("&");
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, accept)
            .header(header::COOKIE, self.cookie_header())
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    pub async fn log_in(&mut self, username: &str, password: &str) -> Reply {
        self.call("/api/login", &[("username", username), ("password", password)]).await
    }
}

/// A file posted to the portal's upload as its form does (`kind`:
/// certificates or accounts).
pub async fn upload(c: &mut Client<'_>, kind: &str, name: &str, content: &str) -> Reply {
    let boundary = "----ecertImport";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: text/csv\r\n\r\n{content}\r\n--{boundary}--\r\n"
    );
    let request = Request::post("/admin/upload")
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .header(header::ACCEPT, "text/html")
        .header(header::COOKIE, c.cookie_header())
        .body(Body::from(body))
        .unwrap();
    c.send(request).await
}

/// A demo holder, logged in, the terms accepted (on the first login).
pub const STAFF_PASSWORD: &str = "Staff#2026pass";

/// A staff account with `STAFF_PASSWORD`: an issuer of `seal`, or an
/// administrator without one.
pub async fn staff(app: &TestApp, username: &str, seal: Option<&str>) {
    let role = if seal.is_some() { app::domain::staff::Role::Issuer } else { app::domain::staff::Role::Admin };
    let hash = app::auth::password::hash(STAFF_PASSWORD);
    app.store.create_staff(username, &hash, "测试人员", role, seal).await.unwrap();
}

/// A browser signed in to the portal as `username`.
pub async fn staff_client<'a>(app: &'a TestApp, username: &str) -> Client<'a> {
    let mut c = Client::new(app);
    let reply = c.call("/api/staff_login", &[("username", username), ("password", STAFF_PASSWORD)]).await;
    assert_eq!(reply.location.as_deref(), Some("/admin"), "{} {}", reply.status, reply.body);
    c
}

pub async fn ready_holder<'a>(app: &'a TestApp, username: &str) -> Client<'a> {
    let mut c = Client::new(app);
    let login = c.log_in(username, DEMO_PASSWORD).await;
    if login.location.as_deref() == Some("/certificates") {
        return c;
    }
    assert_eq!(login.location.as_deref(), Some("/terms"));
    let accepted = c.call("/api/accept_terms", &[("version", app::terms::CURRENT)]).await;
    assert_eq!(accepted.location.as_deref(), Some("/certificates"));
    c
}

/// The id of the caller's certificate with this number.
pub async fn certificate_id(c: &mut Client<'_>, number: &str) -> i64 {
    let list = c.call("/api/certificates", &[]).await.json();
    list.as_array()
        .unwrap()
        .iter()
        .find(|x| x["certificate_number"] == number)
        .unwrap_or_else(|| panic!("no certificate {number}"))["id"]
        .as_i64()
        .unwrap()
}

/// Every page a first visit meets, to check page by page: a visitor with
/// the public pages, and 张三 (signed in, terms accepted) with the pages of
/// the holder's area and a QR page outside it. `form_key` names the copy
/// made so that a QR page exists.
pub async fn every_page<'a>(app: &'a TestApp, form_key: &str) -> [(Client<'a>, Vec<String>, bool); 2] {
    let (number, _) = endorsed_copy(app, form_key).await;
    let mut holder = ready_holder(app, "zhangsan").await;
    let id = certificate_id(&mut holder, "0301202203150001").await;
    let public = vec!["/login".to_string(), "/register".into(), "/verify".into(), "/help".into(), format!("/v/{number}")];
    let private = vec![
        "/certificates".to_string(),
        format!("/certificates/{id}"),
        format!("/certificates/{id}/download"),
        "/account".into(),
        "/help".into(),
        "/verify".into(),
        format!("/v/{number}"),
    ];
    [(Client::new(app), public, false), (holder, private, true)]
}

/// 张三 applies for an endorsement of his valid certificate 0301202203150001,
/// the workers make it, he downloads it: (endorsement number, PDF). A new
/// `form_key` makes a new endorsement (the same one returns the first).
pub async fn endorsed_copy(app: &TestApp, form_key: &str) -> (String, Vec<u8>) {
    let mut zhang = ready_holder(app, "zhangsan").await;
    let cert = certificate_id(&mut zhang, "0301202203150001").await.to_string();
    let form = [("certificate_id", cert.as_str()), ("scenario", "own_use"), ("days", "30"), ("form_key", form_key)];
    let applied = zhang.call("/api/apply_endorsement", &form).await.json();
    let (id, number) = (applied["id"].as_i64().unwrap(), applied["number"].as_str().unwrap().to_string());
    let started = std::time::Instant::now();
    loop {
        let file = zhang.fetch(&format!("/api/endorsement_file?id={id}&download=true")).await;
        if file.status == StatusCode::OK {
            return (number, file.bytes);
        }
        // Generous: a debug build under a loaded machine.
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "no copy after 60 s: {}", file.body);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub const DEMO_PASSWORD: &str = app::store::seed::DEMO_PASSWORD;

/// The registration form of 赵六, who has certificates but no account.
pub fn zhaoliu_form() -> Vec<(&'static str, &'static str)> {
    vec![
        ("username", "zhaoliu"),
        ("password", "Zl#2026pass"),
        ("password_confirm", "Zl#2026pass"),
        ("real_name", "赵六"),
        ("id_type", "resident_id"),
        ("id_number", "420106198802140020"),
        ("phone", ""),
        ("email", "zhaoliu@example.cn"),
    ]
}
