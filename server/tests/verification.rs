//! 证书查验 through HTTP: the JSON API, the page forms with and without
//! JavaScript, files we issued and files we did not, the log of every
//! check, and the per-address rate limit.

use crate::support::{app, app_with, certificate_id, endorsed_copy, ready_holder, Client, Reply};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};

async fn post_json(c: &mut Client<'_>, path: &str, body: serde_json::Value) -> Reply {
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    c.send(request).await
}

async fn post_pdf(c: &mut Client<'_>, bytes: Vec<u8>) -> Reply {
    let request = Request::post("/api/v1/verify/file")
        .header(header::CONTENT_TYPE, "application/pdf")
        .body(Body::from(bytes))
        .unwrap();
    c.send(request).await
}

/// The upload form, as a browser without JavaScript posts it.
async fn upload_form(c: &mut Client<'_>, file_name: &str, bytes: &[u8]) -> Reply {
    let boundary = "----ecertBoundary7MA4YWxkTrZu0gW";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = Request::post("/verify/file")
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .header(header::ACCEPT, "text/html")
        .body(Body::from(body))
        .unwrap();
    c.send(request).await
}

#[tokio::test]
async fn number_and_name_must_both_match_and_say_nothing_else() {
    let app = app().await;
    let mut c = Client::new(&app);
    let check = |number: &str, name: &str| serde_json::json!({ "certificate_number": number, "holder_name": name });

    let ok = post_json(&mut c, "/api/v1/verify/certificate", check(" 0301202203150001 ", "张 三")).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let v = ok.json();
    assert_eq!(v["outcome"], "valid");
    assert_eq!(v["method"], "certificate");
    assert_eq!(v["certificate"]["holder_name"], "张三");
    assert_eq!(v["certificate"]["id_number_masked"], "1101**********0019");
    assert!(!ok.body.contains("110105198503150019"), "the full ID number never leaves the server");
    assert_eq!(v["verification_id"].as_str().unwrap().len(), 32);
    assert!(v["result_url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/verify/result/{}", v["verification_id"].as_str().unwrap())));

    let wrong_name = post_json(&mut c, "/api/v1/verify/certificate", check("0301202203150001", "李四")).await;
    let wrong_number = post_json(&mut c, "/api/v1/verify/certificate", check("0301202203150009", "张三")).await;
    for reply in [&wrong_name, &wrong_number] {
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        let v = reply.json();
        assert_eq!(v["outcome"], "no_match");
        assert!(v["certificate"].is_null() && v["endorsement"].is_null());
    }

    let revoked = post_json(&mut c, "/api/v1/verify/certificate", check("0601202306300042", "张三")).await.json();
    assert_eq!(revoked["outcome"], "revoked");
    assert_eq!(revoked["certificate"]["revoked_on"], "2024-02-01");

    let missing = post_json(&mut c, "/api/v1/verify/certificate", check("", "  ")).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(missing.json()["error"], "invalid_input");
    assert_eq!(missing.json()["fields"].as_array().unwrap().len(), 2);
    let garbled = c
        .send(
            Request::post("/api/v1/verify/certificate")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{"))
                .unwrap(),
        )
        .await;
    assert_eq!(garbled.status, StatusCode::BAD_REQUEST);
    assert_eq!(garbled.json()["error"], "bad_request");

    // Without JavaScript the form lands on the result page; errors go back with the values kept.
    let mut browser = Client::new(&app);
    let posted = browser
        .submit("/api/verify_certificate", &[("certificate_number", "0301202203150001"), ("holder_name", "张三")])
        .await;
    let result = posted.location.clone().unwrap_or_else(|| panic!("no redirect: {} {}", posted.status, posted.body));
    assert!(result.starts_with("/verify/result/"), "{result}");
    let page = browser.get(&result).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("data-outcome=\"valid\"") && page.body.contains("证书有效"), "{}", page.body);
    let refused = browser
        .submit("/api/verify_certificate", &[("certificate_number", "0301202203150001"), ("holder_name", " ")])
        .await;
    assert_eq!(refused.location.as_deref(), Some("/verify"));
    let form = browser.get("/verify").await;
    assert!(form.body.contains("value=\"0301202203150001\""), "the number is kept");
    assert!(form.body.contains("error-holder_name"), "the name is flagged");
    assert_eq!(browser.get("/verify/result/00000000000000000000000000000000").await.status, StatusCode::OK);

    let logged: Vec<String> =
        app.store.recent_audit_events(100).await.unwrap().into_iter().map(|(e, _, _)| e).collect();
    assert_eq!(logged.iter().filter(|e| *e == "verification").count(), 5, "{logged:?}");
}

