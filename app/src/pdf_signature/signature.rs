//! Checking a detached CMS SignedData (RFC 5652) over a PDF's signed bytes
//! and its signer's chain to our trust anchors. We accept what we sign:
//! SHA-256, ECDSA P-256, one signer identified by issuer and serial, signed
//! attributes with content-type id-data and the message digest. Every part of
//! the container that the signature does not protect is checked too (no
//! extra certificates, no CRLs, no unsigned attributes), so that a changed
//! file cannot verify.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cms::cert::CertificateChoices;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{GeneralizedTime, ObjectIdentifier, OctetStringRef, UtcTime};
use der::{Decode, Encode, Reader, SliceReader};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use sha2::{Digest, Sha256};
use x509_cert::ext::pkix::BasicConstraints;
use x509_cert::Certificate;

use crate::domain::verification::FileProblem;

const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_SHA_256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const ECDSA_WITH_SHA_256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const ID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
/// Seal certificate, intermediates, root.
const MAX_CHAIN: usize = 6;

/// What a valid signature tells about its signer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Signer {
    pub common_name: Option<String>,
    pub fingerprint: String,
    /// The signed signing-time attribute.
    pub signed_at: Option<SystemTime>,
}

/// The signature failed for `problem`; `signer` is known when the
/// container could be read far enough to find it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub problem: FileProblem,
    pub signer: Option<Signer>,
}

impl From<FileProblem> for Failure {
    fn from(problem: FileProblem) -> Failure {
        Failure { problem, signer: None }
    }
}

fn malformed<E>(_: E) -> Failure {
    FileProblem::Malformed.into()
}

/// Checks `der` (the /Contents bytes, zero padding included) as a signature
/// over `signed` (the byte ranges), with the signer's chain ending at one of
/// `anchors`; `now` bounds a signing time that claims to be in the future.
pub(crate) fn check(
    der: &[u8],
    signed: [&[u8]; 2],
    anchors: &[Certificate],
    now: SystemTime,
) -> Result<Signer, Failure> {
    let signed_data = read_container(der)?;
    let signer_info = only_signer(&signed_data)?;
    let certificates = certificates(&signed_data)?;
    let signer_cert = find_signer(signer_info, &certificates)?;
    let signer =
        Signer { common_name: common_name(signer_cert), fingerprint: fingerprint(signer_cert)?, signed_at: None };
    let fail = |problem| Failure { problem, signer: Some(signer.clone()) };

    // Signed attributes: content type, message digest, signing time.
    let attrs = signer_info.signed_attrs.as_ref().ok_or_else(|| fail(FileProblem::Malformed))?;
    let single = |oid: ObjectIdentifier| {
        let mut found = attrs.iter().filter(|a| a.oid == oid);
        match (found.next(), found.next()) {
            (Some(a), None) if a.values.len() == 1 => Ok(Some(a.values.get(0).expect("one value"))),
            (None, _) => Ok(None),
            _ => Err(fail(FileProblem::Malformed)),
        }
    };
    let content_type = single(ID_CONTENT_TYPE)?.ok_or_else(|| fail(FileProblem::Malformed))?;
    if content_type.decode_as::<ObjectIdentifier>().map_err(|_| fail(FileProblem::Malformed))? != ID_DATA {
        return Err(fail(FileProblem::Malformed));
    }
    let digest = single(ID_MESSAGE_DIGEST)?.ok_or_else(|| fail(FileProblem::Malformed))?;
    let digest = digest.decode_as::<OctetStringRef>().map_err(|_| fail(FileProblem::Malformed))?;
    let signed_at = match single(ID_SIGNING_TIME)? {
        Some(value) => Some(signing_time(value).ok_or_else(|| fail(FileProblem::Malformed))?),
        None => None,
    };
    let signer = Signer { signed_at, ..signer };
    let fail = |problem| Failure { problem, signer: Some(signer.clone()) };

    let mut hasher = Sha256::new();
    hasher.update(signed[0]);
    hasher.update(signed[1]);
    if hasher.finalize().as_slice() != digest.as_bytes() {
        return Err(fail(FileProblem::DigestMismatch));
    }

    // The signature is over the DER of the signed attributes as a SET OF
    // (the container was checked to be canonical DER, so these are the
    // file's own bytes). Only the low-S form of the ECDSA value is ours.
    let message = attrs.to_der().map_err(|_| fail(FileProblem::Malformed))?;
    let signature = Signature::from_der(signer_info.signature.as_bytes()).map_err(|_| fail(FileProblem::Malformed))?;
    if signature.normalize_s().is_some() || signature.to_der().as_bytes() != signer_info.signature.as_bytes() {
        return Err(fail(FileProblem::Malformed));
    }
    let key = verifying_key(signer_cert).map_err(|f| fail(f.problem))?;
    key.verify(&message, &signature).map_err(|_| fail(FileProblem::BadSignature))?;

    // Trust first, then time: an unknown signer is "untrusted" whatever its dates.
    let path = path_to_anchor(signer_cert, &certificates, anchors).map_err(|f| fail(f.problem))?;
    let at = signed_at.unwrap_or(now);
    if at > now + Duration::from_secs(300) || !path.iter().all(|c| valid_at(c, at)) {
        return Err(fail(FileProblem::SignerCertificateNotValid));
    }
    Ok(signer)
}

