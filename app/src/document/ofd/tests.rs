use crate::document::sample;

#[test]
fn a_draft_has_the_page_its_font_and_its_pictures() {
    let tf = crate::document::tests::typeface();
    let (face, block) = (sample::face(), sample::endorsement());
    let draft = super::render(&tf, &face, Some(&block), Some(sample::VERIFY_URL), "doc", "2026-12-05").unwrap();
    let names: Vec<&str> = draft.files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "OFD.xml",
            "Doc_0/Document.xml",
            "Doc_0/PublicRes.xml",
            "Doc_0/Pages/Page_0/Content.xml",
            "Doc_0/Res/font_2.otf",
            "Doc_0/DocumentRes.xml",
            "Doc_0/Res/qr_3.png"
        ]
    );
    let content = String::from_utf8(draft.files[3].1.clone()).unwrap();
    assert!(content.contains(face.holder_name) && content.contains(face.certificate_number));
    assert!(content.contains(block.endorsement_number));
    assert!(draft.seal_png.starts_with(b"\x89PNG"));
    // The subset maps the page's characters to glyphs.
    let font = write_fonts::read::FontRef::new(&draft.files[4].1).unwrap();
    use write_fonts::read::TableProvider;
    let cmap = font.cmap().unwrap();
    for c in face.holder_name.chars().chain("加注信息".chars()) {
        assert!(cmap.map_codepoint(c).is_some_and(|g| g.to_u32() != 0), "{c} has no glyph in the subset");
    }
}
