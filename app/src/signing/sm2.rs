//! The seals' SM2 keys and certificates, for the OFD copies' electronic
//! seals (GB/T 38540, docs/ofd.md), beside the P-256 ones of the PDFs and
//! laid out the same way under `<keys_dir>/sm2`:
//!
//! ```text
//! sm2/ca/root.key.pem          demo SM2 root CA key (0600): issues seal keys, and signs every SESeal (制章者)
//! sm2/ca/root.crt.pem          demo SM2 root CA certificate
//! sm2/ca/*.crt.pem             every certificate in here is an SM2 trust anchor
//! sm2/seals/<code>.key.pem     the seal's SM2 key, PKCS#8 PEM (0600)
//! sm2/seals/<code>.chain.pem   the seal's certificate, then its CA chain up to the root
//! sm2/seals/retired/           keys replaced by a rotation; their roots stay trusted
//! ```
//!
//! Signatures are SM2 over SM3 with the standard distinguishing ID
//! (GB/T 35276: `1234567812345678`), encoded as DER `SEQUENCE { r, s }`;
//! certificates are signed the same way (`1.2.156.10197.1.501`, no
//! parameters). RustCrypto's `sm2` signs and verifies; it has no DER
//! signature encoding and no certificate builder hook, so those two small
//! pieces are here.

use std::path::Path;

use der::asn1::{BitString, ObjectIdentifier, UintRef};
use der::{Decode, Encode, Sequence};
use p256::elliptic_curve::zeroize::Zeroizing;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use sm2::dsa::signature::{self, Keypair, Signer, Verifier};
use sm2::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use spki::{AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier, EncodePublicKey, SignatureBitStringEncoding};
use x509_cert::builder::Profile;
use x509_cert::Certificate;

use super::keys::{
    check_code, files_ending, hex, issue, make_dir, name, read_certs, write_new, OID_C, OID_CN, OID_O, ORGANIZATION,
    ROOT_VALIDITY, SEAL_VALIDITY,
};
use super::SigningError;

/// The distinguishing ID every SM2 signature here is made with (GB/T 35276).
pub const DIST_ID: &str = "1234567812345678";
/// SM2 signature with SM3 (GB/T 33560).
pub const SM2_WITH_SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.501");
/// SM3 (GB/T 33560), as OFD names a digest.
pub const SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.401");

const ROOT_CN: &str = "ecert Demo SM2 Root CA";

/// A seal's SM2 key and certificate chain (seal certificate first).
pub struct Sm2SealKey {
    code: String,
    key: sm2::dsa::SigningKey,
    chain: Vec<Certificate>,
    chain_der: Vec<Vec<u8>>,
}

/// Never prints the key.
impl std::fmt::Debug for Sm2SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sm2SealKey")
            .field("code", &self.code)
            .field("fingerprint_sha256", &self.fingerprint_sha256())
            .field("chain_len", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl Sm2SealKey {
    fn new(code: &str, key: sm2::dsa::SigningKey, chain: Vec<Certificate>) -> Result<Self, SigningError> {
        let chain_der = chain.iter().map(|c| c.to_der().map_err(cert_err)).collect::<Result<Vec<_>, _>>()?;
        Ok(Sm2SealKey { code: code.to_string(), key, chain, chain_der })
    }

    pub fn code(&self) -> &str {
        &self.code
    }

    /// The chain as DER, seal certificate first; the last is the root.
    pub fn chain_der(&self) -> &[Vec<u8>] {
        &self.chain_der
    }

    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// Hex of SHA-256 over the seal certificate DER.
    pub fn fingerprint_sha256(&self) -> String {
        hex(&Sha256::digest(&self.chain_der[0]))
    }

    /// SM2-with-SM3 over `message`, DER `SEQUENCE { r, s }`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        signature_der(&self.key.sign(message))
    }
}

