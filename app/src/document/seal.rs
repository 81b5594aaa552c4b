//! The red official seal: a ring, a five-pointed star and the seal's name
//! along the upper arc. The name is drawn as glyph outlines (paths), so it
//! adds nothing to the text layer (`pdftotext` output stays clean).
//!
//! The whole seal is one outline (outlines read with skrifa, coordinates
//! rounded to 0.01 pt): the PDF draws it as a path, built once per seal name
//! and cached in the [`Typeface`], so a render only writes it into the
//! content stream; the OFD copy carries it as the seal's picture.

use std::sync::Arc;

use krilla::geom::{Path, PathBuilder, Transform};
use krilla::num::NormalizedF32;
use krilla::surface::Surface;
use skrifa::instance::{LocationRef, Size};
use skrifa::outline::{DrawSettings, OutlinePen};
use skrifa::{FontRef, MetadataProvider};

use super::typeface::Typeface;

/// Outer radius of the seal: 42 mm, the usual size of an official seal.
pub(super) const RADIUS: f32 = 21.0 * 72.0 / 25.4;
const RING_WIDTH: f32 = 3.2;
const STAR_RADIUS: f32 = RADIUS * 0.31;
const TEXT_SIZE: f32 = 14.0;
/// The largest arc the name may cover, in degrees.
const MAX_SPAN: f32 = 250.0;
/// Seal names cached per typeface (more are built on each render).
const CACHE_LIMIT: usize = 64;

/// Draws the seal centred at (`cx`, `cy`) with the current fill, at
/// `opacity` like stamp ink. The translucency makes it a transparency group:
/// a content stream of its own, the same bytes in every copy of the seal,
/// which krilla (with `comemo`) compresses once instead of per copy.
pub(super) fn draw_seal(surface: &mut Surface, typeface: &Typeface, cx: f32, cy: f32, name: &str, opacity: f32) {
    let Some(path) = seal_path(typeface, name) else { return };
    surface.push_transform(&Transform::from_translate(cx, cy));
    surface.push_opacity(NormalizedF32::new(opacity).unwrap_or(NormalizedF32::ONE));
    surface.draw_path(&path);
    surface.pop();
    surface.pop();
}

fn seal_path(typeface: &Typeface, name: &str) -> Option<Arc<Path>> {
    let cache = &typeface.seal_cache;
    if let Some((_, path)) = cache.lock().ok()?.iter().find(|(n, _)| n == name) {
        return Some(path.clone());
    }
    let path = Arc::new(to_path(&outline(typeface, name))?);
    if let Ok(mut cache) = cache.lock() {
        if cache.len() < CACHE_LIMIT && !cache.iter().any(|(n, _)| n == name) {
            cache.push((name.to_string(), path.clone()));
        }
    }
    Some(path)
}

/// One step of an outline, in points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Segment {
    Move(f32, f32),
    Line(f32, f32),
    Quad(f32, f32, f32, f32),
    Cubic(f32, f32, f32, f32, f32, f32),
    Close,
}

/// The seal centred at the origin (y downwards), in points: filled non-zero.
pub(crate) fn outline(typeface: &Typeface, name: &str) -> Vec<Segment> {
    let mut pen = Pen { pb: Vec::new(), t: Transform::identity() };

    // Ring: two circles of opposite direction (non-zero fill).
    circle(&mut pen.pb, RADIUS, false);
    circle(&mut pen.pb, RADIUS - RING_WIDTH, true);

    // Star, one point up.
    for i in 0..10 {
        let r = if i % 2 == 0 { STAR_RADIUS } else { STAR_RADIUS * 0.382 };
        let a = (i as f32 * 36.0).to_radians();
        let (x, y) = (round(r * a.sin()), round(-r * a.cos()));
        pen.pb.push(if i == 0 { Segment::Move(x, y) } else { Segment::Line(x, y) });
    }
    pen.pb.push(Segment::Close);

    arc_text(&mut pen, typeface, name);
    pen.pb
}

fn to_path(outline: &[Segment]) -> Option<Path> {
    let mut pb = PathBuilder::new();
    for segment in outline {
        match *segment {
            Segment::Move(x, y) => pb.move_to(x, y),
            Segment::Line(x, y) => pb.line_to(x, y),
            Segment::Quad(x1, y1, x, y) => pb.quad_to(x1, y1, x, y),
            Segment::Cubic(x1, y1, x2, y2, x, y) => pb.cubic_to(x1, y1, x2, y2, x, y),
            Segment::Close => pb.close(),
        }
    }
    pb.finish()
}

