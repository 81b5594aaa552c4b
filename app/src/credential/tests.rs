use super::*;
use crate::domain::certificate::{Bilingual, CertificateStatus};
use crate::domain::endorsement::EndorsementStatus;
use crate::domain::id_document::IdType;
use crate::signing::KeyRing;

const BASE: &str = "http://127.0.0.1:3100";

fn record() -> (CertificateRecord, EndorsementOnRecord) {
    let day = |s| Ymd::parse_iso(s).unwrap();
    let certificate = CertificateRecord {
        holder_name: "张三".into(),
        id_type: IdType::ResidentId,
        id_number_masked: "1101**********0019".into(),
        qualification: Bilingual { zh: "注册安全工程师".into(), en: "Certified Safety Engineer".into() },
        specialty: Some("化工安全".into()),
        certificate_number: "0301202203150001".into(),
        management_number: "2022030111000101".into(),
        issued_on: day("2022-03-15"),
        issuing_authority: "人力资源和社会保障部".into(),
        seal_name: "中华人民共和国人力资源和社会保障部专业技术人员职业资格证书专用章".into(),
        status: CertificateStatus::Valid,
        revoked_on: None,
    };
    let endorsement = EndorsementOnRecord {
        number: "JZ20261201ABCDEFGHJKMN".into(),
        scenario: Bilingual { zh: "本人调用".into(), en: "Own use".into() },
        status: EndorsementStatus::Ready,
        valid_from: day("2026-12-01"),
        valid_until: day("2026-12-30"),
        made_at: Some(crate::domain::instant::Instant(1_796_086_800)),
        cancelled_at: None,
    };
    (certificate, endorsement)
}

fn keys(dir: &std::path::Path) -> KeyRing {
    KeyRing::load_or_create(dir, &[("mohrss", "人社部专用章"), ("cba", "银行业协会专用章")]).unwrap()
}

/// The published keys of each seal, as the DID documents list them.
fn published(ring: &KeyRing) -> impl Fn(&str) -> Result<Option<did::Methods>, ()> + '_ {
    move |code| {
        Ok(ring.seal(code).map(|k| vec![(did::key_fragment(&k.fingerprint_sha256()), *k.signing_key.verifying_key())]))
    }
}

fn facts<'a>(
    seal: &'a str,
    certificate: &'a CertificateRecord,
    endorsement: &'a EndorsementOnRecord,
) -> CredentialFacts<'a> {
    CredentialFacts { public_base_url: BASE, seal_code: seal, certificate, endorsement, made_at: 1_764_550_800 }
}

fn issued(ring: &KeyRing, seal: &str) -> Value {
    let (certificate, endorsement) = record();
    issue(&facts(seal, &certificate, &endorsement), ring.seal(seal).unwrap())
}

#[test]
fn a_credential_says_what_the_register_says_and_checks_against_it() {
    let dir = tempfile::tempdir().unwrap();
    let ring = keys(dir.path());
    let vc = issued(&ring, "mohrss");
    assert_eq!(vc["type"], json!(["VerifiableCredential", "EndorsedQualificationCredential"]));
    assert_eq!(vc["@context"], json!([VC_CONTEXT, "http://127.0.0.1:3100/ns/credentials/v1"]));
    assert_eq!(vc["id"], "http://127.0.0.1:3100/v/JZ20261201ABCDEFGHJKMN");
    assert_eq!(vc["issuer"]["id"], "did:web:127.0.0.1%3A3100:seals:mohrss");
    assert_eq!(
        (vc["validFrom"].as_str(), vc["validUntil"].as_str()),
        (Some("2026-12-01T00:00:00+08:00"), Some("2026-12-30T23:59:59+08:00"))
    );
    assert_eq!(vc["credentialSubject"]["maskedIdNumber"], "1101**********0019", "never the full ID number");
    assert_eq!(vc["credentialSubject"]["specialty"], "化工安全");
    assert_eq!(vc["proof"]["created"], "2025-12-01T01:00:00Z");
    // Every term is defined by our context (VC 2.0 has no @vocab).
    let context = did::context(BASE);
    let defined = context["@context"].as_object().unwrap();
    for term in vc["credentialSubject"].as_object().unwrap().keys().filter(|k| *k != "type") {
        assert!(defined.contains_key(term), "{term} not in the context");
    }

    let text = serde_json::to_vec_pretty(&vc).unwrap();
    let claim = check(&text, BASE, published(&ring)).unwrap().unwrap();
    let (certificate, endorsement) = record();
    assert!(claim.matches(&facts("mohrss", &certificate, &endorsement)));
    assert_eq!(claim.seal_code, "mohrss");
    let mut later = endorsement.clone();
    later.valid_until = later.valid_until.plus_days(1);
    assert!(!claim.matches(&facts("mohrss", &certificate, &later)), "another validity is another copy");
    let mut renamed = certificate.clone();
    renamed.holder_name = "张四".into();
    assert!(!claim.matches(&facts("mohrss", &renamed, &endorsement)), "another name");
    assert!(!claim.matches(&facts("cba", &certificate, &endorsement)), "another seal's certificate");
}

