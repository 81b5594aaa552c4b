//! 证书查验 (public): the page with the three ways to check, the page the
//! QR code opens (`/v/<endorsement number>`), and a logged check's result
//! (`/verify/result/<token>`, where forms posted without JavaScript land).
//!
//! The endorsement-number form is a plain GET to `/v` and the upload a plain
//! multipart POST to `/verify/file` (both answered by server::verify_routes),
//! so every way works before or without the WASM.

use leptos::{html::Form, prelude::*};
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::accounts::take_form_flash;
use crate::api::verification::{verification_result, verify_endorsement, VerifyCertificate, CERTIFICATE_FORM};
use crate::components::fields::{field_problem, submission_error, FormError, TextField};
use crate::components::{
    island::{mark_hydrated, provide_locale, Anchor},
    text,
    verdict::VerdictView,
};
use crate::domain::verification::{Verdict, MAX_FIELD_CHARS};
use crate::error::{AppError, Field};
use crate::i18n::*;

#[component]
pub fn VerifyPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let problem = move |key: &'static str| query.read().get(key);
    view! {
        <section class="card" aria-labelledby="verify-title">
            <h1 id="verify-title">{t!(i18n, verify.title)}</h1>
            <p class="lead">{t!(i18n, verify.lead)}</p>
            <div class="verify-ways">
                <section class="way" id="by-number" aria-labelledby="by-number-title">
                    <h2 id="by-number-title">{t!(i18n, verify.by_number)}</h2>
                    <CertificateForm/>
                </section>
                <section class="way" id="by-endorsement" aria-labelledby="by-endorsement-title">
                    <h2 id="by-endorsement-title">{t!(i18n, verify.by_endorsement)}</h2>
                    <form method="get" action="/v" data-testid="endorsement-form">
                        <TextField
                            label=move || t_string!(i18n, verify.endorsement_number)
                            name="number"
                            hint=move || t_string!(i18n, verify.endorsement_hint)
                            problem=Signal::derive(move || {
                                problem("number").map(|_| crate::error::Problem::Required)
                            })
                            required=true
                            maxlength=MAX_FIELD_CHARS
                        />
                        <button type="submit" class="button primary" data-testid="endorsement-submit">
                            {t!(i18n, verify.submit)}
                        </button>
                    </form>
                </section>
                <section class="way" id="by-file" aria-labelledby="by-file-title">
                    <h2 id="by-file-title">{t!(i18n, verify.by_file)}</h2>
                    <UploadForm locale=i18n.get_locale_untracked() failed=problem("file")/>
                </section>
                <section class="way" id="by-credential" aria-labelledby="by-credential-title">
                    <h2 id="by-credential-title">{t!(i18n, verify.by_credential)}</h2>
                    <CredentialForm failed=problem("credential")/>
                </section>
            </div>
        </section>
    }
}

/// Number + name: a plain form post (this is no island), after which the
/// browser lands on the result page.
#[component]
fn CertificateForm() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<VerifyCertificate>::new();
    let flash = Resource::new(|| (), |_| take_form_flash(CERTIFICATE_FORM.into()));
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
            {move || Suspend::new(async move {
                let flash = flash.await.ok().flatten();
                let error = submission_error(action.value(), flash.as_ref().map(|f| f.error.clone()));
                let value = |name| flash.as_ref().and_then(|f| f.value(name)).unwrap_or_default();
                let (number, name) = (value("certificate_number"), value("holder_name"));
                view! {
                    <FormError error/>
                    <ActionForm action attr:data-testid="certificate-form">
                        <TextField
                            label=move || t_string!(i18n, verify.certificate_number)
                            name="certificate_number"
                            value=number
                            problem=field_problem(error, Field::CertificateNumber)
                            required=true
                            maxlength=MAX_FIELD_CHARS
                        />
                        <TextField
                            label=move || t_string!(i18n, verify.holder_name)
                            name="holder_name"
                            value=name
                            hint=move || t_string!(i18n, verify.by_number_hint)
                            problem=field_problem(error, Field::HolderName)
                            required=true
                            maxlength=MAX_FIELD_CHARS
                        />
                        <button type="submit" class="button primary" data-testid="certificate-submit">
                            {t!(i18n, verify.submit)}
                        </button>
                    </ActionForm>
                }
            })}
        </Suspense>
    }
}

