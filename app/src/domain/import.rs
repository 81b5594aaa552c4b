//! Loading certificates (证书导入): the rules every row of an issuer's file
//! must pass before anything is written. Plain rules on strings; the server
//! parses CSV or JSON into [`RawRow`]s, supplies today's date, the codes of
//! the qualifications the issuer may load and the font check, and then
//! compares the valid rows with the database.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::domain::account::check_real_name;
use crate::domain::calendar::Ymd;
use crate::domain::certificate::CertificateStatus;
use crate::domain::id_document::{normalize_id_number, IdType};
use crate::domain::imported_password::HashProblem;
use crate::domain::problem::Problem;

/// Column names, in the order a template lists them. `status` and
/// `revoked_on` may be left out (valid).
pub const COLUMNS: [&str; 10] = [
    "certificate_number",
    "management_number",
    "holder_name",
    "id_type",
    "id_number",
    "qualification_code",
    "specialty",
    "issued_on",
    "status",
    "revoked_on",
];
pub const REQUIRED_COLUMNS: usize = 8;
const NUMBER_MAX: usize = 32;
const SPECIALTY_MAX: usize = 64;
/// The first e-certificates of any qualification in the catalog.
const EARLIEST_ISSUE: Ymd = Ymd { year: 1990, month: 1, day: 1 };

/// One row as read from the file; `line` is where a person finds it (CSV:
/// the line number, header = 1; JSON: the element's index + 1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawRow {
    #[serde(skip)]
    pub line: usize,
    pub certificate_number: String,
    pub management_number: String,
    pub holder_name: String,
    pub id_type: String,
    pub id_number: String,
    pub qualification_code: String,
    pub specialty: String,
    pub issued_on: String,
    pub status: String,
    pub revoked_on: String,
}

/// A row that passed every rule, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRow {
    pub line: usize,
    pub certificate_number: String,
    pub management_number: String,
    pub holder_name: String,
    pub id_type: IdType,
    pub id_number: String,
    pub qualification_code: String,
    pub specialty: Option<String>,
    pub issued_on: Ymd,
    pub status: CertificateStatus,
    pub revoked_on: Option<Ymd>,
}

/// Which column of a row is wrong, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowProblem {
    Missing,
    TooLong,
    NumberFormat,
    NameFormat,
    /// A character the certificate font cannot print.
    Unprintable,
    IdType,
    IdNumber(Problem),
    /// Not in the catalog, or not one of this issuer's qualifications.
    Qualification,
    /// Not one of the specialties listed for the qualification.
    Specialty,
    Date,
    /// Before 1990 or after today.
    DateOutOfRange,
    Status,
    /// A revoked certificate needs its revocation date, on or after issue.
    RevokedOn,
    /// The same number twice in the file (the other line is given).
    DuplicateInFile {
        line: usize,
    },
    /// The number exists in the database with other details.
    ConflictsWithDatabase,
    /// An account import's username, phone or e-mail breaks the rule
    /// registration applies (docs/accounts.md).
    Account(Problem),
    /// An account import's password hash: unknown format, or a cost out of bounds.
    PasswordHash(HashProblem),
    /// The username belongs to another account.
    UsernameTaken,
    /// The ID document is linked to an account with another username.
    IdLinkedToAnotherAccount,
    /// The account (username and ID document) exists with another name.
    AccountDiffers,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    pub line: usize,
    /// The column name, as in [`COLUMNS`].
    pub column: String,
    pub problem: RowProblem,
}

/// Problems listed one by one in a report; the rest are counted by column
/// and kind (docs/import.md). A file of 200,000 bad rows then costs about
/// what one of 1,000 does, in memory, in reply and in page.
pub const MAX_LISTED_PROBLEMS: usize = 1_000;

/// How many problems of one kind in one column were not listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemCount {
    pub column: String,
    /// The kind; a duplicate's other line is left out (0).
    pub problem: RowProblem,
    pub count: usize,
}

/// The problems of a file as they are found: the first
/// [`MAX_LISTED_PROBLEMS`] by line are kept, the rest only counted.
#[derive(Debug, Default)]
pub struct Problems {
    listed: Vec<RowError>,
    unlisted: HashMap<(String, RowProblem), usize>,
    total: usize,
}

