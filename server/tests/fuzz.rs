//! Fuzz target: whatever arrives at a server function or route, in any
//! encoding, from an anonymous visitor, a signed-in holder or an
//! administrator, the server answers below 500 and its answer carries no
//! internal text. Bodies are mutations of `fuzz/corpus/server_fns/`; the
//! functions are every one the server registered, so a new one is fuzzed
//! without a change here.

use std::sync::OnceLock;

use crate::support::{self, Client, TestApp};
use axum::body::Body;
use axum::http::{header, Method, Request};
use proptest::prelude::*;
use proptest::sample::Index;

/// Plain routes besides the server functions (the verification API and forms, the portal's).
const ROUTES: &[(&str, Method)] = &[
    ("/api/v1/verify/certificate", Method::POST),
    ("/api/v1/verify/file", Method::POST),
    ("/api/v1/verify/endorsement/JZ20261125M3Q8Z0K4T7VA", Method::GET),
    ("/verify/file", Method::POST),
    ("/v", Method::GET),
    ("/admin/upload", Method::POST),
    ("/admin/audit.csv", Method::GET),
    ("/locale/en", Method::GET),
];
/// These end or replace the caller's session: fuzzed only for visitors, so
/// the other roles keep theirs (their inputs are decoded the same way).
const SESSION_ENDING: &[&str] =
    &["login", "staff_login", "logout", "staff_logout", "end_other_sessions", "change_password"];
const CONTENT_TYPES: &[&str] = &[
    "application/x-www-form-urlencoded",
    "application/json",
    "multipart/form-data; boundary=----f",
    "application/pdf",
    "text/plain",
    "",
];
const ACCEPTS: &[&str] = &["application/json", "text/html", "*/*"];
/// Signs of internal text: none may reach a client.
const INTERNAL: &[&str] =
    &["sqlx", "SQLITE", "sqlite", "panicked", "/work/", ".rs:", "RUST_BACKTRACE", "stack backtrace"];

struct Fixture {
    runtime: tokio::runtime::Runtime,
    app: TestApp,
    routes: Vec<(String, Method)>,
    /// Cookies of a signed-in holder and of an administrator.
    holder: std::collections::BTreeMap<String, String>,
    admin: std::collections::BTreeMap<String, String>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let (app, holder, admin) = runtime.block_on(async {
            let app = support::app().await;
            let holder = support::ready_holder(&app, "zhangsan").await.cookies;
            let hash = app::auth::password::hash("Staff#2026pass");
            app.store.create_staff("root", &hash, "甲", app::domain::staff::Role::Admin, None).await.unwrap();
            let mut staff = Client::new(&app);
            staff.call("/api/staff_login", &[("username", "root"), ("password", "Staff#2026pass")]).await;
            let admin = staff.cookies;
            (app, holder, admin)
        });
        let mut routes: Vec<(String, Method)> = leptos::server_fn::axum::server_fn_paths()
            .map(|(path, method)| (path.to_string(), method))
            .chain(ROUTES.iter().map(|(p, m)| (p.to_string(), m.clone())))
            .collect();
        routes.sort_by(|a, b| a.0.cmp(&b.0));
        assert!(routes.len() > 30, "every server function is registered: {routes:?}");
        Fixture { runtime, app, routes, holder, admin }
    })
}

/// A query string from any bytes: kept as they are where a URI allows, else percent-encoded.
fn as_query(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'=' | b'&' | b'%' | b'[' | b']' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

proptest! {
    #![proptest_config(fuzz::config(3_000))]

    #[test]
    fn server_functions_and_routes(
        body in fuzz::inputs(fuzz::corpus("server_fns")),
        route in any::<Index>(),
        role in 0usize..3,
        content_type in any::<Index>(),
        accept in any::<Index>(),
    ) {
        let f = fixture();
        let (path, method) = &f.routes[route.index(f.routes.len())];
        let name = path.rsplit('/').next().unwrap_or_default();
        let cookies = match role {
            _ if SESSION_ENDING.contains(&name) => Default::default(),
            1 => f.holder.clone(),
            2 => f.admin.clone(),
            _ => Default::default(),
        };
        let mut client = Client::new(&f.app);
        client.cookies = cookies;
        let cookie = client.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let mut request = Request::builder()
            .header(header::ACCEPT, ACCEPTS[accept.index(ACCEPTS.len())])
            .header(header::COOKIE, cookie);
        request = if *method == Method::GET {
            request.method(Method::GET).uri(format!("{path}?{}", as_query(&body)))
        } else {
            let content_type = CONTENT_TYPES[content_type.index(CONTENT_TYPES.len())];
            if !content_type.is_empty() {
                request = request.header(header::CONTENT_TYPE, content_type);
            }
            request.method(method.clone()).uri(path.as_str())
        };
        let request = request.body(if *method == Method::GET { Body::empty() } else { Body::from(body.clone()) }).unwrap();
        let reply = f.runtime.block_on(client.send(request));
        prop_assert!(reply.status.as_u16() < 500, "{} {} → {}: {}", method, path, reply.status, reply.body);
        for marker in INTERNAL {
            prop_assert!(!reply.body.contains(marker), "{} {} leaked {:?}: {}", method, path, marker, reply.body);
        }
    }
}
