//! Appends a signature to a PDF as an incremental update:
//!
//! * a `/Sig` dictionary (`/Adobe.PPKLite`, `/adbe.pkcs7.detached`) with a
//!   fixed-width `/ByteRange` and a zero-filled `/Contents` hex string,
//! * an invisible signature field + widget on the (first) page,
//! * the page with `/Annots` and the catalog with `/AcroForm` rewritten,
//! * an xref section and a trailer with `/Prev`.
//!
//! Then the two byte ranges around `/Contents` are hashed and the CMS
//! signature is written into the reserved space. It reads only what it needs
//! from the unsigned PDF (classic xref table, catalog, pages, page), which is
//! what krilla writes; other structures are refused with `UnsupportedPdf`.

use std::time::SystemTime;

use sha2::{Digest, Sha256};

use super::{cms, SealKey, SigningError};

const BYTE_RANGE_PLACEHOLDER: &str = "[0 0000000000 0000000000 0000000000]";

fn unsupported(what: &str) -> SigningError {
    SigningError::UnsupportedPdf(what.to_string())
}

pub(crate) fn sign(
    mut pdf: Vec<u8>,
    key: &SealKey,
    signed_at: SystemTime,
    signer_name: &str,
    reason: &str,
) -> Result<Vec<u8>, SigningError> {
    let parsed = Parsed::read(&pdf)?;
    let catalog = parsed.dict(&pdf, parsed.root)?;
    if find_key(catalog, b"/AcroForm").is_some() {
        return Err(unsupported("the document already has a form"));
    }
    let pages = parsed.dict(&pdf, get_ref(catalog, b"/Pages").ok_or_else(|| unsupported("no /Pages"))?)?;
    let page_ref = first_kid(pages).ok_or_else(|| unsupported("no page"))?;
    let page = parsed.dict(&pdf, page_ref)?;
    // krilla's own annotations (the address link) stay; the widget is appended.

    let sig_num = parsed.size;
    let widget_num = parsed.size + 1;
    // Enough for the CMS: the chain, an ECDSA signature, attributes, the signer id.
    let reserved = key.chain_der().iter().map(Vec::len).sum::<usize>() + 1536;
    // Tagged (PDF/UA) input: the widget joins the structure tree as a /Form element.
    let tagged = match get_ref(catalog, b"/StructTreeRoot") {
        Some(root_num) => Some(Tagged::read(&parsed, &pdf, root_num)?),
        None => None,
    };
    let form_num = parsed.size + 2;
    let new_size = if tagged.is_some() { parsed.size + 3 } else { parsed.size + 2 };

    let mut update: Vec<u8> = Vec::with_capacity(2 * reserved + 2048);
    let mut offsets: Vec<(u32, usize)> = Vec::with_capacity(4);
    let base = pdf.len();
    if !pdf.ends_with(b"\n") {
        update.push(b'\n');
    }

    // Catalog with the form.
    offsets.push((parsed.root, base + update.len()));
    let catalog_new =
        insert_before_end(catalog, format!(" /AcroForm << /Fields [{widget_num} 0 R] /SigFlags 3 >>").as_bytes());
    write_obj(&mut update, parsed.root, &catalog_new);

    // Page with the widget (krilla already wrote /Tabs /S for PDF/UA).
    offsets.push((page_ref, base + update.len()));
    let mut page_new = match find_key(page, b"/Annots") {
        Some(_) => append_to_array(page, b"/Annots", format!(" {widget_num} 0 R").as_bytes())
            .ok_or_else(|| unsupported("/Annots is not a direct array of references"))?,
        None => insert_before_end(page, format!(" /Annots [{widget_num} 0 R]").as_bytes()),
    };
    if tagged.is_some() && find_key(page, b"/Tabs").is_none() {
        page_new = insert_before_end(&page_new, b" /Tabs /S");
    }
    write_obj(&mut update, page_ref, &page_new);

    // Structure: ParentTree key N -> the Form element, the Form element under Document.
    let mut struct_parent = String::new();
    if let Some(t) = &tagged {
        let n = t.next_key;
        offsets.push((t.root_num, base + update.len()));
        let root_new = t.root_with(n, form_num)?;
        write_obj(&mut update, t.root_num, &root_new);

        offsets.push((t.document_num, base + update.len()));
        let doc_new = append_to_array(t.document, b"/K", format!(" {form_num} 0 R").as_bytes())
            .ok_or_else(|| unsupported("Document element without /K array"))?;
        write_obj(&mut update, t.document_num, &doc_new);

        offsets.push((form_num, base + update.len()));
        write_obj(
            &mut update,
            form_num,
            format!(
                "<< /Type /StructElem /S /Form /P {} 0 R /Pg {page_ref} 0 R /Alt {} \
                 /K [<< /Type /OBJR /Obj {widget_num} 0 R /Pg {page_ref} 0 R >>] >>",
                t.document_num,
                text_string(&format!("电子签章：{signer_name}"))
            )
            .as_bytes(),
        );
        struct_parent = format!(" /StructParent {n} /TU {}", text_string(&format!("电子签章：{signer_name}")));
    }

    // Signature dictionary.
    offsets.push((sig_num, base + update.len()));
    let m = chrono::DateTime::<chrono::Utc>::from(signed_at).format("D:%Y%m%d%H%M%S+00'00'");
    update.extend_from_slice(
        format!(
            "{sig_num} 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached \
             /M ({m}) /Name {} /Reason {} /ByteRange ",
            text_string(signer_name),
            text_string(reason)
        )
        .as_bytes(),
    );
    let byte_range_at = base + update.len();
    update.extend_from_slice(BYTE_RANGE_PLACEHOLDER.as_bytes());
    update.extend_from_slice(b" /Contents ");
    let contents_start = base + update.len();
    update.push(b'<');
    update.resize(update.len() + 2 * reserved, b'0');
    update.push(b'>');
    let contents_end = base + update.len();
    update.extend_from_slice(b" >>\nendobj\n");

    // Signature field merged with its (invisible) widget.
    offsets.push((widget_num, base + update.len()));
    write_obj(
        &mut update,
        widget_num,
        format!(
            "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Seal {}) /V {sig_num} 0 R /P {page_ref} 0 R \
             /Rect [0 0 0 0] /F 132{struct_parent} >>",
            ascii_only(key.code())
        )
        .as_bytes(),
    );

    // Cross-reference section for the changed and new objects, and the trailer.
    let xref_at = base + update.len();
    offsets.sort_unstable();
    update.extend_from_slice(b"xref\n");
    let mut i = 0;
    while i < offsets.len() {
        let mut j = i + 1;
        while j < offsets.len() && offsets[j].0 == offsets[j - 1].0 + 1 {
            j += 1;
        }
        update.extend_from_slice(format!("{} {}\n", offsets[i].0, j - i).as_bytes());
        for (_, off) in &offsets[i..j] {
            update.extend_from_slice(format!("{off:010} 00000 n\r\n").as_bytes());
        }
        i = j;
    }
    let mut trailer = format!("trailer\n<< /Size {new_size} /Root {} 0 R", parsed.root);
    if let Some(info) = parsed.info {
        trailer.push_str(&format!(" /Info {info} 0 R"));
    }
    if let Some(id) = &parsed.id {
        trailer.push_str(" /ID ");
        trailer.push_str(id);
    }
    trailer.push_str(&format!(" /Prev {} >>\nstartxref\n{xref_at}\n%%EOF\n", parsed.startxref));
    update.extend_from_slice(trailer.as_bytes());

    pdf.extend_from_slice(&update);
    let total = pdf.len();

    // Byte ranges: everything but the /Contents hex string (with its brackets).
    let byte_range = format!("[0 {:<10} {:<10} {:<10}]", contents_start, contents_end, total - contents_end);
    debug_assert_eq!(byte_range.len(), BYTE_RANGE_PLACEHOLDER.len());
    pdf[byte_range_at..byte_range_at + byte_range.len()].copy_from_slice(byte_range.as_bytes());

    let mut hasher = Sha256::new();
    hasher.update(&pdf[..contents_start]);
    hasher.update(&pdf[contents_end..]);
    let digest: [u8; 32] = hasher.finalize().into();
    let signature = cms::detached_signature(key, &digest, signed_at)?;
    if signature.len() > reserved {
        return Err(SigningError::SignatureTooLarge { size: signature.len(), reserved });
    }
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let slot = &mut pdf[contents_start + 1..contents_end - 1];
    for (i, b) in signature.iter().enumerate() {
        slot[2 * i] = HEX[(b >> 4) as usize];
        slot[2 * i + 1] = HEX[(b & 15) as usize];
    }
    Ok(pdf)
}

