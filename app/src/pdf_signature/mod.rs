//! Verifying a PDF's signature (server only): the upload on 证书查验, the
//! JSON API and the `server verify FILE.pdf` command all call [`check_pdf`].
//!
//! The file must carry our kind of signature (see `crate::signing`): a
//! `/ByteRange` whose gap is exactly the `/Contents` hex string, a detached
//! CMS SignedData (SHA-256, ECDSA P-256) whose signer chains to one of the
//! trust anchors, and nothing added after the signed revision. Whether the
//! signed bytes are a file we issued is the caller's question: it gets the
//! SHA-256 of the signed revision to look up. Never panics on any input.

mod container;
mod signature;

pub(crate) use signature::issued_by;

use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use x509_cert::Certificate;

use crate::domain::verification::{FileCheck, FileProblem, MAX_UPLOAD_BYTES};
use crate::signing::hex;

/// A file's signature check, before it is matched to our records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfCheck {
    /// `matches_record` is left false for the caller to set.
    pub file: FileCheck,
    /// Hex SHA-256 of the signed revision, when its signature is valid and
    /// trusted (even if bytes were added after it).
    pub signed_revision_sha256: Option<String>,
}

pub fn check_pdf(pdf: &[u8], anchors: &[Certificate], now: SystemTime) -> PdfCheck {
    let refused = |problem| PdfCheck { file: FileCheck::refused(problem), signed_revision_sha256: None };
    if pdf.is_empty() {
        return refused(FileProblem::Empty);
    }
    if pdf.len() > MAX_UPLOAD_BYTES {
        return refused(FileProblem::TooLarge);
    }
    // Readers accept the header anywhere in the first 1024 bytes.
    if !pdf[..pdf.len().min(1024)].windows(5).any(|w| w == b"%PDF-") {
        return refused(FileProblem::NotPdf);
    }
    let placement = match container::first_signature(pdf) {
        Ok(p) => p,
        Err(problem) => return refused(problem),
    };
    let covers_whole_document = placement.signed_end == pdf.len();
    let mut file = FileCheck { signed: true, covers_whole_document, ..FileCheck::default() };
    let checked = placement
        .contents(pdf)
        .map_err(signature::Failure::from)
        .and_then(|der| signature::check(&der, placement.signed(pdf), anchors, now));
    // The signature value verified for these two; only the first has a
    // signer we vouch for. A broken or foreign file's claimed signer (its
    // name could be our seal's) is not shown; a foreign one's fingerprint is.
    let trusted_signer = |p: FileProblem| p == FileProblem::SignerCertificateNotValid;
    let signed_by_key = |p: FileProblem| trusted_signer(p) || p == FileProblem::Untrusted;
    let signer = match &checked {
        Ok(signer) => Some(signer),
        Err(failure) if trusted_signer(failure.problem) => failure.signer.as_ref(),
        Err(failure) if failure.problem == FileProblem::Untrusted => {
            file.signer_fingerprint = failure.signer.as_ref().map(|s| s.fingerprint.clone());
            None
        }
        Err(_) => None,
    };
    if let Some(signer) = signer {
        file.signer = signer.common_name.clone();
        file.signer_fingerprint = Some(signer.fingerprint.clone());
        file.signed_at = signer
            .signed_at
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .and_then(|d| i64::try_from(d.as_secs()).ok())
            .map(|at| crate::domain::instant::Instant(at).seconds());
    }
    match checked {
        Err(failure) => {
            file.problem = Some(failure.problem);
            // An untrusted or expired signer still signed these bytes.
            file.signature_valid = signed_by_key(failure.problem);
            PdfCheck { file, signed_revision_sha256: None }
        }
        Ok(_) => {
            file.signature_valid = true;
            file.trusted = true;
            if !covers_whole_document {
                file.problem = Some(FileProblem::ModifiedAfterSigning);
            }
            let digest = Sha256::digest(&pdf[..placement.signed_end]);
            PdfCheck { file, signed_revision_sha256: Some(hex(&digest)) }
        }
    }
}

/// Hex SHA-256 of a whole file, as stored for the files we issue.
pub fn file_sha256(pdf: &[u8]) -> String {
    hex(&Sha256::digest(pdf))
}

#[cfg(test)]
mod tests;
