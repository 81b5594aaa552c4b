//! The electronic seal and signature structures of GB/T 38540-2020
//! (安全电子签章密码技术规范, version 4): `SESeal` (the seal: its picture,
//! validity and allowed signers, signed by its maker) and `SES_Signature`
//! (a signature by the seal over a document's `Signature.xml`). DER through
//! the `der` crate; docs/ofd.md has the ASN.1 modules as written here.
//!
//! What is signed:
//! - `SESeal.signedValue`: SM2-with-SM3 by the maker over DER(`esealInfo`);
//! - `SES_Signature.signature`: SM2-with-SM3 by the signer over DER(`toSign`),
//!   whose `dataHash` is the SM3 digest of the whole `Signature.xml`.
//!
//! Decoding is strict: DER only, nothing trailing, the version, algorithm
//! and list type we write; anything else is not ours and is refused.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use der::asn1::{BitString, GeneralizedTime, Ia5String, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Sequence};
use sm3::{Digest, Sm3};
use x509_cert::Certificate;

use super::sm2::{Sm2SealKey, SM2_WITH_SM3};
use super::SigningError;

/// `SES_Header.id`.
const HEADER_ID: &str = "ES";
/// The version of GB/T 38540-2020 (`SES_Header.version`, `TBS_Sign.version`).
pub const VERSION: u32 = 4;
/// `SES_Header.vid`: who made the seal structure.
const VENDOR: &str = "ecert";
/// `SES_ESPropertyInfo.type`: an organisation's seal (单位印章).
const SEAL_TYPE: u32 = 1;
/// `SES_ESPropertyInfo.certListType`: the signers' certificates themselves.
const CERT_LIST_CERTS: u32 = 1;

/// `SES_Header ::= SEQUENCE { id IA5String, version INTEGER, vid IA5String }`
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct Header {
    pub id: Ia5String,
    pub version: u32,
    pub vid: Ia5String,
}

/// `SES_ESPropertyInfo`: what the seal is, who may use it, and when.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct PropertyInfo {
    pub seal_type: u32,
    pub name: String,
    pub cert_list_type: u32,
    /// `certs CertInfoList ::= SEQUENCE OF OCTET STRING` (DER certificates).
    pub cert_list: Vec<OctetString>,
    pub create_date: GeneralizedTime,
    pub valid_start: GeneralizedTime,
    pub valid_end: GeneralizedTime,
}

/// `SES_ESPictrueInfo` (sic): the seal's picture and its size in mm.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct Picture {
    pub picture_type: Ia5String,
    pub data: OctetString,
    pub width: u32,
    pub height: u32,
}

/// `SES_SealInfo` (no `extDatas`).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SealInfo {
    pub header: Header,
    pub es_id: Ia5String,
    pub property: PropertyInfo,
    pub picture: Picture,
}

/// `SESeal`: `Seal.esl` of an OFD signature, and inside every signature.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct Seal {
    pub eseal_info: SealInfo,
    /// The maker's certificate (DER).
    pub cert: OctetString,
    pub sign_alg_id: ObjectIdentifier,
    pub signed_value: BitString,
}

/// `TBS_Sign` (no `extDatas`).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct ToSign {
    pub version: u32,
    pub eseal: Seal,
    pub time_info: GeneralizedTime,
    /// SM3 of `Signature.xml`.
    pub data_hash: BitString,
    /// Where `Signature.xml` is in the package, e.g. `/Doc_0/Signs/Sign_0/Signature.xml`.
    pub property_info: Ia5String,
}

/// `SES_Signature` (no `timeStamp`): `SignedValue.dat` of an OFD signature.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct Signature {
    pub to_sign: ToSign,
    /// The signer's certificate (DER).
    pub cert: OctetString,
    pub signature_alg_id: ObjectIdentifier,
    pub signature: BitString,
}

/// What a seal says about itself (its picture is the caller's).
pub struct SealFacts<'a> {
    /// `esID`: e.g. the seal code and its certificate's fingerprint.
    pub es_id: &'a str,
    pub name: &'a str,
    pub picture_png: &'a [u8],
    pub width_mm: u32,
    pub height_mm: u32,
    pub created: SystemTime,
}