/// Every seal's SM2 key and the SM2 trust anchors.
#[derive(Debug)]
pub struct Sm2KeyRing {
    seals: Vec<Sm2SealKey>,
    /// The demo root that makes the seals (制章者): signs each SES_Seal.
    maker: Option<Sm2SealKey>,
    anchors: Vec<Certificate>,
}

impl Sm2KeyRing {
    /// Loads each seal's SM2 key from `<keys_dir>/sm2`; a missing one is
    /// issued by the demo SM2 root, which is created on first need.
    pub fn load_or_create<C: AsRef<str>, N: AsRef<str>>(
        keys_dir: &Path,
        seals: &[(C, N)],
    ) -> Result<Sm2KeyRing, SigningError> {
        let dir = keys_dir.join("sm2");
        let (ca_dir, seal_dir) = (dir.join("ca"), dir.join("seals"));
        make_dir(&ca_dir)?;
        make_dir(&seal_dir)?;
        let (root_key, root_crt) = (ca_dir.join("root.key.pem"), ca_dir.join("root.crt.pem"));
        let mut ca: Option<(sm2::dsa::SigningKey, Certificate)> = None;
        let mut loaded = Vec::with_capacity(seals.len());
        for (code, seal_name) in seals {
            let (code, seal_name) = (code.as_ref(), seal_name.as_ref());
            check_code(code)?;
            let key_path = seal_dir.join(format!("{code}.key.pem"));
            let chain_path = seal_dir.join(format!("{code}.chain.pem"));
            let seal = match (key_path.exists(), chain_path.exists()) {
                (true, true) => load_seal(code, &key_path, &chain_path)?,
                (false, false) => {
                    if ca.is_none() {
                        ca = Some(load_or_create_ca(&root_key, &root_crt)?);
                    }
                    let (ca_key, ca_cert) = ca.as_ref().expect("CA just loaded");
                    create_seal(code, seal_name, ca_key, ca_cert, &key_path, &chain_path)?
                }
                _ => {
                    return Err(SigningError::KeyFile {
                        path: if key_path.exists() { chain_path } else { key_path },
                        reason: "missing (the seal's other SM2 file exists; put both in place, or delete both to \
                                 have a demo SM2 seal issued)"
                            .into(),
                    })
                }
            };
            loaded.push(seal);
        }
        let maker = match ca {
            Some((key, cert)) => Some(Sm2SealKey::new("root", key, vec![cert])?),
            None if root_key.exists() && root_crt.exists() => {
                let (key, cert) = load_or_create_ca(&root_key, &root_crt)?;
                Some(Sm2SealKey::new("root", key, vec![cert])?)
            }
            None => None,
        };
        let anchors = Sm2KeyRing::read_trust_anchors(keys_dir)?;
        Ok(Sm2KeyRing { seals: loaded, maker, anchors })
    }

    /// Only the SM2 trust anchors (`sm2/ca/*.crt.pem` and the last
    /// certificate of every seal chain, retired ones included), reading
    /// nothing secret and creating nothing.
    pub fn read_trust_anchors(keys_dir: &Path) -> Result<Vec<Certificate>, SigningError> {
        let dir = keys_dir.join("sm2");
        let mut found: Vec<Certificate> = Vec::new();
        let mut add = |cert: Certificate| {
            if !found.contains(&cert) {
                found.push(cert);
            }
        };
        for sub in [dir.join("ca")] {
            if sub.is_dir() {
                for path in files_ending(&sub, ".crt.pem")? {
                    read_certs(&path)?.into_iter().for_each(&mut add);
                }
            }
        }
        for sub in [dir.join("seals"), dir.join("seals").join("retired")] {
            if sub.is_dir() {
                for path in files_ending(&sub, ".chain.pem")? {
                    read_certs(&path)?.pop().into_iter().for_each(&mut add);
                }
            }
        }
        Ok(found)
    }

    pub fn seal(&self, code: &str) -> Option<&Sm2SealKey> {
        self.seals.iter().find(|s| s.code == code)
    }

