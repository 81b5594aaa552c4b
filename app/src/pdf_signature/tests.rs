//! The verifier on real files from the generator: the sample copy signed by
//! a demo seal, and what can happen to such a file on its way to a verifier.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use proptest::prelude::*;

use super::*;
use crate::document::{self, sample};
use crate::signing::{sign_pdf, KeyRing};

const SEAL: (&str, &str) = ("mohrss", sample::SEAL_NAME);

struct Fixture {
    ring: KeyRing,
    foreign: KeyRing,
    signed: Vec<u8>,
    unsigned: Vec<u8>,
    _dirs: [tempfile::TempDir; 2],
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let (ours, theirs) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let ring = KeyRing::load_or_create(ours.path(), &[SEAL]).unwrap();
        let foreign = KeyRing::load_or_create(theirs.path(), &[SEAL]).unwrap();
        let tf = document::tests::typeface();
        let unsigned = document::render(
            &tf,
            &sample::face(),
            Some(&sample::endorsement()),
            Some(sample::VERIFY_URL),
            document::pdf_date(1_764_550_800),
        )
        .unwrap();
        let signed =
            sign_pdf(unsigned.clone(), ring.seal(SEAL.0).unwrap(), SystemTime::now(), "测试", "加注件").unwrap();
        Fixture { ring, foreign, signed, unsigned, _dirs: [ours, theirs] }
    })
}

fn check(pdf: &[u8]) -> PdfCheck {
    check_pdf(pdf, fixture().ring.trust_anchors(), SystemTime::now())
}

fn problem(pdf: &[u8]) -> Option<FileProblem> {
    check(pdf).file.problem
}

/// Where the /Contents hex string starts and ends in a signed file.
fn contents_span(pdf: &[u8]) -> (usize, usize) {
    let p = container::first_signature(pdf).unwrap();
    (p.first_end, p.second_start)
}

#[test]
fn a_copy_as_issued_verifies() {
    let f = fixture();
    let c = check(&f.signed);
    assert_eq!(c.file.problem, None, "{c:?}");
    assert!(c.file.signed && c.file.signature_valid && c.file.covers_whole_document && c.file.trusted);
    assert_eq!(c.file.signer.as_deref(), Some(sample::SEAL_NAME));
    assert_eq!(c.file.signer_fingerprint, Some(f.ring.seal(SEAL.0).unwrap().fingerprint_sha256()));
    assert_eq!(c.file.signed_at.as_ref().map(String::len), Some("2026-11-25 14:03:09".len()));
    assert_eq!(c.signed_revision_sha256, Some(file_sha256(&f.signed)));
    assert!(!c.file.matches_record, "left to the caller");
}

#[test]
fn a_flipped_byte_in_a_signed_range_breaks_it() {
    let f = fixture();
    let (start, end) = contents_span(&f.signed);
    for at in [10, start / 2, start - 1, end, (end + f.signed.len()) / 2, f.signed.len() - 1] {
        let mut pdf = f.signed.clone();
        pdf[at] ^= 0x01;
        let c = check(&pdf);
        assert!(c.file.problem.is_some(), "byte {at}: {c:?}");
        assert!(!c.file.trusted || !c.file.signature_valid || c.file.problem.is_some());
    }
    let mut pdf = f.signed.clone();
    pdf[start / 2] ^= 0x01;
    assert_eq!(problem(&pdf), Some(FileProblem::DigestMismatch));
}

#[test]
fn bytes_after_the_end_are_a_change_after_signing() {
    let mut pdf = fixture().signed.clone();
    pdf.extend_from_slice(b"\n1 0 obj\n<< /Evil true >>\nendobj\n%%EOF\n");
    let c = check(&pdf);
    assert_eq!(c.file.problem, Some(FileProblem::ModifiedAfterSigning));
    assert!(c.file.signature_valid && c.file.trusted && !c.file.covers_whole_document);
    // The signed part is still the file we issued, so the record can be named.
    assert_eq!(c.signed_revision_sha256, Some(file_sha256(&fixture().signed)));
}