/// The file input is the drop target itself (browsers accept a file dropped
/// on it), so dropping works without JavaScript; with it, choosing or
/// dropping a file submits at once (an island: this runs in the browser).
#[island]
fn UploadForm(locale: Locale, failed: Option<String>) -> impl IntoView {
    provide_locale(locale);
    let form = NodeRef::<Form>::new();
    let submit_now = move |_| {
        if let Some(form) = form.get() {
            let _ = form.request_submit();
        }
    };
    let message = move || {
        failed.as_deref().map(|kind| match kind {
            "missing" => td_string!(locale, verify.file_missing),
            _ => td_string!(locale, verify.file_failed),
        })
    };
    let anchor = Anchor::new();
    mark_hydrated(anchor);
    view! {
        <div node_ref=anchor>
        {move || message().map(|m| view! { <div class="notice error" role="alert" data-testid="file-error">{m}</div> })}
        <form node_ref=form method="post" action="/verify/file" enctype="multipart/form-data" data-testid="upload-form">
            <label class="dropzone" for="f-file">
                <span class="dropzone-text">{td!(locale, verify.drop_here)}</span>
                <input id="f-file" type="file" name="file" accept=".pdf,application/pdf,.ofd,application/ofd" required on:change=submit_now
                    aria-describedby="f-file-hint" data-testid="input-file"/>
            </label>
            <p class="hint" id="f-file-hint">{td!(locale, verify.file_hint)}</p>
            <button type="submit" class="button primary" data-testid="upload-submit">{td!(locale, verify.upload_submit)}</button>
        </form>
        </div>
    }
}

/// 查验电子凭证: a credential file or its pasted JSON, one plain multipart
/// post (no island: nothing here needs the browser to run code).
#[component]
fn CredentialForm(failed: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    let message = failed.map(|kind| match kind.as_str() {
        "missing" => t_string!(i18n, verify.credential_missing),
        _ => t_string!(i18n, verify.file_failed),
    });
    view! {
        <p class="hint">{t!(i18n, verify.credential_hint)}</p>
        {message.map(|m| view! { <div class="notice error" role="alert" data-testid="credential-error">{m}</div> })}
        <form method="post" action="/verify/credential" enctype="multipart/form-data" data-testid="credential-form">
            <div class="field">
                <label for="f-credential-file">{t!(i18n, verify.credential_file)}</label>
                <input id="f-credential-file" type="file" name="file" accept=".json,application/json,application/vc"
                    data-testid="input-credential-file"/>
            </div>
            <div class="field">
                <label for="f-credential">{t!(i18n, verify.credential_text)}</label>
                <textarea id="f-credential" name="credential" rows="6" spellcheck="false" class="mono"
                    data-testid="input-credential"></textarea>
            </div>
            <button type="submit" class="button primary" data-testid="credential-submit">{t!(i18n, verify.credential_submit)}</button>
        </form>
    }
}

/// `/v/<endorsement number>`: what the QR code on a copy opens.
#[component]
pub fn EndorsementVerdictPage() -> impl IntoView {
    let params = use_params_map();
    let number = Memo::new(move |_| params.read().get("number").unwrap_or_default());
    let verdict = Resource::new(move || number.get(), verify_endorsement);
    view! { <VerdictPage verdict gone_is_not_found=false/> }
}

/// `/verify/result/<token>`: a logged check, kept for a day.
#[component]
pub fn VerificationResultPage() -> impl IntoView {
    let params = use_params_map();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    let verdict = Resource::new(move || token.get(), verification_result);
    view! { <VerdictPage verdict gone_is_not_found=true/> }
}

#[component]
fn VerdictPage(verdict: Resource<Result<Verdict, AppError>>, gone_is_not_found: bool) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card" aria-labelledby="result-title">
            <h1 id="result-title">{t!(i18n, verify.result_title)}</h1>
            <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match verdict.await {
                        Ok(verdict) => {
                            #[cfg(feature = "ssr")]
                            if verdict.found_nothing() {
                                if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                                    response.set_status(axum::http::StatusCode::NOT_FOUND);
                                }
                            }
                            view! { <VerdictView verdict/> }.into_any()
                        }
                        Err(error) => {
                            let message = move || match &error {
                                AppError::NotFound if gone_is_not_found => t_string!(i18n, verify.result_gone).to_string(),
                                other => text::error(i18n.get_locale(), other),
                            };
                            view! { <div class="notice error" role="alert" data-testid="verify-error">{message}</div> }.into_any()
                        }
                    }
                })}
            </Suspense>
            <p class="aside"><a href="/verify" data-testid="verify-again">{t!(i18n, verify.again)}</a></p>
        </section>
    }
}