    /// The key that makes seals (signs each SES_Seal), if this server holds one.
    pub fn maker(&self) -> Option<&Sm2SealKey> {
        self.maker.as_ref()
    }

    pub fn trust_anchors(&self) -> &[Certificate] {
        &self.anchors
    }
}

/// A new SM2 key and certificate for the seal from the SM2 CA in `sm2/ca`
/// (its key must be there); the key in use is retired to
/// `sm2/seals/retired/`, whose roots stay trust anchors. Returns the new
/// certificate's fingerprint.
pub fn rotate(keys_dir: &Path, code: &str, seal_name: &str) -> Result<String, SigningError> {
    check_code(code)?;
    let dir = keys_dir.join("sm2");
    let ca_dir = dir.join("ca");
    let (ca_key_path, ca_crt_path) = (ca_dir.join("root.key.pem"), ca_dir.join("root.crt.pem"));
    if !ca_key_path.exists() {
        return Err(SigningError::KeyFile {
            path: ca_key_path,
            reason: "no SM2 CA key here to issue a new seal certificate".into(),
        });
    }
    let (ca_key, ca_cert) = load_or_create_ca(&ca_key_path, &ca_crt_path)?;
    make_dir(&dir.join("seals"))?;
    // The new files first, under other names: a failure leaves the old key in place.
    let (new_key, new_chain) = super::rotation::staged(&dir, code)?;
    let seal = create_seal(code, seal_name, &ca_key, &ca_cert, &new_key, &new_chain)?;
    super::rotation::switch_to_staged(&dir, code)?;
    Ok(seal.fingerprint_sha256())
}

/// Installs an operator's SM2 key (PKCS#8 PEM) and certificate chain (seal
/// certificate first, up to its root) as the seal's SM2 key; the key in use
/// is retired. The files are checked before anything is moved. Returns the
/// certificate's fingerprint.
pub fn install(keys_dir: &Path, code: &str, key_file: &Path, chain_file: &Path) -> Result<String, SigningError> {
    check_code(code)?;
    let key = read_key(key_file)?;
    let chain = read_certs(chain_file)?;
    check_key_matches(&key, &chain[0], chain_file)?;
    let refuse = |reason: &str| SigningError::KeyFile { path: chain_file.to_path_buf(), reason: reason.into() };
    if !chain.windows(2).all(|pair| issued_by(&pair[0], &pair[1])) {
        return Err(refuse("each certificate must be followed by its issuer's, which signed it with SM2"));
    }
    let now = std::time::SystemTime::now();
    let validity = &chain[0].tbs_certificate.validity;
    if !(validity.not_before.to_system_time() <= now && now <= validity.not_after.to_system_time()) {
        return Err(refuse("the seal certificate is not valid now"));
    }
    let read =
        |path: &Path| std::fs::read(path).map_err(|source| SigningError::Io { path: path.to_path_buf(), source });
    let (key_pem, chain_pem) = (read(key_file)?, read(chain_file)?);
    let dir = keys_dir.join("sm2");
    make_dir(&dir.join("seals"))?;
    let (new_key, new_chain) = super::rotation::staged(&dir, code)?;
    write_new(&new_key, &key_pem, 0o600)?;
    write_new(&new_chain, &chain_pem, 0o644)?;
    super::rotation::switch_to_staged(&dir, code)?;
    Ok(Sm2SealKey::new(code, key, chain)?.fingerprint_sha256())
}

/// Whether `signature` (DER `SEQUENCE { r, s }`) is the SM2-with-SM3
/// signature of `message` by the key of `signer`'s certificate.
pub fn verify(signer: &Certificate, message: &[u8], signature: &[u8]) -> bool {
    let Some(key) = verifying_key(signer) else { return false };
    let Some(signature) = signature_from_der(signature) else { return false };
    key.verify(message, &signature).is_ok()
}

