//! Corpus-driven fuzzing for ecert's targets, on proptest (cargo-fuzz needs
//! a nightly compiler; this runs in the ordinary test command). A target's
//! inputs are the files of `fuzz/corpus/<target>/` with a few random edits
//! each (bit flips, byte and token insertions, deletions, truncation,
//! duplication, splicing two entries), plus some wholly random bytes.
//! `FUZZ_CASES` sets the cases per target (default 1,000); proptest shrinks
//! a failing input and saves it in a `<target file>.proptest-regressions`
//! file beside the target, rerun first from then on (commit it).

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::sample::Index;

/// Byte sequences parsers tend to care about.
const TOKENS: &[&[u8]] = &[
    b",",
    b"\"",
    b"\"\"",
    b"\n",
    b"\r\n",
    b"\r",
    b"\t",
    b" ",
    b"\0",
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"\xC3",
    b"\xE4\xB8",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b"null",
    b"true",
    b"-1",
    b"0",
    b"99999999999999999999",
    b"1e309",
    b"%",
    b"&",
    b"=",
    b"+",
    b"%00",
    b"%ZZ",
    b"<script>",
    b"'",
    b"\\",
    b"\\u0000",
    b"\xF0\x9F\x92\xA5",
    b"X",
    b"x",
    b"\xC2\xB7",
    b"\xE2\x80\xA2",
    b"%PDF-1.7",
    b"%%EOF",
    b"/ByteRange",
    b"/Contents",
    b"obj",
    b"endobj",
    b"<<",
    b">>",
    b"stream",
    b"xref",
    b"trailer",
    b"2026-02-30",
    b"1900-01-01",
    b"9999-12-31",
    b"110101199003070014",
];

#[derive(Debug, Clone)]
enum Edit {
    Flip(Index, u8),
    Set(Index, u8),
    Insert(Index, Vec<u8>),
    Token(Index, Index),
    Remove(Index, usize),
    Truncate(Index),
    Duplicate(Index, usize),
    Splice(Index, Index, Index, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(at, bit)| Edit::Flip(at, bit)),
        (any::<Index>(), any::<u8>()).prop_map(|(at, b)| Edit::Set(at, b)),
        (any::<Index>(), proptest::collection::vec(any::<u8>(), 1..16)).prop_map(|(at, b)| Edit::Insert(at, b)),
        (any::<Index>(), any::<Index>()).prop_map(|(at, t)| Edit::Token(at, t)),
        (any::<Index>(), 1usize..64).prop_map(|(at, n)| Edit::Remove(at, n)),
        any::<Index>().prop_map(Edit::Truncate),
        (any::<Index>(), 1usize..256).prop_map(|(at, n)| Edit::Duplicate(at, n)),
        (any::<Index>(), any::<Index>(), any::<Index>(), 1usize..256)
            .prop_map(|(at, o, f, n)| Edit::Splice(at, o, f, n)),
    ]
}

fn apply(mut input: Vec<u8>, edits: &[Edit], corpus: &[Vec<u8>]) -> Vec<u8> {
    for e in edits {
        let pos = |i: &Index, len: usize| if len == 0 { 0 } else { i.index(len + 1) };
        let len = input.len();
        match e {
            Edit::Flip(at, bit) if len > 0 => input[at.index(len)] ^= 1 << bit,
            Edit::Set(at, b) if len > 0 => input[at.index(len)] = *b,
            Edit::Insert(at, bytes) => {
                let at = pos(at, len);
                input.splice(at..at, bytes.iter().copied());
            }
            Edit::Token(at, t) => {
                let at = pos(at, len);
                input.splice(at..at, TOKENS[t.index(TOKENS.len())].iter().copied());
            }
            Edit::Remove(at, n) if len > 0 => {
                let at = at.index(len);
                input.drain(at..(at + n).min(len));
            }
            Edit::Truncate(at) => input.truncate(pos(at, len)),
            Edit::Duplicate(at, n) if len > 0 => {
                let at = at.index(len);
                let copy = input[at..(at + n).min(len)].to_vec();
                input.splice(at..at, copy);
            }
            Edit::Splice(at, other, from, n) => {
                let other = &corpus[other.index(corpus.len())];
                if !other.is_empty() {
                    let from = from.index(other.len());
                    let at = pos(at, len);
                    input.splice(at..at, other[from..(from + n).min(other.len())].iter().copied());
                }
            }
            _ => {}
        }
    }
    input
}

/// The committed inputs of a target, in file-name order.
pub fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = corpus_dir(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("corpus entry").path())
        .collect();
    files.sort();
    let inputs: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).expect("corpus file")).collect();
    assert!(!inputs.is_empty(), "{}: an empty corpus", dir.display());
    inputs
}

pub fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target)
}

/// Inputs for a target: mostly corpus entries with 1–6 edits, sometimes
/// an entry as it is, sometimes random bytes.
pub fn inputs(corpus: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let n = corpus.len();
    let edited = (0..n, proptest::collection::vec(edit(), 1..6))
        .prop_map(move |(i, edits)| apply(corpus[i].clone(), &edits, &corpus));
    prop_oneof![
        8 => edited,
        1 => proptest::collection::vec(any::<u8>(), 0..512),
    ]
}

/// `FUZZ_CASES` cases (default 1,000), or `default` for slower targets.
pub fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    ProptestConfig { cases, max_shrink_iters: 2_000, ..ProptestConfig::default() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    #[test]
    fn edits_change_inputs_and_stay_in_bounds() {
        let corpus = vec!["certificate_number,holder_name\n0301,张三\n".as_bytes().to_vec(), Vec::new()];
        let strategy = inputs(corpus.clone());
        let mut runner = TestRunner::deterministic();
        let changed = (0..500).filter(|_| !corpus.contains(&strategy.new_tree(&mut runner).unwrap().current())).count();
        assert!(changed > 350, "most inputs differ from the corpus: {changed}");
    }
}
