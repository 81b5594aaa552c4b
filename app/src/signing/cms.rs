//! The detached CMS SignedData (RFC 5652) for a PDF signature: SHA-256,
//! ECDSA P-256, signed attributes content-type, message-digest, signing-time;
//! certificates = the seal's chain; signer identified by issuer and serial.

use std::time::SystemTime;

use cms::builder::{SignedDataBuilder, SignerInfoBuilder};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::signed_data::{EncapsulatedContentInfo, SignerIdentifier};
use der::asn1::{GeneralizedTime, ObjectIdentifier, SetOfVec, UtcTime};
use der::{DateTime, Decode, Encode};
use p256::ecdsa::signature;
use p256::ecdsa::{DerSignature, Signature, SigningKey, VerifyingKey};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::{Attribute, AttributeValue};

use super::{SealKey, SigningError};

const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_SHA_256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const ID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");

fn cms_err(e: impl std::fmt::Display) -> SigningError {
    SigningError::Cms(e.to_string())
}

/// DER ContentInfo(SignedData) over content whose SHA-256 is `digest`.
pub(crate) fn detached_signature(
    key: &SealKey,
    digest: &[u8; 32],
    signed_at: SystemTime,
) -> Result<Vec<u8>, SigningError> {
    let econtent = EncapsulatedContentInfo { econtent_type: ID_DATA, econtent: None };
    let cert = &key.chain[0];
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: cert.tbs_certificate.issuer.clone(),
        serial_number: cert.tbs_certificate.serial_number.clone(),
    });
    let digest_alg = AlgorithmIdentifierOwned { oid: ID_SHA_256, parameters: None };
    let signer = LowS(&key.signing_key);
    let mut signer_info =
        SignerInfoBuilder::new(&signer, sid, digest_alg.clone(), &econtent, Some(digest)).map_err(cms_err)?;
    // content-type and message-digest are added by the builder.
    signer_info.add_signed_attribute(signing_time(signed_at)?).map_err(cms_err)?;
    let mut signed_data = SignedDataBuilder::new(&econtent);
    signed_data.add_digest_algorithm(digest_alg).map_err(cms_err)?;
    for cert in &key.chain {
        signed_data.add_certificate(CertificateChoices::Certificate(cert.clone())).map_err(cms_err)?;
    }
    signed_data.add_signer_info::<LowS, DerSignature>(signer_info).map_err(cms_err)?;
    signed_data.build().map_err(cms_err)?.to_der().map_err(cms_err)
}

/// Signs with the seal key and gives the "low S" form of the ECDSA
/// signature: (r, s) and (r, n − s) both verify, and the verifier accepts
/// only the low one, so the signature value cannot be swapped for its twin.
struct LowS<'k>(&'k SigningKey);

impl signature::Keypair for LowS<'_> {
    type VerifyingKey = VerifyingKey;

    fn verifying_key(&self) -> VerifyingKey {
        *self.0.verifying_key()
    }
}

impl spki::DynSignatureAlgorithmIdentifier for LowS<'_> {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        self.0.signature_algorithm_identifier()
    }
}

impl signature::Signer<DerSignature> for LowS<'_> {
    fn try_sign(&self, message: &[u8]) -> Result<DerSignature, signature::Error> {
        let signature: Signature = self.0.try_sign(message)?;
        Ok(signature.normalize_s().unwrap_or(signature).to_der())
    }
}

/// RFC 5652 § 11.3: UTCTime for 1950..=2049, GeneralizedTime otherwise.
fn signing_time(at: SystemTime) -> Result<Attribute, SigningError> {
    let time = DateTime::from_system_time(at).map_err(cms_err)?;
    let der = if (1950..=2049).contains(&time.year()) {
        UtcTime::from_date_time(time).map_err(cms_err)?.to_der()
    } else {
        GeneralizedTime::from_date_time(time).to_der()
    }
    .map_err(cms_err)?;
    let value = AttributeValue::from_der(&der).map_err(cms_err)?;
    let values = SetOfVec::try_from(vec![value]).map_err(cms_err)?;
    Ok(Attribute { oid: ID_SIGNING_TIME, values })
}