fn write_obj(out: &mut Vec<u8>, num: u32, dict: &[u8]) {
    out.extend_from_slice(format!("{num} 0 obj\n").as_bytes());
    out.extend_from_slice(dict);
    out.extend_from_slice(b"\nendobj\n");
}

/// `dict` ends with `>>`; returns it with `extra` inserted before that.
fn insert_before_end(dict: &[u8], extra: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(dict.len() + extra.len());
    out.extend_from_slice(&dict[..dict.len() - 2]);
    out.extend_from_slice(extra);
    out.extend_from_slice(b" >>");
    out
}

/// A PDF text string: UTF-16BE with BOM, as a hex string.
fn text_string(s: &str) -> String {
    let mut out = String::with_capacity(6 + s.len() * 4);
    out.push_str("<FEFF");
    for unit in s.encode_utf16() {
        out.push_str(&format!("{unit:04X}"));
    }
    out.push('>');
    out
}

fn ascii_only(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

/// The structure tree root and its Document element (as krilla writes them).
struct Tagged<'p> {
    root_num: u32,
    root: &'p [u8],
    document_num: u32,
    document: &'p [u8],
    /// /ParentTreeNextKey: the widget's /StructParent.
    next_key: usize,
}

impl<'p> Tagged<'p> {
    fn read(parsed: &Parsed, pdf: &'p [u8], root_num: u32) -> Result<Tagged<'p>, SigningError> {
        let root = parsed.dict(pdf, root_num)?;
        let next_key = match (find_key(root, b"/ParentTree"), get_int(root, b"/ParentTreeNextKey")) {
            (_, Some(n)) => n,
            (None, None) => 0,
            // A tree without its next key: key 0 may be taken.
            (Some(_), None) => return Err(unsupported("ParentTree without /ParentTreeNextKey")),
        };
        // krilla: /K [<Document> 0 R], the one child of the root.
        let k = find_key(root, b"/K").ok_or_else(|| unsupported("StructTreeRoot without /K"))?;
        let rest = skip_ws(root, k);
        let rest = rest.strip_prefix(b"[").unwrap_or(rest);
        let document_num = parse_ref(skip_ws(rest, 0)).ok_or_else(|| unsupported("bad StructTreeRoot /K"))?.0;
        let document = parsed.dict(pdf, document_num)?;
        if find_key(document, b"/Document").is_none() {
            return Err(unsupported("the structure root's child is not /Document"));
        }
        if find_key(root, b"/Kids").is_some() {
            return Err(unsupported("ParentTree with /Kids"));
        }
        Ok(Tagged { root_num, root, document_num, document, next_key })
    }

    /// The root with `n form 0 R` appended to /ParentTree /Nums and /ParentTreeNextKey n+1.
    fn root_with(&self, n: usize, form_num: u32) -> Result<Vec<u8>, SigningError> {
        let entry = format!(" {n} {form_num} 0 R");
        let with_nums = match append_to_array(self.root, b"/Nums", entry.as_bytes()) {
            Some(d) => d,
            // No marked content at all: krilla wrote no ParentTree.
            None if find_key(self.root, b"/ParentTree").is_none() => {
                insert_before_end(self.root, format!(" /ParentTree << /Nums [{}] >>", entry.trim()).as_bytes())
            }
            // A tree we cannot extend in place (indirect, /Kids, nested): never a second one.
            None => return Err(unsupported("a ParentTree without a direct /Nums array")),
        };
        Ok(match find_key(&with_nums, b"/ParentTreeNextKey") {
            Some(at) => {
                let start = skip_ws_at(&with_nums, at);
                let (_, len) = parse_uint(&with_nums[start..]).ok_or_else(|| unsupported("bad ParentTreeNextKey"))?;
                let mut out = with_nums[..start].to_vec();
                out.extend_from_slice((n + 1).to_string().as_bytes());
                out.extend_from_slice(&with_nums[start + len..]);
                out
            }
            None => insert_before_end(&with_nums, format!(" /ParentTreeNextKey {}", n + 1).as_bytes()),
        })
    }
}

/// `dict` with `extra` inserted before the `]` of the array after `key`
/// (an array of numbers and references: no nested arrays or strings).
fn append_to_array(dict: &[u8], key: &[u8], extra: &[u8]) -> Option<Vec<u8>> {
    let at = find_key(dict, key)?;
    let open = skip_ws_at(dict, at);
    if dict.get(open) != Some(&b'[') {
        return None;
    }
    let close = open + dict[open..].iter().position(|&b| b == b']')?;
    if dict[open + 1..close].iter().any(|&b| matches!(b, b'[' | b'(' | b'<')) {
        return None;
    }
    let mut out = dict[..close].to_vec();
    out.extend_from_slice(extra);
    out.extend_from_slice(&dict[close..]);
    Some(out)
}

/// What the update needs from the original file.
struct Parsed {
    startxref: usize,
    size: u32,
    root: u32,
    info: Option<u32>,
    id: Option<String>,
    /// object number -> byte offset (in-use objects, generation 0)
    offsets: Vec<Option<usize>>,
}

impl Parsed {
    fn read(pdf: &[u8]) -> Result<Parsed, SigningError> {
        let sx = rfind(pdf, b"startxref").ok_or_else(|| unsupported("no startxref"))?;
        let startxref = parse_uint(skip_ws(pdf, sx + 9)).ok_or_else(|| unsupported("bad startxref"))?.0;
        let mut pos = startxref;
        if !pdf.get(pos..).is_some_and(|r| r.starts_with(b"xref")) {
            return Err(unsupported("no classic xref table (xref streams are not supported)"));
        }
        pos += 4;
        let mut offsets: Vec<Option<usize>> = Vec::new();
        loop {
            pos = skip_ws_at(pdf, pos);
            if pdf[pos..].starts_with(b"trailer") {
                pos += 7;
                break;
            }
            let (first, p) = parse_uint(&pdf[pos..]).ok_or_else(|| unsupported("bad xref subsection"))?;
            pos += p;
            pos = skip_ws_at(pdf, pos);
            let (count, p) = parse_uint(&pdf[pos..]).ok_or_else(|| unsupported("bad xref subsection"))?;
            pos += p;
            pos = skip_ws_at(pdf, pos);
            for k in 0..count {
                let entry = pdf.get(pos..pos + 20).ok_or_else(|| unsupported("short xref"))?;
                let num = first + k;
                if offsets.len() <= num {
                    offsets.resize(num + 1, None);
                }
                if entry[17] == b'n' && &entry[11..16] == b"00000" {
                    let off = std::str::from_utf8(&entry[..10])
                        .ok()
                        .and_then(|s| s.parse().ok())
                        .ok_or_else(|| unsupported("bad xref entry"))?;
                    offsets[num] = Some(off);
                }
                pos += 20;
            }
        }
        let trailer = &pdf[pos..sx];
        let size = get_int(trailer, b"/Size").ok_or_else(|| unsupported("no /Size"))? as u32;
        let root = get_ref(trailer, b"/Root").ok_or_else(|| unsupported("no /Root"))?;
        let info = get_ref(trailer, b"/Info");
        let id = find_key(trailer, b"/ID").and_then(|at| {
            let start = at + trailer[at..].iter().position(|&b| b == b'[')?;
            let end = start + trailer[start..].iter().position(|&b| b == b']')?;
            std::str::from_utf8(&trailer[start..=end]).ok().map(str::to_string)
        });
        if find_key(trailer, b"/Encrypt").is_some() {
            return Err(unsupported("encrypted"));
        }
        Ok(Parsed { startxref, size, root, info, id, offsets })
    }

