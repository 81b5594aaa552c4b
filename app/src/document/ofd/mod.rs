//! The endorsed copy as an OFD document (GB/T 33190), unsigned: the same
//! page as the PDF (`layout`'s places, rows and sizes, in millimetres), its
//! text in the embedded font subset, the QR code as a picture, and the
//! place of the seal, which the electronic seal draws (`signing::ofd`).
//! docs/ofd.md describes the package.
//!
//! Every element carries the `ofd:` prefix with no default namespace, and
//! each text run gives the advance of every character (`DeltaX`): some
//! readers (easyofd) read nothing else.

mod font;
mod picture;
pub(crate) mod xml;

use super::layout::{
    endorsement_rows, face_rows, fit, seal_centre_y, url_line, EndorsementBox, BLACK, BOX_LABEL_RIGHT, BOX_LEFT,
    BOX_RIGHT, BOX_ROW_SIZE, BOX_ROW_STEP, BOX_TOP, GREY, LABEL_RIGHT, MAROON, PAGE_H, PAGE_W, QR_SIZE, QR_TOP,
    ROW_SIZE, ROW_STEP, ROW_TOP, SEAL_CX, TITLE, VALUE_LEFT, VALUE_RIGHT,
};
use super::seal::RADIUS;
use super::{CertificateFace, DocumentError, EndorsementBlock, Typeface};
use xml::escape;

/// The files of an unsigned OFD package, by path, and what its seal needs.
pub struct OfdDraft {
    pub files: Vec<(String, Vec<u8>)>,
    /// The seal's place on the page (mm: x, y, width, height).
    pub seal_box: [f32; 4],
    /// The seal's picture (PNG, shared by every copy under the seal) and its size in mm.
    pub seal_png: std::sync::Arc<Vec<u8>>,
    pub seal_mm: u32,
}

/// The page's id, which the signature's `StampAnnot` points to.
pub const PAGE_ID: u32 = 1;
const FONT_ID: u32 = 2;
const QR_ID: u32 = 3;
const LAYER_ID: u32 = 4;
/// Object ids on the page start here.
const FIRST_OBJECT_ID: u32 = 10;

fn mm(pt: f32) -> f32 {
    pt * 25.4 / 72.0
}

