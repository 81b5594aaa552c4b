use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::*;

const SEALS: &[(&str, &str)] = &[("mohrss", "中华人民共和国人力资源和社会保障部"), ("demo-2", "某省人事考试中心")];

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn key_ring_is_created_then_reloaded_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let first = KeyRing::load_or_create(&keys, SEALS).unwrap();
    let fp: Vec<String> = SEALS.iter().map(|(c, _)| first.seal(c).unwrap().fingerprint_sha256()).collect();
    assert_eq!(fp[0].len(), 64);
    assert_ne!(fp[0], fp[1]);
    assert!(first.seal("nope").is_none());
    assert_eq!(first.trust_anchors().len(), 1, "one demo root");

    let again = KeyRing::load_or_create(&keys, SEALS).unwrap();
    for (i, (code, _)) in SEALS.iter().enumerate() {
        assert_eq!(again.seal(code).unwrap().fingerprint_sha256(), fp[i]);
        assert_eq!(again.seal(code).unwrap().certificate_der(), first.seal(code).unwrap().certificate_der());
    }
    assert_eq!(again.trust_anchors(), first.trust_anchors());

    // A seal added later is issued by the same CA.
    let more = [SEALS[0], SEALS[1], ("third", "第三枚章")];
    let ring = KeyRing::load_or_create(&keys, &more).unwrap();
    assert_eq!(ring.seal("mohrss").unwrap().fingerprint_sha256(), fp[0]);
    assert_eq!(ring.trust_anchors().len(), 1);
    let third = ring.seal("third").unwrap();
    assert_eq!(third.chain[1], ring.trust_anchors()[0]);
}

#[test]
fn key_files_are_0600() {
    let dir = tempfile::tempdir().unwrap();
    KeyRing::load_or_create(dir.path(), SEALS).unwrap();
    assert_eq!(mode(&dir.path().join("ca/root.key.pem")), 0o600);
    assert_eq!(mode(&dir.path().join("seals/mohrss.key.pem")), 0o600);
    assert_eq!(mode(&dir.path().join("seals/demo-2.key.pem")), 0o600);
    assert_eq!(mode(&dir.path().join("ca")), 0o700);
    let chain = std::fs::read_to_string(dir.path().join("seals/mohrss.chain.pem")).unwrap();
    assert_eq!(chain.matches("BEGIN CERTIFICATE").count(), 2);
}

#[test]
fn certificates_have_the_expected_profile() {
    let dir = tempfile::tempdir().unwrap();
    let ring = KeyRing::load_or_create(dir.path(), SEALS).unwrap();
    let seal = ring.seal("mohrss").unwrap();
    let cert = &seal.chain[0];
    let root = &ring.trust_anchors()[0];
    assert_eq!(cert.tbs_certificate.issuer, root.tbs_certificate.subject);
    assert!(root.tbs_certificate.subject.to_string().contains("CN=ecert Demo Root CA"));
    assert!(cert.tbs_certificate.subject.to_string().contains("CN=中华人民共和国人力资源和社会保障部"));
    let serial = cert.tbs_certificate.serial_number.as_bytes();
    assert!(serial.len() >= 16, "random serial");
    let days = |c: &x509_cert::Certificate| {
        let v = &c.tbs_certificate.validity;
        (v.not_after.to_unix_duration() - v.not_before.to_unix_duration()).as_secs() / 86_400
    };
    assert!((1820..=1830).contains(&days(cert)), "{}", days(cert));
    assert!((7300..=7310).contains(&days(root)), "{}", days(root));
}

#[test]
fn existing_files_are_kept_and_mismatches_refused() {
    let dir = tempfile::tempdir().unwrap();
    let a = tempfile::tempdir().unwrap();
    KeyRing::load_or_create(dir.path(), &SEALS[..1]).unwrap();
    KeyRing::load_or_create(a.path(), &SEALS[..1]).unwrap();
    // A seal issued by another CA is fine: its chain's root becomes an anchor.
    std::fs::copy(a.path().join("seals/mohrss.key.pem"), dir.path().join("seals/other.key.pem")).unwrap();
    std::fs::copy(a.path().join("seals/mohrss.chain.pem"), dir.path().join("seals/other.chain.pem")).unwrap();
    let ring = KeyRing::load_or_create(dir.path(), &[SEALS[0], ("other", "外来章")]).unwrap();
    assert_eq!(ring.trust_anchors().len(), 2);

    // A key that does not belong to the chain is refused, without key material in the message.
    std::fs::remove_file(dir.path().join("seals/other.key.pem")).unwrap();
    std::fs::copy(dir.path().join("seals/mohrss.key.pem"), dir.path().join("seals/other.key.pem")).unwrap();
    let err = KeyRing::load_or_create(dir.path(), &[("other", "外来章")]).unwrap_err();
    assert!(err.to_string().contains("not for this key"), "{err}");

    // Half a seal is refused rather than overwritten.
    std::fs::remove_file(dir.path().join("seals/other.chain.pem")).unwrap();
    let err = KeyRing::load_or_create(dir.path(), &[("other", "外来章")]).unwrap_err();
    assert!(err.to_string().contains("other.chain.pem"), "{err}");

    let err = KeyRing::load_or_create(dir.path(), &[("../x", "坏")]).unwrap_err();
    assert!(matches!(err, SigningError::BadSealCode(_)));
}

