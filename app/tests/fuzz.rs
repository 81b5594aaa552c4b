//! Fuzz targets of the domain (see the `fuzz` crate): identity numbers,
//! certificate files for import, and uploaded PDFs. For any input: no panic,
//! and what is accepted is well-formed.

use std::time::{Duration, SystemTime};

use app::domain::{
    calendar::Ymd,
    id_document::{mask_id_number, normalize_id_number, IdType},
    import::{Context, RowChecker, MAX_LISTED_PROBLEMS},
};
use app::service::import::{read, Format};
use proptest::prelude::*;

const TODAY: Ymd = Ymd { year: 2026, month: 11, day: 25 };

proptest! {
    #![proptest_config(fuzz::config(10_000))]

    /// Every identity type: an accepted number is canonical (normalising it
    /// again gives it back) and can be masked.
    #[test]
    fn id_numbers(input in fuzz::inputs(fuzz::corpus("id_numbers"))) {
        let text = String::from_utf8_lossy(&input);
        for id_type in IdType::ALL {
            if let Ok(number) = normalize_id_number(id_type, &text, TODAY) {
                prop_assert_eq!(normalize_id_number(id_type, &number, TODAY), Ok(number.clone()));
                prop_assert!(number.len() <= 32 && number.chars().all(|c| c.is_ascii_alphanumeric()), "{}", number);
                let masked = mask_id_number(&number);
                prop_assert_eq!(masked.chars().count(), number.chars().count());
            }
        }
    }

    #[test]
    fn import_csv(input in fuzz::inputs(fuzz::corpus("import_csv"))) {
        check_import(&input, Format::Csv)?;
    }

    #[test]
    fn import_json(input in fuzz::inputs(fuzz::corpus("import_json"))) {
        check_import(&input, Format::Json)?;
    }

    /// An upload to 证书查验: never valid unless it is a committed signed
    /// copy byte for byte.
    #[test]
    fn pdf_upload(input in fuzz::inputs(fuzz::corpus("pdf"))) {
        let check = app::pdf_signature::check_pdf(&input, anchors(), signing_day());
        let f = &check.file;
        let valid = f.signed && f.signature_valid && f.covers_whole_document && f.trusted;
        if valid {
            prop_assert!(fuzz::corpus("pdf").contains(&input), "a changed file verified");
        }
        prop_assert!(!f.signature_valid || f.signed);
    }
}

/// A file is either refused as a whole or read into rows; every row is then
/// accepted or reported with its own line, at most `MAX_LISTED_PROBLEMS`
/// problems are listed and every other one is counted, and accepted rows
/// are canonical.
fn check_import(input: &[u8], format: Format) -> Result<(), TestCaseError> {
    let ctx = Context {
        today: TODAY,
        qualifications: &|code| ["0301", "0401"].contains(&code),
        specialty_allowed: &|_, specialty| specialty != "未开设",
        unprintable: &|text| text.contains('\u{E000}'),
    };
    let mut checker = RowChecker::new(&ctx);
    let mut lines = Vec::new();
    let read = read(input, format, |row| {
        lines.push(row.line);
        checker.check(&row);
    });
    let Ok(rows) = read else { return Ok(()) };
    prop_assert_eq!(rows, lines.len());
    let (valid, problems) = checker.finish();
    let (errors, total, unlisted) = problems.finish();
    prop_assert!(valid.len() <= rows);
    prop_assert!(errors.len() <= MAX_LISTED_PROBLEMS);
    prop_assert_eq!(total, errors.len() + unlisted.iter().map(|c| c.count).sum::<usize>());
    prop_assert!(errors.iter().all(|e| lines.contains(&e.line)), "errors point at rows: {:?} {:?}", errors, lines);
    prop_assert!(errors.windows(2).all(|w| w[0].line <= w[1].line), "errors in line order");
    for row in &valid {
        prop_assert_eq!(normalize_id_number(row.id_type, &row.id_number, TODAY), Ok(row.id_number.clone()));
        prop_assert!(row.issued_on <= TODAY);
    }
    Ok(())
}

fn anchors() -> &'static [x509_cert::Certificate] {
    static ANCHORS: std::sync::OnceLock<Vec<x509_cert::Certificate>> = std::sync::OnceLock::new();
    ANCHORS.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/anchors");
        app::signing::KeyRing::read_trust_anchors(&dir).expect("committed anchors")
    })
}

/// The committed copy was signed on 2026-11-25 (UTC); checked as of then.
fn signing_day() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_631_600)
}

#[test]
fn the_committed_copy_verifies_as_it_is() {
    let copy = std::fs::read(fuzz::corpus_dir("pdf").join("endorsed-copy.pdf")).unwrap();
    let f = app::pdf_signature::check_pdf(&copy, anchors(), signing_day()).file;
    assert!(f.signed && f.signature_valid && f.covers_whole_document && f.trusted, "{f:?}");
}
