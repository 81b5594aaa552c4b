//! Data Integrity proofs with the `ecdsa-jcs-2019` cryptosuite (W3C Data
//! Integrity ECDSA Cryptosuites v1.0, §3.3), made with a seal's P-256 key.
//!
//! The signed bytes are SHA-256(JCS(proof options)) ‖ SHA-256(JCS(document)),
//! proof options first; the proof options carry the document's `@context`,
//! and so does the emitted proof. The signature is ECDSA P-256 with SHA-256
//! over those 64 bytes (p256 signs deterministically, RFC 6979), as r‖s,
//! multibase base58btc (`z…`). Public keys are Multikey: `z` + base58btc of
//! the p256-pub multicodec (0x80 0x24) and the 33-byte compressed point.

use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::domain::verification::CredentialProblem;

pub const PROOF_TYPE: &str = "DataIntegrityProof";
pub const CRYPTOSUITE: &str = "ecdsa-jcs-2019";
pub const PURPOSE: &str = "assertionMethod";
/// The multicodec prefix of a compressed P-256 public key (p256-pub, 0x1200).
const P256_PUB: [u8; 2] = [0x80, 0x24];

/// `z` + base58btc of the key's Multikey bytes: `zDn…`.
pub fn public_key_multibase(key: &VerifyingKey) -> String {
    let mut bytes = P256_PUB.to_vec();
    bytes.extend_from_slice(key.to_encoded_point(true).as_bytes());
    format!("z{}", bs58::encode(bytes).into_string())
}

/// The key of a `publicKeyMultibase` value, if it is a P-256 Multikey.
pub fn verifying_key_from_multibase(value: &str) -> Option<VerifyingKey> {
    let bytes = bs58::decode(value.strip_prefix('z')?).into_vec().ok()?;
    let point = bytes.strip_prefix(&P256_PUB[..])?;
    VerifyingKey::from_sec1_bytes(point).ok()
}

/// The canonical (JCS, RFC 8785) bytes of a JSON value.
fn canonical(value: &Value) -> Vec<u8> {
    // Only maps with string keys, strings and arrays reach here: never fails.
    serde_jcs::to_vec(value).unwrap_or_default()
}

fn hash_data(options: &Map<String, Value>, document: &Map<String, Value>) -> Vec<u8> {
    let mut data = Sha256::digest(canonical(&Value::Object(options.clone()))).to_vec();
    data.extend_from_slice(&Sha256::digest(canonical(&Value::Object(document.clone()))));
    data
}

/// Adds an `ecdsa-jcs-2019` proof to `document` (which has none), made at
/// `created` (`YYYY-MM-DDTHH:MM:SSZ`) with `key`, published as `verification_method`.
pub fn sign(document: &mut Map<String, Value>, key: &SigningKey, verification_method: &str, created: &str) {
    document.remove("proof");
    let mut options = Map::new();
    if let Some(context) = document.get("@context") {
        options.insert("@context".into(), context.clone());
    }
    options.insert("type".into(), PROOF_TYPE.into());
    options.insert("cryptosuite".into(), CRYPTOSUITE.into());
    options.insert("created".into(), created.into());
    options.insert("verificationMethod".into(), verification_method.into());
    options.insert("proofPurpose".into(), PURPOSE.into());
    let signature: Signature = key.sign(&hash_data(&options, document));
    let value = format!("z{}", bs58::encode(signature.to_bytes()).into_string());
    options.insert("proofValue".into(), value.into());
    document.insert("proof".into(), Value::Object(options));
}