    /// The dictionary of object `num` (which must not be a stream).
    fn dict<'p>(&self, pdf: &'p [u8], num: u32) -> Result<&'p [u8], SigningError> {
        let off = self
            .offsets
            .get(num as usize)
            .copied()
            .flatten()
            .ok_or_else(|| unsupported("object not in the xref table"))?;
        let header = format!("{num} 0 obj");
        let rest = pdf.get(off..).ok_or_else(|| unsupported("bad object offset"))?;
        if !rest.starts_with(header.as_bytes()) {
            return Err(unsupported("object not at its xref offset"));
        }
        let end = find(rest, b"endobj").ok_or_else(|| unsupported("no endobj"))?;
        let body = trim(&rest[header.len()..end]);
        if !body.starts_with(b"<<") || !body.ends_with(b">>") || find(body, b"stream").is_some() {
            return Err(unsupported("object is not a plain dictionary"));
        }
        Ok(body)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t' | b'\x0c' | b'\0')
}

fn is_delim(b: u8) -> bool {
    is_ws(b) || matches!(b, b'/' | b'<' | b'>' | b'[' | b']' | b'(' | b')' | b'{' | b'}' | b'%')
}

fn skip_ws(s: &[u8], from: usize) -> &[u8] {
    &s[skip_ws_at(s, from)..]
}