/// ContentInfo(SignedData), detached, followed by nothing but zero padding.
fn read_container(der: &[u8]) -> Result<SignedData, Failure> {
    let mut reader = SliceReader::new(der).map_err(malformed)?;
    let info = ContentInfo::decode(&mut reader).map_err(malformed)?;
    let used = usize::try_from(reader.position()).map_err(malformed)?;
    if der[used..].iter().any(|&b| b != 0) || info.content_type != ID_SIGNED_DATA {
        return Err(FileProblem::Malformed.into());
    }
    let signed_data: SignedData = info.content.decode_as().map_err(malformed)?;
    // Canonical DER only: decoding sorts SET OF members, so a reordered or
    // otherwise re-encoded container must not pass as the same one.
    if signed_data.to_der().map_err(malformed)? != info.content.to_der().map_err(malformed)? {
        return Err(FileProblem::Malformed.into());
    }
    let encap = &signed_data.encap_content_info;
    if encap.econtent_type != ID_DATA || encap.econtent.is_some() || signed_data.crls.is_some() {
        return Err(FileProblem::Malformed.into());
    }
    Ok(signed_data)
}

fn only_signer(signed_data: &SignedData) -> Result<&SignerInfo, Failure> {
    let infos = signed_data.signer_infos.0.as_slice();
    let [info] = infos else { return Err(FileProblem::Malformed.into()) };
    let sha256_only = signed_data.digest_algorithms.len() == 1
        && signed_data.digest_algorithms.get(0) == Some(&info.digest_alg)
        && info.digest_alg.oid == ID_SHA_256
        && info.digest_alg.parameters.is_none();
    let ecdsa_p256 =
        info.signature_algorithm.oid == ECDSA_WITH_SHA_256 && info.signature_algorithm.parameters.is_none();
    if !sha256_only || !ecdsa_p256 {
        return Err(FileProblem::UnsupportedAlgorithm.into());
    }
    let issuer_and_serial = matches!(info.sid, SignerIdentifier::IssuerAndSerialNumber(_));
    if !issuer_and_serial
        || info.version != CmsVersion::V1
        || signed_data.version != CmsVersion::V1
        || info.unsigned_attrs.is_some()
    {
        return Err(FileProblem::Malformed.into());
    }
    Ok(info)
}

fn certificates(signed_data: &SignedData) -> Result<Vec<&Certificate>, Failure> {
    let Some(set) = &signed_data.certificates else { return Ok(Vec::new()) };
    // A chain of ours is a few certificates; many would only cost checks.
    if set.0.len() > MAX_CHAIN {
        return Err(FileProblem::Malformed.into());
    }
    set.0
        .iter()
        .map(|choice| match choice {
            CertificateChoices::Certificate(cert) => Ok(cert),
            CertificateChoices::Other(_) => Err(FileProblem::Malformed.into()),
        })
        .collect()
}

fn find_signer<'c>(info: &SignerInfo, certificates: &[&'c Certificate]) -> Result<&'c Certificate, Failure> {
    let SignerIdentifier::IssuerAndSerialNumber(id) = &info.sid else {
        return Err(FileProblem::Malformed.into());
    };
    certificates
        .iter()
        .copied()
        .find(|c| c.tbs_certificate.issuer == id.issuer && c.tbs_certificate.serial_number == id.serial_number)
        .ok_or_else(|| FileProblem::Malformed.into())
}