#[test]
fn altered_contents_are_refused() {
    let f = fixture();
    let (start, end) = contents_span(&f.signed);
    // Inside the DER (the signature value is near its end, certificates before).
    for at in [start + 1, start + 40, start + 600, start + 1200] {
        let mut pdf = f.signed.clone();
        pdf[at] = if pdf[at] == b'7' { b'8' } else { b'7' };
        assert!(problem(&pdf).is_some(), "hex digit at {}", at - start);
    }
    // In the zero padding after the DER.
    let mut pdf = f.signed.clone();
    pdf[end - 3] = b'1';
    assert_eq!(problem(&pdf), Some(FileProblem::Malformed));
    // Same value, other letter case: still a change to the file.
    let mut pdf = f.signed.clone();
    let letter = (start + 1..end).find(|&i| pdf[i].is_ascii_uppercase()).unwrap();
    pdf[letter] = pdf[letter].to_ascii_lowercase();
    assert_eq!(problem(&pdf), Some(FileProblem::Malformed));
}

#[test]
fn a_key_outside_our_anchors_is_untrusted() {
    let f = fixture();
    let pdf = sign_pdf(f.unsigned.clone(), f.foreign.seal(SEAL.0).unwrap(), SystemTime::now(), "x", "y").unwrap();
    let c = check(&pdf);
    assert_eq!(c.file.problem, Some(FileProblem::Untrusted));
    assert!(c.file.signature_valid && !c.file.trusted);
    assert_eq!(c.signed_revision_sha256, None);
    // With their anchors it verifies: the check is the chain, not the key.
    let theirs = check_pdf(&pdf, f.foreign.trust_anchors(), SystemTime::now());
    assert_eq!(theirs.file.problem, None);
}

#[test]
fn a_signature_made_outside_the_certificate_validity_is_refused() {
    let f = fixture();
    let long_ago = SystemTime::now() - Duration::from_secs(40 * 365 * 86_400);
    let pdf = sign_pdf(f.unsigned.clone(), f.ring.seal(SEAL.0).unwrap(), long_ago, "x", "y").unwrap();
    assert_eq!(problem(&pdf), Some(FileProblem::SignerCertificateNotValid));
    let future = SystemTime::now() + Duration::from_secs(86_400);
    let pdf = sign_pdf(f.unsigned.clone(), f.ring.seal(SEAL.0).unwrap(), future, "x", "y").unwrap();
    assert_eq!(problem(&pdf), Some(FileProblem::SignerCertificateNotValid));
}

#[test]
fn what_is_not_a_signed_pdf_gets_a_verdict() {
    let f = fixture();
    assert_eq!(problem(b""), Some(FileProblem::Empty));
    assert_eq!(problem(b"PK\x03\x04 a zip file"), Some(FileProblem::NotPdf));
    assert_eq!(problem("证书.jpg".as_bytes()), Some(FileProblem::NotPdf));
    assert_eq!(problem(&f.unsigned), Some(FileProblem::NoSignature));
    let mut huge = f.signed.clone();
    huge.resize(50 * 1024 * 1024, b' ');
    assert_eq!(problem(&huge), Some(FileProblem::TooLarge));
    for len in [9, 1000, f.signed.len() / 2, contents_span(&f.signed).0 + 10, f.signed.len() - 1] {
        let cut = check(&f.signed[..len]);
        assert!(cut.file.problem.is_some(), "truncated to {len}");
    }
}

