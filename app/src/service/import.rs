//! 证书导入: an issuer's CSV or JSON file of certificates. Every row is
//! checked (`domain::import`), then compared with the database: a row
//! identical to a stored certificate is "already loaded" and skipped, a
//! number stored with other details is an error. Nothing is written unless
//! every row is valid; then all new rows go in one transaction. Importing
//! the same file twice therefore changes nothing the second time.
//! Used by the admin page and `server import FILE`.

use std::collections::HashMap;

use crate::document::Typeface;
use crate::domain::id_document::mask_id_number;
use crate::domain::import::{
    Context, FileProblem, ImportReport, PreviewRow, RawRow, RowChecker, RowError, RowProblem, COLUMNS, MAX_ROWS,
    REQUIRED_COLUMNS,
};
use crate::store::{ImportBatch, Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    /// By the file name's extension, else by the content (JSON starts with `[`).
    pub fn guess(file_name: &str, bytes: &[u8]) -> Format {
        let lower = file_name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            return Format::Json;
        }
        if lower.ends_with(".csv") {
            return Format::Csv;
        }
        match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'[') => Format::Json,
            _ => Format::Csv,
        }
    }
}

/// Who is loading, and whether to write.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    /// Only qualifications under this seal (an issuer); `None`: all (an administrator).
    pub seal_id: Option<i64>,
    pub commit: bool,
    pub actor: &'a str,
    pub staff_id: Option<i64>,
    pub source: &'a str,
    pub file_name: Option<&'a str>,
}

/// The id of the seal coded `code`, to limit a command-line load to it.
pub async fn seal_id(store: &Store, code: &str) -> Result<Option<i64>, crate::store::StoreError> {
    store.seal_id(code).await
}

impl<'a> Request<'a> {
    /// A staff member's load on the portal: an issuer's only under its seal.
    pub fn web(member: &'a crate::domain::staff::StaffMember, file_name: &'a str, commit: bool) -> Request<'a> {
        Request {
            seal_id: member.seal_id,
            commit,
            actor: &member.username,
            staff_id: Some(member.id),
            source: "web",
            file_name: Some(file_name),
        }
    }

    /// The batch record of this load (`file`'s digest, its row count).
    pub(crate) fn batch(&self, sha256: &'a str, row_count: usize) -> ImportBatch<'a> {
        ImportBatch {
            actor: self.actor,
            staff_id: self.staff_id,
            source: self.source,
            file_name: self.file_name,
            sha256,
            row_count,
        }
    }
}

