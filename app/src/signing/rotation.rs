//! Changing a seal's key: a new key and certificate from the CA in
//! `ca/` (rotate), or an operator's own PEM key and chain (install). The key
//! in use is moved to `seals/retired/` first, never deleted, and retired
//! chains' roots stay trust anchors, so copies signed before keep verifying.
//! The SM2 keys under `sm2/` are laid out and retired the same way
//! (`sm2::rotate` uses the staging and retirement here).

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use der::Encode;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

use super::keys::{
    check_code, check_key_matches, create_seal, files_ending, hex, load_or_create_ca, make_dir, read_certs, read_key,
    write_new,
};
use super::SigningError;
use crate::domain::staff::SealKeyInfo;

fn paths(dir: &Path, code: &str) -> (PathBuf, PathBuf) {
    let seals = dir.join("seals");
    (seals.join(format!("{code}.key.pem")), seals.join(format!("{code}.chain.pem")))
}

/// The seal certificates of each seal's active key (first) and retired keys.
fn seal_certificates(dir: &Path, code: &str) -> Result<Vec<(Certificate, bool)>, SigningError> {
    let retired = dir.join("seals").join("retired");
    let retired_files = if retired.is_dir() { files_ending(&retired, ".chain.pem")? } else { Vec::new() };
    let mut out = Vec::new();
    let (_, chain) = paths(dir, code);
    if chain.exists() {
        out.push((read_certs(&chain)?.swap_remove(0), true));
    }
    let prefix = format!("{code}-");
    for path in &retired_files {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        // Exactly `<code>-<unix time>.chain.pem`: seal `a` must not take `a-1`'s keys.
        let stamp = name.strip_prefix(&prefix).and_then(|rest| rest.strip_suffix(".chain.pem"));
        if stamp.is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())) {
            out.push((read_certs(path)?.swap_remove(0), false));
        }
    }
    Ok(out)
}

/// The active and retired keys of each seal (certificates only): the
/// P-256 ones under `dir`, then the SM2 ones under `dir/sm2` (the same layout).
pub fn list(dir: &Path, codes: &[&str]) -> Result<Vec<SealKeyInfo>, SigningError> {
    let mut out = Vec::new();
    for &code in codes {
        for (algorithm, dir) in [("P-256", dir.to_path_buf()), ("SM2", dir.join("sm2"))] {
            for (cert, active) in seal_certificates(&dir, code)? {
                out.push(SealKeyInfo { algorithm: algorithm.to_string(), ..info(code, &cert, active)? });
            }
        }
    }
    Ok(out)
}

/// Every public key the seal has signed with, active first, each with its
/// certificate's SHA-256 fingerprint (hex): what its DID document publishes.
pub fn published_keys(dir: &Path, code: &str) -> Result<Vec<(String, p256::ecdsa::VerifyingKey)>, SigningError> {
    check_code(code)?;
    seal_certificates(dir, code)?
        .into_iter()
        .map(|(cert, _)| {
            let der = cert.to_der().map_err(|e| SigningError::Certificate(e.to_string()))?;
            let spki = cert.tbs_certificate.subject_public_key_info.subject_public_key.raw_bytes();
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(spki)
                .map_err(|_| SigningError::Certificate(format!("seal {code}: not a P-256 key")))?;
            Ok((hex(&Sha256::digest(&der)), key))
        })
        .collect()
}

fn info(code: &str, cert: &Certificate, active: bool) -> Result<SealKeyInfo, SigningError> {
    let der = cert.to_der().map_err(|e| SigningError::Certificate(e.to_string()))?;
    let day = |t: &x509_cert::time::Time| {
        let secs = t.to_unix_duration().as_secs() as i64;
        crate::clock::day_shanghai(secs).to_string()
    };
    let validity = &cert.tbs_certificate.validity;
    Ok(SealKeyInfo {
        seal_code: code.to_string(),
        algorithm: "P-256".to_string(),
        fingerprint: hex(&Sha256::digest(&der)),
        subject: cert.tbs_certificate.subject.to_string(),
        issuer: cert.tbs_certificate.issuer.to_string(),
        not_before: day(&validity.not_before),
        not_after: day(&validity.not_after),
        active,
    })
}

