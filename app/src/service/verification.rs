//! 证书查验, the service: by certificate number + holder name, by
//! endorsement number, by uploaded PDF and by credential JSON. Shared by the
//! server functions (`api::verification`), the upload forms and the JSON API
//! (`server::verify_routes`) and `server verify` (`server::verify_cli`); every
//! check is logged with its outcome and the client's address.

use crate::domain::verification::{
    judge_endorsement, normalize_number, outcome, same_name, CertificateRecord, CredentialCheck, EndorsementRecord,
    FileCheck, Method, Verdict, MAX_FIELD_CHARS,
};
use crate::error::{internal, AppError, Field, FieldError, Problem};
use crate::state::AppState;
use crate::store::{EndorsementFound, Store, StoreError, VerificationLog};
use x509_cert::Certificate;

/// A logged check: its verdict and the token of its result page.
#[derive(Debug, Clone)]
pub struct Checked {
    pub token: String,
    pub verdict: Verdict,
}

fn required(field: Field, value: &str, errors: &mut Vec<FieldError>) {
    let chars = value.trim().chars().count();
    if chars == 0 {
        errors.push(FieldError { field, problem: Problem::Required });
    } else if chars > MAX_FIELD_CHARS {
        errors.push(FieldError { field, problem: Problem::TooLong });
    }
}

