//! The two pictures of an OFD copy, as PNG: the QR code (readers draw an
//! image the same everywhere) and the seal, which the electronic seal
//! carries as its picture (GB/T 38540 `SES_ESPictrueInfo`). Rasterised with
//! tiny-skia from the same modules and outline the PDF draws as vectors.

use tiny_skia::{Color, FillRule, Paint, PathBuilder, Pixmap, Transform};

use crate::document::seal::{outline, Segment, RADIUS};
use crate::document::{qr, DocumentError, Typeface};

/// Pixels per QR module: a 30 mm code reads at any render resolution.
const QR_MODULE_PX: u32 = 8;
/// Pixels per point of the seal (360 dpi: the print resolution of a seal).
const SEAL_PX_PER_PT: f32 = 5.0;
/// Seal pictures kept per typeface (one per seal in use).
const CACHE_LIMIT: usize = 64;
/// Seal ink, as the PDF's (`layout::SEAL_RED` at 88 %).
const SEAL_INK: (u8, u8, u8, u8) = (218, 20, 20, 224);

fn png_err(e: impl std::fmt::Display) -> DocumentError {
    DocumentError::Pdf(format!("OFD picture: {e}"))
}

/// The QR code of `data`, black on white with a quiet zone of 4 modules.
pub(super) fn qr_png(data: &str) -> Result<Vec<u8>, DocumentError> {
    let (width, colors) = qr::modules(data)?;
    let side = (width as u32 + 8) * QR_MODULE_PX;
    let mut pixmap = Pixmap::new(side, side).ok_or_else(|| png_err("QR size"))?;
    pixmap.fill(Color::WHITE);
    let mut dark = Paint::default();
    dark.set_color_rgba8(0, 0, 0, 255);
    let mut pb = PathBuilder::new();
    for (row, line) in colors.chunks(width).enumerate() {
        for (col, color) in line.iter().enumerate() {
            if *color == qrcode::Color::Dark {
                let (x, y) = ((col as u32 + 4) * QR_MODULE_PX, (row as u32 + 4) * QR_MODULE_PX);
                if let Some(rect) =
                    tiny_skia::Rect::from_xywh(x as f32, y as f32, QR_MODULE_PX as f32, QR_MODULE_PX as f32)
                {
                    pb.push_rect(rect);
                }
            }
        }
    }
    if let Some(path) = pb.finish() {
        pixmap.fill_path(&path, &dark, FillRule::Winding, Transform::identity(), None);
    }
    pixmap.encode_png().map_err(png_err)
}

/// The seal named `name` on a transparent square of side 2 × `RADIUS`:
/// the same picture for every copy under the seal, made once.
pub(super) fn seal_png(typeface: &Typeface, name: &str) -> Result<std::sync::Arc<Vec<u8>>, DocumentError> {
    let cache = &typeface.seal_png_cache;
    if let Some((_, png)) = cache.lock().ok().and_then(|c| c.iter().find(|(n, _)| n == name).cloned()) {
        return Ok(png);
    }
    let png = std::sync::Arc::new(draw_seal(typeface, name)?);
    if let Ok(mut cache) = cache.lock() {
        if cache.len() < CACHE_LIMIT && !cache.iter().any(|(n, _)| n == name) {
            cache.push((name.to_string(), png.clone()));
        }
    }
    Ok(png)
}

fn draw_seal(typeface: &Typeface, name: &str) -> Result<Vec<u8>, DocumentError> {
    let side = (2.0 * RADIUS * SEAL_PX_PER_PT).ceil() as u32;
    let mut pixmap = Pixmap::new(side, side).ok_or_else(|| png_err("seal size"))?;
    let mut pb = PathBuilder::new();
    for segment in outline(typeface, name) {
        match segment {
            Segment::Move(x, y) => pb.move_to(x, y),
            Segment::Line(x, y) => pb.line_to(x, y),
            Segment::Quad(x1, y1, x, y) => pb.quad_to(x1, y1, x, y),
            Segment::Cubic(x1, y1, x2, y2, x, y) => pb.cubic_to(x1, y1, x2, y2, x, y),
            Segment::Close => pb.close(),
        }
    }
    let mut ink = Paint::default();
    ink.set_color_rgba8(SEAL_INK.0, SEAL_INK.1, SEAL_INK.2, SEAL_INK.3);
    ink.anti_alias = true;
    if let Some(path) = pb.finish() {
        let at = Transform::from_row(SEAL_PX_PER_PT, 0.0, 0.0, SEAL_PX_PER_PT, side as f32 / 2.0, side as f32 / 2.0);
        pixmap.fill_path(&path, &ink, FillRule::Winding, at, None);
    }
    pixmap.encode_png().map_err(png_err)
}