/// Checks `file` and, if `request.commit` and every row is valid, loads
/// its new rows. The report shows page `page` of its problems and new rows
/// (`None`: every listed problem).
pub async fn run(
    store: &Store,
    typeface: &Typeface,
    file: &[u8],
    format: Format,
    request: &Request<'_>,
    page: Option<usize>,
) -> Result<ImportReport, StoreError> {
    let qualifications = store.qualification_codes(request.seal_id).await?;
    // In a block: the rules' context is not `Send`, and the database comes next.
    let checked = {
        let ctx = Context {
            today: crate::clock::today_shanghai(),
            qualifications: &|code| qualifications.contains_key(code),
            specialty_allowed: &|code, specialty| {
                qualifications.get(code).is_none_or(|listed| listed.is_empty() || listed.contains(specialty))
            },
            unprintable: &|text| !typeface.missing_chars(text).is_empty(),
        };
        let mut checker = RowChecker::new(&ctx);
        read(file, format, |row| checker.check(&row)).map(|rows| (rows, checker.finish()))
    };
    let (rows, (valid, mut problems)) = match checked {
        Ok(checked) => checked,
        Err(problem) => return Ok(ImportReport { file_problem: Some(problem), ..ImportReport::default() }),
    };

    // Against the database.
    let stored = store.certificates_like(&valid).await?;
    let by_management: HashMap<&str, &str> =
        stored.values().map(|s| (s.management_number.as_str(), s.certificate_number.as_str())).collect();
    let mut new = Vec::with_capacity(valid.len());
    let mut already_loaded = 0;
    for row in valid {
        let conflict = |column: &str| RowError {
            line: row.line,
            column: column.into(),
            problem: RowProblem::ConflictsWithDatabase,
        };
        match stored.get(&row.certificate_number) {
            Some(s) if s.same_as(&row) => already_loaded += 1,
            Some(_) => problems.push(conflict("certificate_number")),
            None if by_management.contains_key(row.management_number.as_str()) => {
                problems.push(conflict("management_number"))
            }
            None => new.push(row),
        }
    }
    let (errors, problems, unlisted) = problems.finish();
    let counts = ImportReport { rows, new: new.len(), already_loaded, problems, unlisted, ..ImportReport::default() };
    let mut report = counts.paged(errors, &new, page, |r| PreviewRow {
        line: r.line,
        certificate_number: r.certificate_number.clone(),
        holder_name: r.holder_name.clone(),
        id_number_masked: mask_id_number(&r.id_number),
        qualification_code: r.qualification_code.clone(),
        issued_on: r.issued_on,
        status: r.status,
    });
    if request.commit && report.can_commit() {
        let sha256 = crate::pdf_signature::file_sha256(file);
        match store.insert_certificates(&new, &request.batch(&sha256, rows)).await {
            Ok(id) => report.batch_id = Some(id),
            // Another load of the same rows won the race (a double click):
            // nothing was written here; the rows now count as loaded.
            Err(StoreError::Database(e)) if crate::store::is_unique_violation(&e).is_some() => {
                let again = Request { commit: false, ..*request };
                return Box::pin(run(store, typeface, file, format, &again, page)).await;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(report)
}

/// A row type a file is read into: its fields are the columns.
pub trait FileRow: serde::de::DeserializeOwned {
    fn set_line(&mut self, line: usize);
}

impl FileRow for RawRow {
    fn set_line(&mut self, line: usize) {
        self.line = line;
    }
}

/// The certificate rows of a file, handed to `each` one at a time.
pub fn read(file: &[u8], format: Format, each: impl FnMut(RawRow)) -> Result<usize, FileProblem> {
    read_rows(file, format, &COLUMNS, &COLUMNS[..REQUIRED_COLUMNS], each)
}

/// Reads the rows of a CSV file (a header row naming the columns, UTF-8, a
/// BOM allowed) or a JSON array of objects with the same names, handing
/// each to `each` as it is read: the file is never held as rows, so a
/// preview costs about its valid rows, not a multiple of the file. Every
/// column must be one of `columns`, and the `required` ones must be there.
/// Returns the number of rows; on a problem with the file the rows handed
/// so far are to be discarded.
pub fn read_rows<T: FileRow>(
    file: &[u8],
    format: Format,
    columns: &[&str],
    required: &[&str],
    mut each: impl FnMut(T),
) -> Result<usize, FileProblem> {
    let file = file.strip_prefix("\u{feff}".as_bytes()).unwrap_or(file);
    let text = std::str::from_utf8(file).map_err(|_| FileProblem::NotUtf8)?;
    if text.trim().is_empty() {
        return Err(FileProblem::Empty);
    }
    let mut rows = 0;
    let mut counted = |row: T| {
        rows += 1;
        if rows > MAX_ROWS {
            return Err(FileProblem::TooManyRows);
        }
        each(row);
        Ok(())
    };
    match format {
        Format::Csv => read_csv(text, columns, required, &mut counted)?,
        Format::Json => read_json(text, columns, required, &mut counted)?,
    };
    if rows == 0 {
        return Err(FileProblem::Empty);
    }
    Ok(rows)
}

type Each<'a, T> = &'a mut dyn FnMut(T) -> Result<(), FileProblem>;

fn read_csv<T: FileRow>(text: &str, columns: &[&str], required: &[&str], each: Each<T>) -> Result<(), FileProblem> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|_| FileProblem::Syntax { line: 1 })?.clone();
    for column in headers.iter() {
        if !columns.contains(&column) {
            return Err(FileProblem::UnknownColumn(column.to_string()));
        }
    }
    if let Some(missing) = required.iter().find(|c| !headers.iter().any(|h| h == **c)) {
        return Err(FileProblem::MissingColumn(missing.to_string()));
    }
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line() as usize;
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line() as usize);
                return Err(FileProblem::Syntax { line });
            }
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        let mut row: T = record.deserialize(Some(&headers)).map_err(|_| FileProblem::Syntax { line })?;
        row.set_line(record.position().map_or(line, |p| p.line() as usize));
        each(row)?;
    }
}