/// Whether `issuer`'s SM2 key signed the certificate `cert`.
pub fn issued_by(cert: &Certificate, issuer: &Certificate) -> bool {
    let algorithm = AlgorithmIdentifierOwned { oid: SM2_WITH_SM3, parameters: None };
    if cert.signature_algorithm != algorithm || cert.tbs_certificate.signature != algorithm {
        return false;
    }
    let (Ok(tbs), Some(signature)) = (cert.tbs_certificate.to_der(), cert.signature.as_bytes()) else { return false };
    verify(issuer, &tbs, signature)
}

/// The SM2 verifying key of a certificate (the SM2 curve only).
fn verifying_key(cert: &Certificate) -> Option<sm2::dsa::VerifyingKey> {
    let spki = cert.tbs_certificate.subject_public_key_info.to_der().ok()?;
    let public = <sm2::PublicKey as spki::DecodePublicKey>::from_public_key_der(&spki).ok()?;
    sm2::dsa::VerifyingKey::new(DIST_ID, public).ok()
}

/// `SEQUENCE { INTEGER r, INTEGER s }`.
#[derive(Sequence)]
struct SignatureValue<'a> {
    r: UintRef<'a>,
    s: UintRef<'a>,
}

fn signature_der(signature: &sm2::dsa::Signature) -> Vec<u8> {
    let (r, s) = (signature.r_bytes(), signature.s_bytes());
    let value = SignatureValue {
        r: UintRef::new(&r).expect("32 bytes are an integer"),
        s: UintRef::new(&s).expect("32 bytes are an integer"),
    };
    value.to_der().expect("two integers encode")
}

/// A DER `SEQUENCE { r, s }` with both in [1, n−1] (checked by `sm2`).
fn signature_from_der(der: &[u8]) -> Option<sm2::dsa::Signature> {
    let value = SignatureValue::from_der(der).ok()?;
    let field = |x: UintRef<'_>| -> Option<sm2::FieldBytes> {
        let bytes = x.as_bytes();
        if bytes.len() > 32 {
            return None;
        }
        let mut out = sm2::FieldBytes::default();
        out[32 - bytes.len()..].copy_from_slice(bytes);
        Some(out)
    };
    sm2::dsa::Signature::from_scalars(field(value.r)?, field(value.s)?).ok()
}

/// An SM2 key as the certificate builder's signer.
struct Issuer<'a>(&'a sm2::dsa::SigningKey);

/// An SM2 signature as a certificate's BIT STRING (DER `SEQUENCE { r, s }`).
#[derive(Clone)]
struct DerSignature(Vec<u8>);

impl Keypair for Issuer<'_> {
    type VerifyingKey = sm2::PublicKey;
    fn verifying_key(&self) -> sm2::PublicKey {
        self.0.verifying_key().into()
    }
}

impl DynSignatureAlgorithmIdentifier for Issuer<'_> {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(AlgorithmIdentifierOwned { oid: SM2_WITH_SM3, parameters: None })
    }
}

impl Signer<DerSignature> for Issuer<'_> {
    fn try_sign(&self, message: &[u8]) -> Result<DerSignature, signature::Error> {
        Ok(DerSignature(signature_der(&self.0.try_sign(message)?)))
    }
}

impl signature::SignatureEncoding for DerSignature {
    type Repr = Box<[u8]>;
}

impl TryFrom<&[u8]> for DerSignature {
    type Error = signature::Error;
    fn try_from(bytes: &[u8]) -> Result<Self, signature::Error> {
        Ok(DerSignature(bytes.to_vec()))
    }
}

impl From<DerSignature> for Box<[u8]> {
    fn from(signature: DerSignature) -> Box<[u8]> {
        signature.0.into_boxed_slice()
    }
}

impl SignatureBitStringEncoding for DerSignature {
    fn to_bitstring(&self) -> der::Result<BitString> {
        BitString::from_bytes(&self.0)
    }
}

