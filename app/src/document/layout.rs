//! Page layout. Coordinates are PDF points (1/72 in), origin at the top left,
//! y downwards (krilla's convention).

use std::num::NonZeroU16;

use krilla::action::{Action, LinkAction};
use krilla::annotation::{Annotation, LinkAnnotation, Target};
use krilla::color::rgb;
use krilla::configure::{Accessibility, Archival, ConfigurationBuilder};
use krilla::destination::XyzDestination;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, Stroke};
use krilla::surface::Surface;
use krilla::tagging::{
    Artifact, ArtifactType, ContentTag, Node, SpanTag, TableHeaderScope, Tag, TagGroup, TagKind, TagTree,
};
use krilla::{Document, SerializeSettings};

use super::typeface::Typeface;
use super::{qr, seal, CertificateFace, DocumentError, EndorsementBlock};

pub(super) const PAGE_W: f32 = 595.28;
pub(super) const PAGE_H: f32 = 841.89;
pub(super) const MM: f32 = 72.0 / 25.4;

pub(super) const BLACK: (u8, u8, u8) = (20, 20, 20);
pub(super) const GREY: (u8, u8, u8) = (90, 90, 90);
/// Border and rules.
pub(super) const MAROON: (u8, u8, u8) = (150, 28, 28);
/// Seal ink.
pub(super) const SEAL_RED: (u8, u8, u8) = (218, 20, 20);

// Certificate face rows.
pub(super) const LABEL_RIGHT: f32 = 185.0;
pub(super) const VALUE_LEFT: f32 = 197.0;
pub(super) const VALUE_RIGHT: f32 = 515.0;
pub(super) const ROW_TOP: f32 = 212.0;
pub(super) const ROW_STEP: f32 = 31.0;
pub(super) const ROW_SIZE: f32 = 13.0;

// Endorsement box.
pub(super) const BOX_LEFT: f32 = 72.0;
pub(super) const BOX_RIGHT: f32 = PAGE_W - 72.0;
pub(super) const BOX_TOP: f32 = 500.0;
pub(super) const BOX_ROW_SIZE: f32 = 11.0;
pub(super) const BOX_ROW_STEP: f32 = 21.0;

// QR code: 30 mm, centred under the box.
pub(super) const QR_SIZE: f32 = 30.0 * MM;
pub(super) const QR_TOP: f32 = 672.0;

pub(super) fn render_page(
    tf: &Typeface,
    face: &CertificateFace,
    endorsement: Option<&EndorsementBlock>,
    verify_url: Option<&str>,
    created: DateTime,
) -> Result<Vec<u8>, DocumentError> {
    // PDF/A-2b and PDF/UA-1 at once (krilla checks both; PDF 1.7 is the only common version).
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A2_B)
        .with_accessibility_validator(Accessibility::UA1)
        .finish()
        .map_err(|e| DocumentError::Pdf(format!("{e:?}")))?;
    let settings = SerializeSettings {
        compress_content_streams: true,
        ascii_compatible: false,
        xmp_metadata: true,
        pretty: false,
        enable_tagging: true,
        configuration,
        ..SerializeSettings::default()
    };
    let mut document = Document::new_with(settings);
    document.set_metadata(
        Metadata::new()
            .title(format!("{} {}", face.qualification, face.holder_name))
            .creator("ecert".to_string())
            .language("zh-CN".to_string())
            .creation_date(created),
    );
    let page_settings =
        PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| DocumentError::Pdf("bad page size".into()))?;
    let mut page = document.start_page_with(page_settings);
    let mut surface = page.surface();
    let mut pen = Pen { surface: &mut surface, tf, spans: Vec::new(), tree: Vec::new(), link: None };
    pen.face(face, endorsement.is_some())?;
    if let Some(e) = endorsement {
        pen.endorsement(e)?;
    }
    if let Some(url) = verify_url {
        pen.qr(url)?;
    }
    let mut tree = std::mem::take(&mut pen.tree);
    let link = pen.link.take();
    surface.finish();
    // The address under the QR code as a link (PDF/UA: a Link element holding the annotation and its text).
    if let (Some((at, rect, spans)), Some(url)) = (link, verify_url) {
        let target = Target::Action(Action::Link(LinkAction::new(url.to_string())));
        let annot = page.add_tagged_annotation(Annotation::new_link(
            LinkAnnotation::new(rect, target),
            Some(format!("查验地址 {url}")),
        ));
        let mut children = vec![annot.into()];
        children.extend(spans);
        tree.insert(
            at,
            TagGroup::with_children(Tag::P, vec![TagGroup::with_children(Tag::Link, children).into()]).into(),
        );
    }
    page.finish();
    document.set_tag_tree(TagTree::from(tree));
    // PDF/UA-1 (krilla: MissingDocumentOutline) wants an outline: one entry for the page.
    let mut outline = Outline::new();
    outline.push_child(OutlineNode::new(TITLE.to_string(), XyzDestination::new(0, Point::from_xy(0.0, 0.0))));
    document.set_outline(outline);
    document.finish().map_err(|e| DocumentError::Pdf(format!("{e:?}")))
}

