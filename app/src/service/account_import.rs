//! 账户导入: accounts of the exam-registration platform, loaded with their
//! platform password hashes (docs/accounts.md). Same model as certificates
//! (`crate::import`): every row checked (`domain::account_import`), then
//! compared with the database: an account stored identically is skipped,
//! a username or ID document of another account is an error. Nothing is
//! written unless every row is valid; then all new accounts go in one
//! transaction. Used by the portal page and `server accounts import FILE`.

use crate::document::Typeface;
use crate::domain::account_import::{
    AccountPreviewRow, AccountRowChecker, RawAccountRow, ValidAccountRow, ACCOUNT_COLUMNS, ACCOUNT_REQUIRED_COLUMNS,
};
use crate::domain::id_document::mask_id_number;
use crate::domain::import::{FileProblem, ImportReport, RowError, RowProblem};
use crate::service::import::{read_rows, FileRow, Format, Request};
use crate::store::{Store, StoreError};

pub type AccountImportReport = ImportReport<AccountPreviewRow>;

impl FileRow for RawAccountRow {
    fn set_line(&mut self, line: usize) {
        self.line = line;
    }
}

/// The account rows of a file, handed to `each` one at a time.
pub fn read(file: &[u8], format: Format, each: impl FnMut(RawAccountRow)) -> Result<usize, FileProblem> {
    read_rows(file, format, &ACCOUNT_COLUMNS, &ACCOUNT_REQUIRED_COLUMNS, each)
}