fn skip_ws_at(s: &[u8], mut from: usize) -> usize {
    while from < s.len() && is_ws(s[from]) {
        from += 1;
    }
    from
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| !is_ws(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|&b| !is_ws(b)).map_or(start, |e| e + 1);
    &s[start..end]
}

/// A decimal number at the start of `s` and its length.
fn parse_uint(s: &[u8]) -> Option<(usize, usize)> {
    let len = s.iter().take_while(|b| b.is_ascii_digit()).count();
    if len == 0 || len > 15 {
        return None;
    }
    Some((std::str::from_utf8(&s[..len]).ok()?.parse().ok()?, len))
}

/// Position just after the name `key` (a whole name, e.g. `/Pages` not `/PageMode`).
fn find_key(dict: &[u8], key: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(p) = find(&dict[from..], key) {
        let end = from + p + key.len();
        if dict.get(end).is_none_or(|&b| is_delim(b)) {
            return Some(end);
        }
        from = end;
    }
    None
}

fn get_int(dict: &[u8], key: &[u8]) -> Option<usize> {
    let at = find_key(dict, key)?;
    Some(parse_uint(skip_ws(dict, at))?.0)
}

/// `key n 0 R` -> n
fn get_ref(dict: &[u8], key: &[u8]) -> Option<u32> {
    let at = find_key(dict, key)?;
    parse_ref(skip_ws(dict, at)).map(|(n, _)| n)
}

