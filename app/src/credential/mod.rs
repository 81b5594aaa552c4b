//! 电子凭证: a valid endorsed copy as a W3C Verifiable Credential 2.0, for
//! verifiers that read machines rather than PDFs. The issuer is the seal
//! (`did:web`, see [`did`]); the proof is `ecdsa-jcs-2019` with the key the
//! seal signs its PDFs with ([`proof`]). The credential is the register's
//! word on the day it was made; whether it still holds (withdrawn, revoked,
//! expired) is answered by the verification service its `id` names, as for
//! the PDF's QR code: no status list to fetch, nothing a verifier must
//! install to check the signature.

pub mod did;
pub mod proof;

use p256::ecdsa::VerifyingKey;
use serde_json::{json, Map, Value};

use crate::domain::calendar::Ymd;
use crate::domain::verification::{CertificateRecord, CredentialProblem, EndorsementOnRecord, MAX_CREDENTIAL_BYTES};
use crate::signing::SealKey;

/// The VC 2.0 base context.
pub const VC_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
pub const CREDENTIAL_TYPE: &str = "EndorsedQualificationCredential";

/// What a credential says, gathered from the register.
pub struct CredentialFacts<'a> {
    pub public_base_url: &'a str,
    pub seal_code: &'a str,
    pub certificate: &'a CertificateRecord,
    pub endorsement: &'a EndorsementOnRecord,
    /// When the copy was made (the proof's `created`), Unix seconds.
    pub made_at: i64,
}

/// The first instant of a day in Asia/Shanghai, as an XML Schema dateTime.
fn start_of(day: Ymd) -> String {
    format!("{day}T00:00:00+08:00")
}

/// The last second of a day in Asia/Shanghai: a copy is valid to the end of its last day.
fn end_of(day: Ymd) -> String {
    format!("{day}T23:59:59+08:00")
}

/// The credential of one endorsed copy, signed with the seal's key.
pub fn issue(f: &CredentialFacts, key: &SealKey) -> Value {
    let base = f.public_base_url.trim_end_matches('/');
    let (c, e) = (f.certificate, f.endorsement);
    let issuer = did::seal_did(base, f.seal_code);
    let mut subject = json!({
        "type": "QualificationHolder",
        "holderName": c.holder_name,
        "idType": c.id_type.code(),
        "maskedIdNumber": c.id_number_masked,
        "qualification": c.qualification.zh,
        "qualificationEn": c.qualification.en,
        "certificateNumber": c.certificate_number,
        "managementNumber": c.management_number,
        "issuedOn": c.issued_on.to_string(),
        "issuingAuthority": c.issuing_authority,
        "endorsementNumber": e.number,
        "scenario": e.scenario.zh,
    });
    if let Some(specialty) = &c.specialty {
        subject["specialty"] = specialty.clone().into();
    }
    let verify_url = format!("{base}/v/{}", e.number);
    let document = json!({
        "@context": [VC_CONTEXT, format!("{base}{}", did::CONTEXT_PATH)],
        "id": verify_url,
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": { "id": issuer, "type": "IssuingBody", "name": c.seal_name },
        "validFrom": start_of(e.valid_from),
        "validUntil": end_of(e.valid_until),
        "credentialSubject": subject,
        "verificationService": format!("{base}/api/v1/verify/endorsement/{}", e.number),
    });
    let mut document = match document {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    let method = format!("{issuer}#{}", did::key_fragment(&key.fingerprint_sha256()));
    proof::sign(&mut document, &key.signing_key, &method, &crate::clock::format_utc(f.made_at));
    Value::Object(document)
}

/// What a credential with a valid proof claims, for the register to confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub issuer: String,
    pub seal_code: String,
    pub verification_method: String,
    pub endorsement_number: String,
    pub certificate_number: String,
    pub valid_from: String,
    pub valid_until: String,
}

impl Claim {
    /// The register's record says the same.
    pub fn matches(&self, certificate: &CertificateRecord, endorsement: &EndorsementOnRecord) -> bool {
        self.certificate_number == certificate.certificate_number
            && self.endorsement_number == endorsement.number
            && self.valid_from == start_of(endorsement.valid_from)
            && self.valid_until == end_of(endorsement.valid_until)
    }
}

/// Why a credential failed, and the issuer and key it named (for the verdict).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub problem: CredentialProblem,
    pub issuer: Option<String>,
}

/// Checks a credential as pasted or uploaded: JSON, issued by one of our
/// seals, its proof made with a key that seal published (`keys_of` gives a
/// seal's (fragment, key) pairs).
pub fn check(
    text: &[u8],
    public_base_url: &str,
    keys_of: impl Fn(&str) -> Vec<(String, VerifyingKey)>,
) -> Result<Claim, Refused> {
    let refused = |problem, issuer: Option<&str>| Refused { problem, issuer: issuer.map(str::to_string) };
    if text.iter().all(u8::is_ascii_whitespace) {
        return Err(refused(CredentialProblem::Empty, None));
    }
    if text.len() > MAX_CREDENTIAL_BYTES {
        return Err(refused(CredentialProblem::TooLarge, None));
    }
    let value: Value = serde_json::from_slice(text).map_err(|_| refused(CredentialProblem::NotJson, None))?;
    if !value.is_object() {
        return Err(refused(CredentialProblem::NotJson, None));
    }
    let issuer = match &value["issuer"] {
        Value::String(id) => Some(id.as_str()),
        issuer => issuer["id"].as_str(),
    };
    let base = public_base_url.trim_end_matches('/');
    let seal = issuer.and_then(|i| did::seal_of_did(base, i));
    let Some((issuer, seal)) = issuer.zip(seal) else {
        // No proof at all says more than "not ours".
        let problem =
            if value.get("proof").is_none() { CredentialProblem::NoProof } else { CredentialProblem::UnknownIssuer };
        return Err(refused(problem, issuer));
    };
    let keys = keys_of(seal);
    let key_for = |method: &str| {
        // Only the issuer's own keys: a key of another seal does not speak for this one.
        let fragment = method.strip_prefix(issuer)?.strip_prefix('#')?;
        keys.iter().find(|(f, _)| f == fragment).map(|(_, k)| *k)
    };
    let method = proof::verify(&value, key_for).map_err(|p| refused(p, Some(issuer)))?;
    let text_at = |path: &[&str]| {
        path.iter().try_fold(&value, |v, k| v.get(*k)).and_then(Value::as_str).unwrap_or_default().to_string()
    };
    Ok(Claim {
        issuer: issuer.to_string(),
        seal_code: seal.to_string(),
        verification_method: method,
        endorsement_number: text_at(&["credentialSubject", "endorsementNumber"]),
        certificate_number: text_at(&["credentialSubject", "certificateNumber"]),
        valid_from: text_at(&["validFrom"]),
        valid_until: text_at(&["validUntil"]),
    })
}

#[cfg(test)]
mod tests;