/// Follows issuers from the signer's certificate until one of ours and
/// returns the path, anchor included. Every certificate the file carries
/// must be on that path, each signed by the next, each above the signer a
/// CA. A certificate that claims an anchor's name is checked against the
/// anchor, so an altered copy of the root in the file does not pass.
fn path_to_anchor<'c>(
    signer: &'c Certificate,
    carried: &[&'c Certificate],
    anchors: &'c [Certificate],
) -> Result<Vec<&'c Certificate>, Failure> {
    let mut used = vec![false; carried.len()];
    let mut path = vec![signer];
    let mut current = signer;
    for depth in 0..MAX_CHAIN {
        for (u, c) in used.iter_mut().zip(carried) {
            *u |= *c == current;
        }
        if depth > 0 && !is_ca(current)? {
            return Err(FileProblem::Untrusted.into());
        }
        if anchors.iter().any(|a| a == current) {
            return if used.iter().all(|&u| u) { Ok(path) } else { Err(FileProblem::Malformed.into()) };
        }
        // Several certificates may bear the issuer's name (a CA re-keyed
        // under the same name): the issuer is the one whose key signed this.
        let issuer_name = &current.tbs_certificate.issuer;
        let from_anchors = anchors.iter().filter(|a| &a.tbs_certificate.subject == issuer_name);
        let from_file = carried.iter().copied().filter(|c| &c.tbs_certificate.subject == issuer_name && *c != current);
        let mut failure = Failure::from(FileProblem::Untrusted);
        let mut issuer = None;
        for candidate in from_anchors.chain(from_file) {
            match verify_issued_by(current, candidate) {
                Ok(()) => {
                    issuer = Some(candidate);
                    break;
                }
                Err(f) => failure = f,
            }
        }
        // Self-signed and not ours, an issuer nobody supplied, or none whose key fits.
        let Some(issuer) = issuer else { return Err(failure) };
        path.push(issuer);
        current = issuer;
    }
    Err(FileProblem::Untrusted.into())
}

/// Whether `issuer`'s key signed `cert` (ECDSA P-256 / SHA-256).
pub(crate) fn issued_by(cert: &Certificate, issuer: &Certificate) -> bool {
    verify_issued_by(cert, issuer).is_ok()
}

fn verify_issued_by(cert: &Certificate, issuer: &Certificate) -> Result<(), Failure> {
    if cert.signature_algorithm.oid != ECDSA_WITH_SHA_256 || cert.tbs_certificate.signature != cert.signature_algorithm
    {
        return Err(FileProblem::UnsupportedAlgorithm.into());
    }
    let tbs = cert.tbs_certificate.to_der().map_err(malformed)?;
    let signature = cert.signature.as_bytes().ok_or(FileProblem::Malformed)?;
    let signature = Signature::from_der(signature).map_err(malformed)?;
    let key = verifying_key(issuer)?;
    key.verify(&tbs, &signature).map_err(|_| FileProblem::Untrusted.into())
}

fn verifying_key(cert: &Certificate) -> Result<VerifyingKey, Failure> {
    let spki = cert.tbs_certificate.subject_public_key_info.to_der().map_err(malformed)?;
    VerifyingKey::from_public_key_der(&spki).map_err(|_| FileProblem::UnsupportedAlgorithm.into())
}

fn valid_at(cert: &Certificate, at: SystemTime) -> bool {
    let validity = &cert.tbs_certificate.validity;
    validity.not_before.to_system_time() <= at && at <= validity.not_after.to_system_time()
}

fn is_ca(cert: &Certificate) -> Result<bool, Failure> {
    let constraints = cert.tbs_certificate.get::<BasicConstraints>().map_err(malformed)?;
    Ok(constraints.is_some_and(|(_, c)| c.ca))
}

fn signing_time(value: &der::Any) -> Option<SystemTime> {
    let since_epoch = if let Ok(t) = value.decode_as::<UtcTime>() {
        t.to_unix_duration()
    } else {
        value.decode_as::<GeneralizedTime>().ok()?.to_unix_duration()
    };
    Some(UNIX_EPOCH + since_epoch)
}

fn common_name(cert: &Certificate) -> Option<String> {
    cert.tbs_certificate.subject.0.iter().flat_map(|rdn| rdn.0.iter()).find(|atv| atv.oid == OID_CN).and_then(|atv| {
        atv.value
            .decode_as::<der::asn1::Utf8StringRef>()
            .map(|s| s.as_str().to_string())
            .or_else(|_| atv.value.decode_as::<der::asn1::PrintableStringRef>().map(|s| s.as_str().to_string()))
            .ok()
    })
}

fn fingerprint(cert: &Certificate) -> Result<String, Failure> {
    let der = cert.to_der().map_err(malformed)?;
    Ok(crate::signing::hex(&Sha256::digest(der)))
}