#[test]
fn garbage_key_file_error_does_not_echo_it() {
    let dir = tempfile::tempdir().unwrap();
    KeyRing::load_or_create(dir.path(), &SEALS[..1]).unwrap();
    let path = dir.path().join("seals/mohrss.key.pem");
    std::fs::write(&path, "-----BEGIN PRIVATE KEY-----\nU0VDUkVUU0VDUkVU\n-----END PRIVATE KEY-----\n").unwrap();
    let err = KeyRing::load_or_create(dir.path(), &SEALS[..1]).unwrap_err();
    let msg = format!("{err} {err:?}");
    assert!(!msg.contains("U0VDUkVU"), "{msg}");
    assert!(msg.contains("mohrss.key.pem"), "{msg}");
}

#[test]
fn debug_output_has_no_key() {
    let dir = tempfile::tempdir().unwrap();
    let ring = KeyRing::load_or_create(dir.path(), &SEALS[..1]).unwrap();
    let seal = ring.seal("mohrss").unwrap();
    let dbg = format!("{seal:?} {ring:?}");
    let secret = keys::hex(&seal.signing_key.to_bytes());
    assert!(!dbg.to_lowercase().contains(&secret), "{dbg}");
    assert!(dbg.contains(&seal.fingerprint_sha256()));
}

#[test]
fn signed_pdf_has_a_byte_range_covering_all_but_contents() {
    let dir = tempfile::tempdir().unwrap();
    let ring = KeyRing::load_or_create(dir.path(), &SEALS[..1]).unwrap();
    let pdf = crate::document::tests::sample_legacy_pdf();
    let unsigned_len = pdf.len();
    let signed = sign_pdf(pdf, ring.seal("mohrss").unwrap(), SystemTime::now(), "测试", "原因").unwrap();
    if let Ok(p) = std::env::var("ECERT_DUMP_PDF") {
        std::fs::write(p, &signed).unwrap();
    }
    let text = String::from_utf8_lossy(&signed);
    let at = text.find("/ByteRange [").unwrap() + 12;
    let nums: Vec<usize> =
        text[at..at + 40].split(']').next().unwrap().split_whitespace().map(|n| n.parse().unwrap()).collect();
    assert_eq!(nums.len(), 4);
    assert_eq!(nums[0], 0);
    assert!(nums[1] > unsigned_len);
    assert_eq!(nums[2] + nums[3], signed.len());
    assert_eq!(signed[nums[1]], b'<');
    assert_eq!(signed[nums[2] - 1], b'>');
    assert!(text.ends_with("%%EOF\n"));
}

