//! A holder reaches only their own certificates.

use crate::support::{app, ready_holder};
use axum::http::StatusCode;

fn ids(body: &str) -> Vec<i64> {
    let list: serde_json::Value = serde_json::from_str(body).unwrap();
    list.as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn another_holders_certificate_is_not_found() {
    let app = app().await;
    let mut zhang = ready_holder(&app, "zhangsan").await;
    let mut li = ready_holder(&app, "lisi").await;
    let zhang_ids = ids(&zhang.call("/api/certificates", &[]).await.body);
    let li_ids = ids(&li.call("/api/certificates", &[]).await.body);
    assert_eq!((zhang_ids.len(), li_ids.len()), (3, 2));
    assert!(zhang_ids.iter().all(|id| !li_ids.contains(id)));

    let own = zhang.call("/api/certificate", &[("id", &zhang_ids[0].to_string())]).await;
    assert_eq!(own.status, StatusCode::OK);
    let detail: serde_json::Value = serde_json::from_str(&own.body).unwrap();
    assert_eq!(detail["id_number_masked"], "1101**********0019");
    assert!(!own.body.contains("110105198503150019"), "full ID number never leaves the server");

    let foreign = zhang.call("/api/certificate", &[("id", &li_ids[0].to_string())]).await;
    let missing = zhang.call("/api/certificate", &[("id", "999999")]).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert_eq!((foreign.status, &foreign.body), (missing.status, &missing.body));

    for path in [
        format!("/certificates/{}", li_ids[0]),
        format!("/certificates/{}/download", li_ids[0]),
        "/certificates/abc".into(),
    ] {
        let page = zhang.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(page.body.contains("data-testid=\"not-found\""), "{path}");
        assert!(!page.body.contains("李四"), "{path} leaks the other holder");
    }
    let page = zhang.get(&format!("/certificates/{}", zhang_ids[0])).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("1101**********0019") && page.body.contains("张三"));
}

#[tokio::test]
async fn revoked_and_pre_2021_certificates_are_marked() {
    let app = app().await;
    let mut zhang = ready_holder(&app, "zhangsan").await;
    let body = zhang.call("/api/certificates", &[]).await.body;
    let list: serde_json::Value = serde_json::from_str(&body).unwrap();
    let by_number = |n: &str| list.as_array().unwrap().iter().find(|c| c["certificate_number"] == n).unwrap().clone();
    assert_eq!(by_number("0601202306300042")["status"], "revoked");
    assert_eq!(by_number("0501201911200017")["endorsement"]["state"], "not_required");
    assert_eq!(by_number("0301202203150001")["endorsement"]["state"], "none");
    let page = zhang.get("/certificates").await.body;
    assert!(page.contains("已撤销") && page.contains("无需加注") && page.contains("未加注"));
}