impl Problems {
    pub fn push(&mut self, error: RowError) {
        self.total += 1;
        self.listed.push(error);
        // Rows are checked in order but duplicates and conflicts are found
        // later: keep twice the list, then the earliest lines.
        if self.listed.len() >= 2 * MAX_LISTED_PROBLEMS {
            self.keep_earliest();
        }
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    fn keep_earliest(&mut self) {
        // Stable: a line's problems stay in column order.
        self.listed.sort_by_key(|e| e.line);
        for e in self.listed.drain(MAX_LISTED_PROBLEMS.min(self.listed.len())..) {
            let kind = match e.problem {
                RowProblem::DuplicateInFile { .. } => RowProblem::DuplicateInFile { line: 0 },
                other => other,
            };
            *self.unlisted.entry((e.column, kind)).or_default() += 1;
        }
    }

    /// The listed problems by line, how many there are in all, and the
    /// counts of the rest by column and kind.
    pub fn finish(mut self) -> (Vec<RowError>, usize, Vec<ProblemCount>) {
        self.keep_earliest();
        let mut counts: Vec<ProblemCount> = self
            .unlisted
            .into_iter()
            .map(|((column, problem), count)| ProblemCount { column, problem, count })
            .collect();
        counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.column.cmp(&b.column)).then_with(|| a.problem.code().cmp(&b.problem.code())));
        (self.listed, self.total, counts)
    }
}

impl RowProblem {
    /// A stable code for reports (CLI, CSV of errors).
    pub fn code(&self) -> String {
        match self {
            RowProblem::Missing => "missing".into(),
            RowProblem::TooLong => "too_long".into(),
            RowProblem::NumberFormat => "number_format".into(),
            RowProblem::NameFormat => "name_format".into(),
            RowProblem::Unprintable => "unprintable".into(),
            RowProblem::IdType => "id_type_unknown".into(),
            RowProblem::IdNumber(p) => format!("id_number:{}", snake(&format!("{p:?}"))),
            RowProblem::Qualification => "qualification_not_yours".into(),
            RowProblem::Specialty => "specialty_not_listed".into(),
            RowProblem::Date => "date_format".into(),
            RowProblem::DateOutOfRange => "date_out_of_range".into(),
            RowProblem::Status => "status_unknown".into(),
            RowProblem::RevokedOn => "revoked_on".into(),
            RowProblem::DuplicateInFile { line } => format!("duplicate_of_line_{line}"),
            RowProblem::ConflictsWithDatabase => "conflicts_with_database".into(),
            RowProblem::Account(p) => snake(&format!("{p:?}")),
            RowProblem::PasswordHash(p) => format!("password_hash:{}", snake(&format!("{p:?}"))),
            RowProblem::UsernameTaken => "username_taken".into(),
            RowProblem::IdLinkedToAnotherAccount => "id_linked_to_another_account".into(),
            RowProblem::AccountDiffers => "account_differs".into(),
        }
    }
}

/// `IdNumberChecksum` → `id_number_checksum`.
fn snake(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// A problem with the file as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileProblem {
    Empty,
    NotUtf8,
    /// A required column is missing from the header.
    MissingColumn(String),
    UnknownColumn(String),
    /// The file cannot be read as CSV or JSON at this line.
    Syntax {
        line: usize,
    },
    TooManyRows,
}

/// A new certificate as the preview shows it (ID number masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRow {
    pub line: usize,
    pub certificate_number: String,
    pub holder_name: String,
    pub id_number_masked: String,
    pub qualification_code: String,
    pub issued_on: Ymd,
    pub status: CertificateStatus,
}

