//! 查验结果: one verification's answer — the outcome first, then what the
//! register says, then (for an uploaded file) each signature check.

use leptos::prelude::*;

use crate::components::text;
use crate::domain::verification::{
    CertificateRecord, CredentialCheck, EndorsementRecord, FileCheck, Method, Outcome, Verdict,
};
use crate::i18n::*;

#[component]
pub fn VerdictView(verdict: Verdict) -> impl IntoView {
    let i18n = use_i18n();
    let outcome = verdict.outcome;
    let tone = match outcome {
        Outcome::Valid => "success",
        Outcome::NoMatch => "warning",
        Outcome::Revoked | Outcome::Expired | Outcome::Cancelled | Outcome::Invalid => "error",
    };
    let endorsed = verdict.endorsement.is_some();
    let from_file = verdict.method == Method::File;
    let problem = verdict.file.as_ref().and_then(|f| f.problem);
    let from_credential = verdict.method == Method::Credential;
    let by_endorsement = verdict.method == Method::Endorsement;
    let credential_problem = verdict.credential.as_ref().and_then(|c| c.problem);
    let cancelled_at = verdict.endorsement.as_ref().and_then(|e| e.cancelled_at.clone()).unwrap_or_default();
    let detail = move || {
        let l = i18n.get_locale();
        match outcome {
            Outcome::Valid if endorsed => td_string!(l, verify.outcome_detail.valid_endorsed).to_string(),
            Outcome::Valid => td_string!(l, verify.outcome_detail.valid).to_string(),
            Outcome::Revoked => td_string!(l, verify.outcome_detail.revoked).to_string(),
            Outcome::Expired => td_string!(l, verify.outcome_detail.expired).to_string(),
            Outcome::Cancelled => format!(
                "{} {}: {cancelled_at}",
                td_string!(l, verify.outcome_detail.cancelled),
                td_string!(l, verify.cancelled_at)
            ),
            Outcome::NoMatch if from_file => td_string!(l, verify.outcome_detail.no_match_file).to_string(),
            Outcome::NoMatch if from_credential => td_string!(l, verify.outcome_detail.no_match_credential).to_string(),
            Outcome::NoMatch if by_endorsement => td_string!(l, verify.outcome_detail.no_match_endorsement).to_string(),
            Outcome::NoMatch => td_string!(l, verify.outcome_detail.no_match).to_string(),
            Outcome::Invalid => format!(
                "{} {}",
                td_string!(l, verify.outcome_detail.invalid),
                problem
                    .map(|p| text::file_problem(l, p))
                    .or(credential_problem.map(|p| text::credential_problem(l, p)))
                    .unwrap_or_default()
            ),
        }
    };
    view! {
        <div class="verdict" data-testid="verdict" data-outcome=outcome.code()>
            <div class=format!("notice {tone} verdict-banner") role="status">
                <p class="verdict-outcome" data-testid="verdict-outcome">{move || text::outcome(i18n.get_locale(), outcome)}</p>
                <p data-testid="verdict-detail">{detail}</p>
                <p class="aside">{t!(i18n, verify.checked_at)}": "<span data-testid="verdict-checked-at">{verdict.checked_at.clone()}</span></p>
            </div>
            {verdict.certificate.map(|c| view! { <CertificateFacts c/> })}
            {verdict.endorsement.map(|e| view! { <EndorsementFacts e/> })}
            {verdict.file.map(|f| view! { <FileFacts f/> })}
            {verdict.credential.map(|c| view! { <CredentialFacts c/> })}
        </div>
    }
}

/// What the register says about a certificate (also on the issuers' portal).
#[component]
pub fn CertificateFacts(c: CertificateRecord) -> impl IntoView {
    let i18n = use_i18n();
    let revoked = c.revoked_on.is_some();
    let qualification = c.qualification.clone();
    let none = move || t_string!(i18n, info.none).to_string();
    view! {
        <h2>{t!(i18n, verify.certificate)}</h2>
        <dl class="record" data-testid="verdict-certificate">
            <dt>{t!(i18n, info.holder_name)}</dt><dd data-testid="verdict-holder-name">{c.holder_name.clone()}</dd>
            <dt>{t!(i18n, info.id_type)}</dt><dd>{move || text::id_type(i18n.get_locale(), c.id_type)}</dd>
            <dt>{t!(i18n, info.id_number)}</dt><dd class="mono" data-testid="verdict-id-number">{c.id_number_masked.clone()}</dd>
            <dt>{t!(i18n, info.qualification)}</dt><dd>{move || text::bilingual(i18n.get_locale(), &qualification)}</dd>
            <dt>{t!(i18n, info.specialty)}</dt><dd>{c.specialty.clone().unwrap_or_else(none)}</dd>
            <dt>{t!(i18n, info.certificate_number)}</dt><dd class="mono" data-testid="verdict-certificate-number">{c.certificate_number.clone()}</dd>
            <dt>{t!(i18n, info.management_number)}</dt><dd class="mono">{c.management_number.clone()}</dd>
            <dt>{t!(i18n, info.issued_on)}</dt><dd>{c.issued_on.to_string()}</dd>
            <dt>{t!(i18n, info.authority)}</dt><dd>{c.issuing_authority.clone()}</dd>
            <dt>{t!(i18n, info.seal)}</dt><dd>{c.seal_name.clone()}</dd>
            <dt>{t!(i18n, info.status)}</dt>
            <dd>
                <span class="badge" class:valid=!revoked class:revoked=revoked data-testid="verdict-certificate-status">
                    {move || text::status(i18n.get_locale(), c.status)}
                </span>
            </dd>
            {c.revoked_on.map(|d| view! {
                <dt>{t!(i18n, info.revoked_on)}</dt><dd data-testid="verdict-revoked-on">{d.to_string()}</dd>
            })}
        </dl>
        <p class="hint">{t!(i18n, verify.privacy)}</p>
    }
}

