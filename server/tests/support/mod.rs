//! A router on a fresh SQLite database with the demo data, driven with
//! `oneshot` and a cookie jar of one cookie per name.
#![allow(dead_code)]

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
    _dir: tempfile::TempDir,
}

pub async fn app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().display().to_string();
    let settings = Settings::from_toml_and_env("", |name| match name {
        "ECERT_DATA_DIR" => Some(data_dir.clone()),
        "ECERT_SEED_DEMO" => Some("true".into()),
        _ => None,
    })
    .unwrap();
    let store = app::store::Store::connect(&settings.database_url).await.unwrap();
    let leptos = LeptosOptions::builder().output_name("ecert").build();
    let router = server::startup::build(server::config::Config { leptos, settings }).await.unwrap();
    TestApp { router, store, _dir: dir }
}

pub struct Reply {
    pub status: StatusCode,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub body: String,
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

    async fn send(&mut self, request: Request<Body>) -> Reply {
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
        let body = String::from_utf8(response.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
        Reply { status, location, set_cookies, body }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        let request = Request::get(path)
            .header(header::ACCEPT, "text/html")
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .unwrap();
        self.send(request).await
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
