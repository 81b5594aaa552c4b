//! 证书查验 (public verification): what a third party is told about a
//! certificate, an endorsed copy or an uploaded file, and how the one-word
//! outcome follows from the record and the file check. Plain rules; the
//! server looks the records up and checks the signature.

use serde::{Deserialize, Serialize};

use crate::domain::calendar::Ymd;
use crate::domain::certificate::{Bilingual, CertificateStatus};
use crate::domain::endorsement::EndorsementStatus;
use crate::domain::id_document::IdType;

/// Uploaded files larger than this are refused (an endorsed copy is ~50 KB).
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;
/// Longest certificate number, endorsement number or name a form accepts.
pub const MAX_FIELD_CHARS: usize = 64;

/// How the check was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Certificate number + holder name.
    Certificate,
    /// Endorsement number, typed or from the QR code's address.
    Endorsement,
    /// An uploaded PDF.
    File,
    /// A pasted or uploaded 电子凭证 (W3C Verifiable Credential, JSON).
    Credential,
}

impl Method {
    pub fn code(self) -> &'static str {
        match self {
            Method::Certificate => "certificate",
            Method::Endorsement => "endorsement",
            Method::File => "file",
            Method::Credential => "credential",
        }
    }

    pub fn from_code(code: &str) -> Option<Method> {
        [Method::Certificate, Method::Endorsement, Method::File, Method::Credential]
            .into_iter()
            .find(|m| m.code() == code)
    }
}

/// The answer in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The certificate is valid (and so is the endorsed copy, if one was checked).
    Valid,
    /// The certificate was revoked; its copies no longer verify.
    Revoked,
    /// The endorsed copy's validity has ended.
    Expired,
    /// The holder withdrew the endorsed copy (撤回加注).
    Cancelled,
    /// Nothing matches: wrong number/name pair, unknown endorsement number,
    /// or a file that is not one of ours.
    NoMatch,
    /// The file's signature is missing, broken, untrusted, or the file was
    /// changed after signing.
    Invalid,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Valid => "valid",
            Outcome::Revoked => "revoked",
            Outcome::Expired => "expired",
            Outcome::Cancelled => "cancelled",
            Outcome::NoMatch => "no_match",
            Outcome::Invalid => "invalid",
        }
    }

    pub fn from_code(code: &str) -> Option<Outcome> {
        [Outcome::Valid, Outcome::Revoked, Outcome::Expired, Outcome::Cancelled, Outcome::NoMatch, Outcome::Invalid]
            .into_iter()
            .find(|o| o.code() == code)
    }
}

/// What the register says about a certificate; the ID number masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateRecord {
    pub holder_name: String,
    pub id_type: IdType,
    pub id_number_masked: String,
    pub qualification: Bilingual,
    pub specialty: Option<String>,
    pub certificate_number: String,
    pub management_number: String,
    pub issued_on: Ymd,
    pub issuing_authority: String,
    pub seal_name: String,
    pub status: CertificateStatus,
    pub revoked_on: Option<Ymd>,
}

/// An endorsed copy's standing on the day of the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Within its validity, certificate valid.
    Valid,
    /// Past its last valid day.
    Expired,
    /// Its certificate was revoked.
    Revoked,
    /// Withdrawn by the holder.
    Cancelled,
}