/// A number as OFD writes it: millimetres to 0.001, no trailing zeros.
fn num(v: f32) -> String {
    let s = format!("{:.3}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// The endorsed copy (or, without `endorsement`, a certificate) as the
/// files of an unsigned OFD package. `doc_id` names the document
/// (`DocInfo/DocID`), `created` is its day (`YYYY-MM-DD`).
pub fn render(
    typeface: &Typeface,
    face: &CertificateFace,
    endorsement: Option<&EndorsementBlock>,
    verify_url: Option<&str>,
    doc_id: &str,
    created: &str,
) -> Result<OfdDraft, DocumentError> {
    super::check_glyphs(typeface, face, endorsement, verify_url)?;
    let mut page = Page { tf: typeface, objects: String::new(), next_id: FIRST_OBJECT_ID, texts: Vec::new() };
    page.face(face, endorsement.is_some())?;
    if let Some(e) = endorsement {
        page.endorsement(e)?;
    }
    if let Some(url) = verify_url {
        page.qr(url)?;
    }
    let font = font::subset(typeface, &page.texts.iter().map(String::as_str).collect::<Vec<_>>())?;
    let seal_cy = seal_centre_y(face_rows(face).len());
    let seal_box = [mm(SEAL_CX - RADIUS), mm(seal_cy - RADIUS), mm(2.0 * RADIUS), mm(2.0 * RADIUS)];
    let mut files = vec![
        ("OFD.xml".to_string(), ofd_xml(face, endorsement, doc_id, created).into_bytes()),
        ("Doc_0/Document.xml".to_string(), document_xml(page.next_id).into_bytes()),
        ("Doc_0/PublicRes.xml".to_string(), public_res_xml().into_bytes()),
        ("Doc_0/Pages/Page_0/Content.xml".to_string(), page.content_xml().into_bytes()),
        (format!("Doc_0/Res/font_{FONT_ID}.otf"), font),
    ];
    if let Some(url) = verify_url {
        files.push(("Doc_0/DocumentRes.xml".to_string(), document_res_xml().into_bytes()));
        files.push((format!("Doc_0/Res/qr_{QR_ID}.png"), picture::qr_png(url)?));
    }
    Ok(OfdDraft {
        files,
        seal_box,
        seal_png: picture::seal_png(typeface, face.seal_name)?,
        seal_mm: mm(2.0 * RADIUS).round() as u32,
    })
}

fn ofd_xml(face: &CertificateFace, endorsement: Option<&EndorsementBlock>, doc_id: &str, created: &str) -> String {
    let title = match endorsement {
        Some(e) => format!("电子证书加注件 {} {}", face.certificate_number, e.endorsement_number),
        None => format!("电子证书 {}", face.certificate_number),
    };
    format!(
        "{}<ofd:OFD {} Version=\"1.0\" DocType=\"OFD\"><ofd:DocBody><ofd:DocInfo><ofd:DocID>{}</ofd:DocID>\
         <ofd:Title>{}</ofd:Title><ofd:CreationDate>{}</ofd:CreationDate><ofd:Creator>ecert</ofd:Creator>\
         </ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>\
         <ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures></ofd:DocBody></ofd:OFD>",
        xml::DECLARATION,
        xml::NAMESPACE,
        escape(doc_id),
        escape(&title),
        escape(created)
    )
}

fn document_xml(max_id: u32) -> String {
    format!(
        "{}<ofd:Document {}><ofd:CommonData><ofd:MaxUnitID>{max_id}</ofd:MaxUnitID><ofd:PageArea>\
         <ofd:PhysicalBox>0 0 {} {}</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>\
         <ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes></ofd:CommonData><ofd:Pages>\
         <ofd:Page ID=\"{PAGE_ID}\" BaseLoc=\"Pages/Page_0/Content.xml\"/></ofd:Pages></ofd:Document>",
        xml::DECLARATION,
        xml::NAMESPACE,
        num(mm(PAGE_W)),
        num(mm(PAGE_H))
    )
}

fn public_res_xml() -> String {
    format!(
        "{}<ofd:Res {} BaseLoc=\"Res\"><ofd:Fonts><ofd:Font ID=\"{FONT_ID}\" FontName=\"Noto Serif CJK SC\" \
         FamilyName=\"Noto Serif CJK SC\"><ofd:FontFile>font_{FONT_ID}.otf</ofd:FontFile></ofd:Font></ofd:Fonts></ofd:Res>",
        xml::DECLARATION,
        xml::NAMESPACE
    )
}

fn document_res_xml() -> String {
    format!(
        "{}<ofd:Res {} BaseLoc=\"Res\"><ofd:MultiMedias><ofd:MultiMedia ID=\"{QR_ID}\" Type=\"Image\" Format=\"PNG\">\
         <ofd:MediaFile>qr_{QR_ID}.png</ofd:MediaFile></ofd:MultiMedia></ofd:MultiMedias></ofd:Res>",
        xml::DECLARATION,
        xml::NAMESPACE
    )
}

/// The page's objects, in points as `layout` places them, written in mm.
struct Page<'t> {
    tf: &'t Typeface,
    objects: String,
    next_id: u32,
    /// Every text drawn, for the font subset.
    texts: Vec<String>,
}

type Rgb = (u8, u8, u8);

impl Page<'_> {
    fn id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id - 1
    }

    /// `text` with its left end at `x`, baseline at `y` (points).
    fn text(&mut self, x: f32, y: f32, size: f32, color: Rgb, text: &str) {
        if text.is_empty() {
            return;
        }
        let advances: Vec<String> = text
            .chars()
            .take(text.chars().count().saturating_sub(1))
            .map(|c| num(mm(self.tf.width(c.encode_utf8(&mut [0; 4]), size))))
            .collect();
        let id = self.id();
        let (w, h) = (mm(self.tf.width(text, size)), mm(size * 1.3));
        // The box holds the run; the baseline is `size` below its top.
        let (left, top) = (mm(x), mm(y - size));
        self.objects += &format!(
            "<ofd:TextObject ID=\"{id}\" Boundary=\"{} {} {} {}\" Font=\"{FONT_ID}\" Size=\"{}\">\
             <ofd:FillColor Value=\"{} {} {}\"/><ofd:TextCode X=\"0\" Y=\"{}\" DeltaX=\"{}\">{}</ofd:TextCode>\
             </ofd:TextObject>",
            num(left),
            num(top),
            num(w.max(0.001)),
            num(h),
            num(mm(size)),
            color.0,
            color.1,
            color.2,
            num(mm(size)),
            advances.join(" "),
            escape(text)
        );
        self.texts.push(text.to_string());
    }

    fn text_centered(&mut self, cx: f32, y: f32, size: f32, color: Rgb, text: &str) {
        let w = self.tf.width(text, size);
        self.text(cx - w / 2.0, y, size, color, text);
    }

    fn text_right(&mut self, right: f32, y: f32, size: f32, color: Rgb, text: &str) {
        let w = self.tf.width(text, size);
        self.text(right - w, y, size, color, text);
    }

    #[allow(clippy::too_many_arguments)]
    fn text_fit(
        &mut self,
        x: f32,
        max_x: f32,
        y: f32,
        size: f32,
        color: Rgb,
        text: &str,
        field: &'static str,
    ) -> Result<(), DocumentError> {
        let size = fit(self.tf, text, size, max_x - x, field)?;
        self.text(x, y, size, color, text);
        Ok(())
    }

    /// A stroked path in points, `data` in its own box from (`left`, `top`).
    /// Not filled (the default); the fill colour is the stroke's for
    /// readers that stroke in it (easyofd).
    fn path(&mut self, (left, top, right, bottom): (f32, f32, f32, f32), width: f32, color: Rgb, data: &str) {
        let id = self.id();
        self.objects += &format!(
            "<ofd:PathObject ID=\"{id}\" Boundary=\"{} {} {} {}\" LineWidth=\"{}\">\
             <ofd:StrokeColor Value=\"{r} {g} {b}\"/><ofd:FillColor Value=\"{r} {g} {b}\"/>\
             <ofd:AbbreviatedData>{data}</ofd:AbbreviatedData></ofd:PathObject>",
            num(mm(left)),
            num(mm(top)),
            num(mm(right - left).max(0.001)),
            num(mm(bottom - top).max(0.001)),
            num(mm(width)),
            r = color.0,
            g = color.1,
            b = color.2
        );
    }

    fn rect(&mut self, left: f32, top: f32, right: f32, bottom: f32, width: f32, color: Rgb) {
        let (w, h) = (num(mm(right - left)), num(mm(bottom - top)));
        let data = format!("M 0 0 L {w} 0 L {w} {h} L 0 {h} C");
        self.path((left, top, right, bottom), width, color, &data);
    }

    fn line(&mut self, x1: f32, y: f32, x2: f32, width: f32, color: Rgb) {
        let data = format!("M 0 0 L {} 0", num(mm(x2 - x1)));
        self.path((x1, y, x2, y), width, color, &data);
    }

    fn face(&mut self, face: &CertificateFace, endorsed: bool) -> Result<(), DocumentError> {
        let cx = PAGE_W / 2.0;
        self.rect(28.0, 28.0, PAGE_W - 28.0, PAGE_H - 28.0, 2.2, MAROON);
        self.rect(34.0, 34.0, PAGE_W - 34.0, PAGE_H - 34.0, 0.6, MAROON);
        self.text_centered(cx, 92.0, 17.0, BLACK, "中华人民共和国");
        self.text_centered(cx, 128.0, 25.0, BLACK, TITLE);
        let subtitle = if endorsed { "（电子证书加注件）" } else { "（电子证书）" };
        self.text_centered(cx, 152.0, 12.0, GREY, subtitle);
        self.line(80.0, 170.0, PAGE_W - 80.0, 0.8, MAROON);
        let mut y = ROW_TOP;
        for (label, value, field) in face_rows(face) {
            self.text_right(LABEL_RIGHT, y, ROW_SIZE, GREY, &format!("{label}："));
            self.text_fit(VALUE_LEFT, VALUE_RIGHT, y, ROW_SIZE, BLACK, value, field)?;
            y += ROW_STEP;
        }
        Ok(())
    }

    fn endorsement(&mut self, e: &EndorsementBlock) -> Result<(), DocumentError> {
        let rows = endorsement_rows(e);
        let EndorsementBox { title_base, rule, first, bottom } = EndorsementBox::of(rows.len());
        self.rect(BOX_LEFT, BOX_TOP, BOX_RIGHT, bottom, 1.0, MAROON);
        self.line(BOX_LEFT + 10.0, rule, BOX_RIGHT - 10.0, 0.5, MAROON);
        self.text_centered(PAGE_W / 2.0, title_base, 14.0, MAROON, "加注信息");
        let mut y = first;
        for (label, value, field) in &rows {
            self.text_right(BOX_LABEL_RIGHT, y, BOX_ROW_SIZE, GREY, &format!("{label}："));
            self.text_fit(BOX_LABEL_RIGHT + 8.0, BOX_RIGHT - 12.0, y, BOX_ROW_SIZE, BLACK, value, field)?;
            y += BOX_ROW_STEP;
        }
        Ok(())
    }

    fn qr(&mut self, url: &str) -> Result<(), DocumentError> {
        // The picture has a quiet zone of 4 modules around the code the PDF draws.
        let modules = super::qr::modules(url)?.0 as f32;
        let side = QR_SIZE * (modules + 8.0) / modules;
        let (left, top) = ((PAGE_W - side) / 2.0, QR_TOP - (side - QR_SIZE) / 2.0);
        let id = self.id();
        let s = num(mm(side));
        self.objects += &format!(
            "<ofd:ImageObject ID=\"{id}\" Boundary=\"{} {} {s} {s}\" CTM=\"{s} 0 0 {s} 0 0\" ResourceID=\"{QR_ID}\"/>",
            num(mm(left)),
            num(mm(top))
        );
        let (x, base, size) = url_line(self.tf, url);
        self.text_fit(x, PAGE_W - 40.0, base, size, GREY, url, "verify_url")?;
        self.text_centered(PAGE_W / 2.0, QR_TOP + QR_SIZE + 26.0, 8.0, GREY, "扫描二维码查验");
        Ok(())
    }

    fn content_xml(&self) -> String {
        format!(
            "{}<ofd:Page {}><ofd:Area><ofd:PhysicalBox>0 0 {} {}</ofd:PhysicalBox></ofd:Area><ofd:Content>\
             <ofd:Layer ID=\"{LAYER_ID}\">{}</ofd:Layer></ofd:Content></ofd:Page>",
            xml::DECLARATION,
            xml::NAMESPACE,
            num(mm(PAGE_W)),
            num(mm(PAGE_H)),
            self.objects
        )
    }
}

#[cfg(test)]
mod tests;
