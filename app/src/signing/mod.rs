//! Seal keys and PDF signatures (server only).
//!
//! * [`KeyRing`]: each seal's P-256 key and certificate chain from
//!   `<data_dir>/keys` (demo root CA and seals created on first start).
//! * [`sign_pdf`]: signs a PDF made by `crate::document::render` with a
//!   `adbe.pkcs7.detached` signature (CMS SignedData, SHA-256, ECDSA P-256)
//!   that poppler's `pdfsig`, Adobe Reader and `openssl cms -verify` accept.
//!
//! * [`sm2`]: each seal's SM2 key and certificate chain from
//!   `<data_dir>/keys/sm2`, for the OFD copies' electronic seals.
//!
//! Private keys never appear in logs, `Debug` output or error messages.
//! See docs/pdf.md.

mod cms;
mod keys;
mod pdf_signature;
pub mod ofd;
pub mod rotation;
pub mod ses;
pub mod sm2;

use std::path::PathBuf;
use std::time::SystemTime;

pub(crate) use keys::hex;
pub use keys::{KeyRing, SealKey};

#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error("key file {}: {reason}", .path.display())]
    KeyFile { path: PathBuf, reason: String },
    #[error("{}: {source}", .path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("invalid seal code {0:?} (use letters, digits, '-' and '_')")]
    BadSealCode(String),
    #[error("certificate: {0}")]
    Certificate(String),
    #[error("CMS signature: {0}")]
    Cms(String),
    #[error("cannot sign this PDF: {0}")]
    UnsupportedPdf(String),
    #[error("the signature ({size} bytes) does not fit the reserved {reserved} bytes")]
    SignatureTooLarge { size: usize, reserved: usize },
}

/// Signs a PDF produced by `document::render`: appends an incremental update
/// with a /Sig dictionary (/Filter /Adobe.PPKLite, /SubFilter
/// /adbe.pkcs7.detached, /ByteRange over the whole file except /Contents, /M,
/// /Name = signer_name, /Reason = reason), an invisible signature field +
/// widget on the page, and a DER CMS SignedData (detached, SHA-256, ECDSA
/// P-256, signed attributes content-type, message-digest, signing-time;
/// certificates = the chain).
pub fn sign_pdf(
    pdf: Vec<u8>,
    key: &SealKey,
    signed_at: SystemTime,
    signer_name: &str,
    reason: &str,
) -> Result<Vec<u8>, SigningError> {
    pdf_signature::sign(pdf, key, signed_at, signer_name, reason)
}

#[cfg(test)]
mod tests;