fn random_key() -> Result<sm2::dsa::SigningKey, SigningError> {
    let secret = sm2::SecretKey::random(&mut OsRng);
    sm2::dsa::SigningKey::new(DIST_ID, &secret).map_err(|_| SigningError::Certificate("SM2 key".into()))
}

fn load_or_create_ca(key_path: &Path, crt_path: &Path) -> Result<(sm2::dsa::SigningKey, Certificate), SigningError> {
    match (key_path.exists(), crt_path.exists()) {
        (true, true) => {
            let key = read_key(key_path)?;
            let cert = read_certs(crt_path)?.into_iter().next().expect("read_certs: not empty");
            check_key_matches(&key, &cert, crt_path)?;
            Ok((key, cert))
        }
        (false, false) => {
            let key = random_key()?;
            let subject = name(&[(OID_C, "CN"), (OID_O, ORGANIZATION), (OID_CN, ROOT_CN)])?;
            let cert = issue::<_, DerSignature>(Profile::Root, subject, spki_of(&key)?, &Issuer(&key), ROOT_VALIDITY)?;
            write_new(key_path, key_pem(&key)?.as_bytes(), 0o600)?;
            write_new(crt_path, cert_pem(&cert)?.as_bytes(), 0o644)?;
            tracing::info!(path = %crt_path.display(), "created the demo SM2 root CA");
            Ok((key, cert))
        }
        (false, true) => Err(SigningError::KeyFile {
            path: key_path.to_path_buf(),
            reason: "missing: a new SM2 seal has to be issued but only the CA certificate is present".into(),
        }),
        (true, false) => Err(SigningError::KeyFile {
            path: crt_path.to_path_buf(),
            reason: "missing (the SM2 CA key exists)".into(),
        }),
    }
}

fn create_seal(
    code: &str,
    seal_name: &str,
    ca_key: &sm2::dsa::SigningKey,
    ca_cert: &Certificate,
    key_path: &Path,
    chain_path: &Path,
) -> Result<Sm2SealKey, SigningError> {
    let key = random_key()?;
    let subject = name(&[(OID_C, "CN"), (OID_O, ORGANIZATION), (OID_CN, seal_name)])?;
    let profile = Profile::Leaf {
        issuer: ca_cert.tbs_certificate.subject.clone(),
        enable_key_agreement: false,
        enable_key_encipherment: false,
    };
    let cert = issue::<_, DerSignature>(profile, subject, spki_of(&key)?, &Issuer(ca_key), SEAL_VALIDITY)?;
    write_new(key_path, key_pem(&key)?.as_bytes(), 0o600)?;
    write_new(chain_path, format!("{}{}", cert_pem(&cert)?, cert_pem(ca_cert)?).as_bytes(), 0o644)?;
    tracing::info!(seal = code, path = %chain_path.display(), "issued a demo SM2 seal certificate");
    Sm2SealKey::new(code, key, vec![cert, ca_cert.clone()])
}

fn load_seal(code: &str, key_path: &Path, chain_path: &Path) -> Result<Sm2SealKey, SigningError> {
    let key = read_key(key_path)?;
    let chain = read_certs(chain_path)?;
    check_key_matches(&key, &chain[0], chain_path)?;
    Sm2SealKey::new(code, key, chain)
}

fn spki_of(key: &sm2::dsa::SigningKey) -> Result<spki::SubjectPublicKeyInfoOwned, SigningError> {
    let public: sm2::PublicKey = key.verifying_key().into();
    let der = public.to_public_key_der().map_err(cert_err)?;
    spki::SubjectPublicKeyInfoOwned::from_der(der.as_bytes()).map_err(cert_err)
}

fn check_key_matches(key: &sm2::dsa::SigningKey, cert: &Certificate, cert_path: &Path) -> Result<(), SigningError> {
    if spki_of(key)? != cert.tbs_certificate.subject_public_key_info {
        return Err(SigningError::KeyFile {
            path: cert_path.to_path_buf(),
            reason: "the (first) certificate is not for this SM2 key".into(),
        });
    }
    Ok(())
}

