//! 资格与印章 (administrators): the seals and qualifications certificates
//! are printed with; add or edit by code.

use leptos::prelude::*;

use super::StaffGate;
use crate::api::accounts::take_form_flash;
use crate::api::admin::{catalog, SaveQualification, SaveSeal, QUALIFICATION_FORM, SEAL_FORM};
use crate::components::fields::{field_problem, submission_error, FormError, TextField};
use crate::components::gate::ErrorView;
use crate::error::Field;
use crate::i18n::*;

#[component]
pub fn CatalogPage() -> impl IntoView {
    let i18n = use_i18n();
    let save_seal = ServerAction::<SaveSeal>::new();
    let save_qualification = ServerAction::<SaveQualification>::new();
    let entries = Resource::new(move || (save_seal.version().get(), save_qualification.version().get()), |_| catalog());
    let seal_flash = Resource::new(|| (), |_| take_form_flash(SEAL_FORM.into()));
    let qualification_flash = Resource::new(|| (), |_| take_form_flash(QUALIFICATION_FORM.into()));
    view! {
        <StaffGate>
            <section class="card wide" aria-labelledby="catalog-title">
                <h1 id="catalog-title">{t!(i18n, admin.catalog_title)}</h1>
                <p class="lead">{t!(i18n, admin.catalog_lead)}</p>
                <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                    {move || Suspend::new(async move {
                        let seal_flash = seal_flash.await.ok().flatten();
                        let qualification_flash = qualification_flash.await.ok().flatten();
                        let (seals, qualifications) = match entries.await {
                            Ok(c) => c,
                            Err(error) => return view! { <ErrorView error/> }.into_any(),
                        };
                        let seal_error = submission_error(save_seal.value(), seal_flash.as_ref().map(|f| f.error.clone()));
                        let q_error = submission_error(save_qualification.value(), qualification_flash.as_ref().map(|f| f.error.clone()));
                        let sv = |n| seal_flash.as_ref().and_then(|f| f.value(n)).unwrap_or_default();
                        let qv = |n| qualification_flash.as_ref().and_then(|f| f.value(n)).unwrap_or_default();
                        let (s_code, s_name, s_authority) = (sv("code"), sv("name"), sv("authority"));
                        let (q_code, q_zh, q_en, q_seal) = (qv("code"), qv("name_zh"), qv("name_en"), qv("seal_code"));
                        let q_specialties = qv("specialties");
                        view! {
                            <h2>{t!(i18n, admin.seals)}</h2>
                            <table class="table" data-testid="catalog-seals">
                                <thead><tr><th>{t!(i18n, admin.code)}</th><th>{t!(i18n, admin.seal_name)}</th><th>{t!(i18n, admin.authority)}</th></tr></thead>
                                <tbody>{seals.into_iter().map(|s| view! {
                                    <tr><td class="mono">{s.code}</td><td>{s.name}</td><td>{s.authority}</td></tr>
                                }).collect_view()}</tbody>
                            </table>
                            <FormError error=seal_error/>
                            <ActionForm action=save_seal attr:data-testid="seal-form">
                                <TextField label=move || t_string!(i18n, admin.code) name="code" value=s_code problem=field_problem(seal_error, Field::Code) required=true maxlength=32/>
                                <TextField label=move || t_string!(i18n, admin.seal_name) name="name" value=s_name problem=field_problem(seal_error, Field::Name) required=true maxlength=64/>
                                <TextField label=move || t_string!(i18n, admin.authority) name="authority" value=s_authority problem=field_problem(seal_error, Field::Authority) required=true maxlength=64/>
                                <button type="submit" class="button primary" data-testid="seal-save">{t!(i18n, admin.save_seal)}</button>
                            </ActionForm>

                            <h2>{t!(i18n, admin.qualifications)}</h2>
                            <table class="table" data-testid="catalog-qualifications">
                                <thead><tr><th>{t!(i18n, admin.code)}</th><th>{t!(i18n, admin.name_zh)}</th><th>{t!(i18n, admin.name_en)}</th><th>{t!(i18n, admin.seal)}</th><th>{t!(i18n, admin.specialties)}</th></tr></thead>
                                <tbody>{qualifications.into_iter().map(|q| {
                                    let code = q.code.clone();
                                    view! {
                                        <tr data-testid="qualification-row" data-code=code><td class="mono">{q.code}</td><td>{q.name_zh}</td><td>{q.name_en}</td><td class="mono">{q.seal_code}</td><td class="small">{q.specialties.join("、")}</td></tr>
                                    }
                                }).collect_view()}</tbody>
                            </table>
                            <FormError error=q_error/>
                            <ActionForm action=save_qualification attr:data-testid="qualification-form">
                                <TextField label=move || t_string!(i18n, admin.code) name="code" value=q_code problem=field_problem(q_error, Field::Code) required=true maxlength=32/>
                                <TextField label=move || t_string!(i18n, admin.name_zh) name="name_zh" value=q_zh problem=field_problem(q_error, Field::Name) required=true maxlength=64/>
                                <TextField label=move || t_string!(i18n, admin.name_en) name="name_en" value=q_en problem=field_problem(q_error, Field::NameEn) required=true maxlength=128/>
                                <TextField label=move || t_string!(i18n, admin.seal) name="seal_code" value=q_seal problem=field_problem(q_error, Field::SealCode) required=true maxlength=32/>
                                <div class="field">
                                    <label for="f-specialties">{t!(i18n, admin.specialties)}</label>
                                    <textarea id="f-specialties" name="specialties" rows="3" data-testid="input-specialties">{q_specialties}</textarea>
                                </div>
                                <button type="submit" class="button primary" data-testid="qualification-save">{t!(i18n, admin.save_qualification)}</button>
                            </ActionForm>
                        }
                        .into_any()
                    })}
                </Suspense>
            </section>
        </StaffGate>
    }
}
