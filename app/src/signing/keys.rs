//! Seal keys and certificates on disk (`<data_dir>/keys`):
//!
//! ```text
//! ca/root.key.pem        demo root CA key (0600), only needed to issue new seals
//! ca/root.crt.pem        demo root CA certificate
//! ca/*.crt.pem           every certificate in here is a trust anchor
//! seals/<code>.key.pem   the seal's P-256 key, PKCS#8 or SEC1 PEM (0600)
//! seals/<code>.chain.pem the seal's certificate, then its CA chain up to the root
//! ```
//!
//! Existing files are loaded, never replaced; missing seals are issued by the
//! demo root CA (which is created only when a seal has to be issued).

use std::fs::{DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use der::asn1::{Any, ObjectIdentifier, SetOfVec};
use der::{Encode, EncodePem, Tag};
use p256::ecdsa::{DerSignature, SigningKey};
use p256::elliptic_curve::zeroize::Zeroizing;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use p256::SecretKey;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use p256::ecdsa::signature::{Keypair, Signer};
use spki::{DynSignatureAlgorithmIdentifier, EncodePublicKey, SignatureBitStringEncoding, SubjectPublicKeyInfoOwned};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;
use x509_cert::Certificate;

use super::SigningError;

pub(super) const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
pub(super) const OID_O: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
pub(super) const OID_C: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.6");

const ROOT_CN: &str = "ecert Demo Root CA";
pub(super) const ORGANIZATION: &str = "ecert 电子证书服务平台 (demo)";
const YEAR: u64 = 365 * 24 * 3600 + 6 * 3600;
pub(super) const ROOT_VALIDITY: Duration = Duration::from_secs(20 * YEAR);
pub(super) const SEAL_VALIDITY: Duration = Duration::from_secs(5 * YEAR);

/// A seal's signing key and certificate chain (seal certificate first).
pub struct SealKey {
    code: String,
    name: String,
    pub(crate) signing_key: SigningKey,
    pub(crate) chain: Vec<Certificate>,
    chain_der: Vec<Vec<u8>>,
    fingerprint: String,
}

/// Never prints the key.
impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealKey")
            .field("code", &self.code)
            .field("name", &self.name)
            .field("fingerprint_sha256", &self.fingerprint)
            .field("chain_len", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl SealKey {
    fn new(code: &str, name: &str, signing_key: SigningKey, chain: Vec<Certificate>) -> Result<Self, SigningError> {
        let chain_der = chain
            .iter()
            .map(|c| c.to_der().map_err(|e| SigningError::Certificate(e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        let fingerprint = hex(&Sha256::digest(&chain_der[0]));
        Ok(SealKey { code: code.to_string(), name: name.to_string(), signing_key, chain, chain_der, fingerprint })
    }

    /// The seal's own certificate (DER).
    pub fn certificate_der(&self) -> &[u8] {
        &self.chain_der[0]
    }

    /// Hex of SHA-256 over the seal certificate DER.
    pub fn fingerprint_sha256(&self) -> String {
        self.fingerprint.clone()
    }

    /// The seal code it was loaded under.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The chain as DER, seal certificate first.
    pub fn chain_der(&self) -> &[Vec<u8>] {
        &self.chain_der
    }
}

/// All seals' keys and the trust anchors.
#[derive(Debug)]
pub struct KeyRing {
    seals: Vec<SealKey>,
    anchors: Vec<Certificate>,
}

impl KeyRing {
    /// `dir` is e.g. `<data_dir>/keys`. See the module documentation for the
    /// files. Seals present on disk are loaded (their chain's last certificate
    /// is a trust anchor, whoever issued it); missing ones are issued by the
    /// demo root CA, which is created on first need.
    /// `seals`: (code, name) pairs, as the catalog lists them or as literals.
    pub fn load_or_create<C: AsRef<str>, N: AsRef<str>>(dir: &Path, seals: &[(C, N)]) -> Result<KeyRing, SigningError> {
        let ca_dir = dir.join("ca");
        let seal_dir = dir.join("seals");
        make_dir(&ca_dir)?;
        make_dir(&seal_dir)?;
        let root_key_path = ca_dir.join("root.key.pem");
        let root_crt_path = ca_dir.join("root.crt.pem");

        let mut ca: Option<(SigningKey, Certificate)> = None;
        let mut loaded = Vec::with_capacity(seals.len());
        for (code, name) in seals {
            let (code, name) = (code.as_ref(), name.as_ref());
            check_code(code)?;
            let key_path = seal_dir.join(format!("{code}.key.pem"));
            let chain_path = seal_dir.join(format!("{code}.chain.pem"));
            let seal = match (key_path.exists(), chain_path.exists()) {
                (true, true) => load_seal(code, name, &key_path, &chain_path)?,
                (false, false) => {
                    if ca.is_none() {
                        ca = Some(load_or_create_ca(&root_key_path, &root_crt_path)?);
                    }
                    let (ca_key, ca_cert) = ca.as_ref().expect("CA just loaded");
                    create_seal(code, name, ca_key, ca_cert, &key_path, &chain_path)?
                }
                (true, false) | (false, true) => {
                    return Err(SigningError::KeyFile {
                        path: if key_path.exists() { chain_path } else { key_path },
                        reason: "missing (the seal's other file exists; put both in place, or delete \
                                 both to have a demo seal issued)"
                            .into(),
                    })
                }
            };
            loaded.push(seal);
        }

        // Roots of retired seal keys stay trusted: copies they signed must keep verifying.
        let retired = retired_roots(dir)?;
        let roots = loaded.iter().map(|s| s.chain.last().expect("chain is not empty")).chain(retired.iter());
        let anchors = anchors(&ca_dir, roots)?;
        Ok(KeyRing { seals: loaded, anchors })
    }

    /// Only the trust anchors, reading nothing secret and creating nothing:
    /// for checking signatures away from the server (`server verify`).
    pub fn read_trust_anchors(dir: &Path) -> Result<Vec<Certificate>, SigningError> {
        let seal_dir = dir.join("seals");
        let mut chain_roots = Vec::new();
        if seal_dir.is_dir() {
            for path in files_ending(&seal_dir, ".chain.pem")? {
                chain_roots.extend(read_certs(&path)?.pop());
            }
        }
        chain_roots.extend(retired_roots(dir)?);
        let ca_dir = dir.join("ca");
        if !ca_dir.is_dir() {
            return Ok(chain_roots);
        }
        anchors(&ca_dir, chain_roots.iter())
    }

    pub fn seal(&self, code: &str) -> Option<&SealKey> {
        self.seals.iter().find(|s| s.code == code)
    }

    pub fn trust_anchors(&self) -> &[Certificate] {
        &self.anchors
    }
}

/// Trust anchors: every certificate in `ca/*.crt.pem`, then each seal
/// chain's last one, without repeats.
fn anchors<'c>(
    ca_dir: &Path,
    chain_roots: impl Iterator<Item = &'c Certificate>,
) -> Result<Vec<Certificate>, SigningError> {
    let mut anchors: Vec<Certificate> = Vec::new();
    let mut anchor_der: Vec<Vec<u8>> = Vec::new();
    let mut add = |cert: &Certificate| -> Result<(), SigningError> {
        let der = cert.to_der().map_err(|e| SigningError::Certificate(e.to_string()))?;
        if !anchor_der.contains(&der) {
            anchor_der.push(der);
            anchors.push(cert.clone());
        }
        Ok(())
    };
    for path in files_ending(ca_dir, ".crt.pem")? {
        for cert in read_certs(&path)? {
            add(&cert)?;
        }
    }
    for cert in chain_roots {
        add(cert)?;
    }
    Ok(anchors)
}

/// The last certificate of every retired seal chain (`seals/retired/`).
fn retired_roots(dir: &Path) -> Result<Vec<Certificate>, SigningError> {
    let retired = dir.join("seals").join("retired");
    if !retired.is_dir() {
        return Ok(Vec::new());
    }
    let mut roots = Vec::new();
    for path in files_ending(&retired, ".chain.pem")? {
        roots.extend(read_certs(&path)?.pop());
    }
    Ok(roots)
}

/// The files in `dir` whose names end with `suffix`, sorted.
pub(super) fn files_ending(dir: &Path, suffix: &str) -> Result<Vec<PathBuf>, SigningError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| SigningError::Io { path: dir.to_path_buf(), source })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_str().is_some_and(|s| s.ends_with(suffix)))
        .collect();
    files.sort();
    Ok(files)
}

/// Seal codes become file names.
pub(super) fn check_code(code: &str) -> Result<(), SigningError> {
    let ok = !code.is_empty()
        && code.len() <= 64
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(SigningError::BadSealCode(code.to_string()))
    }
}