impl Standing {
    pub fn code(self) -> &'static str {
        match self {
            Standing::Valid => "valid",
            Standing::Expired => "expired",
            Standing::Revoked => "revoked",
            Standing::Cancelled => "cancelled",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndorsementRecord {
    pub number: String,
    pub scenario: Bilingual,
    pub valid_from: Ymd,
    pub valid_until: Ymd,
    /// `YYYY-MM-DD HH:MM:SS`, Asia/Shanghai.
    pub made_at: String,
    pub standing: Standing,
    /// When the holder withdrew it, `YYYY-MM-DD HH:MM:SS`, Asia/Shanghai.
    #[serde(default)]
    pub cancelled_at: Option<String>,
}

/// Why a file does not verify; `None` in [`FileCheck::problem`] means it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileProblem {
    Empty,
    TooLarge,
    NotPdf,
    /// A PDF without a digital signature.
    NoSignature,
    /// The signature container cannot be read (truncated or altered).
    Malformed,
    /// The signed bytes were changed: their digest differs from the signed one.
    DigestMismatch,
    /// The signature value does not verify with the signer's key.
    BadSignature,
    /// An algorithm we do not accept (we sign with ECDSA P-256 / SHA-256).
    UnsupportedAlgorithm,
    /// The signer's certificate does not chain to our trust anchors.
    Untrusted,
    /// The signer's certificate was not valid when the file was signed.
    SignerCertificateNotValid,
    /// Bytes were added after the signature (the signed part is intact).
    ModifiedAfterSigning,
}

impl FileProblem {
    pub fn code(self) -> &'static str {
        match self {
            FileProblem::Empty => "empty",
            FileProblem::TooLarge => "too_large",
            FileProblem::NotPdf => "not_pdf",
            FileProblem::NoSignature => "no_signature",
            FileProblem::Malformed => "malformed",
            FileProblem::DigestMismatch => "digest_mismatch",
            FileProblem::BadSignature => "bad_signature",
            FileProblem::UnsupportedAlgorithm => "unsupported_algorithm",
            FileProblem::Untrusted => "untrusted",
            FileProblem::SignerCertificateNotValid => "signer_certificate_not_valid",
            FileProblem::ModifiedAfterSigning => "modified_after_signing",
        }
    }
}

/// The check of an uploaded file's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct FileCheck {
    /// A signature dictionary was found.
    pub signed: bool,
    /// The signed bytes are unchanged and the signature value verifies.
    pub signature_valid: bool,
    /// The signature covers the whole file (nothing added after signing).
    pub covers_whole_document: bool,
    /// The signer's certificate chains to our trust anchors.
    pub trusted: bool,
    /// The signer certificate's subject common name (the seal).
    pub signer: Option<String>,
    /// SHA-256 of the signer certificate, hex.
    pub signer_fingerprint: Option<String>,
    /// The signed signing time, `YYYY-MM-DD HH:MM:SS` Asia/Shanghai.
    pub signed_at: Option<String>,
    /// The signed content is byte for byte a file we issued.
    pub matches_record: bool,
    /// The first problem found; `None` when the file verifies.
    pub problem: Option<FileProblem>,
}

impl FileCheck {
    pub fn refused(problem: FileProblem) -> FileCheck {
        FileCheck { problem: Some(problem), ..FileCheck::default() }
    }
}

/// Longest credential a check accepts (ours are ~2 KB).
pub const MAX_CREDENTIAL_BYTES: usize = 64 * 1024;

/// Why a pasted or uploaded credential does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialProblem {
    Empty,
    TooLarge,
    /// Not JSON, or not a JSON object.
    NotJson,
    /// No `proof` object.
    NoProof,
    /// Another proof type, cryptosuite or purpose than ours (`ecdsa-jcs-2019`, assertionMethod).
    UnsupportedProof,
    /// The proof's fields cannot be read.
    Malformed,
    /// The issuer is not one of our seals, or the proof's key is not the issuer's.
    UnknownIssuer,
    /// The proof names a key the seal never published.
    UnknownKey,
    /// The signed content was changed, or the signature is not the key's.
    BadSignature,
}

impl CredentialProblem {
    pub fn code(self) -> &'static str {
        match self {
            CredentialProblem::Empty => "empty",
            CredentialProblem::TooLarge => "too_large",
            CredentialProblem::NotJson => "not_json",
            CredentialProblem::NoProof => "no_proof",
            CredentialProblem::UnsupportedProof => "unsupported_proof",
            CredentialProblem::Malformed => "malformed",
            CredentialProblem::UnknownIssuer => "unknown_issuer",
            CredentialProblem::UnknownKey => "unknown_key",
            CredentialProblem::BadSignature => "bad_signature",
        }
    }
}

