//! The single-page app's server side (issue 18): what the islands router
//! fetches is the page SSR renders, with a title that names it, and nothing
//! in it that would act when it is inserted into a live page.

use axum::http::StatusCode;

use crate::support::{self, app, app_with_workers, certificate_id, ready_holder};

/// The `<title>` and the `<h1>` text of a page (tags and Leptos' markers dropped).
fn title_and_heading(body: &str) -> (String, String) {
    let inner = |open: &str, close: &str| {
        let start = body.find(open).map(|i| i + body[i..].find('>').unwrap() + 1).unwrap_or(0);
        let end = start + body[start..].find(close).unwrap_or(0);
        let mut text = String::new();
        let mut in_tag = false;
        for c in body[start..end].chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        text.trim().to_string()
    };
    (inner("<title", "</title>"), inner("<h1", "</h1>"))
}

/// Each page's title is its heading, then the service: the islands router
/// carries the title over, so a tab and a screen reader say where one is.
#[tokio::test]
async fn every_page_is_titled_by_its_heading() {
    let app = app().await;
    let mut pages = support::every_page(&app, "titles").await;
    for (client, paths, _) in &mut pages {
        for path in paths {
            let page = client.get(path.as_str()).await;
            assert_eq!(page.status, StatusCode::OK, "{path}");
            let (title, heading) = title_and_heading(&page.body);
            assert!(!heading.is_empty(), "{path}: a heading");
            assert_eq!(title, format!("{heading} · 专业技术人员职业资格电子证书"), "{path}");
        }
    }
    let holder = &mut pages[1].0;
    holder.cookies.insert("i18n_pref_locale".into(), "en".into());
    let english = holder.get("/certificates").await;
    let (title, heading) = title_and_heading(&english.body);
    assert_eq!((title.as_str(), heading.as_str()), ("My certificates · Professional Qualification E-Certificates", "My certificates"));
}

/// A page load of a download page with a copy being made reloads itself
/// without JavaScript (issue 17); the same page fetched by the islands
/// router must not carry that <meta refresh>: inserted into the live page,
/// it would reload the page that is polling.
#[tokio::test]
async fn a_page_fetched_by_the_router_carries_no_reload() {
    let mut idle = server::worker::WorkerConfig::new(1);
    idle.workers = 0;
    let app = app_with_workers(idle).await;
    let mut holder = ready_holder(&app, "zhangsan").await;
    let id = certificate_id(&mut holder, "0301202203150001").await.to_string();
    let form = [("certificate_id", id.as_str()), ("scenario", "own_use"), ("days", "30"), ("form_key", "router-no-refresh")];
    assert_eq!(holder.call("/api/apply_endorsement", &form).await.status, StatusCode::OK);
    let path = format!("/certificates/{id}/download");
    let loaded = holder.get(&path).await;
    assert!(loaded.body.contains(r#"http-equiv="refresh""#), "a page load reloads itself");
    let fetched = holder.get_with(&path, &[("islands-router", "true")]).await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert!(fetched.body.contains("页面会自动更新"), "the same page");
    assert!(!fetched.body.contains(r#"http-equiv="refresh""#), "{}", fetched.body);
    // Branch markers: what the router diffs the two pages by.
    assert!(fetched.body.contains("<!--bo-"));
}
