use std::path::Path;
use std::sync::{Arc, OnceLock};

use super::*;

pub(crate) fn typeface() -> Arc<Typeface> {
    static TF: OnceLock<Arc<Typeface>> = OnceLock::new();
    TF.get_or_init(|| Arc::new(Typeface::load(Path::new(DEFAULT_FONT_PATH), DEFAULT_FONT_INDEX).expect("font"))).clone()
}

pub(crate) use super::sample::face as sample_face;

/// When the sample copies were made (2025-12-01 09:00 in Asia/Shanghai).
pub(crate) const SAMPLE_MADE_AT: i64 = 1_764_550_800;

/// The sample certificate without an endorsement (a legacy certificate's page), unsigned.
pub(crate) fn sample_legacy_pdf() -> Vec<u8> {
    render(&typeface(), &sample_face(), None, None, pdf_date(SAMPLE_MADE_AT)).unwrap()
}

#[test]
fn typeface_is_send_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Typeface>();
}

#[test]
fn default_face_is_simplified_chinese() {
    // Face 2 of Noto Serif CJK is SC: it maps the simplified forms.
    let tf = typeface();
    assert!(tf.missing_chars("中华人民共和国人力资源和社会保障部注册安全工程师").is_empty());
    assert!(tf.missing_chars("0123456789 ABCXYZ abc-:/.（）年月日至").is_empty());
}

#[test]
fn missing_chars_finds_private_use_and_dedups() {
    let tf = typeface();
    assert_eq!(tf.missing_chars("张\u{E000}三\u{E000}\u{F8FF}"), vec!['\u{E000}', '\u{F8FF}']);
    assert_eq!(tf.missing_chars("行\n"), vec!['\n']);
}

#[test]
fn load_fails_clearly_for_a_missing_font() {
    let err = Typeface::load(Path::new("/nonexistent/font.ttc"), 0).unwrap_err();
    assert!(matches!(err, DocumentError::FontUnreadable { .. }), "{err}");
    let err = Typeface::load(Path::new(DEFAULT_FONT_PATH), 99).unwrap_err();
    assert!(err.to_string().contains("face 99"), "{err}");
}

#[test]
fn render_rejects_missing_glyphs_and_lists_them() {
    let tf = typeface();
    let mut face = sample_face();
    face.holder_name = "张\u{E000}";
    let err = render(&tf, &face, None, None, pdf_date(1_764_550_800)).unwrap_err();
    match &err {
        DocumentError::MissingGlyphs { chars } => assert_eq!(chars, &vec!['\u{E000}']),
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("U+E000"), "{err}");
}

#[test]
fn render_makes_a_one_page_pdf() {
    let tf = typeface();
    let e = super::sample::endorsement();
    let pdf = render(&tf, &sample_face(), Some(&e), Some(super::sample::VERIFY_URL), pdf_date(1_764_550_800)).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.len() < 200_000, "{} bytes", pdf.len());
    let legacy = sample_legacy_pdf();
    assert!(legacy.starts_with(b"%PDF-"));
}

#[test]
fn far_too_long_values_are_refused() {
    let tf = typeface();
    let mut face = sample_face();
    let long = "很".repeat(60);
    face.authority = &long;
    let err = render(&tf, &face, None, None, pdf_date(1_764_550_800)).unwrap_err();
    assert!(matches!(err, DocumentError::TooLong { field: "authority" }), "{err}");
}

#[test]
fn made_up_names_are_distinct_and_drawable() {
    let tf = typeface();
    let names: std::collections::HashSet<String> = (0..75_000).step_by(7).map(super::sample::holder_name).collect();
    assert_eq!(names.len(), (0..75_000).step_by(7).count());
    let all = format!("{}{}", super::sample::SURNAMES, super::sample::GIVEN_NAMES);
    assert!(tf.missing_chars(&all).is_empty());
}

#[test]
fn memoized_renders_keep_each_copy_its_own() {
    // krilla memoizes compression and font subsets across renders (comemo):
    // a copy rendered again is the same bytes, another holder's differs,
    // and the seal is drawn as a transparency group (the shared stream).
    let tf = typeface();
    let e = super::sample::endorsement();
    let url = super::sample::VERIFY_URL;
    let (a, b) = (super::sample::holder_name(1), super::sample::holder_name(40_000));
    let render_for = |name: &str| {
        let mut face = sample_face();
        face.holder_name = name;
        render(&tf, &face, Some(&e), Some(url), pdf_date(1_764_550_800)).unwrap()
    };
    let first = render_for(&a);
    let other = render_for(&b);
    for _ in 0..super::RENDERS_PER_EVICTION + 1 {
        render_for(&super::sample::holder_name(7));
    }
    assert_eq!(render_for(&a), first, "same input, same bytes, before and after an eviction");
    assert_ne!(other, first);
    let text = String::from_utf8_lossy(&first);
    assert!(text.contains("/Group") && text.contains("/Transparency"), "the seal's group");
}
