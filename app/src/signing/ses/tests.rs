use std::time::{Duration, SystemTime};

use super::*;
use crate::signing::sm2::Sm2KeyRing;

const SEALS: [(&str, &str); 2] = [("mohrss", "人社部专用章"), ("cba", "银行业协会专用章")];
const PATH: &str = "/Doc_0/Signs/Sign_0/Signature.xml";
const XML: &[u8] = b"<ofd:Signature>...</ofd:Signature>";

fn ring() -> (tempfile::TempDir, Sm2KeyRing) {
    let dir = tempfile::tempdir().unwrap();
    let ring = Sm2KeyRing::load_or_create(dir.path(), &SEALS).unwrap();
    (dir, ring)
}

fn seal_of(ring: &Sm2KeyRing, code: &str) -> Vec<u8> {
    let facts = SealFacts {
        es_id: code,
        name: "专用章",
        picture_png: b"\x89PNG not really",
        width_mm: 40,
        height_mm: 40,
        created: SystemTime::now(),
    };
    make_seal(ring.seal(code).unwrap(), ring.maker().unwrap(), &facts).unwrap()
}

#[test]
fn a_signature_by_the_seal_holds() {
    let (_dir, ring) = ring();
    let esl = seal_of(&ring, "mohrss");
    let value = sign(&esl, ring.seal("mohrss").unwrap(), XML, PATH, SystemTime::now()).unwrap();
    let checked = check(&value, &esl, XML, PATH, ring.trust_anchors()).unwrap();
    assert_eq!(checked.seal_name, "专用章");
    assert_eq!(checked.signer, ring.seal("mohrss").unwrap().chain()[0]);
}

#[test]
fn a_changed_document_a_swapped_seal_or_another_signer_is_refused() {
    let (_dir, ring) = ring();
    let (esl, other) = (seal_of(&ring, "mohrss"), seal_of(&ring, "cba"));
    let now = SystemTime::now();
    let value = sign(&esl, ring.seal("mohrss").unwrap(), XML, PATH, now).unwrap();
    let anchors = ring.trust_anchors();
    assert_eq!(check(&value, &esl, b"<changed/>", PATH, anchors).unwrap_err(), SealProblem::DigestMismatch);
    assert_eq!(check(&value, &other, XML, PATH, anchors).unwrap_err(), SealProblem::DigestMismatch, "swapped seal");
    assert_eq!(check(&value, &esl, XML, "/Doc_0/Other.xml", anchors).unwrap_err(), SealProblem::Malformed);
    // The cba key signing with mohrss's seal: not a signer that seal allows.
    let stolen = sign(&esl, ring.seal("cba").unwrap(), XML, PATH, now).unwrap();
    assert_eq!(check(&stolen, &esl, XML, PATH, anchors).unwrap_err(), SealProblem::Untrusted);
    assert_eq!(check(&value, &esl, XML, PATH, &[]).unwrap_err(), SealProblem::Untrusted);
    let late = sign(&esl, ring.seal("mohrss").unwrap(), XML, PATH, now + Duration::from_secs(20 * 366 * 86_400));
    assert_eq!(check(&late.unwrap(), &esl, XML, PATH, anchors).unwrap_err(), SealProblem::NotValid);
}

#[test]
fn every_flipped_byte_is_refused() {
    let (_dir, ring) = ring();
    let esl = seal_of(&ring, "mohrss");
    let value = sign(&esl, ring.seal("mohrss").unwrap(), XML, PATH, SystemTime::now()).unwrap();
    for i in 0..value.len() {
        let mut changed = value.clone();
        changed[i] ^= 0x01;
        assert!(check(&changed, &esl, XML, PATH, ring.trust_anchors()).is_err(), "byte {i} of SignedValue.dat");
    }
    for i in 0..esl.len() {
        let mut changed = esl.clone();
        changed[i] ^= 0x01;
        assert!(check(&value, &changed, XML, PATH, ring.trust_anchors()).is_err(), "byte {i} of Seal.esl");
    }
    let mut longer = value.clone();
    longer.push(0);
    assert_eq!(check(&longer, &esl, XML, PATH, ring.trust_anchors()).unwrap_err(), SealProblem::Malformed);
}