/// Lays the name out clockwise along the upper arc, centred on the top, each
/// glyph upright towards the rim. Long names are squeezed horizontally (as on
/// real seals) down to 60 %, then spread over at most `MAX_SPAN` degrees.
fn arc_text(pen: &mut Pen, typeface: &Typeface, name: &str) {
    let chars: Vec<char> = name.chars().filter(|c| !c.is_whitespace()).collect();
    let n = chars.len();
    if n == 0 {
        return;
    }
    let Ok(font) = FontRef::from_index(typeface.data(), typeface.index()) else { return };
    let outlines = font.outline_glyphs();
    let settings = || DrawSettings::unhinted(Size::unscaled(), LocationRef::default());

    let size = TEXT_SIZE;
    let k = size / typeface.units_per_em();
    // Glyph tops (≈ 0.88 em above the baseline) stay clear of the ring.
    let baseline_r = RADIUS - RING_WIDTH - 3.0 - 0.88 * size;
    let natural_pitch = size * 1.12; // advance incl. spacing, along the arc
    let max_arc = MAX_SPAN.to_radians() * baseline_r;
    let (pitch, squeeze) = if natural_pitch * n as f32 <= max_arc {
        (natural_pitch, 1.0)
    } else {
        let pitch = max_arc / n as f32;
        (pitch, (pitch / natural_pitch).max(0.6))
    };
    let step = pitch / baseline_r; // radians per glyph
    let span = step * n as f32;
    for (i, ch) in chars.into_iter().enumerate() {
        let Some((gid, advance)) = typeface.glyph(ch) else { continue };
        let Some(glyph) = outlines.get(gid.into()) else { continue };
        let angle = -span / 2.0 + (i as f32 + 0.5) * step;
        let (sin, cos) = angle.sin_cos();
        // Font units (y up) -> centred on the glyph's advance, squeezed,
        // rotated by `angle` about the centre, moved out to the baseline radius.
        let dx = -(advance as f32) / 2.0;
        let (a, b) = (cos * squeeze * k, sin * squeeze * k);
        let (c, d) = (sin * k, -cos * k); // y flipped
        pen.t = Transform::from_row(a, b, c, d, a * dx + sin * baseline_r, b * dx - cos * baseline_r);
        let _ = glyph.draw(settings(), pen);
    }
}

/// Collects glyph outlines into the outline, transformed and rounded.
struct Pen {
    pb: Vec<Segment>,
    t: Transform,
}

impl Pen {
    fn map(&self, x: f32, y: f32) -> (f32, f32) {
        let t = &self.t;
        (round(t.sx() * x + t.kx() * y + t.tx()), round(t.ky() * x + t.sy() * y + t.ty()))
    }
}

impl OutlinePen for Pen {
    fn move_to(&mut self, x: f32, y: f32) {
        let (x, y) = self.map(x, y);
        self.pb.push(Segment::Move(x, y));
    }
    fn line_to(&mut self, x: f32, y: f32) {
        let (x, y) = self.map(x, y);
        self.pb.push(Segment::Line(x, y));
    }
    fn quad_to(&mut self, cx0: f32, cy0: f32, x: f32, y: f32) {
        let (cx0, cy0) = self.map(cx0, cy0);
        let (x, y) = self.map(x, y);
        self.pb.push(Segment::Quad(cx0, cy0, x, y));
    }
    fn curve_to(&mut self, cx0: f32, cy0: f32, cx1: f32, cy1: f32, x: f32, y: f32) {
        let (cx0, cy0) = self.map(cx0, cy0);
        let (cx1, cy1) = self.map(cx1, cy1);
        let (x, y) = self.map(x, y);
        self.pb.push(Segment::Cubic(cx0, cy0, cx1, cy1, x, y));
    }
    fn close(&mut self) {
        self.pb.push(Segment::Close);
    }
}

/// 0.01 pt is far below what shows, and short numbers keep the content stream small.
fn round(v: f32) -> f32 {
    (v * 100.0).round() / 100.0
}

/// A full circle at the origin from four cubic Béziers; `reverse` flips its direction.
fn circle(pb: &mut Vec<Segment>, r: f32, reverse: bool) {
    const K: f32 = 0.552_284_8;
    let k = round(K * r);
    let r = round(r);
    let s = if reverse { -1.0 } else { 1.0 };
    pb.extend([
        Segment::Move(r, 0.0),
        Segment::Cubic(r, s * k, k, s * r, 0.0, s * r),
        Segment::Cubic(-k, s * r, -r, s * k, -r, 0.0),
        Segment::Cubic(-r, -s * k, -k, -s * r, 0.0, -s * r),
        Segment::Cubic(k, -s * r, r, -s * k, r, 0.0),
        Segment::Close,
    ]);
}
