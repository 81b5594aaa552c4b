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
    let mut document = unsigned(f);
    let issuer = did::seal_did(f.public_base_url.trim_end_matches('/'), f.seal_code);
    let method = format!("{issuer}#{}", did::key_fragment(&key.fingerprint_sha256()));
    proof::sign(&mut document, &key.signing_key, &method, &crate::clock::format_utc(f.made_at));
    Value::Object(document)
}

/// The credential of one endorsed copy without its proof: what the register says.
fn unsigned(f: &CredentialFacts) -> Map<String, Value> {
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
    match document {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// What a credential with a valid proof claims, for the register to confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub issuer: String,
    pub seal_code: String,
    pub verification_method: String,
    /// The endorsement it names, to look up.
    pub endorsement_number: String,
    /// Everything it says but the proof.
    document: Map<String, Value>,
}

impl Claim {
    /// It is, field for field, the credential we issue for this record and
    /// its seal: a key of ours signing anything else (another seal's
    /// certificate, another name) does not make it true.
    pub fn matches(&self, record: &CredentialFacts) -> bool {
        self.seal_code == record.seal_code && self.document == unsigned(record)
    }
}

/// Why a credential failed, and the issuer and key it named (for the verdict).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub problem: CredentialProblem,
    pub issuer: Option<String>,
}

/// Checks a credential as pasted or uploaded: JSON, issued by one of our
/// seals, its proof made with a key that seal published. `keys_of` gives a
/// seal's (fragment, key) pairs, `None` for no such seal; its error (the
/// keys cannot be read) is the caller's, not the credential's fault.
pub fn check<E>(
    text: &[u8],
    public_base_url: &str,
    keys_of: impl Fn(&str) -> Result<Option<did::Methods>, E>,
) -> Result<Result<Claim, Refused>, E> {
    let refused = |problem, issuer: Option<&str>| Ok(Err(Refused { problem, issuer: issuer.map(str::to_string) }));
    if text.iter().all(u8::is_ascii_whitespace) {
        return refused(CredentialProblem::Empty, None);
    }
    if text.len() > MAX_CREDENTIAL_BYTES {
        return refused(CredentialProblem::TooLarge, None);
    }
    let Ok(Value::Object(mut document)) = serde_json::from_slice::<Value>(text) else {
        return refused(CredentialProblem::NotJson, None);
    };
    let issuer = match document.get("issuer") {
        Some(Value::String(id)) => Some(id.clone()),
        Some(issuer) => issuer.get("id").and_then(Value::as_str).map(str::to_string),
        None => None,
    };
    let base = public_base_url.trim_end_matches('/');
    let seal = issuer.as_deref().and_then(|i| did::seal_of_did(base, i)).map(str::to_string);
    let (Some(issuer), Some(seal)) = (issuer.as_deref(), seal) else {
        // No proof at all says more than "not ours".
        let problem =
            if document.contains_key("proof") { CredentialProblem::UnknownIssuer } else { CredentialProblem::NoProof };
        return refused(problem, issuer.as_deref());
    };
    let keys = match keys_of(&seal)? {
        Some(keys) if !keys.is_empty() => keys,
        _ => return refused(CredentialProblem::UnknownIssuer, Some(issuer)),
    };
    let key_for = |method: &str| {
        // Only the issuer's own keys: a key of another seal does not speak for this one.
        let fragment = method.strip_prefix(issuer)?.strip_prefix('#')?;
        keys.iter().find(|(f, _)| f == fragment).map(|(_, k)| *k)
    };
    let secured = Value::Object(document.clone());
    let method = match proof::verify(&secured, key_for) {
        Ok(method) => method,
        Err(problem) => return refused(problem, Some(issuer)),
    };
    document.remove("proof");
    let endorsement_number = secured["credentialSubject"]["endorsementNumber"].as_str().unwrap_or_default().to_string();
    Ok(Ok(Claim {
        issuer: issuer.to_string(),
        seal_code: seal,
        verification_method: method,
        endorsement_number,
        document,
    }))
}

#[cfg(test)]
mod tests;