/// A JSON array read element by element (serde's sequence access), each
/// element checked for its keys and turned into a row before the next is read.
fn read_json<T: FileRow>(text: &str, columns: &[&str], required: &[&str], each: Each<T>) -> Result<(), FileProblem> {
    use serde::de::{DeserializeSeed, Error as _, SeqAccess, Visitor};

    struct Rows<'a, 'b, T> {
        columns: &'a [&'a str],
        required: &'a [&'a str],
        each: Each<'b, T>,
        /// Why reading stopped, when it was the file's content.
        problem: &'a mut Option<FileProblem>,
    }

    impl<'de, T: FileRow> Visitor<'de> for Rows<'_, '_, T> {
        type Value = ();

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array of objects")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut index = 0;
            while let Some(value) = seq.next_element::<serde_json::Value>()? {
                index += 1;
                let mut stop = |problem| {
                    *self.problem = Some(problem);
                    A::Error::custom("")
                };
                if let Some(object) = value.as_object() {
                    if let Some(unknown) = object.keys().find(|k| !self.columns.contains(&k.as_str())) {
                        return Err(stop(FileProblem::UnknownColumn(unknown.clone())));
                    }
                    if let Some(missing) = self.required.iter().find(|c| !object.contains_key(**c)) {
                        return Err(stop(FileProblem::MissingColumn(missing.to_string())));
                    }
                }
                let Ok(mut row) = serde_json::from_value::<T>(value) else {
                    return Err(stop(FileProblem::Syntax { line: index }));
                };
                row.set_line(index);
                (self.each)(row).map_err(stop)?;
            }
            Ok(())
        }
    }

    impl<'de, T: FileRow> DeserializeSeed<'de> for Rows<'_, '_, T> {
        type Value = ();

        fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
            deserializer.deserialize_seq(self)
        }
    }

    let mut problem = None;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let read = Rows { columns, required, each, problem: &mut problem }.deserialize(&mut deserializer);
    let read = read.and_then(|()| deserializer.end());
    match (read, problem) {
        (_, Some(problem)) => Err(problem),
        (Ok(()), None) => Ok(()),
        (Err(e), None) => Err(FileProblem::Syntax { line: e.line() }),
    }
}

/// Made-up but valid files, the same for the tests and the benchmark.
pub mod sample {
    use crate::domain::id_document::check_digit;

    /// A resident ID number for person `n`, distinct for n < 16,800,000:
    /// 336 birthdays a year (28 a month), 50 years, 1,000 sequence numbers.
    pub fn id_number(n: usize) -> String {
        let day = n % 336;
        let (month, day) = (1 + day / 28, 1 + day % 28);
        let year = 1970 + n / 336 % 50;
        let first17 = format!("110105{year:04}{month:02}{day:02}{:03}", n / (336 * 50) % 1000);
        let digit = check_digit(first17.as_bytes()) as char;
        format!("{first17}{digit}")
    }

    /// `rows` certificates of 注册安全工程师 (0301), numbered from `first`.
    pub fn csv(first: usize, rows: usize) -> String {
        let mut out = String::from(
            "certificate_number,management_number,holder_name,id_type,id_number,qualification_code,specialty,issued_on\n",
        );
        for n in first..first + rows {
            out += &format!(
                "03012026{n:08},AQ2026{n:010},测试{},resident_id,{},0301,化工安全,2026-06-{:02}\n",
                NAMES[n % NAMES.len()],
                id_number(n),
                1 + n % 28
            );
        }
        out
    }

    const NAMES: [&str; 8] = ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛"];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::Ymd;
    use crate::store::testing::{holder, temp_store};

