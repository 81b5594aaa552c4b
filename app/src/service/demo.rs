//! The quick start's demo data and the benchmark's synthetic load. Both
//! live only in a build with the `demo` feature (`scripts/build-release.sh
//! --demo`): a production server carries neither, and asking it for them
//! is an error that says so.

use crate::document::Typeface;
use crate::store::Store;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What `server load-test-data` loads (docs/performance.md).
#[derive(Debug, Clone)]
pub struct LoadTestData {
    pub holders: i64,
    pub certificates_per_holder: i64,
    pub past_endorsements_per_certificate: i64,
    pub queued: i64,
}

const NOT_IN_THIS_BUILD: &str =
    "this build carries no demo data and no synthetic load: build with scripts/build-release.sh --demo";

/// Refuses at once in a build without the `demo` feature, so that asking a
/// production server for demo data reads and writes nothing.
pub fn in_this_build() -> Result<(), BoxError> {
    if cfg!(feature = "demo") {
        Ok(())
    } else {
        Err(NOT_IN_THIS_BUILD.into())
    }
}

/// Loads the demo holders and certificates into a database that has no
/// certificates, and README's platform accounts through the import an
/// operator uses (docs/accounts.md); `false` if there were certificates.
#[cfg(feature = "demo")]
pub async fn seed(store: &Store, typeface: &Typeface) -> Result<bool, BoxError> {
    if !crate::store::seed::demo(store, crate::auth::password::hash).await? {
        return Ok(false);
    }
    tracing::info!("loaded demo holders and certificates");
    import_platform_accounts(store, typeface).await?;
    Ok(true)
}

#[cfg(not(feature = "demo"))]
pub async fn seed(_: &Store, _: &Typeface) -> Result<bool, BoxError> {
    Err(NOT_IN_THIS_BUILD.into())
}

#[cfg(feature = "demo")]
async fn import_platform_accounts(store: &Store, typeface: &Typeface) -> Result<(), BoxError> {
    use crate::service::import::{Format, Request};
    let file = include_bytes!("../../../docs/examples/platform-accounts.csv");
    let request = Request {
        seal_id: None,
        commit: true,
        actor: "demo",
        staff_id: None,
        source: "cli",
        file_name: Some("platform-accounts.csv"),
    };
    let report = crate::service::account_import::run(store, typeface, file, Format::Csv, &request, None).await?;
    if report.batch_id.is_none() {
        return Err(format!(
            "the demo platform accounts did not load: {:?} {:?} ({} already there)",
            report.file_problem, report.errors, report.already_loaded
        )
        .into());
    }
    tracing::info!(accounts = report.new, "loaded the demo platform accounts");
    Ok(())
}

/// Synthetic holders `bench000000`… with `password`, their certificates,
/// old endorsements and queued ones, for the benchmark. Never for a
/// production database: the holders are made-up people with one password.
#[cfg(feature = "demo")]
pub async fn load_test_data(
    store: &Store,
    data: &LoadTestData,
    password: &str,
    terms_version: &str,
) -> Result<(), BoxError> {
    let synthetic = crate::store::Synthetic {
        holders: data.holders,
        certificates_per_holder: data.certificates_per_holder,
        past_endorsements_per_certificate: data.past_endorsements_per_certificate,
        queued: data.queued,
        password_hash: &crate::auth::password::hash(password),
        terms_version,
        today: crate::clock::today_shanghai(),
        now: crate::clock::now_unix(),
    };
    Ok(store.load_synthetic(&synthetic).await?)
}

#[cfg(not(feature = "demo"))]
pub async fn load_test_data(_: &Store, _: &LoadTestData, _: &str, _: &str) -> Result<(), BoxError> {
    Err(NOT_IN_THIS_BUILD.into())
}