pub(super) const TITLE: &str = "专业技术人员职业资格证书";

/// The seal's centre across the page.
pub(super) const SEAL_CX: f32 = 410.0;
/// Where the endorsement rows' labels end.
pub(super) const BOX_LABEL_RIGHT: f32 = BOX_LEFT + 120.0;

/// The certificate's label / value rows, with the field each value is.
pub(super) fn face_rows<'a>(face: &CertificateFace<'a>) -> Vec<(&'static str, &'a str, &'static str)> {
    let mut rows: Vec<(&'static str, &'a str, &'static str)> = vec![
        ("姓名", face.holder_name, "holder_name"),
        ("证件类型", face.id_type, "id_type"),
        ("证件号码", face.id_number, "id_number"),
        ("资格名称", face.qualification, "qualification"),
    ];
    if let Some(s) = face.specialty.filter(|s| !s.is_empty()) {
        rows.push(("专业/级别", s, "specialty"));
    }
    rows.extend([
        ("证书编号", face.certificate_number, "certificate_number"),
        ("管理号", face.management_number, "management_number"),
        ("签发日期", face.issued_on, "issued_on"),
        ("发证机关", face.authority, "authority"),
    ]);
    rows
}

/// The seal's centre down the page: over the issue date and the authority
/// (the last two of `rows` rows), towards the right.
pub(super) fn seal_centre_y(rows: usize) -> f32 {
    let last = ROW_TOP + ROW_STEP * (rows as f32 - 1.0);
    last - ROW_STEP / 2.0 - 12.0
}

/// The endorsement block's rows.
pub(super) fn endorsement_rows(e: &EndorsementBlock) -> [(&'static str, String, &'static str); 5] {
    [
        ("加注件制作时间", e.made_at.to_string(), "made_at"),
        ("加注件制作者", e.made_by.to_string(), "made_by"),
        ("制作事由", e.purpose.to_string(), "purpose"),
        ("有效期", format!("{} 至 {}", e.valid_from, e.valid_until), "valid_until"),
        ("加注编号", e.endorsement_number.to_string(), "endorsement_number"),
    ]
}

/// The endorsement box's lines: its title's baseline, the rule under it,
/// the first row's baseline and the box's bottom.
pub(super) struct EndorsementBox {
    pub(super) title_base: f32,
    pub(super) rule: f32,
    pub(super) first: f32,
    pub(super) bottom: f32,
}

impl EndorsementBox {
    pub(super) fn of(rows: usize) -> EndorsementBox {
        let title_base = BOX_TOP + 24.0;
        let rule = title_base + 10.0;
        let first = rule + 22.0;
        EndorsementBox { title_base, rule, first, bottom: first + BOX_ROW_STEP * (rows as f32 - 1.0) + 14.0 }
    }
}

/// The printed address under the QR code: its left end, baseline and size.
pub(super) fn url_line(tf: &Typeface, url: &str) -> (f32, f32, f32) {
    let size = if tf.width(url, 7.5) <= PAGE_W - 100.0 { 7.5 } else { 6.0 };
    let x = (PAGE_W - tf.width(url, size)).max(50.0) / 2.0;
    (x, QR_TOP + QR_SIZE + 13.0, size)
}

/// `size`, shrunk (down to 60 %) so that `text` fits in `avail`.
pub(super) fn fit(tf: &Typeface, text: &str, size: f32, avail: f32, field: &'static str) -> Result<f32, DocumentError> {
    let w = tf.width(text, size);
    if w <= avail {
        Ok(size)
    } else if w * 0.6 <= avail {
        Ok(size * avail / w)
    } else {
        Err(DocumentError::TooLong { field })
    }
}

struct Pen<'s, 'a> {
    surface: &'s mut Surface<'a>,
    tf: &'s Typeface,
    /// Marked-content ids of the text drawn since the last `group`.
    spans: Vec<Node>,
    /// Children of the Document structure element, in reading order.
    tree: Vec<Node>,
    /// The printed address: its place in `tree`, its box and its text.
    link: Option<(usize, Rect, Vec<Node>)>,
}