/// Moves the seal's key and chain to `seals/retired/<code>-<unix time>.*`.
fn retire(dir: &Path, code: &str) -> Result<(), SigningError> {
    let (key, chain) = paths(dir, code);
    let retired = dir.join("seals").join("retired");
    make_dir(&retired)?;
    let stamp = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    for (from, suffix) in [(key, "key.pem"), (chain, "chain.pem")] {
        if from.exists() {
            let to = retired.join(format!("{code}-{stamp}.{suffix}"));
            std::fs::rename(&from, &to).map_err(|source| SigningError::Io { path: from.clone(), source })?;
        }
    }
    Ok(())
}

/// A new key and certificate for the seal from the CA in `ca/` (its key
/// must be there). Returns the new certificate's fingerprint.
pub fn rotate(dir: &Path, code: &str, seal_name: &str) -> Result<String, SigningError> {
    check_code(code)?;
    let ca_dir = dir.join("ca");
    let (ca_key_path, ca_crt_path) = (ca_dir.join("root.key.pem"), ca_dir.join("root.crt.pem"));
    if !ca_key_path.exists() {
        return Err(SigningError::KeyFile {
            path: ca_key_path,
            reason: "no CA key here to issue a new seal certificate; install a key and chain instead".into(),
        });
    }
    let (ca_key, ca_cert) = load_or_create_ca(&ca_key_path, &ca_crt_path)?;
    // The new files first, under other names: a failure leaves the old key in place.
    let (new_key, new_chain) = staged(dir, code)?;
    let seal = create_seal(code, seal_name, &ca_key, &ca_cert, &new_key, &new_chain)?;
    switch_to_staged(dir, code)?;
    Ok(seal.fingerprint_sha256())
}

/// `seals/<code>.key.pem.new` and `.chain.pem.new` (a leftover of a failed attempt removed).
pub(super) fn staged(dir: &Path, code: &str) -> Result<(PathBuf, PathBuf), SigningError> {
    let (key, chain) = paths(dir, code);
    let staged = (key.with_extension("pem.new"), chain.with_extension("pem.new"));
    for path in [&staged.0, &staged.1] {
        if path.exists() {
            std::fs::remove_file(path).map_err(|source| SigningError::Io { path: path.clone(), source })?;
        }
    }
    Ok(staged)
}

/// Retires the current key and puts the staged one in its place.
pub(super) fn switch_to_staged(dir: &Path, code: &str) -> Result<(), SigningError> {
    let (key, chain) = paths(dir, code);
    retire(dir, code)?;
    for to in [key, chain] {
        let from = to.with_extension("pem.new");
        std::fs::rename(&from, &to).map_err(|source| SigningError::Io { path: from.clone(), source })?;
    }
    Ok(())
}

/// Installs an operator's P-256 key (PKCS#8 or SEC1 PEM) and certificate
/// chain (seal certificate first, up to its root) as the seal's key. The
/// files are checked before anything is moved.
pub fn install(dir: &Path, code: &str, key_file: &Path, chain_file: &Path) -> Result<String, SigningError> {
    check_code(code)?;
    let key = read_key(key_file)?;
    let chain = read_certs(chain_file)?;
    check_key_matches(&key, &chain[0], chain_file)?;
    let refuse = |reason: &str| SigningError::KeyFile { path: chain_file.to_path_buf(), reason: reason.into() };
    for pair in chain.windows(2) {
        if !crate::pdf_signature::issued_by(&pair[0], &pair[1]) {
            return Err(refuse("each certificate must be followed by its issuer's, which signed it"));
        }
    }
    let now = SystemTime::now();
    let validity = &chain[0].tbs_certificate.validity;
    if !(validity.not_before.to_system_time() <= now && now <= validity.not_after.to_system_time()) {
        return Err(refuse("the seal certificate is not valid now"));
    }
    let key_pem = std::fs::read(key_file).map_err(|source| SigningError::Io { path: key_file.into(), source })?;
    let chain_pem = std::fs::read(chain_file).map_err(|source| SigningError::Io { path: chain_file.into(), source })?;
    make_dir(&dir.join("seals"))?;
    let (new_key, new_chain) = staged(dir, code)?;
    write_new(&new_key, &key_pem, 0o600)?;
    write_new(&new_chain, &chain_pem, 0o644)?;
    switch_to_staged(dir, code)?;
    info(code, &chain[0], true).map(|i| i.fingerprint)
}