/// Checks the proof of `secured` with the key `key_for` gives for its
/// verification method. Returns that verification method's id.
pub fn verify(secured: &Value, key_for: impl Fn(&str) -> Option<VerifyingKey>) -> Result<String, CredentialProblem> {
    let mut document = secured.as_object().cloned().ok_or(CredentialProblem::NoProof)?;
    let Some(Value::Object(mut options)) = document.remove("proof") else { return Err(CredentialProblem::NoProof) };
    let field = |name: &str| options.get(name).and_then(Value::as_str);
    if field("type") != Some(PROOF_TYPE)
        || field("cryptosuite") != Some(CRYPTOSUITE)
        || field("proofPurpose") != Some(PURPOSE)
    {
        return Err(CredentialProblem::UnsupportedProof);
    }
    let method = field("verificationMethod").ok_or(CredentialProblem::Malformed)?.to_string();
    let value = match options.remove("proofValue") {
        Some(Value::String(v)) => v,
        _ => return Err(CredentialProblem::Malformed),
    };
    let bytes =
        value.strip_prefix('z').and_then(|v| bs58::decode(v).into_vec().ok()).ok_or(CredentialProblem::Malformed)?;
    let signature = Signature::from_slice(&bytes).map_err(|_| CredentialProblem::Malformed)?;
    // The proof's context must be the document's (it is part of what was signed).
    if options.get("@context").is_some_and(|c| Some(c) != document.get("@context")) {
        return Err(CredentialProblem::BadSignature);
    }
    let key = key_for(&method).ok_or(CredentialProblem::UnknownKey)?;
    key.verify(&hash_data(&options, &document), &signature).map_err(|_| CredentialProblem::BadSignature)?;
    Ok(method)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The P-256 key of RFC 6979 §A.2.5 and a credential, checked against
    /// the npm packages @digitalbazaar/ecdsa-jcs-2019-cryptosuite 1.0.0 and
    /// @digitalbazaar/vc 7.3.0: the same canonical form and hash data, and
    /// the signature below verifies there.
    const KEY_HEX: &str = "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721";
    const METHOD: &str = "did:web:localhost%3A3000:seals:7#key-1";
    const CREATED: &str = "2025-04-01T09:00:00Z";

    fn key() -> SigningKey {
        let bytes: Vec<u8> = (0..32).map(|i| u8::from_str_radix(&KEY_HEX[2 * i..2 * i + 2], 16).unwrap()).collect();
        SigningKey::from_slice(&bytes).unwrap()
    }

    fn unsigned() -> Map<String, Value> {
        let v = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://ecert.example/ns/v1"],
            "id": "urn:uuid:6f1c2a8e-0d7b-4b0e-9d7e-3c1f4a2b9e10",
            "type": ["VerifiableCredential", "EndorsedQualificationCredential"],
            "issuer": {"id": "did:web:localhost%3A3000:seals:7", "type": "IssuingBody", "name": "一般社団法人 サンプル技能協会"},
            "validFrom": "2025-04-01T00:00:00Z",
            "validUntil": "2030-03-31T23:59:59Z",
            "credentialSubject": {
                "type": "QualificationHolder",
                "holderName": "山田 太郎",
                "maskedIdNumber": "****-****-1234",
                "qualification": "一級建築施工管理技士",
                "certificateNumber": "C-2025-000123",
                "managementNumber": "M-0042",
                "endorsementNumber": "E-2025-0007"
            }
        });
        v.as_object().unwrap().clone()
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn the_key_is_a_p256_multikey() {
        let public = public_key_multibase(key().verifying_key());
        assert_eq!(public, "zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP");
        assert_eq!(verifying_key_from_multibase(&public).as_ref(), Some(key().verifying_key()));
        assert_eq!(
            verifying_key_from_multibase("zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme"),
            None,
            "secp256k1"
        );
        assert_eq!(verifying_key_from_multibase("DnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP"), None, "no z");
    }

    #[test]
    fn canonical_form_and_hash_data_match_the_reference() {
        let document = unsigned();
        assert_eq!(
            String::from_utf8(canonical(&Value::Object(document.clone()))).unwrap(),
            r#"{"@context":["https://www.w3.org/ns/credentials/v2","https://ecert.example/ns/v1"],"credentialSubject":{"certificateNumber":"C-2025-000123","endorsementNumber":"E-2025-0007","holderName":"山田 太郎","managementNumber":"M-0042","maskedIdNumber":"****-****-1234","qualification":"一級建築施工管理技士","type":"QualificationHolder"},"id":"urn:uuid:6f1c2a8e-0d7b-4b0e-9d7e-3c1f4a2b9e10","issuer":{"id":"did:web:localhost%3A3000:seals:7","name":"一般社団法人 サンプル技能協会","type":"IssuingBody"},"type":["VerifiableCredential","EndorsedQualificationCredential"],"validFrom":"2025-04-01T00:00:00Z","validUntil":"2030-03-31T23:59:59Z"}"#
        );
        let mut signed = document.clone();
        sign(&mut signed, &key(), METHOD, CREATED);
        let mut options = signed["proof"].as_object().unwrap().clone();
        options.remove("proofValue");
        assert_eq!(
            String::from_utf8(canonical(&Value::Object(options.clone()))).unwrap(),
            r#"{"@context":["https://www.w3.org/ns/credentials/v2","https://ecert.example/ns/v1"],"created":"2025-04-01T09:00:00Z","cryptosuite":"ecdsa-jcs-2019","proofPurpose":"assertionMethod","type":"DataIntegrityProof","verificationMethod":"did:web:localhost%3A3000:seals:7#key-1"}"#
        );
        assert_eq!(
            hex(&hash_data(&options, &document)),
            "4adc4c502a966278c9f8921c3a0d78e1930ef5f9e4103ba9c23ca42199a508f4\
             94d4c7c9a902f6585359a536d5de8cd4e403ef4eb039f5721e5f12419651e122"
        );
        assert_eq!(
            signed["proof"]["proofValue"],
            "z2yoSr5QoNB21ccTZ4LxAS5Z3bkLMyyinJ6YCQkA95VMHJ5h6KMrFDkAs2ar32wYMpXdvn7yoXsf7Dv83Z9Mvf7Q9"
        );
    }

    #[test]
    fn a_signed_credential_verifies_and_any_change_does_not() {
        let mut signed = unsigned();
        sign(&mut signed, &key(), METHOD, CREATED);
        let signed = Value::Object(signed);
        let ours = |m: &str| (m == METHOD).then(|| *key().verifying_key());
        assert_eq!(verify(&signed, ours).as_deref(), Ok(METHOD));

        let mut changed = signed.clone();
        changed["credentialSubject"]["holderName"] = "山田 太朗".into();
        assert_eq!(verify(&changed, ours), Err(CredentialProblem::BadSignature));
        let mut later = signed.clone();
        later["validUntil"] = "2031-03-31T23:59:59Z".into();
        assert_eq!(verify(&later, ours), Err(CredentialProblem::BadSignature));
        let mut recontext = signed.clone();
        recontext["@context"][1] = "https://elsewhere.example/ns/v1".into();
        assert_eq!(verify(&recontext, ours), Err(CredentialProblem::BadSignature));

        let other = SigningKey::from_slice(&[7u8; 32]).unwrap();
        assert_eq!(verify(&signed, |_| Some(*other.verifying_key())), Err(CredentialProblem::BadSignature));
        assert_eq!(verify(&signed, |_| None), Err(CredentialProblem::UnknownKey));

        let mut suite = signed.clone();
        suite["proof"]["cryptosuite"] = "eddsa-jcs-2022".into();
        assert_eq!(verify(&suite, ours), Err(CredentialProblem::UnsupportedProof));
        let mut value = signed.clone();
        value["proof"]["proofValue"] = "zABC".into();
        assert_eq!(verify(&value, ours), Err(CredentialProblem::Malformed));
        let mut none = signed.clone();
        none.as_object_mut().unwrap().remove("proof");
        assert_eq!(verify(&none, ours), Err(CredentialProblem::NoProof));
        assert_eq!(verify(&json!([1, 2]), ours), Err(CredentialProblem::NoProof));
    }
}