/// The check of a credential's proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CredentialCheck {
    /// The proof verifies with a key one of our seals published.
    pub proof_valid: bool,
    /// The issuer (the seal's DID).
    pub issuer: Option<String>,
    /// The key that signed, as the seal's DID document names it.
    pub verification_method: Option<String>,
    /// What it claims is what the register holds for that endorsement.
    pub matches_record: bool,
    /// The first problem found; `None` when the proof holds.
    pub problem: Option<CredentialProblem>,
}

/// One verification's answer, as the page and the JSON API give it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub method: Method,
    pub outcome: Outcome,
    /// `YYYY-MM-DD HH:MM:SS`, Asia/Shanghai.
    pub checked_at: String,
    pub certificate: Option<CertificateRecord>,
    pub endorsement: Option<EndorsementRecord>,
    pub file: Option<FileCheck>,
    #[serde(default)]
    pub credential: Option<CredentialCheck>,
}

impl Verdict {
    /// A lookup by number (certificate number and name, or endorsement
    /// number) that found nothing: "not found" to the API and on the page
    /// alike. A file or credential that matches nothing was still judged.
    pub fn found_nothing(&self) -> bool {
        matches!(self.method, Method::Certificate | Method::Endorsement) && self.outcome == Outcome::NoMatch
    }
}

/// The stored facts of an endorsement, before they are judged on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndorsementOnRecord {
    pub number: String,
    pub scenario: Bilingual,
    pub status: EndorsementStatus,
    pub valid_from: Ymd,
    pub valid_until: Ymd,
    pub made_at: Option<crate::domain::instant::Instant>,
    pub cancelled_at: Option<crate::domain::instant::Instant>,
}

/// An endorsement as a verifier sees it on `today`: only a copy that was
/// actually made exists for them (one being made or that failed is unknown;
/// an expired or withdrawn copy whose file was deleted is still known, so
/// that a verifier learns why it no longer holds).
pub fn judge_endorsement(
    facts: EndorsementOnRecord,
    certificate: CertificateStatus,
    today: Ymd,
) -> Option<EndorsementRecord> {
    if !matches!(facts.status, EndorsementStatus::Ready | EndorsementStatus::Cancelled) {
        return None;
    }
    let standing = if certificate == CertificateStatus::Revoked {
        Standing::Revoked
    } else if facts.status == EndorsementStatus::Cancelled {
        Standing::Cancelled
    } else if today > facts.valid_until {
        Standing::Expired
    } else {
        Standing::Valid
    };
    Some(EndorsementRecord {
        number: facts.number,
        scenario: facts.scenario,
        valid_from: facts.valid_from,
        valid_until: facts.valid_until,
        made_at: facts.made_at.map(|at| at.seconds()).unwrap_or_default(),
        standing,
        cancelled_at: facts.cancelled_at.map(|at| at.seconds()),
    })
}

/// The outcome of a check, from what was found.
pub fn outcome(
    certificate: Option<&CertificateRecord>,
    endorsement: Option<&EndorsementRecord>,
    file: Option<&FileCheck>,
    credential: Option<&CredentialCheck>,
) -> Outcome {
    // What was presented (a file, a credential) must hold and be ours first.
    let presented = file
        .map(|f| (f.problem.is_some(), f.matches_record))
        .or(credential.map(|c| (c.problem.is_some(), c.matches_record)));
    if let Some((broken, ours)) = presented {
        if broken {
            return Outcome::Invalid;
        }
        if !ours {
            return Outcome::NoMatch;
        }
    }
    let Some(certificate) = certificate else { return Outcome::NoMatch };
    if certificate.status == CertificateStatus::Revoked {
        return Outcome::Revoked;
    }
    match endorsement.map(|e| e.standing) {
        Some(Standing::Expired) => Outcome::Expired,
        Some(Standing::Cancelled) => Outcome::Cancelled,
        Some(Standing::Revoked) => Outcome::Revoked,
        Some(Standing::Valid) | None => Outcome::Valid,
    }
}