#[tokio::test]
async fn an_endorsed_copy_verifies_by_number_qr_address_and_upload_and_changes_do_not() {
    let app = app().await;
    let (number, pdf) = endorsed_copy(&app, "copy").await;
    let mut c = Client::new(&app);

    let by_number = c.fetch(&format!("/api/v1/verify/endorsement/{}", number.to_lowercase())).await;
    assert_eq!(by_number.status, StatusCode::OK, "{}", by_number.body);
    let v = by_number.json();
    assert_eq!(v["outcome"], "valid");
    assert_eq!(v["endorsement"]["number"], number.as_str());
    assert_eq!(v["endorsement"]["standing"], "valid");
    assert_eq!(v["certificate"]["certificate_number"], "0301202203150001");
    assert_eq!(c.fetch("/api/v1/verify/endorsement/JZ20260101AAAAAAAAAAAA").await.status, StatusCode::NOT_FOUND);

    // The QR code's address is a page; the form's GET leads there.
    let qr = c.get(&format!("/v/{number}")).await;
    assert_eq!(qr.status, StatusCode::OK);
    assert!(qr.body.contains("data-outcome=\"valid\"") && qr.body.contains(&number), "{}", qr.body);
    let typed = c.get(&format!("/v?number=+{}+", number.to_lowercase())).await;
    assert_eq!(typed.location.as_deref(), Some(format!("/v/{number}").as_str()));
    assert_eq!(c.get("/v?number=").await.location.as_deref(), Some("/verify?number=missing#by-endorsement"));

    let upload = post_pdf(&mut c, pdf.clone()).await;
    assert_eq!(upload.status, StatusCode::OK, "{}", upload.body);
    let v = upload.json();
    assert_eq!(v["outcome"], "valid", "{v}");
    assert_eq!(v["file"]["matches_record"], true);
    assert_eq!(v["file"]["signer"], "中华人民共和国人力资源和社会保障部专业技术人员职业资格证书专用章");
    assert_eq!(v["endorsement"]["number"], number.as_str());

    let mut tampered = pdf.clone();
    let at = tampered.len() / 3;
    tampered[at] ^= 0x20;
    let v = post_pdf(&mut c, tampered).await.json();
    assert_eq!((v["outcome"].as_str(), v["file"]["problem"].as_str()), (Some("invalid"), Some("digest_mismatch")));
    assert!(v["certificate"].is_null(), "a broken file names no record");

    let mut appended = pdf.clone();
    appended.extend_from_slice(b"\n% appended\n");
    let v = post_pdf(&mut c, appended).await.json();
    assert_eq!(v["file"]["problem"], "modified_after_signing");
    assert_eq!(v["file"]["signature_valid"], true);
    assert_eq!(v["outcome"], "invalid");

    assert_eq!(post_pdf(&mut c, b"hello".to_vec()).await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let empty = post_pdf(&mut c, Vec::new()).await;
    assert_eq!((empty.status, empty.json()["error"].as_str()), (StatusCode::BAD_REQUEST, Some("no_file")));
    let mut huge = pdf.clone();
    huge.resize(6 * 1024 * 1024, b' ');
    let too_large = post_pdf(&mut c, huge).await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(too_large.json()["file"]["problem"], "too_large");

    // The page's upload form, without JavaScript: to the result page.
    let posted = upload_form(&mut c, "copy.pdf", &pdf).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER);
    let result = posted.location.unwrap();
    let page = c.get(&result).await;
    assert!(page.body.contains("data-outcome=\"valid\"") && page.body.contains("data-value=\"true\""), "{}", page.body);
    let none = upload_form(&mut c, "", b"").await;
    assert_eq!(none.location.as_deref(), Some("/verify?file=missing#by-file"));

    let rows: Vec<(String, String, Option<i64>)> =
        sqlx::query_as("SELECT method, outcome, endorsement_id FROM verifications ORDER BY id")
            .fetch_all(app.store.pool())
            .await
            .unwrap();
    assert_eq!(rows.len(), 9, "every check but the empty upload: {rows:?}");
    assert_eq!(rows[0], ("endorsement".into(), "valid".into(), rows[0].2));
    assert!(rows[0].2.is_some(), "linked to the endorsement for the holder's view");
}