pub(super) fn make_dir(path: &Path) -> Result<(), SigningError> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(|source| SigningError::Io { path: path.to_path_buf(), source })
}

pub(super) fn load_or_create_ca(key_path: &Path, crt_path: &Path) -> Result<(SigningKey, Certificate), SigningError> {
    match (key_path.exists(), crt_path.exists()) {
        (true, true) => {
            let key = read_key(key_path)?;
            let cert = read_certs(crt_path)?.into_iter().next().expect("read_certs: not empty");
            check_key_matches(&key, &cert, crt_path)?;
            Ok((key, cert))
        }
        (false, false) => {
            let key = SigningKey::from(SecretKey::random(&mut OsRng));
            let subject = name(&[(OID_C, "CN"), (OID_O, ORGANIZATION), (OID_CN, ROOT_CN)])?;
            let cert = issue::<_, DerSignature>(Profile::Root, subject, spki_of(&key)?, &key, ROOT_VALIDITY)?;
            write_new(key_path, key_pem(&key)?.as_bytes(), 0o600)?;
            write_new(crt_path, cert_pem(&cert)?.as_bytes(), 0o644)?;
            tracing::info!(path = %crt_path.display(), "created the demo root CA");
            Ok((key, cert))
        }
        (false, true) => Err(SigningError::KeyFile {
            path: key_path.to_path_buf(),
            reason: "missing: a new seal has to be issued but only the CA certificate is present".into(),
        }),
        (true, false) => {
            Err(SigningError::KeyFile { path: crt_path.to_path_buf(), reason: "missing (the CA key exists)".into() })
        }
    }
}

