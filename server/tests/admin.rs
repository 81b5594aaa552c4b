//! The issuers' portal through HTTP: who may enter (holders get "not
//! found"), staff login, importing a file with a bad row then fixed, an
//! issuer limited to its own body, revoke and reinstate, the audit log.

use crate::support::{self, app, endorsed_copy, ready_holder, staff, staff_client, Client, Reply, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};

async fn upload(c: &mut Client<'_>, name: &str, content: &str) -> Reply {
    support::upload(c, "certificates", name, content).await
}

/// One certificate for 张三 (whose account exists) and one for a newcomer.
fn file(zhang_id_line_ok: bool) -> String {
    let zhang_id = if zhang_id_line_ok { "110105198503150019" } else { "110105198503150018" };
    format!(
        "certificate_number,management_number,holder_name,id_type,id_number,qualification_code,specialty,issued_on\n\
         0701202611200001,CH2026112000001,张三,resident_id,{zhang_id},0701,,2026-11-20\n\
         0701202611200002,CH2026112000002,孙八,居民身份证,{},0701,,2026-11-20\n",
        app::service::import::sample::id_number(7)
    )
}

#[tokio::test]
async fn holders_and_visitors_find_no_portal() {
    let app = app().await;
    let mut zhang = ready_holder(&app, "zhangsan").await;
    let mut nobody = Client::new(&app);
    for c in [&mut zhang, &mut nobody] {
        for path in ["/admin", "/admin/import", "/admin/certificates", "/admin/audit"] {
            let page = c.get(path).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
            assert!(page.body.contains("data-testid=\"not-found\""), "{path}: the site's own not-found page");
        }
        assert_eq!(c.call("/api/portal_overview", &[]).await.status, StatusCode::NOT_FOUND);
        assert_eq!(c.get("/admin/audit.csv").await.status, StatusCode::NOT_FOUND);
    }
    assert_eq!(nobody.get("/admin/login").await.status, StatusCode::OK);
    // A holder signing in where staff had signed in does not inherit the portal.
    staff(&app, "root", None).await;
    let mut shared = staff_client(&app, "root").await;
    assert_eq!(shared.get("/admin").await.status, StatusCode::OK);
    shared.log_in("zhangsan", support::DEMO_PASSWORD).await;
    assert_eq!(shared.get("/admin").await.status, StatusCode::NOT_FOUND);
    // A holder's password is not a staff password.
    let wrong = nobody.call("/api/staff_login", &[("username", "zhangsan"), ("password", "Ecert@2026")]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_admin_imports_a_file_after_fixing_its_bad_row_and_the_holder_sees_it() {
    let app = app().await;
    staff(&app, "root", None).await;
    let mut admin = staff_client(&app, "root").await;
    assert!(admin.get("/admin").await.body.contains("data-testid=\"portal-counts\""));

    let bad = upload(&mut admin, "results.csv", &file(false)).await;
    assert_eq!(bad.status, StatusCode::SEE_OTHER);
    let report_page = bad.location.clone().unwrap();
    assert!(report_page.starts_with("/admin/import/"), "{report_page}");
    let page = admin.get(&report_page).await;
    assert!(page.body.contains("data-testid=\"import-error\" data-line=\"2\""), "{}", page.body);
    assert!(!page.body.contains("import-commit"), "no load button while a row is bad");
    let token = report_page.trim_start_matches("/admin/import/").to_string();
    let refused = admin.call("/api/commit_import", &[("token", &token)]).await.json();
    assert!(refused["batch_id"].is_null());

    let good = upload(&mut admin, "results.csv", &file(true)).await;
    let token = good.location.unwrap().trim_start_matches("/admin/import/").to_string();
    let loaded = admin.call("/api/commit_import", &[("token", &token)]).await.json();
    assert_eq!(loaded["new"], 2);
    assert!(loaded["batch_id"].is_i64());
    // Once more: nothing new.
    let again = admin.call("/api/commit_import", &[("token", &token)]).await.json();
    assert_eq!((again["new"].as_i64(), again["already_loaded"].as_i64()), (Some(0), Some(2)));

    let mut zhang = ready_holder(&app, "zhangsan").await;
    let list = zhang.call("/api/certificates", &[]).await.json();
    assert!(list.as_array().unwrap().iter().any(|c| c["certificate_number"] == "0701202611200001"));
}

#[tokio::test]
async fn an_issuer_acts_only_for_its_body_and_revocation_is_seen_everywhere() {
    let app = app().await;
    staff(&app, "cba-staff", Some("cba")).await;
    staff(&app, "root", None).await;
    let mut issuer = staff_client(&app, "cba-staff").await;

    // 注册安全工程师 belongs to the ministry, not to the banking association.
    let foreign = issuer.call("/api/admin_certificate", &[("number", "0301202203150001")]).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    let denied = issuer
        .call("/api/change_revocation", &[("number", "0301202203150001"), ("action", "revoke"), ("reason", "x")])
        .await;
    assert_eq!(denied.status, StatusCode::NOT_FOUND);
    let upload_other = upload(&mut issuer, "x.csv", &file(true)).await;
    let token = upload_other.location.unwrap().trim_start_matches("/admin/import/").to_string();
    let report = issuer.call("/api/import_preview", &[("token", &token)]).await.json();
    assert_eq!(report[1]["errors"][0]["problem"], "qualification");
    assert_eq!(issuer.get("/admin/audit").await.status, StatusCode::NOT_FOUND, "the audit log is for administrators");

    // Its own: 李四's banking certificate.
    let no_reason = issuer
        .call("/api/change_revocation", &[("number", "1101202208080025"), ("action", "revoke"), ("reason", " ")])
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let revoked = issuer
        .call("/api/change_revocation", &[("number", "1101202208080025"), ("action", "revoke"), ("reason", "考试违纪")])
        .await
        .json();
    assert_eq!(revoked["record"]["status"], "revoked");
    assert_eq!(revoked["revocation_reason"], "考试违纪");

    let mut li = ready_holder(&app, "lisi").await;
    let list = li.call("/api/certificates", &[]).await.json();
    let row = list.as_array().unwrap().iter().find(|c| c["certificate_number"] == "1101202208080025").unwrap().clone();
    assert_eq!(row["status"], "revoked");
    let check = serde_json::json!({ "certificate_number": "1101202208080025", "holder_name": "李四" });
    let request = Request::post("/api/v1/verify/certificate")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(check.to_string()))
        .unwrap();
    assert_eq!(Client::new(&app).send(request).await.json()["outcome"], "revoked");

    let back = issuer
        .call(
            "/api/change_revocation",
            &[("number", "1101202208080025"), ("action", "reinstate"), ("reason", "复核撤销")],
        )
        .await
        .json();
    assert_eq!(back["record"]["status"], "valid");
    assert!(back["revocation_reason"].is_null());

    // The administrator's audit log has both, by certificate and by kind, and exports them.
    let mut admin = staff_client(&app, "root").await;
    let form = [
        ("filter[actor]", "cba-staff"),
        ("filter[subject]", "1101202208080025"),
        ("filter[kind]", "revoke"),
        ("page", "1"),
    ];
    let page = admin.call("/api/audit_log", &form).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let events: Vec<String> =
        page.json()["rows"].as_array().unwrap().iter().map(|r| r["event"].as_str().unwrap().to_string()).collect();
    assert_eq!(events, ["certificate_reinstated", "certificate_revoked"]);
    let csv = admin.get("/admin/audit.csv?kind=revoke").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(csv.body.contains("certificate_revoked") && csv.body.contains("考试违纪"));
}

async fn verify_file(app: &TestApp, pdf: Vec<u8>) -> serde_json::Value {
    let request = Request::post("/api/v1/verify/file")
        .header(header::CONTENT_TYPE, "application/pdf")
        .body(Body::from(pdf))
        .unwrap();
    Client::new(app).send(request).await.json()
}

#[tokio::test]
async fn a_key_rotated_on_the_portal_signs_new_copies_and_old_ones_still_verify() {
    let app = app().await;
    staff(&app, "root", None).await;
    staff(&app, "cba-staff", Some("cba")).await;
    let (_, before) = endorsed_copy(&app, "before").await;
    let mut admin = staff_client(&app, "root").await;
    let keys = admin.call("/api/seal_keys", &[]).await.json();
    let old = keys.as_array().unwrap().iter().find(|k| k["seal_code"] == "mohrss" && k["active"] == true).unwrap()
        ["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();

    let mut issuer = staff_client(&app, "cba-staff").await;
    assert_eq!(issuer.call("/api/rotate_seal_key", &[("seal_code", "cba")]).await.status, StatusCode::NOT_FOUND);
    let rotated = admin.call("/api/rotate_seal_key", &[("seal_code", "mohrss")]).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    let new: String = rotated.json().as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert!(!rotated.body.contains("PRIVATE"), "no key material in answers");

    let (_, after) = endorsed_copy(&app, "after").await;
    let old_verdict = verify_file(&app, before).await;
    assert_eq!(old_verdict["outcome"], "valid", "{old_verdict}");
    assert_eq!(old_verdict["file"]["signer_fingerprint"], old.as_str());
    let new_verdict = verify_file(&app, after).await;
    assert_eq!(new_verdict["outcome"], "valid", "{new_verdict}");
    assert_eq!(new_verdict["file"]["signer_fingerprint"], new.as_str());
    let events = app.store.recent_audit_events(50).await.unwrap();
    assert!(events.iter().any(|(e, _, s)| e == "seal_key_changed" && s.as_deref() == Some("mohrss")));
    // The SM2 key of the OFD copies changed with it; the old one is kept.
    let retired = app.settings.keys_dir.join("sm2/seals/retired");
    let kept: Vec<String> =
        std::fs::read_dir(&retired).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(kept.iter().any(|n| n.starts_with("mohrss-") && n.ends_with(".chain.pem")), "{kept:?}");
    let keys = admin.call("/api/seal_keys", &[]).await.json();
    let sm2: Vec<_> =
        keys.as_array().unwrap().iter().filter(|k| k["seal_code"] == "mohrss" && k["algorithm"] == "SM2").collect();
    assert_eq!(sm2.iter().filter(|k| k["active"] == true).count(), 1, "{keys}");
    assert_eq!(sm2.iter().filter(|k| k["active"] == false).count(), 1, "the old SM2 key is listed as retired: {keys}");
}

#[tokio::test]
async fn an_admin_keeps_the_catalog_and_a_new_seal_gets_a_key() {
    let app = app().await;
    staff(&app, "root", None).await;
    staff(&app, "cba-staff", Some("cba")).await;
    let mut admin = staff_client(&app, "root").await;
    let mut issuer = staff_client(&app, "cba-staff").await;
    let seal = [("code", "cpta"), ("name", "中国人事考试中心证书专用章"), ("authority", "中国人事考试中心")];
    assert_eq!(issuer.call("/api/save_seal", &seal).await.status, StatusCode::NOT_FOUND);

    let bad = admin.call("/api/save_seal", &[("code", "../x"), ("name", "章\u{E000}"), ("authority", " ")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let problems: Vec<String> =
        bad.json()["Invalid"].as_array().unwrap().iter().map(|e| e["problem"].as_str().unwrap().to_string()).collect();
    assert_eq!(problems, ["code_format", "unprintable", "required"]);

    assert_eq!(admin.call("/api/save_seal", &seal).await.status, StatusCode::OK);
    let keys = admin.call("/api/seal_keys", &[]).await.json();
    assert!(keys.as_array().unwrap().iter().any(|k| k["seal_code"] == "cpta" && k["active"] == true), "{keys}");
    assert!(
        keys.as_array().unwrap().iter().any(|k| k["seal_code"] == "cpta" && k["algorithm"] == "SM2" && k["active"] == true),
        "a new seal gets its SM2 key too: {keys}"
    );

    let unknown = admin
        .call(
            "/api/save_qualification",
            &[("code", "0801"), ("name_zh", "翻译"), ("name_en", "Translator"), ("seal_code", "nope")],
        )
        .await;
    assert_eq!(unknown.json()["Invalid"][0]["problem"], "unknown_seal");
    let saved = admin
        .call(
            "/api/save_qualification",
            &[
                ("code", "0801"),
                ("name_zh", "翻译专业资格"),
                ("name_en", "Translator"),
                ("seal_code", "cpta"),
                ("specialties", "英语笔译\n日语口译\n"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let catalog = admin.call("/api/catalog", &[]).await.json();
    let q = catalog[1].as_array().unwrap().iter().find(|q| q["code"] == "0801").unwrap().clone();
    assert_eq!(q["seal_code"], "cpta");
    assert_eq!(q["specialties"], serde_json::json!(["英语笔译", "日语口译"]));

    // Its certificates may name only those specialties.
    let header =
        "certificate_number,management_number,holder_name,id_type,id_number,qualification_code,specialty,issued_on";
    let rows =
        format!("{header}\n08012026000001,FY2026000001,孙八,resident_id,110105199001010010,0801,法语笔译,2026-11-20\n");
    let location = upload(&mut admin, "fy.csv", &rows).await.location.unwrap();
    let token = location.trim_start_matches("/admin/import/").to_string();
    let report = admin.call("/api/import_preview", &[("token", &token)]).await.json();
    assert_eq!(report[1]["errors"][0]["problem"], "specialty");
    let location = upload(&mut admin, "fy.csv", &rows.replace("法语笔译", "英语笔译")).await.location.unwrap();
    let token = location.trim_start_matches("/admin/import/").to_string();
    assert_eq!(admin.call("/api/commit_import", &[("token", &token)]).await.json()["new"], 1);
    let events = app.store.recent_audit_events(20).await.unwrap();
    assert_eq!(events.iter().filter(|(e, _, _)| e == "catalog_changed").count(), 2);
}
