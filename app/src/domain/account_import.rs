//! Loading accounts from the exam-registration platform (账户导入,
//! docs/accounts.md): the rules every row must pass before anything is
//! written. As for certificates (`domain::import`), every problem of every
//! row is reported by line and column, and the same `RowError`s are used.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::domain::account::{check_platform_username, check_real_name, normalize_email, normalize_phone, normalize_username};
use crate::domain::calendar::Ymd;
use crate::domain::id_document::{normalize_id_number, IdType};
use crate::domain::import::{parse_id_type, Problems, RowError, RowProblem};
use crate::domain::imported_password::{classify, Scheme};
use crate::domain::problem::Problem;

/// Column names in a template's order; `phone` and `email` may be left out.
pub const ACCOUNT_COLUMNS: [&str; 7] = ["username", "real_name", "id_type", "id_number", "phone", "email", "password_hash"];
pub const ACCOUNT_REQUIRED_COLUMNS: [&str; 5] = ["username", "real_name", "id_type", "id_number", "password_hash"];

/// One row as read from the file (`line` as in `domain::import::RawRow`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawAccountRow {
    #[serde(skip)]
    pub line: usize,
    pub username: String,
    pub real_name: String,
    pub id_type: String,
    pub id_number: String,
    pub phone: String,
    pub email: String,
    pub password_hash: String,
}

/// A row that passed every rule, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidAccountRow {
    pub line: usize,
    pub username: String,
    pub real_name: String,
    pub id_type: IdType,
    pub id_number: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub password_hash: String,
    pub scheme: Scheme,
}

/// A new account as the preview shows it (ID number masked, no hash).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountPreviewRow {
    pub line: usize,
    pub username: String,
    pub real_name: String,
    pub id_number_masked: String,
    /// [`Scheme::label`] of the imported hash.
    pub hash_format: String,
}

/// Checks one row; every problem of the row is reported. `unprintable`
/// tells whether the certificate font lacks a character of the name.
pub fn check_account_row(
    raw: &RawAccountRow,
    today: Ymd,
    unprintable: &dyn Fn(&str) -> bool,
) -> Result<ValidAccountRow, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut fail = |column: &str, problem| errors.push(RowError { line: raw.line, column: column.into(), problem });
    let as_row_problem = |p: Problem| match p {
        Problem::Required => RowProblem::Missing,
        Problem::TooLong => RowProblem::TooLong,
        other => RowProblem::Account(other),
    };

    let username = normalize_username(&raw.username);
    if let Err(p) = check_platform_username(&username) {
        fail("username", as_row_problem(p));
    }
    let real_name = raw.real_name.trim().to_string();
    match check_real_name(&real_name) {
        Err(Problem::Required) => fail("real_name", RowProblem::Missing),
        Err(Problem::TooLong) => fail("real_name", RowProblem::TooLong),
        Err(_) => fail("real_name", RowProblem::NameFormat),
        Ok(()) if unprintable(&real_name) => fail("real_name", RowProblem::Unprintable),
        Ok(()) => {}
    }
    let id_type = parse_id_type(&raw.id_type);
    let id_number = match id_type {
        None => {
            fail("id_type", if raw.id_type.trim().is_empty() { RowProblem::Missing } else { RowProblem::IdType });
            None
        }
        Some(t) => normalize_id_number(t, &raw.id_number, today)
            .map_err(|p| fail("id_number", if p == Problem::Required { RowProblem::Missing } else { RowProblem::IdNumber(p) }))
            .ok(),
    };
    let phone = normalize_phone(&raw.phone).map_err(|p| fail("phone", as_row_problem(p))).ok().flatten();
    let email = normalize_email(&raw.email).map_err(|p| fail("email", as_row_problem(p))).ok().flatten();
    let password_hash = raw.password_hash.trim().to_string();
    let scheme = if password_hash.is_empty() {
        fail("password_hash", RowProblem::Missing);
        None
    } else {
        classify(&password_hash).map_err(|p| fail("password_hash", RowProblem::PasswordHash(p))).ok()
    };

    match (id_type, id_number, scheme) {
        (Some(id_type), Some(id_number), Some(scheme)) if errors.is_empty() => Ok(ValidAccountRow {
            line: raw.line,
            username,
            real_name,
            id_type,
            id_number,
            phone,
            email,
            password_hash,
            scheme,
        }),
        _ => Err(errors),
    }
}

/// Checks every row, and that no username or ID document is in the file twice.
/// Checks a file's account rows one at a time, as they are read (as
/// `domain::import::RowChecker` does for certificates): valid rows are kept
/// and checked for a username or document seen before in the file.
pub struct AccountRowChecker<'a> {
    today: Ymd,
    unprintable: &'a dyn Fn(&str) -> bool,
    valid: Vec<ValidAccountRow>,
    problems: Problems,
    usernames: HashMap<String, usize>,
    documents: HashMap<(IdType, String), usize>,
}