fn color(c: (u8, u8, u8)) -> rgb::Color {
    rgb::Color::new(c.0, c.1, c.2)
}

impl Pen<'_, '_> {
    fn fill(&mut self, c: (u8, u8, u8), opacity: f32) {
        self.surface.set_stroke(None);
        self.surface.set_fill(Some(Fill {
            paint: color(c).into(),
            opacity: NormalizedF32::new(opacity).unwrap_or(NormalizedF32::ONE),
            rule: FillRule::NonZero,
        }));
    }

    fn stroke(&mut self, c: (u8, u8, u8), width: f32) {
        self.surface.set_fill(None);
        self.surface.set_stroke(Some(Stroke { paint: color(c).into(), width, ..Stroke::default() }));
    }

    /// Text with its left end at `x`, baseline at `y`.
    fn text(&mut self, x: f32, y: f32, size: f32, text: &str) {
        if text.is_empty() {
            return;
        }
        let (glyphs, _) = self.tf.layout(text, size);
        let id = self.surface.start_tagged(ContentTag::Span(SpanTag::empty()));
        self.surface.draw_glyphs(Point::from_xy(x, y), &glyphs, self.tf.font.clone(), text, size, false);
        self.surface.end_tagged();
        self.spans.push(id.into());
    }

    /// The text drawn since the last call, as one structure element.
    fn group(&mut self, tag: impl Into<TagKind>) -> TagGroup {
        TagGroup::with_children(tag, std::mem::take(&mut self.spans))
    }

