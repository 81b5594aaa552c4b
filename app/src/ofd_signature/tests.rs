use std::io::{Read, Write};
use std::time::SystemTime;

use proptest::prelude::*;

use super::*;
use crate::document::sample::{endorsement, face, SEAL_NAME, VERIFY_URL};
use crate::signing::ofd::seal_package;
use crate::signing::sm2::Sm2KeyRing;

struct Made {
    _dir: tempfile::TempDir,
    ring: Sm2KeyRing,
    package: Vec<u8>,
}

fn made() -> &'static Made {
    static MADE: std::sync::OnceLock<Made> = std::sync::OnceLock::new();
    MADE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let ring = Sm2KeyRing::load_or_create(dir.path(), &[("mohrss", SEAL_NAME), ("cba", "银行业协会")]).unwrap();
        let tf = crate::document::tests::typeface();
        let draft =
            crate::document::ofd::render(&tf, &face(), Some(&endorsement()), Some(VERIFY_URL), "doc", "2026-11-25")
                .unwrap();
        let package =
            seal_package(draft, ring.seal("mohrss").unwrap(), ring.maker().unwrap(), SEAL_NAME, SystemTime::now())
                .unwrap();
        Made { _dir: dir, ring, package }
    })
}

fn check(bytes: &[u8]) -> PdfCheck {
    check_ofd(bytes, made().ring.trust_anchors(), SystemTime::now())
}

fn files(package: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(package)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).unwrap();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            (f.name().unwrap().to_string(), bytes)
        })
        .collect()
}

fn zip_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        out.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn a_sealed_package_verifies_and_names_its_seal() {
    let checked = check(&made().package);
    let file = &checked.file;
    assert_eq!(file.problem, None, "{file:?}");
    assert!(file.signed && file.signature_valid && file.trusted && file.covers_whole_document);
    assert_eq!(file.signer.as_deref(), Some(SEAL_NAME));
    assert_eq!(checked.signed_revision_sha256, Some(file_sha256(&made().package)));
    // The same files repacked (another ZIP, the same content) still verify, as another file.
    let repacked = zip_of(&files(&made().package));
    assert_eq!(check(&repacked).file.problem, None);
}

#[test]
fn a_changed_added_removed_or_swapped_file_is_refused_with_its_reason() {
    let original = files(&made().package);
    let with = |change: &dyn Fn(&mut Vec<(String, Vec<u8>)>)| {
        let mut f = original.clone();
        change(&mut f);
        check(&zip_of(&f)).file
    };
    let flip = |name: &'static str| {
        move |f: &mut Vec<(String, Vec<u8>)>| {
            let bytes = &mut f.iter_mut().find(|(n, _)| n == name).unwrap().1;
            let at = bytes.len() / 2;
            bytes[at] ^= 1;
        }
    };
    assert_eq!(with(&flip("Doc_0/Pages/Page_0/Content.xml")).problem, Some(FileProblem::DigestMismatch));
    assert_eq!(with(&flip("Doc_0/Res/font_2.otf")).problem, Some(FileProblem::DigestMismatch));
    assert!(with(&flip(SIGNED_VALUE)).problem.is_some());
    assert!(with(&flip(SEAL)).problem.is_some());
    let added = with(&|f| f.push(("Doc_0/Res/extra.png".into(), b"x".to_vec())));
    assert_eq!((added.problem, added.covers_whole_document), (Some(FileProblem::ModifiedAfterSigning), false));
    assert_eq!(with(&|f| f.retain(|(n, _)| n != "Doc_0/Res/qr_3.png")).problem, Some(FileProblem::Malformed));
    assert_eq!(with(&|f| f.retain(|(n, _)| n != SIGNED_VALUE)).problem, Some(FileProblem::NoSignature));
    // Another seal, validly made by the same root, in place of this one.
    let other = {
        let tf = crate::document::tests::typeface();
        let draft =
            crate::document::ofd::render(&tf, &face(), Some(&endorsement()), Some(VERIFY_URL), "x", "2026-11-25")
                .unwrap();
        let ring = &made().ring;
        let package =
            seal_package(draft, ring.seal("cba").unwrap(), ring.maker().unwrap(), "银行业协会", SystemTime::now());
        files(&package.unwrap()).into_iter().find(|(n, _)| n == SEAL).unwrap().1
    };
    let swapped = with(&|f| f.iter_mut().find(|(n, _)| n == SEAL).unwrap().1 = other.clone());
    assert_eq!(swapped.problem, Some(FileProblem::DigestMismatch), "{swapped:?}");
    // A package sealed under another root is not ours.
    let foreign = tempfile::tempdir().unwrap();
    let theirs = Sm2KeyRing::load_or_create(foreign.path(), &[("mohrss", SEAL_NAME)]).unwrap();
    let untrusted = check_ofd(&made().package, theirs.trust_anchors(), SystemTime::now());
    assert_eq!(untrusted.file.problem, Some(FileProblem::Untrusted));
    assert_eq!(untrusted.signed_revision_sha256, None);
}

#[test]
fn what_is_not_a_package_of_ours_is_refused_cheaply() {
    assert_eq!(check(b"").file.problem, Some(FileProblem::Empty));
    assert_eq!(check(b"PK\x03\x04 not a zip").file.problem, Some(FileProblem::Malformed));
    // Many files, or one that unpacks to more than the budget.
    let many: Vec<(String, Vec<u8>)> = (0..40).map(|i| (format!("f{i}"), vec![])).collect();
    assert_eq!(check(&zip_of(&many)).file.problem, Some(FileProblem::Malformed));
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    out.start_file("OFD.xml", deflated).unwrap();
    out.write_all(&vec![b' '; 9 * 1024 * 1024]).unwrap();
    let bomb = out.finish().unwrap().into_inner();
    assert!(bomb.len() < 100_000, "a small file ({} bytes)", bomb.len());
    assert_eq!(check(&bomb).file.problem, Some(FileProblem::TooLarge));
    // Signature.xml with something we do not write.
    let mut f = files(&made().package);
    let xml = &mut f.iter_mut().find(|(n, _)| n == SIGNATURE).unwrap().1;
    *xml =
        String::from_utf8(xml.clone()).unwrap().replace("<ofd:SignedInfo>", "<ofd:SignedInfo><!-- hi -->").into_bytes();
    assert_eq!(check(&zip_of(&f)).file.problem, Some(FileProblem::Malformed));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Random changes to a package never verify and never panic.
    #[test]
    fn random_changes_never_verify(edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..4)) {
        let mut bytes = made().package.clone();
        for (at, byte, kind) in edits {
            let at = at % bytes.len();
            match kind {
                0 => bytes[at] ^= byte.max(1),
                1 => bytes.insert(at, byte),
                _ => { bytes.remove(at); }
            }
        }
        let checked = check(&bytes);
        // Bytes outside every file's data (ZIP padding, names' case...) may
        // leave the content as sealed: then it is the same sealed content.
        if checked.file.problem.is_none() {
            prop_assert_eq!(files(&bytes), files(&made().package));
        }
    }
}
