//! 用户注册: every rule of domain::account, with each problem shown at its field.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::accounts::{take_form_flash, Register};
use crate::components::fields::{field_problem, submission_error, FormError, TextField};
use crate::components::text;
use crate::domain::account::{EMAIL_MAX, PASSWORD_MAX, REAL_NAME_MAX, USERNAME_MAX};
use crate::domain::id_document::IdType;
use crate::error::Field;
use crate::i18n::*;

#[component]
pub fn RegisterPage() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<Register>::new();
    let flash = Resource::new(|| (), |_| take_form_flash("register".into()));

    view! {
        <section class="card" aria-labelledby="register-title">
            <h1 id="register-title">{t!(i18n, register.title)}</h1>
            <p class="lead">{t!(i18n, register.lead)}</p>
            <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    let flash = flash.await.ok().flatten();
                    let error = submission_error(action.value(), flash.as_ref().map(|f| f.error.clone()));
                    let kept = |name: &str| flash.as_ref().and_then(|f| f.value(name)).unwrap_or_default();
                    let [username, real_name, chosen_type, id_number, phone, email] =
                        ["username", "real_name", "id_type", "id_number", "phone", "email"].map(kept);
                    let id_type_problem = field_problem(error, Field::IdType);
                    view! {
                        <FormError error/>
                        <ActionForm action>
                            <fieldset>
                                <legend class="visually-hidden">{t!(i18n, register.title)}</legend>
                                <TextField label=move || t_string!(i18n, register.username) name="username"
                                    value=username hint=move || t_string!(i18n, register.username_hint)
                                    problem=field_problem(error, Field::Username) required=true
                                    autocomplete="username" maxlength=USERNAME_MAX/>
                                <TextField label=move || t_string!(i18n, register.password) name="password"
                                    input_type="password" hint=move || t_string!(i18n, register.password_hint)
                                    problem=field_problem(error, Field::Password) required=true
                                    autocomplete="new-password" maxlength=PASSWORD_MAX/>
                                <TextField label=move || t_string!(i18n, register.password_confirm) name="password_confirm"
                                    input_type="password" problem=field_problem(error, Field::PasswordConfirm)
                                    required=true autocomplete="new-password" maxlength=PASSWORD_MAX/>
                                <TextField label=move || t_string!(i18n, register.real_name) name="real_name"
                                    value=real_name problem=field_problem(error, Field::RealName)
                                    required=true autocomplete="name" maxlength=REAL_NAME_MAX/>
                                <div class="field" class:has-error=move || id_type_problem.get().is_some()>
                                    <label for="f-id_type">{t!(i18n, register.id_type)}<span class="required" aria-hidden="true">" *"</span></label>
                                    <select id="f-id_type" name="id_type" required data-testid="input-id_type"
                                        aria-invalid=move || if id_type_problem.get().is_some() { "true" } else { "false" }>
                                        {IdType::ALL.into_iter().map(|t| {
                                            let selected = chosen_type == t.code();
                                            view! { <option value=t.code() selected=selected>{move || text::id_type(i18n.get_locale(), t)}</option> }
                                        }).collect_view()}
                                    </select>
                                    {move || id_type_problem.get().map(|p| view! {
                                        <p class="field-error" data-testid="error-id_type">{move || text::problem(i18n.get_locale(), p)}</p>
                                    })}
                                </div>
                                <TextField label=move || t_string!(i18n, register.id_number) name="id_number"
                                    value=id_number hint=move || t_string!(i18n, register.id_number_hint)
                                    problem=field_problem(error, Field::IdNumber) required=true maxlength=32/>
                                <TextField label=move || t_string!(i18n, register.phone) name="phone" input_type="tel"
                                    value=phone problem=field_problem(error, Field::Phone)
                                    autocomplete="tel" maxlength=20/>
                                <TextField label=move || t_string!(i18n, register.email) name="email" input_type="email"
                                    value=email problem=field_problem(error, Field::Email)
                                    autocomplete="email" maxlength=EMAIL_MAX/>
                            </fieldset>
                            <button type="submit" class="button primary" data-testid="register-submit">
                                {t!(i18n, register.submit)}
                            </button>
                        </ActionForm>
                    }
                })}
            </Suspense>
            <p class="aside">{t!(i18n, register.have_account)}" "<A href="/login">{t!(i18n, register.login_link)}</A></p>
        </section>
    }
}