#[test]
fn one_seals_key_cannot_vouch_for_another_seals_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let ring = keys(dir.path());
    // cba signs, truthfully as itself, a credential for mohrss's certificate.
    let forged = issued(&ring, "cba");
    let claim = check(&serde_json::to_vec(&forged).unwrap(), BASE, published(&ring)).unwrap().unwrap();
    assert_eq!(claim.seal_code, "cba", "the proof holds: it is cba's key");
    let (certificate, endorsement) = record();
    // The register says the certificate is mohrss's: no match.
    assert!(!claim.matches(&facts("mohrss", &certificate, &endorsement)));
}

#[test]
fn a_changed_or_foreign_credential_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let ring = keys(dir.path());
    let vc = issued(&ring, "mohrss");
    let problem =
        |v: &Value| check(&serde_json::to_vec(v).unwrap(), BASE, published(&ring)).unwrap().unwrap_err().problem;

    let mut changed = vc.clone();
    changed["credentialSubject"]["holderName"] = "张四".into();
    assert_eq!(problem(&changed), CredentialProblem::BadSignature);
    let mut extended = vc.clone();
    extended["validUntil"] = "2027-12-30T23:59:59+08:00".into();
    assert_eq!(problem(&extended), CredentialProblem::BadSignature);
    // Claiming another seal, or signed by another seal's key, is not that seal's word.
    let mut other_issuer = vc.clone();
    other_issuer["issuer"]["id"] = "did:web:127.0.0.1%3A3100:seals:cba".into();
    assert_eq!(problem(&other_issuer), CredentialProblem::UnknownKey);
    let cba = issued(&ring, "cba");
    let mut borrowed = vc.clone();
    borrowed["proof"] = cba["proof"].clone();
    assert_eq!(problem(&borrowed), CredentialProblem::UnknownKey);
    // Another site's DID is not one of our seals.
    assert_eq!(
        check(&serde_json::to_vec(&vc).unwrap(), "https://ecert.example", published(&ring))
            .unwrap()
            .unwrap_err()
            .problem,
        CredentialProblem::UnknownIssuer
    );
    let mut unsigned = vc.clone();
    unsigned.as_object_mut().unwrap().remove("proof");
    assert_eq!(problem(&unsigned), CredentialProblem::NoProof);

    let refused = |bytes: &[u8]| check(bytes, BASE, published(&ring)).unwrap().unwrap_err().problem;
    // A seal we do not have, and a key directory that cannot be read (the caller's error).
    let mut unknown = vc.clone();
    unknown["issuer"]["id"] = "did:web:127.0.0.1%3A3100:seals:nobody".into();
    assert_eq!(problem(&unknown), CredentialProblem::UnknownIssuer);
    let unreadable = check(&serde_json::to_vec(&vc).unwrap(), BASE, |_| Err::<Option<Vec<_>>, _>("disk"));
    assert_eq!(unreadable.map(|r| r.is_ok()), Err("disk"));
    assert_eq!(refused(b"  \n"), CredentialProblem::Empty);
    assert_eq!(refused(b"%PDF-1.7"), CredentialProblem::NotJson);
    assert_eq!(refused(b"[1]"), CredentialProblem::NotJson);
    assert_eq!(refused(&vec![b' '; MAX_CREDENTIAL_BYTES + 1]), CredentialProblem::Empty);
    let mut huge = serde_json::to_vec(&vc).unwrap();
    huge.resize(MAX_CREDENTIAL_BYTES + 1, b' ');
    assert_eq!(refused(&huge), CredentialProblem::TooLarge);
}