/// The outcome of checking (and, if asked and clean, loading) a file: of
/// certificates, or (with [`AccountPreviewRow`](crate::domain::account_import::AccountPreviewRow)s) of accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport<P = PreviewRow> {
    pub file_problem: Option<FileProblem>,
    pub rows: usize,
    /// Rows not in the database yet.
    pub new: usize,
    /// Rows identical to a certificate already loaded (skipped: importing a
    /// file twice changes nothing).
    pub already_loaded: usize,
    /// Every problem of the file: the first [`MAX_LISTED_PROBLEMS`] are
    /// `errors`, the rest are counted in `unlisted`.
    pub problems: usize,
    /// The listed problems on this page of the report, by line.
    pub errors: Vec<RowError>,
    pub unlisted: Vec<ProblemCount>,
    /// The new rows on this page of the report.
    pub preview: Vec<P>,
    /// This page (from 0) and how many there are: of the listed problems
    /// ([`PROBLEMS_PER_PAGE`]) and of the new rows ([`ROWS_PER_PAGE`]).
    pub page: usize,
    pub pages: usize,
    /// Set when the new rows were written.
    pub batch_id: Option<i64>,
}

/// A report page's share of the listed problems and of the new rows.
pub const PROBLEMS_PER_PAGE: usize = 100;
pub const ROWS_PER_PAGE: usize = 20;

impl<P> Default for ImportReport<P> {
    fn default() -> Self {
        ImportReport {
            file_problem: None,
            rows: 0,
            new: 0,
            already_loaded: 0,
            problems: 0,
            errors: Vec::new(),
            unlisted: Vec::new(),
            preview: Vec::new(),
            page: 0,
            pages: 1,
            batch_id: None,
        }
    }
}

impl<P> ImportReport<P> {
    /// Nothing is written unless every row is valid.
    pub fn can_commit(&self) -> bool {
        self.file_problem.is_none() && self.problems == 0 && self.new > 0
    }

    /// The report's page `page` (clamped to the last): its share of the
    /// listed `errors` and of the `new_rows`, made into preview rows.
    /// `None` (the command line): every listed problem and the first page
    /// of new rows.
    pub fn paged<R>(
        mut self,
        errors: Vec<RowError>,
        new_rows: &[R],
        page: Option<usize>,
        preview: impl Fn(&R) -> P,
    ) -> ImportReport<P> {
        let Some(page) = page else {
            self.errors = errors;
            self.preview = new_rows.iter().take(ROWS_PER_PAGE).map(preview).collect();
            return self;
        };
        let pages = errors.len().div_ceil(PROBLEMS_PER_PAGE).max(new_rows.len().div_ceil(ROWS_PER_PAGE)).max(1);
        let page = page.min(pages - 1);
        self.errors = errors.into_iter().skip(page * PROBLEMS_PER_PAGE).take(PROBLEMS_PER_PAGE).collect();
        self.preview = new_rows.iter().skip(page * ROWS_PER_PAGE).take(ROWS_PER_PAGE).map(preview).collect();
        self.page = page;
        self.pages = pages;
        self
    }
}

/// Largest file the loader takes at once.
pub const MAX_ROWS: usize = 200_000;

/// What the rules need from outside.
pub struct Context<'a> {
    pub today: Ymd,
    /// The qualification codes this issuer may load.
    pub qualifications: &'a dyn Fn(&str) -> bool,
    /// Whether a qualification's certificates may name this specialty.
    pub specialty_allowed: &'a dyn Fn(&str, &str) -> bool,
    /// The characters of `text` the certificate font lacks.
    pub unprintable: &'a dyn Fn(&str) -> bool,
}

