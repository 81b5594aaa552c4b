//! The font an OFD copy embeds: the certificate font cut down to the
//! characters on the page. The subset is `subsetter`'s (as krilla makes the
//! PDF's), which leaves out the character map a PDF does not need; an OFD
//! page holds Unicode text (`TextCode`), which readers map to glyphs through
//! the font's own `cmap`, so it is written back with `write-fonts`.

use std::collections::BTreeMap;

use subsetter::GlyphRemapper;
use write_fonts::read::{FontRef, TableProvider};
use write_fonts::tables::cmap::Cmap;
use write_fonts::types::{GlyphId, Tag};
use write_fonts::FontBuilder;

use crate::document::{DocumentError, Typeface};

/// The subset of `typeface` that draws every character of `texts`.
pub(super) fn subset(typeface: &Typeface, texts: &[&str]) -> Result<Vec<u8>, DocumentError> {
    let err = |e: &dyn std::fmt::Display| DocumentError::Pdf(format!("OFD font subset: {e}"));
    let mut chars: BTreeMap<char, u16> = BTreeMap::new();
    for ch in texts.iter().flat_map(|t| t.chars()) {
        if let Some((gid, _)) = typeface.glyph(ch) {
            chars.insert(ch, gid);
        }
    }
    let mut remapper = GlyphRemapper::new();
    let mapped: Vec<(char, GlyphId)> =
        chars.iter().map(|(&ch, &gid)| (ch, GlyphId::new(u32::from(remapper.remap(gid))))).collect();
    let cut = subsetter::subset(typeface.data(), typeface.index(), &remapper).map_err(|e| err(&e))?;
    let font = FontRef::new(&cut).map_err(|e| err(&e))?;
    let cmap = Cmap::from_mappings(mapped).map_err(|e| err(&e))?;
    let mut builder = FontBuilder::new();
    builder.add_table(&cmap).map_err(|e| err(&e))?;
    // OS/2 (metrics and the font's kind) from the original face.
    let original = FontRef::from_index(typeface.data(), typeface.index()).map_err(|e| err(&e))?;
    if let Some(os2) = original.data_for_tag(Tag::new(b"OS/2")) {
        builder.add_raw(Tag::new(b"OS/2"), os2.as_bytes().to_vec());
    }
    builder.copy_missing_tables(font);
    Ok(builder.build())
}