/// The seal (`Seal.esl`, DER) of `seal`'s key, made by `maker`: its only
/// allowed signer is `seal`'s certificate, and it is valid while that is.
pub fn make_seal(seal: &Sm2SealKey, maker: &Sm2SealKey, facts: &SealFacts) -> Result<Vec<u8>, SigningError> {
    let validity = &seal.chain()[0].tbs_certificate.validity;
    let info = SealInfo {
        header: Header { id: ia5(HEADER_ID)?, version: VERSION, vid: ia5(VENDOR)? },
        es_id: ia5(facts.es_id)?,
        property: PropertyInfo {
            seal_type: SEAL_TYPE,
            name: facts.name.to_string(),
            cert_list_type: CERT_LIST_CERTS,
            cert_list: vec![octets(&seal.chain_der()[0])?],
            create_date: time(facts.created)?,
            valid_start: GeneralizedTime::from_system_time(validity.not_before.to_system_time()).map_err(err)?,
            valid_end: GeneralizedTime::from_system_time(validity.not_after.to_system_time()).map_err(err)?,
        },
        picture: Picture {
            picture_type: ia5("PNG")?,
            data: octets(facts.picture_png)?,
            width: facts.width_mm,
            height: facts.height_mm,
        },
    };
    let signed = maker.sign(&info.to_der().map_err(err)?);
    let seal = Seal {
        eseal_info: info,
        cert: octets(&maker.chain_der()[0])?,
        sign_alg_id: SM2_WITH_SM3,
        signed_value: BitString::from_bytes(&signed).map_err(err)?,
    };
    seal.to_der().map_err(err)
}

/// `SignedValue.dat`: `seal_esl`'s signature by `signer` over
/// `signature_xml` (found at `signature_xml_path` in the package), at `at`.
pub fn sign(
    seal_esl: &[u8],
    signer: &Sm2SealKey,
    signature_xml: &[u8],
    signature_xml_path: &str,
    at: SystemTime,
) -> Result<Vec<u8>, SigningError> {
    let to_sign = ToSign {
        version: VERSION,
        eseal: Seal::from_der(seal_esl).map_err(err)?,
        time_info: time(at)?,
        data_hash: BitString::from_bytes(&Sm3::digest(signature_xml)).map_err(err)?,
        property_info: ia5(signature_xml_path)?,
    };
    let signature = signer.sign(&to_sign.to_der().map_err(err)?);
    let value = Signature {
        to_sign,
        cert: octets(&signer.chain_der()[0])?,
        signature_alg_id: SM2_WITH_SM3,
        signature: BitString::from_bytes(&signature).map_err(err)?,
    };
    value.to_der().map_err(err)
}

/// Why a seal or signature does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealProblem {
    /// Not DER of the structures and values we write.
    Malformed,
    /// `Signature.xml` is not the one signed, or the seal not the one signed with.
    DigestMismatch,
    /// A signature does not verify with its certificate's key.
    BadSignature,
    /// The signer is not one the seal allows, or a chain does not reach an anchor.
    Untrusted,
    /// Signed outside the seal's or a certificate's validity.
    NotValid,
}

/// A signature that holds: what it says.
#[derive(Debug, Clone)]
pub struct Checked {
    pub signer: Certificate,
    pub seal_name: String,
    pub signed_at: SystemTime,
}