impl<'a> AccountRowChecker<'a> {
    pub fn new(today: Ymd, unprintable: &'a dyn Fn(&str) -> bool) -> AccountRowChecker<'a> {
        AccountRowChecker {
            today,
            unprintable,
            valid: Vec::new(),
            problems: Problems::default(),
            usernames: HashMap::new(),
            documents: HashMap::new(),
        }
    }

    pub fn check(&mut self, raw: &RawAccountRow) {
        let row = match check_account_row(raw, self.today, self.unprintable) {
            Ok(row) => row,
            Err(errors) => return errors.into_iter().for_each(|e| self.problems.push(e)),
        };
        let duplicate = |first: usize, column: &str| RowError {
            line: row.line,
            column: column.into(),
            problem: RowProblem::DuplicateInFile { line: first },
        };
        if let Some(&first) = self.usernames.get(&row.username) {
            self.problems.push(duplicate(first, "username"));
        } else {
            self.usernames.insert(row.username.clone(), row.line);
        }
        let document = (row.id_type, row.id_number.clone());
        if let Some(&first) = self.documents.get(&document) {
            self.problems.push(duplicate(first, "id_number"));
        } else {
            self.documents.insert(document, row.line);
        }
        self.valid.push(row);
    }

    /// The valid rows (in file order) and the problems found.
    pub fn finish(self) -> (Vec<ValidAccountRow>, Problems) {
        (self.valid, self.problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::imported_password::{vectors, HashProblem};

    const TODAY: Ymd = Ymd { year: 2026, month: 12, day: 5 };

    fn row(line: usize) -> RawAccountRow {
        RawAccountRow {
            line,
            username: " KaoSheng01 ".into(),
            real_name: "周九".into(),
            id_type: "resident_id".into(),
            id_number: "110105198503150019".into(),
            phone: "13800138000".into(),
            email: "".into(),
            password_hash: vectors::BCRYPT.into(),
        }
    }

    fn problems(raw: &RawAccountRow) -> Vec<(String, RowProblem)> {
        check_account_row(raw, TODAY, &|t| t.contains('𠀀')).unwrap_err().into_iter().map(|e| (e.column, e.problem)).collect()
    }

    #[test]
    fn a_good_row_is_normalised() {
        let valid = check_account_row(&row(2), TODAY, &|_| false).unwrap();
        assert_eq!(valid.username, "kaosheng01");
        assert_eq!(valid.scheme, Scheme::Bcrypt);
        assert_eq!(valid.phone.as_deref(), Some("13800138000"));
        assert_eq!(valid.email, None);
        let mut digits_first = row(2);
        digits_first.username = "13800138000".into();
        assert!(check_account_row(&digits_first, TODAY, &|_| false).is_ok(), "platform usernames may be numbers");
    }

    #[test]
    fn every_problem_of_a_row_is_listed() {
        let bad = RawAccountRow {
            line: 7,
            username: "a b".into(),
            real_name: "<b>".into(),
            id_type: "resident_id".into(),
            id_number: "110105198503150018".into(),
            phone: "12345".into(),
            email: "nobody".into(),
            password_hash: "Ecert@2026".into(),
        };
        let found = problems(&bad);
        let columns: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(columns, ["username", "real_name", "id_number", "phone", "email", "password_hash"]);
        assert_eq!(found[5].1, RowProblem::PasswordHash(HashProblem::UnknownFormat), "plaintext is never taken");
        let mut weak = row(2);
        weak.password_hash = vectors::BCRYPT.replacen("$10$", "$08$", 1);
        assert_eq!(problems(&weak), [("password_hash".to_string(), RowProblem::PasswordHash(HashProblem::TooWeak))]);
        let mut unprintable = row(2);
        unprintable.real_name = "周𠀀".into();
        assert_eq!(problems(&unprintable), [("real_name".to_string(), RowProblem::Unprintable)]);
    }

    #[test]
    fn a_username_or_document_twice_in_a_file() {
        let mut other = row(3);
        other.id_number = "310104199005120023".into();
        let mut same_id = row(4);
        same_id.username = "kaosheng02".into();
        let mut checker = AccountRowChecker::new(TODAY, &|_| false);
        [row(2), other, same_id].iter().for_each(|r| checker.check(r));
        let (valid, problems) = checker.finish();
        let (errors, total, _) = problems.finish();
        assert_eq!((valid.len(), total), (3, 2));
        let found: Vec<(usize, &str, RowProblem)> = errors.iter().map(|e| (e.line, e.column.as_str(), e.problem)).collect();
        assert_eq!(
            found,
            [
                (3, "username", RowProblem::DuplicateInFile { line: 2 }),
                (4, "id_number", RowProblem::DuplicateInFile { line: 2 })
            ]
        );
    }
}