#[tokio::test]
async fn the_command_line_check_gives_the_same_verdict_offline() {
    let app = app().await;
    let (_, pdf) = endorsed_copy(&app, "copy").await;
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("copy.pdf");
    std::fs::write(&good, &pdf).unwrap();
    let mut tampered = pdf.clone();
    tampered[pdf.len() / 2] ^= 0x01;
    let bad = dir.path().join("tampered.pdf");
    std::fs::write(&bad, &tampered).unwrap();

    assert!(server::verify_cli::run(&app.settings, &good, false).await.unwrap(), "valid: exit 0");
    assert!(!server::verify_cli::run(&app.settings, &bad, true).await.unwrap(), "tampered: exit 1");
    let missing = server::verify_cli::run(&app.settings, &dir.path().join("none.pdf"), false).await;
    assert!(missing.unwrap_err().to_string().contains("cannot read"));
    // Nothing is logged and no database is created by the command.
    let logged: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM verifications").fetch_one(app.store.pool()).await.unwrap();
    assert_eq!(logged, 0);
    let mut elsewhere = app.settings.clone();
    elsewhere.database_url = format!("sqlite://{}", dir.path().join("absent.db").display());
    assert!(server::verify_cli::run(&elsewhere, &good, false).await.is_err());
    assert!(!dir.path().join("absent.db").exists());
}

#[tokio::test]
async fn a_direct_download_matches_its_record_and_expired_copies_say_so() {
    let app = app().await;
    let mut zhang = ready_holder(&app, "zhangsan").await;
    let list = zhang.call("/api/certificates", &[]).await.json();
    let legacy = list.as_array().unwrap().iter().find(|x| x["certificate_number"] == "0501201911200017").unwrap()["id"]
        .as_i64()
        .unwrap();
    let file = zhang.fetch(&format!("/api/certificate_file?id={legacy}&download=true")).await;
    assert_eq!(file.status, StatusCode::OK);
    let v = post_pdf(&mut Client::new(&app), file.bytes).await.json();
    assert_eq!(v["outcome"], "valid", "{v}");
    assert_eq!(v["certificate"]["certificate_number"], "0501201911200017");
    assert!(v["endorsement"].is_null());

    let expired: String = sqlx::query_scalar(
        "SELECT e.number FROM endorsements e JOIN certificates c ON c.id = e.certificate_id
         WHERE c.certificate_number = '0401202401100008'",
    )
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    let v = Client::new(&app).fetch(&format!("/api/v1/verify/endorsement/{expired}")).await.json();
    assert_eq!((v["outcome"].as_str(), v["endorsement"]["standing"].as_str()), (Some("expired"), Some("expired")));
}

