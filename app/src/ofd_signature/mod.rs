//! Verifying an OFD copy's electronic seal (server only): the upload on
//! 证书查验, the JSON API and `server verify FILE.ofd` call [`check_ofd`],
//! as they call `pdf_signature::check_pdf` for a PDF.
//!
//! Strict in the same way: the package must be a ZIP of a few stored or
//! deflated files within a size budget, its `Signature.xml` must name SM3 and list every other file with
//! its SM3 digest, and its seal and signature must hold (`signing::ses`:
//! the structures, both SM2 signatures, validity, the chain to the SM2
//! trust anchors). Whether the package is a file we issued is the caller's
//! question: it gets the SHA-256 of the whole package to look up. Never
//! panics on any input; reads at most `MAX_UNPACKED_BYTES`.

use std::collections::BTreeMap;
use std::io::Read;
use std::time::SystemTime;

use base64::Engine;
use sha2::{Digest as _, Sha256};
use sm3::Sm3;
use x509_cert::Certificate;

use crate::domain::verification::{FileCheck, FileProblem, MAX_UPLOAD_BYTES};
use crate::pdf_signature::{file_sha256, PdfCheck};
use crate::signing::hex;
use crate::signing::ofd::{SEAL, SIGNATURE, SIGNED_VALUE};
use crate::signing::ses::{self, SealProblem};

/// Everything a package may unpack to (ours are about 0.3 MB).
const MAX_UNPACKED_BYTES: u64 = 8 * 1024 * 1024;

/// How far ahead of our clock a signing time may be.
const CLOCK_SKEW: std::time::Duration = std::time::Duration::from_secs(300);

/// The most files a package may hold (ours has 11).
const MAX_FILES: usize = 16;

/// Whether `bytes` look like an OFD package (a ZIP) rather than a PDF.
pub fn is_package(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Checks a package against the SM2 trust `anchors`; `now` bounds a
/// signing time that claims to be in the future.
pub fn check_ofd(bytes: &[u8], anchors: &[Certificate], now: SystemTime) -> PdfCheck {
    let refused = |problem| PdfCheck { file: FileCheck::refused(problem), signed_revision_sha256: None };
    if bytes.is_empty() {
        return refused(FileProblem::Empty);
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return refused(FileProblem::TooLarge);
    }
    let files = match unpack(bytes) {
        Ok(files) => files,
        Err(problem) => return refused(problem),
    };
    let (signature_xml, seal, value) = match (files.get(SIGNATURE), files.get(SEAL), files.get(SIGNED_VALUE)) {
        (Some(s), Some(e), Some(v)) => (s, e, v),
        _ => return refused(FileProblem::NoSignature),
    };
    let references = match references(signature_xml) {
        Ok(r) => r,
        Err(problem) => return refused(problem),
    };
    // Every file but the signature's own two is listed once, with its SM3.
    let listed: Vec<&str> = references.iter().map(|(path, _)| path.as_str()).collect();
    let unsigned: Vec<&str> =
        files.keys().map(String::as_str).filter(|n| *n != SIGNATURE && *n != SIGNED_VALUE).collect();
    if listed.iter().any(|p| !files.contains_key(*p)) || has_duplicates(&listed) {
        return refused(FileProblem::Malformed);
    }
    for (path, digest) in &references {
        if Sm3::digest(&files[path.as_str()]).as_slice() != digest.as_slice() {
            return refused(FileProblem::DigestMismatch);
        }
    }
    let covers_whole_document = unsigned.iter().all(|n| listed.contains(n));
    let mut file = FileCheck { signed: true, covers_whole_document, ..FileCheck::default() };
    let checked = ses::check(value, seal, signature_xml, &format!("/{SIGNATURE}"), anchors).and_then(|c| {
        if c.signed_at <= now + CLOCK_SKEW {
            Ok(c)
        } else {
            Err(SealProblem::NotValid)
        }
    });
    match checked {
        Ok(checked) => {
            file.signature_valid = true;
            file.trusted = true;
            file.signer = Some(checked.seal_name);
            file.signer_fingerprint = der::Encode::to_der(&checked.signer).ok().map(|d| hex(&Sha256::digest(d)));
            let at = checked.signed_at.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
            file.signed_at = Some(crate::domain::instant::Instant(at).seconds());
        }
        Err(problem) => {
            file.problem = Some(match problem {
                SealProblem::Malformed => FileProblem::Malformed,
                SealProblem::DigestMismatch => FileProblem::DigestMismatch,
                SealProblem::BadSignature => FileProblem::BadSignature,
                SealProblem::Untrusted => FileProblem::Untrusted,
                SealProblem::NotValid => FileProblem::SignerCertificateNotValid,
            });
            return PdfCheck { file, signed_revision_sha256: None };
        }
    }
    if !covers_whole_document {
        file.problem = Some(FileProblem::ModifiedAfterSigning);
    }
    PdfCheck { file, signed_revision_sha256: Some(file_sha256(bytes)) }
}

fn has_duplicates(names: &[&str]) -> bool {
    let mut sorted = names.to_vec();
    sorted.sort_unstable();
    sorted.windows(2).any(|w| w[0] == w[1])
}

/// The package's files by name: only names we write, each once, stored or
/// deflated, within the size budget. A file the signature does not list
/// was added after the seal (the caller's finding).
fn unpack(bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, FileProblem> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| FileProblem::Malformed)?;
    if archive.len() > MAX_FILES {
        return Err(FileProblem::Malformed);
    }
    let mut files = BTreeMap::new();
    let mut budget = MAX_UNPACKED_BYTES;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|_| FileProblem::Malformed)?;
        let name = entry.name().map_err(|_| FileProblem::Malformed)?.to_string();
        if entry.is_dir()
            || !matches!(entry.compression(), zip::CompressionMethod::Stored | zip::CompressionMethod::Deflated)
        {
            return Err(FileProblem::Malformed);
        }
        let mut content = Vec::new();
        let read = (&mut entry).take(budget + 1).read_to_end(&mut content).map_err(|_| FileProblem::Malformed)?;
        if read as u64 > budget {
            return Err(FileProblem::TooLarge);
        }
        budget -= read as u64;
        if files.insert(name, content).is_some() {
            return Err(FileProblem::Malformed);
        }
    }
    Ok(files)
}