pub async fn by_certificate(
    state: &AppState,
    number: &str,
    name: &str,
    client: Option<&str>,
) -> Result<Checked, AppError> {
    let mut errors = Vec::new();
    required(Field::CertificateNumber, number, &mut errors);
    required(Field::HolderName, name, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let number = normalize_number(number);
    let found = state.store.certificate_by_number(&number).await.map_err(internal("verify by number"))?;
    // The same answer whether the number or the name was wrong.
    let found = found.filter(|(_, record)| same_name(name, &record.holder_name));
    let certificate_id = found.as_ref().map(|(id, _)| *id);
    let found = Found { certificate_id, certificate: found.map(|(_, r)| r), ..Found::default() };
    log(state, Method::Certificate, Some(&number), found, client).await
}

pub async fn by_endorsement(state: &AppState, number: &str, client: Option<&str>) -> Result<Checked, AppError> {
    let mut errors = Vec::new();
    required(Field::EndorsementNumber, number, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let number = normalize_number(number);
    let found = state.store.endorsement_by_number(&number).await.map_err(internal("verify endorsement"))?;
    let found = found.map(endorsement_found).unwrap_or_default();
    log(state, Method::Endorsement, Some(&number), found, client).await
}

/// An uploaded file (a PDF, or an OFD package): its signature or seal,
/// then the record it was issued for.
pub async fn by_file(state: &AppState, file: Vec<u8>, client: Option<&str>) -> Result<Checked, AppError> {
    let anchors = Anchors {
        pdf: state.generator.keys().trust_anchors().to_vec(),
        ofd: state.generator.sm2_keys().trust_anchors().to_vec(),
    };
    let examined = examine_file(&state.store, anchors, file).await?;
    let subject = examined.verdict.endorsement.as_ref().map(|e| e.number.clone());
    log_examined(state, subject.as_deref(), examined, client).await
}

/// A pasted or uploaded credential: its proof against the keys our seals
/// published, then the endorsement it names, as the register has it now.
pub async fn by_credential(state: &AppState, text: Vec<u8>, client: Option<&str>) -> Result<Checked, AppError> {
    let examined = examine_credential(state, &text).await?;
    let subject = examined.verdict.endorsement.as_ref().map(|e| e.number.clone());
    log_examined(state, subject.as_deref(), examined, client).await
}

async fn examine_credential(state: &AppState, text: &[u8]) -> Result<Examined, AppError> {
    use crate::credential::{check, did::published_methods, CredentialFacts};

    let keys_of = |code: &str| published_methods(&state.settings.keys_dir, code);
    let base = &state.settings.public_base_url;
    let claim = match check(text, base, keys_of).map_err(internal("published keys"))? {
        Ok(claim) => claim,
        Err(refused) => {
            let check =
                CredentialCheck { issuer: refused.issuer, problem: Some(refused.problem), ..Default::default() };
            return Ok(examine(Method::Credential, Found { credential: Some(check), ..Found::default() }));
        }
    };
    let store = &state.store;
    let record =
        store.endorsement_by_number(&claim.endorsement_number).await.map_err(internal("credential record"))?;
    // Field for field what we issue for that record, by the seal it is issued under.
    let mut matches = false;
    if let Some(r) = &record {
        let seal = store.seal_code_of_certificate(r.certificate_id).await.map_err(internal("credential seal"))?;
        if let (Some(seal), Some(made_at)) = (seal, r.made_at) {
            let facts = CredentialFacts {
                public_base_url: base,
                seal_code: &seal,
                certificate: &r.certificate,
                endorsement: &r.endorsement,
                made_at,
            };
            matches = claim.matches(&facts);
        }
    }
    // A proof that holds over a claim the register does not confirm names no record.
    let mut found = match record.filter(|_| matches) {
        Some(r) => endorsement_found(r),
        None => Found::default(),
    };
    found.credential = Some(CredentialCheck {
        proof_valid: true,
        issuer: Some(claim.issuer),
        verification_method: Some(claim.verification_method),
        matches_record: matches && found.certificate.is_some(),
        problem: None,
    });
    Ok(examine(Method::Credential, found))
}

/// The trust anchors of the two kinds of file: P-256 for PDFs, SM2 for OFD packages.
pub struct Anchors {
    pub pdf: Vec<Certificate>,
    pub ofd: Vec<Certificate>,
}

/// A file's verdict, not logged: for [`by_file`] and `server verify FILE`.
/// An OFD package (a ZIP) is checked as one, anything else as a PDF.
pub async fn examine_file(store: &Store, anchors: Anchors, file: Vec<u8>) -> Result<Examined, AppError> {
    let checked = tokio::task::spawn_blocking(move || {
        let now = std::time::SystemTime::now();
        if crate::ofd_signature::is_package(&file) {
            crate::ofd_signature::check_ofd(&file, &anchors.ofd, now)
        } else {
            crate::pdf_signature::check_pdf(&file, &anchors.pdf, now)
        }
    })
    .await
    .map_err(internal("verifier task"))?;
    let found = match_record(store, checked).await.map_err(internal("verify file records"))?;
    Ok(examine(Method::File, found))
}

/// The record a verified file was issued for, if any.
async fn match_record(store: &Store, checked: crate::pdf_signature::PdfCheck) -> Result<Found, StoreError> {
    let mut file = checked.file;
    let mut found = Found::default();
    if let Some(sha256) = &checked.signed_revision_sha256 {
        if let Some(issued) = store.issued_file(sha256).await? {
            if let Some(id) = issued.endorsement_id {
                found = store.endorsement_by_id(id).await?.map(endorsement_found).unwrap_or_default();
            }
            if found.certificate.is_none() {
                found.certificate = store.certificate_record(issued.certificate_id).await?;
                found.certificate_id = Some(issued.certificate_id);
            }
            file.matches_record = found.certificate.is_some();
        }
    }
    found.file = Some(file);
    Ok(found)
}

/// A verdict and the records it is about.
pub struct Examined {
    pub verdict: Verdict,
    certificate_id: Option<i64>,
    endorsement_id: Option<i64>,
}

#[derive(Default)]
struct Found {
    certificate_id: Option<i64>,
    certificate: Option<CertificateRecord>,
    endorsement_id: Option<i64>,
    endorsement: Option<EndorsementRecord>,
    file: Option<FileCheck>,
    credential: Option<CredentialCheck>,
}

/// An endorsement is known to a verifier only once its copy was made.
fn endorsement_found(e: EndorsementFound) -> Found {
    let today = crate::clock::today_shanghai();
    match judge_endorsement(e.endorsement, e.certificate.status, today) {
        Some(record) => Found {
            certificate_id: Some(e.certificate_id),
            certificate: Some(e.certificate),
            endorsement_id: Some(e.endorsement_id),
            endorsement: Some(record),
            file: None,
            credential: None,
        },
        None => Found::default(),
    }
}

fn examine(method: Method, found: Found) -> Examined {
    let verdict = Verdict {
        method,
        outcome: outcome(
            found.certificate.as_ref(),
            found.endorsement.as_ref(),
            found.file.as_ref(),
            found.credential.as_ref(),
        ),
        checked_at: crate::domain::instant::Instant(crate::clock::now_unix()).seconds(),
        certificate: found.certificate,
        endorsement: found.endorsement,
        file: found.file,
        credential: found.credential,
    };
    Examined { verdict, certificate_id: found.certificate_id, endorsement_id: found.endorsement_id }
}

async fn log(
    state: &AppState,
    method: Method,
    subject: Option<&str>,
    found: Found,
    client: Option<&str>,
) -> Result<Checked, AppError> {
    log_examined(state, subject, examine(method, found), client).await
}

async fn log_examined(
    state: &AppState,
    subject: Option<&str>,
    examined: Examined,
    client: Option<&str>,
) -> Result<Checked, AppError> {
    let Examined { verdict, certificate_id, endorsement_id } = examined;
    let token = crate::random::token();
    let json = serde_json::to_string(&verdict).map_err(internal("verdict json"))?;
    let entry = VerificationLog {
        token: &token,
        method: verdict.method,
        subject,
        outcome: verdict.outcome,
        certificate_id,
        endorsement_id,
        client_addr: client,
        verdict: &json,
    };
    state.store.log_verification(&entry, crate::clock::now_unix()).await.map_err(internal("verification log"))?;
    Ok(Checked { token, verdict })
}
