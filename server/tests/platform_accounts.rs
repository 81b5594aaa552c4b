//! Holders with an exam-registration platform account (docs/accounts.md):
//! the demo's imported accounts sign in with their platform password once,
//! after which ecert's Argon2id replaces the platform hash; 账户导入 on the
//! portal (administrators only) and `server accounts import`.

use crate::support::{self, app, staff, staff_client, Client, TestApp, DEMO_PASSWORD};

async fn stored(app: &TestApp, username: &str) -> (String, i64) {
    sqlx::query_as("SELECT password_hash, password_imported FROM holders WHERE username = $1")
        .bind(username)
        .fetch_one(app.store.pool())
        .await
        .unwrap()
}

async fn events(app: &TestApp, event: &str) -> Vec<(Option<i64>, Option<String>)> {
    sqlx::query_as("SELECT holder_id, detail FROM audit_log WHERE event = $1 ORDER BY id")
        .bind(event)
        .fetch_all(app.store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_bcrypt_and_a_django_account_sign_in_with_their_old_password_then_hold_argon2id() {
    let app = app().await;
    for (username, prefix, format) in
        [("kaosheng01", "$2y$10$", "bcrypt"), ("kaosheng02", "pbkdf2_sha256$1000000$", "PBKDF2-SHA256 (Django)")]
    {
        let (hash, imported) = stored(&app, username).await;
        assert!(hash.starts_with(prefix) && imported == 1, "{username}: {hash}");

        // A wrong password: refused as any other, the hash left as it is.
        // (Once: a million PBKDF2 iterations run slowly in a debug build.)
        if format == "bcrypt" {
            let wrong = Client::new(&app).log_in(username, "Ecert@2027").await;
            assert!(wrong.location.is_none());
            assert_eq!(stored(&app, username).await, (hash.clone(), 1));
        }

        // The platform password: signed in, 服务须知 first, as any holder.
        let mut holder = Client::new(&app);
        let first = holder.log_in(username, DEMO_PASSWORD).await;
        assert_eq!(first.location.as_deref(), Some("/terms"), "{username}: {} {}", first.status, first.body);
        let (upgraded, imported) = stored(&app, username).await;
        assert!(upgraded.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{username}: {upgraded}");
        assert_eq!(imported, 0);
        assert!(!upgraded.contains(&hash[hash.len() - 20..]), "the platform hash is gone");
        let upgrades = events(&app, "password_upgraded").await;
        assert_eq!(upgrades.last().unwrap().1.as_deref(), Some(format));

        // The certificates issued to the same ID document are theirs.
        let accepted = holder.call("/api/accept_terms", &[("version", app::terms::CURRENT)]).await;
        assert_eq!(accepted.location.as_deref(), Some("/certificates"));
        let list = holder.call("/api/certificates", &[]).await.json();
        assert_eq!(list.as_array().unwrap().len(), 1, "{list}");

        // Next time: ecert's own hash, the same password, no second upgrade.
        let again = Client::new(&app).log_in(username, DEMO_PASSWORD).await;
        assert_eq!(again.location.as_deref(), Some("/certificates"));
        assert_eq!(events(&app, "password_upgraded").await.len(), upgrades.len());
    }
}

/// Header and rows of the format, one holder per ID number.
fn accounts_file(rows: &[(&str, &str, &str)]) -> String {
    let mut file = String::from("username,real_name,id_type,id_number,phone,email,password_hash\n");
    for (username, id_number, hash) in rows {
        file += &format!("{username},周十一,resident_id,{id_number},,,{hash}\n");
    }
    file
}

#[tokio::test]
async fn the_portal_imports_accounts_for_administrators_only_and_a_bad_file_writes_nothing() {
    let app = app().await;
    staff(&app, "admin", None).await;
    staff(&app, "cbaissuer", Some("cba")).await;
    let hash = app::service::account_import::sample::HASH;
    let (a, b) = (app::service::import::sample::id_number(5001), app::service::import::sample::id_number(5002));
    let holders = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM holders").fetch_one(app.store.pool()).await.unwrap()
    };
    let before = holders().await;

    let mut admin = staff_client(&app, "admin").await;
    // Every problem, by line and column: a username of a demo holder, an ID
    // already linked, a plaintext "hash", a cost under the floor.
    let bad = accounts_file(&[
        ("zhangsan", &a, hash),
        ("newcomer1", "110105198503150019", hash),
        ("newcomer2", &b, "Ecert@2026"),
        ("newcomer3", &app::service::import::sample::id_number(5003), "$2b$04$hoCYjyPxMSR2Y1EGP/toDOmPzGpfECcq9C4wTlaOe1Gdb1uGBkMMG"),
    ]);
    let uploaded = support::upload(&mut admin, "accounts", "platform.csv", &bad).await;
    let location = uploaded.location.expect("the report's address");
    let token = location.strip_prefix("/admin/accounts/import/").expect(&location).to_string();
    let page = admin.get(&location).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("该用户名已被其他账户使用"), "the problems are listed in the page");
    let report = admin.call("/api/account_import_preview", &[("token", &token)]).await.json();
    let found: Vec<(i64, String)> = report[1]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_i64().unwrap(), e["column"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        found,
        [(2, "username".into()), (3, "id_number".into()), (4, "password_hash".into()), (5, "password_hash".into())]
    );
    let refused = admin.call("/api/commit_account_import", &[("token", &token)]).await.json();
    assert_eq!(refused["batch_id"], serde_json::Value::Null);
    assert_eq!(holders().await, before, "nothing written");

    // Fixed: loaded in one batch; the same file again changes nothing.
    let good = accounts_file(&[("newcomer1", &a, hash), ("newcomer2", &b, hash)]);
    let location = support::upload(&mut admin, "accounts", "platform.csv", &good).await.location.unwrap();
    let token = location.trim_start_matches("/admin/accounts/import/").to_string();
    let loaded = admin.submit("/api/commit_account_import", &[("token", &token)]).await;
    assert_eq!(loaded.location.as_deref(), Some(location.as_str()), "no-JS: back to the report");
    assert_eq!(holders().await, before + 2);
    let location = support::upload(&mut admin, "accounts", "again.csv", &good).await.location.unwrap();
    let token = location.trim_start_matches("/admin/accounts/import/").to_string();
    let again = admin.call("/api/account_import_preview", &[("token", &token)]).await.json();
    assert_eq!((again[1]["new"].as_i64(), again[1]["already_loaded"].as_i64()), (Some(0), Some(2)));
    assert_eq!(events(&app, "accounts_imported").await.len(), 2, "the demo's batch and this one");
    // The imported account signs in with its platform password.
    let signed_in = Client::new(&app).log_in("newcomer1", DEMO_PASSWORD).await;
    assert_eq!(signed_in.location.as_deref(), Some("/terms"));

    // An issuer may not import accounts, nor read an administrator's upload.
    let mut issuer = staff_client(&app, "cbaissuer").await;
    assert_eq!(support::upload(&mut issuer, "accounts", "x.csv", &good).await.status, 404);
    assert_ne!(issuer.call("/api/account_import_preview", &[("token", &token)]).await.status, 200);
    assert_eq!(issuer.get("/admin/accounts/import").await.status, 404);
    // A certificates upload is not an accounts report.
    let cert = support::upload(&mut admin, "certificates", "c.csv", &good).await.location.unwrap();
    let cert_token = cert.trim_start_matches("/admin/import/");
    assert_eq!(admin.call("/api/account_import_preview", &[("token", cert_token)]).await.status, 404);
}

#[tokio::test]
async fn the_command_line_checks_then_loads() {
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accounts.csv");
    let hash = app::service::account_import::sample::HASH;
    let id = app::service::import::sample::id_number(6001);
    std::fs::write(&path, accounts_file(&[("clinew01", &id, hash), ("clinew02", &id, hash)])).unwrap();
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM holders WHERE username LIKE 'clinew%'")
            .fetch_one(app.store.pool())
            .await
            .unwrap()
    };
    // A problem (one ID twice): exit status 1, nothing written.
    assert!(!server::admin_cli::import_accounts(&app.settings, &path, false).await.unwrap());
    assert_eq!(count().await, 0);
    let other = app::service::import::sample::id_number(6002);
    std::fs::write(&path, accounts_file(&[("clinew01", &id, hash), ("clinew02", &other, hash)])).unwrap();
    assert!(server::admin_cli::import_accounts(&app.settings, &path, true).await.unwrap(), "--check passes");
    assert_eq!(count().await, 0, "--check writes nothing");
    assert!(server::admin_cli::import_accounts(&app.settings, &path, false).await.unwrap());
    assert_eq!(count().await, 2);
}