#[tokio::test]
async fn too_many_checks_from_one_address_are_refused_with_a_clear_answer() {
    // One a minute after the burst: no slow run can earn another in time.
    let env = [("ECERT_VERIFY_BURST", "3"), ("ECERT_VERIFY_PER_MINUTE", "1")];
    let app = app_with(server::worker::WorkerConfig::new(1), &env).await;
    let mut c = Client::new(&app);
    for _ in 0..3 {
        assert_eq!(c.fetch("/api/v1/verify/endorsement/JZ1").await.status, StatusCode::NOT_FOUND);
    }
    let refused = c.fetch("/api/v1/verify/endorsement/JZ1").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.json()["error"], "rate_limited");
    assert!(refused.header("retry-after").parse::<u64>().unwrap() >= 1);
    let page = c.get("/v/JZ1").await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.body.contains("查验过于频繁"), "{}", page.body);
    let wasm = c.call("/api/verify_endorsement", &[("number", "JZ1")]).await;
    assert_eq!(wasm.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(wasm.body.contains("RateLimited"), "{}", wasm.body);
    // Other pages are not limited.
    assert_eq!(c.get("/verify").await.status, StatusCode::OK);
    assert_eq!(c.get("/login").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_withdrawn_copy_says_so_everywhere_and_its_holder_sees_who_checked_it() {
    let app = app().await;
    let (number, pdf) = endorsed_copy(&app, "withdraw").await;
    let mut verifier = Client::new(&app);
    assert_eq!(verifier.fetch(&format!("/api/v1/verify/endorsement/{number}")).await.json()["outcome"], "valid");
    assert_eq!(post_pdf(&mut verifier, pdf.clone()).await.json()["outcome"], "valid");

    let mut zhang = ready_holder(&app, "zhangsan").await;
    let cert = certificate_id(&mut zhang, "0301202203150001").await.to_string();
    let copies = zhang.call("/api/endorsements", &[("certificate_id", &cert)]).await.json();
    let copy = copies.as_array().unwrap().iter().find(|e| e["number"] == number.as_str()).unwrap().clone();
    assert_eq!(copy["checks"], 2, "the list's count");
    let id = copy["id"].as_i64().unwrap().to_string();
    let ids = [("certificate_id", cert.as_str()), ("id", id.as_str())];

    // 查验记录: both checks, newest first, without an address (none here).
    let detail = zhang.call("/api/endorsement_detail", &ids).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
    let checks: Vec<(String, String)> = detail.json()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["method"].as_str().unwrap().into(), c["outcome"].as_str().unwrap().into()))
        .collect();
    assert_eq!(checks, [("file".into(), "valid".into()), ("endorsement".into(), "valid".into())]);
    let mut li = ready_holder(&app, "lisi").await;
    assert_eq!(li.call("/api/endorsement_detail", &ids).await.status, StatusCode::NOT_FOUND, "someone else's");

    // Not without the box ticked: a field error, nothing changes.
    let unconfirmed = zhang.call("/api/cancel_endorsement", &ids).await;
    assert_ne!(unconfirmed.status, StatusCode::OK);
    assert!(unconfirmed.body.contains("confirmation_required"), "{}", unconfirmed.body);
    assert_eq!(verifier.fetch(&format!("/api/v1/verify/endorsement/{number}")).await.json()["outcome"], "valid");
    let confirmed = [ids[0], ids[1], ("confirm", "yes")];
    assert_eq!(li.call("/api/cancel_endorsement", &confirmed).await.status, StatusCode::NOT_FOUND);

    let cancelled = zhang.call("/api/cancel_endorsement", &confirmed).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    // At once: the number, the QR page and the file all say withdrawn, with the time.
    let v = verifier.fetch(&format!("/api/v1/verify/endorsement/{number}")).await.json();
    assert_eq!((v["outcome"].as_str(), v["endorsement"]["standing"].as_str()), (Some("cancelled"), Some("cancelled")));
    assert!(v["endorsement"]["cancelled_at"].as_str().is_some_and(|t| t.len() == 19), "{v}");
    assert_eq!(post_pdf(&mut verifier, pdf).await.json()["outcome"], "cancelled");
    let qr = verifier.get(&format!("/v/{number}")).await;
    assert!(qr.body.contains("data-outcome=\"cancelled\"") && qr.body.contains("verdict-cancelled-at"), "{}", qr.body);
    // The holder: no file any more, the record and the log stay; once only.
    let page = format!("/certificates/{cert}/download");
    let file = zhang.follow(&format!("/api/endorsement_file?id={id}&download=true"), &page).await;
    assert_ne!(file.status, StatusCode::OK);
    assert!(!file.bytes.starts_with(b"%PDF"));
    let detail = zhang.get(&format!("/certificates/{cert}/endorsements/{id}")).await;
    assert!(detail.body.contains("data-testid=\"cancelled-notice\""), "{}", detail.body);
    assert!(!detail.body.contains("data-testid=\"cancel-form\""), "nothing left to withdraw");
    let again = zhang.call("/api/cancel_endorsement", &confirmed).await;
    assert!(again.body.contains("cancelled"), "{}", again.body);
    let stored: Option<Vec<u8>> = sqlx::query_scalar(
        "SELECT pdf FROM endorsement_files f JOIN endorsements e ON e.id = f.endorsement_id WHERE e.number = $1",
    )
    .bind(&number)
    .fetch_optional(app.store.pool())
    .await
    .unwrap();
    assert!(stored.is_none(), "the file is deleted");
    let copies = zhang.call("/api/endorsements", &[("certificate_id", &cert)]).await.json();
    let copy = copies.as_array().unwrap().iter().find(|e| e["number"] == number.as_str()).unwrap().clone();
    assert_eq!((copy["phase"].as_str(), copy["checks"].as_i64()), (Some("cancelled"), Some(6)));
    let quota = zhang.call("/api/endorsement_form", &[("certificate_id", &cert)]).await.json();
    assert_eq!(quota["remaining"], 2, "withdrawing gives no application back");
}

