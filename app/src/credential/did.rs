//! The seals as `did:web` identifiers and the documents that publish their
//! keys, and the JSON-LD context of our credential's terms. A seal's DID is
//! `did:web:<host>[%3A<port>][:<path>…]:seals:<code>`, its document served
//! at `<base>/seals/<code>/did.json`; it lists every key the seal has
//! signed with (the active one and the retired ones), so that a credential
//! issued before a key rotation keeps verifying.

use p256::ecdsa::VerifyingKey;
use serde_json::{json, Value};

use super::proof::public_key_multibase;

/// The `did:web` method-specific id of the public base URL: its host (a
/// port's `:` encoded as `%3A`) and path segments, `:`-separated.
fn web_id(public_base_url: &str) -> String {
    let rest = public_base_url.split_once("://").map_or(public_base_url, |(_, rest)| rest);
    let mut parts = rest.trim_end_matches('/').split('/');
    let host = parts.next().unwrap_or_default().to_ascii_lowercase().replace(':', "%3A");
    std::iter::once(host).chain(parts.filter(|p| !p.is_empty()).map(str::to_string)).collect::<Vec<_>>().join(":")
}

/// The DID of the seal `code` on this site.
pub fn seal_did(public_base_url: &str, code: &str) -> String {
    format!("did:web:{}:seals:{code}", web_id(public_base_url))
}

/// The seal code of one of this site's seal DIDs.
pub fn seal_of_did<'a>(public_base_url: &str, did: &'a str) -> Option<&'a str> {
    let prefix = format!("did:web:{}:seals:", web_id(public_base_url));
    did.strip_prefix(&prefix).filter(|code| !code.is_empty() && !code.contains([':', '#', '/']))
}

/// Where a seal's DID document is served, relative to the site.
pub fn document_path(code: &str) -> String {
    format!("/seals/{code}/did.json")
}

/// A key's fragment in its seal's DID document: from its certificate's
/// SHA-256 fingerprint, so it never changes and never repeats.
pub fn key_fragment(certificate_fingerprint_hex: &str) -> String {
    format!("key-{}", &certificate_fingerprint_hex[..16.min(certificate_fingerprint_hex.len())])
}

/// A seal's published keys, each with its fragment in the DID document.
pub type Methods = Vec<(String, VerifyingKey)>;

