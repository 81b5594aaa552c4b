//! The CJK font, read and parsed once at server start.
//!
//! Text is laid out without shaping: every character is looked up in a cmap
//! table built here once, and placed by its advance width. That is right for
//! the Chinese, digits and Latin letters of a certificate (no ligatures, no
//! complex scripts) and much cheaper than shaping with a 65k-glyph font.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path as FsPath;
use std::sync::{Arc, Mutex};

use krilla::geom::Path;
use krilla::text::{Font, Glyph, GlyphId};
use krilla::Data;
use skrifa::instance::{LocationRef, Size};
use skrifa::raw::TableProvider;
use skrifa::{FontRef, MetadataProvider};

use super::DocumentError;

/// A font loaded once and shared (via `Arc`) by all renders.
pub struct Typeface {
    pub(crate) font: Font,
    data: Data,
    index: u32,
    /// Seal paths by seal name, see `seal.rs`.
    pub(super) seal_cache: Mutex<Vec<(String, Arc<Path>)>>,
    /// The OFD copies' seal pictures (PNG) by seal name, see `ofd/picture.rs`.
    pub(super) seal_png_cache: Mutex<Vec<(String, Arc<Vec<u8>>)>>,
    /// char -> (glyph id, advance in font units)
    glyphs: HashMap<char, (u16, u16)>,
    units_per_em: f32,
}

impl std::fmt::Debug for Typeface {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Typeface")
            .field("mapped_chars", &self.glyphs.len())
            .field("units_per_em", &self.units_per_em)
            .finish()
    }
}

impl Typeface {
    /// Reads the font file (a `.ttc` collection needs the face `index`) and
    /// builds the character map once.
    pub fn load(path: &FsPath, index: u32) -> Result<Typeface, DocumentError> {
        let data = std::fs::read(path)
            .map_err(|e| DocumentError::FontUnreadable { path: path.display().to_string(), reason: e.to_string() })?;
        Self::from_bytes(data, index)
            .map_err(|reason| DocumentError::FontUnreadable { path: path.display().to_string(), reason })
    }

    fn from_bytes(data: Vec<u8>, index: u32) -> Result<Typeface, String> {
        let (glyphs, units_per_em) = {
            let font_ref =
                FontRef::from_index(&data, index).map_err(|e| format!("not a font (or no face {index}): {e}"))?;
            let metrics = font_ref.glyph_metrics(Size::unscaled(), LocationRef::default());
            let units_per_em = font_ref.head().map_err(|e| format!("no head table: {e}"))?.units_per_em() as f32;
            if units_per_em <= 0.0 {
                return Err("units per em is 0".into());
            }
            let mut glyphs = HashMap::with_capacity(70_000);
            for (code, gid) in font_ref.charmap().mappings() {
                let Some(ch) = char::from_u32(code) else { continue };
                let gid = gid.to_u32();
                if gid == 0 || gid > u16::MAX as u32 {
                    continue;
                }
                let advance = metrics.advance_width(gid.into()).unwrap_or(0.0);
                glyphs.insert(ch, (gid as u16, advance.clamp(0.0, u16::MAX as f32) as u16));
            }
            if glyphs.is_empty() {
                return Err("the font maps no characters".into());
            }
            (glyphs, units_per_em)
        };
        let data = Data::from(data);
        let font = Font::new(data.clone(), index).ok_or("krilla cannot read the font")?;
        Ok(Typeface {
            font,
            data,
            index,
            seal_cache: Mutex::new(Vec::new()),
            seal_png_cache: Mutex::new(Vec::new()),
            glyphs,
            units_per_em,
        })
    }

    /// Characters of `text` the font cannot draw (deduplicated, in order of
    /// appearance). Control characters (line breaks, tabs) count as missing:
    /// every value is drawn on a single line.
    pub fn missing_chars(&self, text: &str) -> Vec<char> {
        let mut missing = Vec::new();
        for ch in text.chars() {
            if !self.glyphs.contains_key(&ch) && !missing.contains(&ch) {
                missing.push(ch);
            }
        }
        missing
    }

    /// Lays out `text` on one line: its glyphs and its width at `size` points.
    /// Characters without a glyph get glyph 0 (.notdef); `render` checks all
    /// text with [`Typeface::missing_chars`] before it gets here.
    pub(crate) fn layout(&self, text: &str, size: f32) -> (Vec<PlacedGlyph>, f32) {
        let scale = 1.0 / self.units_per_em;
        let mut glyphs = Vec::with_capacity(text.len() / 2 + 1);
        let mut width = 0.0;
        for (start, ch) in text.char_indices() {
            let (gid, advance) = self.glyphs.get(&ch).copied().unwrap_or((0, 0));
            let advance = advance as f32 * scale;
            width += advance * size;
            glyphs.push(PlacedGlyph { id: gid, advance, text_range: start..start + ch.len_utf8() });
        }
        (glyphs, width)
    }

    pub(crate) fn data(&self) -> &[u8] {
        self.data.as_ref()
    }

    pub(crate) fn index(&self) -> u32 {
        self.index
    }

    /// (glyph id, advance in font units)
    pub(crate) fn glyph(&self, ch: char) -> Option<(u16, u16)> {
        self.glyphs.get(&ch).copied()
    }

    pub(crate) fn units_per_em(&self) -> f32 {
        self.units_per_em
    }

    /// Width of `text` at `size` points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        let units: u32 = text.chars().map(|ch| self.glyphs.get(&ch).map_or(0, |g| g.1 as u32)).sum();
        units as f32 / self.units_per_em * size
    }
}

/// One glyph placed by its advance; `advance` is in em units.
#[derive(Debug, Clone)]
pub(crate) struct PlacedGlyph {
    id: u16,
    advance: f32,
    text_range: Range<usize>,
}

impl Glyph for PlacedGlyph {
    fn glyph_id(&self) -> GlyphId {
        GlyphId::new(self.id as u32)
    }
    fn text_range(&self) -> Range<usize> {
        self.text_range.clone()
    }
    fn x_advance(&self, size: f32) -> f32 {
        self.advance * size
    }
    fn x_offset(&self, _size: f32) -> f32 {
        0.0
    }
    fn y_offset(&self, _size: f32) -> f32 {
        0.0
    }
    fn y_advance(&self, _size: f32) -> f32 {
        0.0
    }
    fn location(&self) -> Option<krilla::surface::Location> {
        None
    }
}
