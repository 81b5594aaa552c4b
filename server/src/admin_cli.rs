//! Command-line work of issuing bodies: `server import FILE` (load
//! certificates), `server accounts import FILE` (platform accounts) and `server admin create` (staff accounts; the only way to
//! make an administrator).

use std::io::BufRead;
use std::path::Path;

use app::document::Typeface;
use app::domain::import::ImportReport;
use app::domain::staff::Role;
use app::service::import::{Format, Request};
use app::service::demo::LoadTestData;
use app::store::Store;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn open_store(settings: &app::config::Settings) -> Result<Store, BoxError> {
    app::service::setup::open(&settings.data_dir, &settings.database_url).await
}

/// What both imports from the command line need: the file, the store, the
/// certificate font (names must be printable) and who is acting.
struct CliImport {
    bytes: Vec<u8>,
    store: Store,
    typeface: Typeface,
    name: String,
    actor: String,
}

impl CliImport {
    async fn open(settings: &app::config::Settings, file: &Path) -> Result<CliImport, BoxError> {
        let bytes = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let store = open_store(settings).await?;
        let typeface = Typeface::load(&settings.font_path, settings.font_index)
            .map_err(|e| format!("cannot load the PDF font {}: {e}", settings.font_path.display()))?;
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        let actor = format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into()));
        Ok(CliImport { bytes, store, typeface, name, actor })
    }

    fn request(&self, seal_id: Option<i64>, check_only: bool) -> Request<'_> {
        Request {
            seal_id,
            commit: !check_only,
            actor: &self.actor,
            staff_id: None,
            source: "cli",
            file_name: Some(&self.name),
        }
    }

    fn format(&self) -> Format {
        Format::guess(&self.name, &self.bytes)
    }
}

/// Checks `file` and, unless `check_only`, loads it when every row is valid.
/// Prints the report; `Ok(true)` when nothing was wrong.
pub async fn import(
    settings: &app::config::Settings,
    file: &Path,
    seal: Option<&str>,
    check_only: bool,
) -> Result<bool, BoxError> {
    let cli = CliImport::open(settings, file).await?;
    let seal_id = match seal {
        Some(code) => Some(
            app::service::import::seal_id(&cli.store, code).await?.ok_or_else(|| format!("no seal with code {code:?}"))?,
        ),
        None => None,
    };
    let request = cli.request(seal_id, check_only);
    let report = app::service::import::run(&cli.store, &cli.typeface, &cli.bytes, cli.format(), &request, None).await?;
    print!("{}", describe(&report, &cli.name, "certificates"));
    Ok(report.file_problem.is_none() && report.problems == 0)
}

/// `server accounts import FILE`: platform accounts with their password
/// hashes (docs/accounts.md), as 账户导入 on the portal loads them.
pub async fn import_accounts(settings: &app::config::Settings, file: &Path, check_only: bool) -> Result<bool, BoxError> {
    let cli = CliImport::open(settings, file).await?;
    let request = cli.request(None, check_only);
    let report =
        app::service::account_import::run(&cli.store, &cli.typeface, &cli.bytes, cli.format(), &request, None).await?;
    print!("{}", describe(&report, &cli.name, "accounts"));
    Ok(report.file_problem.is_none() && report.problems == 0)
}

/// The report as text: one line per problem, with its line number.
pub fn describe<P>(r: &ImportReport<P>, name: &str, what: &str) -> String {
    if let Some(p) = &r.file_problem {
        return format!("{name}: cannot be read: {p:?}\nnothing written\n");
    }
    let mut out =
        format!("{name}: {} rows, {} new, {} already loaded (identical, skipped)\n", r.rows, r.new, r.already_loaded);
    for e in &r.errors {
        out += &format!("line {}: {}: {}\n", e.line, e.column, e.problem.code());
    }
    if !r.unlisted.is_empty() {
        out += &format!("{} more problems not listed, by column and kind:\n", r.problems - r.errors.len());
        for c in &r.unlisted {
            out += &format!("  {}: {}: {}\n", c.column, c.problem.code(), c.count);
        }
    }
    out += &match (r.batch_id, r.problems) {
        (Some(batch), _) => format!("loaded {} {what} (batch {batch})\n", r.new),
        (None, 0) if r.new == 0 => "nothing new to load\n".to_string(),
        (None, 0) => "checked only, nothing written\n".to_string(),
        (None, n) => format!("nothing written: {n} problems; fix them and import the whole file again\n"),
    };
    out
}