/// Checks one row; every problem of the row is reported.
pub fn check_row(raw: &RawRow, ctx: &Context) -> Result<ValidRow, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut fail = |column: &str, problem| errors.push(RowError { line: raw.line, column: column.into(), problem });

    let number = |column: &str, value: &str, fail: &mut dyn FnMut(&str, RowProblem)| {
        let value = value.trim();
        let ok_chars = value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        match () {
            _ if value.is_empty() => fail(column, RowProblem::Missing),
            _ if value.len() > NUMBER_MAX => fail(column, RowProblem::TooLong),
            _ if !ok_chars => fail(column, RowProblem::NumberFormat),
            _ => {}
        }
        value.to_ascii_uppercase()
    };
    let certificate_number = number("certificate_number", &raw.certificate_number, &mut fail);
    let management_number = number("management_number", &raw.management_number, &mut fail);

    let holder_name = raw.holder_name.trim().to_string();
    match check_real_name(&holder_name) {
        Err(Problem::Required) => fail("holder_name", RowProblem::Missing),
        Err(Problem::TooLong) => fail("holder_name", RowProblem::TooLong),
        Err(_) => fail("holder_name", RowProblem::NameFormat),
        Ok(()) if (ctx.unprintable)(&holder_name) => fail("holder_name", RowProblem::Unprintable),
        Ok(()) => {}
    }

    let id_type = parse_id_type(&raw.id_type);
    let id_number = match id_type {
        None if raw.id_type.trim().is_empty() => {
            fail("id_type", RowProblem::Missing);
            String::new()
        }
        None => {
            fail("id_type", RowProblem::IdType);
            String::new()
        }
        Some(t) => normalize_id_number(t, &raw.id_number, ctx.today).unwrap_or_else(|p| {
            fail("id_number", if p == Problem::Required { RowProblem::Missing } else { RowProblem::IdNumber(p) });
            String::new()
        }),
    };

    let qualification_code = raw.qualification_code.trim().to_string();
    if qualification_code.is_empty() {
        fail("qualification_code", RowProblem::Missing);
    } else if !(ctx.qualifications)(&qualification_code) {
        fail("qualification_code", RowProblem::Qualification);
    }

    let specialty = raw.specialty.trim();
    if specialty.chars().count() > SPECIALTY_MAX {
        fail("specialty", RowProblem::TooLong);
    } else if !specialty.is_empty() && (ctx.unprintable)(specialty) {
        fail("specialty", RowProblem::Unprintable);
    } else if !specialty.is_empty() && !(ctx.specialty_allowed)(&qualification_code, specialty) {
        fail("specialty", RowProblem::Specialty);
    }

    let date = |column: &str, value: &str, fail: &mut dyn FnMut(&str, RowProblem)| -> Option<Ymd> {
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        let Some(day) = Ymd::parse_iso(value).or_else(|| Ymd::parse_iso(&value.replace('/', "-"))) else {
            fail(column, RowProblem::Date);
            return None;
        };
        if day < EARLIEST_ISSUE || day > ctx.today {
            fail(column, RowProblem::DateOutOfRange);
            return None;
        }
        Some(day)
    };
    let issued_on = date("issued_on", &raw.issued_on, &mut fail);
    if raw.issued_on.trim().is_empty() {
        fail("issued_on", RowProblem::Missing);
    }
    let status = match raw.status.trim() {
        "" | "valid" | "有效" => Some(CertificateStatus::Valid),
        "revoked" | "已撤销" => Some(CertificateStatus::Revoked),
        _ => {
            fail("status", RowProblem::Status);
            None
        }
    };
    let revoked_on = date("revoked_on", &raw.revoked_on, &mut fail);
    let revocation_ok = match (status, revoked_on, issued_on) {
        (Some(CertificateStatus::Revoked), Some(r), Some(i)) => r >= i,
        (Some(CertificateStatus::Revoked), None, _) => false,
        (Some(CertificateStatus::Valid), Some(_), _) => false,
        _ => true,
    };
    if !revocation_ok {
        fail("revoked_on", RowProblem::RevokedOn);
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidRow {
        line: raw.line,
        certificate_number,
        management_number,
        holder_name,
        id_type: id_type.expect("checked"),
        id_number,
        qualification_code,
        specialty: (!specialty.is_empty()).then(|| specialty.to_string()),
        issued_on: issued_on.expect("checked"),
        status: status.expect("checked"),
        revoked_on,
    })
}

/// Checks every row and the numbers' uniqueness inside the file.
/// Checks a file's rows one at a time, as they are read: the valid ones are
/// kept (and checked for numbers seen before in the file), the problems
/// collected.
pub struct RowChecker<'a> {
    ctx: &'a Context<'a>,
    valid: Vec<ValidRow>,
    problems: Problems,
    /// Certificate and management numbers seen, with their first line.
    seen: [HashMap<String, usize>; 2],
}