/// The keys a seal's DID document publishes, each under its fragment, from
/// `keys_dir` (the active key first, then the retired ones); `None` when
/// `code` is no seal of ours (not even a seal code, or no key).
pub fn published_methods(
    keys_dir: &std::path::Path,
    code: &str,
) -> Result<Option<Methods>, crate::signing::SigningError> {
    match crate::signing::rotation::published_keys(keys_dir, code) {
        Ok(keys) if keys.is_empty() => Ok(None),
        Ok(keys) => Ok(Some(keys.into_iter().map(|(fingerprint, key)| (key_fragment(&fingerprint), key)).collect())),
        Err(crate::signing::SigningError::BadSealCode(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The DID document of a seal: each (fragment, key) as a Multikey that may
/// make assertions (sign credentials).
pub fn did_document(did: &str, keys: &[(String, VerifyingKey)]) -> Value {
    let ids: Vec<String> = keys.iter().map(|(fragment, _)| format!("{did}#{fragment}")).collect();
    let methods: Vec<Value> = keys
        .iter()
        .zip(&ids)
        .map(|((_, key), id)| {
            json!({ "id": id, "type": "Multikey", "controller": did, "publicKeyMultibase": public_key_multibase(key) })
        })
        .collect();
    json!({
        // The DID context first: verifiers then read the document as it is, without framing.
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
    })
}

/// Where our JSON-LD context is served, relative to the site.
pub const CONTEXT_PATH: &str = "/ns/credentials/v1";

/// The terms our credential uses beyond the VC 2.0 context, each an IRI
/// under the context's own address. Published once per version: a change
/// is a new version (`v2`), never an edit, or signed credentials change meaning.
pub const TERMS: [&str; 13] = [
    "holderName",
    "idType",
    "maskedIdNumber",
    "qualification",
    "qualificationEn",
    "specialty",
    "certificateNumber",
    "managementNumber",
    "issuedOn",
    "issuingAuthority",
    "endorsementNumber",
    "scenario",
    "verificationService",
];

/// The types our credential uses.
pub const TYPES: [&str; 3] = ["EndorsedQualificationCredential", "QualificationHolder", "IssuingBody"];

/// Our JSON-LD context, served at [`CONTEXT_PATH`]: every term and type
/// defined (VC 2.0 has no `@vocab`; an undefined term would fail a strict
/// verifier) and protected, as the VC context's own terms are.
pub fn context(public_base_url: &str) -> Value {
    let vocab = format!("{}{CONTEXT_PATH}#", public_base_url.trim_end_matches('/'));
    let mut terms = serde_json::Map::new();
    terms.insert("@version".into(), json!(1.1));
    terms.insert("@protected".into(), json!(true));
    terms.insert("id".into(), json!("@id"));
    terms.insert("type".into(), json!("@type"));
    for t in TYPES.iter().chain(&TERMS) {
        terms.insert((*t).into(), json!(format!("{vocab}{t}")));
    }
    // A link, not text.
    terms.insert("verificationService".into(), json!({ "@id": format!("{vocab}verificationService"), "@type": "@id" }));
    json!({ "@context": terms })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dids_follow_the_did_web_rules() {
        assert_eq!(seal_did("https://ecert.gov.cn", "mohrss"), "did:web:ecert.gov.cn:seals:mohrss");
        assert_eq!(seal_did("https://ecert.gov.cn/", "cba"), "did:web:ecert.gov.cn:seals:cba");
        assert_eq!(seal_did("http://127.0.0.1:3100", "mohrss"), "did:web:127.0.0.1%3A3100:seals:mohrss");
        assert_eq!(seal_did("https://Gov.CN/ecert/", "x"), "did:web:gov.cn:ecert:seals:x");
        assert_eq!(document_path("mohrss"), "/seals/mohrss/did.json");
    }

    #[test]
    fn a_did_names_a_seal_only_if_it_is_ours() {
        let base = "http://127.0.0.1:3100";
        assert_eq!(seal_of_did(base, "did:web:127.0.0.1%3A3100:seals:mohrss"), Some("mohrss"));
        assert_eq!(seal_of_did(base, "did:web:127.0.0.1%3A3101:seals:mohrss"), None, "another site");
        assert_eq!(seal_of_did(base, "did:web:127.0.0.1%3A3100:seals:"), None);
        assert_eq!(seal_of_did(base, "did:web:127.0.0.1%3A3100:seals:a:b"), None);
        assert_eq!(seal_of_did(base, "did:key:z6Mk"), None);
    }

    #[test]
    fn the_document_lists_every_key_for_assertions() {
        let a = *p256::ecdsa::SigningKey::from_slice(&[1u8; 32]).unwrap().verifying_key();
        let b = *p256::ecdsa::SigningKey::from_slice(&[2u8; 32]).unwrap().verifying_key();
        let did = "did:web:ecert.gov.cn:seals:mohrss";
        let doc = did_document(did, &[(key_fragment("0123456789abcdef0123"), a), ("key-old".into(), b)]);
        assert_eq!(doc["id"], did);
        assert_eq!(doc["assertionMethod"], json!([format!("{did}#key-0123456789abcdef"), format!("{did}#key-old")]));
        assert_eq!(doc["verificationMethod"][1]["controller"], did);
        assert_eq!(doc["verificationMethod"][1]["type"], "Multikey");
        assert_eq!(doc["verificationMethod"][0]["publicKeyMultibase"], public_key_multibase(&a));
    }

    #[test]
    fn the_context_defines_every_term_under_its_own_address() {
        let c = context("https://ecert.gov.cn/");
        let defs = c["@context"].as_object().unwrap();
        for t in TYPES.iter().chain(&TERMS).filter(|t| **t != "verificationService") {
            assert_eq!(defs[*t], format!("https://ecert.gov.cn/ns/credentials/v1#{t}"));
        }
        assert_eq!(defs["verificationService"]["@type"], "@id");
        assert_eq!(defs["@protected"], true);
    }
}