/// Creates a staff account; the password is read from standard input (one line).
pub async fn create_staff(
    settings: &app::config::Settings,
    username: &str,
    name: &str,
    role: Role,
    seal: Option<&str>,
    if_missing: bool,
) -> Result<(), BoxError> {
    if (role == Role::Issuer) != seal.is_some() {
        return Err("an issuer needs --seal <code> (its issuing body); an administrator has none".into());
    }
    let username = app::domain::account::normalize_username(username);
    app::domain::account::check_username(&username).map_err(|p| format!("username: {p:?}"))?;
    if name.trim().is_empty() {
        return Err("--name is required".into());
    }
    if if_missing && app::service::portal::staff_exists(&open_store(settings).await?, &username).await? {
        println!("{username} exists; left as it is");
        return Ok(());
    }
    eprintln!("password for {username} (one line on standard input):");
    let mut password = String::new();
    std::io::stdin().lock().read_line(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']);
    app::domain::account::check_password(password, &username).map_err(|p| format!("password: {p:?}"))?;
    let store = open_store(settings).await?;
    let id = app::service::portal::create_staff(&store, &username, password, name.trim(), role, seal).await?;
    println!("created {} {username} (id {id})", role.code());
    Ok(())
}

/// `server keys list`: every seal's active and retired keys.
pub async fn list_keys(settings: &app::config::Settings) -> Result<(), BoxError> {
    let store = open_store(settings).await?;
    for k in app::service::keys::list_in(&store, &settings.keys_dir).await? {
        let state = if k.active { "active " } else { "retired" };
        let (code, algorithm) = (&k.seal_code, &k.algorithm);
        println!("{code:<8} {algorithm:<5} {state} {} {}..{} {}", k.fingerprint, k.not_before, k.not_after, k.subject);
    }
    Ok(())
}

/// `server keys rotate|install`: changes a seal's key on disk; a running
/// server uses it after a restart (the portal's 更换密钥 switches at once).
pub async fn change_key(
    settings: &app::config::Settings,
    seal: &str,
    install: Option<(&Path, &Path)>,
) -> Result<(), BoxError> {
    use app::service::keys::{change_seal_key, Actor, KeyChange};
    let store = open_store(settings).await?;
    let dir = &settings.keys_dir;
    let change = match install {
        None => KeyChange::Rotate,
        Some((key, chain)) => KeyChange::Install { key, chain },
    };
    let actor = Actor { via: " on the command line", ..Actor::default() };
    let fingerprint = change_seal_key(&store, dir, seal, change, actor).await?;
    let sm2 = if install.is_none() { ", the old SM2 key in sm2/seals/retired" } else { "" };
    println!("{seal}: new key, certificate {fingerprint}; the old one is in {}/seals/retired{sm2}", dir.display());
    Ok(())
}

/// `server keys install-sm2`: an operator's own SM2 key and chain for the
/// seal's OFD copies; a running server uses it after a restart.
pub async fn install_sm2_key(
    settings: &app::config::Settings,
    seal: &str,
    key: &Path,
    chain: &Path,
) -> Result<(), BoxError> {
    use app::service::keys::{change_seal_key, Actor, KeyChange};
    let store = open_store(settings).await?;
    let actor = Actor { via: " on the command line", ..Actor::default() };
    let dir = &settings.keys_dir;
    let fingerprint = change_seal_key(&store, dir, seal, KeyChange::InstallSm2 { key, chain }, actor).await?;
    println!("{seal}: new SM2 key, certificate {fingerprint}; the old one is in {}/sm2/seals/retired", dir.display());
    Ok(())
}

/// `server load-test-data`: synthetic holders `bench000000`… (password on
/// standard input), their certificates, old endorsements and queued ones,
/// for the benchmark (a `demo` build only).
pub async fn load_test_data(settings: &app::config::Settings, data: &LoadTestData) -> Result<(), BoxError> {
    app::service::demo::in_this_build()?;
    eprintln!("password of every synthetic holder (one line on standard input):");
    let mut password = String::new();
    std::io::stdin().lock().read_line(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']);
    app::domain::account::check_password(password, "bench000000").map_err(|p| format!("password: {p:?}"))?;
    let store = open_store(settings).await?;
    let started = std::time::Instant::now();
    app::service::demo::load_test_data(&store, data, password, &settings.terms_version).await?;
    println!(
        "loaded {} holders, {} certificates, {} past and {} queued endorsements in {:.1} s",
        data.holders,
        data.holders * data.certificates_per_holder,
        data.holders * data.certificates_per_holder * data.past_endorsements_per_certificate,
        data.queued,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