pub(super) fn create_seal(
    code: &str,
    seal_name: &str,
    ca_key: &SigningKey,
    ca_cert: &Certificate,
    key_path: &Path,
    chain_path: &Path,
) -> Result<SealKey, SigningError> {
    let key = SigningKey::from(SecretKey::random(&mut OsRng));
    let subject = name(&[(OID_C, "CN"), (OID_O, ORGANIZATION), (OID_CN, seal_name)])?;
    let profile = Profile::Leaf {
        issuer: ca_cert.tbs_certificate.subject.clone(),
        enable_key_agreement: false,
        enable_key_encipherment: false,
    };
    let cert = issue::<_, DerSignature>(profile, subject, spki_of(&key)?, ca_key, SEAL_VALIDITY)?;
    let chain_pem = format!("{}{}", cert_pem(&cert)?, cert_pem(ca_cert)?);
    write_new(key_path, key_pem(&key)?.as_bytes(), 0o600)?;
    write_new(chain_path, chain_pem.as_bytes(), 0o644)?;
    tracing::info!(seal = code, path = %chain_path.display(), "issued a demo seal certificate");
    SealKey::new(code, seal_name, key, vec![cert, ca_cert.clone()])
}

fn load_seal(code: &str, name: &str, key_path: &Path, chain_path: &Path) -> Result<SealKey, SigningError> {
    let key = read_key(key_path)?;
    let chain = read_certs(chain_path)?;
    check_key_matches(&key, &chain[0], chain_path)?;
    SealKey::new(code, name, key, chain)
}

fn spki_of(key: &SigningKey) -> Result<SubjectPublicKeyInfoOwned, SigningError> {
    SubjectPublicKeyInfoOwned::from_key(*key.verifying_key()).map_err(|e| SigningError::Certificate(e.to_string()))
}

pub(super) fn check_key_matches(key: &SigningKey, cert: &Certificate, cert_path: &Path) -> Result<(), SigningError> {
    let spki = SubjectPublicKeyInfoOwned::from_key(*key.verifying_key())
        .map_err(|e| SigningError::Certificate(e.to_string()))?;
    if spki != cert.tbs_certificate.subject_public_key_info {
        return Err(SigningError::KeyFile {
            path: cert_path.to_path_buf(),
            reason: "the (first) certificate is not for this key".into(),
        });
    }
    Ok(())
}