    fn request(commit: bool, seal_id: Option<i64>) -> Request<'static> {
        Request { seal_id, commit, actor: "test", staff_id: None, source: "cli", file_name: Some("t.csv") }
    }

    async fn load(store: &Store, file: &str, commit: bool) -> ImportReport {
        let tf = crate::document::tests::typeface();
        run(store, &tf, file.as_bytes(), Format::guess("t.csv", file.as_bytes()), &request(commit, None), Some(0)).await.unwrap()
    }

    /// Every row of a file, or why it cannot be read.
    fn parse(file: &[u8], format: Format) -> Result<Vec<RawRow>, FileProblem> {
        let mut rows = Vec::new();
        read(file, format, |row| rows.push(row))?;
        Ok(rows)
    }

    async fn count(store: &Store) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM certificates").fetch_one(store.pool()).await.unwrap()
    }

    #[tokio::test]
    async fn a_clean_file_loads_once_and_again_changes_nothing() {
        let (store, _dir) = temp_store().await;
        store.seed_catalog().await.unwrap();
        // Someone registered before their certificate was loaded.
        let holder_id = holder(&store, "early", &sample::id_number(1)).await;
        let file = sample::csv(0, 5);

        let checked = load(&store, &file, false).await;
        assert_eq!((checked.rows, checked.new, checked.batch_id), (5, 5, None));
        assert_eq!(checked.preview.len(), 5);
        assert_eq!(checked.preview[0].line, 2, "the header is line 1");
        assert!(checked.preview[0].id_number_masked.contains('*'));
        assert_eq!(count(&store).await, 0, "checking writes nothing");

        let loaded = load(&store, &file, true).await;
        assert!(loaded.batch_id.is_some());
        assert_eq!(count(&store).await, 5);
        let today = Ymd::parse_iso("2026-11-25").unwrap();
        let theirs = store.certificates_of_holder(holder_id, today).await.unwrap();
        assert_eq!(theirs.len(), 1, "shows up for the holder at once");
        assert_eq!(theirs[0].certificate_number, "0301202600000001");

        let again = load(&store, &file, true).await;
        assert_eq!((again.new, again.already_loaded, again.batch_id), (0, 5, None));
        assert!(again.errors.is_empty());
        assert_eq!(count(&store).await, 5);
        let events = store.recent_audit_events(10).await.unwrap();
        assert_eq!(events.iter().filter(|(e, _, _)| e == "certificates_imported").count(), 1);
    }

    #[tokio::test]
    async fn one_bad_row_and_nothing_is_written() {
        let (store, _dir) = temp_store().await;
        store.seed_catalog().await.unwrap();
        let mut file = sample::csv(0, 4);
        file = file.replacen(&sample::id_number(2), "110105198503150018", 1);
        let report = load(&store, &file, true).await;
        assert_eq!(report.batch_id, None);
        assert_eq!(report.errors.len(), 1);
        assert_eq!(report.errors[0].line, 4);
        assert_eq!(report.errors[0].column, "id_number");
        assert_eq!(count(&store).await, 0);
    }

    #[tokio::test]
    async fn a_number_stored_with_other_details_is_a_conflict() {
        let (store, _dir) = temp_store().await;
        store.seed_catalog().await.unwrap();
        load(&store, &sample::csv(0, 2), true).await;
        let changed = sample::csv(0, 2).replace("测试甲", "测试乙乙");
        let report = load(&store, &changed, true).await;
        assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
        assert_eq!(report.errors[0].problem, RowProblem::ConflictsWithDatabase);
        // A new certificate number that reuses a stored management number.
        let reused = sample::csv(0, 1).replace("0301202600000000", "0301202699999999");
        let report = load(&store, &reused, true).await;
        assert_eq!(report.errors[0].column, "management_number");
    }

    #[tokio::test]
    async fn an_issuer_loads_only_its_own_qualifications() {
        let (store, _dir) = temp_store().await;
        store.seed_catalog().await.unwrap();
        let cba = store.seal_id("cba").await.unwrap();
        let tf = crate::document::tests::typeface();
        let file = sample::csv(0, 2);
        let report = run(&store, &tf, file.as_bytes(), Format::Csv, &request(true, cba), Some(0)).await.unwrap();
        assert_eq!(report.errors.len(), 2);
        assert!(report.errors.iter().all(|e| e.problem == RowProblem::Qualification));
        assert_eq!(count(&store).await, 0);
    }

    #[tokio::test]
    async fn json_says_the_same_as_csv() {
        let (store, _dir) = temp_store().await;
        store.seed_catalog().await.unwrap();
        let rows = parse(sample::csv(0, 3).as_bytes(), Format::Csv).unwrap();
        let json = serde_json::to_string(&rows).unwrap();
        assert_eq!(Format::guess("upload", json.as_bytes()), Format::Json);
        let from_json = parse(json.as_bytes(), Format::Json).unwrap();
        assert_eq!(from_json.len(), 3);
        assert_eq!(from_json[1].certificate_number, rows[1].certificate_number);
        assert_eq!(from_json[1].line, 2, "JSON rows are numbered from 1");
        let tf = crate::document::tests::typeface();
        let report = run(&store, &tf, json.as_bytes(), Format::Json, &request(true, None), Some(0)).await.unwrap();
        assert_eq!(report.new, 3);
    }

    #[test]
    fn sample_id_numbers_are_distinct_and_valid() {
        let today = Ymd::parse_iso("2026-11-25").unwrap();
        let ids: std::collections::HashSet<String> = (0..100_000).map(sample::id_number).collect();
        assert_eq!(ids.len(), 100_000);
        for n in [0, 335, 336, 16_799, 99_999] {
            let id = sample::id_number(n);
            let normalized = crate::domain::id_document::normalize_id_number(
                crate::domain::id_document::IdType::ResidentId,
                &id,
                today,
            );
            assert_eq!(normalized.as_deref(), Ok(id.as_str()));
        }
    }

    #[test]
    fn unreadable_files_say_why() {
        let csv = |s: &str| parse(s.as_bytes(), Format::Csv).unwrap_err();
        assert_eq!(csv(""), FileProblem::Empty);
        assert_eq!(csv("certificate_number\n"), FileProblem::MissingColumn("management_number".into()));
        assert_eq!(
            csv(&sample::csv(0, 1).replacen("specialty", "speciality", 1)),
            FileProblem::UnknownColumn("speciality".into())
        );
        assert_eq!(parse(&[0xB2, 0xE2, 0xCA, 0xD4], Format::Csv).unwrap_err(), FileProblem::NotUtf8);
        let ragged = format!("{}a,b\n", sample::csv(0, 2));
        assert_eq!(csv(&ragged), FileProblem::Syntax { line: 4 });
        assert!(matches!(parse(b"[{", Format::Json).unwrap_err(), FileProblem::Syntax { .. }));
        let with_bom = format!("\u{feff}{}", sample::csv(0, 1));
        assert_eq!(parse(with_bom.as_bytes(), Format::Csv).unwrap().len(), 1);
    }

    #[test]
    fn a_hundred_thousand_rows_pass_the_rules() {
        let ctx = Context {
            today: Ymd::parse_iso("2026-11-25").unwrap(),
            qualifications: &|c| c == "0301",
            unprintable: &|_| false,
            specialty_allowed: &|_, _| true,
        };
        let mut checker = RowChecker::new(&ctx);
        read(sample::csv(0, 100_000).as_bytes(), Format::Csv, |row| checker.check(&row)).unwrap();
        let (valid, problems) = checker.finish();
        let (errors, total, _) = problems.finish();
        assert_eq!((valid.len(), total), (100_000, 0), "{:?}", errors.first());
    }

    #[tokio::test]
    async fn a_file_of_bad_rows_lists_the_first_thousand_problems_and_counts_the_rest() {
        let (store, _dir) = temp_store().await;
        store.seed_catalog().await.unwrap();
        let mut file = COLUMNS[..REQUIRED_COLUMNS].join(",") + "\n";
        for _ in 0..5_000 {
            file += "!,!,!,!,!,!,!,!\n";
        }
        let report = load(&store, &file, false).await;
        assert_eq!(report.rows, 5_000);
        assert!(report.problems >= 5 * 5_000, "{}", report.problems);
        assert_eq!(report.errors.len(), crate::domain::import::PROBLEMS_PER_PAGE, "one page of the listed");
        assert_eq!(report.pages, crate::domain::import::MAX_LISTED_PROBLEMS / crate::domain::import::PROBLEMS_PER_PAGE);
        let unlisted: usize = report.unlisted.iter().map(|c| c.count).sum();
        assert_eq!(unlisted + crate::domain::import::MAX_LISTED_PROBLEMS, report.problems);
        assert!(report.unlisted.iter().any(|c| c.column == "certificate_number"), "{:?}", report.unlisted);
        assert!(!report.can_commit());
        let last = run(&store, &crate::document::tests::typeface(), file.as_bytes(), Format::Csv, &request(false, None), Some(99))
            .await
            .unwrap();
        assert_eq!(last.page, last.pages - 1, "a page past the end is the last");
        assert!(last.errors.iter().all(|e| e.line > report.errors.last().unwrap().line));
    }
}