async fn post_credential(c: &mut Client<'_>, body: &[u8]) -> Reply {
    let request = Request::post("/api/v1/verify/credential")
        .header(header::CONTENT_TYPE, "application/vc")
        .body(Body::from(body.to_vec()))
        .unwrap();
    c.send(request).await
}

#[tokio::test]
async fn a_copys_credential_verifies_with_the_published_keys_and_follows_the_record() {
    let app = app().await;
    let (number, _pdf) = endorsed_copy(&app, "credential").await;
    let mut zhang = ready_holder(&app, "zhangsan").await;
    let cert = certificate_id(&mut zhang, "0301202203150001").await.to_string();
    let copies = zhang.call("/api/endorsements", &[("certificate_id", &cert)]).await.json();
    let id = copies.as_array().unwrap().iter().find(|e| e["number"] == number.as_str()).unwrap()["id"].to_string();

    let download = zhang.fetch(&format!("/api/endorsement_credential?id={id}")).await;
    assert_eq!(download.status, StatusCode::OK, "{}", download.body);
    assert_eq!(download.header("content-type"), "application/vc");
    assert_eq!(
        download.header("content-disposition"),
        format!("attachment; filename=\"0301202203150001-{number}.vc.json\"")
    );
    let vc = download.json();
    assert_eq!(vc["credentialSubject"]["endorsementNumber"], number.as_str());
    assert_eq!(vc["proof"]["cryptosuite"], "ecdsa-jcs-2019");
    let again = zhang.fetch(&format!("/api/endorsement_credential?id={id}")).await;
    assert_eq!(again.bytes, download.bytes, "the same credential each time (RFC 6979, fixed dates)");
    let mut li = ready_holder(&app, "lisi").await;
    assert_eq!(li.fetch(&format!("/api/endorsement_credential?id={id}")).await.status, StatusCode::NOT_FOUND);

    // What a verifier needs offline: the seal's DID document and our context.
    let mut verifier = Client::new(&app);
    let did = verifier.fetch("/seals/mohrss/did.json").await;
    assert_eq!(did.status, StatusCode::OK);
    assert_eq!(did.header("access-control-allow-origin"), "*");
    let did = did.json();
    assert_eq!(did["id"], vc["issuer"]["id"]);
    let method = vc["proof"]["verificationMethod"].as_str().unwrap();
    assert!(did["assertionMethod"].as_array().unwrap().iter().any(|m| m == method), "{did}");
    assert_eq!(verifier.fetch("/seals/nobody/did.json").await.status, StatusCode::NOT_FOUND);
    assert_eq!(verifier.fetch("/seals/..%2Fca/did.json").await.status, StatusCode::NOT_FOUND);
    let context = verifier.fetch("/ns/credentials/v1").await;
    assert_eq!((context.status, context.header("content-type")), (StatusCode::OK, "application/ld+json"));
    assert!(context.json()["@context"]["endorsementNumber"].is_string());

    let checked = post_credential(&mut verifier, &download.bytes).await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
    let v = checked.json();
    assert_eq!((v["outcome"].as_str(), v["method"].as_str()), (Some("valid"), Some("credential")));
    assert_eq!(
        (v["credential"]["proof_valid"].as_bool(), v["credential"]["matches_record"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(v["endorsement"]["number"], number.as_str());

    let mut tampered = vc.clone();
    tampered["credentialSubject"]["holderName"] = "张四".into();
    let v = post_credential(&mut verifier, tampered.to_string().as_bytes()).await.json();
    assert_eq!((v["outcome"].as_str(), v["credential"]["problem"].as_str()), (Some("invalid"), Some("bad_signature")));
    assert!(v["certificate"].is_null(), "a forged credential names no record");
    let refused = post_credential(&mut verifier, b"%PDF-1.7").await;
    assert_eq!(refused.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(post_credential(&mut verifier, b"").await.status, StatusCode::BAD_REQUEST);
    let mut huge = download.bytes.clone();
    huge.resize(70 * 1024, b' ');
    assert_eq!(post_credential(&mut verifier, &huge).await.status, StatusCode::PAYLOAD_TOO_LARGE);

    // The page's form, pasted: the result page. Then the record moves on:
    // withdrawn, the same credential now says so.
    let boundary = "----ecertCredential";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"credential\"\r\n\r\n").into_bytes();
    body.extend_from_slice(&download.bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = Request::post("/verify/credential")
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .header(header::ACCEPT, "text/html")
        .body(Body::from(body))
        .unwrap();
    let posted = verifier.send(request).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER);
    // Nothing chosen and nothing pasted: back to the form with the reason, nothing logged.
    let empty = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n\r\n\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"credential\"\r\n\r\n  \r\n--{boundary}--\r\n"
    );
    let request = Request::post("/verify/credential")
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .header(header::ACCEPT, "text/html")
        .body(Body::from(empty))
        .unwrap();
    let missing = verifier.send(request).await;
    assert_eq!(missing.location.as_deref(), Some("/verify?credential=missing#by-credential"));
    let form = verifier.get("/verify?credential=missing").await;
    assert!(
        form.body.contains("credential-error") && form.body.contains("请上传电子凭证文件或粘贴其内容。"),
        "{}",
        form.body
    );
    let page = verifier.get(&posted.location.unwrap()).await;
    assert!(page.body.contains("data-outcome=\"valid\"") && page.body.contains("verdict-credential"), "{}", page.body);

    let cancel = [("certificate_id", cert.as_str()), ("id", id.as_str()), ("confirm", "yes")];
    assert_eq!(zhang.call("/api/cancel_endorsement", &cancel).await.status, StatusCode::OK);
    let v = post_credential(&mut verifier, &download.bytes).await.json();
    assert_eq!(v["outcome"], "cancelled");
    assert_ne!(zhang.fetch(&format!("/api/endorsement_credential?id={id}")).await.status, StatusCode::OK);
    let methods: Vec<String> = sqlx::query_scalar("SELECT method FROM verifications WHERE method = 'credential'")
        .fetch_all(app.store.pool())
        .await
        .unwrap();
    assert_eq!(methods.len(), 7, "every credential check is logged, the empty one too");
}

#[tokio::test]
async fn a_copy_downloads_as_a_sealed_ofd_that_verifies_until_withdrawn() {
    let app = app().await;
    let (number, _pdf) = endorsed_copy(&app, "ofd").await;
    let mut zhang = ready_holder(&app, "zhangsan").await;
    let cert = certificate_id(&mut zhang, "0301202203150001").await.to_string();
    let copies = zhang.call("/api/endorsements", &[("certificate_id", &cert)]).await.json();
    let id = copies.as_array().unwrap().iter().find(|e| e["number"] == number.as_str()).unwrap()["id"].to_string();

    let download = zhang.fetch(&format!("/api/endorsement_ofd?id={id}")).await;
    assert_eq!(download.status, StatusCode::OK, "{}", download.body);
    assert_eq!(download.header("content-type"), "application/ofd");
    assert_eq!(
        download.header("content-disposition"),
        format!("attachment; filename=\"0301202203150001-{number}.ofd\"")
    );
    assert!(download.bytes.starts_with(b"PK\x03\x04"), "a ZIP package");
    let again = zhang.fetch(&format!("/api/endorsement_ofd?id={id}")).await;
    assert_eq!(again.bytes, download.bytes, "made again from the same facts: the same package");
    let digest = app::pdf_signature::file_sha256(&download.bytes);
    let remembered: Option<i64> = sqlx::query_scalar("SELECT endorsement_id FROM issued_files WHERE sha256 = $1")
        .bind(&digest)
        .fetch_optional(app.store.pool())
        .await
        .unwrap();
    assert_eq!(remembered.map(|e| e.to_string()), Some(id.clone()));
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE event = 'endorsement_downloaded' AND detail = 'ofd' AND subject = $1",
    )
    .bind(&number)
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert_eq!(audited, 2);

    // 证书查验 of the uploaded package, through the JSON API and offline.
    let mut verifier = Client::new(&app);
    let v = post_pdf(&mut verifier, download.bytes.clone()).await.json();
    assert_eq!((v["outcome"].as_str(), v["method"].as_str()), (Some("valid"), Some("file")), "{v}");
    assert_eq!(v["file"]["trusted"], true);
    assert_eq!(v["file"]["matches_record"], true);
    assert_eq!(v["endorsement"]["number"], number.as_str());
    let mut tampered = download.bytes.clone();
    let at = tampered.len() / 2;
    tampered[at] ^= 0x01;
    let v = post_pdf(&mut verifier, tampered.clone()).await.json();
    assert_eq!(v["outcome"], "invalid", "{v}");
    let dir = tempfile::tempdir().unwrap();
    let (good, bad) = (dir.path().join("copy.ofd"), dir.path().join("tampered.ofd"));
    std::fs::write(&good, &download.bytes).unwrap();
    std::fs::write(&bad, &tampered).unwrap();
    assert!(server::verify_cli::run(&app.settings, &good, false).await.unwrap(), "valid: exit 0");
    assert!(!server::verify_cli::run(&app.settings, &bad, false).await.unwrap(), "tampered: exit 1");

    let mut li = ready_holder(&app, "lisi").await;
    assert_eq!(li.fetch(&format!("/api/endorsement_ofd?id={id}")).await.status, StatusCode::NOT_FOUND);
    let cancel = [("certificate_id", cert.as_str()), ("id", id.as_str()), ("confirm", "yes")];
    assert_eq!(zhang.call("/api/cancel_endorsement", &cancel).await.status, StatusCode::OK);
    assert_ne!(zhang.fetch(&format!("/api/endorsement_ofd?id={id}")).await.status, StatusCode::OK, "withdrawn");
    let v = post_pdf(&mut verifier, download.bytes.clone()).await.json();
    assert_eq!(v["outcome"], "cancelled", "a withdrawn copy's package says so: {v}");
}
