//! Sealing an OFD package (GB/T 33190 §18, GB/T 38540): one signature of
//! type `Seal` by the seal's SM2 key, protecting every file of the package.
//!
//! Order of work: every file of the draft, then `Seal.esl` and
//! `Signatures.xml`; the SM3 digest of each (`Signature.xml`'s
//! `References`, `CheckMethod` SM3); then `Signature.xml`; then
//! `SignedValue.dat`, the `SES_Signature` over `Signature.xml`. The package
//! is a ZIP of exactly these files (deflated), in this order.

use std::io::Write;
use std::time::SystemTime;

use base64::Engine;
use sm3::{Digest, Sm3};

use super::ses::{self, SealFacts};
use super::sm2::{Sm2SealKey, SM2_WITH_SM3, SM3};
use super::SigningError;
use crate::document::ofd::{xml, OfdDraft, PAGE_ID};

/// Where the signature's files are.
pub const SIGNATURES: &str = "Doc_0/Signs/Signatures.xml";
pub const SEAL: &str = "Doc_0/Signs/Sign_0/Seal.esl";
pub const SIGNATURE: &str = "Doc_0/Signs/Sign_0/Signature.xml";
pub const SIGNED_VALUE: &str = "Doc_0/Signs/Sign_0/SignedValue.dat";

/// The sealed package (a ZIP): `draft` signed with `seal` (made by `maker`)
/// at `at`. `seal_name` is the seal's name in its structure.
pub fn seal_package(
    draft: OfdDraft,
    seal: &Sm2SealKey,
    maker: &Sm2SealKey,
    seal_name: &str,
    at: SystemTime,
) -> Result<Vec<u8>, SigningError> {
    let es_id = format!("{}-{}", seal.code(), &seal.fingerprint_sha256()[..16]);
    let facts = SealFacts {
        es_id: &es_id,
        name: seal_name,
        picture_png: &draft.seal_png,
        width_mm: draft.seal_mm,
        height_mm: draft.seal_mm,
        created: at,
    };
    let esl = ses::make_seal(seal, maker, &facts)?;
    let mut files = draft.files;
    files.push((SIGNATURES.to_string(), signatures_xml().into_bytes()));
    files.push((SEAL.to_string(), esl.clone()));
    let signature_xml = signature_xml(&files, draft.seal_box, at).into_bytes();
    let signed_value = ses::sign(&esl, seal, &signature_xml, &format!("/{SIGNATURE}"), at)?;
    files.push((SIGNATURE.to_string(), signature_xml));
    files.push((SIGNED_VALUE.to_string(), signed_value));
    zip(&files)
}

fn signatures_xml() -> String {
    format!(
        "{}<ofd:Signatures {}><ofd:MaxSignId>1</ofd:MaxSignId>\
         <ofd:Signature ID=\"1\" Type=\"Seal\" BaseLoc=\"/{SIGNATURE}\"/></ofd:Signatures>",
        xml::DECLARATION,
        xml::NAMESPACE
    )
}

/// `Signature.xml`: the SM3 of every file so far, the seal's place, where
/// the seal and the signed value are.
fn signature_xml(files: &[(String, Vec<u8>)], seal_box: [f32; 4], at: SystemTime) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    let references: String = files
        .iter()
        .map(|(path, bytes)| {
            format!(
                "<ofd:Reference FileRef=\"/{}\"><ofd:CheckValue>{}</ofd:CheckValue></ofd:Reference>",
                xml::escape(path),
                b64.encode(Sm3::digest(bytes))
            )
        })
        .collect();
    let when = chrono::DateTime::<chrono::Utc>::from(at).format("%Y%m%d%H%M%SZ");
    let [x, y, w, h] = seal_box.map(|v| format!("{v:.3}"));
    format!(
        "{}<ofd:Signature {}><ofd:SignedInfo><ofd:Provider ProviderName=\"ecert\" Company=\"ecert\" Version=\"1.0\"/>\
         <ofd:SignatureMethod>{SM2_WITH_SM3}</ofd:SignatureMethod><ofd:SignatureDateTime>{when}</ofd:SignatureDateTime>\
         <ofd:References CheckMethod=\"{SM3}\">{references}</ofd:References>\
         <ofd:StampAnnot ID=\"1\" PageRef=\"{PAGE_ID}\" Boundary=\"{x} {y} {w} {h}\"/>\
         <ofd:Seal><ofd:BaseLoc>/{SEAL}</ofd:BaseLoc></ofd:Seal></ofd:SignedInfo>\
         <ofd:SignedValue>/{SIGNED_VALUE}</ofd:SignedValue></ofd:Signature>",
        xml::DECLARATION,
        xml::NAMESPACE
    )
}

fn zip(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, SigningError> {
    let err = |e: &dyn std::fmt::Display| SigningError::Certificate(format!("OFD package: {e}"));
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        // A fixed time: the package is the same bytes for the same content.
        .last_modified_time(zip::DateTime::default());
    for (path, bytes) in files {
        out.start_file(path.as_str(), options).map_err(|e| err(&e))?;
        out.write_all(bytes).map_err(|e| err(&e))?;
    }
    Ok(out.finish().map_err(|e| err(&e))?.into_inner())
}
