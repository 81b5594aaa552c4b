//! Making the signed copies: the endorsed copy (加注件) of an endorsement as
//! a PDF (by the workers) and as a sealed OFD (on demand), and the direct
//! download of a certificate issued before 2021-12-17. The font and the seal
//! keys are loaded once at start and shared by every worker.

use std::time::{Duration, UNIX_EPOCH};

use crate::document::{self, CertificateFace, DocumentError, EndorsementBlock, Typeface};
use crate::domain::calendar::Ymd;
use crate::domain::id_document::IdType;
use crate::i18n::Locale;
use crate::signing::sm2::Sm2KeyRing;
use crate::signing::{sign_pdf, KeyRing, SigningError};
use crate::store::{CertificateFacts, EndorsementFacts};

#[derive(Debug, thiserror::Error)]
pub enum GenerationError {
    #[error(transparent)]
    Document(#[from] DocumentError),
    #[error(transparent)]
    Signing(#[from] SigningError),
    #[error("no signing key for seal {0:?}")]
    NoKey(String),
}

pub struct Generator {
    typeface: Typeface,
    /// Swapped whole when a seal's key changes on the portal.
    keys: std::sync::RwLock<std::sync::Arc<KeyRing>>,
    /// The seals' SM2 keys, for the OFD copies; swapped whole as `keys`.
    sm2_keys: std::sync::RwLock<std::sync::Arc<Sm2KeyRing>>,
    made_by: String,
    public_base_url: String,
}

/// The signature's reason, as PDF readers show it.
const REASON_ENDORSED: &str = "电子证书加注件";
const REASON_CERTIFICATE: &str = "电子证书";

impl Generator {
    pub fn new(
        typeface: Typeface,
        keys: KeyRing,
        sm2_keys: Sm2KeyRing,
        made_by: String,
        public_base_url: String,
    ) -> Generator {
        Generator {
            typeface,
            keys: std::sync::RwLock::new(std::sync::Arc::new(keys)),
            sm2_keys: std::sync::RwLock::new(std::sync::Arc::new(sm2_keys)),
            made_by,
            public_base_url,
        }
    }

    /// The SM2 keys in use now.
    pub fn sm2_keys(&self) -> std::sync::Arc<Sm2KeyRing> {
        self.sm2_keys.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Uses `keys` for the OFD copies from now on.
    pub fn replace_sm2_keys(&self, keys: Sm2KeyRing) {
        *self.sm2_keys.write().unwrap_or_else(std::sync::PoisonError::into_inner) = std::sync::Arc::new(keys);
    }

    /// The keys in use now.
    pub fn keys(&self) -> std::sync::Arc<KeyRing> {
        self.keys.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Uses `keys` from now on (copies being made finish with the old ones).
    pub fn replace_keys(&self, keys: KeyRing) {
        *self.keys.write().unwrap_or_else(std::sync::PoisonError::into_inner) = std::sync::Arc::new(keys);
    }

    pub fn typeface(&self) -> &Typeface {
        &self.typeface
    }

    /// The public verification address printed in a copy's QR code.
    pub fn verify_url(&self, endorsement_number: &str) -> String {
        format!("{}/v/{endorsement_number}", self.public_base_url)
    }

    /// The endorsed copy, signed by its qualification's seal at `made_at`.
    pub fn endorsed_copy(&self, facts: &EndorsementFacts, made_at: i64) -> Result<Vec<u8>, GenerationError> {
        let c = &facts.certificate;
        let pdf = self.with_page(facts, made_at, |face, block, url| {
            document::render(&self.typeface, face, Some(block), Some(url), document::pdf_date(made_at))
        })?;
        self.sign(pdf, &c.seal_code, &c.seal_name, made_at, REASON_ENDORSED)
    }

    /// The endorsed copy made at `made_at` as an OFD package sealed with its
    /// seal's SM2 electronic seal. Made again from the same facts and keys,
    /// it is the same bytes: it is sealed at `made_at` (or when the seal's
    /// certificate began, if later), and every part is deterministic.
    pub fn endorsed_ofd(&self, facts: &EndorsementFacts, made_at: i64) -> Result<Vec<u8>, GenerationError> {
        let c = &facts.certificate;
        let day = crate::domain::instant::Instant(made_at).day().to_string();
        let draft = self.with_page(facts, made_at, |face, block, url| {
            document::ofd::render(&self.typeface, face, Some(block), Some(url), &facts.number, &day)
        })?;
        let keys = self.sm2_keys();
        let no_key = || GenerationError::NoKey(c.seal_code.clone());
        let (seal, maker) = (keys.seal(&c.seal_code).ok_or_else(no_key)?, keys.maker().ok_or_else(no_key)?);
        let made = UNIX_EPOCH + Duration::from_secs(made_at.max(0) as u64);
        let at = made.max(seal.chain()[0].tbs_certificate.validity.not_before.to_system_time());
        Ok(crate::signing::ofd::seal_package(draft, seal, maker, &c.seal_name, at)?)
    }

    /// `draw` with the endorsed copy's face, endorsement block and address.
    fn with_page<T>(
        &self,
        facts: &EndorsementFacts,
        made_at: i64,
        draw: impl FnOnce(&CertificateFace, &EndorsementBlock, &str) -> Result<T, DocumentError>,
    ) -> Result<T, GenerationError> {
        let c = &facts.certificate;
        let issued_on = chinese_date(&c.issued_on);
        let id_type = id_type_label(&c.id_type);
        let made_at_text = crate::domain::instant::Instant(made_at).seconds();
        let (valid_from, valid_until) = (facts.valid_from.to_string(), facts.valid_until.to_string());
        let block = EndorsementBlock {
            made_at: &made_at_text,
            made_by: &self.made_by,
            purpose: &facts.scenario,
            valid_from: &valid_from,
            valid_until: &valid_until,
            endorsement_number: &facts.number,
        };
        let url = self.verify_url(&facts.number);
        Ok(draw(&face(c, &id_type, &issued_on), &block, &url)?)
    }

    /// A certificate issued before 2021-12-17: its face, signed, no endorsement block.
    pub fn certificate_copy(&self, c: &CertificateFacts, made_at: i64) -> Result<Vec<u8>, GenerationError> {
        let issued_on = chinese_date(&c.issued_on);
        let id_type = id_type_label(&c.id_type);
        let created = document::pdf_date(made_at);
        let pdf = document::render(&self.typeface, &face(c, &id_type, &issued_on), None, None, created)?;
        self.sign(pdf, &c.seal_code, &c.seal_name, made_at, REASON_CERTIFICATE)
    }

    fn sign(
        &self,
        pdf: Vec<u8>,
        seal_code: &str,
        seal_name: &str,
        at: i64,
        reason: &str,
    ) -> Result<Vec<u8>, GenerationError> {
        let keys = self.keys();
        let key = keys.seal(seal_code).ok_or_else(|| GenerationError::NoKey(seal_code.to_string()))?;
        let at = UNIX_EPOCH + Duration::from_secs(at.max(0) as u64);
        Ok(sign_pdf(pdf, key, at, seal_name, reason)?)
    }
}

fn face<'a>(c: &'a CertificateFacts, id_type: &'a str, issued_on: &'a str) -> CertificateFace<'a> {
    CertificateFace {
        holder_name: &c.holder_name,
        id_type,
        id_number: &c.id_number,
        qualification: &c.qualification,
        specialty: c.specialty.as_deref(),
        certificate_number: &c.certificate_number,
        management_number: &c.management_number,
        issued_on,
        authority: &c.authority,
        seal_name: &c.seal_name,
    }
}

/// The ID type as printed on a certificate (always Chinese).
fn id_type_label(code: &str) -> String {
    IdType::from_code(code).map(|t| crate::labels::id_type(Locale::zh_CN, t).to_string()).unwrap_or_else(|| code.to_string())
}

/// `2023-05-20` → `2023年05月20日`, as printed on certificates.
fn chinese_date(iso: &str) -> String {
    match Ymd::parse_iso(iso) {
        Some(d) => format!("{:04}年{:02}月{:02}日", d.year, d.month, d.day),
        None => iso.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_dates_and_labels_are_chinese() {
        assert_eq!(chinese_date("2023-05-20"), "2023年05月20日");
        assert_eq!(id_type_label("resident_id"), "居民身份证");
    }
}
