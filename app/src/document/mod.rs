//! The endorsed certificate PDF (server only): one A4 page with the
//! certificate face, the seal drawn in red as vectors, the endorsement block
//! and a vector QR code with the public verification address.
//!
//! The PDF is unsigned; `crate::signing::sign_pdf` appends the signature.
//! See docs/pdf.md.
//!
//! Missing glyphs: [`render`] checks every text it draws and fails with
//! [`DocumentError::MissingGlyphs`] (listing the characters) rather than
//! producing a PDF with blank boxes. Callers should reject such data earlier,
//! at import/registration, with [`Typeface::missing_chars`].

mod layout;
pub mod ofd;
mod qr;
pub mod sample;
mod seal;
mod typeface;

pub use typeface::Typeface;

/// Noto Serif CJK (Debian/Ubuntu `fonts-noto-cjk`).
pub const DEFAULT_FONT_PATH: &str = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc";
/// Face 2 of the collection is "Noto Serif CJK SC" (Simplified Chinese glyph
/// forms); 0 = JP, 1 = KR, 3 = TC, 4 = HK (checked with `fc-query`).
pub const DEFAULT_FONT_INDEX: u32 = 2;

/// The printed content of the certificate itself.
#[derive(Debug, Clone, Copy)]
pub struct CertificateFace<'a> {
    pub holder_name: &'a str,
    /// e.g. "居民身份证"
    pub id_type: &'a str,
    pub id_number: &'a str,
    /// e.g. "注册安全工程师"
    pub qualification: &'a str,
    pub specialty: Option<&'a str>,
    pub certificate_number: &'a str,
    pub management_number: &'a str,
    /// already formatted, e.g. "2023年05月20日"
    pub issued_on: &'a str,
    /// issuing body, e.g. "中华人民共和国人力资源和社会保障部"
    pub authority: &'a str,
    /// text around the seal's ring
    pub seal_name: &'a str,
}

/// The endorsement (加注) block of an endorsed copy.
#[derive(Debug, Clone, Copy)]
pub struct EndorsementBlock<'a> {
    /// 加注件制作时间, formatted, e.g. "2026-11-25 14:03:09"
    pub made_at: &'a str,
    /// 加注件制作者, e.g. "ecert 电子证书服务平台"
    pub made_by: &'a str,
    /// 制作事由 (scenario), e.g. "本人调用"
    pub purpose: &'a str,
    /// e.g. "2026-11-25"
    pub valid_from: &'a str,
    /// e.g. "2027-02-22"
    pub valid_until: &'a str,
    pub endorsement_number: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("cannot load the font {path}: {reason}")]
    FontUnreadable { path: String, reason: String },
    #[error("the font has no glyph for {}", describe_chars(.chars))]
    MissingGlyphs { chars: Vec<char> },
    #[error("the text of {field} is too long for the page")]
    TooLong { field: &'static str },
    #[error("cannot encode the verification address as a QR code: {0}")]
    QrCode(String),
    #[error("PDF generation failed: {0}")]
    Pdf(String),
}

/// `'𠀀' (U+20000), '' (U+E000)`
fn describe_chars(chars: &[char]) -> String {
    chars
        .iter()
        .map(|c| if c.is_control() { format!("U+{:04X}", *c as u32) } else { format!("'{c}' (U+{:04X})", *c as u32) })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A PDF date (the document's creation date) for a Unix time, in Asia/Shanghai.
pub fn pdf_date(unix: i64) -> krilla::metadata::DateTime {
    use chrono::{Datelike, TimeZone, Timelike};
    let t = chrono::Utc.timestamp_opt(unix, 0).single().unwrap_or_default().with_timezone(&chrono_tz::Asia::Shanghai);
    krilla::metadata::DateTime::new(t.year().clamp(0, 9999) as u16)
        .month(t.month() as u8)
        .day(t.day() as u8)
        .hour(t.hour() as u8)
        .minute(t.minute() as u8)
        .second(t.second() as u8)
        .utc_offset_hour(8)
}

/// One A4 page. `verify_url` (if any) is drawn as a vector QR code with the
/// URL printed under it. `endorsement` None = a legacy certificate (issued
/// before 2021-12-17) without an endorsement block.
///
/// Fails with [`DocumentError::MissingGlyphs`] if any text has characters the
/// font cannot draw.
pub fn render(
    typeface: &Typeface,
    face: &CertificateFace,
    endorsement: Option<&EndorsementBlock>,
    verify_url: Option<&str>,
    created: krilla::metadata::DateTime,
) -> Result<Vec<u8>, DocumentError> {
    check_glyphs(typeface, face, endorsement, verify_url)?;
    let pdf = layout::render_page(typeface, face, endorsement, verify_url, created);
    forget_unshared();
    pdf
}

/// Renders between two evictions of krilla's memo cache.
const RENDERS_PER_EVICTION: usize = 64;

/// krilla memoizes (comemo) what each copy compresses and subsets; only the
/// seal's group is shared between copies. Every `RENDERS_PER_EVICTION`
/// renders, what was not used since the eviction before is dropped, so the
/// cache holds at most two rounds of copies (128: font subsets and page
/// streams, ~6 MB) and the seals in use stay.
fn forget_unshared() {
    static RENDERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    if RENDERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % RENDERS_PER_EVICTION == RENDERS_PER_EVICTION - 1 {
        comemo::evict(1);
    }
}

fn check_glyphs(
    typeface: &Typeface,
    face: &CertificateFace,
    endorsement: Option<&EndorsementBlock>,
    verify_url: Option<&str>,
) -> Result<(), DocumentError> {
    let mut texts = vec![
        face.holder_name,
        face.id_type,
        face.id_number,
        face.qualification,
        face.specialty.unwrap_or(""),
        face.certificate_number,
        face.management_number,
        face.issued_on,
        face.authority,
        face.seal_name,
        verify_url.unwrap_or(""),
    ];
    if let Some(e) = endorsement {
        texts.extend([e.made_at, e.made_by, e.purpose, e.valid_from, e.valid_until, e.endorsement_number]);
    }
    let mut missing: Vec<char> = Vec::new();
    for text in texts {
        for c in typeface.missing_chars(text) {
            if !missing.contains(&c) {
                missing.push(c);
            }
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(DocumentError::MissingGlyphs { chars: missing })
    }
}

#[cfg(test)]
pub(crate) mod tests;