/// `n 0 R` at the start of `s` -> (n, length)
fn parse_ref(s: &[u8]) -> Option<(u32, usize)> {
    let (num, a) = parse_uint(s)?;
    let b = skip_ws_at(s, a);
    let (gen, c) = parse_uint(&s[b..])?;
    let d = skip_ws_at(s, b + c);
    if gen != 0 || s.get(d) != Some(&b'R') {
        return None;
    }
    Some((u32::try_from(num).ok()?, d + 1))
}

/// The first entry of `/Kids [...]`.
fn first_kid(pages: &[u8]) -> Option<u32> {
    let at = find_key(pages, b"/Kids")?;
    let rest = skip_ws(pages, at);
    let rest = rest.strip_prefix(b"[")?;
    parse_ref(skip_ws(rest, 0)).map(|(n, _)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_refs_and_whole_keys() {
        let d = b"<< /Type /Catalog /PageMode /UseNone /Pages 12 0 R >>";
        assert_eq!(get_ref(d, b"/Pages"), Some(12));
        assert_eq!(first_kid(b"<< /Type /Pages /Count 1 /Kids [ 7 0 R] >>"), Some(7));
        assert_eq!(get_ref(b"<< /Root 3 1 R >>", b"/Root"), None);
    }

    #[test]
    fn text_strings_are_utf16be() {
        assert_eq!(text_string("章A"), "<FEFF7AE00041>");
    }
}