fn read_key(path: &Path) -> Result<sm2::dsa::SigningKey, SigningError> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path).map_err(|source| SigningError::Io { path: path.to_path_buf(), source })?,
    );
    // The parse error is not passed on: keep key material out for sure.
    let bad =
        || SigningError::KeyFile { path: path.to_path_buf(), reason: "not an SM2 private key in PKCS#8 PEM".into() };
    let secret = sm2::SecretKey::from_pkcs8_pem(&text).map_err(|_| bad())?;
    sm2::dsa::SigningKey::new(DIST_ID, &secret).map_err(|_| bad())
}

fn key_pem(key: &sm2::dsa::SigningKey) -> Result<Zeroizing<String>, SigningError> {
    let secret = sm2::SecretKey::from_bytes(&key.to_bytes())
        .map_err(|_| SigningError::Certificate("cannot encode the SM2 private key".into()))?;
    secret
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|_| SigningError::Certificate("cannot encode the SM2 private key".into()))
}

fn cert_pem(cert: &Certificate) -> Result<String, SigningError> {
    use der::EncodePem;
    cert.to_pem(LineEnding::LF).map_err(cert_err)
}

fn cert_err(e: impl std::fmt::Display) -> SigningError {
    SigningError::Certificate(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEALS: [(&str, &str); 2] = [("mohrss", "人社部专用章"), ("cba", "银行业协会专用章")];

    #[test]
    fn demo_keys_are_made_once_and_chain_to_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let ring = Sm2KeyRing::load_or_create(dir.path(), &SEALS).unwrap();
        let again = Sm2KeyRing::load_or_create(dir.path(), &SEALS).unwrap();
        let (seal, root) = (ring.seal("mohrss").unwrap(), ring.maker().unwrap());
        assert_eq!(
            seal.fingerprint_sha256(),
            again.seal("mohrss").unwrap().fingerprint_sha256(),
            "loaded, not made again"
        );
        assert_ne!(seal.fingerprint_sha256(), ring.seal("cba").unwrap().fingerprint_sha256());
        let (leaf, ca) = (&seal.chain()[0], &seal.chain()[1]);
        assert!(issued_by(leaf, ca) && issued_by(ca, ca) && !issued_by(ca, leaf));
        assert_eq!(&root.chain()[0], ca);
        assert_eq!(ring.trust_anchors(), std::slice::from_ref(ca));
        assert_eq!(Sm2KeyRing::read_trust_anchors(dir.path()).unwrap(), vec![ca.clone()]);
        assert_eq!(leaf.signature_algorithm, AlgorithmIdentifierOwned { oid: SM2_WITH_SM3, parameters: None });
        // The P-256 files are elsewhere: the PDFs' key ring does not see these.
        assert!(!dir.path().join("seals").join("mohrss.key.pem").exists());
    }

    #[test]
    fn a_rotated_key_replaces_the_old_which_stays_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let before = Sm2KeyRing::load_or_create(dir.path(), &SEALS).unwrap();
        let old = before.seal("mohrss").unwrap().chain()[0].clone();
        let fingerprint = rotate(dir.path(), "mohrss", "人社部专用章").unwrap();
        let after = Sm2KeyRing::load_or_create(dir.path(), &SEALS).unwrap();
        let new = after.seal("mohrss").unwrap();
        assert_eq!(new.fingerprint_sha256(), fingerprint);
        assert_ne!(new.chain()[0], old);
        assert_eq!(after.seal("cba").unwrap().chain()[0], before.seal("cba").unwrap().chain()[0], "others unchanged");
        let retired = dir.path().join("sm2/seals/retired");
        assert_eq!(std::fs::read_dir(&retired).unwrap().count(), 2, "the old key and chain, kept");
        assert!(after.trust_anchors().iter().any(|a| issued_by(&old, a)), "what the old key signed still verifies");
    }

    #[test]
    fn an_operators_key_is_installed_and_a_wrong_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        Sm2KeyRing::load_or_create(dir.path(), &SEALS).unwrap();
        // Their own key and chain: here another demo root's, made elsewhere.
        let theirs = tempfile::tempdir().unwrap();
        Sm2KeyRing::load_or_create(theirs.path(), &SEALS).unwrap();
        let (key, chain) =
            (theirs.path().join("sm2/seals/mohrss.key.pem"), theirs.path().join("sm2/seals/mohrss.chain.pem"));
        let wrong_key = theirs.path().join("sm2/seals/cba.key.pem");
        assert!(install(dir.path(), "mohrss", &wrong_key, &chain).is_err(), "a key that is not the certificate's");
        let fingerprint = install(dir.path(), "mohrss", &key, &chain).unwrap();
        let ring = Sm2KeyRing::load_or_create(dir.path(), &SEALS).unwrap();
        assert_eq!(ring.seal("mohrss").unwrap().fingerprint_sha256(), fingerprint);
        let root = read_certs(&chain).unwrap().pop().unwrap();
        assert!(ring.trust_anchors().contains(&root), "the installed chain's root is trusted");
    }

    #[test]
    fn signatures_verify_only_for_their_message_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let ring = Sm2KeyRing::load_or_create(dir.path(), &SEALS).unwrap();
        let (seal, other) = (ring.seal("mohrss").unwrap(), ring.seal("cba").unwrap());
        let signature = seal.sign(b"message");
        assert!(verify(&seal.chain()[0], b"message", &signature));
        assert!(!verify(&seal.chain()[0], b"messagf", &signature));
        assert!(!verify(&other.chain()[0], b"message", &signature));
        let mut flipped = signature.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(!verify(&seal.chain()[0], b"message", &flipped));
        assert!(!verify(&seal.chain()[0], b"message", b"\x30\x00"));
        assert!(signature_from_der(&[0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01]).is_none(), "r = 0 is refused");
    }

    /// OpenSSL, which implements SM2 apart from RustCrypto, accepts the
    /// certificates and the signatures (with the standard distinguishing ID).
    #[test]
    fn openssl_reads_the_certificates_and_verifies_the_signatures() {
        let dir = tempfile::tempdir().unwrap();
        let ring = Sm2KeyRing::load_or_create(dir.path(), &SEALS).unwrap();
        let seal = ring.seal("mohrss").unwrap();
        let chain = dir.path().join("sm2/seals/mohrss.chain.pem");
        let text = std::process::Command::new("openssl")
            .args(["x509", "-noout", "-text", "-in"])
            .arg(&chain)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(text.contains("SM2-with-SM3") && text.contains("SM2"), "{text}");
        let public = dir.path().join("public.pem");
        let out = std::process::Command::new("openssl")
            .args(["x509", "-noout", "-pubkey", "-in"])
            .arg(&chain)
            .output()
            .unwrap();
        std::fs::write(&public, out.stdout).unwrap();
        let (data, sig) = (dir.path().join("data"), dir.path().join("sig.der"));
        std::fs::write(&sig, seal.sign("加注件 Signature.xml".as_bytes())).unwrap();
        // `openssl dgst -verify` of the signature over `message`.
        let openssl_verifies = |message: &str| {
            std::fs::write(&data, message).unwrap();
            let out = std::process::Command::new("openssl")
                .args(["dgst", "-sm3", "-verify"])
                .arg(&public)
                .args(["-sigopt", &format!("distid:{DIST_ID}"), "-signature"])
                .arg(&sig)
                .arg(&data)
                .output()
                .unwrap();
            (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
        };
        let (verified, out) = openssl_verifies("加注件 Signature.xml");
        assert!(verified, "{out}");
        assert!(!openssl_verifies("加注件 Signature.xml!").0);
    }
}