/// A certificate for the key of `spki`, signed by `issuer` (P-256 or SM2).
pub(super) fn issue<S, Sig>(
    profile: Profile,
    subject: Name,
    spki: SubjectPublicKeyInfoOwned,
    issuer: &S,
    validity: Duration,
) -> Result<Certificate, SigningError>
where
    S: Keypair + DynSignatureAlgorithmIdentifier + Signer<Sig>,
    S::VerifyingKey: EncodePublicKey,
    Sig: SignatureBitStringEncoding,
{
    let cert_err = |e: &dyn std::fmt::Display| SigningError::Certificate(e.to_string());
    let mut serial = [0u8; 16];
    OsRng.fill_bytes(&mut serial);
    serial[0] = (serial[0] & 0x7f) | 0x10; // positive, no leading zero byte
    let serial = SerialNumber::new(&serial).map_err(|e| cert_err(&e))?;
    let validity = Validity::from_now(validity).map_err(|e| cert_err(&e))?;
    let builder = CertificateBuilder::new(profile, serial, validity, subject, spki, issuer).map_err(|e| cert_err(&e))?;
    builder.build::<Sig>().map_err(|e| cert_err(&e))
}

/// A distinguished name of UTF8String values (PrintableString for C).
pub(super) fn name(parts: &[(ObjectIdentifier, &str)]) -> Result<Name, SigningError> {
    let err = |e: der::Error| SigningError::Certificate(e.to_string());
    let mut rdns = Vec::with_capacity(parts.len());
    for &(oid, value) in parts {
        let tag = if oid == OID_C { Tag::PrintableString } else { Tag::Utf8String };
        let value = Any::new(tag, value.as_bytes()).map_err(err)?;
        let set = SetOfVec::try_from(vec![AttributeTypeAndValue { oid, value }]).map_err(err)?;
        rdns.push(RelativeDistinguishedName::from(set));
    }
    Ok(RdnSequence::from(rdns))
}

pub(super) fn read_key(path: &Path) -> Result<SigningKey, SigningError> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path).map_err(|source| SigningError::Io { path: path.to_path_buf(), source })?,
    );
    // PKCS#8 ("PRIVATE KEY") or SEC1 ("EC PRIVATE KEY", as `openssl ecparam -genkey` writes).
    // The parse errors are not passed on: they are generic, but keep key material out for sure.
    let secret = SecretKey::from_pkcs8_pem(&text).or_else(|_| SecretKey::from_sec1_pem(&text)).map_err(|_| {
        SigningError::KeyFile {
            path: path.to_path_buf(),
            reason: "not a P-256 private key in PKCS#8 or SEC1 PEM".into(),
        }
    })?;
    Ok(SigningKey::from(secret))
}

pub(super) fn read_certs(path: &Path) -> Result<Vec<Certificate>, SigningError> {
    let bytes = std::fs::read(path).map_err(|source| SigningError::Io { path: path.to_path_buf(), source })?;
    let certs = Certificate::load_pem_chain(&bytes).map_err(|e| SigningError::KeyFile {
        path: path.to_path_buf(),
        reason: format!("not PEM certificates: {e}"),
    })?;
    if certs.is_empty() {
        return Err(SigningError::KeyFile { path: path.to_path_buf(), reason: "no certificate".into() });
    }
    Ok(certs)
}

/// PEM text of the private key, wiped from memory on drop.
fn key_pem(key: &SigningKey) -> Result<Zeroizing<String>, SigningError> {
    let secret = SecretKey::from(key);
    secret.to_pkcs8_pem(LineEnding::LF).map_err(|_| SigningError::Certificate("cannot encode the private key".into()))
}

fn cert_pem(cert: &Certificate) -> Result<String, SigningError> {
    cert.to_pem(LineEnding::LF).map_err(|e| SigningError::Certificate(e.to_string()))
}

/// Writes a new file with `mode` from the start (never replaces one).
pub(super) fn write_new(path: &Path, contents: &[u8], mode: u32) -> Result<(), SigningError> {
    let io = |source| SigningError::Io { path: path.to_path_buf(), source };
    let mut file = OpenOptions::new().write(true).create_new(true).mode(mode).open(path).map_err(io)?;
    file.write_all(contents).map_err(io)?;
    file.sync_all().map_err(io)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}