/// Checks `SignedValue.dat` against the package's `Seal.esl` and
/// `Signature.xml` (at `signature_xml_path`): the structures, the seal is
/// the one signed with, the digest of `Signature.xml`, the signer's SM2
/// signature, the signer is the seal's allowed signer, the maker's signature
/// on the seal, the time within the seal's and the certificates' validity,
/// and both certificates chain to `anchors` (SM2).
pub fn check(
    signed_value: &[u8],
    seal_esl: &[u8],
    signature_xml: &[u8],
    signature_xml_path: &str,
    anchors: &[Certificate],
) -> Result<Checked, SealProblem> {
    let value = strict::<Signature>(signed_value)?;
    let seal = strict::<Seal>(seal_esl)?;
    let to_sign = &value.to_sign;
    let info = &seal.eseal_info;
    let ours = to_sign.version == VERSION
        && info.header.id.as_str() == HEADER_ID
        && info.header.version == VERSION
        && info.property.cert_list_type == CERT_LIST_CERTS
        && value.signature_alg_id == SM2_WITH_SM3
        && seal.sign_alg_id == SM2_WITH_SM3
        && to_sign.property_info.as_str() == signature_xml_path;
    if !ours {
        return Err(SealProblem::Malformed);
    }
    // The seal signed with is the package's own (a swapped seal is caught).
    if to_sign.eseal != seal {
        return Err(SealProblem::DigestMismatch);
    }
    if to_sign.data_hash.raw_bytes() != Sm3::digest(signature_xml).as_slice() {
        return Err(SealProblem::DigestMismatch);
    }
    let signer = Certificate::from_der(value.cert.as_bytes()).map_err(|_| SealProblem::Malformed)?;
    let signature = value.signature.as_bytes().ok_or(SealProblem::Malformed)?;
    if !super::sm2::verify(&signer, &to_sign.to_der().map_err(|_| SealProblem::Malformed)?, signature) {
        return Err(SealProblem::BadSignature);
    }
    if !info.property.cert_list.iter().any(|c| c.as_bytes() == value.cert.as_bytes()) {
        return Err(SealProblem::Untrusted);
    }
    let maker = Certificate::from_der(seal.cert.as_bytes()).map_err(|_| SealProblem::Malformed)?;
    let maker_signature = seal.signed_value.as_bytes().ok_or(SealProblem::Malformed)?;
    if !super::sm2::verify(&maker, &info.to_der().map_err(|_| SealProblem::Malformed)?, maker_signature) {
        return Err(SealProblem::BadSignature);
    }
    let signed_at = to_sign.time_info.to_system_time();
    let within = |start: SystemTime, end: SystemTime| start <= signed_at && signed_at <= end;
    let seal_valid = within(info.property.valid_start.to_system_time(), info.property.valid_end.to_system_time());
    let certificate_valid = |c: &Certificate| {
        let v = &c.tbs_certificate.validity;
        within(v.not_before.to_system_time(), v.not_after.to_system_time())
    };
    if !(seal_valid && certificate_valid(&signer) && certificate_valid(&maker)) {
        return Err(SealProblem::NotValid);
    }
    if !chains_to(&signer, anchors) || !chains_to(&maker, anchors) {
        return Err(SealProblem::Untrusted);
    }
    Ok(Checked { signer, seal_name: info.property.name.clone(), signed_at })
}

/// Whether `cert` is an anchor or is signed by one (our chains are a seal
/// certificate under its root).
fn chains_to(cert: &Certificate, anchors: &[Certificate]) -> bool {
    anchors.iter().any(|a| {
        a == cert || (a.tbs_certificate.subject == cert.tbs_certificate.issuer && super::sm2::issued_by(cert, a))
    })
}

/// DER of exactly `T`, re-encoding to the same bytes.
fn strict<T: for<'a> Decode<'a> + Encode>(der: &[u8]) -> Result<T, SealProblem> {
    let value = T::from_der(der).map_err(|_| SealProblem::Malformed)?;
    match value.to_der() {
        Ok(again) if again == der => Ok(value),
        _ => Err(SealProblem::Malformed),
    }
}

fn time(at: SystemTime) -> Result<GeneralizedTime, SigningError> {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    GeneralizedTime::from_unix_duration(Duration::from_secs(since.as_secs())).map_err(err)
}

fn ia5(s: &str) -> Result<Ia5String, SigningError> {
    Ia5String::new(s).map_err(err)
}

fn octets(bytes: &[u8]) -> Result<OctetString, SigningError> {
    OctetString::new(bytes).map_err(err)
}

fn err(e: impl std::fmt::Display) -> SigningError {
    SigningError::Certificate(format!("electronic seal: {e}"))
}

#[cfg(test)]
mod tests;