impl<'a> RowChecker<'a> {
    pub fn new(ctx: &'a Context<'a>) -> RowChecker<'a> {
        RowChecker { ctx, valid: Vec::new(), problems: Problems::default(), seen: Default::default() }
    }

    pub fn check(&mut self, raw: &RawRow) {
        let row = match check_row(raw, self.ctx) {
            Ok(row) => row,
            Err(errors) => return errors.into_iter().for_each(|e| self.problems.push(e)),
        };
        for (i, (column, value)) in
            [("certificate_number", &row.certificate_number), ("management_number", &row.management_number)]
                .into_iter()
                .enumerate()
        {
            if let Some(&first) = self.seen[i].get(value) {
                let problem = RowProblem::DuplicateInFile { line: first };
                self.problems.push(RowError { line: row.line, column: column.into(), problem });
            } else {
                self.seen[i].insert(value.clone(), row.line);
            }
        }
        self.valid.push(row);
    }

    /// The valid rows (in file order) and the problems found.
    pub fn finish(self) -> (Vec<ValidRow>, Problems) {
        (self.valid, self.problems)
    }
}

/// `resident_id` or `居民身份证`, and so on.
pub fn parse_id_type(raw: &str) -> Option<IdType> {
    let raw = raw.trim();
    IdType::from_code(raw).or(match raw {
        "居民身份证" | "身份证" => Some(IdType::ResidentId),
        "护照" => Some(IdType::Passport),
        "港澳居民来往内地通行证" => Some(IdType::HkMacauPermit),
        "台湾居民来往大陆通行证" => Some(IdType::TaiwanPermit),
        "外国人永久居留身份证" => Some(IdType::ForeignPermanentResident),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Ymd = Ymd { year: 2026, month: 11, day: 25 };

    fn row(line: usize) -> RawRow {
        RawRow {
            line,
            certificate_number: format!("0301202611{line:06}"),
            management_number: format!("AQ2026{line:08}"),
            holder_name: "孙八".into(),
            id_type: "resident_id".into(),
            id_number: "110105198503150019".into(),
            qualification_code: "0301".into(),
            specialty: "化工安全".into(),
            issued_on: "2026-11-01".into(),
            ..RawRow::default()
        }
    }

    fn check(raw: &RawRow) -> Result<ValidRow, Vec<(String, RowProblem)>> {
        let ctx = Context {
            today: TODAY,
            qualifications: &|c| c == "0301",
            unprintable: &|t| t.contains('𠀀'),
            specialty_allowed: &|_, s| s != "养殖",
        };
        check_row(raw, &ctx).map_err(|e| e.into_iter().map(|e| (e.column, e.problem)).collect())
    }

    fn only(raw: RawRow) -> (String, RowProblem) {
        let errors = check(&raw).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        errors.into_iter().next().unwrap()
    }

    #[test]
    fn a_good_row_is_normalised() {
        let r =
            check(&RawRow { id_type: "居民身份证".into(), certificate_number: " 0301ab ".into(), ..row(2) }).unwrap();
        assert_eq!(r.certificate_number, "0301AB");
        assert_eq!(r.id_type, IdType::ResidentId);
        assert_eq!(r.status, CertificateStatus::Valid);
        assert_eq!(r.specialty.as_deref(), Some("化工安全"));
        let revoked = check(&RawRow { status: "已撤销".into(), revoked_on: "2026-11-20".into(), ..row(3) }).unwrap();
        assert_eq!(revoked.status, CertificateStatus::Revoked);
    }

    #[test]
    fn every_rule_names_its_column() {
        let c = |col: &str, p| (col.to_string(), p);
        assert_eq!(
            only(RawRow { certificate_number: "".into(), ..row(2) }),
            c("certificate_number", RowProblem::Missing)
        );
        assert_eq!(
            only(RawRow { certificate_number: "03/01".into(), ..row(2) }),
            c("certificate_number", RowProblem::NumberFormat)
        );
        assert_eq!(
            only(RawRow { management_number: "A".repeat(40), ..row(2) }),
            c("management_number", RowProblem::TooLong)
        );
        assert_eq!(only(RawRow { holder_name: "孙8".into(), ..row(2) }), c("holder_name", RowProblem::NameFormat));
        assert_eq!(only(RawRow { holder_name: "孙𠀀".into(), ..row(2) }), c("holder_name", RowProblem::Unprintable));
        assert_eq!(only(RawRow { id_type: "驾驶证".into(), ..row(2) }), c("id_type", RowProblem::IdType));
        assert_eq!(
            only(RawRow { id_number: "110105198503150018".into(), ..row(2) }),
            c("id_number", RowProblem::IdNumber(Problem::IdNumberChecksum))
        );
        assert_eq!(
            only(RawRow { qualification_code: "1101".into(), ..row(2) }),
            c("qualification_code", RowProblem::Qualification)
        );
        assert_eq!(only(RawRow { specialty: "𠀀".into(), ..row(2) }), c("specialty", RowProblem::Unprintable));
        assert_eq!(only(RawRow { specialty: "养殖".into(), ..row(2) }), c("specialty", RowProblem::Specialty));
        assert_eq!(only(RawRow { issued_on: "2026-02-30".into(), ..row(2) }), c("issued_on", RowProblem::Date));
        assert_eq!(
            only(RawRow { issued_on: "2026-12-01".into(), ..row(2) }),
            c("issued_on", RowProblem::DateOutOfRange)
        );
        assert_eq!(only(RawRow { issued_on: "".into(), ..row(2) }), c("issued_on", RowProblem::Missing));
        assert_eq!(only(RawRow { status: "lost".into(), ..row(2) }), c("status", RowProblem::Status));
        assert_eq!(only(RawRow { status: "revoked".into(), ..row(2) }), c("revoked_on", RowProblem::RevokedOn));
        assert_eq!(
            only(RawRow { status: "revoked".into(), revoked_on: "2026-10-01".into(), ..row(2) }),
            c("revoked_on", RowProblem::RevokedOn)
        );
        assert_eq!(only(RawRow { revoked_on: "2026-11-02".into(), ..row(2) }), c("revoked_on", RowProblem::RevokedOn));
        let many = check(&RawRow { holder_name: "".into(), id_type: "".into(), ..row(2) }).unwrap_err();
        assert_eq!(many.len(), 2, "every problem of a row at once: {many:?}");
    }

    #[test]
    fn numbers_must_be_unique_in_the_file() {
        let ctx = Context {
            today: TODAY,
            qualifications: &|_| true,
            unprintable: &|_| false,
            specialty_allowed: &|_, _| true,
        };
        let mut rows = vec![row(2), row(3), row(4)];
        rows[2].certificate_number = rows[0].certificate_number.clone();
        let mut checker = RowChecker::new(&ctx);
        rows.iter().for_each(|r| checker.check(r));
        let (valid, problems) = checker.finish();
        let (errors, total, unlisted) = problems.finish();
        assert_eq!((valid.len(), total, unlisted), (3, 1, vec![]));
        assert_eq!(
            errors,
            vec![RowError {
                line: 4,
                column: "certificate_number".into(),
                problem: RowProblem::DuplicateInFile { line: 2 }
            }]
        );
    }

    #[test]
    fn past_the_listed_problems_the_rest_are_counted_by_column_and_kind() {
        let mut problems = Problems::default();
        // Found out of line order, as duplicates are: the earliest lines are listed.
        for line in (2..5_002).rev() {
            problems.push(RowError { line, column: "holder_name".into(), problem: RowProblem::NameFormat });
            problems.push(RowError { line, column: "id_number".into(), problem: RowProblem::DuplicateInFile { line: 1 } });
        }
        let (listed, total, unlisted) = problems.finish();
        assert_eq!((listed.len(), total), (MAX_LISTED_PROBLEMS, 10_000));
        assert_eq!((listed[0].line, listed[MAX_LISTED_PROBLEMS - 1].line), (2, 501));
        assert_eq!(listed[0].column, "holder_name", "a line's problems keep the order they were found in");
        assert_eq!(
            unlisted,
            vec![
                ProblemCount { column: "holder_name".into(), problem: RowProblem::NameFormat, count: 4_500 },
                ProblemCount {
                    column: "id_number".into(),
                    problem: RowProblem::DuplicateInFile { line: 0 },
                    count: 4_500
                },
            ]
        );
    }
}
