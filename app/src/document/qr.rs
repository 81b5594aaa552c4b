//! The verification address as a vector QR code.

use krilla::geom::{PathBuilder, Rect, Transform};
use krilla::surface::Surface;
use qrcode::bits::Bits;
use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::{ec, Color, EcLevel};

use super::DocumentError;

/// Draws the QR code of `data` (dark modules only, current fill) into the
/// square at (`left`, `top`) with side `size` points. The white quiet zone is
/// the caller's business (keep ~4 modules free around it).
pub(super) fn draw_qr(surface: &mut Surface, data: &str, left: f32, top: f32, size: f32) -> Result<(), DocumentError> {
    let (width, colors) = modules(data)?;
    let module = size / width as f32;
    let mut pb = PathBuilder::new();
    for (row, line) in colors.chunks(width).enumerate() {
        let y = row as f32;
        let mut col = 0;
        while col < width {
            if line[col] == Color::Dark {
                let start = col;
                while col < width && line[col] == Color::Dark {
                    col += 1;
                }
                // One rectangle per horizontal run of dark modules.
                if let Some(rect) = Rect::from_xywh(start as f32, y, (col - start) as f32, 1.0) {
                    pb.push_rect(rect);
                }
            } else {
                col += 1;
            }
        }
    }
    // Module units, scaled once: integer coordinates keep the content stream short.
    if let Some(path) = pb.finish() {
        surface.push_transform(&Transform::from_row(module, 0.0, 0.0, module, left, top));
        surface.draw_path(&path);
        surface.pop();
    }
    Ok(())
}

/// The module matrix (row by row) and its width. Like `QrCode::new` (level M,
/// smallest version) but with one fixed mask pattern instead of scoring all
/// eight: the scoring was ~7 % of rendering a certificate, and any mask is a
/// valid code (zbar decodes them; see the tests).
pub(super) fn modules(data: &str) -> Result<(usize, Vec<Color>), DocumentError> {
    let err = |e: qrcode::types::QrError| DocumentError::QrCode(e.to_string());
    let bits: Bits = qrcode::bits::encode_auto(data.as_bytes(), EcLevel::M).map_err(err)?;
    let version = bits.version();
    let (data_codewords, ec_codewords) =
        ec::construct_codewords(&bits.into_bytes(), version, EcLevel::M).map_err(err)?;
    let mut canvas = Canvas::new(version, EcLevel::M);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data_codewords, &ec_codewords);
    canvas.apply_mask(MaskPattern::Checkerboard);
    Ok((version.width() as usize, canvas.into_colors()))
}