/// Copies signed before a rotation (or an install from another CA) keep
/// verifying; copies signed after use the new key; nothing is deleted.
#[test]
fn rotating_or_installing_a_key_keeps_old_copies_verifying() {
    use crate::pdf_signature::check_pdf;
    let dir = tempfile::tempdir().unwrap();
    let sign_with = |ring: &KeyRing| {
        let pdf = crate::document::tests::sample_legacy_pdf();
        sign_pdf(pdf, ring.seal("mohrss").unwrap(), SystemTime::now(), "x", "y").unwrap()
    };
    let before = KeyRing::load_or_create(dir.path(), SEALS).unwrap();
    let old_copy = sign_with(&before);
    let old_fp = before.seal("mohrss").unwrap().fingerprint_sha256();

    let new_fp = rotation::rotate(dir.path(), "mohrss", SEALS[0].1).unwrap();
    assert_ne!(new_fp, old_fp);
    let after = KeyRing::load_or_create(dir.path(), SEALS).unwrap();
    assert_eq!(after.seal("mohrss").unwrap().fingerprint_sha256(), new_fp);
    assert_eq!(after.seal("demo-2").unwrap().certificate_der(), before.seal("demo-2").unwrap().certificate_der());
    let new_copy = sign_with(&after);
    for pdf in [&old_copy, &new_copy] {
        assert_eq!(check_pdf(pdf, after.trust_anchors(), SystemTime::now()).file.problem, None);
    }
    let listed: Vec<_> =
        rotation::list(dir.path(), &["mohrss"]).unwrap().into_iter().filter(|k| k.algorithm == "P-256").collect();
    assert_eq!(listed.iter().filter(|k| k.active).count(), 1);
    assert!(listed.iter().any(|k| !k.active && k.fingerprint == old_fp), "the old key is retired, not deleted");
    assert_eq!(
        mode(
            &std::fs::read_dir(dir.path().join("seals/retired"))
                .unwrap()
                .find_map(|e| {
                    let p = e.unwrap().path();
                    p.to_str().unwrap().ends_with(".key.pem").then_some(p)
                })
                .unwrap()
        ),
        0o600
    );

    // A key and chain from another CA: its root joins the anchors, the old ones stay.
    let other = tempfile::tempdir().unwrap();
    KeyRing::load_or_create(other.path(), &SEALS[..1]).unwrap();
    let (key, chain) = (other.path().join("seals/mohrss.key.pem"), other.path().join("seals/mohrss.chain.pem"));
    rotation::install(dir.path(), "mohrss", &key, &chain).unwrap();
    let installed = KeyRing::load_or_create(dir.path(), SEALS).unwrap();
    assert_eq!(installed.trust_anchors().len(), 2);
    let third_copy = sign_with(&installed);
    for pdf in [&old_copy, &new_copy, &third_copy] {
        assert_eq!(check_pdf(pdf, installed.trust_anchors(), SystemTime::now()).file.problem, None);
        assert_eq!(
            check_pdf(pdf, &KeyRing::read_trust_anchors(dir.path()).unwrap(), SystemTime::now()).file.problem,
            None
        );
    }
    // A chain whose "issuer" has the right name but did not sign it is refused.
    let third = tempfile::tempdir().unwrap();
    KeyRing::load_or_create(third.path(), &SEALS[..1]).unwrap();
    let forged = third.path().join("forged.chain.pem");
    let seal_part = std::fs::read_to_string(other.path().join("seals/mohrss.chain.pem")).unwrap();
    let end = seal_part.find("-----END CERTIFICATE-----").unwrap() + "-----END CERTIFICATE-----\n".len();
    let root_of_third = std::fs::read_to_string(third.path().join("ca/root.crt.pem")).unwrap();
    std::fs::write(&forged, format!("{}{root_of_third}", &seal_part[..end])).unwrap();
    let err = rotation::install(dir.path(), "mohrss", &key, &forged).unwrap_err();
    assert!(err.to_string().contains("which signed it"), "{err}");

    // A key that does not match its chain is refused before anything moves.
    let err = rotation::install(dir.path(), "mohrss", &dir.path().join("ca/root.key.pem"), &chain).unwrap_err();
    assert!(err.to_string().contains("not for this key"), "{err}");
    assert_eq!(
        KeyRing::load_or_create(dir.path(), SEALS).unwrap().seal("mohrss").unwrap().fingerprint_sha256(),
        installed.seal("mohrss").unwrap().fingerprint_sha256()
    );
}

/// A seal's DID document lists its own keys, active and retired, and never
/// those of a seal whose code extends its own (`demo` and `demo-2`).
#[test]
fn published_keys_are_the_seals_own() {
    let dir = tempfile::tempdir().unwrap();
    let seals = [("demo", "甲"), ("demo-2", "乙")];
    let before = KeyRing::load_or_create(dir.path(), &seals).unwrap();
    let fingerprint = |ring: &KeyRing, code| ring.seal(code).unwrap().fingerprint_sha256();
    let (demo_old, demo2_old) = (fingerprint(&before, "demo"), fingerprint(&before, "demo-2"));
    rotation::rotate(dir.path(), "demo-2", "乙").unwrap();
    rotation::rotate(dir.path(), "demo", "甲").unwrap();
    let after = KeyRing::load_or_create(dir.path(), &seals).unwrap();
    let published = |code| -> Vec<String> {
        rotation::published_keys(dir.path(), code).unwrap().into_iter().map(|(fp, _)| fp).collect()
    };
    assert_eq!(published("demo"), [fingerprint(&after, "demo"), demo_old.clone()], "active first, then retired");
    assert_eq!(published("demo-2"), [fingerprint(&after, "demo-2"), demo2_old.clone()]);
    assert!(!published("demo").contains(&demo2_old));
    assert!(matches!(rotation::published_keys(dir.path(), "../ca"), Err(crate::signing::SigningError::BadSealCode(_))));
    assert!(rotation::published_keys(dir.path(), "nobody").unwrap().is_empty());
}