#[component]
fn EndorsementFacts(e: EndorsementRecord) -> impl IntoView {
    let i18n = use_i18n();
    let scenario = e.scenario.clone();
    view! {
        <h2>{t!(i18n, verify.endorsement)}</h2>
        <dl class="record" data-testid="verdict-endorsement">
            <dt>{t!(i18n, download.number)}</dt><dd class="mono" data-testid="verdict-endorsement-number">{e.number.clone()}</dd>
            <dt>{t!(i18n, verify.scenario)}</dt><dd>{move || text::bilingual(i18n.get_locale(), &scenario)}</dd>
            <dt>{t!(i18n, verify.validity)}</dt><dd data-testid="verdict-validity">{format!("{} – {}", e.valid_from, e.valid_until)}</dd>
            <dt>{t!(i18n, verify.made_at)}</dt><dd>{e.made_at.clone()}</dd>
            <dt>{t!(i18n, verify.standing)}</dt>
            <dd data-testid="verdict-standing" data-standing=e.standing.code()>
                {move || text::standing(i18n.get_locale(), e.standing)}
            </dd>
            {e.cancelled_at.clone().map(|at| view! {
                <dt>{t!(i18n, verify.cancelled_at)}</dt><dd data-testid="verdict-cancelled-at">{at}</dd>
            })}
        </dl>
    }
}

#[component]
fn FileFacts(f: FileCheck) -> impl IntoView {
    let i18n = use_i18n();
    let yes_no = move |b: bool| {
        let l = i18n.get_locale();
        if b {
            td_string!(l, verify.yes)
        } else {
            td_string!(l, verify.no)
        }
    };
    view! {
        <h2>{t!(i18n, verify.file)}</h2>
        <dl class="record" data-testid="verdict-file">
            <dt>{t!(i18n, verify.signed)}</dt>
            <dd data-testid="file-signed" data-value=f.signed.to_string()>{move || yes_no(f.signed)}</dd>
            <dt>{t!(i18n, verify.signature_valid)}</dt>
            <dd data-testid="file-signature-valid" data-value=f.signature_valid.to_string()>{move || yes_no(f.signature_valid)}</dd>
            <dt>{t!(i18n, verify.covers)}</dt>
            <dd data-testid="file-covers" data-value=f.covers_whole_document.to_string()>{move || yes_no(f.covers_whole_document)}</dd>
            <dt>{t!(i18n, verify.trusted)}</dt>
            <dd data-testid="file-trusted" data-value=f.trusted.to_string()>{move || yes_no(f.trusted)}</dd>
            <dt>{t!(i18n, verify.matches_record)}</dt>
            <dd data-testid="file-matches-record" data-value=f.matches_record.to_string()>{move || yes_no(f.matches_record)}</dd>
            {f.signer.clone().map(|s| view! { <dt>{t!(i18n, verify.signer)}</dt><dd data-testid="file-signer">{s}</dd> })}
            {f.signed_at.clone().map(|s| view! { <dt>{t!(i18n, verify.signed_at)}</dt><dd>{s}</dd> })}
            {f.signer_fingerprint.clone().map(|s| view! { <dt>{t!(i18n, verify.fingerprint)}</dt><dd class="mono small">{s}</dd> })}
            {f.problem.map(|p| view! {
                <dt>{t!(i18n, verify.result_title)}</dt>
                <dd class="bad" data-testid="file-problem" data-problem=p.code()>{move || text::file_problem(i18n.get_locale(), p)}</dd>
            })}
        </dl>
    }
}

#[component]
fn CredentialFacts(c: CredentialCheck) -> impl IntoView {
    let i18n = use_i18n();
    let yes_no = move |b: bool| {
        if b {
            td_string!(i18n.get_locale(), verify.yes)
        } else {
            td_string!(i18n.get_locale(), verify.no)
        }
    };
    view! {
        <h2>{t!(i18n, verify.credential)}</h2>
        <dl class="record" data-testid="verdict-credential">
            <dt>{t!(i18n, verify.proof_valid)}</dt>
            <dd data-testid="credential-proof-valid" data-value=c.proof_valid.to_string()>{move || yes_no(c.proof_valid)}</dd>
            <dt>{t!(i18n, verify.matches_record)}</dt>
            <dd data-testid="credential-matches-record" data-value=c.matches_record.to_string()>{move || yes_no(c.matches_record)}</dd>
            {c.issuer.clone().map(|s| view! { <dt>{t!(i18n, verify.issuer)}</dt><dd class="mono small" data-testid="credential-issuer">{s}</dd> })}
            {c.verification_method.clone().map(|s| view! { <dt>{t!(i18n, verify.verification_method)}</dt><dd class="mono small">{s}</dd> })}
            {c.problem.map(|p| view! {
                <dt>{t!(i18n, verify.result_title)}</dt>
                <dd class="bad" data-testid="credential-problem" data-problem=p.code()>{move || text::credential_problem(i18n.get_locale(), p)}</dd>
            })}
        </dl>
    }
}
