//! Finding a PDF signature's bytes: the `/ByteRange [a b c d]` of a signature
//! dictionary and the `/Contents` hex string that fills the gap between its
//! two ranges. Strict on purpose: anything but one exact layout is
//! "malformed", so that an altered container can never pass as ours.

use crate::domain::verification::FileProblem;

/// Our signatures are the chain plus about 1.5 KB; imported chains with
/// RSA certificates stay well within this.
const MAX_SIGNATURE_BYTES: usize = 32 * 1024;

/// One signature's place in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Placement {
    /// End of the first signed range (= start of the `<…>` string).
    pub first_end: usize,
    /// Start of the second signed range (just after the `>`).
    pub second_start: usize,
    /// End of the second signed range: the signed revision is `[0, signed_end)`.
    pub signed_end: usize,
}

impl Placement {
    /// The signed bytes, as the two ranges.
    pub fn signed<'p>(&self, pdf: &'p [u8]) -> [&'p [u8]; 2] {
        [&pdf[..self.first_end], &pdf[self.second_start..self.signed_end]]
    }

    /// The DER inside `/Contents` (zero padding included): upper-case hex
    /// digits only, as we write them (no spaces, no lower case), an even
    /// count, and no more than a signature of ours could need, so that a
    /// hostile file cannot make the decoder work hard.
    pub fn contents(&self, pdf: &[u8]) -> Result<Vec<u8>, FileProblem> {
        let hex = &pdf[self.first_end + 1..self.second_start - 1];
        let digit = |b: &u8| b.is_ascii_digit() || (b'A'..=b'F').contains(b);
        if !hex.len().is_multiple_of(2) || hex.len() > 2 * MAX_SIGNATURE_BYTES || !hex.iter().all(digit) {
            return Err(FileProblem::Malformed);
        }
        let nibble = |b: u8| (b as char).to_digit(16).expect("checked hex digit") as u8;
        Ok(hex.chunks_exact(2).map(|p| nibble(p[0]) << 4 | nibble(p[1])).collect())
    }
}

/// The earliest signature: the one with the shortest signed revision, which
/// in a file we issued is our seal's (anything signed later is a change).
pub(crate) fn first_signature(pdf: &[u8]) -> Result<Placement, FileProblem> {
    let mut found: Vec<Placement> = Vec::new();
    let mut from = 0;
    while let Some(at) = find(&pdf[from..], b"/ByteRange") {
        let after = from + at + b"/ByteRange".len();
        found.push(byte_range(pdf, after).ok_or(FileProblem::Malformed)?);
        from = after;
    }
    found.into_iter().min_by_key(|p| p.signed_end).ok_or(FileProblem::NoSignature)
}

/// Parses ` [0 b c d]` at `at` and checks it against the file.
fn byte_range(pdf: &[u8], at: usize) -> Option<Placement> {
    let mut pos = skip_ws(pdf, at);
    if pdf.get(pos) != Some(&b'[') {
        return None;
    }
    pos += 1;
    let mut numbers = [0usize; 4];
    for n in &mut numbers {
        pos = skip_ws(pdf, pos);
        let len = pdf[pos..].iter().take_while(|b| b.is_ascii_digit()).count();
        if len == 0 || len > 12 {
            return None;
        }
        *n = std::str::from_utf8(&pdf[pos..pos + len]).ok()?.parse().ok()?;
        pos += len;
    }
    pos = skip_ws(pdf, pos);
    if pdf.get(pos) != Some(&b']') {
        return None;
    }
    let [start, first_len, second_start, second_len] = numbers;
    let signed_end = second_start.checked_add(second_len)?;
    let well_placed = start == 0
        && first_len.checked_add(2).is_some_and(|min| min <= second_start)
        && signed_end <= pdf.len()
        && pdf[first_len] == b'<'
        && pdf[second_start - 1] == b'>'
        // The dictionary holding this /ByteRange is itself signed.
        && (at < first_len || at >= second_start);
    well_placed.then_some(Placement { first_end: first_len, second_start, signed_end })
}

fn skip_ws(pdf: &[u8], mut pos: usize) -> usize {
    while pos < pdf.len() && matches!(pdf[pos], b' ' | b'\n' | b'\r' | b'\t' | b'\x0c' | b'\0') {
        pos += 1;
    }
    pos
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TAIL: &str = " >>\n%%EOF\n";

    fn file(byte_range: &str, contents: &str) -> Vec<u8> {
        format!("%PDF-1.7\n<< /ByteRange {byte_range} /Contents {contents}{TAIL}").into_bytes()
    }

    /// A file whose /ByteRange leaves out exactly `contents`.
    fn layout(contents: &str) -> Vec<u8> {
        let start = file("[0 000000 000000 000000]", "").len() - TAIL.len();
        let end = start + contents.len();
        file(&format!("[0 {start:06} {end:06} {:06}]", TAIL.len()), contents)
    }

    #[test]
    fn finds_the_contents_between_the_ranges() {
        let pdf = layout("<3003020100>");
        let p = first_signature(&pdf).unwrap();
        assert_eq!(p.signed_end, pdf.len());
        assert_eq!(p.contents(&pdf).unwrap(), vec![0x30, 0x03, 0x02, 0x01, 0x00]);
        assert_eq!(p.signed(&pdf)[0].len() + p.signed(&pdf)[1].len() + 12, pdf.len());
    }

    #[test]
    fn refuses_odd_containers() {
        assert_eq!(first_signature(b"%PDF-1.7\n%%EOF\n"), Err(FileProblem::NoSignature));
        assert_eq!(first_signature(&file("[0 1 2]", "<00>")), Err(FileProblem::Malformed));
        assert_eq!(first_signature(&file("[0 5 9 99999]", "<00>")), Err(FileProblem::Malformed));
        let lower = layout("<3a3a>");
        assert_eq!(first_signature(&lower).unwrap().contents(&lower), Err(FileProblem::Malformed));
        let huge = layout(&format!("<{}>", "00".repeat(40 * 1024)));
        assert_eq!(first_signature(&huge).unwrap().contents(&huge), Err(FileProblem::Malformed));
        let spaced = layout("<30 03>");
        assert_eq!(first_signature(&spaced).unwrap().contents(&spaced), Err(FileProblem::Malformed));
        let odd = layout("<303>");
        assert_eq!(first_signature(&odd).unwrap().contents(&odd), Err(FileProblem::Malformed));
    }
}