/// Checks `file` and, if `request.commit` and every row is valid, writes
/// its new accounts. (`request.seal_id` does not apply: accounts belong to
/// no issuing body, and only administrators import them.) The report shows
/// page `page` of its problems and new accounts (`None`: every listed problem).
pub async fn run(
    store: &Store,
    typeface: &Typeface,
    file: &[u8],
    format: Format,
    request: &Request<'_>,
    page: Option<usize>,
) -> Result<AccountImportReport, StoreError> {
    // In a block: the checker is not `Send`, and the database comes next.
    let checked = {
        let unprintable = |text: &str| !typeface.missing_chars(text).is_empty();
        let mut checker = AccountRowChecker::new(crate::clock::today_shanghai(), &unprintable);
        read(file, format, |row| checker.check(&row)).map(|rows| (rows, checker.finish()))
    };
    let (rows, (valid, mut problems)) = match checked {
        Ok(checked) => checked,
        Err(problem) => return Ok(AccountImportReport { file_problem: Some(problem), ..Default::default() }),
    };

    let stored = store.accounts_like(&valid).await?;
    let mut new: Vec<ValidAccountRow> = Vec::with_capacity(valid.len());
    let mut already_loaded = 0;
    for row in valid {
        let conflict = |column: &str, problem| RowError { line: row.line, column: column.into(), problem };
        let by_name = stored.by_username.get(&row.username);
        let by_document = stored.by_document.get(&(row.id_type.code().to_string(), row.id_number.clone()));
        match (by_name, by_document) {
            (None, None) => new.push(row),
            (Some(s), _) if s.same_as(&row) => already_loaded += 1,
            (Some(s), _) if s.id_type == row.id_type.code() && s.id_number == row.id_number => {
                problems.push(conflict("real_name", RowProblem::AccountDiffers))
            }
            (Some(_), _) => problems.push(conflict("username", RowProblem::UsernameTaken)),
            (None, Some(_)) => problems.push(conflict("id_number", RowProblem::IdLinkedToAnotherAccount)),
        }
    }
    let (errors, problems, unlisted) = problems.finish();
    let counts =
        AccountImportReport { rows, new: new.len(), already_loaded, problems, unlisted, ..Default::default() };
    let mut report = counts.paged(errors, &new, page, |r| AccountPreviewRow {
        line: r.line,
        username: r.username.clone(),
        real_name: r.real_name.clone(),
        id_number_masked: mask_id_number(&r.id_number),
        hash_format: r.scheme.label().to_string(),
    });
    if request.commit && report.can_commit() {
        let sha256 = crate::pdf_signature::file_sha256(file);
        match store.insert_accounts(&new, &request.batch(&sha256, rows)).await {
            Ok(id) => report.batch_id = Some(id),
            // A registration or another load took a username or document
            // since the check: nothing was written; check again to say which.
            Err(StoreError::Database(e)) if crate::store::is_unique_violation(&e).is_some() => {
                let again = Request { commit: false, ..*request };
                return Box::pin(run(store, typeface, file, format, &again, page)).await;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(report)
}

/// Made-up platform accounts, the same for the tests and the benchmark.
pub mod sample {
    /// Django's hash of "Ecert@2026" (1,000,000 iterations), for every row:
    /// hashes are checked for format at import, verified only at sign-in.
    pub const HASH: &str = "pbkdf2_sha256$1000000$dEwRTqjEzcl4PZaq6beS0Y$cHR6D6IxXCOI/iml4Z9rsSZc9YT6RMRCf3Z2YpUvj2I=";

    /// `rows` accounts `ks<n>`, with the ID numbers of `crate::service::import::sample`.
    pub fn csv(first: usize, rows: usize) -> String {
        let mut out = String::from("username,real_name,id_type,id_number,phone,email,password_hash\n");
        for n in first..first + rows {
            let id = crate::service::import::sample::id_number(n);
            out += &format!("ks{n:08},考生{},resident_id,{id},,ks{n}@example.cn,{HASH}\n", ["甲", "乙", "丙", "丁"][n % 4]);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::{holder, temp_store};

    async fn load(store: &Store, file: &str, commit: bool) -> AccountImportReport {
        let tf = crate::document::tests::typeface();
        let request =
            Request { seal_id: None, commit, actor: "test", staff_id: None, source: "cli", file_name: Some("a.csv") };
        run(store, &tf, file.as_bytes(), Format::guess("a.csv", file.as_bytes()), &request, Some(0)).await.unwrap()
    }

    async fn holders(store: &Store) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM holders").fetch_one(store.pool()).await.unwrap()
    }

    #[tokio::test]
    async fn a_clean_file_loads_once_and_again_changes_nothing() {
        let (store, _dir) = temp_store().await;
        let file = sample::csv(0, 5);
        let checked = load(&store, &file, false).await;
        assert_eq!((checked.rows, checked.new, checked.batch_id), (5, 5, None));
        assert_eq!(checked.preview[0].hash_format, "PBKDF2-SHA256 (Django)");
        assert_eq!(holders(&store).await, 0, "checking writes nothing");

        let loaded = load(&store, &file, true).await;
        assert!(loaded.batch_id.is_some());
        assert_eq!(holders(&store).await, 5);
        let login = store.holder_login("ks00000003").await.unwrap().unwrap();
        assert_eq!((login.password_hash.as_str(), login.password_imported), (sample::HASH, 1));

        let again = load(&store, &file, true).await;
        assert_eq!((again.new, again.already_loaded, again.batch_id), (0, 5, None));
        assert!(again.errors.is_empty());
        let events = store.recent_audit_events(10).await.unwrap();
        assert_eq!(events.iter().filter(|(e, _, _)| e == "accounts_imported").count(), 1);
    }

    #[tokio::test]
    async fn conflicts_with_other_accounts_write_nothing() {
        let (store, _dir) = temp_store().await;
        // Registered on ecert: a username, and an ID document.
        holder(&store, "ks00000001", &crate::service::import::sample::id_number(900)).await;
        holder(&store, "someoneelse", &crate::service::import::sample::id_number(2)).await;
        let report = load(&store, &sample::csv(0, 4), true).await;
        assert_eq!(report.batch_id, None);
        let found: Vec<(usize, &str, RowProblem)> =
            report.errors.iter().map(|e| (e.line, e.column.as_str(), e.problem)).collect();
        assert_eq!(
            found,
            [(3, "username", RowProblem::UsernameTaken), (4, "id_number", RowProblem::IdLinkedToAnotherAccount)]
        );
        assert_eq!(holders(&store).await, 2, "nothing written");
    }

    #[tokio::test]
    async fn a_bad_file_lists_every_problem() {
        let (store, _dir) = temp_store().await;
        let file = "username,real_name,id_type,id_number,phone,email,password_hash\n\
                    ok01,周九,resident_id,110105198503150019,,,$2b$09$hoCYjyPxMSR2Y1EGP/toDOmPzGpfECcq9C4wTlaOe1Gdb1uGBkMMG\n\
                    x,周九,passport,E1,1,bad,Ecert@2026\n";
        let report = load(&store, file, true).await;
        let found: Vec<(usize, &str, String)> =
            report.errors.iter().map(|e| (e.line, e.column.as_str(), e.problem.code())).collect();
        assert_eq!(
            found,
            [
                (2, "password_hash", "password_hash:too_weak".to_string()),
                (3, "username", "username_format".to_string()),
                (3, "id_number", "id_number:id_number_format".to_string()),
                (3, "phone", "phone_format".to_string()),
                (3, "email", "email_format".to_string()),
                (3, "password_hash", "password_hash:unknown_format".to_string()),
            ]
        );
        assert_eq!(holders(&store).await, 0);
        let mut rows = Vec::new();
        read(sample::csv(0, 2).as_bytes(), Format::Csv, |row| rows.push(row)).unwrap();
        let json = serde_json::to_string(&rows).unwrap();
        assert_eq!(Format::guess("upload", json.as_bytes()), Format::Json);
        let tf = crate::document::tests::typeface();
        let request =
            Request { seal_id: None, commit: false, actor: "test", staff_id: None, source: "cli", file_name: None };
        let from_json = run(&store, &tf, json.as_bytes(), Format::Json, &request, Some(0)).await.unwrap();
        assert_eq!((from_json.new, from_json.errors.len()), (2, 0), "JSON says the same as CSV");
    }
}