/// A certificate number as typed: spaces dropped, letters upper-cased.
pub fn normalize_number(raw: &str) -> String {
    raw.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_uppercase).collect()
}

/// Whether a typed name is the registered one: surrounding and inner spaces,
/// Latin letter case and the look-alike middle dots of transcribed names
/// (阿卜杜·热合曼) do not matter; anything else does.
pub fn same_name(typed: &str, registered: &str) -> bool {
    fn canonical(s: &str) -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '•' | '・' | '．' | '‧' | '∙' | '⋅' | '･' | '.' => '·',
                c => c,
            })
            .flat_map(char::to_lowercase)
            .collect()
    }
    let typed = canonical(typed);
    !typed.is_empty() && typed == canonical(registered)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Ymd = Ymd { year: 2026, month: 11, day: 25 };

    fn day(s: &str) -> Ymd {
        Ymd::parse_iso(s).unwrap()
    }

    fn facts(status: EndorsementStatus, until: &str) -> EndorsementOnRecord {
        EndorsementOnRecord {
            number: "JZ20261101ABCDEFGHJKMN".into(),
            scenario: Bilingual { zh: "本人调用".into(), en: "Own use".into() },
            status,
            valid_from: day("2026-11-01"),
            valid_until: day(until),
            // 2026-11-01 09:00:00 and 2026-11-20 10:00:00 in Shanghai.
            made_at: Some(crate::domain::instant::Instant(1_793_494_800)),
            cancelled_at: (status == EndorsementStatus::Cancelled).then_some(crate::domain::instant::Instant(1_795_140_000)),
        }
    }

    fn certificate(status: CertificateStatus) -> CertificateRecord {
        CertificateRecord {
            holder_name: "张三".into(),
            id_type: IdType::ResidentId,
            id_number_masked: "1101**********0019".into(),
            qualification: Bilingual { zh: "注册安全工程师".into(), en: "Certified Safety Engineer".into() },
            specialty: None,
            certificate_number: "0301202203150001".into(),
            management_number: "AQ2022030001".into(),
            issued_on: day("2022-03-15"),
            issuing_authority: "人力资源和社会保障部".into(),
            seal_name: "专用章".into(),
            status,
            revoked_on: (status == CertificateStatus::Revoked).then(|| day("2026-01-01")),
        }
    }

    #[test]
    fn endorsement_standing_on_a_day() {
        let valid = CertificateStatus::Valid;
        let judged = |status, until| judge_endorsement(facts(status, until), valid, TODAY).map(|e| e.standing);
        assert_eq!(judged(EndorsementStatus::Ready, "2026-11-25"), Some(Standing::Valid), "last day counts");
        assert_eq!(judged(EndorsementStatus::Ready, "2026-11-24"), Some(Standing::Expired));
        assert_eq!(judged(EndorsementStatus::Generating, "2027-01-29"), None, "no copy yet");
        assert_eq!(judged(EndorsementStatus::Failed, "2027-01-29"), None);
        let revoked =
            judge_endorsement(facts(EndorsementStatus::Ready, "2027-01-29"), CertificateStatus::Revoked, TODAY);
        assert_eq!(revoked.unwrap().standing, Standing::Revoked);
        // Withdrawn: known, with the time, whether or not its dates have passed.
        for until in ["2027-01-29", "2026-11-24"] {
            let withdrawn = judge_endorsement(facts(EndorsementStatus::Cancelled, until), valid, TODAY).unwrap();
            assert_eq!(withdrawn.standing, Standing::Cancelled);
            assert_eq!(withdrawn.cancelled_at.as_deref(), Some("2026-11-20 10:00:00"));
        }
        // A revoked certificate is the stronger reason.
        let both =
            judge_endorsement(facts(EndorsementStatus::Cancelled, "2027-01-29"), CertificateStatus::Revoked, TODAY);
        assert_eq!(both.unwrap().standing, Standing::Revoked);
    }

    #[test]
    fn codes_read_back() {
        for m in [Method::Certificate, Method::Endorsement, Method::File, Method::Credential] {
            assert_eq!(Method::from_code(m.code()), Some(m));
        }
        for o in
            [Outcome::Valid, Outcome::Revoked, Outcome::Expired, Outcome::Cancelled, Outcome::NoMatch, Outcome::Invalid]
        {
            assert_eq!(Outcome::from_code(o.code()), Some(o));
        }
        assert_eq!(Outcome::from_code("ok"), None);
    }

    #[test]
    fn outcome_follows_record_and_file() {
        let valid = certificate(CertificateStatus::Valid);
        let revoked = certificate(CertificateStatus::Revoked);
        let e = |standing| EndorsementRecord {
            standing,
            ..judge_endorsement(facts(EndorsementStatus::Ready, "2027-01-29"), CertificateStatus::Valid, TODAY).unwrap()
        };
        assert_eq!(outcome(None, None, None, None), Outcome::NoMatch);
        assert_eq!(outcome(Some(&valid), None, None, None), Outcome::Valid);
        assert_eq!(outcome(Some(&revoked), None, None, None), Outcome::Revoked);
        assert_eq!(outcome(Some(&valid), Some(&e(Standing::Expired)), None, None), Outcome::Expired);
        assert_eq!(outcome(Some(&valid), Some(&e(Standing::Cancelled)), None, None), Outcome::Cancelled);
        assert_eq!(outcome(Some(&revoked), Some(&e(Standing::Revoked)), None, None), Outcome::Revoked);

        let good = FileCheck {
            signed: true,
            signature_valid: true,
            covers_whole_document: true,
            trusted: true,
            matches_record: true,
            ..FileCheck::default()
        };
        assert_eq!(outcome(Some(&valid), Some(&e(Standing::Valid)), Some(&good), None), Outcome::Valid);
        assert_eq!(outcome(Some(&valid), Some(&e(Standing::Expired)), Some(&good), None), Outcome::Expired);
        let broken = FileCheck { problem: Some(FileProblem::DigestMismatch), ..good.clone() };
        assert_eq!(outcome(Some(&valid), Some(&e(Standing::Valid)), Some(&broken), None), Outcome::Invalid);
        let foreign = FileCheck { matches_record: false, ..good };
        assert_eq!(outcome(None, None, Some(&foreign), None), Outcome::NoMatch);
        assert_eq!(outcome(None, None, Some(&FileCheck::refused(FileProblem::NotPdf)), None), Outcome::Invalid);
        // A credential: its proof first, then whether the register confirms it.
        let held = CredentialCheck { proof_valid: true, matches_record: true, ..CredentialCheck::default() };
        assert_eq!(outcome(Some(&valid), Some(&e(Standing::Cancelled)), None, Some(&held)), Outcome::Cancelled);
        let unconfirmed = CredentialCheck { matches_record: false, ..held.clone() };
        assert_eq!(outcome(None, None, None, Some(&unconfirmed)), Outcome::NoMatch);
        let forged = CredentialCheck { problem: Some(CredentialProblem::BadSignature), ..CredentialCheck::default() };
        assert_eq!(outcome(None, None, None, Some(&forged)), Outcome::Invalid);
    }

    #[test]
    fn names_compare_as_people_type_them() {
        assert!(same_name(" 张三 ", "张三"));
        assert!(same_name("张 三", "张三"));
        assert!(same_name("阿卜杜•热合曼", "阿卜杜·热合曼"));
        assert!(same_name("john SMITH", "John Smith"));
        assert!(!same_name("张三丰", "张三"));
        assert!(!same_name("", ""));
        assert!(!same_name("   ", "张三"));
    }

    #[test]
    fn numbers_are_normalized() {
        assert_eq!(normalize_number(" jz2026 1125abc "), "JZ20261125ABC");
    }
}
