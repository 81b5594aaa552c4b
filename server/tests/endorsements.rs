//! Endorsement through the HTTP interface: apply, the background workers,
//! polling, 查看 / 下载 of a copy that poppler's pdfsig accepts, and every
//! refusal (quota, bad input, someone else's, expired, revoked, legacy).

use std::time::{Duration, Instant};

use crate::support::{self, app, app_with_workers, certificate_id, ready_holder, Client, TestApp};
use axum::http::StatusCode;

async fn apply(c: &mut Client<'_>, certificate: i64, days: &str, key: &str) -> support::Reply {
    let id = certificate.to_string();
    c.call(
        "/api/apply_endorsement",
        &[("certificate_id", &id), ("scenario", "own_use"), ("days", days), ("form_key", key)],
    )
    .await
}

/// Polls the list as the page does until the endorsement leaves "generating".
async fn wait_for(c: &mut Client<'_>, certificate: i64, endorsement: i64) -> (String, Duration) {
    let started = Instant::now();
    loop {
        let list = c.call("/api/endorsements", &[("certificate_id", &certificate.to_string())]).await.json();
        let e = list.as_array().unwrap().iter().find(|e| e["id"] == endorsement).cloned().expect("listed");
        let phase = e["phase"].as_str().unwrap().to_string();
        if phase != "generating" {
            return (phase, started.elapsed());
        }
        assert!(started.elapsed() < Duration::from_secs(20), "still generating after 20 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn pdf_tool(tool: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(tool).args(args).output().unwrap_or_else(|e| panic!("{tool}: {e}"));
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

async fn audit_events(app: &TestApp) -> Vec<String> {
    app.store.recent_audit_events(200).await.unwrap().into_iter().map(|(event, _, _)| event).collect()
}

#[tokio::test]
async fn apply_generate_poll_and_download_a_copy_pdfsig_accepts() {
    let app = app().await;
    let mut zhang = ready_holder(&app, "zhangsan").await;
    let cert = certificate_id(&mut zhang, "0301202203150001").await;

    let applied = apply(&mut zhang, cert, "30", "first-key").await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
    let applied = applied.json();
    let (id, number) = (applied["id"].as_i64().unwrap(), applied["number"].as_str().unwrap().to_string());
    assert!(number.starts_with("JZ") && number.len() == 22, "{number}");
    let (phase, took) = wait_for(&mut zhang, cert, id).await;
    assert_eq!(phase, "valid");
    eprintln!("submit → ready seen by polling: {took:?}");

    let list = zhang.call("/api/certificates", &[]).await.json();
    let row = list.as_array().unwrap().iter().find(|c| c["id"] == cert).unwrap().clone();
    assert_eq!(row["endorsement"]["state"], "valid");

    // 下载: a link on the download page.
    let page = format!("/certificates/{cert}/download");
    let file = zhang.follow(&format!("/api/endorsement_file?id={id}&download=true"), &page).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.header("content-type"), "application/pdf");
    assert_eq!(file.header("content-disposition"), format!("attachment; filename=\"0301202203150001-{number}.pdf\""));
    assert!(file.bytes.starts_with(b"%PDF-"));
    // 查看: the same file, inline.
    let view = zhang.follow(&format!("/api/endorsement_file?id={id}&download=false"), &page).await;
    assert_eq!(view.status, StatusCode::OK);
    assert!(view.header("content-disposition").starts_with("inline"));
    assert_eq!(view.bytes, file.bytes, "stored bytes are served, not re-rendered");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("copy.pdf");
    std::fs::write(&path, &file.bytes).unwrap();
    let path = path.to_str().unwrap();
    let sig = pdf_tool("pdfsig", &[path]);
    assert!(sig.contains("Signature is Valid.") && sig.contains("Total document signed"), "{sig}");
    let text = pdf_tool("pdftotext", &[path, "-"]);
    for expected in ["张三", "注册安全工程师", number.as_str(), "0301202203150001", "本人调用"] {
        assert!(text.contains(expected), "{expected} not in the text:\n{text}");
    }

    // Someone else, or nobody, gets nothing.
    let mut li = ready_holder(&app, "lisi").await;
    let foreign = li.fetch(&format!("/api/endorsement_file?id={id}&download=true")).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert!(!foreign.bytes.starts_with(b"%PDF"));
    let mut anonymous = Client::new(&app);
    assert_eq!(
        anonymous.fetch(&format!("/api/endorsement_file?id={id}&download=true")).await.status,
        StatusCode::UNAUTHORIZED
    );

    let events = audit_events(&app).await;
    for event in
        ["endorsement_applied", "endorsement_ready", "endorsement_downloaded", "endorsement_viewed", "file_refused"]
    {
        assert!(events.iter().any(|e| e == event), "{event} missing from {events:?}");
    }
}

#[tokio::test]
async fn a_hundred_simultaneous_applications_give_exactly_the_quota() {
    let app = app().await;
    let zhang = ready_holder(&app, "zhangsan").await;
    let mut first = zhang.same_session();
    let cert = certificate_id(&mut first, "0301202203150001").await;
    let replies = futures::future::join_all((0..100).map(|i| {
        let mut c = zhang.same_session();
        async move { apply(&mut c, cert, "90", &format!("key-{i}")).await }
    }))
    .await;
    let accepted = replies.iter().filter(|r| r.status == StatusCode::OK).count();
    let refused: Vec<_> = replies.iter().filter(|r| r.status == StatusCode::CONFLICT).collect();
    assert_eq!((accepted, refused.len()), (3, 97));
    assert!(refused.iter().all(|r| r.body.contains("quota_reached")), "{}", refused[0].body);

    // A double submit returns the first endorsement.
    let again = apply(&mut first, cert, "90", "key-0").await;
    let original = replies[0].json();
    if replies[0].status == StatusCode::OK {
        assert_eq!(again.json()["id"], original["id"]);
    }
    let list = first.call("/api/endorsements", &[("certificate_id", &cert.to_string())]).await.json();
    assert_eq!(list.as_array().unwrap().len(), 3);
    let form = first.call("/api/endorsement_form", &[("certificate_id", &cert.to_string())]).await.json();
    assert_eq!(form["remaining"], 0);
    assert!(form["next_slot"].as_str().is_some_and(|d| d.len() == 10), "{form}");
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_records_nothing() {
    let app = app().await;
    let mut zhang = ready_holder(&app, "zhangsan").await;
    let cert = certificate_id(&mut zhang, "0301202203150001").await;
    for days in ["0", "91", "-3", "abc", "", "1e2", "99999999999999999999"] {
        let reply = apply(&mut zhang, cert, days, &format!("bad-{days}")).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "days={days:?}: {}", reply.body);
        assert!(reply.body.contains("days_out_of_range"), "{}", reply.body);
    }
    let id = cert.to_string();
    let reply = zhang
        .call(
            "/api/apply_endorsement",
            &[("certificate_id", &id), ("scenario", "employer_check"), ("days", "9"), ("form_key", "s")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("scenario_unavailable"));
    let reply =
        zhang.call("/api/apply_endorsement", &[("certificate_id", &id), ("scenario", "own_use"), ("days", "9")]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "a missing field is a bad request");

    // Without JavaScript: back to the page, which shows the error and keeps the values.
    let page = format!("/certificates/{cert}/download");
    let reply = zhang
        .submit(
            "/api/apply_endorsement",
            &[("certificate_id", &id), ("scenario", "own_use"), ("days", "120"), ("form_key", "nojs")],
        )
        .await;
    assert_eq!((reply.status, reply.location.as_deref()), (StatusCode::FOUND, Some(page.as_str())));
    let html = zhang.get(&page).await.body;
    assert!(html.contains("加注有效期须为 1 到 90 之间的整数天。"), "{html}");
    assert!(html.contains("value=\"120\""));

    // Someone else's certificate: not found, like a missing one.
    let mut li = ready_holder(&app, "lisi").await;
    let li_cert = certificate_id(&mut li, "0401202401100008").await;
    for target in [li_cert, 999_999] {
        let reply = apply(&mut zhang, target, "90", &format!("x-{target}")).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
    }
    let list = zhang.call("/api/endorsements", &[("certificate_id", &id)]).await.json();
    assert!(list.as_array().unwrap().is_empty(), "nothing was recorded");
}

#[tokio::test]
async fn legacy_downloads_directly_revoked_offers_nothing_expired_is_refused() {
    let app = app().await;
    let mut zhang = ready_holder(&app, "zhangsan").await;
    let legacy = certificate_id(&mut zhang, "0501201911200017").await;
    let revoked = certificate_id(&mut zhang, "0601202306300042").await;
    let current = certificate_id(&mut zhang, "0301202203150001").await;

    let file = zhang.follow(&format!("/api/certificate_file?id={legacy}&download=true"), "/certificates").await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.header("content-disposition"), "attachment; filename=\"0501201911200017.pdf\"");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("legacy.pdf");
    std::fs::write(&path, &file.bytes).unwrap();
    let sig = pdf_tool("pdfsig", &[path.to_str().unwrap()]);
    assert!(sig.contains("Signature is Valid.") && sig.contains("Total document signed"), "{sig}");
    assert_eq!(apply(&mut zhang, legacy, "90", "l").await.status, StatusCode::CONFLICT);

    for (cert, reason) in [(revoked, "certificate_revoked"), (current, "endorsement_required")] {
        let reply = zhang.fetch(&format!("/api/certificate_file?id={cert}&download=true")).await;
        assert_eq!(reply.status, StatusCode::CONFLICT);
        assert!(reply.body.contains(reason), "{}", reply.body);
    }
    let reply = apply(&mut zhang, revoked, "90", "r").await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(reply.body.contains("certificate_revoked"));

    // 李四's seeded copy expired long ago.
    let mut li = ready_holder(&app, "lisi").await;
    let cert = certificate_id(&mut li, "0401202401100008").await;
    let list = li.call("/api/endorsements", &[("certificate_id", &cert.to_string())]).await.json();
    let expired = &list.as_array().unwrap()[0];
    assert_eq!(expired["phase"], "expired");
    let id = expired["id"].as_i64().unwrap();
    let reply = li.fetch(&format!("/api/endorsement_file?id={id}&download=true")).await;
    assert_eq!(reply.status, StatusCode::GONE);
    // Following a stale link: back to the page, which says why.
    let page = format!("/certificates/{cert}/download");
    let reply = li.follow(&format!("/api/endorsement_file?id={id}&download=false"), &page).await;
    assert_eq!((reply.status, reply.location.as_deref()), (StatusCode::FOUND, Some(page.as_str())));
    let html = li.get(&page).await.body;
    assert!(html.contains("加注件已过期，不能查看或下载。"), "{html}");
    assert!(!html.contains("data-testid=\"endorsement-download\""));
}

#[tokio::test]
async fn a_copy_that_cannot_be_made_fails_without_using_the_quota_and_can_be_retried() {
    let mut workers = server::worker::WorkerConfig::new(1);
    workers.max_attempts = 2;
    workers.first_backoff = Duration::from_millis(200);
    workers.idle_poll = Duration::from_millis(100);
    let app = app_with_workers(workers).await;
    // A seal added after start has no key loaded: signing fails every time.
    use app::store::{NewCertificate, NewQualification, NewSeal};
    app.store.upsert_seal(&NewSeal { code: "late", name: "迟到的印章", authority: "某协会" }).await.unwrap();
    let q =
        NewQualification {
            code: "9901", name_zh: "测试资格", name_en: "Test", seal_code: "late", specialties: &[]
        };
    app.store.upsert_qualification(&q).await.unwrap();
    let issued_on = app::domain::calendar::Ymd::parse_iso("2024-01-01").unwrap();
    app.store
        .insert_certificate(&NewCertificate {
            certificate_number: "9901202401010001",
            management_number: "9901202401010001",
            holder_name: "张三",
            id_type: app::domain::id_document::IdType::ResidentId,
            id_number: "110105198503150019",
            qualification_code: "9901",
            specialty: None,
            issued_on,
            status: app::domain::certificate::CertificateStatus::Valid,
            revoked_on: None,
        })
        .await
        .unwrap();
    let mut zhang = ready_holder(&app, "zhangsan").await;
    let cert = certificate_id(&mut zhang, "9901202401010001").await;
    let id = apply(&mut zhang, cert, "10", "k").await.json()["id"].as_i64().unwrap();
    let (phase, _) = wait_for(&mut zhang, cert, id).await;
    assert_eq!(phase, "failed");
    let form = zhang.call("/api/endorsement_form", &[("certificate_id", &cert.to_string())]).await.json();
    assert_eq!(form["remaining"], 3, "a failed copy does not count");
    let reply = zhang.fetch(&format!("/api/endorsement_file?id={id}&download=true")).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);

    let retried =
        zhang.call("/api/retry_endorsement", &[("certificate_id", &cert.to_string()), ("id", &id.to_string())]).await;
    assert_eq!(retried.status, StatusCode::OK, "{}", retried.body);
    let (phase, _) = wait_for(&mut zhang, cert, id).await;
    assert_eq!(phase, "failed", "fails again, still retryable");
    assert!(audit_events(&app).await.iter().any(|e| e == "endorsement_failed"));
}

/// 50 holders apply at the same moment, each for their own certificate:
/// every copy is made, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_holders_endorsing_at_once_all_get_their_copy() {
    use app::domain::{calendar::Ymd, certificate::CertificateStatus, id_document::IdType};
    use app::store::{NewCertificate, NewHolder};

    let app = app().await;
    let hash = app::auth::password::hash(support::DEMO_PASSWORD);
    let people: Vec<(String, String, String)> = (0..50)
        .map(|n| (format!("load{n:02}"), app::service::import::sample::id_number(500 + n), format!("0301202699{n:06}")))
        .collect();
    for (username, id_number, number) in &people {
        let holder = NewHolder {
            username,
            password_hash: &hash,
            real_name: "测试",
            id_type: IdType::ResidentId,
            id_number,
            phone: None,
            email: None,
        };
        app.store.create_holder(&holder).await.unwrap();
        let certificate = NewCertificate {
            certificate_number: number,
            management_number: number,
            holder_name: "测试",
            id_type: IdType::ResidentId,
            id_number,
            qualification_code: "0301",
            specialty: None,
            issued_on: Ymd::parse_iso("2026-06-01").unwrap(),
            status: CertificateStatus::Valid,
            revoked_on: None,
        };
        app.store.insert_certificate(&certificate).await.unwrap();
    }
    let mut clients = Vec::new();
    for (username, _, number) in &people {
        let mut c = ready_holder(&app, username).await;
        let cert = certificate_id(&mut c, number).await;
        clients.push((c, cert));
    }
    let started = Instant::now();
    let applied = futures::future::join_all(clients.iter_mut().map(|(c, cert)| {
        let cert = *cert;
        async move { apply(c, cert, "30", "at-once").await }
    }))
    .await;
    assert!(
        applied.iter().all(|r| r.status == StatusCode::OK),
        "{:?}",
        applied.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for ((c, cert), reply) in clients.iter_mut().zip(&applied) {
        let id = reply.json()["id"].as_i64().unwrap();
        let (phase, _) = wait_for(c, *cert, id).await;
        assert_eq!(phase, "valid");
    }
    eprintln!("50 copies applied for at once, all ready after {:?}", started.elapsed());
    // These 50 only (the demo's pending copy is made at start too).
    let (files, issued): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM endorsement_files f JOIN endorsements e ON e.id = f.endorsement_id
                 WHERE e.idempotency_key = 'at-once'),
                (SELECT COUNT(*) FROM issued_files i JOIN endorsements e ON e.id = i.endorsement_id
                 WHERE e.idempotency_key = 'at-once')",
    )
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert_eq!((files, issued), (50, 50), "one file per endorsement");
}