    /// Decoration (border, rules, box): an artifact, not read out.
    fn artifact(&mut self, draw: impl FnOnce(&mut Self)) {
        self.surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(ArtifactType::Layout)));
        draw(self);
        self.surface.end_tagged();
    }

    /// A graphic read out as `alt`.
    fn figure(
        &mut self,
        alt: String,
        draw: impl FnOnce(&mut Self) -> Result<(), DocumentError>,
    ) -> Result<(), DocumentError> {
        let id = self.surface.start_tagged(ContentTag::Other);
        let drawn = draw(self);
        self.surface.end_tagged();
        self.tree.push(TagGroup::with_children(Tag::Figure(Some(alt)), vec![id.into()]).into());
        drawn
    }

    fn text_centered(&mut self, cx: f32, y: f32, size: f32, text: &str) {
        let w = self.tf.width(text, size);
        self.text(cx - w / 2.0, y, size, text);
    }

    fn text_right(&mut self, right: f32, y: f32, size: f32, text: &str) {
        let w = self.tf.width(text, size);
        self.text(right - w, y, size, text);
    }

    /// Text from `x`, shrunk (down to 60 %) to end before `max_x`.
    fn text_fit(
        &mut self,
        x: f32,
        max_x: f32,
        y: f32,
        size: f32,
        text: &str,
        field: &'static str,
    ) -> Result<(), DocumentError> {
        let size = fit(self.tf, text, size, max_x - x, field)?;
        self.text(x, y, size, text);
        Ok(())
    }

    fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        let mut pb = PathBuilder::new();
        pb.move_to(x1, y1);
        pb.line_to(x2, y2);
        if let Some(path) = pb.finish() {
            self.surface.draw_path(&path);
        }
    }

    fn rect(&mut self, left: f32, top: f32, right: f32, bottom: f32) {
        let mut pb = PathBuilder::new();
        if let Some(rect) = Rect::from_ltrb(left, top, right, bottom) {
            pb.push_rect(rect);
        }
        if let Some(path) = pb.finish() {
            self.surface.draw_path(&path);
        }
    }

    fn face(&mut self, face: &CertificateFace, endorsed: bool) -> Result<(), DocumentError> {
        let cx = PAGE_W / 2.0;
        // Double border.
        self.artifact(|p| {
            p.stroke(MAROON, 2.2);
            p.rect(28.0, 28.0, PAGE_W - 28.0, PAGE_H - 28.0);
            p.stroke(MAROON, 0.6);
            p.rect(34.0, 34.0, PAGE_W - 34.0, PAGE_H - 34.0);
        });

        // Title.
        self.fill(BLACK, 1.0);
        self.text_centered(cx, 92.0, 17.0, "中华人民共和国");
        self.text_centered(cx, 128.0, 25.0, TITLE);
        let h1 = self.group(Tag::Hn(NonZeroU16::MIN, Some(format!("中华人民共和国{TITLE}"))));
        self.tree.push(h1.into());
        self.fill(GREY, 1.0);
        let subtitle = if endorsed { "（电子证书加注件）" } else { "（电子证书）" };
        self.text_centered(cx, 152.0, 12.0, subtitle);
        let p = self.group(Tag::P);
        self.tree.push(p.into());
        self.artifact(|p| {
            p.stroke(MAROON, 0.8);
            p.line(80.0, 170.0, PAGE_W - 80.0, 170.0);
        });

        let rows = face_rows(face);
        let mut y = ROW_TOP;
        let mut table = TagGroup::new(Tag::Table);
        for (label, value, field) in &rows {
            self.fill(GREY, 1.0);
            self.text_right(LABEL_RIGHT, y, ROW_SIZE, &format!("{label}："));
            let th = self.group(Tag::TH(TableHeaderScope::Row));
            self.fill(BLACK, 1.0);
            self.text_fit(VALUE_LEFT, VALUE_RIGHT, y, ROW_SIZE, value, field)?;
            let td = self.group(Tag::TD);
            table.push(TagGroup::with_children(Tag::TR, vec![th.into(), td.into()]));
            y += ROW_STEP;
        }
        self.tree.push(table.into());

        // Semi-transparent like stamp ink.
        let seal_cy = seal_centre_y(rows.len());
        self.fill(SEAL_RED, 1.0);
        // Tagged outside the seal's transparency group, so the group's stream stays the same bytes.
        self.figure(format!("印章：{}", face.seal_name), |p| {
            seal::draw_seal(p.surface, p.tf, SEAL_CX, seal_cy, face.seal_name, 0.88);
            Ok(())
        })
    }

    fn endorsement(&mut self, e: &EndorsementBlock) -> Result<(), DocumentError> {
        let rows = endorsement_rows(e);
        let EndorsementBox { title_base, rule, first, bottom } = EndorsementBox::of(rows.len());

        self.artifact(|p| {
            p.stroke(MAROON, 1.0);
            p.rect(BOX_LEFT, BOX_TOP, BOX_RIGHT, bottom);
            p.stroke(MAROON, 0.5);
            p.line(BOX_LEFT + 10.0, rule, BOX_RIGHT - 10.0, rule);
        });
        self.fill(MAROON, 1.0);
        self.text_centered(PAGE_W / 2.0, title_base, 14.0, "加注信息");
        let h2 = self.group(Tag::Hn(NonZeroU16::new(2).expect("2"), Some("加注信息".to_string())));
        self.tree.push(h2.into());

        let label_right = BOX_LABEL_RIGHT;
        let mut y = first;
        let mut table = TagGroup::new(Tag::Table);
        for (label, value, field) in &rows {
            self.fill(GREY, 1.0);
            self.text_right(label_right, y, BOX_ROW_SIZE, &format!("{label}："));
            let th = self.group(Tag::TH(TableHeaderScope::Row));
            self.fill(BLACK, 1.0);
            self.text_fit(label_right + 8.0, BOX_RIGHT - 12.0, y, BOX_ROW_SIZE, value, field)?;
            let td = self.group(Tag::TD);
            table.push(TagGroup::with_children(Tag::TR, vec![th.into(), td.into()]));
            y += BOX_ROW_STEP;
        }
        self.tree.push(table.into());
        Ok(())
    }

    fn qr(&mut self, url: &str) -> Result<(), DocumentError> {
        let left = (PAGE_W - QR_SIZE) / 2.0;
        self.fill((0, 0, 0), 1.0);
        self.figure(format!("二维码：查验地址 {url}"), |p| qr::draw_qr(p.surface, url, left, QR_TOP, QR_SIZE))?;
        self.fill(GREY, 1.0);
        let (x, base, url_size) = url_line(self.tf, url);
        self.text_fit(x, PAGE_W - 40.0, base, url_size, url, "verify_url")?;
        let w = self.tf.width(url, url_size).min(PAGE_W - 40.0 - x);
        if let Some(rect) = Rect::from_ltrb(x, base - url_size, x + w, base + url_size * 0.3) {
            self.link = Some((self.tree.len(), rect, std::mem::take(&mut self.spans)));
        } else {
            let p = self.group(Tag::P);
            self.tree.push(p.into());
        }
        self.text_centered(PAGE_W / 2.0, QR_TOP + QR_SIZE + 26.0, 8.0, "扫描二维码查验");
        let p = self.group(Tag::P);
        self.tree.push(p.into());
        Ok(())
    }
}