/// One random change to a file.
#[derive(Debug, Clone)]
enum Mutation {
    Set(prop::sample::Index, u8),
    Flip(prop::sample::Index, u8),
    Insert(prop::sample::Index, Vec<u8>),
    Remove(prop::sample::Index, usize),
    Append(Vec<u8>),
    Truncate(prop::sample::Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        4 => (any::<prop::sample::Index>(), 0u8..8).prop_map(|(i, bit)| Mutation::Flip(i, bit)),
        1 => (any::<prop::sample::Index>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
        1 => (any::<prop::sample::Index>(), 1usize..64).prop_map(|(i, n)| Mutation::Remove(i, n)),
        1 => prop::collection::vec(any::<u8>(), 1..64).prop_map(Mutation::Append),
        1 => any::<prop::sample::Index>().prop_map(Mutation::Truncate),
    ]
}

fn apply(pdf: &mut Vec<u8>, m: &Mutation) {
    // An earlier truncation may have emptied the file: nothing left to index.
    if pdf.is_empty() && !matches!(m, Mutation::Insert(..) | Mutation::Append(_)) {
        return;
    }
    match m {
        Mutation::Set(i, b) => {
            let at = i.index(pdf.len());
            pdf[at] = *b;
        }
        Mutation::Flip(i, bit) => {
            let at = i.index(pdf.len());
            pdf[at] ^= 1 << bit;
        }
        Mutation::Insert(i, bytes) => {
            let at = i.index(pdf.len() + 1);
            pdf.splice(at..at, bytes.iter().copied());
        }
        Mutation::Remove(i, n) => {
            let at = i.index(pdf.len());
            let end = (at + n).min(pdf.len());
            pdf.drain(at..end);
        }
        Mutation::Append(bytes) => pdf.extend_from_slice(bytes),
        Mutation::Truncate(i) => pdf.truncate(i.index(pdf.len())),
    }
}

/// Mutations aimed at the signature container, where a byte is most
/// likely to matter (the rest is covered by one digest).
fn contents_mutation() -> impl Strategy<Value = (prop::sample::Index, u8)> {
    (any::<prop::sample::Index>(), any::<u8>())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_changes_never_verify_and_never_panic(mutations in prop::collection::vec(mutation(), 1..4)) {
        let original = &fixture().signed;
        let mut pdf = original.clone();
        for m in &mutations {
            apply(&mut pdf, m);
        }
        let c = check(&pdf);
        if c.file.problem.is_none() {
            prop_assert_eq!(&pdf, original, "a changed file verified: {:?}", mutations);
        }
    }

    #[test]
    fn changes_inside_the_signature_never_verify((i, b) in contents_mutation()) {
        let original = &fixture().signed;
        let (start, end) = contents_span(original);
        let mut pdf = original.clone();
        let at = start + i.index(end - start);
        pdf[at] = b;
        let c = check(&pdf);
        if c.file.problem.is_none() {
            prop_assert_eq!(&pdf, original, "byte {} of /Contents set to {}", at - start, b);
        }
    }
}

#[test]
fn a_broken_file_names_no_signer() {
    let mut pdf = fixture().signed.clone();
    let at = pdf.len() / 3;
    pdf[at] ^= 0x01;
    let c = check(&pdf);
    assert_eq!(c.file.problem, Some(FileProblem::DigestMismatch));
    assert_eq!((c.file.signer, c.file.signer_fingerprint, c.file.signed_at), (None, None, None));
}

/// The file with its /Contents replaced by `der` (upper-case hex, zero padded).
fn with_contents(pdf: &[u8], der: &[u8]) -> Vec<u8> {
    let (start, end) = contents_span(pdf);
    let mut hex: Vec<u8> = der.iter().flat_map(|b| format!("{b:02X}").into_bytes()).collect();
    assert!(hex.len() <= end - start - 2, "fits the reserved space");
    hex.resize(end - start - 2, b'0');
    let mut out = pdf.to_vec();
    out[start + 1..end - 1].copy_from_slice(&hex);
    out
}

fn signed_data(pdf: &[u8]) -> cms::signed_data::SignedData {
    use der::Decode;
    let p = container::first_signature(pdf).unwrap();
    let der = p.contents(pdf).unwrap();
    let mut reader = der::SliceReader::new(&der).unwrap();
    let info = cms::content_info::ContentInfo::decode(&mut reader).unwrap();
    info.content.decode_as().unwrap()
}

fn content_info_der(sd: &cms::signed_data::SignedData) -> Vec<u8> {
    use der::{Any, Encode};
    let info = cms::content_info::ContentInfo {
        content_type: der::oid::db::rfc5911::ID_SIGNED_DATA,
        content: Any::encode_from(sd).unwrap(),
    };
    info.to_der().unwrap()
}

#[test]
fn the_container_rewritten_the_same_way_still_verifies() {
    // The helpers below are sound: re-encoding the decoded container changes nothing.
    let f = fixture();
    let pdf = with_contents(&f.signed, &content_info_der(&signed_data(&f.signed)));
    assert_eq!(pdf, f.signed);
}

#[test]
fn the_twin_signature_value_is_refused() {
    use p256::ecdsa::Signature;
    let f = fixture();
    let mut sd = signed_data(&f.signed);
    let mut infos = sd.signer_infos.0.into_vec();
    let sig = Signature::from_der(infos[0].signature.as_bytes()).unwrap();
    assert!(sig.normalize_s().is_none(), "we sign in low-S form");
    let (r, s) = sig.split_scalars();
    let twin = Signature::from_scalars(r.to_bytes(), (-*s.as_ref()).to_bytes()).unwrap();
    infos[0].signature = der::asn1::OctetString::new(twin.to_der().as_bytes()).unwrap();
    sd.signer_infos = cms::signed_data::SignerInfos(infos.try_into().unwrap());
    let pdf = with_contents(&f.signed, &content_info_der(&sd));
    assert_eq!(problem(&pdf), Some(FileProblem::Malformed));
}

#[test]
fn reordered_certificates_are_refused() {
    let f = fixture();
    let chain = f.ring.seal(SEAL.0).unwrap().chain_der().to_vec();
    let (start, end) = contents_span(&f.signed);
    let hex = |b: &[u8]| b.iter().map(|b| format!("{b:02X}")).collect::<String>();
    let text = String::from_utf8(f.signed[start + 1..end - 1].to_vec()).unwrap();
    let (a, b) = (hex(&chain[0]), hex(&chain[1]));
    // The set holds both, one after the other; swap them in place.
    let both = if text.contains(&format!("{a}{b}")) { format!("{a}{b}") } else { format!("{b}{a}") };
    let swapped = if both.starts_with(&a) { format!("{b}{a}") } else { format!("{a}{b}") };
    let mut pdf = f.signed.clone();
    let at = start + 1 + text.find(&both).unwrap();
    pdf[at..at + both.len()].copy_from_slice(swapped.as_bytes());
    assert_ne!(pdf, f.signed);
    assert_eq!(problem(&pdf), Some(FileProblem::Malformed));
}

#[test]
fn the_whole_signature_in_lower_case_is_refused() {
    let f = fixture();
    let (start, end) = contents_span(&f.signed);
    let mut pdf = f.signed.clone();
    pdf[start + 1..end - 1].make_ascii_lowercase();
    assert_eq!(problem(&pdf), Some(FileProblem::Malformed));
}

#[test]
fn a_foreign_signer_is_untrusted_whatever_its_dates_and_unnamed() {
    let f = fixture();
    let long_ago = SystemTime::now() - Duration::from_secs(40 * 365 * 86_400);
    let pdf = sign_pdf(f.unsigned.clone(), f.foreign.seal(SEAL.0).unwrap(), long_ago, "x", "y").unwrap();
    let c = check(&pdf);
    assert_eq!(c.file.problem, Some(FileProblem::Untrusted));
    assert_eq!(c.file.signer, None, "its name (our seal's, here) is not shown");
    assert!(c.file.signer_fingerprint.is_some());
}