/// `Signature.xml`'s references: each `FileRef` (without the leading `/`)
/// and its SM3 digest. Only the elements we write, the OFD namespace, SM3
/// as the check method and SM2-with-SM3 as the signature method.
fn references(xml: &[u8]) -> Result<Vec<(String, Vec<u8>)>, FileProblem> {
    use quick_xml::events::Event;
    fn malformed<E>(_: E) -> FileProblem {
        FileProblem::Malformed
    }
    let text = std::str::from_utf8(xml).map_err(malformed)?;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut open: Vec<String> = Vec::new();
    let mut references = Vec::new();
    let mut file_ref: Option<String> = None;
    let (mut check_method, mut signature_method, mut seal, mut value) = (None, None, None, None);
    let b64 = base64::engine::general_purpose::STANDARD;
    loop {
        let event = reader.read_event().map_err(|_| FileProblem::Malformed)?;
        match event {
            Event::Decl(_) if open.is_empty() && references.is_empty() => {}
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = std::str::from_utf8(e.name().as_ref()).map_err(malformed)?.to_string();
                let attribute = |key: &str| -> Option<String> {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == key.as_bytes())
                        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
                };
                match name.as_str() {
                    "ofd:Signature" if open.is_empty() => {
                        if attribute("xmlns:ofd").as_deref() != Some("http://www.ofdspec.org/2016") {
                            return Err(FileProblem::Malformed);
                        }
                    }
                    "ofd:References" => check_method = attribute("CheckMethod"),
                    "ofd:Reference" => file_ref = attribute("FileRef"),
                    "ofd:SignedInfo"
                    | "ofd:Provider"
                    | "ofd:SignatureMethod"
                    | "ofd:SignatureDateTime"
                    | "ofd:CheckValue"
                    | "ofd:StampAnnot"
                    | "ofd:Seal"
                    | "ofd:BaseLoc"
                    | "ofd:SignedValue" => {}
                    _ => return Err(FileProblem::Malformed),
                }
                if matches!(event, Event::Start(_)) {
                    open.push(name);
                }
            }
            Event::Text(t) => {
                let content = t.decode().map_err(|_| FileProblem::Malformed)?.into_owned();
                match open.last().map(String::as_str) {
                    Some("ofd:CheckValue") => {
                        let path = file_ref.take().ok_or(FileProblem::Malformed)?;
                        let path = path.strip_prefix('/').ok_or(FileProblem::Malformed)?.to_string();
                        let digest = b64.decode(content.trim()).map_err(malformed)?;
                        references.push((path, digest));
                    }
                    Some("ofd:SignatureMethod") => signature_method = Some(content),
                    Some("ofd:BaseLoc") => seal = Some(content),
                    Some("ofd:SignedValue") => value = Some(content),
                    Some("ofd:SignatureDateTime") => {}
                    _ if content.trim().is_empty() => {}
                    _ => return Err(FileProblem::Malformed),
                }
            }
            Event::End(_) => {
                open.pop();
            }
            Event::Eof => break,
            _ => return Err(FileProblem::Malformed),
        }
    }
    let ours = check_method.as_deref() == Some(crate::signing::sm2::SM3.to_string().as_str())
        && signature_method.as_deref() == Some(crate::signing::sm2::SM2_WITH_SM3.to_string().as_str())
        && seal.as_deref() == Some(format!("/{SEAL}").as_str())
        && value.as_deref() == Some(format!("/{SIGNED_VALUE}").as_str())
        && !references.is_empty();
    if ours {
        Ok(references)
    } else {
        Err(FileProblem::Malformed)
    }
}

#[cfg(test)]
mod tests;
